//! How long to wait before the next attempt after a failure.

use crate::Millis;

/// `base · 2^(attempt−1)`, capped at `cap`; `attempt` counts failures in a row from 1.
/// Saturating, so a provider that fails for weeks never overflows the delay.
pub fn delay(attempt: u32, base: Millis, cap: Millis) -> Millis {
    let doublings = attempt.saturating_sub(1).min(62);
    base.saturating_mul(1 << doublings).min(cap).max(0)
}

#[cfg(test)]
mod tests {
    use super::delay;

    #[test]
    fn doubles_up_to_the_cap() {
        let got: Vec<_> = (1..=8).map(|n| delay(n, 5_000, 300_000)).collect();
        assert_eq!(
            got,
            [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]
        );
    }

    #[test]
    fn never_overflows() {
        assert_eq!(delay(u32::MAX, 5_000, 300_000), 300_000);
        assert_eq!(delay(64, i64::MAX / 2, i64::MAX), i64::MAX);
        assert_eq!(delay(0, 5_000, 300_000), 5_000);
    }
}

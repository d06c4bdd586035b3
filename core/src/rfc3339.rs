//! RFC 3339 / ISO 8601 date-times, as Power BI's GenerateToken writes `expiration`.
//!
//! Hand-written rather than a date crate: it is the only date format we read, and every byte
//! counts against the size budget.

use crate::Millis;

/// Parses `YYYY-MM-DD[T| ]hh:mm[:ss[.fff…]][Z|±hh:mm|±hhmm]` into milliseconds since the epoch.
///
/// A missing offset is read as UTC: backends that drop the `Z` (e.g. a .NET `DateTime` of
/// unspecified kind) still mean the UTC value Power BI gave them.
pub fn parse(text: &str) -> Option<Millis> {
    // ASCII whitespace only: what JSON and HTTP headers carry; Unicode trimming costs bytes.
    let mut c = Cursor(text.trim_ascii().as_bytes());
    let year = c.digits(4)?;
    c.eat(b'-')?;
    let month = c.digits(2)?;
    c.eat(b'-')?;
    let day = c.digits(2)?;
    match c.next()? {
        b'T' | b't' | b' ' => {}
        _ => return None,
    }
    let hour = c.digits(2)?;
    c.eat(b':')?;
    let minute = c.digits(2)?;
    let mut second = 0;
    let mut millis = 0;
    if c.peek() == Some(b':') {
        c.next();
        second = c.digits(2)?;
        if c.peek() == Some(b'.') || c.peek() == Some(b',') {
            c.next();
            millis = c.fraction_millis()?;
        }
    }
    let offset_minutes = match c.next() {
        None => 0,
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = c.digits(2)?;
            if c.peek() == Some(b':') {
                c.next();
            }
            let m = c.digits(2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
        Some(_) => return None,
    };
    if !c.0.is_empty() {
        return None;
    }
    // 24:00 and leap seconds are not worth the bytes: no token expires on them.
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// A byte cursor; every method returns `None` on anything unexpected.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    fn digits(&mut self, count: usize) -> Option<i64> {
        let mut value = 0;
        for _ in 0..count {
            let d = self.next()?;
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(d - b'0');
        }
        Some(value)
    }

    /// Any number of fraction digits (.NET writes seven); milliseconds keep the first three.
    fn fraction_millis(&mut self) -> Option<i64> {
        let mut millis = 0;
        let mut count = 0;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.next();
            if count < 3 {
                millis = millis * 10 + i64::from(d - b'0');
            }
            count += 1;
        }
        if count == 0 {
            return None;
        }
        for _ in count..3 {
            millis *= 10;
        }
        Some(millis)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_bi_generate_token_expiration() {
        // 2018-07-29T17:58:19Z, the example in Power BI's REST reference.
        assert_eq!(parse("2018-07-29T17:58:19Z"), Some(1_532_887_099_000));
    }

    #[test]
    fn epoch_and_leap_days() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        assert_eq!(parse("2024-02-29T12:00:00Z"), Some(1_709_208_000_000));
        assert_eq!(parse("2100-02-29T00:00:00Z"), None);
        assert_eq!(parse("2023-02-29T00:00:00Z"), None);
    }

    #[test]
    fn fractions_of_any_length() {
        let base = parse("2026-11-28T10:00:00Z").unwrap();
        assert_eq!(parse("2026-11-28T10:00:00.5Z"), Some(base + 500));
        assert_eq!(parse("2026-11-28T10:00:00.25Z"), Some(base + 250));
        assert_eq!(parse("2026-11-28T10:00:00.123Z"), Some(base + 123));
        assert_eq!(parse("2026-11-28T10:00:00.1234567Z"), Some(base + 123));
        assert_eq!(parse("2026-11-28T10:00:00,5Z"), Some(base + 500));
        assert_eq!(parse("2026-11-28T10:00:00.Z"), None);
    }

    #[test]
    fn offsets_move_the_instant() {
        let utc = parse("2026-11-28T10:00:00Z").unwrap();
        assert_eq!(parse("2026-11-28T11:30:00+01:30"), Some(utc));
        assert_eq!(parse("2026-11-28T11:30:00+0130"), Some(utc));
        assert_eq!(parse("2026-11-28T05:00:00-05:00"), Some(utc));
        assert_eq!(parse("2026-11-28T10:00:00+00:00"), Some(utc));
        assert_eq!(parse("2026-11-28t10:00:00z"), Some(utc));
        assert_eq!(parse("2026-11-28 10:00:00Z"), Some(utc));
        assert_eq!(parse("2026-11-28T10:00:00+24:00"), None);
    }

    #[test]
    fn missing_offset_and_seconds() {
        let utc = parse("2026-11-28T10:00:00Z").unwrap();
        assert_eq!(parse("2026-11-28T10:00:00"), Some(utc));
        assert_eq!(parse("2026-11-28T10:00Z"), Some(utc));
        assert_eq!(parse("  2026-11-28T10:00:00Z \n"), Some(utc));
    }

    #[test]
    fn garbage_is_none() {
        for text in [
            "",
            "tomorrow",
            "2026-11-28",
            "2026-11-28T",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-28T25:00:00Z",
            "2026-11-28T10:60:00Z",
            "2026-11-28T10:00:60Z",
            "2026-11-28T10:00:00ZZ",
            "2026-11-28T10:00:00+1",
            "2026-11-28X10:00:00Z",
            "26-11-28T10:00:00Z",
            "2026-11-28T10:00:00 UTC",
            "1764324000000",
            "２０２６-11-28T10:00:00Z",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}

//! Arbitrary inputs to the decision core: never a panic, never two refreshes in flight, and
//! every deadline the anchoring accepts lies after the moment the token arrived.
#![cfg(not(target_arch = "wasm32"))]

use powerbi_token_refresh_core::anchor::{anchor, Claims};
use powerbi_token_refresh_core::schedule::{Policy, Schedule, Trigger};
use powerbi_token_refresh_core::Millis;
use proptest::prelude::*;

fn instant() -> impl Strategy<Value = Option<Millis>> {
    prop_oneof![
        Just(None),
        any::<Millis>().prop_map(Some),
        (1_700_000_000_000..1_900_000_000_000i64).prop_map(Some),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Observe(Millis, Option<Millis>),
    Poll(Millis, bool, bool),
    Succeeded(Millis, Millis),
    Failed(Millis, f64),
    Abandoned,
    OnlineAgain,
}

fn step() -> impl Strategy<Value = Step> {
    let t = -1_000_000_000i64..1_000_000_000;
    prop_oneof![
        (t.clone(), prop::option::of(t.clone())).prop_map(|(w, m)| Step::Observe(w, m)),
        (t.clone(), any::<bool>(), any::<bool>()).prop_map(|(n, m, o)| Step::Poll(n, m, o)),
        (t.clone(), t.clone()).prop_map(|(n, e)| Step::Succeeded(n, e)),
        (t, any::<f64>()).prop_map(|(n, r)| Step::Failed(n, r)),
        Just(Step::Abandoned),
        Just(Step::OnlineAgain),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn anchored_deadlines_lie_ahead(
        now in any::<Millis>(),
        expires_at in instant(),
        expires_in in prop_oneof![Just(None), (0..Millis::MAX).prop_map(Some)],
        server_now in instant(),
        issued_at in instant(),
    ) {
        let claims = Claims { expires_at, expires_in, server_now, issued_at };
        if let Ok(anchored) = anchor(now, claims) {
            prop_assert!(anchored.expires_at > now);
        }
    }

    #[test]
    fn any_sequence_keeps_one_flight_and_sane_times(
        margin in 0..100_000_000i64,
        retry_base in 1..1_000_000i64,
        min_gap in 0..1_000_000i64,
        start in instant(),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let policy = Policy {
            margin,
            retry_base,
            retry_cap: retry_base * 60,
            min_gap,
            check_interval: 30_000,
        };
        let mut s = Schedule::new(policy, start);
        let mut in_flight = false;
        for step in steps {
            match step {
                Step::Observe(wall, mono) => { s.observe(wall, mono); }
                // The machine polls only while no refresh is in flight (it keeps that state).
                Step::Poll(now, manual, online) if !in_flight => {
                    let wake = s.next_wake(now, || online);
                    let started = s.poll(now, Trigger { manual }, || online).is_some();
                    if !manual {
                        // The wake time is exactly when an automatic check starts a refresh: a
                        // timer that fires never finds nothing to do, nor comes too late.
                        prop_assert_eq!(started, wake.is_some_and(|w| w <= now));
                    }
                    in_flight |= started;
                }
                Step::Succeeded(now, at) if in_flight => { s.succeeded(now, at); in_flight = false; }
                Step::Failed(now, random) if in_flight => {
                    let retry = s.failed(now, random);
                    prop_assert!(retry > now || now == Millis::MAX, "a retry not in the future");
                    in_flight = false;
                }
                Step::Abandoned => in_flight = false,
                Step::OnlineAgain => s.online_again(),
                _ => {}
            }
        }
    }
}

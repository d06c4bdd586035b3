//! Arbitrary input to every parser: never a panic, and every accepted value is in range.
#![cfg(not(target_arch = "wasm32"))]

use powerbi_token_refresh_core::{expiration, js_number, rfc3339};
use proptest::prelude::*;

const LATEST: i64 = 8_640_000_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn any_text_as_a_date(text in ".{0,40}") {
        let _ = rfc3339::parse(&text);
        if let Ok(ms) = expiration::from_text(&text) {
            prop_assert!((946_684_800_000..=LATEST).contains(&ms));
        }
    }

    #[test]
    fn date_shaped_text(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{0,9})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?") {
        if let Some(ms) = rfc3339::parse(&text) {
            // Re-reading the same instant written in UTC gives the same value.
            let again = rfc3339::parse(&text.to_uppercase());
            prop_assert_eq!(Some(ms), again);
        }
    }

    #[test]
    fn any_number_as_millis(ms in any::<f64>()) {
        if let Ok(at) = expiration::from_millis(ms) {
            prop_assert!((946_684_800_000..=LATEST).contains(&at));
        }
    }

    #[test]
    fn any_number_as_a_jwt_claim(seconds in any::<f64>()) {
        if let Ok(ms) = expiration::from_exp_claim(Some(seconds)) {
            prop_assert!((946_684_800_000..=LATEST).contains(&ms));
        }
        if let Some(ms) = expiration::from_iat_claim(Some(seconds)) {
            prop_assert!((946_684_800_000..=LATEST).contains(&ms));
        }
    }

    #[test]
    fn any_number_from_javascript(value in any::<f64>()) {
        if let Some(ms) = js_number::instant(value) {
            prop_assert!((-LATEST..=LATEST).contains(&ms));
        }
    }
}

//! Arbitrary input to every parser: never a panic, and every accepted value is in range.
#![cfg(not(target_arch = "wasm32"))]

use powerbi_token_refresh::{expiration, jwt, rfc3339};
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
    fn any_text_as_a_jwt(token in "[A-Za-z0-9_=.-]{0,200}") {
        let _ = jwt::exp_seconds(&token);
        if let Ok(ms) = expiration::from_jwt(&token) {
            prop_assert!((946_684_800_000..=LATEST).contains(&ms));
        }
    }

    #[test]
    fn any_json_payload_in_a_jwt(payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let token = format!("e30.{}.c2ln", base64url(&payload));
        let _ = expiration::from_jwt(&token);
    }

    #[test]
    fn jwt_round_trip(exp in 946_684_800i64..100_000_000_000i64) {
        let payload = format!(r#"{{"aud":"x","exp":{exp},"nbf":1}}"#);
        let token = format!("e30.{}.c2ln", base64url(payload.as_bytes()));
        prop_assert_eq!(expiration::from_jwt(&token), Ok(exp * 1000));
    }
}

fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

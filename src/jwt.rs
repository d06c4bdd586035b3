//! The `exp` and `iat` claims of a JWT (Azure AD access tokens), read without verifying
//! anything: the refresher only needs to know when the token stops working (and when the
//! issuer's clock said it was made), not whether to trust it.

use crate::json_member::top_level_number;

/// Seconds since the epoch from the payload's `exp` claim, if the token is a JWS-compact JWT
/// (`header.payload.signature`) whose payload is a JSON object with a numeric `exp`.
pub fn exp_seconds(token: &str) -> Option<f64> {
    claim_seconds(token, "exp")
}

/// The `iat` claim (issued at, seconds since the epoch on the issuer's clock).
pub fn iat_seconds(token: &str) -> Option<f64> {
    claim_seconds(token, "iat")
}

fn claim_seconds(token: &str, claim: &str) -> Option<f64> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = base64url_decode(payload)?;
    top_level_number(&json, claim)
}

/// Decodes base64url (RFC 4648 §5); padding is tolerated, as some issuers leave it in.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    // A lone trailing character carries fewer than 8 bits: not valid base64.
    if bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            b64(br#"{"alg":"RS256","typ":"JWT"}"#),
            b64(payload.as_bytes())
        )
    }

    #[test]
    fn decodes_base64url_of_every_length() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(
                base64url_decode(&b64(&bytes)),
                Some(bytes.clone()),
                "len {len}"
            );
        }
        assert_eq!(base64url_decode("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("a+b/"), None);
    }

    #[test]
    fn reads_exp_from_an_azure_ad_shaped_token() {
        let token = jwt(
            r#"{"aud":"https://analysis.windows.net/powerbi/api","iss":"https://sts.windows.net/x/","iat":1764320000,"nbf":1764320000,"exp":1764324000,"scp":"Report.Read.All"}"#,
        );
        assert_eq!(exp_seconds(&token), Some(1_764_324_000.0));
        assert_eq!(iat_seconds(&token), Some(1_764_320_000.0));
        assert_eq!(iat_seconds(&jwt(r#"{"exp":1}"#)), None);
    }

    #[test]
    fn not_a_jwt() {
        assert_eq!(exp_seconds(""), None);
        assert_eq!(exp_seconds("H4sIAAAAAAAEAB2Wx"), None);
        assert_eq!(exp_seconds("a.b"), None);
        assert_eq!(exp_seconds("a.b.c.d.e"), None);
        assert_eq!(exp_seconds(&jwt(r#"{"iat":1}"#)), None);
        assert_eq!(exp_seconds(&jwt(r#"{"exp":"1764324000"}"#)), None);
        assert_eq!(exp_seconds(&jwt(r#"[{"exp":1}]"#)), None);
        assert_eq!(exp_seconds(&format!("{}.!!!.sig", b64(b"{}"))), None);
    }
}

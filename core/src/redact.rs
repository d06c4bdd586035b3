//! What of a token may appear in a log: its last four characters, enough to tell two apart.

pub fn redact(token: &str) -> String {
    let mut out = String::from("…");
    // Tokens are ASCII (base64 and dots); anything else shows nothing rather than split a char.
    if let Some(tail) = token
        .len()
        .checked_sub(4)
        .filter(|_| token.len() >= 16)
        .and_then(|at| token.get(at..))
    {
        out.push_str(tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn keeps_only_the_last_four_characters() {
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOi.payload.signatureXYZ9";
        assert_eq!(redact(token), "…XYZ9");
        assert!(!redact(token).contains("eyJ"));
    }

    #[test]
    fn short_tokens_show_nothing() {
        assert_eq!(redact(""), "…");
        assert_eq!(redact("short-token-123"), "…");
        assert_eq!(
            redact("ééééééééééééééé€"),
            "…",
            "a multi-byte tail is not split"
        );
        assert_eq!(redact("abcdefghijklmnopé"), "…opé");
    }
}

//! Just enough JSON to read one numeric member of a top-level object (a JWT's `exp`).
//!
//! A full JSON parser would cost more bytes than the rest of the core. Nested values are skipped
//! without recursion, so hostile nesting cannot overflow the stack.

/// The value of `key` in the top-level object of `json` when it is a finite number. Like
/// `JSON.parse`, a repeated key takes its last value. Keys are compared as written (escapes are
/// not decoded).
pub fn top_level_number(json: &[u8], key: &str) -> Option<f64> {
    let mut p = Parser { s: json, i: 0 };
    p.ws();
    p.eat(b'{')?;
    let mut found = None;
    p.ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
        return p.end().and(found);
    }
    loop {
        p.ws();
        let name = p.string()?;
        p.ws();
        p.eat(b':')?;
        p.ws();
        if name == key.as_bytes() {
            found = p.number();
            if found.is_none() {
                p.skip_value()?;
            }
        } else {
            p.skip_value()?;
        }
        p.ws();
        match p.bump()? {
            b',' => continue,
            b'}' => return p.end().and(found),
            _ => return None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.bump()? == b).then_some(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.s.len()).then_some(())
    }

    /// A string's raw bytes between the quotes.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.bump()? {
                b'"' => return Some(&self.s[start..self.i - 1]),
                b'\\' => {
                    self.bump()?;
                }
                c if c < 0x20 => return None,
                _ => {}
            }
        }
    }

    /// A JSON number; on anything else the cursor is left where it was.
    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if !self.peek()?.is_ascii_digit() {
            self.i = start;
            return None;
        }
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
        ) {
            self.i += 1;
        }
        let text = core::str::from_utf8(&self.s[start..self.i]).ok();
        match text
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|n| n.is_finite())
        {
            Some(n) => Some(n),
            None => {
                self.i = start;
                None
            }
        }
    }

    /// Skips one value of any kind, counting brackets instead of recursing.
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    self.i += 1;
                    depth += 1;
                    continue;
                }
                b'}' | b']' if depth > 0 => {
                    self.i += 1;
                    depth -= 1;
                }
                b',' | b':' if depth > 0 => {
                    self.i += 1;
                    continue;
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                b't' | b'f' | b'n' => {
                    let rest = &self.s[self.i..];
                    let len = [&b"true"[..], b"false", b"null"]
                        .into_iter()
                        .find(|lit| rest.starts_with(lit))?
                        .len();
                    self.i += len;
                }
                _ => return None,
            }
            if depth == 0 {
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::top_level_number as num;

    #[test]
    fn finds_the_member_among_others() {
        let json = br#"{"a":[1,{"exp":5},"x"],"b":{"c":null},"exp":1764324000,"d":true}"#;
        assert_eq!(num(json, "exp"), Some(1_764_324_000.0));
        assert_eq!(num(br#" { "exp" : 1.5e3 } "#, "exp"), Some(1500.0));
        assert_eq!(num(br#"{"exp":-1}"#, "exp"), Some(-1.0));
    }

    #[test]
    fn last_of_repeated_keys_wins() {
        assert_eq!(num(br#"{"exp":1,"exp":2}"#, "exp"), Some(2.0));
    }

    #[test]
    fn nested_members_do_not_count() {
        assert_eq!(num(br#"{"claims":{"exp":1}}"#, "exp"), None);
        assert_eq!(num(br#"{"s":"\"exp\":1"}"#, "exp"), None);
    }

    #[test]
    fn malformed_json_is_none() {
        for json in [
            &b""[..],
            b"{",
            b"{}x",
            br#"{"exp":1"#,
            br#"{"exp":1,}"#,
            br#"{"exp":}"#,
            br#"{"exp":"1"}"#,
            br#"{"exp":1e999}"#,
            br#"{"exp":nul}"#,
            br#"{exp:1}"#,
            br#"["exp",1]"#,
            br#"{"a":[1,2}"#,
        ] {
            assert_eq!(num(json, "exp"), None, "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut json = b"{\"a\":".to_vec();
        json.extend(std::iter::repeat_n(b'[', 100_000));
        json.extend(std::iter::repeat_n(b']', 100_000));
        json.extend(b",\"exp\":7}");
        assert_eq!(num(&json, "exp"), Some(7.0));
    }
}

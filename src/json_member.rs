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

    /// A JSON number; on anything else the cursor is left where it was. Hand-rolled: the
    /// standard float parser alone would weigh more than this whole crate's core.
    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        let parsed = self.number_inner();
        if parsed.is_none() {
            self.i = start;
        }
        parsed.filter(|n| n.is_finite())
    }

    fn number_inner(&mut self) -> Option<f64> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let (mut value, digits) = self.digits(0.0);
        if digits == 0 {
            return None;
        }
        let mut scale: i32 = 0;
        if self.peek() == Some(b'.') {
            self.i += 1;
            let (with_fraction, fraction_digits) = self.digits(value);
            if fraction_digits == 0 {
                return None;
            }
            value = with_fraction;
            scale -= fraction_digits;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let sign = match self.peek() {
                Some(b'-') => {
                    self.i += 1;
                    -1
                }
                Some(b'+') => {
                    self.i += 1;
                    1
                }
                _ => 1,
            };
            let (exponent, exponent_digits) = self.digits(0.0);
            if exponent_digits == 0 {
                return None;
            }
            scale = scale.saturating_add(sign * exponent.min(10_000.0) as i32);
        }
        // Exact for the integers a JWT carries; within a few ulps otherwise, which is far finer
        // than the millisecond the result is rounded to.
        let magnitude = if scale >= 0 {
            value * 10f64.powi(scale)
        } else {
            value / 10f64.powi(-scale)
        };
        Some(if negative { -magnitude } else { magnitude })
    }

    /// Appends decimal digits to `value`; returns it and how many digits were read.
    fn digits(&mut self, mut value: f64) -> (f64, i32) {
        let mut count = 0;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.i += 1;
            value = value * 10.0 + f64::from(d - b'0');
            count += 1;
        }
        (value, count)
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
        assert_eq!(
            num(br#"{"exp":1764324000.25}"#, "exp"),
            Some(1_764_324_000.25)
        );
        assert_eq!(num(br#"{"exp":17.64324E+8}"#, "exp"), Some(1_764_324_000.0));
        assert_eq!(num(br#"{"exp":0}"#, "exp"), Some(0.0));
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
            br#"{"exp":1.}"#,
            br#"{"exp":1e}"#,
            br#"{"exp":-}"#,
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

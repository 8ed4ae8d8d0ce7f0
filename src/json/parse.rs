//! The recursive-descent parser (recursion bounded by [`Limits::max_depth`]).

use super::escape::{hex4, skip_plain};
use super::{JsonError, JsonErrorKind, Limits, Member, Span, Str, Value};
use std::borrow::Cow;

/// Parses one JSON document. `src` is already valid UTF-8; a BOM is a syntax error.
pub fn parse(src: &str, limits: &Limits) -> Result<Value, JsonError> {
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        max_depth: limits.max_depth,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(p.err(JsonErrorKind::TrailingData));
    }
    Ok(v)
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError {
            kind,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err(JsonErrorKind::Syntax)),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, JsonError> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err(JsonErrorKind::Syntax))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err(JsonErrorKind::Syntax)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::Syntax));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err(JsonErrorKind::Syntax));
            }
        }
        Ok(Value::Number(Span {
            start,
            end: self.pos,
        }))
    }

    fn string(&mut self) -> Result<Str, JsonError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos = skip_plain(self.b, self.pos);
            match self.peek() {
                Some(b'"') => {
                    let span = Span {
                        start,
                        end: self.pos,
                    };
                    self.pos += 1;
                    return Ok(Str { span, escaped });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return Err(self.err(JsonErrorKind::Syntax)),
            }
        }
    }

    /// At a backslash: validates one escape (a surrogate pair counts as one).
    fn escape(&mut self) -> Result<(), JsonError> {
        self.pos += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'u') => {
                let cp = hex4(self.src, self.pos + 1).ok_or(self.err(JsonErrorKind::Syntax))?;
                self.pos += 5;
                if (0xDC00..0xE000).contains(&cp) {
                    return Err(self.err(JsonErrorKind::LoneSurrogate));
                }
                if (0xD800..0xDC00).contains(&cp) {
                    let pair = self.b.get(self.pos..self.pos + 2) == Some(b"\\u");
                    let lo = if pair {
                        hex4(self.src, self.pos + 2)
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => self.pos += 6,
                        _ => return Err(self.err(JsonErrorKind::LoneSurrogate)),
                    }
                }
                Ok(())
            }
            _ => Err(self.err(JsonErrorKind::Syntax)),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > self.max_depth {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err(JsonErrorKind::Syntax)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > self.max_depth {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        let open = self.pos;
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err(JsonErrorKind::Syntax));
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err(JsonErrorKind::Syntax));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth)?;
            members.push(Member { key, value });
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    if has_duplicate_keys(self.src, &members) {
                        return Err(JsonError {
                            kind: JsonErrorKind::DuplicateKey,
                            offset: open,
                        });
                    }
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.err(JsonErrorKind::Syntax)),
            }
        }
    }
}

fn has_duplicate_keys(src: &str, members: &[Member]) -> bool {
    if members.len() < 2 {
        return false;
    }
    if members.len() <= 8 {
        let keys: Vec<Cow<'_, str>> = members.iter().map(|m| m.key.decode(src)).collect();
        return keys
            .iter()
            .enumerate()
            .any(|(i, k)| keys.iter().skip(i + 1).any(|o| o == k));
    }
    let mut keys: Vec<Cow<'_, str>> = members.iter().map(|m| m.key.decode(src)).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w.first() == w.get(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Value, JsonErrorKind> {
        parse(s, &Limits::default()).map_err(|e| e.kind)
    }

    #[test]
    fn accepts_rfc_documents() {
        for ok in [
            "{}",
            "[]",
            " {\"a\" : [1, -0.0, 1E400, 18446744073709551617, true, false, null] } ",
            "\"\\ud83d\\ude00\"",
            "0",
            "{\"a\":{\"a\":1}}",
        ] {
            assert!(p(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_openai_might_read_differently() {
        use JsonErrorKind::*;
        let cases: &[(&str, JsonErrorKind)] = &[
            ("", Syntax),
            ("\u{feff}{}", Syntax),
            ("{\"a\":1,}", Syntax),
            ("[1,]", Syntax),
            ("{\"a\":NaN}", Syntax),
            ("// c\n{}", Syntax),
            ("{\"a\":1} x", TrailingData),
            ("{}{}", TrailingData),
            ("{\"a\":1,\"a\":2}", DuplicateKey),
            ("{\"a\":1,\"\\u0061\":2}", DuplicateKey),
            ("\"\\ud800\"", LoneSurrogate),
            ("\"\\udc00\"", LoneSurrogate),
            ("\"\\ud800\\u0041\"", LoneSurrogate),
            ("\"a\nb\"", Syntax),
            ("\"\\x\"", Syntax),
            ("01", TrailingData),
            ("1.", Syntax),
            ("-", Syntax),
            ("\"abc", Syntax),
            ("{\"a\" 1}", Syntax),
            ("tru", Syntax),
        ];
        for (src, kind) in cases {
            assert_eq!(p(src).err(), Some(*kind), "{src:?}");
        }
    }

    #[test]
    fn duplicate_keys_in_large_objects() {
        let mut s = String::from("{");
        for i in 0..20 {
            s.push_str(&format!("\"k{i}\":{i},"));
        }
        s.push_str("\"k3\":0}");
        assert_eq!(p(&s).err(), Some(JsonErrorKind::DuplicateKey));
    }

    #[test]
    fn depth_is_bounded() {
        let ok = "[".repeat(64) + &"]".repeat(64);
        assert!(p(&ok).is_ok());
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert_eq!(p(&deep).err(), Some(JsonErrorKind::TooDeep));
        let huge = "[".repeat(100_000);
        assert_eq!(p(&huge).err(), Some(JsonErrorKind::TooDeep));
    }

    #[test]
    fn spans_point_into_the_source() {
        let src = r#"{"model":"gpt-4o","n":1.50,"s":"a\nb"}"#;
        let v = p(src).unwrap();
        let Value::Number(n) = v.get(src, "n").unwrap() else {
            panic!()
        };
        assert_eq!(n.of(src), "1.50");
        assert_eq!(v.get(src, "model").unwrap().as_str(src).unwrap(), "gpt-4o");
        assert_eq!(v.get(src, "s").unwrap().as_str(src).unwrap(), "a\nb");
    }
}

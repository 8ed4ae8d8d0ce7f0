//! JSON string escapes: decoding raw string contents and encoding text back into them.

/// Decodes the raw contents of a JSON string that the parser accepted. Runs without escapes
/// are copied whole. Malformed escapes (which the parser rejects) decode to U+FFFD rather than
/// panicking.
pub fn decode_str(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    decode_into(raw, &mut out);
    out
}

/// Appends the decoded raw contents of a JSON string to `out` (see [`decode_str`]).
pub fn decode_into(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let esc = rest.get(i..).unwrap_or("");
        let used = decode_escape(esc, out);
        rest = esc.get(used..).unwrap_or("");
    }
    out.push_str(rest);
}

/// Decodes the escape at the start of `esc` (which starts with a backslash) into `out`;
/// returns how many bytes it used.
fn decode_escape(esc: &str, out: &mut String) -> usize {
    let simple = match esc.as_bytes().get(1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{08}',
        Some(b'f') => '\u{0C}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let Some(hi) = hex4(esc, 2) else {
                out.push('\u{FFFD}');
                return 2;
            };
            if (0xD800..0xDC00).contains(&hi) {
                let lo = if esc.get(6..8) == Some("\\u") {
                    hex4(esc, 8).filter(|lo| (0xDC00..0xE000).contains(lo))
                } else {
                    None
                };
                return match lo {
                    Some(lo) => {
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        12
                    }
                    None => {
                        out.push('\u{FFFD}');
                        6
                    }
                };
            }
            out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
            return 6;
        }
        Some(_) => {
            out.push('\u{FFFD}');
            return 2;
        }
        None => {
            out.push('\u{FFFD}');
            return 1;
        }
    };
    out.push(simple);
    2
}

/// Reads four hex digits at byte offset `at`.
pub(super) fn hex4(raw: &str, at: usize) -> Option<u32> {
    let s = raw.get(at..at + 4)?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Appends `s` as the contents of a JSON string (without quotes): `"`, `\` and control
/// characters are escaped; everything else, non-ASCII included, is written as is.
pub fn escape_into(s: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0C => Some("\\f"),
            0..=0x1F => None,
            _ => continue,
        };
        out.push_str(s.get(last..i).unwrap_or(""));
        match esc {
            Some(e) => out.push_str(e),
            None => out.push_str(&format!("\\u{:04x}", b)),
        }
        last = i + 1;
    }
    out.push_str(s.get(last..).unwrap_or(""));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_escape() {
        assert_eq!(
            decode_str(r#"a\"b\\c\/d\b\f\n\r\t"#),
            "a\"b\\c/d\u{8}\u{c}\n\r\t"
        );
        assert_eq!(decode_str(r"\u0041\u00e9\u20AC"), "Aé€");
        assert_eq!(decode_str(r"\ud83d\ude00!"), "😀!");
        assert_eq!(decode_str(r"x\ud83dy"), "x\u{FFFD}y");
        assert_eq!(decode_str("\\"), "\u{FFFD}");
    }

    #[test]
    fn escape_round_trips() {
        let s = "quote\" back\\ nl\n tab\t ctl\u{1} é 😀 </script>";
        let mut out = String::new();
        escape_into(s, &mut out);
        assert_eq!(decode_str(&out), s);
        let v: String = serde_json::from_str(&format!("\"{out}\"")).unwrap();
        assert_eq!(v, s);
    }
}

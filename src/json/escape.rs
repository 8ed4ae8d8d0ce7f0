//! JSON string escapes: decoding raw string contents and encoding text back into them.

/// Decodes the raw contents of a JSON string that the parser accepted. Malformed escapes
/// (which the parser rejects) decode to U+FFFD rather than panicking.
pub fn decode_str(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((i, e)) = chars.next() else {
            out.push('\u{FFFD}');
            break;
        };
        match e {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{08}'),
            'f' => out.push('\u{0C}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let hi = hex4(raw, i + 1);
                for _ in 0..4 {
                    chars.next();
                }
                let Some(hi) = hi else {
                    out.push('\u{FFFD}');
                    continue;
                };
                if (0xD800..0xDC00).contains(&hi) {
                    // Expect `\uDC00`-`\uDFFF` next.
                    let lo = if raw.get(i + 5..i + 7) == Some("\\u") {
                        hex4(raw, i + 7).filter(|lo| (0xDC00..0xE000).contains(lo))
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) => {
                            for _ in 0..6 {
                                chars.next();
                            }
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        None => out.push('\u{FFFD}'),
                    }
                } else {
                    out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                }
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
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

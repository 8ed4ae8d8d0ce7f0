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
pub(crate) fn hex4(raw: &str, at: usize) -> Option<u32> {
    let s = raw.get(at..at + 4)?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Appends `s` as the contents of a JSON string (without quotes): `"`, `\\` and control
/// characters are escaped; everything else, non-ASCII included, is written as is. Runs that
/// need no escape are copied whole (found eight bytes at a time).
pub fn escape_into(s: &str, out: &mut String) {
    out.reserve(s.len());
    let b = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    loop {
        i = skip_plain(b, i);
        let Some(&c) = b.get(i) else {
            break;
        };
        let plain = s.get(last..i);
        debug_assert!(plain.is_some(), "skip_plain stops at an ASCII byte");
        out.push_str(plain.unwrap_or(""));
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            _ => out.push_str(&format!("\\u{:04x}", c)),
        }
        i += 1;
        last = i;
    }
    let rest = s.get(last..);
    debug_assert!(rest.is_some(), "escapes end on char boundaries");
    out.push_str(rest.unwrap_or(""));
}

/// The raw contents `raw` of a JSON string (`escaped`: it holds a `\\` escape) with some
/// ranges of its decoded value replaced: `edits` are (start, end, text) in decoded byte
/// offsets, sorted by start (one that starts before the previous one's end is skipped, as
/// [`crate::redact::apply`] does). Each text is written escaped; every other byte is copied
/// as it is, escapes included, so the result decodes to the edited value and nothing outside
/// the edits is re-encoded. An edit whose end is before its start is taken as an insertion
/// at its start. `None` when an edit bound is not the start of a decoded character of `raw`
/// (the caller then encodes the edited value whole).
pub fn splice_raw<'t>(
    raw: &str,
    escaped: bool,
    edits: impl IntoIterator<Item = (usize, usize, &'t str)>,
) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut cursor = RawCursor::new(raw, escaped);
    let (mut last_raw, mut last_end) = (0, 0);
    for (start, end, text) in edits {
        if start < last_end {
            continue;
        }
        let raw_start = cursor.raw_of(start)?;
        let raw_end = cursor.raw_of(end.max(start))?;
        out.push_str(raw.get(last_raw..raw_start)?);
        escape_into(text, &mut out);
        last_raw = raw_end;
        last_end = end.max(start);
    }
    out.push_str(raw.get(last_raw..)?);
    Some(out)
}

/// Walks the raw contents of a JSON string alongside its decoded value, forward only.
struct RawCursor<'a> {
    raw: &'a str,
    escaped: bool,
    /// Raw offset and the decoded offset it decodes to.
    r: usize,
    d: usize,
    /// Raw offset of the next backslash at or after `r` (or the length).
    next_escape: usize,
    /// Scratch for one decoded escape.
    one: String,
}

impl<'a> RawCursor<'a> {
    fn new(raw: &'a str, escaped: bool) -> Self {
        let mut c = Self {
            raw,
            escaped,
            r: 0,
            d: 0,
            next_escape: 0,
            one: String::new(),
        };
        c.find_escape();
        c
    }

    fn find_escape(&mut self) {
        let rest = self.raw.get(self.r..).unwrap_or("");
        self.next_escape = self.r + rest.find('\\').unwrap_or(rest.len());
    }

    /// The raw offset whose decoded offset is `d` (`d` at or after the last one asked), or
    /// `None` if `d` falls inside a decoded character or past the end.
    fn raw_of(&mut self, d: usize) -> Option<usize> {
        if !self.escaped {
            return self.raw.is_char_boundary(d).then_some(d);
        }
        while self.d < d {
            if self.r == self.next_escape {
                let rest = self.raw.get(self.r..)?;
                if rest.is_empty() {
                    return None;
                }
                self.one.clear();
                self.r += decode_escape(rest, &mut self.one);
                self.d += self.one.len();
                self.find_escape();
            } else {
                let step = (self.next_escape - self.r).min(d - self.d);
                self.r += step;
                self.d += step;
            }
        }
        (self.d == d && self.raw.is_char_boundary(self.r)).then_some(self.r)
    }
}

/// The position of the first byte at or after `i` that needs attention inside a JSON string
/// (`"`, `\\` or a control character), or the length; eight bytes at a time.
pub(crate) fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        let quote = x ^ (LO * u64::from(b'"'));
        let backslash = x ^ (LO * u64::from(b'\\'));
        // A byte is zero in `quote`/`backslash` where it matched; `x` has a byte below 0x20
        // where `x - 0x20..` borrows into a byte whose top bit was clear.
        let special = (quote.wrapping_sub(LO) & !quote)
            | (backslash.wrapping_sub(LO) & !backslash)
            | (x.wrapping_sub(LO * 0x20) & !x);
        if special & HI != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
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

    /// Decoded char boundaries of `raw`'s value, and the value.
    fn boundaries(raw: &str) -> (String, Vec<usize>) {
        let value = decode_str(raw);
        let mut b: Vec<usize> = value.char_indices().map(|(i, _)| i).collect();
        b.push(value.len());
        (value, b)
    }

    #[test]
    fn splice_raw_decodes_to_the_edited_value_and_keeps_other_escapes() {
        let raws = [
            r"plain text with no escape at all",
            r#"line one\nline two\n\nthird \u00e9t\u00e9 \/ \\ \"q\" \ud83d\ude00 end"#,
            r"\n\n\n",
            r"caf\u00e9\t\u20ac\b\f\r",
            "non-ASCII raw: \u{e9}\u{20ac}\u{1F600} and \\n escape",
        ];
        let texts = ["", "[EMAIL]", "a\"b\\c\n", "\u{e9}"];
        let mut r = ocf_devkit::corpus::Rng::new(6);
        let mut next = |n: usize| r.below(n);
        for raw in raws {
            let escaped = raw.contains('\\');
            let (value, bounds) = boundaries(raw);
            for _ in 0..400 {
                let mut cuts: Vec<usize> =
                    (0..next(6)).map(|_| bounds[next(bounds.len())]).collect();
                cuts.sort_unstable();
                let edits: Vec<(usize, usize, &str)> = cuts
                    .chunks(2)
                    .map(|c| (c[0], *c.get(1).unwrap_or(&c[0]), texts[next(texts.len())]))
                    .collect();
                // The same edits on the decoded value (in order, never overlapping).
                let mut want = String::new();
                let mut last = 0;
                for &(start, end, text) in &edits {
                    want.push_str(&value[last..start]);
                    want.push_str(text);
                    last = end;
                }
                want.push_str(&value[last..]);
                let got = splice_raw(raw, escaped, edits.iter().copied()).unwrap();
                assert_eq!(decode_str(&got), want, "{raw:?} {edits:?}");
                let v: String = serde_json::from_str(&format!("\"{got}\"")).unwrap();
                assert_eq!(v, want);
                // Bytes before the first edit are the raw bytes, escapes and all.
                if let Some(&(start, _, _)) = edits.first() {
                    let mut c = RawCursor::new(raw, escaped);
                    let r = c.raw_of(start).unwrap();
                    assert!(got.starts_with(&raw[..r]));
                }
            }
        }
    }

    #[test]
    fn splice_raw_refuses_a_bound_inside_a_decoded_character() {
        // `\u00e9` decodes to two bytes: offset 1 is inside it.
        assert_eq!(splice_raw(r"\u00e9x", true, [(1, 2, "y")]), None);
        // Inside a raw multi-byte character, escaped or not.
        assert_eq!(splice_raw("\u{e9}x", false, [(1, 2, "y")]), None);
        assert_eq!(splice_raw("\u{e9}\\n", true, [(1, 2, "y")]), None);
        // Past the end.
        assert_eq!(splice_raw(r"ab\n", true, [(4, 5, "y")]), None);
        assert_eq!(splice_raw("ab", false, [(3, 3, "y")]), None);
        assert_eq!(
            splice_raw(r"a\u00e9b", true, [(1, 3, "[X]")]).as_deref(),
            Some("a[X]b")
        );
    }

    #[test]
    fn skip_plain_stops_at_every_special_byte_in_every_position() {
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for pos in 0..20 {
                let mut v = vec![b'a'; 20];
                v[pos] = special;
                assert_eq!(skip_plain(&v, 0), pos, "{special:#x} at {pos}");
            }
        }
        let mut v = "é€😀 plain".repeat(5).into_bytes();
        let n = v.len();
        assert_eq!(skip_plain(&v, 0), n);
        v.push(b'"');
        assert_eq!(skip_plain(&v, 3), n);
    }

    #[test]
    fn escape_round_trips_with_specials_at_every_position() {
        for pos in 0..20 {
            for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', 'é', '😀'] {
                let mut s: String = "abcdefghijklmnopqrst".into();
                s.insert(pos, special);
                let mut out = String::new();
                escape_into(&s, &mut out);
                assert_eq!(decode_str(&out), s);
                let v: String = serde_json::from_str(&format!("\"{out}\"")).unwrap();
                assert_eq!(v, s);
            }
        }
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

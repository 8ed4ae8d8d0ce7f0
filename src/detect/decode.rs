//! Encoded forms inside a string, decoded for the scan: percent-encoding (RFC 3986 §2.1; a
//! double-encoded `%25XX` too), HTML character references (decimal, hexadecimal, named;
//! WHATWG HTML §13.5), and short base64 / base64url tokens (RFC 4648 §4-5) that decode to
//! UTF-8 text.
//!
//! The pass marks where they may be, at bytes it stops at anyway: a `%` before two hex digits,
//! an `&` before `#` or a letter, a long word holding a digit or a run ending in `=`
//! ([`mark_escape`], [`mark_base64`]). A base64 token with neither a digit nor padding is not
//! looked for (under 1 % of the base64 of short texts holding a value: looking for it would
//! cost a test on every eight letters). Text without such marks costs nothing more. With marks,
//! [`Decoded::build`] writes each encoded token decoded, one per line, with a map back to the
//! scanned text, and the whole detector set scans that text too. A finding in a decoded
//! percent or entity token maps back to the bytes that encode it (`jane%40example.com`); one
//! in a decoded base64 token maps back to the whole token. One level only: what a decoded
//! token encodes again is not decoded.

use super::text::{at, before};

/// Shortest base64 token decoded (9 bytes of text), and the longest: a longer run is a blob
/// (and a whole string of one is the walker's opaque class).
const B64_MIN: usize = 12;
const B64_MAX: usize = 4096;

/// What a mark points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A `%` or `&` at `start`: the whitespace-delimited token around it is decoded.
    Escape,
    /// A base64 run `start..end`.
    Base64,
}

/// A place the pass saw an encoded form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    start: usize,
    end: usize,
    form: Form,
}

/// At a `%` or `&` at `p`: marks it when an escape may start there.
#[inline]
pub(crate) fn mark_escape(t: &[u8], p: usize, marks: &mut Vec<Mark>) {
    let b = at(t, p);
    let may = match b {
        b'%' => at(t, p + 1).is_ascii_hexdigit() && at(t, p + 2).is_ascii_hexdigit(),
        b'&' => at(t, p + 1) == b'#' || at(t, p + 1).is_ascii_alphabetic(),
        _ => false,
    };
    if !may {
        return;
    }
    // One mark per token: a later escape of the same token moves its end (the gap since the
    // last escape is read once).
    if let Some(m) = marks.last_mut() {
        if m.form == Form::Escape && same_token(t, m.end, p) {
            m.end = p + 1;
            return;
        }
    }
    marks.push(Mark {
        start: p,
        end: p + 1,
        form: Form::Escape,
    });
}

/// Whether no whitespace lies between `a` and `b` (`a <= b`).
fn same_token(t: &[u8], a: usize, b: usize) -> bool {
    t.get(a..b)
        .is_some_and(|s| !s.iter().any(u8::is_ascii_whitespace))
}

fn b64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Around the word `[ws, we)` (it holds a digit, or ends before a `=`): marks the base64 run
/// holding it when it looks like one. `from`: no run is looked for before it (the end of the
/// last run looked at, which this moves on), so every byte is read at most once.
pub(crate) fn mark_base64(t: &[u8], ws: usize, we: usize, from: &mut usize, marks: &mut Vec<Mark>) {
    if ws < *from {
        return;
    }
    // Base64 of text mixes cases within a few characters: a word whose first twelve bytes do
    // not (a number, a date, a hex hash, a UUID) is not looked at further.
    let head = t.get(ws..we.min(ws + 12)).unwrap_or(&[]);
    if !head.is_empty() {
        let (mut up, mut low) = (false, false);
        for &b in head {
            up |= b.is_ascii_uppercase();
            low |= b.is_ascii_lowercase();
        }
        if !(up && low) {
            return;
        }
    }
    let mut s = ws;
    while s > *from && b64_char(before(t, s)) && we - s < B64_MAX + 4 {
        s -= 1;
    }
    let mut e = we;
    while b64_char(at(t, e)) && e - s < B64_MAX + 4 {
        e += 1;
    }
    *from = e;
    let body_end = e;
    let mut pad = 0;
    while at(t, e) == b'=' && pad < 2 {
        e += 1;
        pad += 1;
    }
    let Some(run) = t.get(s..body_end) else {
        return;
    };
    let n = run.len();
    if !(B64_MIN..=B64_MAX).contains(&n)
        || n % 4 == 1
        || (pad > 0 && (n + pad) % 4 != 0)
        || b64_char(before(t, s))
        || at(t, e) == b'='
    {
        return;
    }
    let (mut up, mut low, mut digit, mut std, mut url) = (false, false, false, false, false);
    for &b in run {
        if !b64_char(b) {
            return;
        }
        up |= b.is_ascii_uppercase();
        low |= b.is_ascii_lowercase();
        digit |= b.is_ascii_digit();
        std |= b == b'+' || b == b'/';
        url |= b == b'-' || b == b'_';
    }
    if up && low && (digit || pad > 0) && !(std && url) {
        *from = e;
        marks.push(Mark {
            start: s,
            end: e,
            form: Form::Base64,
        });
    }
}

/// One piece of the decoded text: `len` bytes at `view` produced by the scanned bytes
/// `orig..orig_end`; identity pieces copy them, others stand for them as a whole. `token`
/// numbers the token a piece belongs to: a finding never maps across two.
#[derive(Debug, Clone, Copy)]
struct Seg {
    view: u32,
    orig: u32,
    orig_end: u32,
    identity: bool,
    token: u32,
}

/// The decoded text of the marked tokens of one scanned text, and its map back.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    text: String,
    segs: Vec<Seg>,
    bytes: Vec<u8>,
}

impl Decoded {
    /// Decodes the tokens `marks` point at in `t`. False when none decodes to anything new
    /// (or offsets would not fit 32 bits).
    pub(crate) fn build(&mut self, t: &str, marks: &[Mark]) -> bool {
        self.text.clear();
        self.segs.clear();
        if u32::try_from(t.len()).is_err() {
            return false;
        }
        let b = t.as_bytes();
        let mut done = 0usize;
        for (i, m) in marks.iter().enumerate() {
            let token = i as u32;
            match m.form {
                Form::Escape => {
                    if m.start < done {
                        continue;
                    }
                    let mut s = m.start;
                    while s > 0 && !before(b, s).is_ascii_whitespace() {
                        s -= 1;
                    }
                    let mut e = m.start;
                    while e < b.len() && !at(b, e).is_ascii_whitespace() {
                        e += 1;
                    }
                    done = e;
                    self.escapes(t, s, e, token);
                }
                Form::Base64 => self.base64(t, m.start, m.end, token),
            }
        }
        !self.text.is_empty()
    }

    /// The decoded text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    fn push_seg(&mut self, orig: usize, orig_end: usize, identity: bool, token: u32) {
        self.segs.push(Seg {
            view: self.text.len() as u32,
            orig: orig as u32,
            orig_end: orig_end as u32,
            identity,
            token,
        });
    }

    /// The token `t[s..e]` with its percent escapes and character references decoded, on a
    /// line of its own; nothing when none decodes.
    fn escapes(&mut self, t: &str, s: usize, e: usize, token: u32) {
        let b = t.as_bytes();
        let mark = (self.text.len(), self.segs.len());
        let mut changed = false;
        let mut run = s;
        let mut i = s;
        while i < e {
            let decoded = match at(b, i) {
                b'%' => match self.percent_run(b, i, e) {
                    Ok(n) => Some(n),
                    Err(skip) => {
                        i += skip;
                        continue;
                    }
                },
                b'&' => entity(b, i, e).map(|(c, n)| {
                    self.bytes.clear();
                    let mut tmp = [0u8; 4];
                    self.bytes
                        .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                    n
                }),
                _ => None,
            };
            let Some(n) = decoded else {
                i += 1;
                continue;
            };
            if std::str::from_utf8(&self.bytes).is_err() {
                i += 1;
                continue;
            }
            if run < i {
                self.push_seg(run, i, true, token);
                self.text.push_str(t.get(run..i).unwrap_or(""));
            }
            self.push_seg(i, i + n, false, token);
            if let Ok(text) = std::str::from_utf8(&self.bytes) {
                self.text.push_str(text);
            }
            changed = true;
            i += n;
            run = i;
        }
        if !changed {
            self.text.truncate(mark.0);
            self.segs.truncate(mark.1);
            return;
        }
        if run < e {
            self.push_seg(run, e, true, token);
            self.text.push_str(t.get(run..e).unwrap_or(""));
        }
        self.push_seg(e, e, false, token);
        self.text.push('\n');
    }

    /// A run of percent escapes at `i` (before `e`) into `self.bytes`: Ok with the bytes the
    /// escapes that decode to UTF-8 text cover, or Err with the length of the whole run (it is
    /// skipped, not tried again from its next escape: that would read it again and again).
    /// `%25XX` (a double-encoded escape) is one escape.
    fn percent_run(&mut self, b: &[u8], i: usize, e: usize) -> Result<usize, usize> {
        self.bytes.clear();
        let mut j = i;
        while j + 3 <= e && at(b, j) == b'%' {
            let Some(mut v) = hex2(at(b, j + 1), at(b, j + 2)) else {
                break;
            };
            let mut n = 3;
            if v == 0x25 && j + 5 <= e {
                if let Some(inner) = hex2(at(b, j + 3), at(b, j + 4)) {
                    v = inner;
                    n = 5;
                }
            }
            self.bytes.push(v);
            j += n;
        }
        // The longest prefix of the run that is whole UTF-8 characters.
        let ok = match std::str::from_utf8(&self.bytes) {
            Ok(_) => self.bytes.len(),
            Err(err) => err.valid_up_to(),
        };
        if ok == 0
            || self
                .bytes
                .iter()
                .take(ok)
                .any(|&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
        {
            return Err((j - i).max(1));
        }
        // Map the valid bytes back to the escapes that hold them.
        let mut covered = 0;
        let mut k = i;
        while covered < ok {
            let double = at(b, k + 1) == b'2'
                && at(b, k + 2) == b'5'
                && hex2(at(b, k + 3), at(b, k + 4)).is_some()
                && k + 5 <= e;
            k += if double { 5 } else { 3 };
            covered += 1;
        }
        self.bytes.truncate(ok);
        Ok(k - i)
    }

    /// The base64 token `t[s..e]`, decoded, on a line of its own, when it is UTF-8 text.
    fn base64(&mut self, t: &str, s: usize, e: usize, token: u32) {
        let Some(run) = t.as_bytes().get(s..e) else {
            return;
        };
        self.bytes.clear();
        if !decode_b64(run, &mut self.bytes) {
            return;
        }
        let text_like = std::str::from_utf8(&self.bytes).is_ok_and(|text| {
            text.chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        });
        if !text_like {
            return;
        }
        self.push_seg(s, e, false, token);
        if let Ok(text) = std::str::from_utf8(&self.bytes) {
            self.text.push_str(text);
        }
        self.text.push('\n');
    }

    fn seg_of(&self, pos: usize) -> Option<&Seg> {
        let i = self.segs.partition_point(|s| s.view as usize <= pos);
        self.segs.get(i.checked_sub(1)?)
    }

    /// Maps a span of the decoded text back to the scanned text: None when it runs across two
    /// tokens.
    pub(crate) fn map_back(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if end <= start {
            return None;
        }
        let a = self.seg_of(start)?;
        let z = self.seg_of(end - 1)?;
        if a.token != z.token {
            return None;
        }
        let s = if a.identity {
            a.orig as usize + (start - a.view as usize)
        } else {
            a.orig as usize
        };
        let e = if z.identity {
            z.orig as usize + (end - z.view as usize)
        } else {
            z.orig_end as usize
        };
        (e > s).then_some((s, e))
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex2(a: u8, b: u8) -> Option<u8> {
    Some(hex(a)? * 16 + hex(b)?)
}

/// Named character references we decode (WHATWG HTML §13.5): the ones that stand for
/// characters values are written with.
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("ensp", ' '),
    ("emsp", ' '),
    ("thinsp", ' '),
    ("commat", '@'),
    ("period", '.'),
    ("plus", '+'),
    ("minus", '-'),
    ("hyphen", '-'),
    ("dash", '-'),
    ("ndash", '-'),
    ("mdash", '-'),
    ("colon", ':'),
    ("semi", ';'),
    ("comma", ','),
    ("sol", '/'),
    ("bsol", '\\'),
    ("lowbar", '_'),
    ("num", '#'),
    ("lpar", '('),
    ("rpar", ')'),
    ("lsqb", '['),
    ("rsqb", ']'),
    ("excl", '!'),
    ("quest", '?'),
    ("equals", '='),
    ("percnt", '%'),
    ("dollar", '$'),
    ("tilde", '~'),
    ("Hat", '^'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("shy", '\u{AD}'),
];

/// A character reference at `i` (before `e`): the character and the bytes it covers.
fn entity(b: &[u8], i: usize, e: usize) -> Option<(char, usize)> {
    let semi = (i + 2..e.min(i + 34)).find(|&k| at(b, k) == b';')?;
    let name = b.get(i + 1..semi)?;
    let c = if let Some(num) = name.strip_prefix(b"#") {
        let (digits, radix) = match num.first() {
            Some(b'x' | b'X') => (num.get(1..)?, 16),
            _ => (num, 10),
        };
        if digits.is_empty() || digits.len() > 7 {
            return None;
        }
        let v = u32::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()?;
        char::from_u32(v).filter(|c| !c.is_control() || matches!(c, '\t' | '\n'))?
    } else {
        NAMED.iter().find(|(n, _)| n.as_bytes() == name)?.1
    };
    Some((c, semi + 1 - i))
}

/// Decodes base64 or base64url (padding optional) into `out`; false on a bad length.
fn decode_b64(run: &[u8], out: &mut Vec<u8>) -> bool {
    let body = match run.iter().position(|&b| b == b'=') {
        Some(p) => run.get(..p).unwrap_or(&[]),
        None => run,
    };
    if body.len() % 4 == 1 {
        return false;
    }
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> (String, Vec<Mark>) {
        let t = text.as_bytes();
        let mut marks = Vec::new();
        let mut from = 0;
        for (p, &b) in t.iter().enumerate() {
            if b == b'%' || b == b'&' {
                mark_escape(t, p, &mut marks);
            }
            if b == b'=' {
                // As the pass does at a `=`: the run before it.
                mark_base64(t, p, p, &mut from, &mut marks);
            } else if b.is_ascii_digit() {
                let mut ws = p;
                while ws > 0 && t[ws - 1].is_ascii_alphanumeric() {
                    ws -= 1;
                }
                let mut we = p + 1;
                while we < t.len() && t[we].is_ascii_alphanumeric() {
                    we += 1;
                }
                mark_base64(t, ws, we, &mut from, &mut marks);
            }
        }
        let mut d = Decoded::default();
        d.build(text, &marks);
        (d.as_str().to_string(), marks)
    }

    #[test]
    fn decodes_each_form_on_a_line() {
        assert_eq!(
            decoded("mailto:jane%40example.com ok").0,
            "mailto:jane@example.com\n"
        );
        assert_eq!(decoded("a%2540b%2Ec").0, "a@b.c\n");
        assert_eq!(decoded("to=Pel%C3%A9%40x.io").0, "to=Pelé@x.io\n");
        assert_eq!(decoded("jane&#64;x&period;io &amp;").0, "jane@x.io\n&\n");
        assert_eq!(decoded("4242&nbsp;4242").0, "4242 4242\n");
        assert_eq!(
            decoded("say amFuZUBleGFtcGxlLmNvbQ== now").0,
            "jane@example.com\n"
        );
        assert_eq!(
            decoded("url amFuZUBleGFtcGxlLm5ldDE now").0,
            "jane@example.net1\n"
        );
        // Nothing to decode.
        assert_eq!(decoded("100% sure, 50%off, &nope; %zz").0, "");
        assert_eq!(decoded("%DB-PASSWORD% and %E2%9C").0, "");
        // A run that is not text is skipped whole, and the escapes after it still decode.
        assert_eq!(decoded("%FF%41%42 a%40b.io").0, "a@b.io\n");
        assert_eq!(decoded("x%00%01y").0, "");
        assert_eq!(
            decoded("sha 9fceb02d0ae598e95dc970b74767f19372d61af8").0,
            ""
        );
        assert_eq!(decoded("id 123e4567-e89b-12d3-a456-426614174000").0, "");
    }

    #[test]
    fn maps_back_to_the_encoding_bytes() {
        let text = "x mailto:jane%40example.com and Y2FyZCA0MjQyIDQyNDI= y";
        let (dec, marks) = decoded(text);
        let mut d = Decoded::default();
        assert!(d.build(text, &marks));
        assert_eq!(d.as_str(), dec);
        let s = dec.find("jane@").unwrap();
        let (a, b) = d.map_back(s, s + "jane@example.com".len()).unwrap();
        assert_eq!(&text[a..b], "jane%40example.com");
        let s = dec.find("4242 4242").unwrap();
        let (a, b) = d.map_back(s, s + 9).unwrap();
        assert_eq!(&text[a..b], "Y2FyZCA0MjQyIDQyNDI=");
        // Across two tokens: nothing.
        assert!(d.map_back(dec.find("jane").unwrap(), s + 2).is_none());
    }
}

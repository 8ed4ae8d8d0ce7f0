//! Email addresses, anchored on `@` (RFC 5322 §3.4.1 addr-spec): a dot-atom or quoted-string
//! local part, a domain of two or more labels whose last is alphabetic or an IDNA A-label
//! (`xn--p1ai`). UTF-8 local parts and domains (RFC 6531) are taken too. In text written
//! without spaces (CJK, Thai, ...) an address glued to the words around it takes only the ASCII
//! side, unless the address itself is written in that script.

use super::rules::Engine;
use super::text::{at, before, is_word, push};
use super::Finding;

/// ASCII bytes of a dot-atom local part we take: letters, digits and `. _ % + ' - ! # $ ~ ^`
/// (RFC 5322 atext minus `& * / = ? { | } \``, which in text far more often join an address
/// to what stands before it: `email=`, `**bold**`, `a/b`).
fn local_ascii(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+'-!#$~^".contains(&b)
}

fn domain_ascii(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// Scripts written without spaces between words: an address glued to such text takes it in
/// only when the address itself is in that script.
fn spaceless(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF    // CJK
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFF65..=0xFF9F    // half-width Katakana
        | 0x20000..=0x2FFFF)
}

/// A non-ASCII character that can be part of an address: a letter or digit, or a combining
/// mark (Indic viramas and vowel signs are not all alphabetic), never a danda.
fn unicode_part(c: char) -> bool {
    let u = u32::from(c);
    c.is_alphanumeric()
        || (0x0300..=0x036F).contains(&u)
        || ((0x0900..=0x0DFF).contains(&u) && u != 0x0964 && u != 0x0965)
}

/// The non-ASCII character ending at `end` (exclusive) and its start.
fn char_before(t: &[u8], end: usize) -> Option<(char, usize)> {
    let mut s = end.checked_sub(1)?;
    while s > 0 && end - s < 4 && (0x80..0xC0).contains(&at(t, s)) {
        s -= 1;
    }
    let c = std::str::from_utf8(t.get(s..end)?).ok()?.chars().next()?;
    Some((c, s))
}

/// The non-ASCII character starting at `s` and its end.
fn char_at(t: &[u8], s: usize) -> Option<(char, usize)> {
    let n = match at(t, s) {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(t.get(s..s + n)?).ok()?.chars().next()?;
    Some((c, s + n))
}

/// Whether non-ASCII character `c` may join an address whose `@`-side character is in a
/// spaceless script (`cjk`) or not.
fn joins(c: char, cjk: bool) -> bool {
    unicode_part(c) && (cjk || !spaceless(c))
}

/// Where the local part before `at_pos` starts, if there is one.
fn local_start(t: &[u8], at_pos: usize) -> Option<usize> {
    // RFC 5322 quoted-string: `"jane doe"@example.com` (same line, no escapes).
    if before(t, at_pos) == b'"' {
        let close = at_pos - 1;
        let mut q = close;
        while q > 0 && close - q < 64 {
            q -= 1;
            match at(t, q) {
                b'"' => {
                    return (q + 1 < close && !is_word(before(t, q))).then_some(q);
                }
                b'\n' | b'\r' | b'\\' => return None,
                _ => {}
            }
        }
        return None;
    }
    let cjk =
        before(t, at_pos) >= 0x80 && char_before(t, at_pos).is_some_and(|(c, _)| spaceless(c));
    // Walk left to the start of the run (bounded), even past RFC 5321's 64 bytes: an address
    // glued to a token before it (`...sk-proj-…jane@x.io`) is redacted with the whole token,
    // never leaving a fragment of it behind.
    let mut s = at_pos;
    while s > 0 && at_pos - s < 256 {
        let b = before(t, s);
        if b < 0x80 {
            if !local_ascii(b) {
                break;
            }
            s -= 1;
        } else {
            match char_before(t, s) {
                Some((c, cs)) if joins(c, cjk) => s = cs,
                _ => break,
            }
        }
    }
    while s < at_pos && matches!(at(t, s), b'.' | b'\'' | b'-' | b'+') {
        s += 1;
    }
    (s < at_pos && before(t, at_pos) != b'.').then_some(s)
}

/// The end of the run of domain characters after `at_pos`.
fn domain_run(t: &[u8], at_pos: usize) -> usize {
    let cjk =
        at(t, at_pos + 1) >= 0x80 && char_at(t, at_pos + 1).is_some_and(|(c, _)| spaceless(c));
    let mut end = at_pos + 1;
    while end < t.len() && end - at_pos < 255 {
        let b = at(t, end);
        if b < 0x80 {
            if !domain_ascii(b) {
                break;
            }
            end += 1;
        } else {
            match char_at(t, end) {
                Some((c, ce)) if joins(c, cjk) => end = ce,
                _ => break,
            }
        }
    }
    end
}

/// Whether the last label is a top-level domain: two or more ASCII letters, an IDNA A-label
/// (`xn--p1ai`), or a U-label of two or more non-ASCII characters.
fn tld(l: &[u8]) -> bool {
    if l.iter().all(u8::is_ascii_alphabetic) {
        return l.len() >= 2;
    }
    if l.len() > 4 && l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--")) {
        return l.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    }
    std::str::from_utf8(l).is_ok_and(|s| s.chars().count() >= 2 && s.chars().all(|c| !c.is_ascii()))
}

/// Whether `t[at_pos + 1..end]` (trailing `.`/`-` dropped) is a domain: two or more labels
/// without leading or trailing `-`, the last a top-level domain. A last label glued to a run of
/// six or more digits (`example.com4111111111111111`: a card or phone pasted right after the
/// address) ends where its letters end, so neither value hides the other. Returns the domain's
/// end and whether it cut such digits off.
fn domain_end(t: &[u8], at_pos: usize, mut end: usize) -> Option<(usize, bool)> {
    while end > at_pos + 1 && matches!(at(t, end - 1), b'.' | b'-') {
        end -= 1;
    }
    let domain = t.get(at_pos + 1..end)?;
    let mut count = 0;
    let mut last: &[u8] = &[];
    for l in domain.split(|&b| b == b'.') {
        if l.is_empty() || l.first() == Some(&b'-') || l.last() == Some(&b'-') || l.len() > 63 {
            return None;
        }
        count += 1;
        last = l;
    }
    let alpha = last.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let glued = last.len() - alpha;
    let glued_digits = alpha >= 2 && glued >= 6 && last.iter().skip(alpha).all(u8::is_ascii_digit);
    if glued_digits {
        end -= glued;
        last = last.get(..alpha).unwrap_or(&[]);
    }
    if count < 2 || !tld(last) {
        return None;
    }
    Some((end, glued_digits))
}

/// Whether an `@` after `://` + `between` is the end of a URL's userinfo: no `/`, `?` or `#`
/// before it, or a `user:` before the first of them (a password may hold a `/`; a `:port`
/// may not).
fn in_authority(between: &[u8]) -> bool {
    let Some(d) = between.iter().position(|b| matches!(b, b'/' | b'?' | b'#')) else {
        return true;
    };
    let head = between.get(..d).unwrap_or(&[]);
    match head.iter().position(|&b| b == b':') {
        Some(c) => {
            let port = head.get(c + 1..).unwrap_or(&[]);
            port.is_empty() || !port.iter().all(u8::is_ascii_digit)
        }
        None => false,
    }
}

pub(crate) fn email(e: &Engine, t: &[u8], at_pos: usize, out: &mut Vec<Finding>) {
    let Some(s) = local_start(t, at_pos) else {
        return;
    };
    // `scheme://user:pass@host` is not an email (url_credentials covers it); an address in a
    // URL's path or query (`https://x.io/unsubscribe?email=jane@example.com`) is one.
    let mut k = s;
    while k > 0 && s - k < 256 && !before(t, k).is_ascii_whitespace() {
        k -= 1;
        if t.get(k..k + 3) == Some(b"://") {
            if in_authority(t.get(k + 3..at_pos).unwrap_or(&[])) {
                return;
            }
            break;
        }
    }
    // The longest prefix of the run that is a domain, ending at the run's end or before a
    // `-` or `.` (`a@b.io---sk-proj-…` is the address `a@b.io` and then something else).
    let mut cand = domain_run(t, at_pos);
    let (end, glued_digits) = loop {
        if let Some(found) = domain_end(t, at_pos, cand) {
            break found;
        }
        match (at_pos + 2..cand)
            .rev()
            .find(|&i| matches!(at(t, i), b'-' | b'.'))
        {
            Some(i) => cand = i,
            None => return,
        }
    };
    if !glued_digits && is_word(at(t, end)) && at(t, end) < 0x80 {
        return;
    }
    push(out, e.ids.email, s, end);
}

#[cfg(test)]
mod tests {
    use crate::detect::{DetectorSet, Scratch};

    fn emails(text: &str) -> Vec<String> {
        let cfg = serde_json::from_str("{}").unwrap();
        let set = DetectorSet::compile(&cfg).unwrap();
        let mut out = Vec::new();
        set.scan(text, &mut Scratch::default(), &mut out);
        out.iter()
            .filter(|f| &*set.rule(f.rule).unwrap().id == "email")
            .map(|f| text[f.start..f.end].to_string())
            .collect()
    }

    #[test]
    fn rfc_5322_and_6531_forms() {
        let cases: &[(&str, &str)] = &[
            ("mail Pelé@example.com now", "Pelé@example.com"),
            ("josé.garcía@example.es", "josé.garcía@example.es"),
            ("двое: медведь@с-балалайкой.рф.", "медведь@с-балалайкой.рф"),
            ("二ノ宮@黒川.日本", "二ノ宮@黒川.日本"),
            ("संपर्क@डाटामेल.भारत", "संपर्क@डाटामेल.भारत"),
            ("请发邮件到jane@example.com谢谢", "jane@example.com"),
            ("jane@example.xn--p1ai", "jane@example.xn--p1ai"),
            ("user=\"Abc@def\"@example.com", "\"Abc@def\"@example.com"),
            ("$A12345@example.com", "$A12345@example.com"),
            ("email=jane@example.com&x=1", "jane@example.com"),
            (
                "https://x.io/unsubscribe?email=jane@example.com",
                "jane@example.com",
            ),
            (
                "https://x.io:8443/u?to=jane@example.com",
                "jane@example.com",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(emails(text), vec![want.to_string()], "{text}");
        }
        for none in [
            "\"\"@example.com",
            "jane@example.c",
            "a@b",
            "x@例子",
            "https://user:pw@example.com/",
            "postgres://app:p/ss#1@db.example.com:5432/app",
        ] {
            assert!(emails(none).is_empty(), "{none}");
        }
    }
}

//! Small byte helpers shared by detectors (boundaries, context look-behind) and the email
//! detector, which is anchored on `@`.

use super::rules::Engine;
use super::{Finding, RuleIdx};

/// The byte at `i`, or 0 outside the text.
#[inline]
pub(crate) fn at(t: &[u8], i: usize) -> u8 {
    t.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or 0 at the start.
#[inline]
pub(crate) fn before(t: &[u8], i: usize) -> u8 {
    if i == 0 {
        0
    } else {
        at(t, i - 1)
    }
}

/// ASCII alphanumeric or `_` or any non-ASCII byte (part of a word).
#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Pushes a finding when the rule is enabled.
#[inline]
pub(crate) fn push(out: &mut Vec<Finding>, rule: Option<RuleIdx>, start: usize, end: usize) {
    if let Some(rule) = rule {
        if end > start {
            out.push(Finding { start, end, rule });
        }
    }
}

/// Whether one of `keywords` (lower case ASCII) occurs in the `window` bytes before `pos`, on
/// the same line.
pub(crate) fn context_before(
    t: &[u8],
    pos: usize,
    keywords: &[&str],
    window: usize,
    label: Option<&str>,
) -> bool {
    let from = pos.saturating_sub(window);
    let Some(w) = t.get(from..pos) else {
        return false;
    };
    let w = match w.iter().rposition(|&b| b == b'\n') {
        Some(nl) => w.get(nl + 1..).unwrap_or(&[]),
        None => w,
    };
    // A context word before a value redacted by this rule introduced that value, not this one.
    let w = match label.and_then(|l| after_last_placeholder(w, l)) {
        Some(i) => w.get(i..).unwrap_or(&[]),
        None => w,
    };
    let mut buf = [0u8; 96];
    let n = w.len().min(buf.len());
    let src = w.get(w.len() - n..).unwrap_or(&[]);
    for (d, s) in buf.iter_mut().zip(src) {
        *d = s.to_ascii_lowercase();
    }
    let hay = buf.get(..n).unwrap_or(&[]);
    // A keyword counts only at the start of a word ("ver" is not in "server"): each word
    // start is compared with the keywords that begin with its byte.
    let mut prev = 0u8;
    for (i, &b) in hay.iter().enumerate() {
        let start = !prev.is_ascii_alphabetic();
        prev = b;
        if !start || !(b.is_ascii_alphabetic() || b >= 0x80) {
            continue;
        }
        let rest = hay.get(i..).unwrap_or(&[]);
        if keywords
            .iter()
            .any(|k| k.as_bytes().first() == Some(&b) && rest.starts_with(k.as_bytes()))
        {
            return true;
        }
    }
    false
}

/// Longest placeholder the redactor writes (a label, `_` and a number or `:` and a digest).
const MAX_PLACEHOLDER: usize = 80;

/// The length of a placeholder the redactor writes at `v[i..]`: `[` two or more of
/// `A-Z0-9_`, optionally `:hex`, then `]` (`[EMAIL]`, `[IP_2]`, `[CARD:3f2a9c1b7d40]`).
pub(crate) fn redactor_placeholder_len(v: &[u8], i: usize) -> Option<usize> {
    placeholder_label(v, i).map(|(_, n)| n)
}

/// The label and length of a redactor placeholder at `v[i..]` (see
/// [`redactor_placeholder_len`]); for `[SSN_2]` and `[SSN:ab12]` the label is `SSN`.
pub(crate) fn placeholder_label(v: &[u8], i: usize) -> Option<(&[u8], usize)> {
    if v.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while j - i < MAX_PLACEHOLDER
        && v.get(j)
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
    {
        j += 1;
    }
    if j - i <= 2 {
        return None;
    }
    let name_end = j;
    if v.get(j) == Some(&b':') {
        j += 1;
        while j - i < MAX_PLACEHOLDER && v.get(j).is_some_and(u8::is_ascii_hexdigit) {
            j += 1;
        }
    }
    if v.get(j) != Some(&b']') {
        return None;
    }
    let name = v.get(i + 1..name_end)?;
    // `LABEL_7`: a pseudonym number.
    let label = match name.iter().rposition(|&c| c == b'_') {
        Some(u) if u + 1 < name.len() && name.get(u + 1..)?.iter().all(u8::is_ascii_digit) => {
            name.get(..u)?
        }
        _ => name,
    };
    Some((label, j + 1 - i))
}

/// The end of the last placeholder with `label` in `w`, if any.
pub(crate) fn after_last_placeholder(w: &[u8], label: &str) -> Option<usize> {
    let mut end = None;
    for (i, &b) in w.iter().enumerate() {
        if b == b'[' {
            if let Some((l, n)) = placeholder_label(w, i) {
                if l == label.as_bytes() {
                    end = Some(i + n);
                }
            }
        }
    }
    end
}

/// Whether `[start, end)` lies within one redactor placeholder in `t` (a rule matched a
/// placeholder's own bytes: a label, or the `:` of a digest).
pub(crate) fn inside_placeholder(t: &[u8], start: usize, end: usize) -> bool {
    let from = start.saturating_sub(MAX_PLACEHOLDER);
    (from..=start)
        .any(|i| at(t, i) == b'[' && redactor_placeholder_len(t, i).is_some_and(|n| i + n >= end))
}

fn local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-'".contains(&b)
}

fn domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// An email address around the `@` at `at_pos`.
/// Whether `t[at_pos + 1..end]` (trailing `.`/`-` dropped) is a domain: two or more labels
/// without leading or trailing `-`, the last alphabetic and at least two letters. A last label
/// glued to a run of six or more digits (`example.com4111111111111111`: a card or phone pasted
/// right after the address) ends where its letters end, so neither value hides the other.
/// Returns the domain's end and whether it cut such digits off.
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
    if count < 2 || last.len() < 2 || !last.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    Some((end, glued_digits))
}

pub(crate) fn email(e: &Engine, t: &[u8], at_pos: usize, out: &mut Vec<Finding>) {
    // Local part: walk left to the start of the run (bounded), even past RFC 5321's 64 bytes:
    // an address glued to a token before it (`...sk-proj-…jane@x.io`) is redacted with the
    // whole token, never leaving a fragment of it behind.
    let mut s = at_pos;
    while s > 0 && at_pos - s < 256 && local_char(before(t, s)) {
        s -= 1;
    }
    while s < at_pos && matches!(at(t, s), b'.' | b'\'' | b'-' | b'+') {
        s += 1;
    }
    if s == at_pos || before(t, at_pos) == b'.' {
        return;
    }
    // `scheme://user:pass@host` is not an email (url_credentials covers it).
    let mut k = s;
    while k > 0 && s - k < 256 && !before(t, k).is_ascii_whitespace() {
        k -= 1;
        if t.get(k..k + 3) == Some(b"://") {
            return;
        }
    }
    // Domain: walk right.
    let mut end = at_pos + 1;
    while end < t.len() && end - at_pos < 255 && domain_char(at(t, end)) {
        end += 1;
    }
    // The longest prefix of the run that is a domain, ending at the run's end or before a
    // `-` or `.` (`a@b.io---sk-proj-…` is the address `a@b.io` and then something else).
    let mut cand = end;
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

//! Small byte helpers shared by detectors: boundaries, context look-behind, placeholders.

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
    mentions(buf.get(..n).unwrap_or(&[]), keywords)
}

/// Whether one of `keywords` (lower case ASCII) starts a word of `hay` (lower case). A keyword
/// counts only at the start of a word ("ver" is not in "server"): each word start is compared
/// with the keywords that begin with its byte.
pub(crate) fn mentions(hay: &[u8], keywords: &[&str]) -> bool {
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

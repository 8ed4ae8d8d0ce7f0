//! Dates of birth: a date shortly after "born", "DOB", "date of birth", "geboren",
//! "Geburtsdatum", "né le", "date de naissance". Other dates are never flagged.

use super::checksum::num;
use super::rules::Engine;
use super::text::{after_last_placeholder, at, before, placeholder_label, push};
use super::Finding;

/// The placeholder label of this rule.
const LABEL: &str = "DOB";

const MONTHS: &[(&str, u8)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("sept", 9),
    ("januar", 1),
    ("jänner", 1),
    ("februar", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
];

/// Looks for a date within 40 bytes after the keyword ending at `kw_end`.
pub(crate) fn dob(e: &Engine, t: &[u8], p: usize, kw_end: usize, out: &mut Vec<Finding>) {
    // Not a word of its own, or the label of a placeholder (`[DOB]`).
    if before(t, p).is_ascii_alphabetic() || (p > 0 && at_placeholder(t, p - 1)) {
        return;
    }
    let last = before(t, kw_end);
    if last.is_ascii_alphabetic() && at(t, kw_end).is_ascii_alphabetic() {
        return;
    }
    // German puts the verb last: "am 12. März 1985 geboren".
    let kw = t.get(p..kw_end).unwrap_or(&[]);
    if kw.eq_ignore_ascii_case(b"geboren") {
        // The 40 bytes before the verb, from the end of a placeholder of this rule in them if
        // there is one (a redacted value before the verb was the date it closed).
        let window = p.saturating_sub(40);
        let placeholder_end = t
            .get(window..p)
            .and_then(|w| after_last_placeholder(w, LABEL))
            .map(|cut| window + cut);
        if let Some((s, end)) = date_before(t, placeholder_end.unwrap_or(window), p) {
            push(out, e.ids.dob, s, end);
            return;
        }
        // Its date is redacted already (an earlier round) and the placeholder is in the verb's
        // clause ("am [DOB] in Berlin geboren"; not "DOB: [DOB], geboren am …"): the verb
        // introduces nothing after it. Nor does a verb that ends its sentence ("Sie ist 1990
        // geboren. The meeting is on 12/08/2024").
        let closed = placeholder_end
            .and_then(|from| t.get(from..p))
            .is_some_and(|gap| {
                !gap.iter()
                    .any(|b| matches!(b, b'\n' | b',' | b';' | b':' | b'.'))
            });
        let ends_sentence = matches!(at(t, kw_end), b'.' | b'!' | b'?')
            && matches!(at(t, kw_end + 1), b' ' | b'\n' | 0);
        if closed || ends_sentence {
            return;
        }
    }
    let lim = (kw_end + 40).min(t.len());
    let mut i = kw_end;
    while i < lim {
        let b = at(t, i);
        // A redacted value after the keyword was the one it introduced.
        if b == b'\n' || (b == b'[' && at_placeholder(t, i)) {
            return;
        }
        if b.is_ascii_digit() || b.is_ascii_alphabetic() {
            if let Some(end) = date(t, i) {
                push(out, e.ids.dob, i, end);
                return;
            }
            if b.is_ascii_digit() {
                return;
            }
            while i < lim && (at(t, i).is_ascii_alphabetic() || at(t, i) >= 0x80) {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

/// Whether a placeholder of this rule (`[DOB]`, `[DOB_2]`, `[DOB:…]`) starts at `i`.
fn at_placeholder(t: &[u8], i: usize) -> bool {
    placeholder_label(t, i).is_some_and(|(l, _)| l == LABEL.as_bytes())
}

fn digits(t: &[u8], i: usize) -> (usize, Option<u64>) {
    let mut j = i;
    while at(t, j).is_ascii_digit() && j - i < 5 {
        j += 1;
    }
    (j, t.get(i..j).and_then(num))
}

fn month_name(t: &[u8], i: usize) -> Option<(usize, u8)> {
    let mut j = i;
    while j - i < 12 && (at(t, j).is_ascii_alphabetic() || at(t, j) >= 0x80) {
        j += 1;
    }
    let w: Vec<u8> = t.get(i..j)?.iter().map(u8::to_ascii_lowercase).collect();
    if w.len() < 3 {
        return None;
    }
    for (name, m) in MONTHS {
        let n = name.as_bytes();
        if w == n
            || (w.len() >= 3 && n.starts_with(&w) && at(t, j) == b'.')
            || (w.len() == 3 && n.starts_with(&w))
        {
            let end = if at(t, j) == b'.' { j + 1 } else { j };
            return Some((end, *m));
        }
    }
    None
}

fn plausible(d: u64, m: u64, y: u64) -> bool {
    (1..=31).contains(&d) && (1..=12).contains(&m) && (1900..=2030).contains(&y)
}

/// A date at `i`: returns its end.
pub(super) fn date(t: &[u8], i: usize) -> Option<usize> {
    let end_ok = |e: usize| !at(t, e).is_ascii_alphanumeric();
    if at(t, i).is_ascii_digit() {
        let (e1, a) = digits(t, i);
        let l1 = e1 - i;
        let s1 = at(t, e1);
        if matches!(s1, b'-' | b'/' | b'.') && at(t, e1 + 1).is_ascii_digit() {
            let (e2, b) = digits(t, e1 + 1);
            if at(t, e2) == s1 {
                let (e3, c) = digits(t, e2 + 1);
                let l3 = e3 - (e2 + 1);
                let (a, b, c) = (a?, b?, c?);
                let ok = if l1 == 4 {
                    plausible(c, b, a)
                } else {
                    l3 == 4 && (plausible(a, b, c) || plausible(b, a, c))
                };
                return (ok && end_ok(e3)).then_some(e3);
            }
        }
        // `12 March 1985`, `12. März 1985`, `1er mars 1985`.
        let mut j = e1;
        if at(t, j) == b'.' {
            j += 1;
        }
        if t.get(j..j + 2) == Some(b"er") {
            j += 2;
        }
        while at(t, j) == b' ' {
            j += 1;
        }
        let (je, m) = month_name(t, j)?;
        let mut k = je;
        while at(t, k) == b' ' || at(t, k) == b',' {
            k += 1;
        }
        let (ke, y) = digits(t, k);
        return (plausible(a?, u64::from(m), y?) && ke - k == 4 && end_ok(ke)).then_some(ke);
    }
    // `March 12, 1985`.
    let (je, m) = month_name(t, i)?;
    let mut k = je;
    while at(t, k) == b' ' {
        k += 1;
    }
    let (ke, d) = digits(t, k);
    let mut k2 = ke;
    if t.get(k2..k2 + 2)
        .is_some_and(|s| s == b"st" || s == b"nd" || s == b"rd" || s == b"th")
    {
        k2 += 2;
    }
    while at(t, k2) == b' ' || at(t, k2) == b',' {
        k2 += 1;
    }
    let (ye, y) = digits(t, k2);
    (plausible(d?, u64::from(m), y?) && ye - k2 == 4 && end_ok(ye)).then_some(ye)
}

/// The last date in `[from, p)` ending before `p` on the same line.
fn date_before(t: &[u8], from: usize, p: usize) -> Option<(usize, usize)> {
    let mut best = None;
    let mut i = from;
    while i < p {
        let b = at(t, i);
        if b == b'\n' {
            i += 1;
            continue;
        }
        let starts = (b.is_ascii_digit() && !before(t, i).is_ascii_digit())
            || (b.is_ascii_alphabetic() && !before(t, i).is_ascii_alphabetic());
        if starts {
            if let Some(end) = date(t, i) {
                if end <= p && t.get(end..p).is_some_and(|gap| !gap.contains(&b'\n')) {
                    best = Some((i, end));
                }
            }
        }
        i += 1;
    }
    best
}

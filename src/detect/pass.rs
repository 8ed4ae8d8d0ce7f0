//! The single pass over a text: eight bytes at a time it skips ASCII letters inside words and
//! spaces, and stops only at the start of a letter run (a possible anchor: one trigram-table
//! probe) and at any other byte (digits start the numeric classifiers; `@`, `:`, `=`, `-`,
//! `.` may start or introduce an anchor). Chat text is mostly letters and spaces, so most
//! bytes cost a few word-wide operations and no branch.

use super::anchors::Anchor;
use super::rules::Engine;
use super::text::{at, before, is_word};
use super::Finding;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// High bit of each byte of `x` that is an ASCII letter.
#[inline(always)]
fn letters(x: u64) -> u64 {
    let y = (x | (LO * 0x20)) & LOW7;
    let ge_a = y.wrapping_add(LO * u64::from(0x80 - b'a'));
    let gt_z = y.wrapping_add(LO * u64::from(0x7F - b'z'));
    ge_a & !gt_z & !x & HI
}

/// High bit of each byte of `x` that is a space.
#[inline(always)]
fn spaces(x: u64) -> u64 {
    let z = x ^ (LO * u64::from(b' '));
    // High bit set where the byte of `z` is non-zero (exact: no borrow between bytes).
    let nz = ((z & LOW7).wrapping_add(LOW7) | z) & HI;
    !nz & HI
}

/// Recent anchor matches, for the generic-secret look-back (a match hides what it covers).
const RECENT: usize = 4;

struct State {
    /// End of the last anchor match (positions before it are hidden).
    hidden_until: usize,
    recent: [(usize, usize); RECENT],
    ri: usize,
    /// Numeric classifiers: text consumed so far.
    done: usize,
    /// End of the last word with a digit.
    next_word: usize,
}

/// Runs the pass over `t`. `DIGITS`: also hand words with digits to the numeric classifiers
/// (off when the keyword word loop does it).
pub(crate) fn run<const DIGITS: bool>(e: &Engine, text: &str, out: &mut Vec<Finding>) {
    let t = text.as_bytes();
    let mut st = State {
        hidden_until: 0,
        recent: [(0, 0); RECENT],
        ri: 0,
        done: 0,
        next_word: 0,
    };
    let mut i = 0usize;
    let mut carry = 0u64;
    while let Some(chunk) = t.get(i..i + 8) {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        let l = letters(x);
        let starts = l & !((l << 8) | carry);
        carry = (l >> 56) & 0x80;
        let mut m = starts | (!l & !spaces(x) & HI);
        while m != 0 {
            let bit = m & m.wrapping_neg();
            let p = i + (m.trailing_zeros() / 8) as usize;
            m ^= bit;
            if starts & bit != 0 {
                // A letter-run start: most words stop at the trigram probe.
                if e.anchors.tri_hit(t, p) {
                    anchor(e, text, p, &mut st, out);
                }
            } else {
                other::<DIGITS>(e, text, p, &mut st, out);
            }
        }
        i += 8;
    }
    while i < t.len() {
        let b = at(t, i);
        let interesting = if b.is_ascii_alphabetic() {
            !before(t, i).is_ascii_alphabetic()
        } else {
            b != b' '
        };
        if interesting {
            if b.is_ascii_alphabetic() {
                anchor(e, text, i, &mut st, out);
            } else {
                other::<DIGITS>(e, text, i, &mut st, out);
            }
        }
        i += 1;
    }
}

/// A byte other than a letter or a space.
#[inline(never)]
fn other<const DIGITS: bool>(
    e: &Engine,
    text: &str,
    p: usize,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    let t = text.as_bytes();
    let b = at(t, p);
    if b.is_ascii_digit() {
        if DIGITS {
            digits(e, t, p, st, out);
        }
        return;
    }
    let an = &e.anchors;
    if an.starts_other(b) {
        anchor(e, text, p, st, out);
    }
    if (b == b':' || b == b'=') && an.generic {
        generic_before(e, t, p, st, out);
    }
}

/// A possible anchor at `p`.
#[inline(never)]
fn anchor(e: &Engine, text: &str, p: usize, st: &mut State, out: &mut Vec<Finding>) {
    let t = text.as_bytes();
    if p < st.hidden_until || !e.anchors.may_start(t, p) {
        return;
    }
    let Some((lit, end)) = e.anchors.longest_at(t, p) else {
        return;
    };
    st.hidden_until = end;
    if let Some(r) = st.recent.get_mut(st.ri % RECENT) {
        *r = (p, end);
    }
    st.ri += 1;
    for &a in e.anchors.kinds(lit) {
        // Generic secrets are found from their `:` or `=` (they may start inside a word).
        if a != Anchor::Generic {
            e.on_anchor(a, text, p, end, out);
        }
    }
}

/// The word holding the digit at `p`, to the numeric classifiers (once per word).
#[inline(never)]
fn digits(e: &Engine, t: &[u8], p: usize, st: &mut State, out: &mut Vec<Finding>) {
    if p < st.next_word {
        return;
    }
    let mut ws = p;
    while ws > st.next_word && is_word(before(t, ws)) {
        ws -= 1;
    }
    let mut we = p + 1;
    while we < t.len() && is_word(at(t, we)) {
        we += 1;
    }
    st.next_word = we;
    if ws >= st.done {
        st.done = super::numeric::on_word(e, t, ws, we, out);
    }
}

/// Longest identifier looked at before a `:` or `=` (a keyword must end within 64 bytes of
/// the identifier's end, and the longest keyword is 11 bytes).
const IDENT_WINDOW: usize = 80;

/// At a `:` or `=`: the identifier before it (then an optional quote and blanks), searched
/// for generic-secret keywords the way a leftmost-longest scan over all anchors sees them.
#[inline(never)]
fn generic_before(e: &Engine, t: &[u8], c: usize, st: &State, out: &mut Vec<Finding>) {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    let mut j = c;
    while j > 0 && matches!(before(t, j), b' ' | b'\t') {
        j -= 1;
    }
    if matches!(before(t, j), b'"' | b'\'') {
        j -= 1;
    }
    let ie = j;
    let mut is = ie;
    while is > 0 && ie - is < IDENT_WINDOW && ident(before(t, is)) {
        is -= 1;
    }
    if ie - is < 3 {
        return;
    }
    // A match that began before the identifier hides its start.
    let mut q = is;
    for &(s, end) in &st.recent {
        if s < is && end > q {
            q = end;
        }
    }
    let base = out.len();
    while q < ie {
        let hit = if e.anchors.may_start(t, q) {
            e.anchors.longest_at(t, q)
        } else {
            None
        };
        match hit {
            Some((lit, end)) => {
                if e.anchors.kinds(lit).contains(&Anchor::Generic) {
                    super::secrets::generic(e, t, q, end, out);
                    if out.len() > base {
                        return;
                    }
                }
                q = end;
            }
            None => q += 1,
        }
    }
}

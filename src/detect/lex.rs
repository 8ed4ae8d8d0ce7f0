//! The word loop: one pass over the bytes with a class table. Words containing a digit go to
//! the numeric classifiers; when customer keywords exist, every word's case-folded hash is
//! checked against the keyword filter (cost per byte independent of the number of terms).

use super::custom::Keywords;
use super::rules::Engine;
use super::Finding;

const WORD: u8 = 1;
const DIGIT: u8 = 2;

#[allow(clippy::indexing_slicing)] // const evaluation, i < 256
const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_digit() {
            WORD | DIGIT
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            WORD
        } else {
            0
        };
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = class_table();

/// Seed of a word hash.
pub(crate) const SEED: u64 = 0;

/// Hash step over a case-folded byte: rotate and xor (a short dependency chain; the word hash
/// is mixed once at the end by [`finish`]). `b | 0x20` folds ASCII letters and leaves digits
/// and `_` distinct; it can only merge strings that verification then tells apart.
#[inline(always)]
pub(crate) fn step(h: u64, b: u8) -> u64 {
    h.rotate_left(5) ^ u64::from(b | 0x20)
}

/// Final mix of a word hash.
#[inline(always)]
pub(crate) fn finish(h: u64) -> u64 {
    let h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

/// Runs the word loop over `t` (used when customer keywords exist; the numeric classifiers
/// run here then, and the anchor pass skips them).
pub(crate) fn words(e: &Engine, kw: &Keywords, t: &[u8], out: &mut Vec<Finding>) {
    let mut done = 0usize;
    let mut in_word = false;
    let mut ws = 0usize;
    let mut h = SEED;
    let mut acc = 0u8;
    for (i, &b) in t.iter().enumerate() {
        let c = CLASS.get(usize::from(b)).copied().unwrap_or(0);
        if c & WORD != 0 {
            if !in_word {
                in_word = true;
                ws = i;
                h = SEED;
                acc = 0;
            }
            h = step(h, b);
            acc |= c;
        } else if in_word {
            in_word = false;
            end_word(e, kw, t, ws, i, h, acc, &mut done, out);
        }
    }
    if in_word {
        end_word(e, kw, t, ws, t.len(), h, acc, &mut done, out);
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn end_word(
    e: &Engine,
    kw: &Keywords,
    t: &[u8],
    ws: usize,
    we: usize,
    h: u64,
    acc: u8,
    done: &mut usize,
    out: &mut Vec<Finding>,
) {
    let h = finish(h);
    if kw.maybe(h) {
        kw.verify(t, ws, we, h, out);
    }
    if acc & DIGIT != 0 && ws >= *done {
        *done = super::numeric::on_word(e, t, ws, we, out);
    }
}

//! The single pass over a text, 64 bytes at a time. Each block is classified eight bytes at a
//! time with word-wide operations into two masks of one bit per byte: ASCII letters, and the
//! bytes the pass may have to stop at (digits and the few bytes that start or introduce an
//! anchor, `%` to `@` with every rule on: one range test). Letter-run starts come from the
//! letter mask with a shift; each is probed in the 1 KiB word-start table (a hash of its first
//! three bytes), and the stops visited in order are the starts that hit and the other stops.
//! Chat text is mostly letters, spaces, `,` and `.`: most bytes cost a few word-wide
//! operations, most words one probe, and bytes outside the range (spaces, newlines, quotes,
//! non-ASCII letters) nothing at all. A text's last bytes (under 72) are read with zeros
//! past its end (two overlapping loads, no copy and no byte loop), so a short text is one
//! block.
//!
//! When customer keywords exist, the pass also hands every word to the keyword filter. A word
//! of ASCII letters goes from its letter-run start: its end is two shifts away (the next eight
//! bytes are loaded a step ahead), and unless some term's first word has that length (one mask
//! test on the end's bit; no length is computed) nothing more is done. A word holding a digit,
//! `_` or non-ASCII byte goes, once, from the first such byte, which the pass stops at anyway,
//! and only if some term's first word holds one too; a letter run inside such a word is probed
//! as if it were a word, and verification rejects what is not a whole word. The filter is
//! probed with an O(1) fingerprint of the word ([`Keywords::fingerprint`]: length and first and
//! last eight bytes, case-folded). The work is linear in the text: no byte is read again for a
//! later word, and there is no second loop over the bytes.

use super::anchors::{
    Anchor, ASSIGN_ONLY_KEYWORDS, STOP_ANCHOR, STOP_ASSIGN, STOP_ENCODED, STOP_NAMED,
};
use super::custom::{Keywords, FOLD};
use super::decode::{mark_base64, mark_escape, Mark};
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

/// High bit of each byte of `x` that is an ASCII digit.
#[inline(always)]
fn digit_bytes(x: u64) -> u64 {
    let y = x & LOW7;
    let ge_0 = y.wrapping_add(LO * u64::from(0x80 - b'0'));
    let gt_9 = y.wrapping_add(LO * u64::from(0x7F - b'9'));
    ge_0 & !gt_9 & !x & HI
}

/// High bit of each byte of `x` that is a word byte ([`is_word`]: an ASCII letter or digit,
/// `_`, or any non-ASCII byte).
#[inline(always)]
fn word_bytes(x: u64) -> u64 {
    let z = x ^ (LO * u64::from(b'_'));
    let under = !(((z & LOW7).wrapping_add(LOW7) | z) & HI) & HI;
    letters(x) | digit_bytes(x) | under | (x & HI)
}

/// The eight bytes at `p` (little-endian), zero past the end of `t` (zero is not a word byte).
#[inline(always)]
fn load8(t: &[u8], p: usize) -> u64 {
    match t.get(p..p + 8) {
        Some(c) => u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or([0; 8])),
        None => load_short(t, p),
    }
}

/// [`load8`] within eight bytes of the end: two overlapping loads (or three bytes), no loop.
#[inline(never)]
fn load_short(t: &[u8], p: usize) -> u64 {
    let r = t.get(p..).unwrap_or(&[]);
    let n = r.len().min(8);
    let word = |i: usize| {
        r.get(i..i + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
    };
    if n >= 4 {
        // Bytes 0..4 and n-4..n: where they overlap, the same bytes in the same lanes.
        word(0) | (word(n - 4) << (8 * (n - 4)))
    } else if n > 0 {
        let b = |i: usize| u64::from(at(r, i)) << (8 * i);
        b(0) | b(n / 2) | b(n - 1)
    } else {
        0
    }
}

/// The eight bytes starting `k` bytes into `x` and running on into `y` (`k < 8`; `x` holds
/// the bytes before `y`).
#[inline(always)]
fn funnel(x: u64, y: u64, k: u32) -> u64 {
    // `y << (64 - 8k)` without the shift by 64 at k = 0 (u64 shifts only: wasm has no u128).
    (x >> (8 * k)) | ((y << 1) << (63 - 8 * k))
}

/// Recent anchor matches, for the generic-secret look-back (a match hides what it covers).
const RECENT: usize = 4;

struct State<'m> {
    /// End of the last anchor match (positions before it are hidden).
    hidden_until: usize,
    recent: [(usize, usize); RECENT],
    ri: usize,
    /// Numeric classifiers: text consumed so far.
    done: usize,
    /// End of the last word with a digit.
    next_word: usize,
    /// End of the last word handed whole to the keyword filter by [`any_word`] or [`digits`]
    /// (keyword scans only; letter words probed from their start do not move it). No word
    /// before it goes there again.
    word_end: usize,
    /// The numeric classifiers' digit-group buffer, reused for every word (made at the first
    /// word with a digit: most short texts have none, and it is over 400 bytes to clear).
    group: Option<super::numeric::Group>,
    /// Where encoded forms may be (see `decode.rs`); None: not looked for.
    marks: Option<&'m mut Vec<Mark>>,
    /// End of the last run looked at as base64.
    b64_end: usize,
    /// Findings of this pass start at this index of `out`.
    base: usize,
}

/// Runs the pass over `text`; with `marks`, also notes where encoded forms may be.
pub(crate) fn run(e: &Engine, text: &str, out: &mut Vec<Finding>, marks: Option<&mut Vec<Mark>>) {
    match &e.keywords {
        Some(kw) => run_with::<true>(e, Some(kw), text, out, marks),
        None => run_with::<false>(e, None, text, out, marks),
    }
}

/// Bytes one step of the pass covers: which of them are letters, letter-run starts and stops
/// are 64-bit masks, one bit per byte.
const BLOCK: usize = 64;
/// A block and the bytes after it that the eight bytes at its last position reach.
type Window = [u8; BLOCK + 8];

/// The byte masks the pass computes for each eight bytes, as word-wide constants.
struct Classes {
    /// `x + add_lo` has the high bit of each byte at or above the lowest stop byte, `x +
    /// add_hi` of each byte above the highest (seven-bit bytes: no carry crosses a byte).
    add_lo: u64,
    add_hi: u64,
    /// Stop at non-ASCII bytes and `_` too (words with such bytes go to the keyword filter).
    mixed: bool,
    /// Stop at non-ASCII bytes.
    high: bool,
}

impl Classes {
    fn new(e: &Engine, kw: Option<&Keywords>) -> Self {
        let (lo, hi) = e.anchors.stop_range();
        let mixed = kw.is_some_and(Keywords::any_mixed);
        Self {
            add_lo: LO * u64::from(0x80 - lo.min(0x7F)),
            add_hi: LO * u64::from(0x7F - hi.min(0x7F)),
            mixed,
            high: mixed || e.anchors.stop_high(),
        }
    }

    /// High bit of each byte of `x` the pass may have to stop at, other than letters: a byte
    /// of the stop range, and with `mixed` or `high` the bytes those add. Those it need not
    /// (`,`, `(`, `/`, `?`, ...) are dropped at the stop, by one table read.
    #[inline(always)]
    fn stops(&self, x: u64) -> u64 {
        let y = x & LOW7;
        let mut s = y.wrapping_add(self.add_lo) & !y.wrapping_add(self.add_hi) & !x & HI;
        if self.high {
            s |= x & HI;
        }
        if self.mixed {
            let z = x ^ (LO * u64::from(b'_'));
            s |= !(((z & LOW7).wrapping_add(LOW7) | z) & HI) & HI;
        }
        s
    }
}

/// One bit per byte (bit `k`: byte `k`) from a mask holding only the high bit of each of
/// eight bytes (a multiplication gathers them in the top byte; the partial products never
/// meet, so no carry disturbs it).
#[inline(always)]
fn gather(h: u64) -> u64 {
    h.wrapping_mul(0x0002_0408_1020_4081) >> 56
}

/// The eight bytes at `k` in a window (`k` below [`BLOCK`]), little-endian.
#[inline(always)]
fn window8(w: &Window, k: usize) -> u64 {
    let k = k & (BLOCK - 1);
    let b = w.get(k..k + 8).and_then(|c| <[u8; 8]>::try_from(c).ok());
    u64::from_le_bytes(b.unwrap_or([0; 8]))
}

/// The pass. `KW`: every word also goes through [`word`] (the keyword filter).
fn run_with<const KW: bool>(
    e: &Engine,
    kw: Option<&Keywords>,
    text: &str,
    out: &mut Vec<Finding>,
    marks: Option<&mut Vec<Mark>>,
) {
    let t = text.as_bytes();
    let mut st = State {
        hidden_until: 0,
        recent: [(0, 0); RECENT],
        ri: 0,
        done: 0,
        next_word: 0,
        word_end: 0,
        group: None,
        marks,
        b64_end: 0,
        base: out.len(),
    };
    let c = Classes::new(e, kw);
    // Whether the byte before the block is a letter (bit 0).
    let mut carry = 0u64;
    let mut i = 0usize;
    while let Some(w) = t
        .get(i..i + BLOCK + 8)
        .and_then(|w| <&Window>::try_from(w).ok())
    {
        let load = |k: usize| window8(w, k);
        block::<KW>(
            e,
            kw,
            text,
            load,
            BLOCK / 8,
            i,
            &mut carry,
            &c,
            &mut st,
            out,
        );
        i += BLOCK;
    }
    // The last bytes (under 72): read eight at a time with zeros past the end (zero is
    // neither a letter nor a stop), each block only as far as the text goes.
    while i < t.len() {
        let chunks = (t.len() - i).min(BLOCK).div_ceil(8);
        let load = |k: usize| load8(t, i + k);
        block::<KW>(e, kw, text, load, chunks, i, &mut carry, &c, &mut st, out);
        i += BLOCK;
    }
}

/// One block of the pass: the block's first `chunks` eight-byte chunks (all eight but at the
/// end of the text) classified word-wide, the letter-run starts probed, then the stops
/// visited in order. `base`: the block's offset in the text; `load(k)`: the eight bytes at
/// `base + k` (`k` below [`BLOCK`]), zero past the end of the text.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn block<const KW: bool>(
    e: &Engine,
    kw: Option<&Keywords>,
    text: &str,
    load: impl Fn(usize) -> u64,
    chunks: usize,
    base: usize,
    carry: &mut u64,
    c: &Classes,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    let (mut l, mut o) = (0u64, 0u64);
    for j in 0..chunks.min(BLOCK / 8) {
        let x = load(8 * j);
        l |= gather(letters(x)) << (8 * j);
        o |= gather(c.stops(x)) << (8 * j);
    }
    let starts = l & !((l << 1) | *carry);
    *carry = l >> 63;
    // Without keywords, a word start matters only when the word-start table holds it.
    let hits = if KW {
        starts
    } else {
        probe_starts(e, &load, starts)
    };
    let mut m = hits | (o & !l);
    while m != 0 {
        let k = m.trailing_zeros() as usize;
        let bit = m & m.wrapping_neg();
        m ^= bit;
        let p = base + k;
        if starts & bit != 0 {
            // A letter-run start. With keywords, every one: the filter probe, then the
            // word-start probe (the same eight bytes serve both); without, a probe hit.
            if let (true, Some(kw)) = (KW, kw) {
                // (A run inside a word that went to the filter from an earlier byte may be
                // probed again: verification rejects a match not at a word start.)
                let first = load(k);
                word(kw, text.as_bytes(), p, first, letters(first), st, out);
                if !e.anchors.start_hit(first) {
                    continue;
                }
            }
            anchor(e, text, p, st, out);
        } else {
            other::<KW>(e, text, p, st, out);
        }
    }
}

/// The letter-run starts in `starts` (bits of a block; `load` as for [`block`]) whose first
/// three bytes the word-start table holds.
#[inline(always)]
fn probe_starts(e: &Engine, load: &impl Fn(usize) -> u64, starts: u64) -> u64 {
    let mut hits = 0u64;
    let mut s = starts;
    while s != 0 {
        let k = s.trailing_zeros();
        s &= s.wrapping_sub(1);
        hits |= u64::from(e.anchors.start_hit(load(k as usize))) << k;
    }
    hits
}

/// A stop other than a letter-run start: a digit, or a byte the table says may matter (the
/// block's word-wide test also lets through bytes that never do).
#[inline(always)]
fn other<const KW: bool>(e: &Engine, text: &str, p: usize, st: &mut State, out: &mut Vec<Finding>) {
    let t = text.as_bytes();
    let b = at(t, p);
    if b.is_ascii_digit() {
        digits::<KW>(e, t, p, st, out);
        return;
    }
    let class = e.anchors.stop_class(b);
    let word = KW && is_word(b);
    if class == STOP_ANCHOR && !word {
        // Most such stops are a `.` ending a sentence: one table read says no literal starts
        // with it and the byte after it.
        if e.anchors.may_start(t, p) {
            anchor(e, text, p, st, out);
        }
    } else if class != 0 || word {
        stop::<KW>(e, text, p, b, st, out);
    }
}

/// A byte other than a letter or a digit that may matter: a word byte (keywords), or one
/// with a stop class.
#[inline(never)]
fn stop<const KW: bool>(
    e: &Engine,
    text: &str,
    p: usize,
    b: u8,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    let t = text.as_bytes();
    if let (true, Some(kw)) = (KW, &e.keywords) {
        // Not a letter or digit: a word holding `_` or a non-ASCII byte, from its start (no
        // earlier word reaches past `st.word_end`), if some term's first word is such.
        if kw.any_mixed() && is_word(b) && p >= st.word_end {
            let mut ws = p;
            while ws > st.word_end && is_word(before(t, ws)) {
                ws -= 1;
            }
            any_word(kw, t, ws, st, out);
        }
    }
    let class = e.anchors.stop_class(b);
    if class & STOP_ANCHOR != 0 {
        anchor(e, text, p, st, out);
    }
    if class & STOP_ASSIGN != 0 {
        generic_before(e, t, p, st, out);
    } else if class & STOP_NAMED != 0 && named_candidate(t, p, b) {
        named_forms(e, t, p, b, out);
    }
    if class & STOP_ENCODED != 0 {
        encoded(e, t, p, b, st, out);
    }
}

/// At a `%`, `&` or `=` (encoded forms looked for): marks where one may be.
#[inline(never)]
fn encoded(e: &Engine, t: &[u8], p: usize, b: u8, st: &mut State, out: &[Finding]) {
    if b != b'=' {
        if let Some(m) = st.marks.as_deref_mut() {
            mark_escape(t, p, m);
        }
    } else if st.marks.is_some() && before(t, p).is_ascii_alphanumeric() {
        skip_found(e, st, out);
        if let Some(m) = st.marks.as_deref_mut() {
            mark_base64(t, p, p, &mut st.b64_end, m);
        }
    }
}

/// Moves the base64 look-out past the last finding of this pass: a run a detector already
/// found (a key, a JWT) is not decoded as well. A generic secret is no such finding: the value
/// a name introduces may be a provider key in base64 (a Kubernetes Secret's `data:`), which the
/// decoded scan names.
#[inline]
fn skip_found(e: &Engine, st: &mut State, out: &[Finding]) {
    if let Some(f) = out.get(st.base..).and_then(<[Finding]>::last) {
        if Some(f.rule) != e.ids.generic {
            st.b64_end = st.b64_end.max(f.end);
        }
    }
}

/// The cheap test before [`named_forms`]: a `>` right after a tag name, or a `-` that starts a
/// flag (`--x`, `-x` after a blank, a quote or `(`).
#[inline(always)]
fn named_candidate(t: &[u8], p: usize, b: u8) -> bool {
    if b == b'>' {
        before(t, p).is_ascii_alphanumeric()
    } else {
        matches!(before(t, p), 0 | b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'(')
            && (at(t, p + 1) == b'-' || at(t, p + 1).is_ascii_alphabetic())
    }
}

/// At a `>` or `-`: the end of an XML start tag (`<password>`) or a command-line flag
/// (`--password …`), which may name a secret.
#[inline(never)]
fn named_forms(e: &Engine, t: &[u8], p: usize, b: u8, out: &mut Vec<Finding>) {
    if b == b'>' {
        super::assign::xml(e, t, p, out);
    } else {
        super::assign::cli(e, t, p, out);
    }
}

/// Whether ` is ` or ` was ` follows the word that ends at or after `i` (prose naming a
/// secret: `the password is …`).
#[inline(always)]
fn prose_follows(t: &[u8], mut i: usize) -> bool {
    while at(t, i).is_ascii_alphanumeric() || at(t, i) == b'_' {
        i += 1;
    }
    at(t, i) == b' '
        && matches!(at(t, i + 1) | 0x20, b'i' | b'w')
        && matches!(at(t, i + 2) | 0x20, b's' | b'a')
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
        // Generic secrets are found from their `:` or `=` (they may start inside a word); at
        // the keyword itself only prose (`the password is …`) is looked for.
        if a != Anchor::Generic || prose_follows(t, end) {
            e.on_anchor(a, text, p, end, out);
        }
    }
}

/// The letter run starting at `p` (`first`: the eight bytes at `p`; `first_letters`: which of
/// them are letters), to the keyword filter. Most runs are whole words and end within sixteen
/// bytes: the high bit of the first byte after the run is isolated (`x & -x`) and tested
/// against [`Keywords::has_end_short`] or [`Keywords::has_end_long`]; unless some term's first
/// word has that length nothing else is done (the length itself is computed only then). A
/// run that is only part of a word (a digit, `_` or non-ASCII byte before or after it) is
/// probed all the same: verification rejects a match that is not a whole word, and
/// [`digits`] or [`other`] hands the whole word to the filter from that byte. A run of
/// sixteen letters or more goes to [`any_word`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn word(
    kw: &Keywords,
    t: &[u8],
    p: usize,
    first: u64,
    first_letters: u64,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    let nl = !first_letters & HI;
    if nl != 0 {
        // The high bit of the first byte that is not a letter.
        let end = nl & nl.wrapping_neg();
        if kw.has_end_short(end) {
            let a = (first | FOLD) & ((end >> 7) - 1);
            let len = (end.trailing_zeros() / 8) as usize;
            probe(kw, t, p, p + len, Keywords::fingerprint_short(a), out);
        }
        return;
    }
    let second = load8(t, p + 8);
    let nl = !letters(second) & HI;
    if nl != 0 {
        let end = nl & nl.wrapping_neg();
        if kw.has_end_long(end) {
            let z = end.trailing_zeros() / 8;
            let len = 8 + z as usize;
            let h = Keywords::fingerprint(first, funnel(first, second, z), len);
            probe(kw, t, p, p + len, h, out);
        }
        return;
    }
    // Sixteen letters or more. A run inside a word that went to the filter whole is skipped:
    // reading that word's bytes again from each of its runs would make the scan quadratic.
    if p >= st.word_end {
        any_word(kw, t, p, st, out);
    }
}

#[cfg(test)]
thread_local! {
    /// Bytes [`any_word`] has read on this thread (a test bounds the scan's work with it).
    pub(crate) static ANY_WORD_BYTES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The filter probe for the word `[ws, we)` with fingerprint `h`, and verification of the
/// candidates it lets through.
#[inline(always)]
fn probe(kw: &Keywords, t: &[u8], ws: usize, we: usize, h: u64, out: &mut Vec<Finding>) {
    if kw.maybe(h) {
        kw.verify(t, ws, we, h, out);
    }
}

/// Any word starting at `p`, to the keyword filter: its end found eight bytes at a time with
/// the exact word-byte class. It sets `st.word_end`, and no caller goes there below it, so
/// every byte is read here at most once per scan.
#[inline(never)]
fn any_word(kw: &Keywords, t: &[u8], p: usize, st: &mut State, out: &mut Vec<Finding>) {
    let mut q = p;
    let we = loop {
        let non = !word_bytes(load8(t, q)) & HI;
        if non != 0 {
            break q + (non.trailing_zeros() / 8) as usize;
        }
        q += 8;
    };
    st.word_end = we;
    #[cfg(test)]
    ANY_WORD_BYTES.with(|n| n.set(n.get() + (we - p)));
    let len = we - p;
    if kw.has_len(len) {
        probe_word(kw, t, p, we, out);
    }
}

/// The word holding the digit at `p`, to the numeric classifiers (once per word), and to the
/// keyword filter (`KW`) unless an earlier byte of it took it there.
#[inline(always)]
fn digits<const KW: bool>(e: &Engine, t: &[u8], p: usize, st: &mut State, out: &mut Vec<Finding>) {
    // Most digits are not the first of their word: that test stays out of the call.
    if p >= st.next_word {
        digit_word::<KW>(e, t, p, st, out);
    }
}

/// [`digits`] at the first digit of a word.
#[inline(never)]
fn digit_word<const KW: bool>(
    e: &Engine,
    t: &[u8],
    p: usize,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    let mut ws = p;
    while ws > st.next_word && is_word(before(t, ws)) {
        ws -= 1;
    }
    let mut we = p + 1;
    while we < t.len() && is_word(at(t, we)) {
        we += 1;
    }
    st.next_word = we;
    // A long word with a digit, or one before base64 punctuation, may be base64 (of text: a
    // letter at one end, since a quartet of text never starts with a digit).
    if (we - ws >= 12 || matches!(at(t, we), b'+' | b'/' | b'='))
        && (at(t, ws).is_ascii_alphabetic() || before(t, we).is_ascii_alphabetic())
    {
        skip_found(e, st, out);
        if let Some(m) = st.marks.as_deref_mut() {
            mark_base64(t, ws, we, &mut st.b64_end, m);
        }
    }
    if let (true, Some(kw)) = (KW, &e.keywords) {
        if ws >= st.word_end && kw.has_len_mixed(we - ws) {
            st.word_end = we;
            probe_word(kw, t, ws, we, out);
        }
    }
    if ws >= st.done {
        let group = st
            .group
            .get_or_insert_with(|| super::numeric::Group::new(0));
        st.done = super::numeric::on_word(e, t, ws, we, group, out);
    }
}

/// The whole word `[ws, we)` (of any length and bytes), to the keyword filter: its
/// fingerprint from its first and last eight bytes.
#[inline(never)]
fn probe_word(kw: &Keywords, t: &[u8], ws: usize, we: usize, out: &mut Vec<Finding>) {
    let last = load8(t, we.saturating_sub(8));
    let h = Keywords::fingerprint(load8(t, ws), last, we - ws);
    probe(kw, t, ws, we, h, out);
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
    // `value:` / `value=` after a `name:` or `key=` that names the secret.
    if t.get(is..ie)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"value"))
    {
        super::assign::name_value(e, t, is, c, out);
        return;
    }
    if !e.anchors.generic_may_occur(t.get(is..ie).unwrap_or(&[])) {
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
                    super::assign::generic(e, t, q, end, out);
                    if out.len() > base {
                        return;
                    }
                }
                q = end;
            }
            None => q += 1,
        }
    }
    // The keywords the anchor index leaves out.
    let w = t.get(is..ie).unwrap_or(&[]);
    for kw in ASSIGN_ONLY_KEYWORDS {
        let k = kw.as_bytes();
        if let Some(i) = w.windows(k.len()).position(|x| x.eq_ignore_ascii_case(k)) {
            super::assign::generic(e, t, is + i, is + i + k.len(), out);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{funnel, gather, Classes, HI};
    use crate::detect::DetectorSet;
    use crate::document::detectors::RawDetectors;

    #[test]
    fn load8_is_the_eight_bytes_with_zeros_past_the_end() {
        let text: Vec<u8> = (1..=24u8).map(|b| b.wrapping_mul(37) | 0x80).collect();
        for len in 0..text.len() {
            let t = &text[..len];
            for p in 0..len + 10 {
                let mut want = [0u8; 8];
                for (i, w) in want.iter_mut().enumerate() {
                    *w = t.get(p + i).copied().unwrap_or(0);
                }
                assert_eq!(
                    super::load8(t, p),
                    u64::from_le_bytes(want),
                    "len {len} p {p}"
                );
            }
        }
    }

    #[test]
    fn gather_packs_the_high_bit_of_each_byte() {
        let mut r = ocf_devkit::corpus::Rng::new(7);
        for _ in 0..100_000 {
            let h = r.next_u64() & HI;
            let want = (0..8).fold(0u64, |m, j| m | (((h >> (8 * j + 7)) & 1) << j));
            assert_eq!(gather(h), want, "{h:016x}");
        }
        assert_eq!(gather(HI), 0xFF);
        assert_eq!(gather(0), 0);
    }

    #[test]
    fn stop_bytes_hold_every_byte_the_pass_acts_on() {
        // Every byte with a stop class, and every digit, is in the word-wide stop mask, in
        // every byte lane; with keywords whose words hold `_` or non-ASCII bytes, those too.
        for cfg in [
            "{}",
            r#"{"keywords":[{"id":"k","terms":["a_b","née"]}]}"#,
            r#"{"disabled":["generic_secret"]}"#,
        ] {
            let raw: RawDetectors = serde_json::from_str(cfg).unwrap();
            let set = DetectorSet::compile(&raw).unwrap();
            let e = &set.engine;
            let c = Classes::new(e, e.keywords.as_ref());
            let mixed = e.keywords.as_ref().is_some_and(|k| k.any_mixed());
            for b in 0..=255u8 {
                let must = b.is_ascii_digit()
                    || e.anchors.stop_class(b) != 0
                    || (mixed && (b == b'_' || b >= 0x80));
                for lane in 0..8 {
                    // The other lanes hold letters, which never stop.
                    let x = (u64::from_le_bytes(*b"abcdefgh") & !(0xFF << (8 * lane)))
                        | (u64::from(b) << (8 * lane));
                    let got = c.stops(x) & !super::letters(x);
                    if must {
                        assert_eq!(got, 0x80 << (8 * lane), "{cfg} byte {b:#04x} lane {lane}");
                    }
                    assert_eq!(got & !(0x80 << (8 * lane)), 0, "{cfg} byte {b:#04x}");
                }
            }
        }
    }

    #[test]
    fn findings_at_every_offset_of_a_block_and_of_the_text_end() {
        // A pass reads 64-byte blocks, and the last bytes from a zero-padded copy: every kind
        // of anchor and stop is found alike wherever it falls, across a block's end and at the
        // very end of the text, with and without keywords.
        let snippets = [
            "mail jane.doe@example.com now",
            "key AKIAIOSFODNN7EXAMPLE",
            "card 4111 1111 1111 1111",
            "password = \"Zx9!kQ2#vL7m\"",
            "born 12/03/1981",
            "ssn=536%2D22%2D8351",
            "tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "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",
            "call +1 415 555 0132 today",
            // Literals inside words are not anchors: nothing to find, wherever a block ends.
            "stubborn 12/03/1981, unborn 12/03/1981, mytoken is Zx9kQ2vL7mPq",
            "térm x_1 données",
        ];
        for cfg in [
            "{}",
            r#"{"keywords":[{"id":"k","terms":["x_1","données","today"]}]}"#,
        ] {
            let raw: RawDetectors = serde_json::from_str(cfg).unwrap();
            let set = DetectorSet::compile(&raw).unwrap();
            let scan = |text: &str| {
                let mut out = Vec::new();
                set.scan(text, &mut crate::detect::Scratch::default(), &mut out);
                out.sort();
                out.iter()
                    .map(|f| (f.rule, &text[f.start..f.end]))
                    .map(|(r, s)| (r, s.to_string()))
                    .collect::<Vec<_>>()
            };
            for snippet in snippets {
                let want = scan(snippet);
                // (The last two snippets hold no built-in finding.)
                assert!(
                    !want.is_empty() || cfg == "{}" || snippet.starts_with("stub"),
                    "{cfg} {snippet:?}"
                );
                for offset in 0..150 {
                    let mut pad: String = "lorem ipsum dolor sit amet "
                        .chars()
                        .cycle()
                        .take(offset)
                        .collect();
                    pad.push('\n');
                    for tail in ["", " and more words after it, to the end of the block"] {
                        let text = format!("{pad}{snippet}{tail}");
                        assert_eq!(scan(&text), want, "{cfg} {text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn funnel_is_the_eight_bytes_running_on_into_the_next_chunk() {
        let both = *b"abcdefghijklmnop";
        let word = |i: usize| u64::from_le_bytes(both[i..i + 8].try_into().unwrap());
        for k in 0..8u32 {
            assert_eq!(funnel(word(0), word(8), k), word(k as usize), "k {k}");
        }
        // Any bits: the same as a shift of the two chunks as one 128-bit number.
        let mut r = ocf_devkit::corpus::Rng::new(5);
        for _ in 0..10_000 {
            let (x, y) = (r.next_u64(), r.next_u64());
            for k in 0..8u32 {
                let want = (((u128::from(y) << 64) | u128::from(x)) >> (8 * k)) as u64;
                assert_eq!(funnel(x, y, k), want);
            }
        }
    }
}

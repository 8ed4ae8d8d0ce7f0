//! The single pass over a text: eight bytes at a time it skips ASCII letters inside words and
//! spaces, and stops only at the start of a letter run (a possible anchor: one trigram-table
//! probe) and at any other byte (digits start the numeric classifiers; `@`, `:`, `=`, `-`,
//! `.` may start or introduce an anchor). Chat text is mostly letters and spaces, so most
//! bytes cost a few word-wide operations and no branch. Without customer keywords, the word
//! starts of a chunk are probed before its stops are visited (the first two without a
//! branch), so a word start is a stop only when its trigram hits: real traffic never repeats
//! a text, and a branch per word that the CPU cannot learn costs more than the probe.
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

#[cold]
#[inline(never)]
fn load_short(t: &[u8], p: usize) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(t.get(p..).unwrap_or(&[])) {
        *d = *s;
    }
    u64::from_le_bytes(b)
}

/// The eight bytes starting `k` bytes into `x` and running on into `y` (`k < 8`; `x` holds
/// the bytes before `y`).
#[inline(always)]
fn funnel(x: u64, y: u64, k: u32) -> u64 {
    // `y << (64 - 8k)` without the shift by 64 at k = 0 (u64 shifts only: wasm has no u128).
    (x >> (8 * k)) | ((y << 1) << (63 - 8 * k))
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
    /// The numeric classifiers' digit-group buffer, reused for every word.
    group: super::numeric::Group,
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
        group: super::numeric::Group::new(0),
        marks,
        b64_end: 0,
        base: out.len(),
    };
    let mut i = 0usize;
    let mut carry = 0u64;
    // The chunk at `i` and its letters; the next chunk is loaded one step ahead, so the eight
    // bytes at any position in the chunk (and which of them are letters) are two shifts away.
    let mut x = load8(t, 0);
    let mut l = letters(x);
    while i + 8 <= t.len() {
        let y = load8(t, i + 8);
        let ly = letters(y);
        let starts = l & !((l << 8) | carry);
        carry = (l >> 56) & 0x80;
        let others = !l & !spaces(x) & HI;
        // Without keywords, a word start matters only when its trigram hits: the chunk's
        // starts are probed first, and the stops visited are the hits and the other bytes.
        let hits = if KW {
            starts
        } else {
            starts & probe_starts(e, x, y, starts)
        };
        let mut m = hits | others;
        while m != 0 {
            let bit = m & m.wrapping_neg();
            let k = m.trailing_zeros() / 8;
            let p = i + k as usize;
            m ^= bit;
            if starts & bit != 0 {
                // A letter-run start. With keywords, every one: the filter probe, then the
                // trigram probe (the same eight bytes serve both); without, a trigram hit.
                if let (true, Some(kw)) = (KW, kw) {
                    // (A run inside a word that went to the filter from an earlier byte may
                    // be probed again: verification rejects a match not at a word start.)
                    let first = funnel(x, y, k);
                    word(kw, t, p, first, funnel(l, ly, k), &mut st, out);
                    if !e.anchors.tri_hit8(first) {
                        continue;
                    }
                }
                anchor(e, text, p, &mut st, out);
            } else {
                other::<KW>(e, text, p, &mut st, out);
            }
        }
        x = y;
        l = ly;
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
                if let (true, Some(kw)) = (KW, kw) {
                    if i >= st.word_end {
                        let first = load8(t, i);
                        word(kw, t, i, first, letters(first), &mut st, out);
                    }
                }
                anchor(e, text, i, &mut st, out);
            } else {
                other::<KW>(e, text, i, &mut st, out);
            }
        }
        i += 1;
    }
}

/// The high bit of each byte of the chunk `x` (`y`: the next one) that starts a letter run in
/// `starts` and whose trigram the anchor table holds. The first two starts are probed without
/// a branch; more (short words) in a loop.
#[inline(always)]
fn probe_starts(e: &Engine, x: u64, y: u64, starts: u64) -> u64 {
    let an = &e.anchors;
    let k1 = (starts.trailing_zeros() / 8).min(7);
    let s2 = starts & starts.wrapping_sub(1);
    let k2 = (s2.trailing_zeros() / 8).min(7);
    let mut hits = (u64::from(an.tri_hit8(funnel(x, y, k1))) << (8 * k1 + 7))
        | (u64::from(an.tri_hit8(funnel(x, y, k2))) << (8 * k2 + 7));
    let mut rest = s2 & s2.wrapping_sub(1);
    while rest != 0 {
        let k = rest.trailing_zeros() / 8;
        hits |= u64::from(an.tri_hit8(funnel(x, y, k))) << (8 * k + 7);
        rest &= rest.wrapping_sub(1);
    }
    hits
}

/// A byte other than a letter or a space.
#[inline(never)]
fn other<const KW: bool>(e: &Engine, text: &str, p: usize, st: &mut State, out: &mut Vec<Finding>) {
    let t = text.as_bytes();
    let b = at(t, p);
    if b.is_ascii_digit() {
        digits::<KW>(e, t, p, st, out);
        return;
    }
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
        st.done = super::numeric::on_word(e, t, ws, we, &mut st.group, out);
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
    use super::funnel;

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

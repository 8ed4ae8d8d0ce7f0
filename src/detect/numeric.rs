//! Numeric classifiers, run on each word that contains a digit: digit groups joined by single
//! separators (cards, phones, SSNs, IPv4, numeric national IDs), alphanumeric words (see
//! `alnum.rs`) and IPv6 runs (see `ip.rs`). Dates, times, versions, ISBNs, UUID tails and
//! other numbers attached to a longer token are left alone.

use super::alnum::{alnum_word, es_id_at, nino_spaced};
use super::ids;
use super::rules::Engine;
use super::table::Tables;
use super::text::{at, before, context_before, is_word, push};
use super::{ip, phone, Finding};

/// Groups read at most in one run (a list of ten spaced card numbers is 40).
const MAX_GROUPS: usize = 40;
/// Digits kept at most in one run.
const MAX_DIGITS: usize = 160;
/// A single digit run longer than this is no value (a hash, a long id): the run is skipped.
const MAX_RUN: usize = 24;

/// Digit groups joined by single separators.
#[derive(Debug)]
pub(super) struct Group {
    digits: [u8; MAX_DIGITS],
    nd: usize,
    sizes: [u8; MAX_GROUPS],
    /// Separator before group i (0 for the first).
    seps: [u8; MAX_GROUPS],
    /// Byte offset where each group ends.
    ends: [usize; MAX_GROUPS],
    pub(super) ng: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    /// A `+` (not after a word) before the first group.
    pub(super) plus: bool,
    /// The first group is an area code in parentheses: `(` before it, `)` after it.
    pub(super) paren: bool,
    overflow: bool,
    /// Column headers looked up in this scan (kept across groups).
    pub(super) tables: Tables,
}

impl Group {
    /// An empty buffer (reused: [`group`] resets only the counts).
    pub(super) fn new(start: usize) -> Self {
        Self {
            digits: [0; MAX_DIGITS],
            nd: 0,
            sizes: [0; MAX_GROUPS],
            seps: [0; MAX_GROUPS],
            ends: [0; MAX_GROUPS],
            ng: 0,
            start,
            end: start,
            plus: false,
            paren: false,
            overflow: false,
            tables: Tables::default(),
        }
    }
    pub(super) fn digits(&self) -> &[u8] {
        self.digits.get(..self.nd).unwrap_or(&[])
    }
    pub(super) fn sizes(&self) -> &[u8] {
        self.sizes.get(..self.ng).unwrap_or(&[])
    }
    /// The separators between groups (`seps()[i]` comes before group `i + 1`).
    pub(super) fn seps(&self) -> &[u8] {
        self.seps.get(1..self.ng).unwrap_or(&[])
    }
    /// Where each group ends.
    pub(super) fn ends(&self) -> &[usize] {
        self.ends.get(..self.ng).unwrap_or(&[])
    }
    pub(super) fn first(&self) -> u8 {
        self.digits.first().copied().unwrap_or(0)
    }
    pub(super) fn uniform_sep(&self, allowed: &[u8]) -> bool {
        let s = self.seps();
        s.first()
            .is_none_or(|f| allowed.contains(f) && s.iter().all(|x| x == f))
    }
    /// Where group `i` starts.
    fn group_start(&self, i: usize) -> Option<usize> {
        Some(self.ends.get(i)? - usize::from(*self.sizes.get(i)?))
    }
}

/// Bytes that may join two digit groups (a bit per byte below 64).
const SEPARATORS: u64 =
    (1 << b' ') | (1 << b'-') | (1 << b'.') | (1 << b'/') | (1 << b'(') | (1 << b')');

/// Bytes below 64 that may attach a digit word to what stands before it.
const ATTACHING: u64 =
    (1 << b'-') | (1 << b'.') | (1 << b'/') | (1 << b',') | (1 << b':') | (1 << b'#') | (1 << b'$');

const SSN_CTX: &[&str] = &["ssn", "social security", "social sec"];
const BSN_CTX: &[&str] = &["bsn", "burgerservice", "sofinummer"];
const PESEL_CTX: &[&str] = &["pesel"];
const STEUER_CTX: &[&str] = &[
    "steuer",
    "idnr",
    "identifikationsnummer",
    "tax id",
    "tax-id",
];
const AADHAAR_CTX: &[&str] = &["aadhaar", "aadhar", "uidai"];
const NIR_CTX: &[&str] = &[
    "nir",
    "sécurité sociale",
    "securite sociale",
    "insee",
    "numéro de sécu",
];

/// Words that name a product barcode (GS1 General Specifications: EAN/UPC, GTIN).
const BARCODE_CTX: &[&str] = &[
    "ean", "gtin", "upc", "barcode", "bar code", "isbn", "jan code",
];

const DOB_CTX: &[&str] = &[
    "dob",
    "d.o.b",
    "birth",
    "born",
    "geburt",
    "naissance",
    "nacimiento",
    "nascita",
    "urodzenia",
];

/// Whether a keyword introduces the value of `g`: before it on its line (within `window`
/// bytes), or as the header of its column in a table.
fn context(t: &[u8], g: &Group, keywords: &[&str], window: usize, label: &str) -> bool {
    let label = (!label.is_empty()).then_some(label);
    context_before(t, g.start, keywords, window, label)
        || g.tables.header_mentions(t, g.start, g.end, keywords)
}

/// Classifies the word `[s, e)` (it contains a digit). Returns the offset up to which the
/// text has been consumed (the next word with digits before it is skipped).
pub(crate) fn on_word(
    e: &Engine,
    t: &[u8],
    s: usize,
    we: usize,
    g: &mut Group,
    out: &mut Vec<Finding>,
) -> usize {
    let ids = &e.ids;
    if ids.ip.is_some() && (at(t, we) == b':' || before(t, s) == b':') {
        if let Some((start, end, host)) = ip::ipv6(t, s) {
            if host {
                push(out, ids.ip, start, end);
            }
            return end;
        }
    }
    let Some(word) = t.get(s..we) else {
        return we;
    };
    if !word.iter().all(u8::is_ascii_digit) {
        return alnum_word(e, t, s, we, word, out);
    }
    let p = before(t, s);
    // `X-1234567-L`: a NIE whose letter and hyphen come before these digits.
    if p == b'-' && ids.dni.is_some() && s >= 2 && !is_word(before(t, s - 2)) {
        if let Some(end) = es_id_at(t, s - 2) {
            push(out, ids.dni, s - 2, end);
            return end;
        }
    }
    // A digit word attached to a longer token (UUID tail, version part, thousands, `12:30`,
    // `#123`) is not sensitive on its own. A `,` separates CSV fields unless it groups
    // thousands (three digits after a digit); a `:` after a letter separates a value from its
    // name (`SSN:536228351`), and `SSN#` names one.
    let attached = if p >= 0x80 {
        true
    } else if p >= 64 || (ATTACHING >> p) & 1 == 0 {
        false
    } else if p == b',' {
        before(t, s - 1).is_ascii_digit() && we - s == 3
    } else if p == b':' {
        before(t, s - 1).is_ascii_digit()
    } else if p == b'#' {
        !context_before(t, s - 1, SSN_CTX, 8, None)
    } else if p == b'$' {
        true
    } else {
        is_word(before(t, s - 1))
    };
    if attached {
        return we;
    }
    group(t, s, g);
    let g = &*g;
    if g.overflow {
        return g.end;
    }
    // `12345678-Z`, `12.345.678-Z`, `12345678 Z`: a DNI with its letter after a separator.
    if ids.dni.is_some()
        && g.nd == 8
        && !g.plus
        && !g.paren
        && (g.ng == 1 || (matches!(g.sizes(), [2, 3, 3]) && g.uniform_sep(b".")))
    {
        if let Some(end) = es_id_at(t, g.start) {
            push(out, ids.dni, g.start, end);
            return end;
        }
    }
    // Right attachment: a separator followed by a word character continues the token; a `,`
    // only after one group of one to three digits followed by a digit (`1,234`), not after a
    // value in a CSV row.
    // A dotted quad before `/path` is a host (`10.0.3.7/shop`), not part of a longer token.
    let n = at(t, g.end);
    let quad = g.ng == 4 && g.seps().iter().all(|&c| c == b'.');
    let right = is_word(n)
        || (matches!(n, b'-' | b'.' | b'/') && is_word(at(t, g.end + 1)) && !(quad && n == b'/'))
        || (n == b',' && g.ng == 1 && g.nd <= 3 && at(t, g.end + 1).is_ascii_digit());
    if right {
        return g.end;
    }
    classify(e, t, g, out);
    g.end
}

/// Reads the digit groups starting at `s` into `g` (its arrays are overwritten, not cleared).
fn group(t: &[u8], s: usize, g: &mut Group) {
    g.nd = 0;
    g.ng = 0;
    g.start = s;
    g.end = s;
    g.plus = false;
    g.paren = false;
    g.overflow = false;
    let p = before(t, s);
    let mut open_paren = false;
    if p == b'+' && !is_word(before(t, s - 1)) {
        g.plus = true;
        g.start = s - 1;
    } else if p == b'(' {
        open_paren = true;
    }
    let mut i = s;
    let mut sep = 0u8;
    loop {
        // A run of digits (a group that would not fit ends the run before it).
        let run_start = i;
        let nd0 = g.nd;
        while at(t, i).is_ascii_digit() {
            match g.digits.get_mut(g.nd) {
                Some(d) => *d = at(t, i),
                None => break,
            }
            g.nd += 1;
            i += 1;
        }
        let len = i - run_start;
        if at(t, i).is_ascii_digit() {
            if g.ng == 0 || len >= MAX_RUN {
                while at(t, i).is_ascii_digit() {
                    i += 1;
                }
                g.overflow = true;
                g.end = i;
                return;
            }
            g.nd = nd0;
            break;
        }
        if len > MAX_RUN {
            g.overflow = true;
            g.end = i;
            return;
        }
        if let (Some(sz), Some(sp), Some(en)) = (
            g.sizes.get_mut(g.ng),
            g.seps.get_mut(g.ng),
            g.ends.get_mut(g.ng),
        ) {
            *sz = len as u8;
            *sp = sep;
            *en = i;
        }
        g.ng += 1;
        g.end = i;
        if g.ng == MAX_GROUPS {
            break;
        }
        // A separator then another pure digit run. One bit test first: the byte after a run
        // is anything, and a jump table on it mispredicts.
        let (c, d) = (at(t, i), at(t, i + 1));
        if c >= 64 || (SEPARATORS >> c) & 1 == 0 {
            break;
        }
        let (next_sep, skip) = if c == b')' {
            if d == b' ' {
                (b')', 2)
            } else {
                (b')', 1)
            }
        } else if c == b' ' && d == b'(' {
            (b'(', 2)
        } else {
            (c, 1)
        };
        let j = i + skip;
        if !at(t, j).is_ascii_digit() {
            break;
        }
        // A dotted quad after a space is a value of its own (`200 203.0.113.7` in a log line).
        if c == b' ' && dotted_quad_at(t, j) {
            break;
        }
        let mut k = j;
        while at(t, k).is_ascii_digit() {
            k += 1;
        }
        if is_word(at(t, k)) {
            break;
        }
        // ` (` joins only an area code in parentheses (`0044 (20) 7946`), not `(24/7)`.
        if next_sep == b'(' && at(t, k) != b')' {
            break;
        }
        sep = next_sep;
        i = j;
    }
    // `(` before the first group makes it an area code only when `)` follows it; otherwise
    // the parenthesis encloses the value (`(SSN 536-22-8351)`, `(4111 1111 1111 1111)`).
    if open_paren && g.seps().first() == Some(&b')') {
        g.paren = true;
        g.start = s - 1;
    }
}

/// Whether four groups of one to three digits joined by `.` start at `j` (an IPv4 address's
/// shape), with no digit or `.` and digit after them.
fn dotted_quad_at(t: &[u8], j: usize) -> bool {
    let mut i = j;
    for part in 0..4 {
        let s = i;
        while i - s < 4 && at(t, i).is_ascii_digit() {
            i += 1;
        }
        if i == s || i - s > 3 {
            return false;
        }
        if part < 3 {
            if at(t, i) != b'.' {
                return false;
            }
            i += 1;
        }
    }
    !(at(t, i).is_ascii_digit() || (at(t, i) == b'.' && at(t, i + 1).is_ascii_digit()))
}

/// Group sizes a card is written in: one run, 4-6-5 / 4-6-4 (Amex, Diners), or fours with a
/// shorter last group.
fn card_shape(sizes: &[u8]) -> bool {
    match sizes {
        [_] | [4, 6, 5] | [4, 6, 4] => true,
        _ => sizes
            .iter()
            .enumerate()
            .all(|(i, &s)| s == 4 || (i + 1 == sizes.len() && (1..=4).contains(&s))),
    }
}

/// Whether groups `a..b` are a card: card shape, one separator (` ` or `-`) between them, Luhn
/// and issuer.
fn card_window(g: &Group, offsets: &[usize], a: usize, b: usize) -> bool {
    let (Some(&da), Some(&db)) = (offsets.get(a), offsets.get(b)) else {
        return false;
    };
    let (Some(sizes), Some(inner), Some(digits)) = (
        g.sizes.get(a..b),
        g.seps.get(a + 1..b),
        g.digits().get(da..db),
    ) else {
        return false;
    };
    let one_sep = inner
        .first()
        .is_none_or(|f| matches!(f, b' ' | b'-') && inner.iter().all(|x| x == f));
    (13..=19).contains(&digits.len()) && one_sep && card_shape(sizes) && ids::card(digits)
}

/// The cards among the groups of `g`: the non-overlapping runs of consecutive groups that are
/// each a card and together cover the most digits (a list of cards separated by single spaces,
/// a stray digit group before or after a card). Appends their byte spans to `out`.
fn cards_in_groups(g: &Group, found: &mut Vec<(usize, usize)>) {
    if g.nd < 13 {
        return;
    }
    let n = g.ng;
    let mut offsets = [0usize; MAX_GROUPS + 1];
    for i in 0..n {
        let size = usize::from(g.sizes.get(i).copied().unwrap_or(0));
        let prev = offsets.get(i).copied().unwrap_or(0);
        if let Some(o) = offsets.get_mut(i + 1) {
            *o = prev + size;
        }
    }
    // best[i]: the most digits cards cover in groups i..n; next[i]: the end of the card that
    // starts at group i in that choice (0: group i is not in a card).
    let mut best = [0usize; MAX_GROUPS + 1];
    let mut next = [0usize; MAX_GROUPS + 1];
    for i in (0..n).rev() {
        let mut b_i = best.get(i + 1).copied().unwrap_or(0);
        let mut n_i = 0;
        // A card spans at most five groups (19 digits in fours and a shorter last group).
        for b in (i + 1)..=(i + 5).min(n) {
            let len = offsets.get(b).copied().unwrap_or(0) - offsets.get(i).copied().unwrap_or(0);
            if len > 19 {
                break;
            }
            if len < 13 || !card_window(g, &offsets, i, b) {
                continue;
            }
            let total = len + best.get(b).copied().unwrap_or(0);
            if total > b_i {
                b_i = total;
                n_i = b;
            }
        }
        if let (Some(bs), Some(nx)) = (best.get_mut(i), next.get_mut(i)) {
            *bs = b_i;
            *nx = n_i;
        }
    }
    let mut i = 0;
    while i < n {
        match next.get(i).copied().unwrap_or(0) {
            0 => i += 1,
            b => {
                if let (Some(s), Some(&e)) = (g.group_start(i), g.ends.get(b - 1)) {
                    found.push((s, e));
                }
                i = b;
            }
        }
    }
}

fn is_date(g: &Group) -> bool {
    if g.ng != 3 || !g.uniform_sep(b"-/.") {
        return false;
    }
    matches!(
        g.sizes(),
        [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4] | [1..=2, 1..=2, 2]
    )
}

fn classify(e: &Engine, t: &[u8], g: &Group, out: &mut Vec<Finding>) {
    let ids = &e.ids;
    let d = g.digits();
    let sizes = g.sizes();
    // IPv4 (optionally with /prefix); a dotted quad that is not one may be a phone number
    // (`1.415.555.0132`).
    if g.ng >= 4 && !g.plus && g.seps().iter().take(3).all(|&s| s == b'.') {
        let dotted4 = g.ng == 4 || g.seps().get(3) == Some(&b'/');
        if dotted4 && g.sizes().iter().take(4).all(|&n| n <= 3) {
            if let Some(end) = ip::ipv4(t, g) {
                push(out, ids.ip, g.start, end);
            }
            return;
        }
    }
    if is_date(g) {
        // A date under a date-of-birth column header (`dob,name\n1990-01-01,Ann`).
        if ids.dob.is_some() && g.tables.header_mentions(t, g.start, g.end, DOB_CTX) {
            if let Some(end) = super::dob::date(t, g.start) {
                push(out, ids.dob, g.start, end);
            }
        }
        return;
    }
    // A NINO in its spaced forms, `AB 12 34 56 C` and `AB 123456 C`.
    if ids.nino.is_some()
        && ((matches!(sizes, [2, 2, 2]) && g.uniform_sep(b" ")) || matches!(sizes, [6]))
        && nino_spaced(e, t, g, out)
    {
        return;
    }
    // A product barcode (EAN-13, UPC-A, GTIN-14, EAN-8) named as one is no card, nor anything.
    if g.ng == 1
        && matches!(d.len(), 8 | 12 | 13 | 14)
        && ids::gs1(d)
        && context(t, g, BARCODE_CTX, 24, "")
    {
        return;
    }
    // Payment cards: the whole run, or the runs of its groups that are cards.
    if ids.card.is_some() && !g.plus && !g.paren {
        let mut found = Vec::new();
        cards_in_groups(g, &mut found);
        if !found.is_empty() {
            for (s, e) in found {
                push(out, ids.card, s, e);
            }
            return;
        }
    }
    // US SSN.
    if d.len() == 9 && !g.plus && !g.paren {
        let dashed = matches!(sizes, [3, 2, 4]) && g.uniform_sep(b"- ");
        if (dashed || (g.ng == 1 && context(t, g, SSN_CTX, 40, "SSN"))) && ids::ssn(d) {
            push(out, ids.ssn, g.start, g.end);
            return;
        }
    }
    // Numeric national IDs (context or a distinctive layout).
    if national(e, t, g, out) {
        return;
    }
    if ids.phone.is_some() && phone::phone(t, g) {
        push(out, ids.phone, g.start, g.end);
    }
}

fn national(e: &Engine, t: &[u8], g: &Group, out: &mut Vec<Finding>) -> bool {
    let ids = &e.ids;
    let d = g.digits();
    let sizes = g.sizes();
    let single = g.ng == 1;
    let found = |rule, out: &mut Vec<Finding>| {
        push(out, rule, g.start, g.end);
        true
    };
    if g.plus || g.paren {
        return false;
    }
    match d.len() {
        15 if ids.nir.is_some()
            && (single || (matches!(sizes, [1, 2, 2, 2, 3, 3, 2]) && g.uniform_sep(b" ")))
            && ids::fr_nir(d)
            && (!single
                || context(t, g, NIR_CTX, 40, "NATIONAL_ID")
                || matches!(d.first(), Some(b'1' | b'2'))) =>
        {
            found(ids.nir, out)
        }
        12 if ids.aadhaar.is_some()
            && ((matches!(sizes, [4, 4, 4]) && g.uniform_sep(b" -"))
                || (single && context(t, g, AADHAAR_CTX, 40, "NATIONAL_ID")))
            && ids::in_aadhaar(d) =>
        {
            found(ids.aadhaar, out)
        }
        11 if ids.pesel.is_some()
            && single
            && context(t, g, PESEL_CTX, 40, "NATIONAL_ID")
            && ids::pl_pesel(d) =>
        {
            found(ids.pesel, out)
        }
        11 if ids.steuer.is_some()
            && (single || (matches!(sizes, [2, 3, 3, 3]) && g.uniform_sep(b" ")))
            && context(t, g, STEUER_CTX, 48, "NATIONAL_ID")
            && ids::de_steuer_id(d) =>
        {
            found(ids.steuer, out)
        }
        9 if ids.bsn.is_some()
            && (single
                || (matches!(sizes, [4, 2, 3]) && g.uniform_sep(b"."))
                || (matches!(sizes, [3, 3, 3]) && g.uniform_sep(b" .")))
            && context(t, g, BSN_CTX, 40, "NATIONAL_ID")
            && ids::nl_bsn(d) =>
        {
            found(ids.bsn, out)
        }
        _ => false,
    }
}

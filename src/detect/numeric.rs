//! Numeric classifiers, run on each word that contains a digit: digit groups joined by single
//! separators (cards, phones, SSNs, IPv4, numeric national IDs), alphanumeric words (IBAN,
//! NINO, DNI/NIE, codice fiscale, Twilio SIDs) and IPv6 runs. Dates, times, versions, ISBNs,
//! UUID tails and other numbers attached to a longer token are left alone.

use super::ids;
use super::rules::Engine;
use super::text::{at, before, context_before, is_word, push};
use super::Finding;

const MAX_GROUPS: usize = 8;
const MAX_DIGITS: usize = 24;

/// Digit groups joined by single separators.
#[derive(Debug, Default)]
struct Group {
    digits: [u8; MAX_DIGITS],
    nd: usize,
    sizes: [u8; MAX_GROUPS],
    /// Separator before group i (0 for the first).
    seps: [u8; MAX_GROUPS],
    /// Byte offset where each group ends.
    ends: [usize; MAX_GROUPS],
    ng: usize,
    start: usize,
    end: usize,
    plus: bool,
    paren: bool,
    overflow: bool,
}

impl Group {
    fn digits(&self) -> &[u8] {
        self.digits.get(..self.nd).unwrap_or(&[])
    }
    fn sizes(&self) -> &[u8] {
        self.sizes.get(..self.ng).unwrap_or(&[])
    }
    fn seps(&self) -> &[u8] {
        self.seps.get(1..self.ng).unwrap_or(&[])
    }
    fn first(&self) -> u8 {
        self.digits.first().copied().unwrap_or(0)
    }
    fn uniform_sep(&self, allowed: &[u8]) -> bool {
        let s = self.seps();
        s.first()
            .is_none_or(|f| allowed.contains(f) && s.iter().all(|x| x == f))
    }
}

const SSN_CTX: &[&str] = &["ssn", "social security", "social sec"];
const PHONE_CTX: &[&str] = &[
    "phone",
    "tel:",
    "tel.",
    "tel ",
    "call",
    "mobile",
    "cell",
    "fax",
    "handy",
    "portable",
    "whatsapp",
    "sms",
    "telefon",
    "téléphone",
];
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
const VERSION_CTX: &[&str] = &[
    "version", "ver.", "ver ", "release", "build", "firmware", "v.",
];

/// Classifies the word `[s, e)` (it contains a digit). Returns the offset up to which the
/// text has been consumed (the next word with digits before it is skipped).
pub(crate) fn on_word(e: &Engine, t: &[u8], s: usize, we: usize, out: &mut Vec<Finding>) -> usize {
    let ids = &e.ids;
    if ids.ip.is_some() && (at(t, we) == b':' || before(t, s) == b':') {
        if let Some(end) = ipv6(t, s) {
            push(out, ids.ip, end.0, end.1);
            return end.1;
        }
    }
    let Some(word) = t.get(s..we) else {
        return we;
    };
    if !word.iter().all(u8::is_ascii_digit) {
        return alnum_word(e, t, s, we, word, out);
    }
    // A digit word attached to a longer token (UUID tail, version part, `#123`) is not
    // sensitive on its own.
    let p = before(t, s);
    if (matches!(p, b'-' | b'.' | b'/' | b',' | b':') && is_word(before(t, s - 1)))
        || matches!(p, b'#' | b'$' | b'\x80'..=b'\xff')
    {
        return we;
    }
    let g = group(t, s);
    if g.overflow {
        return g.end;
    }
    // Right attachment: a separator followed by a word character continues the token.
    let n = at(t, g.end);
    if n == b'-' && ids.dni.is_some() && es_dni_dash(e, t, &g, out) {
        return g.end + 2;
    }
    if is_word(n) || (matches!(n, b'-' | b'.' | b'/' | b',') && is_word(at(t, g.end + 1))) {
        return g.end;
    }
    classify(e, t, &g, out);
    g.end
}

fn group(t: &[u8], s: usize) -> Group {
    let mut g = Group {
        start: s,
        ..Group::default()
    };
    let p = before(t, s);
    if p == b'+' && !is_word(before(t, s - 1)) {
        g.plus = true;
        g.start = s - 1;
    } else if p == b'(' {
        g.paren = true;
        g.start = s - 1;
    }
    let mut i = s;
    let mut sep = 0u8;
    loop {
        // A run of digits.
        let run_start = i;
        while at(t, i).is_ascii_digit() {
            if g.nd < MAX_DIGITS {
                if let Some(d) = g.digits.get_mut(g.nd) {
                    *d = at(t, i);
                }
                g.nd += 1;
            } else {
                g.overflow = true;
            }
            i += 1;
        }
        let len = i - run_start;
        if g.ng >= MAX_GROUPS {
            g.overflow = true;
            g.end = i;
            return g;
        }
        if let (Some(sz), Some(sp), Some(en)) = (
            g.sizes.get_mut(g.ng),
            g.seps.get_mut(g.ng),
            g.ends.get_mut(g.ng),
        ) {
            *sz = len.min(255) as u8;
            *sp = sep;
            *en = i;
        }
        g.ng += 1;
        g.end = i;
        if g.overflow {
            return g;
        }
        // A separator then another pure digit run.
        let (next_sep, skip) = match (at(t, i), at(t, i + 1)) {
            (b')', b' ') => (b')', 2),
            (b' ', b'(') => (b'(', 2),
            (b')', d) if d.is_ascii_digit() => (b')', 1),
            (b' ' | b'-' | b'.' | b'/', _) => (at(t, i), 1),
            _ => break,
        };
        let j = i + skip;
        if !at(t, j).is_ascii_digit() {
            break;
        }
        let mut k = j;
        while at(t, k).is_ascii_digit() {
            k += 1;
        }
        if is_word(at(t, k)) {
            break;
        }
        sep = next_sep;
        i = j;
    }
    g
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

/// The byte span of the longest contiguous run of groups (not the whole) that is a card.
fn card_in_groups(g: &Group) -> Option<(usize, usize)> {
    let sizes = g.sizes();
    let mut offsets = [0usize; MAX_GROUPS + 1];
    for (i, &sz) in sizes.iter().enumerate() {
        let prev = offsets.get(i).copied().unwrap_or(0);
        if let Some(o) = offsets.get_mut(i + 1) {
            *o = prev + usize::from(sz);
        }
    }
    let mut best: Option<(usize, usize, usize)> = None;
    for a in 0..g.ng {
        for b in (a + 1)..=g.ng {
            if (a, b) == (0, g.ng) {
                continue;
            }
            let (da, db) = (offsets.get(a).copied()?, offsets.get(b).copied()?);
            let digits = g.digits().get(da..db)?;
            let len = db - da;
            if !(13..=19).contains(&len) || best.is_some_and(|(l, _, _)| l >= len) {
                continue;
            }
            if card_shape(sizes.get(a..b)?) && ids::card(digits) {
                let start = g.ends.get(a)? - usize::from(*sizes.get(a)?);
                best = Some((len, start, *g.ends.get(b - 1)?));
            }
        }
    }
    best.map(|(_, s, e)| (s, e))
}

/// A 13-19 digit run glued to letters inside an alphanumeric word (`x4111…`, `com4111…`):
/// the byte span of the first that is a card. A word of hex digits only is a hash or an id,
/// where a Luhn-valid run is chance, and is left alone.
fn card_in_word(w: &[u8], s: usize) -> Option<(usize, usize)> {
    if w.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut i = 0;
    while i < w.len() {
        if !w.get(i)?.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while w.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if (13..=19).contains(&(i - start)) && ids::card(w.get(start..i)?) {
            return Some((s + start, s + i));
        }
    }
    None
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
    // IPv4 (optionally with /prefix).
    if g.ng >= 4 && !g.plus && g.seps().iter().take(3).all(|&s| s == b'.') {
        let dotted4 = g.ng == 4 || g.seps.get(4) == Some(&b'/');
        if g.ng == 4 || dotted4 {
            if ipv4_ok(g)
                && before(t, g.start) != b'v'
                && before(t, g.start) != b'V'
                && !context_before(t, g.start, VERSION_CTX, 24, None)
            {
                let end = g.ends.get(3).copied().unwrap_or(g.end);
                push(out, ids.ip, g.start, end);
            }
            return;
        }
    }
    if is_date(g) {
        return;
    }
    // Nation-wide SSN in the spaced NINO form `AB 12 34 56 C` is checked first.
    if ids.nino.is_some() && sizes == [2, 2, 2] && g.uniform_sep(b" ") {
        if let Some(()) = nino_spaced(e, t, g, out) {
            return;
        }
    }
    // Payment card: the whole run, else a contiguous run of its groups (a stray digit group
    // before or after a card must not hide it: `1 4111 1111 1111 1111`).
    if !g.plus && !g.paren && g.uniform_sep(b" -") {
        if (13..=19).contains(&d.len()) && card_shape(sizes) && ids::card(d) {
            push(out, ids.card, g.start, g.end);
            return;
        }
        if let Some((start, end)) = card_in_groups(g) {
            push(out, ids.card, start, end);
            return;
        }
    }
    // US SSN.
    if d.len() == 9 && !g.plus && !g.paren {
        let dashed = sizes == [3, 2, 4] && g.uniform_sep(b"- ");
        if (dashed || (g.ng == 1 && context_before(t, g.start, SSN_CTX, 40, Some("SSN"))))
            && ids::ssn(d)
        {
            push(out, ids.ssn, g.start, g.end);
            return;
        }
    }
    // Numeric national IDs (context or a distinctive layout).
    if national(e, t, g, out) {
        return;
    }
    if ids.phone.is_some() && phone(t, g) {
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
            && (single || (sizes == [1, 2, 2, 2, 3, 3, 2] && g.uniform_sep(b" ")))
            && ids::fr_nir(d)
            && (!single
                || context_before(t, g.start, NIR_CTX, 40, Some("NATIONAL_ID"))
                || matches!(d.first(), Some(b'1' | b'2'))) =>
        {
            found(ids.nir, out)
        }
        12 if ids.aadhaar.is_some()
            && ((sizes == [4, 4, 4] && g.uniform_sep(b" -"))
                || (single
                    && context_before(t, g.start, AADHAAR_CTX, 40, Some("NATIONAL_ID"))))
            && ids::in_aadhaar(d) =>
        {
            found(ids.aadhaar, out)
        }
        11 if ids.pesel.is_some()
            && single
            && context_before(t, g.start, PESEL_CTX, 40, Some("NATIONAL_ID"))
            && ids::pl_pesel(d) =>
        {
            found(ids.pesel, out)
        }
        11 if ids.steuer.is_some()
            && (single || (sizes == [2, 3, 3, 3] && g.uniform_sep(b" ")))
            && context_before(t, g.start, STEUER_CTX, 48, Some("NATIONAL_ID"))
            && ids::de_steuer_id(d) =>
        {
            found(ids.steuer, out)
        }
        9 if ids.bsn.is_some()
            && (single
                || (sizes == [4, 2, 3] && g.uniform_sep(b"."))
                || (sizes == [3, 3, 3] && g.uniform_sep(b" .")))
            && context_before(t, g.start, BSN_CTX, 40, Some("NATIONAL_ID"))
            && ids::nl_bsn(d) =>
        {
            found(ids.bsn, out)
        }
        _ => false,
    }
}

fn ipv4_ok(g: &Group) -> bool {
    let mut k = 0usize;
    for &sz in g.sizes().iter().take(4) {
        let sz = usize::from(sz);
        let Some(part) = g.digits.get(k..k + sz) else {
            return false;
        };
        if sz == 0 || sz > 3 || (sz > 1 && part.first() == Some(&b'0')) {
            return false;
        }
        if super::checksum::num(part).unwrap_or(999) > 255 {
            return false;
        }
        k += sz;
    }
    true
}

fn phone(t: &[u8], g: &Group) -> bool {
    let d = g.digits();
    let sizes = g.sizes();
    let seps_ok = g.seps().iter().all(|s| b" -.()".contains(s));
    if g.plus {
        return (8..=15).contains(&d.len()) && g.first() != b'0' && seps_ok;
    }
    let us_shape = |sz: &[u8]| sz == [3, 3, 4];
    let nxx = |i: usize| matches!(d.get(i), Some(b'2'..=b'9'));
    // US: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, 1-555-123-4567.
    if d.len() == 10 && us_shape(sizes) && nxx(0) && nxx(3) {
        let s = g.seps();
        let ok = if g.paren {
            s.first() == Some(&b')') && matches!(s.get(1), Some(b'-' | b' ' | b'.'))
        } else {
            g.uniform_sep(b"-. ")
        };
        if ok {
            return true;
        }
    }
    if d.len() == 11
        && sizes == [1, 3, 3, 4]
        && g.first() == b'1'
        && g.uniform_sep(b"-. ")
        && nxx(1)
    {
        return true;
    }
    // National trunk-prefix formats (UK, DE, FR): 0 then 9–11 more digits, grouped.
    if g.first() == b'0'
        && d.get(1).is_some_and(|&b| b != b'0')
        && (10..=12).contains(&d.len())
        && g.ng >= 2
        && sizes.iter().all(|&s| s >= 2)
        && !g.paren
    {
        let s = g.seps();
        let uniform = g.uniform_sep(b" -.");
        let de_slash =
            s.first() == Some(&b'/') && s.iter().skip(1).all(|&x| x == b' ' || x == b'-');
        if uniform || de_slash {
            return true;
        }
    }
    // Unseparated with a phone keyword before it.
    if g.ng == 1
        && (10..=12).contains(&d.len())
        && (g.first() == b'0' || (nxx(0) && d.len() == 10))
        && context_before(t, g.start, PHONE_CTX, 32, Some("PHONE"))
    {
        return true;
    }
    false
}

fn nino_spaced(e: &Engine, t: &[u8], g: &Group, out: &mut Vec<Finding>) -> Option<()> {
    let s = g.start;
    if before(t, s) != b' ' || s < 3 {
        return None;
    }
    let (a, b) = (at(t, s - 3), at(t, s - 2));
    if is_word(before(t, s - 3)) || !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    let (sp, suf) = (at(t, g.end), at(t, g.end + 1));
    if sp != b' ' || !suf.is_ascii_uppercase() || is_word(at(t, g.end + 2)) {
        return None;
    }
    let mut c = [0u8; 9];
    c[0] = a;
    c[1] = b;
    for (dst, src) in c.iter_mut().skip(2).zip(g.digits()) {
        *dst = *src;
    }
    c[8] = suf;
    if ids::uk_nino(&c) {
        push(out, e.ids.nino, s - 3, g.end + 2);
        return Some(());
    }
    None
}

/// `12345678-Z`: a DNI written with a dash before its letter.
fn es_dni_dash(e: &Engine, t: &[u8], g: &Group, out: &mut Vec<Finding>) -> bool {
    if g.ng != 1 || g.nd != 8 {
        return false;
    }
    let l = at(t, g.end + 1);
    if !l.is_ascii_uppercase() || is_word(at(t, g.end + 2)) {
        return false;
    }
    let mut c = [0u8; 9];
    for (dst, src) in c.iter_mut().zip(g.digits()) {
        *dst = *src;
    }
    c[8] = l;
    if ids::es_dni(&c) {
        push(out, e.ids.dni, g.start, g.end + 2);
        return true;
    }
    false
}

fn alnum_word(
    e: &Engine,
    t: &[u8],
    s: usize,
    we: usize,
    w: &[u8],
    out: &mut Vec<Finding>,
) -> usize {
    let ids = &e.ids;
    if !w.iter().all(u8::is_ascii_alphanumeric) {
        return we;
    }
    // IBAN, compact or in groups of four.
    if ids.iban.is_some()
        && w.len() >= 4
        && w.iter().take(2).all(u8::is_ascii_uppercase)
        && w.iter().skip(2).take(2).all(u8::is_ascii_digit)
    {
        if let Some(end) = iban(t, s) {
            push(out, ids.iban, s, end);
            return end;
        }
    }
    if ids.card.is_some() {
        if let Some((cs, ce)) = card_in_word(w, s) {
            push(out, ids.card, cs, ce);
            return we;
        }
    }
    match w.len() {
        9 => {
            if ids.nino.is_some() && ids::uk_nino(w) {
                push(out, ids.nino, s, we);
            } else if ids.dni.is_some() && ids::es_dni(w) {
                push(out, ids.dni, s, we);
            }
        }
        16 if ids.cf.is_some() && ids::it_codice_fiscale(w) => push(out, ids.cf, s, we),
        15 if ids.nir.is_some() && ids::fr_nir(w) => push(out, ids.nir, s, we),
        34 if ids.twilio.is_some()
            && w.starts_with(b"SK")
            && w.iter()
                .skip(2)
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) =>
        {
            push(out, ids.twilio, s, we)
        }
        _ => {}
    }
    we
}

/// An IBAN starting at `s`: returns its end.
fn iban(t: &[u8], s: usize) -> Option<usize> {
    let len = ids::iban_len(t.get(s..s + 2)?)?;
    let mut buf = [0u8; 34];
    let mut n = 0usize;
    let mut i = s;
    while n < len {
        let b = at(t, i);
        if b.is_ascii_uppercase() || b.is_ascii_digit() {
            *buf.get_mut(n)? = b;
            n += 1;
            i += 1;
        } else if b == b' ' && n % 4 == 0 && n > 0 && at(t, i + 1).is_ascii_alphanumeric() {
            i += 1;
        } else {
            return None;
        }
    }
    if at(t, i).is_ascii_alphanumeric() {
        return None;
    }
    ids::iban(buf.get(..n)?).then_some(i)
}

/// An IPv6 address in the hex/colon run around `s`: returns its span.
fn ipv6(t: &[u8], s: usize) -> Option<(usize, usize)> {
    let hexcolon = |b: u8| b.is_ascii_hexdigit() || b == b':';
    let mut a = s;
    while a > 0 && s - a < 45 && hexcolon(before(t, a)) {
        a -= 1;
    }
    let mut b = s;
    while b < t.len() && b - a < 46 && (hexcolon(at(t, b)) || at(t, b) == b'.') {
        b += 1;
    }
    if is_word(before(t, a)) || before(t, a) == b'.' {
        return None;
    }
    while b > a && at(t, b - 1) == b'.' {
        b -= 1;
    }
    for end in [b, b.saturating_sub(1)] {
        if end <= a || is_word(at(t, end)) {
            continue;
        }
        let cand = t.get(a..end)?;
        if cand.iter().filter(|&&c| c == b':').count() < 2 {
            continue;
        }
        let s = std::str::from_utf8(cand).ok()?;
        if s.parse::<std::net::Ipv6Addr>().is_ok() {
            return Some((a, end));
        }
    }
    None
}

//! Identifiers made of letters and digits, in the layouts people write them in: IBAN (compact,
//! or the ISO 13616 print format in groups of four, separated by spaces or hyphens), UK NINO
//! (`AB123456C`, `AB 12 34 56 C`, `AB 123456 C`), Spanish DNI/NIE (`12345678Z`, `12345678-Z`,
//! `12.345.678-Z`, `X1234567L`, `X-1234567-L`), Italian codice fiscale, French NIR with a
//! Corsican department, Twilio SIDs. Letters may be lower case (validated upper-cased), except
//! the IBAN's, whose electronic and print formats are upper case.

use super::ids;
use super::numeric::Group;
use super::rules::Engine;
use super::text::{at, before, is_word, push};
use super::Finding;

/// Classifies the alphanumeric word `w` at `[s, we)` (it holds a digit). Returns the offset up
/// to which the text has been consumed.
pub(super) fn alnum_word(
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
    // IBAN, compact or in groups of four. One that fails its check is consumed all the same:
    // its digit groups are not phone or card numbers.
    if ids.iban.is_some()
        && w.len() >= 4
        && w.iter().take(2).all(u8::is_ascii_uppercase)
        && w.iter().skip(2).take(2).all(u8::is_ascii_digit)
    {
        if let Some((end, valid)) = iban_at(t, s) {
            if valid {
                push(out, ids.iban, s, end);
            }
            return end;
        }
    }
    // NIE with a separator before its letter: `X1234567-L`.
    if ids.dni.is_some() && w.len() == 8 {
        if let Some(end) = es_id_at(t, s) {
            push(out, ids.dni, s, end);
            return end;
        }
    }
    if ids.card.is_some() {
        if let Some((cs, ce)) = card_in_word(w, s) {
            push(out, ids.card, cs, ce);
            return we;
        }
    }
    // Letters may be lower case: the validators read an upper-cased copy.
    let mut buf = [0u8; 16];
    match w.len() {
        9 if ids.nino.is_some() || ids.dni.is_some() => {
            let u = upper(w, &mut buf);
            if ids.nino.is_some() && ids::uk_nino(u) {
                push(out, ids.nino, s, we);
            } else if ids.dni.is_some() && ids::es_dni(u) {
                push(out, ids.dni, s, we);
            }
        }
        16 if ids.cf.is_some() => {
            let u = upper(w, &mut buf);
            if ids::it_codice_fiscale(u) {
                push(out, ids.cf, s, we);
            }
        }
        15 if ids.nir.is_some() => {
            let u = upper(w, &mut buf);
            if ids::fr_nir(u) {
                push(out, ids.nir, s, we);
            }
        }
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

/// `w` upper-cased into `buf` (at most its length).
fn upper<'a>(w: &[u8], buf: &'a mut [u8; 16]) -> &'a [u8] {
    for (d, c) in buf.iter_mut().zip(w) {
        *d = c.to_ascii_uppercase();
    }
    buf.get(..w.len()).unwrap_or(&[])
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

/// Longest run read as an IBAN (the registry's longest is 34).
const IBAN_MAX: usize = 40;

/// An IBAN-shaped run at `s` (a country code with an IBAN length and two check digits, then
/// upper-case letters and digits, compact or in groups of four with one kind of separator,
/// ` ` or `-`): its end and whether it is a valid IBAN. Shaped means within four characters
/// of the country's length; anything else is not an IBAN at all (None).
fn iban_at(t: &[u8], s: usize) -> Option<(usize, bool)> {
    let len = ids::iban_len(t.get(s..s + 2)?)?;
    let mut buf = [0u8; IBAN_MAX];
    let mut n = 0usize;
    let mut i = s;
    // Characters since the last separator, and the separator in use.
    let mut run = 0usize;
    let mut sep = 0u8;
    loop {
        let b = at(t, i);
        if b.is_ascii_uppercase() || b.is_ascii_digit() {
            let Some(slot) = buf.get_mut(n) else { break };
            *slot = b;
            n += 1;
            run += 1;
            i += 1;
            // At the country's length on a boundary, a valid IBAN ends here (a number after
            // the last full group of four is not part of it).
            if n == len && !at(t, i).is_ascii_alphanumeric() && ids::iban(buf.get(..n)?) {
                return Some((i, true));
            }
            continue;
        }
        let next = at(t, i + 1);
        let grouped = (b == b' ' || b == b'-')
            && run == 4
            && (sep == 0 || sep == b)
            && (sep != 0 || n == 4)
            && (next.is_ascii_uppercase() || next.is_ascii_digit());
        if !grouped {
            break;
        }
        sep = b;
        run = 0;
        i += 1;
    }
    if at(t, i).is_ascii_alphanumeric() || n + 4 < len || n > len + 4 {
        return None;
    }
    Some((i, false))
}

/// A Spanish DNI or NIE in a written layout starting at `s`: `[XYZ][-]ddddddd[- ]L`,
/// `dddddddd[- ]L`, `dd.ddd.ddd[- ]L` (a letter after a space must be upper case). Returns its
/// end when the control letter is right.
pub(super) fn es_id_at(t: &[u8], s: usize) -> Option<usize> {
    let mut c = [0u8; 9];
    let mut n = 0usize;
    let mut i = s;
    let lead = at(t, i).to_ascii_uppercase();
    if matches!(lead, b'X' | b'Y' | b'Z') {
        *c.first_mut()? = lead;
        n = 1;
        i += 1;
        if at(t, i) == b'-' {
            i += 1;
        }
        take_digits(t, &mut i, 7, &mut c, &mut n)?;
    } else if at(t, i + 2) == b'.' {
        take_digits(t, &mut i, 2, &mut c, &mut n)?;
        for _ in 0..2 {
            if at(t, i) != b'.' {
                return None;
            }
            i += 1;
            take_digits(t, &mut i, 3, &mut c, &mut n)?;
        }
    } else {
        take_digits(t, &mut i, 8, &mut c, &mut n)?;
    }
    let letter = match at(t, i) {
        b'-' => {
            i += 1;
            at(t, i)
        }
        b' ' => {
            i += 1;
            let l = at(t, i);
            if !l.is_ascii_uppercase() {
                return None;
            }
            l
        }
        l => l,
    };
    if !letter.is_ascii_alphabetic() || is_word(at(t, i + 1)) {
        return None;
    }
    *c.last_mut()? = letter.to_ascii_uppercase();
    ids::es_dni(&c).then_some(i + 1)
}

/// Copies `count` digits at `*i` into `c[*n..]`, advancing both; None at a non-digit.
fn take_digits(t: &[u8], i: &mut usize, count: usize, c: &mut [u8], n: &mut usize) -> Option<()> {
    for _ in 0..count {
        let d = at(t, *i);
        if !d.is_ascii_digit() {
            return None;
        }
        *c.get_mut(*n)? = d;
        *n += 1;
        *i += 1;
    }
    Some(())
}

/// A NINO around a digit group: `AB 12 34 56 C` or `AB 123456 C` (either case). Pushes it and
/// returns true.
pub(super) fn nino_spaced(e: &Engine, t: &[u8], g: &Group, out: &mut Vec<Finding>) -> bool {
    let s = g.start;
    if before(t, s) != b' ' || s < 3 {
        return false;
    }
    let (a, b) = (at(t, s - 3), at(t, s - 2));
    if is_word(before(t, s - 3)) || !a.is_ascii_alphabetic() || !b.is_ascii_alphabetic() {
        return false;
    }
    let (sp, suf) = (at(t, g.end), at(t, g.end + 1));
    if sp != b' ' || !suf.is_ascii_alphabetic() || is_word(at(t, g.end + 2)) {
        return false;
    }
    let mut c = [0u8; 9];
    c[0] = a.to_ascii_uppercase();
    c[1] = b.to_ascii_uppercase();
    for (dst, src) in c.iter_mut().skip(2).zip(g.digits()) {
        *dst = *src;
    }
    c[8] = suf.to_ascii_uppercase();
    if ids::uk_nino(&c) {
        push(out, e.ids.nino, s - 3, g.end + 2);
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{es_id_at, iban_at};

    #[test]
    fn iban_shapes() {
        let cases: &[(&str, Option<(&str, bool)>)] = &[
            (
                "DE89 3704 0044 0532 0130 00 x",
                Some(("DE89 3704 0044 0532 0130 00", true)),
            ),
            (
                "DE89-3704-0044-0532-0130-00",
                Some(("DE89-3704-0044-0532-0130-00", true)),
            ),
            (
                "DE89370400440532013000.",
                Some(("DE89370400440532013000", true)),
            ),
            (
                "DE89 3704 0044 0532 0130 01 x",
                Some(("DE89 3704 0044 0532 0130 01", false)),
            ),
            ("DE89 3704-0044 0532 0130 00", None),
            ("DE12 meeting", None),
            (
                "DE89 3704 0044 0532 0130 00 1234",
                Some(("DE89 3704 0044 0532 0130 00", true)),
            ),
            (
                "BE71 0961 2345 6769 2024",
                Some(("BE71 0961 2345 6769", true)),
            ),
        ];
        for (text, want) in cases {
            let got = iban_at(text.as_bytes(), 0).map(|(e, v)| (&text[..e], v));
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn dni_and_nie_layouts() {
        for ok in [
            "12345678Z",
            "12345678-Z",
            "12345678-z",
            "12.345.678-Z",
            "12345678 Z",
            "X1234567L",
            "X-1234567-L",
            "x1234567-l",
            "X1234567 L",
        ] {
            assert_eq!(es_id_at(ok.as_bytes(), 0), Some(ok.len()), "{ok}");
        }
        for bad in [
            "12345678-A",
            "12345678 z",
            "12345678-ZZ",
            "X-123456-L",
            "12.34.5678-Z",
        ] {
            assert_eq!(es_id_at(bad.as_bytes(), 0), None, "{bad}");
        }
    }
}

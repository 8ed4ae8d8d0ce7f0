//! Structure and check-digit validators for numbers that identify people or accounts: payment
//! cards, IBAN, US SSN and national IDs. Each takes the compact form (separators removed).

use super::checksum::{luhn, mod97, num, verhoeff};

/// A payment card: 13–19 digits, a known issuer prefix with a length it issues, and Luhn.
pub fn card(d: &[u8]) -> bool {
    let len = d.len();
    if !(13..=19).contains(&len) || !luhn(d) {
        return false;
    }
    let p = |n: usize| d.get(..n).and_then(num).unwrap_or(0);
    let (p1, p2, p3, p4) = (p(1), p(2), p(3), p(4));
    match p1 {
        4 => matches!(len, 13 | 16 | 19),
        3 if p2 == 34 || p2 == 37 => len == 15,
        3 if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 => {
            (14..=19).contains(&len)
        }
        3 if (3528..=3589).contains(&p4) => (16..=19).contains(&len),
        5 if (51..=55).contains(&p2) => len == 16,
        5 if p2 == 50 || (56..=59).contains(&p2) => (12..=19).contains(&len),
        2 if (2221..=2720).contains(&p4) => len == 16,
        2 if (2200..=2204).contains(&p4) => (16..=19).contains(&len),
        6 => (16..=19).contains(&len) || (p2 >= 60 && len >= 12),
        _ => false,
    }
}

/// The GS1 check digit (EAN-8, UPC-A, EAN-13, GTIN-14): from the right, the check digit and
/// every second digit weigh 1, the others 3; the sum is a multiple of ten (GS1 General
/// Specifications §7.9.1).
pub(crate) fn gs1(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &b) in d.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let v = u32::from(b - b'0');
        sum += if i % 2 == 1 { 3 * v } else { v };
    }
    !d.is_empty() && sum % 10 == 0
}

/// IBAN lengths by country code: the 89 countries of the SWIFT IBAN Registry, release 101
/// (BI, DJ, FK, HN, LY, MN, NI, OM, RU, SD, SO and YE joined it after 2020).
const IBAN_LEN: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HN", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// The IBAN length of a country code, if it has IBANs.
pub(crate) fn iban_len(cc: &[u8]) -> Option<usize> {
    IBAN_LEN
        .iter()
        .find(|(c, _)| c.as_slice() == cc)
        .map(|(_, l)| *l)
}

/// An IBAN: country length, two check digits, alphanumeric BBAN, mod 97 == 1.
pub(crate) fn iban(s: &[u8]) -> bool {
    let (Some(cc), Some(check), Some(bban)) = (s.get(..2), s.get(2..4), s.get(4..)) else {
        return false;
    };
    if iban_len(cc) != Some(s.len())
        || !check.iter().all(u8::is_ascii_digit)
        || !bban
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    mod97(bban.iter().chain(cc).chain(check).copied()) == Some(1)
}

/// A US SSN (9 digits): area 001–899 except 666, group 01–99, serial 0001–9999, and not one
/// of the numbers published in advertising.
pub fn ssn(d: &[u8]) -> bool {
    if d.len() != 9 {
        return false;
    }
    let (Some(a), Some(g), Some(s)) = (
        d.get(..3).and_then(num),
        d.get(3..5).and_then(num),
        d.get(5..).and_then(num),
    ) else {
        return false;
    };
    a != 0 && a != 666 && a < 900 && g != 0 && s != 0 && d != b"078051120" && d != b"219099999"
}

/// UK National Insurance number, compact (`AB123456C`): allowed prefix letters, six digits,
/// suffix A–D.
pub fn uk_nino(s: &[u8]) -> bool {
    let [a, b, rest @ .., suffix] = s else {
        return false;
    };
    if rest.len() != 6 || !rest.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let first_ok = a.is_ascii_uppercase() && !b"DFIQUV".contains(a);
    let second_ok = b.is_ascii_uppercase() && !b"DFIOQUV".contains(b);
    let pair = [*a, *b];
    let banned = [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"]
        .iter()
        .any(|p| p.as_slice() == pair);
    first_ok && second_ok && !banned && (b'A'..=b'D').contains(suffix)
}

/// Netherlands BSN: 9 digits, "11-proof" (9a+8b+...+2h-i divisible by 11), not all zero.
pub fn nl_bsn(d: &[u8]) -> bool {
    if d.len() != 9 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum: i64 = 0;
    for (i, &b) in d.iter().enumerate() {
        let v = i64::from(b - b'0');
        sum += if i == 8 { -v } else { v * (9 - i as i64) };
    }
    sum != 0 && sum % 11 == 0
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spain DNI (`12345678Z`) or NIE (`X1234567L`): the letter is the number mod 23.
pub(crate) fn es_dni(s: &[u8]) -> bool {
    let [body @ .., letter] = s else {
        return false;
    };
    if body.len() != 8 {
        return false;
    }
    let (lead, digits) = match body.first() {
        Some(b'X') => (0, body.get(1..)),
        Some(b'Y') => (1, body.get(1..)),
        Some(b'Z') => (2, body.get(1..)),
        _ => (-1, Some(body)),
    };
    let Some(n) = digits.and_then(num) else {
        return false;
    };
    let n = if lead >= 0 {
        n + 10_000_000 * lead as u64
    } else {
        n
    };
    DNI_LETTERS.get((n % 23) as usize) == Some(letter)
}

/// Italy codice fiscale: 16 characters `LLLLLLDDLDDLDDDL` (digits may be replaced by the
/// omocodia letters), valid month letter, check letter.
pub fn it_codice_fiscale(s: &[u8]) -> bool {
    if s.len() != 16 {
        return false;
    }
    const DIGIT_POS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
    const OMOCODIA: &[u8] = b"LMNPQRSTUV";
    for (i, &c) in s.iter().enumerate() {
        let ok = if DIGIT_POS.contains(&i) {
            c.is_ascii_digit() || OMOCODIA.contains(&c)
        } else {
            c.is_ascii_uppercase()
        };
        if !ok {
            return false;
        }
    }
    if !s.get(8).is_some_and(|m| b"ABCDEHLMPRST".contains(m)) {
        return false;
    }
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let mut sum = 0u32;
    for (i, &c) in s.iter().take(15).enumerate() {
        let v = if c.is_ascii_digit() {
            c - b'0'
        } else {
            c - b'A'
        };
        sum += if i % 2 == 0 {
            ODD.get(usize::from(v)).copied().unwrap_or(0)
        } else {
            u32::from(v)
        };
    }
    s.get(15) == Some(&(b'A' + (sum % 26) as u8))
}

/// Poland PESEL: 11 digits, a real birth date (century in the month), weighted check digit.
pub fn pl_pesel(d: &[u8]) -> bool {
    if d.len() != 11 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = d.iter().zip(W).map(|(&b, w)| u32::from(b - b'0') * w).sum();
    let check = (10 - sum % 10) % 10;
    let month = d.get(2..4).and_then(num).unwrap_or(0) % 20;
    let day = d.get(4..6).and_then(num).unwrap_or(0);
    d.get(10).map(|&b| u32::from(b - b'0')) == Some(check)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
}

/// France NIR (social security number): 15 characters, sex 1/2 (7/8 temporary), month 01–12
/// or 20/30–42/50–99, department (Corsica `2A`/`2B`), key = 97 − (number mod 97).
pub(crate) fn fr_nir(s: &[u8]) -> bool {
    if s.len() != 15 {
        return false;
    }
    let (Some(body), Some(key)) = (s.get(..13), s.get(13..).and_then(num)) else {
        return false;
    };
    let mut digits = [0u8; 13];
    let mut corsica = 0u64;
    for (i, (&c, slot)) in body.iter().zip(digits.iter_mut()).enumerate() {
        *slot = match c {
            b'0'..=b'9' => c,
            b'A' | b'B' if i == 6 => {
                corsica = if c == b'A' { 1_000_000 } else { 2_000_000 };
                b'0'
            }
            _ => return false,
        };
    }
    if !matches!(digits.first(), Some(b'1' | b'2' | b'7' | b'8')) {
        return false;
    }
    let month = digits.get(3..5).and_then(num).unwrap_or(0);
    if !((1..=12).contains(&month) || month == 20 || (30..=42).contains(&month) || month >= 50) {
        return false;
    }
    let Some(n) = num(&digits) else { return false };
    let n = if corsica > 0 {
        // 2A → 19, 2B → 18 in place of the department digits.
        let dept = if corsica == 1_000_000 { 19 } else { 18 };
        n - (n / 1_000_000 % 100) * 1_000_000 + dept * 1_000_000
    } else {
        n
    };
    key == 97 - n % 97
}

/// Germany Steuer-ID: 11 digits, first not 0, in the first ten one digit appears twice or
/// three times (never three in a row) and the others at most once, ISO 7064 MOD 11,10 check.
pub fn de_steuer_id(d: &[u8]) -> bool {
    if d.len() != 11 || !d.iter().all(u8::is_ascii_digit) || d.first() == Some(&b'0') {
        return false;
    }
    let mut counts = [0u8; 10];
    for &b in d.iter().take(10) {
        if let Some(c) = counts.get_mut(usize::from(b - b'0')) {
            *c += 1;
        }
    }
    let multi: Vec<u8> = counts.iter().copied().filter(|&c| c > 1).collect();
    if multi.len() != 1 || !multi.iter().all(|&c| c == 2 || c == 3) {
        return false;
    }
    if d.windows(3)
        .take(8)
        .any(|w| w.iter().all(|&b| Some(&b) == w.first()))
    {
        return false;
    }
    let mut product = 10u32;
    for &b in d.iter().take(10) {
        let mut sum = (u32::from(b - b'0') + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    d.get(10).map(|&b| u32::from(b - b'0')) == Some(check)
}

/// India Aadhaar: 12 digits, first 2–9, Verhoeff check.
pub(crate) fn in_aadhaar(d: &[u8]) -> bool {
    d.len() == 12 && matches!(d.first(), Some(b'2'..=b'9')) && verhoeff(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&[u8]) -> bool, cases: &[(&str, bool)]) {
        for (s, want) in cases {
            assert_eq!(f(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn gs1_check_digit() {
        // GS1 General Specifications examples: EAN-13, GTIN-14, UPC-A, EAN-8.
        check(
            gs1,
            &[
                ("4006381333931", true),
                ("4006381333932", false),
                ("00012345600012", true),
                ("036000291452", true),
                ("96385074", true),
                ("", false),
            ],
        );
    }

    #[test]
    fn cards() {
        check(
            card,
            &[
                ("4111111111111111", true),
                ("4111111111111112", false),
                ("378282246310005", true),
                ("5555555555554444", true),
                ("2223003122003222", true),
                ("6011111111111117", true),
                ("3530111333300000", true),
                ("30569309025904", true),
                ("1234567812345670", false), // Luhn-valid, no issuer
                ("411111111111", false),
            ],
        );
    }

    #[test]
    fn ibans() {
        check(
            iban,
            &[
                ("DE89370400440532013000", true),
                ("GB82WEST12345698765432", true),
                ("FR1420041010050500013M02606", true),
                ("NL91ABNA0417164300", true),
                ("DE89370400440532013001", false),
                ("DE8937040044053201300", false),
                ("XX89370400440532013000", false),
            ],
        );
    }

    #[test]
    fn ssns() {
        check(
            ssn,
            &[
                ("536225921", true),
                ("000123456", false),
                ("666123456", false),
                ("912123456", false),
                ("536005921", false),
                ("536220000", false),
                ("078051120", false),
            ],
        );
    }

    #[test]
    fn ninos() {
        check(
            uk_nino,
            &[
                ("AB123456C", true),
                ("QQ123456C", false),
                ("GB123456A", false),
                ("AB123456E", false),
                ("AB12345C", false),
            ],
        );
    }

    #[test]
    fn bsns() {
        check(
            nl_bsn,
            &[
                ("111222333", true),
                ("123456782", true),
                ("111222334", false),
                ("000000000", false),
            ],
        );
    }

    #[test]
    fn dnis() {
        check(
            es_dni,
            &[
                ("12345678Z", true),
                ("12345678A", false),
                ("X1234567L", true),
                ("Y1234567X", true),
                ("X1234567A", false),
            ],
        );
    }

    #[test]
    fn codici_fiscali() {
        check(
            it_codice_fiscale,
            &[
                ("RSSMRA85T10A562S", true),
                ("RSSMRA85T10A562T", false),
                ("RSSMRA85Z10A562S", false),
            ],
        );
    }

    #[test]
    fn pesels() {
        check(
            pl_pesel,
            &[
                ("44051401359", true),
                ("44051401358", false),
                ("02070803628", true),
                ("44151401359", false),
            ],
        );
    }

    #[test]
    fn nirs() {
        check(
            fr_nir,
            &[
                ("255081416802538", true),
                ("255081416802539", false),
                ("355081416802538", false),
                ("2690299341732 ", false),
            ],
        );
    }

    #[test]
    fn steuer_ids() {
        check(
            de_steuer_id,
            &[
                ("86095742719", true),
                ("86095742718", false),
                ("01234567890", false),
                ("11111111111", false),
            ],
        );
    }

    #[test]
    fn aadhaars() {
        check(
            in_aadhaar,
            &[
                ("234123412346", true),
                ("234123412347", false),
                ("123412341234", false),
            ],
        );
    }
}

//! Phone numbers written as digit groups: E.164 with `+` or the `00` international prefix, the
//! NANP forms, national forms with a trunk prefix `0` (UK, DE, FR, IT, NL, AU, JP, IN), area
//! codes in parentheses (`(020) 7946 0018`, `(11) 91234-5678`, `03(1234)5678`), the national
//! forms without a trunk prefix that read only as a phone number (BR/MX area code + 8-9
//! digits, Indian and Italian mobiles, Spanish 3-2-2-2), and any grouped number after a phone
//! word. Sources of each plan are in docs/detectors.md.

use super::numeric::Group;
use super::text::context_before;

/// Words that introduce a phone number (lower case; matched at a word start).
const PHONE_CTX: &[&str] = &[
    "phone",
    "tel:",
    "tel.",
    "tel ",
    "tél",
    "call",
    "mobile",
    "mob",
    "cell",
    "fax",
    "handy",
    "portable",
    "whatsapp",
    "sms",
    "telefon",
    "téléphone",
    "teléfono",
    "móvil",
    "movil",
    "tlf",
    "tfno",
    "ph:",
    "ph.",
];

/// Whether the digit group `g` is a phone number.
pub(super) fn phone(t: &[u8], g: &Group) -> bool {
    let d = g.digits();
    let seps = g.seps();
    if g.plus {
        return (8..=15).contains(&d.len())
            && g.first() != b'0'
            && seps.iter().all(|s| b" -.()".contains(s));
    }
    international_00(g)
        || nanp(g)
        || (g.paren && paren_area(g))
        || (!g.paren && (trunk(g) || without_trunk(g)))
        || after_phone_word(t, g)
}

fn digit(g: &Group, i: usize) -> u8 {
    g.digits().get(i).copied().unwrap_or(0)
}

/// `0031 20 123 4567`: the `00` international prefix, a country code, grouped.
fn international_00(g: &Group) -> bool {
    let sizes = g.sizes();
    digit(g, 0) == b'0'
        && digit(g, 1) == b'0'
        && matches!(digit(g, 2), b'1'..=b'9')
        && (11..=16).contains(&g.digits().len())
        && g.ng >= 3
        && sizes.first().is_some_and(|&s| (2..=5).contains(&s))
        && !g.paren
        && g.seps().iter().all(|s| b" -.".contains(s))
}

/// NANP: `(415) 555-0132`, `415-555-0132`, `415.555.0132`, `415 555 0132`, `1-415-555-0132`,
/// `1 (415) 555-0132`. NPA and NXX start with 2-9.
fn nanp(g: &Group) -> bool {
    let d = g.digits();
    let s = g.seps();
    let nxx = |i: usize| matches!(digit(g, i), b'2'..=b'9');
    if d.len() == 10 && matches!(g.sizes(), [3, 3, 4]) && nxx(0) && nxx(3) {
        return if g.paren {
            s.first() == Some(&b')') && matches!(s.get(1), Some(b'-' | b' ' | b'.'))
        } else {
            g.uniform_sep(b"-. ")
        };
    }
    d.len() == 11
        && matches!(g.sizes(), [1, 3, 3, 4])
        && g.first() == b'1'
        && nxx(1)
        && nxx(4)
        && (g.uniform_sep(b"-. ")
            || (s.first() == Some(&b'(')
                && s.get(1) == Some(&b')')
                && matches!(s.get(2), Some(b'-' | b' ' | b'.'))))
}

/// An area code in parentheses (`g.paren`: the first group is followed by `)`): with the
/// trunk prefix (`(020) 7946 0018`, `(0161) 496 0456`, `(02) 5550 1234`, `(03) 1234-5678`), or
/// a two-digit area code without it (`(11) 91234-5678`, `(55) 1234 5678`).
fn paren_area(g: &Group) -> bool {
    let d = g.digits();
    let sizes = g.sizes();
    let (Some(&first), Some(rest)) = (sizes.first(), sizes.get(1..)) else {
        return false;
    };
    let rest_seps = g.seps().get(1..).unwrap_or(&[]);
    if !rest_seps.iter().all(|s| matches!(s, b' ' | b'-')) {
        return false;
    }
    if digit(g, 0) == b'0' {
        return digit(g, 1) != b'0'
            && (2..=5).contains(&first)
            && (10..=12).contains(&d.len())
            && rest.iter().all(|&s| s >= 2);
    }
    first == 2 && digit(g, 1) != b'0' && matches!(rest, [4, 4] | [5, 4] | [8] | [9])
}

/// The trunk prefix `0`, 10-12 digits in groups of two or more (`020 7946 0018`,
/// `06 12 34 56 78`, `030/12345678`, `020-123 4567`, `030 12345-67`, `03(1234)5678`,
/// `0 800 12 34 56`).
fn trunk(g: &Group) -> bool {
    let d = g.digits();
    if digit(g, 0) != b'0' || digit(g, 1) == b'0' || !(10..=12).contains(&d.len()) || g.ng < 2 {
        return false;
    }
    let sizes = g.sizes();
    let s = g.seps();
    if matches!(sizes, [1, 3, 2, 2, 2]) {
        return g.uniform_sep(b" ");
    }
    if !sizes.iter().all(|&n| n >= 2) {
        return false;
    }
    let (Some(&first), Some(rest)) = (s.first(), s.get(1..)) else {
        return false;
    };
    let (Some(&last), Some(init)) = (s.last(), s.get(..s.len() - 1)) else {
        return false;
    };
    g.uniform_sep(b" -.")
        || (first == b'/' && rest.iter().all(|&x| x == b' ' || x == b'-'))
        || (first == b'-' && rest.iter().all(|&x| x == b' '))
        || (last == b'-' && init.iter().all(|&x| x == b' '))
        || matches!(s, [b'(', b')'])
}

/// Forms without a trunk prefix that read only as a phone number: BR/MX area code + 8-9 digits
/// (`11 91234-5678`, `55 1234 5678`), Indian mobiles (`98765 43210`), Spanish `612 34 56 78`,
/// Italian mobiles (`347 123 4567`, `333 1234567`).
fn without_trunk(g: &Group) -> bool {
    let sizes = g.sizes();
    let s = g.seps();
    let (d0, d1) = (digit(g, 0), digit(g, 1));
    match sizes {
        [5, 5] => matches!(d0, b'6'..=b'9') && g.uniform_sep(b" -"),
        [2, 4, 4] | [2, 5, 4] => d0 != b'0' && d1 != b'0' && matches!(s, [b' ', b' ' | b'-']),
        [3, 2, 2, 2] => matches!(d0, b'6'..=b'9') && g.uniform_sep(b" ."),
        [3, 3, 4] => d0 == b'3' && d1 != b'0' && g.uniform_sep(b" -."),
        [3, 7] => d0 == b'3' && d1 != b'0' && g.uniform_sep(b" "),
        _ => false,
    }
}

/// After a phone word: one run of 10-12 digits with the trunk prefix, 10 NANP digits, 9
/// digits starting 6-9 (ES), or 9-12 digits in groups of two or more (not three fours, the
/// layout of ids and Aadhaar numbers).
fn after_phone_word(t: &[u8], g: &Group) -> bool {
    let len = g.digits().len();
    let plausible = if g.ng == 1 {
        ((10..=12).contains(&len) && g.first() == b'0')
            || (len == 10 && matches!(digit(g, 0), b'2'..=b'9'))
            || (len == 9 && matches!(digit(g, 0), b'6'..=b'9'))
    } else {
        (9..=12).contains(&len)
            && g.sizes().iter().all(|&n| n >= 2)
            && !matches!(g.sizes(), [4, 4, 4])
            && g.seps().iter().all(|s| b" -./".contains(s))
    };
    plausible && context_before(t, g.start, PHONE_CTX, 32, Some("PHONE"))
}

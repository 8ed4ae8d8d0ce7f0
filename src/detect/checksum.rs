//! Check-digit algorithms shared by detectors: Luhn, ISO 7064 mod 97-10, Verhoeff, entropy.

/// Luhn (mod 10) over ASCII digits; non-digits make it fail.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// ISO 7064 mod 97-10 remainder of an alphanumeric string (letters count as 10..35), as used
/// by IBAN after moving the first four characters to the end.
pub fn mod97(chars: impl Iterator<Item = u8>) -> Option<u32> {
    let mut r = 0u32;
    for c in chars {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            _ => return None,
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    Some(r)
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
/// Row `i` is the permutation (1 5 8 9 4 2 7 0)(3 6) applied `i` times (Verhoeff 1969; the
/// tables as printed with the algorithm's description).
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff check over ASCII digits (the last digit is the check digit).
pub fn verhoeff(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut c = 0u8;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let p = VERHOEFF_P
            .get(i % 8)
            .and_then(|row| row.get(usize::from(b - b'0')))
            .copied()
            .unwrap_or(0);
        c = VERHOEFF_D
            .get(usize::from(c))
            .and_then(|row| row.get(usize::from(p)))
            .copied()
            .unwrap_or(1);
    }
    c == 0
}

/// Shannon entropy of the bytes, in bits per byte.
pub(crate) fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The value of ASCII digits as a number (None on overflow or a non-digit).
pub(crate) fn num(digits: &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_table() {
        let cases: &[(&str, bool)] = &[
            ("4111111111111111", true),
            ("4111111111111112", false),
            ("378282246310005", true),
            ("5555555555554444", true),
            ("79927398713", true),
            ("79927398710", false),
            ("", false),
            ("12a4", false),
        ];
        for (s, want) in cases {
            assert_eq!(luhn(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn mod97_table() {
        // IBAN check: rearranged string mod 97 == 1.
        let cases: &[(&str, Option<u32>)] = &[
            ("370400440532013000DE89", Some(1)),
            ("370400440532013000DE88", Some(0)),
            ("WEST12345698765432GB82", Some(1)),
            ("12-3", None),
        ];
        for (s, want) in cases {
            assert_eq!(mod97(s.bytes()), *want, "{s}");
        }
    }

    #[test]
    fn verhoeff_table() {
        let cases: &[(&str, bool)] = &[
            ("2363", true),
            ("2364", false),
            ("123451", true),
            ("123450", false),
            // A digit 6, 7 or 8 four places from the right goes through row 4 of `p`.
            ("123456789010", true),
            ("123456789011", false),
            ("14285708", true),
            ("14285709", false),
            ("", false),
        ];
        for (s, want) in cases {
            assert_eq!(verhoeff(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn verhoeff_rows_are_powers_of_row_one() {
        let mut row = super::VERHOEFF_P[0];
        for (i, want) in super::VERHOEFF_P.iter().enumerate() {
            assert_eq!(&row, want, "row {i}");
            row = row.map(|d| super::VERHOEFF_P[1][usize::from(d)]);
        }
    }

    #[test]
    fn entropy_orders_strings() {
        assert!(entropy(b"aaaaaaaa") < 0.01);
        assert!(entropy(b"Xk9#mP2qLz8vR4tY") > 3.5);
        assert_eq!(num(b"0042"), Some(42));
        assert_eq!(num(b"99999999999999999999999"), None);
    }
}

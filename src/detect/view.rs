//! The normalised view of a non-ASCII text: invisible characters (zero-width, soft hyphen,
//! BiDi controls, variation selectors, tags) removed; full-width ASCII, non-ASCII decimal
//! digits, Unicode spaces and dashes folded to ASCII; Unicode punctuation (quotation marks,
//! CJK brackets and stops, ellipsis, bullets) folded to its ASCII counterpart, and arrows and
//! pictographs to a space, so a value against one has a boundary there as it would against
//! ASCII punctuation. Unchanged runs are copied in bulk and
//! recorded as one segment each, so the offset map stays small and findings map back onto
//! the original text by binary search.

/// One piece of the view: `len` view bytes starting at `view`, produced by the original
/// bytes `orig..orig_end`. Identity segments have `len == orig_end - orig`; a folded
/// character is a segment of its own.
#[derive(Debug, Clone, Copy)]
struct Seg {
    view: u32,
    orig: u32,
    orig_end: u32,
    identity: bool,
}

/// A reusable view buffer.
#[derive(Debug, Default)]
pub(crate) struct View {
    text: String,
    segs: Vec<Seg>,
}

enum Fold {
    Keep,
    Drop,
    To(char),
}

/// First code point of each block of ten decimal digits we fold.
const DIGIT_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x11066, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6,
];

fn fold(c: char) -> Fold {
    let u = u32::from(c);
    match u {
        0x00AD
        | 0x034F
        | 0x061C
        | 0x115F
        | 0x1160
        | 0x17B4
        | 0x17B5
        | 0x180B..=0x180F
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x206F
        | 0x3164
        | 0xFE00..=0xFE0F
        | 0xFEFF
        | 0xFFA0
        | 0x1D173..=0x1D17A
        | 0xE0000..=0xE007F
        | 0xE0100..=0xE01EF => Fold::Drop,
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).map_or(Fold::Keep, Fold::To),
        0x00A0 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000 => Fold::To(' '),
        0x2010..=0x2015 | 0x2212 | 0xFE58 | 0xFE63 => Fold::To('-'),
        0x2024 | 0xFE52 => Fold::To('.'),
        _ => punctuation(u),
    }
}

/// Unicode punctuation and symbols a value may stand against: their ASCII counterpart (a
/// quotation mark, a bracket, a stop, a comma), or a space for bullets, arrows and pictographs.
/// Letters and everything else: kept.
fn punctuation(u: u32) -> Fold {
    match u {
        // « » ‹ › “ ” „ ‟ 「 」 『 』 〝 〞 〟 ｢ ｣
        0x00AB
        | 0x00BB
        | 0x2039
        | 0x203A
        | 0x201C..=0x201F
        | 0x300C..=0x300F
        | 0x301D..=0x301F
        | 0xFF62
        | 0xFF63 => Fold::To('"'),
        // ‘ ’ ‚ ‛
        0x2018..=0x201B => Fold::To('\''),
        // 〈 《 【 〔 〖 〘 〚 ⟨ and their closing forms
        0x3008 | 0x300A | 0x3010 | 0x3014 | 0x3016 | 0x3018 | 0x301A | 0x2329 | 0x27E8 => {
            Fold::To('(')
        }
        0x3009 | 0x300B | 0x3011 | 0x3015 | 0x3017 | 0x3019 | 0x301B | 0x232A | 0x27E9 => {
            Fold::To(')')
        }
        // 。 ｡ … ‥
        0x3002 | 0xFF61 | 0x2025 | 0x2026 => Fold::To('.'),
        // 、 ､
        0x3001 | 0xFF64 => Fold::To(','),
        0x00A1 => Fold::To('!'),
        0x00BF => Fold::To('?'),
        // · • ‣ ‧ ⁃ ・, arrows, dingbats and pictographs
        0x00B7
        | 0x2022
        | 0x2023
        | 0x2027
        | 0x2043
        | 0x30FB
        | 0x2190..=0x21FF
        | 0x2600..=0x27BF
        | 0x2B00..=0x2BFF
        | 0x1F000..=0x1FAFF => Fold::To(' '),
        _ => {
            for &z in DIGIT_ZEROS {
                if (z..z + 10).contains(&u) {
                    return char::from_digit(u - z, 10).map_or(Fold::Keep, Fold::To);
                }
            }
            Fold::Keep
        }
    }
}

impl View {
    /// Builds the view of `text`. Returns false when the view would equal the text (nothing
    /// to fold) or the text is too long for 32-bit offsets.
    pub(crate) fn build(&mut self, text: &str) -> bool {
        self.text.clear();
        self.segs.clear();
        if u32::try_from(text.len()).is_err() {
            return false;
        }
        let mut changed = false;
        // Start of the pending identity run in the original.
        let mut run = 0usize;
        for (i, c) in text.char_indices() {
            if c.is_ascii() {
                continue;
            }
            let to = match fold(c) {
                Fold::Keep => continue,
                Fold::Drop => None,
                Fold::To(m) => Some(m),
            };
            changed = true;
            self.flush(text, run, i);
            let end = i + c.len_utf8();
            if let Some(m) = to {
                self.segs.push(Seg {
                    view: self.text.len() as u32,
                    orig: i as u32,
                    orig_end: end as u32,
                    identity: false,
                });
                self.text.push(m);
            }
            run = end;
        }
        if !changed {
            return false;
        }
        self.flush(text, run, text.len());
        true
    }

    fn flush(&mut self, text: &str, from: usize, to: usize) {
        if to > from {
            if let Some(part) = text.get(from..to) {
                self.segs.push(Seg {
                    view: self.text.len() as u32,
                    orig: from as u32,
                    orig_end: to as u32,
                    identity: true,
                });
                self.text.push_str(part);
            }
        }
    }

    /// The view text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    fn seg_of(&self, pos: usize) -> Option<&Seg> {
        let i = self.segs.partition_point(|s| s.view as usize <= pos);
        self.segs.get(i.checked_sub(1)?)
    }

    /// Maps a view span back to the original text.
    pub(crate) fn map_back(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if end <= start {
            return None;
        }
        let a = self.seg_of(start)?;
        let s = if a.identity {
            a.orig as usize + (start - a.view as usize)
        } else {
            a.orig as usize
        };
        let b = self.seg_of(end - 1)?;
        let e = if b.identity {
            b.orig as usize + (end - b.view as usize)
        } else {
            b.orig_end as usize
        };
        (e > s).then_some((s, e))
    }
}

#[cfg(test)]
mod tests {
    use super::View;

    #[test]
    fn folds_and_maps_back() {
        let text = "card ４１１１\u{200B}1111 ١٢ x";
        let mut v = View::default();
        assert!(v.build(text));
        assert_eq!(v.as_str(), "card 41111111 12 x");
        // "41111111" in the view covers the full-width digits and the zero-width space.
        let s = v.as_str().find("4111").unwrap();
        let (a, b) = v.map_back(s, s + 8).unwrap();
        assert_eq!(&text[a..b], "４１１１\u{200B}1111");
        let s = v.as_str().find("12").unwrap();
        let (a, b) = v.map_back(s, s + 2).unwrap();
        assert_eq!(&text[a..b], "١٢");
        assert!(!v.build("plain ascii"));
        // Punctuation against a value becomes ASCII punctuation; letters stay.
        assert!(v.build("«4111» “a” 「b」 ‘c’ d。e、f… →g 📞h Müller"));
        assert_eq!(v.as_str(), "\"4111\" \"a\" \"b\" 'c' d.e,f.  g  h Müller");
        let s = v.as_str().find("4111").unwrap();
        let (a, b) = v.map_back(s - 1, s + 5).unwrap();
        assert_eq!(&"«4111» x"[a..b], "«4111»");
        assert!(!v.build("café"));
    }
}

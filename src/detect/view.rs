//! The normalised view of a non-ASCII text: invisible characters (zero-width, soft hyphen,
//! BiDi controls, variation selectors, tags) removed; full-width ASCII, non-ASCII decimal
//! digits, Unicode spaces and dashes folded to ASCII. Each view byte remembers the span of the
//! original character it came from, so findings map back onto the original text.

/// A reusable view buffer.
#[derive(Debug, Default)]
pub(crate) struct View {
    text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
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
    /// Builds the view of `text`. Returns false (and builds nothing useful) when the view
    /// would equal the text, or the text is too long for 32-bit offsets.
    pub(crate) fn build(&mut self, text: &str) -> bool {
        self.text.clear();
        self.starts.clear();
        self.ends.clear();
        if u32::try_from(text.len()).is_err() {
            return false;
        }
        let mut changed = false;
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            let out = match fold(c) {
                Fold::Keep => c,
                Fold::Drop => {
                    changed = true;
                    continue;
                }
                Fold::To(m) => {
                    changed = true;
                    m
                }
            };
            self.text.push(out);
            for _ in 0..out.len_utf8() {
                self.starts.push(i as u32);
                self.ends.push(end as u32);
            }
        }
        changed
    }

    /// The view text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a view span back to the original text.
    pub(crate) fn map_back(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if end <= start {
            return None;
        }
        let s = *self.starts.get(start)? as usize;
        let e = *self.ends.get(end - 1)? as usize;
        (e > s).then_some((s, e))
    }
}

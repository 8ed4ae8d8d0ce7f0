//! Customer rules. Keyword lists: case-insensitive (ASCII), whole-word terms indexed by the
//! fingerprint of their first word (its length and its first and last eight bytes, case-folded:
//! O(1) per word in the scan pass), behind a one-probe bit filter, so scanning costs the same
//! per byte for one term or a million. Patterns: regex-lite, run only on a bounded window after a
//! literal prefix found by the anchor automaton; patterns without a literal prefix run over
//! the whole text (documented: their cost grows with their number).

use super::text::{at, before, is_word};
use super::{Finding, RuleIdx};
use crate::document::detectors::RawDetectors;
use crate::document::ConfigError;
use regex_lite::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The keys are already mixed hashes: use them as they are.
#[derive(Debug, Default, Clone, Copy)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type TermMap = HashMap<u64, Vec<u32>, BuildHasherDefault<IdentityHasher>>;

/// The two filter bits of a fingerprint, in one 64-bit word (one memory access): the bit
/// numbers are its top twelve bits and the word index the `index_bits` below them (the high
/// bits of a multiplicative hash are the well-mixed ones). `shift` is `52 - index_bits`,
/// `mask` is `(1 << index_bits) - 1`, and `index_bits <= 21`.
#[inline(always)]
fn filter_bits(h: u64, shift: u32, mask: usize) -> (usize, u64) {
    let word = (h >> shift) as usize & mask;
    let bits = (1u64 << (h >> 58)) | (1u64 << ((h >> 52) & 63));
    (word, bits)
}

/// The term map's key for a fingerprint (its low bits mixed in from the high ones: the map
/// takes its bucket from the low bits).
#[inline(always)]
fn map_key(h: u64) -> u64 {
    h ^ (h >> 32)
}

/// ASCII case folding of eight bytes at once (`b | 0x20` on each byte).
pub(crate) const FOLD: u64 = 0x2020_2020_2020_2020;

/// Bytes after a prefix that an anchored pattern may span.
pub(crate) const PATTERN_WINDOW: usize = 256;

/// The keyword index.
#[derive(Debug)]
pub(crate) struct Keywords {
    bits: Vec<u64>,
    /// `bits.len() - 1` (a power of two, `1 << index_bits`, less one).
    mask: usize,
    /// `52 - index_bits` (see [`filter_bits`]).
    shift: u32,
    /// Bit `min(n, 63)` set when some term's first word is `n` bytes of ASCII letters only.
    lens_letters: u64,
    /// Bit `8 * n + 7` set when some term's first word is `n` ASCII letters, `1 <= n <= 7`:
    /// the scan tests the high bit of the first non-letter byte after a word's start against
    /// it, without computing the length.
    ends_short: u64,
    /// The same for `n - 8`, `8 <= n <= 15`.
    ends_long: u64,
    /// Bit `min(n, 63)` set when some term's first word is `n` bytes holding a digit, `_` or
    /// non-ASCII byte. Zero for most lists (names and words): then the scan hands no such
    /// word to the filter.
    lens_mixed: u64,
    by_first_word: TermMap,
    terms: Vec<(Box<[u8]>, RuleIdx)>,
}

impl Keywords {
    /// The length of the longest term, in bytes (what a match of the list reads).
    pub(crate) fn longest(&self) -> usize {
        self.terms.iter().map(|(t, _)| t.len()).max().unwrap_or(0)
    }
}

/// Up to eight bytes as a little-endian word, zero-padded.
fn pack(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_le_bytes(w)
}

/// The fingerprint of a term's first word (as the scan computes it for a word of the text).
fn first_word_fingerprint(term: &[u8]) -> (u64, usize) {
    let len = term.iter().take_while(|&&b| is_word(b)).count();
    let word = term.get(..len).unwrap_or(&[]);
    let first = pack(word);
    let last = pack(word.get(len.saturating_sub(8)..).unwrap_or(&[]));
    (Keywords::fingerprint(first, last, len), len)
}

impl Keywords {
    /// Builds the index from the enabled lists: (index in `cfg.keywords`, rule).
    pub(crate) fn compile(
        cfg: &RawDetectors,
        lists: &[(usize, RuleIdx)],
    ) -> Result<Option<Self>, ConfigError> {
        // Every list is validated, enabled or not.
        for (i, list) in cfg.keywords.iter().enumerate() {
            if list.terms.is_empty() {
                return Err(ConfigError::new(
                    format!("detectors.keywords[{i}].terms"),
                    "must not be empty",
                ));
            }
            for (j, term) in list.terms.iter().enumerate() {
                let b = term.trim().as_bytes();
                let ok = !b.is_empty()
                    && b.len() <= 256
                    && b.first().is_some_and(|&c| is_word(c))
                    && b.last().is_some_and(|&c| is_word(c))
                    && !term.contains('\n');
                if !ok {
                    return Err(ConfigError::new(
                        format!("detectors.keywords[{i}].terms[{j}]"),
                        "must be 1 to 256 bytes on one line, starting and ending with a letter, digit or `_`",
                    ));
                }
            }
        }
        if lists.is_empty() {
            return Ok(None);
        }
        let mut terms: Vec<(Box<[u8]>, RuleIdx)> = Vec::new();
        for &(i, rule) in lists {
            let Some(list) = cfg.keywords.get(i) else {
                continue;
            };
            for term in &list.terms {
                let low = term.trim().as_bytes().to_ascii_lowercase();
                terms.push((low.into_boxed_slice(), rule));
            }
        }
        terms.sort();
        terms.dedup();
        // About 32 bits per term: well under 1% of words pass the filter by chance.
        let nwords = (terms.len() / 2).next_power_of_two().clamp(16, 1 << 21);
        let index_bits = nwords.trailing_zeros();
        let mask = nwords - 1;
        let mut bits = vec![0u64; nwords];
        let mut by_first_word = TermMap::default();
        by_first_word.reserve(terms.len());
        let (mut lens_letters, mut lens_mixed) = (0u64, 0u64);
        let shift = 52 - index_bits;
        for (k, (term, _)) in terms.iter().enumerate() {
            let (h, len) = first_word_fingerprint(term);
            let letters_only = term.iter().take(len).all(u8::is_ascii_alphabetic);
            if letters_only {
                lens_letters |= 1 << len.min(63);
            } else {
                lens_mixed |= 1 << len.min(63);
            }
            let (w, b) = filter_bits(h, shift, mask);
            if let Some(slot) = bits.get_mut(w) {
                *slot |= b;
            }
            by_first_word.entry(map_key(h)).or_default().push(k as u32);
        }
        // The same lengths as the scan tests them: the high bit of the byte after the word.
        let (mut ends_short, mut ends_long) = (0u64, 0u64);
        for n in (1..16).filter(|&n| lens_letters & (1 << n) != 0) {
            if n < 8 {
                ends_short |= 1 << (8 * n + 7);
            } else {
                ends_long |= 1 << (8 * (n - 8) + 7);
            }
        }
        Ok(Some(Self {
            bits,
            mask,
            shift,
            lens_letters,
            ends_short,
            ends_long,
            lens_mixed,
            by_first_word,
            terms,
        }))
    }

    /// The fingerprint of a word of `len` bytes, the same for the scan and for the terms:
    /// `first` holds its first eight bytes and `last` its last eight (little-endian; bytes of
    /// `first` past the word's end are ignored, and so is `last` when `len <= 8`). ASCII
    /// letters are folded with `| 0x20`, which leaves digits and `_` distinct and can only
    /// merge words that verification tells apart.
    #[inline(always)]
    pub(crate) fn fingerprint(first: u64, last: u64, len: usize) -> u64 {
        let keep = if len >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * len)) - 1
        };
        let a = (first | FOLD) & keep;
        if len <= 8 {
            Self::fingerprint_short(a)
        } else {
            let b = (last | FOLD).wrapping_mul(0xD6E8_FEB8_6659_FD93);
            Self::fingerprint_short(a ^ b ^ (len as u64).rotate_right(16))
        }
    }

    /// The fingerprint of a word of at most eight bytes, given as its folded bytes (`| 0x20`)
    /// and zeros after them (a word holds no zero byte, so its length is implied): one
    /// multiplication.
    #[inline(always)]
    pub(crate) fn fingerprint_short(a: u64) -> u64 {
        a.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    /// Whether some term's first word is `len` bytes long.
    #[inline(always)]
    pub(crate) fn has_len(&self, len: usize) -> bool {
        (self.lens_letters | self.lens_mixed) & (1 << len.min(63)) != 0
    }

    /// Whether some term's first word is `n` ASCII letters, `1 <= n <= 7`, given `end`: the
    /// high bit of byte `n` of the eight bytes from the word's start (its first non-letter).
    #[inline(always)]
    pub(crate) fn has_end_short(&self, end: u64) -> bool {
        self.ends_short & end != 0
    }

    /// Whether some term's first word is `n` ASCII letters, `8 <= n <= 15`, given `end`: the
    /// high bit of byte `n - 8` of the eight bytes from the word's ninth byte.
    #[inline(always)]
    pub(crate) fn has_end_long(&self, end: u64) -> bool {
        self.ends_long & end != 0
    }

    /// Whether some term's first word is `len` bytes and holds a digit, `_` or non-ASCII byte.
    #[inline(always)]
    pub(crate) fn has_len_mixed(&self, len: usize) -> bool {
        self.lens_mixed & (1 << len.min(63)) != 0
    }

    /// Whether some term's first word holds a digit, `_` or non-ASCII byte.
    #[inline(always)]
    pub(crate) fn any_mixed(&self) -> bool {
        self.lens_mixed != 0
    }

    /// Whether a word with fingerprint `h` may start a term (one memory probe).
    #[inline(always)]
    pub(crate) fn maybe(&self, h: u64) -> bool {
        let (w, b) = filter_bits(h, self.shift, self.mask);
        self.bits.get(w).is_some_and(|x| x & b == b)
    }

    /// Confirms the terms whose first word has fingerprint `h` at the word `[ws, we)`.
    pub(crate) fn verify(&self, t: &[u8], ws: usize, we: usize, h: u64, out: &mut Vec<Finding>) {
        let Some(cands) = self.by_first_word.get(&map_key(h)) else {
            return;
        };
        for &k in cands {
            let Some((term, rule)) = self.terms.get(k as usize) else {
                continue;
            };
            let end = ws + term.len();
            if end < we {
                continue;
            }
            let Some(hay) = t.get(ws..end) else {
                continue;
            };
            if hay.eq_ignore_ascii_case(term) && !is_word(at(t, end)) && !is_word(before(t, ws)) {
                out.push(Finding {
                    start: ws,
                    end,
                    rule: *rule,
                });
            }
        }
    }
}

/// One compiled customer pattern.
#[derive(Debug)]
struct Pattern {
    regex: Regex,
    rule: RuleIdx,
    prefix: Option<Vec<u8>>,
}

/// The customer patterns.
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    list: Vec<Pattern>,
}

/// The literal every match of `re` starts with (at least two bytes), if the pattern makes
/// that easy to see: an optional `(?i)` and `\b` or `^`, then plain characters up to the first
/// meta-character. A top-level `|` means no prefix.
pub(crate) fn literal_prefix(re: &str) -> Option<Vec<u8>> {
    let mut s = re.as_bytes();
    if let Some(rest) = s.strip_prefix(b"(?i)") {
        s = rest;
    }
    if let Some(rest) = s.strip_prefix(b"\\b") {
        s = rest;
    } else if let Some(rest) = s.strip_prefix(b"^") {
        s = rest;
    }
    // Any top-level alternation defeats a single prefix.
    let mut depth = 0i32;
    let mut esc = false;
    let mut class = false;
    for &b in s {
        if esc {
            esc = false;
            continue;
        }
        match b {
            b'\\' => esc = true,
            b'[' if !class => class = true,
            b']' if class => class = false,
            b'(' if !class => depth += 1,
            b')' if !class => depth -= 1,
            b'|' if !class && depth == 0 => return None,
            _ => {}
        }
    }
    let mut lit = Vec::new();
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let (c, len) = if b == b'\\' {
            match s.get(i + 1) {
                Some(&n) if n.is_ascii_punctuation() => (n, 2),
                _ => break,
            }
        } else if b.is_ascii_alphanumeric() || b"-_:@#=/ %!,;'\"<>~&".contains(&b) {
            (b, 1)
        } else {
            break;
        };
        // A quantifier after this character makes it optional (or repeated).
        if matches!(s.get(i + len), Some(b'?' | b'*' | b'{')) {
            break;
        }
        lit.push(c);
        i += len;
        if matches!(s.get(i), Some(b'+')) {
            break;
        }
    }
    (lit.len() >= 2).then_some(lit)
}

impl Patterns {
    /// Compiles the enabled patterns: (index in `cfg.patterns`, rule). Every pattern is
    /// validated, enabled or not.
    pub(crate) fn compile(
        cfg: &RawDetectors,
        enabled: &[(usize, RuleIdx)],
    ) -> Result<Self, ConfigError> {
        let mut compiled = Vec::new();
        for (i, p) in cfg.patterns.iter().enumerate() {
            let path = format!("detectors.patterns[{i}].regex");
            let regex = RegexBuilder::new(&p.regex)
                .size_limit(1 << 20)
                .nest_limit(64)
                .build()
                .map_err(|_| ConfigError::new(path.clone(), "invalid regex"))?;
            if regex.is_match("") {
                return Err(ConfigError::new(path, "must not match the empty string"));
            }
            compiled.push(Some(regex));
        }
        let mut list = Vec::new();
        for &(i, rule) in enabled {
            let (Some(p), Some(slot)) = (cfg.patterns.get(i), compiled.get_mut(i)) else {
                continue;
            };
            let Some(regex) = slot.take() else { continue };
            list.push(Pattern {
                regex,
                rule,
                prefix: literal_prefix(&p.regex),
            });
        }
        Ok(Self { list })
    }

    /// The literal prefixes to add to the anchor automaton: (pattern index, literal).
    pub(crate) fn anchor_literals(&self) -> impl Iterator<Item = (u32, &[u8])> {
        self.list
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.prefix.as_deref().map(|l| (i as u32, l)))
    }

    /// Runs pattern `i` on the window after its prefix found at `start`.
    pub(crate) fn scan_anchored(&self, i: u32, text: &str, start: usize, out: &mut Vec<Finding>) {
        let Some(p) = self.list.get(i as usize) else {
            return;
        };
        let mut end = (start + PATTERN_WINDOW).min(text.len());
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        if !text.is_char_boundary(start) {
            return;
        }
        let Some(hay) = text.get(..end) else { return };
        if let Some(m) = p.regex.find_at(hay, start) {
            if m.start() == start && m.end() > m.start() {
                out.push(Finding {
                    start,
                    end: m.end(),
                    rule: p.rule,
                });
            }
        }
    }

    /// Whether some pattern has no literal prefix: it is run over the whole text, and a match
    /// of it may be as long as the text.
    pub(crate) fn has_unanchored(&self) -> bool {
        self.list.iter().any(|p| p.prefix.is_none())
    }

    /// Runs the patterns without a literal prefix over the whole text.
    pub(crate) fn scan_unanchored(&self, text: &str, out: &mut Vec<Finding>) {
        for p in self.list.iter().filter(|p| p.prefix.is_none()) {
            for m in p.regex.find_iter(text) {
                if m.end() > m.start() {
                    out.push(Finding {
                        start: m.start(),
                        end: m.end(),
                        rule: p.rule,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::literal_prefix;

    #[test]
    fn literal_prefixes() {
        let cases: &[(&str, Option<&str>)] = &[
            (r"EMP-\d{6}", Some("EMP-")),
            (r"\bPRJ[0-9]{4}\b", Some("PRJ")),
            (r"(?i)acme-\d+", Some("acme-")),
            (r"ab?c", None),
            (r"abc?d", Some("ab")),
            (r"foo|bar", None),
            (r"[A-Z]{3}-\d+", None),
            (r"x\.y\d", Some("x.y")),
            (r"ticket#(\d+|x)", Some("ticket#")),
        ];
        for (re, want) in cases {
            assert_eq!(
                literal_prefix(re).as_deref(),
                want.map(str::as_bytes),
                "{re}"
            );
        }
    }
}

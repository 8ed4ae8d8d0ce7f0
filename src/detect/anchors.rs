//! The anchor index: every literal that can start or introduce a finding, looked up per
//! position instead of by an automaton stepping over every byte. Literals starting with an
//! ASCII letter are found at the start of a letter run through a table of their first three
//! case-folded bytes (one bit probe per word); the few others (`@`, `://`, `:AA`,
//! `-----BEGIN `, `.atlasv1.`) at their first byte. Customer pattern prefixes, which can be
//! anything, keep an Aho-Corasick automaton of their own (built only when there are some).
//!
//! Matching keeps the semantics of a leftmost-longest search: at a position the longest
//! literal wins and carries the handlers of the literals that are prefixes of it, and a match
//! hides the positions it covers.

use super::custom::Patterns;
use super::providers::{KEYWORD_KEYS, PREFIX_KEYS};
use super::rules::Ids;
use super::text::at;
use crate::document::ConfigError;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// What an anchor hit asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// `@`: an email around it.
    Email,
    /// A provider prefix: (index in `PREFIX_KEYS`, index of the prefix).
    Prefix(u16, u8),
    /// A keyword introducing a key (index in `KEYWORD_KEYS`).
    KeywordKey(u16),
    /// `-----BEGIN `.
    Pem,
    /// `://`.
    UrlCreds,
    /// `eyJ`.
    Jwt,
    /// `password`, `secret`, `token`, ...
    Generic,
    /// `:AA` (Telegram bot token).
    Telegram,
    /// `Q~` (Azure AD client secret).
    AzureSecret,
    /// `password`, `Passwort`, `contraseña`, `mot de passe`, `пароль`, `パスワード`, ...: prose
    /// that gives a password in any of several languages.
    Password,
    /// `born`, `DOB`, `date of birth`, ...
    Dob,
    /// A signed URL's parameter name (`X-Amz-Signature`, `sig=`, ...).
    SignedUrl,
    /// A customer pattern's literal prefix (index into the anchored patterns).
    Custom(u32),
}

/// Keywords introducing a generic secret assignment.
pub(crate) const GENERIC_KEYWORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "accesskey",
    "auth_key",
    "private_key",
    "credential",
    "pass",
    "passphrase",
    "creds",
    "auth",
    "privatekey",
];

/// Keywords of generic secrets looked for only in the identifier before a `:` or `=`, not in
/// the anchor index: their first letters (`sig`, `enc`, `mas`) start common words, and prose
/// never names them.
pub(crate) const ASSIGN_ONLY_KEYWORDS: &[&str] = &["signing_key", "encryption_key", "master_key"];

/// The word for a password in prose, in the languages people most often write to the API
/// in (lower case; its capitalised and upper-case forms are looked for too, see
/// [`case_variants`]): `Das Passwort lautet …`, `La contraseña es …`, `パスワードは …`.
pub(crate) const PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwort",
    "kennwort",
    "contraseña",
    "contrasena",
    "mot de passe",
    "senha",
    "wachtwoord",
    "hasło",
    "haslo",
    "lösenord",
    "passord",
    "adgangskode",
    "salasana",
    "şifre",
    "пароль",
    "パスワード",
    "密码",
    "密碼",
    "비밀번호",
];

/// `word` as written at a sentence's start and in capitals (`şifre`, `Şifre`, `ŞIFRE`;
/// `пароль`, `Пароль`, `ПАРОЛЬ`), where that differs in more than ASCII letters: the anchor
/// index folds ASCII case only.
fn case_variants(word: &str) -> Vec<String> {
    let mut chars = word.chars();
    let capital: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let mut out = vec![word.to_owned()];
    for v in [capital, word.to_uppercase()] {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&v)) {
            out.push(v);
        }
    }
    out
}

/// Phrases introducing a date of birth (English, German, French).
pub(crate) const DOB_KEYWORDS: &[&str] = &[
    "born",
    "dob",
    "d.o.b",
    "date of birth",
    "birth date",
    "birthdate",
    "birthday",
    "geboren",
    "geburtsdatum",
    "geb.",
    "né le",
    "née le",
    "né(e) le",
    "date de naissance",
];

/// One built-in literal (lower case) and the handlers a match runs: its own and those of
/// every literal that is a prefix of it.
#[derive(Debug)]
struct Lit {
    bytes: Box<[u8]>,
    kinds: Vec<Anchor>,
    /// The first eight bytes (fewer for a shorter literal), little-endian, and the mask of
    /// those bytes: a whole-word compare rejects most candidates at once.
    head: u64,
    head_mask: u64,
}

/// The eight bytes at `p`, little-endian, zero past the end, ASCII upper-case letters folded to
/// lower case.
#[inline(always)]
fn folded8(t: &[u8], p: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(w) = t.get(p..p + 8) {
        b.copy_from_slice(w);
    } else {
        for (d, s) in b.iter_mut().zip(t.get(p..).unwrap_or(&[])) {
            *d = *s;
        }
    }
    let x = u64::from_le_bytes(b);
    // High bit of each byte in `A..=Z` (exact per byte: no carries cross bytes).
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HI: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low = x & LO7;
    let ge_a = low.wrapping_add(ONES * u64::from(0x80 - b'A'));
    let gt_z = low.wrapping_add(ONES * u64::from(0x7F - b'Z'));
    let upper = ge_a & !gt_z & !x & HI;
    x | (upper >> 2)
}

/// [`Anchors::stop_class`]: a literal may start at this byte.
pub(crate) const STOP_ANCHOR: u8 = 1;
/// [`Anchors::stop_class`]: `:` or `=` after a name (generic secrets on).
pub(crate) const STOP_ASSIGN: u8 = 2;
/// [`Anchors::stop_class`]: `>` or `-`, a tag's end or a flag (generic secrets on).
pub(crate) const STOP_NAMED: u8 = 4;
/// [`Anchors::stop_class`]: `%`, `&` or `=`, where an encoded form may be (see `decode.rs`).
pub(crate) const STOP_ENCODED: u8 = 8;

/// Bits of the trigram table (three 5-bit case-folded bytes).
const TRI_BITS: usize = 1 << 15;

/// log2 of the bits of the word-start table (8192 bits: 1 KiB, sixteen cache lines).
const START_LOG: u32 = 13;

/// The multiplier of [`start_key`]. Any odd constant spreads the literals' trigrams; this one,
/// the best of eight tried, also leaves the starts of the most frequent English words (`to`,
/// `of`, `the`, ...) on bits of their own: 5.3 % of the word starts of chat text hit the
/// table, 5.2 % with the exact 4 KiB one.
const START_MUL: u32 = 0x7FEB_352D;

/// The word-start table's bit for the bytes at a position (`x`, little-endian): a
/// multiplicative hash of the low five bits of its first three bytes (ASCII letters fold to
/// 1..=26, so the case does not count). Four operations, where the exact trigram key took
/// eight, and a table a quarter the size: a collision only sends a word on to the exact tests.
#[inline(always)]
pub(crate) fn start_key(x: u64) -> usize {
    ((x as u32 & 0x001F_1F1F).wrapping_mul(START_MUL) >> (32 - START_LOG)) as usize
}

/// log2 of the bits of the four-byte table (1 KiB).
const QUAD_LOG: u32 = 13;

/// The four-byte table's bit for the bytes at a position (`x`, little-endian; their low five
/// bits, hashed).
#[inline(always)]
fn quad_key(x: u64) -> usize {
    ((x as u32 & 0x1F1F_1F1F).wrapping_mul(0x9E37_79B1) >> (32 - QUAD_LOG)) as usize
}

/// Four bytes in the lanes of a word, as the text holds them.
#[inline(always)]
fn lanes(a: u8, b: u8, c: u8, d: u8) -> u64 {
    u64::from(u32::from_le_bytes([a, b, c, d]))
}

/// The bit of the two-byte table for two bytes (their low five bits: exact).
#[inline(always)]
fn pair_key(a: u8, b: u8) -> usize {
    (usize::from(a & 31) << 5) | usize::from(b & 31)
}

/// Whether bit `k` of a bit table is set (false past its end).
#[inline(always)]
fn has_bit(bits: &[u64], k: usize) -> bool {
    bits.get(k / 64)
        .is_some_and(|w| w & (1u64 << (k % 64)) != 0)
}

/// Sets bit `k` of a bit table (nothing past its end).
fn set_bit(bits: &mut [u64], k: usize) {
    if let Some(w) = bits.get_mut(k / 64) {
        *w |= 1u64 << (k % 64);
    }
}

/// The trigram key of three bytes: their low five bits (ASCII letters fold to 1..=26).
#[inline(always)]
pub(crate) fn tri_key(a: u8, b: u8, c: u8) -> usize {
    (usize::from(a & 31) << 10) | (usize::from(b & 31) << 5) | usize::from(c & 31)
}

/// A free slot of [`Anchors::tri_runs`] (trigram keys are below 2^15).
const EMPTY_SLOT: u16 = u16::MAX;

/// The home slot of a trigram key.
#[inline(always)]
fn tri_slot(key: u16) -> usize {
    (u32::from(key).wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// The (key, start, end) table of the runs of equal keys in the sorted `tri`, at most half full.
fn tri_runs(tri: &[(u16, u16)]) -> Result<Vec<(u16, u16, u16)>, ConfigError> {
    let too_many = || ConfigError::new("detectors", "too many built-in literals");
    let mut runs: Vec<(u16, u16, u16)> = Vec::new();
    let mut from = 0usize;
    for (i, w) in tri.iter().enumerate() {
        if tri.get(i + 1).is_some_and(|n| n.0 == w.0) {
            continue;
        }
        let start = u16::try_from(from).map_err(|_| too_many())?;
        let end = u16::try_from(i + 1).map_err(|_| too_many())?;
        runs.push((w.0, start, end));
        from = i + 1;
    }
    let size = (runs.len() * 2).next_power_of_two().max(16);
    let mask = size - 1;
    let mut table = vec![(EMPTY_SLOT, 0u16, 0u16); size];
    for run in runs {
        let mut i = tri_slot(run.0) & mask;
        while table.get(i).is_some_and(|s| s.0 != EMPTY_SLOT) {
            i = (i + 1) & mask;
        }
        if let Some(s) = table.get_mut(i) {
            *s = run;
        }
    }
    Ok(table)
}

/// The compiled index.
#[derive(Debug)]
pub(crate) struct Anchors {
    lits: Vec<Lit>,
    /// One bit per [`start_key`] of the first three bytes of a letter-initial literal (every
    /// third byte for a two-byte one): the one probe made at every letter-run start.
    start_bits: Box<[u64; (1 << START_LOG) / 64]>,
    /// One bit per [`quad_key`] of the first four bytes of a letter-initial literal (every
    /// fourth byte for a three-byte one): a word whose first three bytes hit but whose first
    /// four start no literal (`here` against `heroku`, `section` against `secret`) stops there.
    quad_bits: Box<[u64; (1 << QUAD_LOG) / 64]>,
    /// One bit per [`pair_key`] of a two-byte letter-initial literal (`Q~`, `s.`): they pass
    /// without the four-byte table (which would need a bit for every two bytes after them).
    pair_bits: [u64; 1024 / 64],
    /// (trigram key, literal), sorted.
    tri: Vec<(u16, u16)>,
    /// Where each trigram key's run of `tri` is: an open-addressing table of (key, start, end),
    /// small enough to stay in cache (a binary search over `tri` cost a mispredicted branch a
    /// step).
    tri_runs: Vec<(u16, u16, u16)>,
    /// Literals looked up at their first byte (not letter-initial, or shorter than two), by
    /// lower-cased first byte.
    other: Vec<Vec<u16>>,
    /// Whether a byte starts one of `other` (indexed by the byte itself).
    other_first: Vec<bool>,
    /// One bit per (first byte, lower-cased second byte) pair that may start one of `other`.
    other_pairs: Vec<u64>,
    /// What the pass does at a byte other than a letter or space, by byte: [`STOP_ANCHOR`],
    /// [`STOP_ASSIGN`], [`STOP_NAMED`] (one load where there were several compares).
    stop: Box<[u8; 256]>,
    /// The smallest and largest ASCII byte the pass stops at other than a letter: a digit or
    /// a byte with a [`Anchors::stop_class`] (`%` to `@` with every built-in rule on).
    stop_range: (u8, u8),
    /// Whether a non-ASCII byte has a [`Anchors::stop_class`] (none with the built-in literals).
    stop_high: bool,
    /// One bit per trigram key of the first three bytes of a literal that carries a generic
    /// secret's handler: an identifier none of whose trigrams is here holds no such keyword.
    generic_tri: Box<[u64; TRI_BITS / 64]>,
    custom: Option<AhoCorasick>,
    custom_kinds: Vec<Vec<Anchor>>,
}

impl Anchors {
    pub(crate) fn compile(ids: &Ids, patterns: &Patterns) -> Result<Self, ConfigError> {
        let mut lits: Vec<Vec<u8>> = Vec::new();
        let mut kinds: Vec<Vec<Anchor>> = Vec::new();
        let mut add = |lit: &[u8], a: Anchor| {
            let low = lit.to_ascii_lowercase();
            if let Some(i) = lits.iter().position(|l| *l == low) {
                if let Some(k) = kinds.get_mut(i) {
                    if !k.contains(&a) {
                        k.push(a);
                    }
                }
            } else {
                lits.push(low);
                kinds.push(vec![a]);
            }
        };
        if ids.email.is_some() {
            add(b"@", Anchor::Email);
        }
        for (i, k) in PREFIX_KEYS.iter().enumerate() {
            if ids.prefix.get(i).copied().flatten().is_none() {
                continue;
            }
            for (j, p) in k.prefixes.iter().enumerate() {
                add(p.as_bytes(), Anchor::Prefix(i as u16, j as u8));
            }
        }
        for (i, k) in KEYWORD_KEYS.iter().enumerate() {
            if ids.keyword.get(i).copied().flatten().is_none() {
                continue;
            }
            for kw in k.keywords {
                add(kw.as_bytes(), Anchor::KeywordKey(i as u16));
            }
        }
        if ids.pem.is_some() {
            add(b"-----BEGIN ", Anchor::Pem);
        }
        if ids.url_creds.is_some() {
            add(b"://", Anchor::UrlCreds);
        }
        if ids.jwt.is_some() {
            add(b"eyJ", Anchor::Jwt);
        }
        if ids.generic.is_some() {
            for kw in GENERIC_KEYWORDS {
                add(kw.as_bytes(), Anchor::Generic);
            }
        }
        if ids.generic.is_some() {
            for kw in PASSWORD_WORDS {
                for v in case_variants(kw) {
                    add(v.as_bytes(), Anchor::Password);
                }
            }
        }
        if ids.telegram.is_some() {
            add(b":AA", Anchor::Telegram);
        }
        if ids.azure_secret.is_some() {
            add(b"Q~", Anchor::AzureSecret);
        }
        if ids.dob.is_some() {
            for kw in DOB_KEYWORDS {
                add(kw.as_bytes(), Anchor::Dob);
            }
        }
        if ids.signed_url.is_some() {
            for lit in super::signed_url::ANCHORS {
                add(lit.as_bytes(), Anchor::SignedUrl);
            }
        }
        // A longest match carries the handlers of the literals that are prefixes of it.
        let mut merged = kinds.clone();
        for (i, long) in lits.iter().enumerate() {
            for (j, short) in lits.iter().enumerate() {
                if i != j && short.len() < long.len() && long.starts_with(short) {
                    if let (Some(dst), Some(src)) = (merged.get_mut(i), kinds.get(j)) {
                        for a in src {
                            if !dst.contains(a) {
                                dst.push(*a);
                            }
                        }
                    }
                }
            }
        }
        let lits: Vec<Lit> = lits
            .into_iter()
            .zip(merged)
            .map(|(bytes, kinds)| {
                let mut head = [0u8; 8];
                let n = bytes.len().min(8);
                for (d, s) in head.iter_mut().zip(&bytes) {
                    *d = *s;
                }
                let head_mask = if n == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * n)) - 1
                };
                Lit {
                    bytes: bytes.into_boxed_slice(),
                    kinds,
                    head: u64::from_le_bytes(head),
                    head_mask,
                }
            })
            .collect();
        let mut start_bits = Box::new([0u64; (1 << START_LOG) / 64]);
        let mut quad_bits = Box::new([0u64; (1 << QUAD_LOG) / 64]);
        let mut set_quad =
            |a: u8, b: u8, c: u8, d: u8| set_bit(&mut *quad_bits, quad_key(lanes(a, b, c, d)));
        let mut pair_bits = [0u64; 1024 / 64];
        let mut tri: Vec<(u16, u16)> = Vec::new();
        let mut other: Vec<Vec<u16>> = vec![Vec::new(); 256];
        let mut other_first = vec![false; 256];
        let mut other_pairs = vec![0u64; 65536 / 64];
        for (i, lit) in lits.iter().enumerate() {
            let i = i as u16;
            match *lit.bytes {
                [a, b, c, ref rest @ ..] if a.is_ascii_alphabetic() => {
                    tri.push((tri_key(a, b, c) as u16, i));
                    match rest.first() {
                        Some(&d) => set_quad(a, b, c, d),
                        // Three bytes: any fourth byte (or none).
                        None => (0..32u8).for_each(|d| set_quad(a, b, c, d)),
                    }
                }
                // Two bytes: any third byte (or none), and no four-byte test.
                [a, b] if a.is_ascii_alphabetic() => {
                    for c in 0..32u8 {
                        tri.push((tri_key(a, b, c) as u16, i));
                    }
                    set_bit(&mut pair_bits, pair_key(a, b));
                }
                [a, ..] => {
                    if let Some(list) = other.get_mut(usize::from(a)) {
                        list.push(i);
                    }
                    let seconds: Vec<u8> = match lit.bytes.get(1) {
                        Some(&b) => vec![b, b.to_ascii_uppercase()],
                        None => (0..=255).collect(),
                    };
                    for c in [a, a.to_ascii_uppercase()] {
                        for &d in &seconds {
                            let k = (usize::from(c) << 8) | usize::from(d.to_ascii_lowercase());
                            set_bit(&mut other_pairs, k);
                        }
                    }
                    for c in [a, a.to_ascii_uppercase()] {
                        if let Some(f) = other_first.get_mut(usize::from(c)) {
                            *f = true;
                        }
                    }
                }
                [] => {}
            }
        }
        tri.sort_unstable();
        for &(k, _) in &tri {
            // The trigram key's three five-bit bytes, back in their byte lanes.
            let k = u64::from(k);
            let x = (k >> 10) | (((k >> 5) & 31) << 8) | ((k & 31) << 16);
            set_bit(&mut *start_bits, start_key(x));
        }
        let mut stop = Box::new([0u8; 256]);
        for (b, class) in stop.iter_mut().enumerate() {
            if other_first.get(b).copied().unwrap_or(false) {
                *class |= STOP_ANCHOR;
            }
            if ids.generic.is_some() {
                match b as u8 {
                    b':' | b'=' => *class |= STOP_ASSIGN,
                    b'>' | b'-' => *class |= STOP_NAMED,
                    _ => {}
                }
            }
            if matches!(b as u8, b'%' | b'&' | b'=') {
                *class |= STOP_ENCODED;
            }
        }
        let mut stop_range = (b'0', b'9');
        let mut stop_high = false;
        for (b, &class) in stop.iter().enumerate() {
            match u8::try_from(b) {
                Ok(b) if class != 0 && b.is_ascii() => {
                    stop_range = (stop_range.0.min(b), stop_range.1.max(b));
                }
                _ => stop_high |= class != 0,
            }
        }
        let mut generic_tri = Box::new([0u64; TRI_BITS / 64]);
        for lit in &lits {
            if let [a, b, c, ..] = *lit.bytes {
                if lit.kinds.contains(&Anchor::Generic) {
                    set_bit(&mut *generic_tri, tri_key(a, b, c));
                }
            }
        }
        if ids.generic.is_some() {
            for kw in ASSIGN_ONLY_KEYWORDS {
                if let [a, b, c, ..] = *kw.as_bytes() {
                    set_bit(&mut *generic_tri, tri_key(a, b, c));
                }
            }
        }
        let tri_runs = tri_runs(&tri)?;

        let custom_lits: Vec<(u32, Vec<u8>)> = patterns
            .anchor_literals()
            .map(|(i, l)| (i, l.to_ascii_lowercase()))
            .collect();
        let (custom, custom_kinds) = compile_custom(&custom_lits)?;
        Ok(Self {
            lits,
            start_bits,
            quad_bits,
            pair_bits,
            tri,
            tri_runs,
            other,
            other_first,
            other_pairs,
            stop,
            stop_range,
            stop_high,
            generic_tri,
            custom,
            custom_kinds,
        })
    }

    /// Whether a letter-initial literal may start with the bytes `x` (the text at a letter,
    /// little-endian, zero past the end of the text; only the first three bytes count): one
    /// bit of the word-start table, a superset of the literals' trigrams.
    #[inline(always)]
    pub(crate) fn start_hit(&self, x: u64) -> bool {
        // The key is below 2^START_LOG, so the lookup never misses (the check folds away).
        has_bit(&*self.start_bits, start_key(x))
    }

    /// Whether a literal may start at `p` (two bit probes for a letter, three bytes then
    /// four; one table read for any other byte): the fast filter before
    /// [`Anchors::longest_at`].
    #[inline(always)]
    pub(crate) fn may_start(&self, t: &[u8], p: usize) -> bool {
        let b0 = at(t, p);
        if b0.is_ascii_alphabetic() {
            let (b1, b2) = (at(t, p + 1), at(t, p + 2));
            let x = lanes(b0, b1, b2, at(t, p + 3));
            if self.start_hit(x)
                && (has_bit(&*self.quad_bits, quad_key(x))
                    || has_bit(&self.pair_bits, pair_key(b0, b1)))
            {
                return true;
            }
        }
        if !self.starts_other(b0) {
            return false;
        }
        let k = (usize::from(b0) << 8) | usize::from(at(t, p + 1).to_ascii_lowercase());
        has_bit(&self.other_pairs, k)
    }

    /// What the pass does at byte `b` (a set of `STOP_*` bits).
    #[inline(always)]
    pub(crate) fn stop_class(&self, b: u8) -> u8 {
        self.stop.get(usize::from(b)).copied().unwrap_or(0)
    }

    /// The ASCII bytes from `.0` to `.1` hold every ASCII byte the pass must stop at other than
    /// a letter: digits and every byte with a [`Anchors::stop_class`].
    pub(crate) fn stop_range(&self) -> (u8, u8) {
        self.stop_range
    }

    /// Whether the pass must stop at non-ASCII bytes too.
    pub(crate) fn stop_high(&self) -> bool {
        self.stop_high
    }

    /// Whether a generic-secret keyword may start in `w` (every such keyword has three bytes
    /// or more): a rolling test of its trigrams, cheaper than [`Anchors::may_start`] at each
    /// byte.
    #[inline]
    pub(crate) fn generic_may_occur(&self, w: &[u8]) -> bool {
        let mut key = 0usize;
        for (i, &b) in w.iter().enumerate() {
            key = ((key << 5) | usize::from(b & 31)) & (TRI_BITS - 1);
            if i >= 2 && has_bit(&*self.generic_tri, key) {
                return true;
            }
        }
        false
    }

    /// The longest built-in literal at `p` (case-insensitive): (literal, end).
    #[inline(never)]
    pub(crate) fn longest_at(&self, t: &[u8], p: usize) -> Option<(usize, usize)> {
        let b0 = at(t, p);
        let b1 = at(t, p + 1).to_ascii_lowercase();
        let x = folded8(t, p);
        let mut best: Option<(usize, usize)> = None;
        let mut consider = |li: usize| {
            let Some(lit) = self.lits.get(li) else {
                return;
            };
            let n = lit.bytes.len();
            if best.is_some_and(|(_, e)| e >= p + n) || x & lit.head_mask != lit.head {
                return;
            }
            // The first eight bytes matched; the rest of a longer literal.
            let rest = |w: &[u8]| {
                w.get(8..)
                    .zip(lit.bytes.get(8..))
                    .is_none_or(|(a, b)| a.eq_ignore_ascii_case(b))
            };
            if n <= 8 || t.get(p..p + n).is_some_and(rest) {
                best = Some((li, p + n));
            }
        };
        if b0.is_ascii_alphabetic() {
            let (from, to) = self.tri_run(tri_key(b0, b1, at(t, p + 2)) as u16);
            for &(_, li) in self.tri.get(from..to).unwrap_or(&[]) {
                consider(usize::from(li));
            }
        }
        if let Some(list) = self.other.get(usize::from(b0.to_ascii_lowercase())) {
            for &li in list {
                consider(usize::from(li));
            }
        }
        best
    }

    /// The run of `tri` with trigram key `key` (empty when there is none).
    #[inline(always)]
    fn tri_run(&self, key: u16) -> (usize, usize) {
        let mask = self.tri_runs.len().wrapping_sub(1);
        let mut i = tri_slot(key) & mask;
        // The table is at most half full, so the probe meets an empty slot.
        for _ in 0..self.tri_runs.len() {
            match self.tri_runs.get(i) {
                Some(&(k, from, to)) if k == key => return (usize::from(from), usize::from(to)),
                Some(&(k, _, _)) if k != EMPTY_SLOT => i = (i + 1) & mask,
                _ => break,
            }
        }
        (0, 0)
    }

    /// Whether a byte (lower-cased) starts a literal that is not found at letter-run starts.
    #[inline(always)]
    pub(crate) fn starts_other(&self, b: u8) -> bool {
        self.other_first
            .get(usize::from(b))
            .copied()
            .unwrap_or(false)
    }

    /// The handlers of a literal.
    pub(crate) fn kinds(&self, lit: usize) -> &[Anchor] {
        self.lits
            .get(lit)
            .map(|l| l.kinds.as_slice())
            .unwrap_or(&[])
    }

    /// Every customer-prefix hit as (handlers, start, end), leftmost-longest.
    /// (`try_find_iter` cannot fail for an unanchored search on an automaton built for it; an
    /// error ends the iteration instead of panicking.)
    pub(crate) fn custom_iter<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (&'a [Anchor], usize, usize)> + 'a {
        self.custom
            .iter()
            .filter_map(move |ac| ac.try_find_iter(aho_corasick::Input::new(text)).ok())
            .flatten()
            .map(|m| {
                let k = self
                    .custom_kinds
                    .get(m.pattern().as_usize())
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                (k, m.start(), m.end())
            })
    }
}

type CustomAc = (Option<AhoCorasick>, Vec<Vec<Anchor>>);

/// The automaton over customer pattern prefixes (none without anchored patterns).
fn compile_custom(custom: &[(u32, Vec<u8>)]) -> Result<CustomAc, ConfigError> {
    let mut lits: Vec<&[u8]> = Vec::new();
    let mut kinds: Vec<Vec<Anchor>> = Vec::new();
    for (i, l) in custom {
        let a = Anchor::Custom(*i);
        match lits.iter().position(|x| *x == l.as_slice()) {
            Some(j) => {
                if let Some(k) = kinds.get_mut(j) {
                    k.push(a);
                }
            }
            None => {
                lits.push(l);
                kinds.push(vec![a]);
            }
        }
    }
    if lits.is_empty() {
        return Ok((None, kinds));
    }
    let mut merged = kinds.clone();
    for (i, long) in lits.iter().enumerate() {
        for (j, short) in lits.iter().enumerate() {
            if i != j && short.len() < long.len() && long.starts_with(short) {
                if let (Some(dst), Some(src)) = (merged.get_mut(i), kinds.get(j)) {
                    for a in src {
                        if !dst.contains(a) {
                            dst.push(*a);
                        }
                    }
                }
            }
        }
    }
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(if lits.len() <= 2000 {
            AhoCorasickKind::DFA
        } else {
            AhoCorasickKind::ContiguousNFA
        }))
        .build(&lits)
        .map_err(|_| ConfigError::new("detectors", "too many anchors to compile"))?;
    Ok((Some(ac), merged))
}

#[cfg(test)]
mod tests {
    use crate::detect::DetectorSet;
    use crate::document::detectors::RawDetectors;

    #[test]
    fn tri_runs_find_every_trigram_run() {
        for cfg in [
            "{}",
            r#"{"patterns":[{"id":"p","regex":"zq[0-9]+"}],"keywords":[{"id":"k","terms":["ab"]}]}"#,
        ] {
            let raw: RawDetectors = serde_json::from_str(cfg).unwrap();
            let set = DetectorSet::compile(&raw).unwrap();
            let a = &set.engine.anchors;
            assert!(
                a.tri_runs.len()
                    >= 2 * a
                        .tri_runs
                        .iter()
                        .filter(|r| r.0 != super::EMPTY_SLOT)
                        .count()
            );
            for key in 0..(1u16 << 15) {
                let from = a.tri.partition_point(|e| e.0 < key);
                let to = a.tri.partition_point(|e| e.0 <= key);
                let want = if from == to { (0, 0) } else { (from, to) };
                assert_eq!(a.tri_run(key), want, "key {key}");
            }
        }
    }

    #[test]
    fn every_literal_passes_the_filters_and_is_found() {
        // The trigram and four-byte tables only ever stop a position that starts no literal:
        // every built-in literal, in either case, at the end of the text or before any byte,
        // passes `may_start` and is the longest match there (or a longer literal it starts is).
        let raw: RawDetectors = serde_json::from_str("{}").unwrap();
        let set = DetectorSet::compile(&raw).unwrap();
        let a = &set.engine.anchors;
        assert!(a.lits.len() > 40);
        for lit in &a.lits {
            let low = lit.bytes.to_vec();
            let up = lit.bytes.to_ascii_uppercase();
            for bytes in [&low, &up] {
                for tail in [&b""[..], b" ", b"x", b"7", b"_", b"-", b".", "é".as_bytes()] {
                    let mut text = bytes.clone();
                    text.extend_from_slice(tail);
                    assert!(a.may_start(&text, 0), "{text:?}");
                    let (_, end) = a.longest_at(&text, 0).unwrap();
                    assert!(end >= lit.bytes.len(), "{text:?}");
                }
            }
        }
        // And the four-byte table does stop words that merely share a literal's trigram.
        for word in ["here ", "section ", "birds ", "daily ", "tokyo "] {
            assert!(!a.may_start(word.as_bytes(), 0), "{word}");
        }
    }
}

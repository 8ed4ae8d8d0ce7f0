//! The anchor automaton: one Aho-Corasick pass (ASCII case-insensitive, leftmost-longest) over every
//! literal that can start or introduce a finding, each mapped to the handlers it triggers.

use super::custom::Patterns;
use super::providers::{KEYWORD_KEYS, PREFIX_KEYS};
use super::rules::Ids;
use crate::config::ConfigError;
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
    /// `born`, `DOB`, `date of birth`, ...
    Dob,
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
];

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

/// The compiled automaton and what each pattern triggers.
#[derive(Debug)]
pub(crate) struct Anchors {
    ac: Option<AhoCorasick>,
    kinds: Vec<Vec<Anchor>>,
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
        for (i, lit) in patterns.anchor_literals() {
            add(lit, Anchor::Custom(i));
        }
        if lits.is_empty() {
            return Ok(Self { ac: None, kinds });
        }
        // The search is leftmost-longest: a literal that is a prefix of a longer one at the
        // same position would be hidden, so the longer one carries its handlers too.
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
        let kinds = merged;
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
        Ok(Self {
            ac: Some(ac),
            kinds,
        })
    }

    /// Every anchor hit as (pattern index, start, end), leftmost-longest. (`try_find_iter`
    /// cannot fail for an unanchored search on an automaton built for it; an error ends the
    /// iteration instead of panicking.)
    pub(crate) fn iter<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        self.ac
            .iter()
            .filter_map(move |ac| ac.try_find_iter(aho_corasick::Input::new(text)).ok())
            .flatten()
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
    }

    /// The handlers of one pattern.
    pub(crate) fn kinds(&self, pattern: usize) -> &[Anchor] {
        self.kinds.get(pattern).map(Vec::as_slice).unwrap_or(&[])
    }
}

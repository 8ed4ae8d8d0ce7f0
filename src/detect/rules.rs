//! The rule catalogue (id, category, label of every built-in) and the compiled engine that
//! ties the anchor automaton, the scan pass and the customer rules together.

use super::anchors::{Anchor, Anchors};
use super::custom::{Keywords, Patterns};
use super::providers::{KEYWORD_KEYS, PREFIX_KEYS, SPECIAL_KEYS};
use super::{Finding, RuleIdx, RuleMeta};
use crate::document::detectors::{ActionKind, RawDetectors};
use crate::document::ConfigError;

/// Built-in rules that are not provider keys: (id, category, label).
pub(crate) const CORE_RULES: &[(&str, &str, &str)] = &[
    ("email", "contact", "EMAIL"),
    ("phone_number", "contact", "PHONE"),
    ("payment_card", "financial", "CARD"),
    ("iban", "financial", "IBAN"),
    ("us_ssn", "government_id", "SSN"),
    ("uk_nino", "government_id", "NATIONAL_ID"),
    ("nl_bsn", "government_id", "NATIONAL_ID"),
    ("es_dni", "government_id", "NATIONAL_ID"),
    ("it_codice_fiscale", "government_id", "NATIONAL_ID"),
    ("pl_pesel", "government_id", "NATIONAL_ID"),
    ("fr_nir", "government_id", "NATIONAL_ID"),
    ("de_steuer_id", "government_id", "NATIONAL_ID"),
    ("in_aadhaar", "government_id", "NATIONAL_ID"),
    ("ip_address", "network", "IP"),
    ("date_of_birth", "personal", "DOB"),
    ("jwt", "credential", "JWT"),
    ("private_key", "credential", "PRIVATE_KEY"),
    ("url_credentials", "credential", "SECRET"),
    ("generic_secret", "credential", "SECRET"),
    ("signed_url", "signed_url", "SIGNED_URL"),
];

/// Built-in rules whose action, when the policy names neither the rule nor its category,
/// is their own rather than `detectors.default_action`: signed URLs are counted, not changed
/// (see `docs/detectors.md`, "Signed URLs").
pub(crate) const RULE_DEFAULT_ACTIONS: &[(&str, ActionKind)] = &[("signed_url", ActionKind::Allow)];

/// The categories of built-in rules, plus `custom`.
pub(crate) const CATEGORIES: &[&str] = &[
    "contact",
    "financial",
    "government_id",
    "network",
    "personal",
    "credential",
    "signed_url",
    "custom",
];

/// Every built-in rule id with its category and label, in rule-index order.
pub(crate) fn builtin_catalogue() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v: Vec<(&str, &str, &str)> = CORE_RULES.to_vec();
    let mut seen: Vec<&str> = v.iter().map(|r| r.0).collect();
    let keys = PREFIX_KEYS
        .iter()
        .map(|k| k.id)
        .chain(KEYWORD_KEYS.iter().map(|k| k.id))
        .chain(SPECIAL_KEYS.iter().copied());
    for id in keys {
        if !seen.contains(&id) {
            seen.push(id);
            let label = if id == "openai_api_key" {
                "OPENAI_KEY"
            } else {
                "PROVIDER_KEY"
            };
            v.push((id, "credential", label));
        }
    }
    v
}

/// Rule indices of the enabled built-ins (None when disabled).
#[derive(Debug, Default, Clone)]
pub(crate) struct Ids {
    pub email: Option<RuleIdx>,
    pub phone: Option<RuleIdx>,
    pub card: Option<RuleIdx>,
    pub iban: Option<RuleIdx>,
    pub ssn: Option<RuleIdx>,
    pub nino: Option<RuleIdx>,
    pub bsn: Option<RuleIdx>,
    pub dni: Option<RuleIdx>,
    pub cf: Option<RuleIdx>,
    pub pesel: Option<RuleIdx>,
    pub nir: Option<RuleIdx>,
    pub steuer: Option<RuleIdx>,
    pub aadhaar: Option<RuleIdx>,
    pub ip: Option<RuleIdx>,
    pub dob: Option<RuleIdx>,
    pub jwt: Option<RuleIdx>,
    pub pem: Option<RuleIdx>,
    pub url_creds: Option<RuleIdx>,
    pub generic: Option<RuleIdx>,
    pub twilio: Option<RuleIdx>,
    pub telegram: Option<RuleIdx>,
    pub azure_secret: Option<RuleIdx>,
    pub aws_secret: Option<RuleIdx>,
    pub signed_url: Option<RuleIdx>,
    /// Per [`PREFIX_KEYS`] entry.
    pub prefix: Vec<Option<RuleIdx>>,
    /// Per [`KEYWORD_KEYS`] entry.
    pub keyword: Vec<Option<RuleIdx>>,
    /// Rules whose findings swallow other findings inside them (credentials).
    pub container: Vec<bool>,
}

/// The compiled engine.
#[derive(Debug)]
pub(crate) struct Engine {
    pub ids: Ids,
    pub anchors: Anchors,
    pub keywords: Option<Keywords>,
    pub patterns: Patterns,
    /// Whether any customer pattern is enabled (a scan of a short string, one JSON string on
    /// its own, skips their passes without looking).
    pub has_patterns: bool,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Engine {
    pub(crate) fn compile(
        cfg: &RawDetectors,
        rules: &mut Vec<RuleMeta>,
    ) -> Result<Self, ConfigError> {
        let catalogue = builtin_catalogue();
        // Customer rule ids and categories, validated first.
        let mut customs: Vec<(String, String)> = Vec::new();
        let entries = cfg
            .keywords
            .iter()
            .enumerate()
            .map(|(i, k)| (&k.id, &k.category, format!("detectors.keywords[{i}]")))
            .chain(
                cfg.patterns
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (&p.id, &p.category, format!("detectors.patterns[{i}]"))),
            );
        for (id, cat, path) in entries {
            if !valid_id(id) {
                return Err(ConfigError::new(
                    format!("{path}.id"),
                    "must match [a-z0-9_]+ (at most 64 characters)",
                ));
            }
            if catalogue.iter().any(|c| c.0 == id) || customs.iter().any(|c| &c.0 == id) {
                return Err(ConfigError::new(format!("{path}.id"), "duplicate rule id"));
            }
            let cat = cat.as_deref().unwrap_or("custom");
            if !valid_id(cat) {
                return Err(ConfigError::new(
                    format!("{path}.category"),
                    "must match [a-z0-9_]+ (at most 64 characters)",
                ));
            }
            customs.push((id.clone(), cat.to_string()));
        }
        for (i, d) in cfg.disabled.iter().enumerate() {
            let known = catalogue.iter().any(|c| c.0 == d || c.1 == d)
                || CATEGORIES.contains(&d.as_str())
                || customs.iter().any(|c| &c.0 == d || &c.1 == d);
            if !known {
                return Err(ConfigError::new(
                    format!("detectors.disabled[{i}]"),
                    "names no rule id and no category",
                ));
            }
        }
        let disabled = |id: &str, cat: &str| cfg.disabled.iter().any(|d| d == id || d == cat);

        let mut ids = Ids {
            prefix: vec![None; PREFIX_KEYS.len()],
            keyword: vec![None; KEYWORD_KEYS.len()],
            ..Ids::default()
        };
        for (id, cat, label) in &catalogue {
            if disabled(id, cat) {
                continue;
            }
            let idx = push_rule(rules, id, cat, label, None)?;
            let slot = match *id {
                "email" => &mut ids.email,
                "phone_number" => &mut ids.phone,
                "payment_card" => &mut ids.card,
                "iban" => &mut ids.iban,
                "us_ssn" => &mut ids.ssn,
                "uk_nino" => &mut ids.nino,
                "nl_bsn" => &mut ids.bsn,
                "es_dni" => &mut ids.dni,
                "it_codice_fiscale" => &mut ids.cf,
                "pl_pesel" => &mut ids.pesel,
                "fr_nir" => &mut ids.nir,
                "de_steuer_id" => &mut ids.steuer,
                "in_aadhaar" => &mut ids.aadhaar,
                "ip_address" => &mut ids.ip,
                "date_of_birth" => &mut ids.dob,
                "jwt" => &mut ids.jwt,
                "private_key" => &mut ids.pem,
                "url_credentials" => &mut ids.url_creds,
                "generic_secret" => &mut ids.generic,
                "twilio_api_key" => &mut ids.twilio,
                "telegram_bot_token" => &mut ids.telegram,
                "azure_client_secret" => &mut ids.azure_secret,
                "aws_secret_access_key" => &mut ids.aws_secret,
                "signed_url" => &mut ids.signed_url,
                _ => {
                    for (i, k) in PREFIX_KEYS.iter().enumerate() {
                        if k.id == *id {
                            if let Some(s) = ids.prefix.get_mut(i) {
                                *s = Some(idx);
                            }
                        }
                    }
                    for (i, k) in KEYWORD_KEYS.iter().enumerate() {
                        if k.id == *id {
                            if let Some(s) = ids.keyword.get_mut(i) {
                                *s = Some(idx);
                            }
                        }
                    }
                    continue;
                }
            };
            *slot = Some(idx);
            // aws_secret_access_key is also a keyword-table entry.
            if *id == "aws_secret_access_key" {
                for (i, k) in KEYWORD_KEYS.iter().enumerate() {
                    if k.id == *id {
                        if let Some(s) = ids.keyword.get_mut(i) {
                            *s = Some(idx);
                        }
                    }
                }
            }
        }
        // Credential findings swallow findings inside them (a phone number inside a PEM body),
        // and so do signed URLs (the access key id inside a presigned URL's query).
        ids.container = rules
            .iter()
            .map(|r| {
                (&*r.category == "credential" && &*r.id != "generic_secret")
                    || &*r.id == "signed_url"
            })
            .collect();

        // Customer rules.
        let mut kw_lists = Vec::new();
        for (i, k) in cfg.keywords.iter().enumerate() {
            let cat = k.category.as_deref().unwrap_or("custom");
            if disabled(&k.id, cat) {
                continue;
            }
            let label = k.id.to_ascii_uppercase();
            let idx = push_rule(rules, &k.id, cat, &label, k.action.clone())?;
            kw_lists.push((i, idx));
            ids.container.push(false);
        }
        let keywords = Keywords::compile(cfg, &kw_lists)?;
        let mut pat_rules = Vec::new();
        for (i, p) in cfg.patterns.iter().enumerate() {
            let cat = p.category.as_deref().unwrap_or("custom");
            if disabled(&p.id, cat) {
                continue;
            }
            let label = p.id.to_ascii_uppercase();
            let idx = push_rule(rules, &p.id, cat, &label, p.action.clone())?;
            pat_rules.push((i, idx));
            ids.container.push(false);
        }
        let patterns = Patterns::compile(cfg, &pat_rules)?;
        let anchors = Anchors::compile(&ids, &patterns)?;
        Ok(Self {
            ids,
            anchors,
            keywords,
            patterns,
            has_patterns: !pat_rules.is_empty(),
        })
    }

    /// Scans one (already normalised) text; with `marks`, notes where encoded forms may be.
    pub(crate) fn scan(
        &self,
        text: &str,
        out: &mut Vec<Finding>,
        marks: Option<&mut Vec<super::decode::Mark>>,
    ) {
        super::pass::run(self, text, out, marks);
        if !self.has_patterns {
            return;
        }
        for (kinds, start, end) in self.anchors.custom_iter(text) {
            for &a in kinds {
                self.on_anchor(a, text, start, end, out);
            }
        }
        self.patterns.scan_unanchored(text, out);
    }

    pub(crate) fn on_anchor(
        &self,
        a: Anchor,
        text: &str,
        start: usize,
        end: usize,
        out: &mut Vec<Finding>,
    ) {
        let t = text.as_bytes();
        match a {
            Anchor::Email => super::email::email(self, t, start, out),
            Anchor::Prefix(k, p) => super::secrets::prefix_key(self, t, start, k, p, out),
            Anchor::KeywordKey(k) => super::secrets::keyword_key(self, t, start, end, k, out),
            Anchor::Pem => super::secrets::pem(self, t, start, out),
            Anchor::UrlCreds => super::secrets::url_creds(self, t, start, out),
            Anchor::Jwt => super::secrets::jwt(self, t, start, out),
            Anchor::Generic => super::assign::prose(self, t, start, end, out),
            Anchor::Password => super::assign::password_prose(self, t, start, end, out),
            Anchor::SignedUrl => super::signed_url::find(self, t, start, end, out),
            Anchor::Telegram => super::secrets::telegram(self, t, start, out),
            Anchor::AzureSecret => super::secrets::azure_secret(self, t, start, out),
            Anchor::Dob => super::dob::dob(self, t, start, end, out),
            Anchor::Custom(i) => self.patterns.scan_anchored(i, text, start, out),
        }
    }

    /// Final pass over the findings of one scan: spans snapped to char boundaries, findings
    /// inside a credential dropped, generic secrets yielding to specific ones, duplicates
    /// removed.
    pub(crate) fn tidy(&self, text: &str, out: &mut Vec<Finding>, base: usize) {
        let Some(tail) = out.get_mut(base..) else {
            return;
        };
        if tail.is_empty() {
            return;
        }
        for f in tail.iter_mut() {
            let mut s = f.start.min(text.len());
            while s > 0 && !text.is_char_boundary(s) {
                s -= 1;
            }
            let mut e = f.end.min(text.len()).max(s);
            while e < text.len() && !text.is_char_boundary(e) {
                e += 1;
            }
            f.start = s;
            f.end = e;
        }
        let generic = self.ids.generic;
        let is_container = |r: RuleIdx| {
            self.ids
                .container
                .get(usize::from(r))
                .copied()
                .unwrap_or(false)
        };
        // Longest first at each start; a generic secret after a specific one of equal span.
        tail.sort_unstable_by_key(|f| {
            (
                f.start,
                std::cmp::Reverse(f.end),
                Some(f.rule) == generic,
                f.rule,
            )
        });
        // A credential inside a URL's `user:password` is reported as what it is too (the
        // GitHub token in `https://x-access-token:ghp_…@github.com`).
        let url_creds = self.ids.url_creds;
        let keeps_inside = |container: Option<RuleIdx>, r: RuleIdx| {
            container.is_some()
                && container == url_creds
                && is_container(r)
                && Some(r) != self.ids.signed_url
        };
        let mut kept: Vec<Finding> = Vec::with_capacity(tail.len());
        let mut container_end = 0usize;
        let mut container: Option<RuleIdx> = None;
        for f in tail.iter() {
            if f.end <= f.start || kept.last() == Some(f) {
                continue;
            }
            if f.end <= container_end && !keeps_inside(container, f.rule) {
                continue;
            }
            if is_container(f.rule) && f.end > container_end {
                container_end = f.end;
                container = Some(f.rule);
            }
            kept.push(*f);
        }
        out.truncate(base);
        out.extend(kept);
    }

    pub(crate) fn scan_number(&self, raw: &str, key: Option<&str>, out: &mut Vec<Finding>) {
        super::number::scan_number(self, raw, key, out);
    }
}

fn push_rule(
    rules: &mut Vec<RuleMeta>,
    id: &str,
    cat: &str,
    label: &str,
    action: Option<crate::document::detectors::ActionSpec>,
) -> Result<RuleIdx, ConfigError> {
    let idx = RuleIdx::try_from(rules.len())
        .map_err(|_| ConfigError::new("detectors", "too many rules"))?;
    rules.push(RuleMeta {
        id: id.into(),
        category: cat.into(),
        label: label.into(),
        action,
    });
    Ok(idx)
}

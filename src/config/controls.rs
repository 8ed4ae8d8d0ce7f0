//! The gateway controls of the policy: revoked API keys, the client address and source
//! allowlists, throttles per register entry, the header that names the resolved project for
//! Envoy's own rate limiters, and the descriptive fields of the register (purpose, owner,
//! description) that only people know. As written (serde) and compiled once per VM, with the
//! register's entries in the same order (index) as [`super::Register`]'s.

use super::projects::{header_name, RawProject, DEFAULT_PROJECT};
use super::{ConfigError, RawPolicy};
pub use crate::document::controls::{RawSourceAddress, RawThrottle};
use crate::http::source::Cidr;
use std::collections::BTreeSet;

/// The largest limit a policy may set (keeps the throttle's `limit * TICKS` far inside `i64`).
pub const MAX_LIMIT: u64 = 1_000_000_000_000;

/// An entry's limits (each absent = unlimited).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Requests per minute.
    pub requests_per_minute: Option<u64>,
    /// Tokens (`total_tokens` of the replies) per minute.
    pub tokens_per_minute: Option<u64>,
    /// Tokens per UTC day.
    pub tokens_per_day: Option<u64>,
}

impl Limits {
    /// True if a token limit is set (the reply's usage must then be charged).
    pub fn counts_tokens(&self) -> bool {
        self.tokens_per_minute.is_some() || self.tokens_per_day.is_some()
    }
}

/// Most trusted proxies in front of Envoy the policy may name.
pub const MAX_TRUSTED_HOPS: u8 = 16;
/// Longest descriptive text (`purpose`, `owner`, `description`), in bytes.
pub const MAX_TEXT: usize = 2000;

/// What people know about a register entry, for the compliance register (never logged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct About {
    /// The approved use case.
    pub purpose: Option<String>,
    /// Who answers for it (a team, a person, a mailbox).
    pub owner: Option<String>,
    /// Anything else an auditor should read.
    pub description: Option<String>,
}

/// One register entry's controls.
#[derive(Debug, Clone, Default)]
pub struct ProjectControls {
    /// The entry's name: the project id as listed, or `default`.
    pub name: String,
    /// Descriptive fields.
    pub about: About,
    /// Throttle (`None`: not throttled).
    pub throttle: Option<Limits>,
    /// Allowed client address blocks (`None`: any address).
    pub sources: Option<Vec<Cidr>>,
}

/// The compiled controls.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    /// Fingerprints (`k1:` + 16 hex digits) of API keys that are refused.
    pub revoked_keys: BTreeSet<String>,
    /// The header the filter sets to the resolved register entry's name.
    pub project_header: Option<String>,
    /// Trusted proxies in front of Envoy (0: Envoy's downstream address is the client's).
    pub xff_trusted_hops: u8,
    /// Per register entry, by the register's index.
    pub projects: Vec<ProjectControls>,
}

impl Controls {
    /// The controls of the register entry at `index`.
    pub fn project(&self, index: usize) -> Option<&ProjectControls> {
        self.projects.get(index)
    }

    /// True if some entry has a source allowlist (the adapter then reads the address).
    pub fn reads_sources(&self) -> bool {
        self.projects.iter().any(|p| p.sources.is_some())
    }

    /// True if some entry is throttled.
    pub fn throttles(&self) -> bool {
        self.projects.iter().any(|p| p.throttle.is_some())
    }
}

/// Validates and compiles the controls of `raw`. Errors name the JSON path, never the value.
pub fn compile(raw: &RawPolicy) -> Result<Controls, ConfigError> {
    let mut revoked_keys = BTreeSet::new();
    for (i, k) in raw.revoked_keys.iter().enumerate() {
        if !is_fingerprint(k) {
            return Err(ConfigError::new(
                format!("revoked_keys[{i}]"),
                "must be a key fingerprint: `k1:` and 16 lower-case hex digits (`openai-compliance-filter fingerprint`)",
            ));
        }
        revoked_keys.insert(k.clone());
    }
    if !revoked_keys.is_empty() && raw.audit.fingerprint_key.is_none() {
        return Err(ConfigError::new(
            "revoked_keys",
            "needs `audit.fingerprint_key`: without it the fingerprint key is derived from the policy document, so every fingerprint changes whenever the policy does",
        ));
    }
    let project_header = raw
        .project_header
        .as_deref()
        .map(|h| header_name(h, "project_header"))
        .transpose()?;
    if let Some(h) = &project_header {
        let taken = [raw.caller_header.as_deref(), raw.routing_header.as_deref()];
        if taken.contains(&Some(h.as_str())) {
            return Err(ConfigError::new(
                "project_header",
                "must differ from `caller_header` and `routing_header`",
            ));
        }
    }
    if raw.source_address.xff_trusted_hops > MAX_TRUSTED_HOPS {
        return Err(ConfigError::new(
            "source_address.xff_trusted_hops",
            "must be between 0 and 16",
        ));
    }
    let mut projects = Vec::new();
    if let Some(map) = &raw.projects {
        // The same order as the register's (a BTreeMap: by id), so indexes agree.
        for (id, p) in map {
            projects.push(project(id, p)?);
        }
    }
    Ok(Controls {
        revoked_keys,
        project_header,
        xff_trusted_hops: raw.source_address.xff_trusted_hops,
        projects,
    })
}

fn project(id: &str, p: &RawProject) -> Result<ProjectControls, ConfigError> {
    let path = format!("projects.{id}");
    let text = |value: &Option<String>, field: &str| -> Result<Option<String>, ConfigError> {
        match value {
            None => Ok(None),
            Some(t) if t.trim().is_empty() || t.len() > MAX_TEXT || t.chars().any(is_control) => {
                Err(ConfigError::new(
                    format!("{path}.{field}"),
                    "must be 1..=2000 bytes of text without control characters (newlines and tabs allowed)",
                ))
            }
            Some(t) => Ok(Some(t.clone())),
        }
    };
    let about = About {
        purpose: text(&p.purpose, "purpose")?,
        owner: text(&p.owner, "owner")?,
        description: text(&p.description, "description")?,
    };
    let throttle = match &p.throttle {
        None => None,
        Some(t) => {
            let limit = |v: Option<u64>, field: &str| match v {
                Some(n) if n == 0 || n > MAX_LIMIT => Err(ConfigError::new(
                    format!("{path}.throttle.{field}"),
                    "must be between 1 and 1000000000000",
                )),
                v => Ok(v),
            };
            Some(Limits {
                requests_per_minute: limit(t.requests_per_minute, "requests_per_minute")?,
                tokens_per_minute: limit(t.tokens_per_minute, "tokens_per_minute")?,
                tokens_per_day: limit(t.tokens_per_day, "tokens_per_day")?,
            })
        }
    };
    let sources = match &p.sources {
        None => None,
        Some(list) if list.is_empty() => {
            return Err(ConfigError::new(
                format!("{path}.sources"),
                "must list at least one block (leave `sources` out to allow any address)",
            ))
        }
        Some(list) => Some(
            list.iter()
                .enumerate()
                .map(|(i, s)| {
                    Cidr::parse(s).map_err(|m| ConfigError::new(format!("{path}.sources[{i}]"), m))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(ProjectControls {
        name: if id == DEFAULT_PROJECT {
            DEFAULT_PROJECT.to_string()
        } else {
            id.to_string()
        },
        about,
        throttle,
        sources,
    })
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `k1:` and 16 lower-case hex digits, as [`super::AuditConfig::fingerprint`] writes them.
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("k1:").is_some_and(|hex| {
        hex.len() == 16
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Policy;

    const KEY: &str = r#""audit":{"fingerprint_key":"0123456789abcdef0123"}"#;

    #[test]
    fn controls_compile_in_register_order() {
        let p = Policy::from_json(
            format!(
                r#"{{{KEY},"revoked_keys":["k1:00112233445566aa"],"project_header":"x-ocf-project",
                "source_address":{{"xff_trusted_hops":1}},
                "projects":{{"zeta":{{"sources":["10.0.0.0/8"]}},
                  "alpha":{{"purpose":"Support bot","owner":"team-support","throttle":{{"requests_per_minute":60}}}},
                  "default":{{}}}}}}"#
            )
            .as_bytes(),
        )
        .unwrap();
        let c = &p.controls;
        assert!(c.revoked_keys.contains("k1:00112233445566aa"));
        assert_eq!(c.project_header.as_deref(), Some("x-ocf-project"));
        assert_eq!(c.xff_trusted_hops, 1);
        let projects = p.register.projects.as_ref().unwrap();
        for name in ["alpha", "zeta"] {
            let i = projects.resolve(Some(name)).unwrap();
            assert_eq!(c.project(i).unwrap().name, name);
        }
        let d = projects.resolve(None).unwrap();
        assert_eq!(c.project(d).unwrap().name, "default");
        let alpha = c.project(projects.resolve(Some("alpha")).unwrap()).unwrap();
        assert_eq!(alpha.about.purpose.as_deref(), Some("Support bot"));
        assert_eq!(alpha.throttle.unwrap().requests_per_minute, Some(60));
        assert!(c.reads_sources() && c.throttles());
    }

    #[test]
    fn errors_name_the_path_and_never_the_value() {
        let cases: Vec<(String, &str)> = vec![
            (
                format!(r#"{{{KEY},"revoked_keys":["s3cr3t"]}}"#),
                "revoked_keys[0]",
            ),
            (
                format!(
                    r#"{{{KEY},"revoked_keys":["k1:00112233445566aa","k1:S3CR3T0000000000"]}}"#
                ),
                "revoked_keys[1]",
            ),
            (
                r#"{"revoked_keys":["k1:00112233445566aa"]}"#.into(),
                "revoked_keys",
            ),
            (r#"{"project_header":"S3cr3t"}"#.into(), "project_header"),
            (
                r#"{"project_header":"authorization"}"#.into(),
                "project_header",
            ),
            (
                r#"{"routing_header":"x-a","project_header":"x-a"}"#.into(),
                "project_header",
            ),
            (
                r#"{"source_address":{"xff_trusted_hops":17}}"#.into(),
                "source_address.xff_trusted_hops",
            ),
            (
                r#"{"source_address":{"s3cr3t":1}}"#.into(),
                "source_address.s3cr3t",
            ),
            (
                r#"{"projects":{"p":{"sources":["s3cr3t"]}}}"#.into(),
                "projects.p.sources[0]",
            ),
            (
                r#"{"projects":{"p":{"sources":[]}}}"#.into(),
                "projects.p.sources",
            ),
            (
                r#"{"projects":{"p":{"throttle":{"requests_per_minute":0}}}}"#.into(),
                "projects.p.throttle.requests_per_minute",
            ),
            (
                r#"{"projects":{"p":{"throttle":{"tokens_per_day":1000000000001}}}}"#.into(),
                "projects.p.throttle.tokens_per_day",
            ),
            (
                r#"{"projects":{"p":{"throttle":{"s3cr3t":1}}}}"#.into(),
                "projects.p.throttle.s3cr3t",
            ),
            (
                r#"{"projects":{"p":{"purpose":"s3cr3t\u0007"}}}"#.into(),
                "projects.p.purpose",
            ),
            (
                r#"{"projects":{"p":{"owner":"  "}}}"#.into(),
                "projects.p.owner",
            ),
        ];
        for (src, path) in cases {
            let e = Policy::from_json(src.as_bytes()).unwrap_err();
            assert_eq!(e.path(), path, "{src}: {e}");
            let text = e.to_string().replace(path, "");
            assert!(!text.contains("s3cr3t") && !text.contains("S3CR3T"), "{e}");
        }
    }
}

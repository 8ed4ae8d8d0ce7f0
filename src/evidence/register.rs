//! The policy as a readable compliance register: per register entry its purpose, owner, the
//! data categories it may send and how each is treated, region, endpoints, models, retention,
//! throttles and source allowlists, and the policy digest every audit record carries, so an
//! auditor can tie a record to the register in force. Built from the policy as written (the
//! patterns as people wrote them) and as compiled (each category's resolved treatment).

use super::doc::{Block, Doc};
use crate::config::controls::Limits;
use crate::config::projects::{MissingStore, RawProject, DEFAULT_PROJECT};
use crate::config::{Action, ActionTable, Mode, Policy, RawPolicy, Retention, UnscannablePolicy};
use std::collections::BTreeMap;

/// Parses and compiles `source` (a policy document) and renders its register. The error is the
/// policy's own (`invalid policy at ...`).
pub fn render(source: &[u8]) -> Result<Doc, String> {
    let raw = RawPolicy::parse(source).map_err(|e| e.to_string())?;
    let policy = Policy::compile(&raw, source).map_err(|e| e.to_string())?;
    Ok(register(&raw, &policy))
}

/// The register of a compiled policy (`raw` is the same document as written).
pub fn register(raw: &RawPolicy, policy: &Policy) -> Doc {
    let mut d = Doc::new("Compliance register: OpenAI API");
    d.push(Block::Para(format!(
        "Rendered from the policy whose digest is {}. Every audit record the filter writes under this policy carries \"policy\": \"{}\"; a record with another digest was written under another version of this register.",
        policy.digest, policy.digest
    )));
    d.push(Block::Fields(vec![
        ("Policy digest".into(), policy.digest.clone()),
        ("Rendered by".into(), crate::version::banner()),
        ("Mode".into(), mode(policy.mode).into()),
        (
            "Largest request body".into(),
            format!("{} bytes", policy.max_body_bytes),
        ),
        (
            "Paths outside the OpenAI API".into(),
            match raw.unknown_endpoints {
                crate::config::UnknownEndpoints::Deny => "refused".into(),
                crate::config::UnknownEndpoints::Inspect => "inspected as JSON".into(),
            },
        ),
        (
            "Content the filter cannot scan".into(),
            unscannable(policy.unscannable).into(),
        ),
        (
            "Caller identity".into(),
            raw.caller_header.as_ref().map_or("not read".into(), |h| {
                format!("header {h}, set by the mesh")
            }),
        ),
        (
            "Client address".into(),
            match policy.controls.xff_trusted_hops {
                0 => "the downstream address Envoy reports".into(),
                n => format!("entry {n} from the right of x-forwarded-for ({n} trusted hops)"),
            },
        ),
        (
            "API-key fingerprints".into(),
            if raw.audit.fingerprint_key.is_some() {
                "keyed with the configured fingerprint key (stable across policy versions)".into()
            } else {
                "keyed with a key derived from this policy document (they change with it)".into()
            },
        ),
        (
            "Revoked keys".into(),
            if policy.controls.revoked_keys.is_empty() {
                "none".into()
            } else {
                policy
                    .controls
                    .revoked_keys
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
    ]));
    d.push(Block::Heading(
        1,
        "Data categories: policy-wide treatment".into(),
    ));
    d.push(Block::Para(
        "How each category of sensitive data found in a request is treated when the project has no rule of its own.".into(),
    ));
    d.push(categories_table(policy, &policy.actions));
    let Some(projects) = &raw.projects else {
        d.push(Block::Heading(1, "Projects".into()));
        d.push(Block::Para(
            "The policy has no projects section: no project rule applies; every request is inspected under the policy-wide treatment above.".into(),
        ));
        regions(&mut d, policy);
        return d;
    };
    d.push(Block::Heading(1, "Projects".into()));
    d.push(Block::Table(
        vec![
            "Project".into(),
            "Purpose".into(),
            "Owner".into(),
            "Region".into(),
            "Retention".into(),
            "Throttle".into(),
        ],
        ordered(projects)
            .map(|(id, p)| {
                vec![
                    entry_name(id),
                    p.purpose.clone().unwrap_or_else(|| "-".into()),
                    p.owner.clone().unwrap_or_else(|| "-".into()),
                    p.region.clone().unwrap_or_else(|| "any".into()),
                    retention(p.retention).into(),
                    throttle_text(controls_limits(policy, id)),
                ]
            })
            .collect(),
    ));
    if !projects.contains_key(DEFAULT_PROJECT) {
        d.push(Block::Para(
            "There is no default entry: a request naming no listed project is refused (project_not_allowed).".into(),
        ));
    }
    for (id, p) in ordered(projects) {
        project(&mut d, policy, id, p);
    }
    if !raw.azure.deployments.is_empty() {
        d.push(Block::Heading(1, "Azure OpenAI deployments".into()));
        d.push(Block::Table(
            vec!["Deployment".into(), "Model".into()],
            raw.azure
                .deployments
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect(),
        ));
    }
    regions(&mut d, policy);
    d
}

/// Listed projects by id, `default` last.
fn ordered(
    projects: &BTreeMap<String, RawProject>,
) -> impl Iterator<Item = (&String, &RawProject)> {
    let listed = projects.iter().filter(|(id, _)| *id != DEFAULT_PROJECT);
    listed.chain(projects.iter().filter(|(id, _)| *id == DEFAULT_PROJECT))
}

fn entry_name(id: &str) -> String {
    if id == DEFAULT_PROJECT {
        "default (every other project)".into()
    } else {
        id.to_string()
    }
}

fn controls_limits(policy: &Policy, id: &str) -> Option<Limits> {
    policy
        .controls
        .projects
        .iter()
        .find(|p| p.name == id)
        .and_then(|p| p.throttle)
}

fn project(d: &mut Doc, policy: &Policy, id: &str, p: &RawProject) {
    d.push(Block::Heading(2, format!("Project {}", entry_name(id))));
    let list = |v: &Option<Vec<String>>, none: &str| match v {
        None => none.to_string(),
        Some(v) if v.is_empty() => "none".into(),
        Some(v) => v.join(", "),
    };
    let index = policy.register.projects.as_ref().and_then(|ps| {
        if id == DEFAULT_PROJECT {
            ps.resolve(None)
        } else {
            ps.resolve(Some(id))
        }
    });
    let compiled = index.and_then(|i| policy.register.project(i));
    let mut fields = vec![
        (
            "Purpose".into(),
            p.purpose.clone().unwrap_or_else(|| "not stated".into()),
        ),
        (
            "Owner".into(),
            p.owner.clone().unwrap_or_else(|| "not stated".into()),
        ),
    ];
    if let Some(desc) = &p.description {
        fields.push(("Description".into(), desc.clone()));
    }
    fields.extend([
        (
            "Organization".into(),
            p.organization.clone().unwrap_or_else(|| "any".into()),
        ),
        ("Callers".into(), list(&p.callers, "any caller")),
        (
            "Region".into(),
            match &p.region {
                None => "any host".into(),
                Some(r) => {
                    let hosts = policy
                        .register
                        .regions
                        .iter()
                        .find(|x| &x.name == r)
                        .map(|x| x.hosts.join(", "))
                        .unwrap_or_default();
                    format!("{r} (hosts: {hosts})")
                }
            },
        ),
        (
            "Endpoints".into(),
            list(&p.endpoints, "every operation of the API"),
        ),
        ("Models".into(), list(&p.models, "any")),
        (
            "Retention".into(),
            format!(
                "{}{}",
                retention(p.retention),
                match (p.retention, p.missing_store) {
                    (Retention::Standard, _) => String::new(),
                    (_, MissingStore::Inject) => {
                        "; a request that does not say \"store\": false gets it added".into()
                    }
                    (_, MissingStore::Reject) => {
                        "; a request that does not say \"store\": false is refused".into()
                    }
                }
            ),
        ),
        (
            "Largest request body".into(),
            format!(
                "{} bytes",
                compiled.map_or(policy.max_body_bytes, |c| c.max_body_bytes)
            ),
        ),
        (
            "Mode".into(),
            mode(compiled.map_or(policy.mode, |c| c.mode)).into(),
        ),
        (
            "Throttle".into(),
            throttle_text(controls_limits(policy, id)),
        ),
        ("Allowed sources".into(), list(&p.sources, "any address")),
        (
            "Content the filter cannot scan".into(),
            unscannable(compiled.map_or(policy.unscannable, |c| c.unscannable)).into(),
        ),
    ]);
    d.push(Block::Fields(fields));
    let table = compiled
        .and_then(|c| c.actions.as_ref())
        .unwrap_or(&policy.actions);
    d.push(Block::Heading(3, "Data categories".into()));
    d.push(categories_table(policy, table));
}

/// One row per category: its treatment, with rules that differ named.
fn categories_table(policy: &Policy, table: &ActionTable) -> Block {
    let mut by_cat: BTreeMap<&str, Vec<(&str, Action)>> = BTreeMap::new();
    for (i, rule) in policy.detectors.rules().iter().enumerate() {
        let Ok(idx) = u16::try_from(i) else { continue };
        by_cat
            .entry(&rule.category)
            .or_default()
            .push((&rule.id, table.get(idx)));
    }
    let rows = by_cat
        .into_iter()
        .map(|(cat, rules)| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, a) in &rules {
                *counts.entry(a.as_str()).or_default() += 1;
            }
            let main = counts
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(a, _)| *a)
                .unwrap_or("redact");
            let main_action = rules
                .iter()
                .find(|(_, a)| a.as_str() == main)
                .map(|(_, a)| *a);
            let exceptions: Vec<String> = rules
                .iter()
                .filter(|(_, a)| a.as_str() != main)
                .map(|(id, a)| format!("{id}: {}", treatment(*a)))
                .collect();
            let allowed = if main == "allow" && exceptions.is_empty() {
                "yes"
            } else if main == "block" && exceptions.is_empty() {
                "no"
            } else {
                "after treatment"
            };
            vec![
                cat.to_string(),
                rules.len().to_string(),
                allowed.into(),
                main_action.map_or_else(|| main.to_string(), treatment),
                if exceptions.is_empty() {
                    "-".into()
                } else {
                    exceptions.join("; ")
                },
            ]
        })
        .collect();
    Block::Table(
        vec![
            "Category".into(),
            "Rules".into(),
            "May be sent".into(),
            "Treatment".into(),
            "Rules treated otherwise".into(),
        ],
        rows,
    )
}

fn treatment(a: Action) -> String {
    match a {
        Action::Allow => "sent as is (counted)".into(),
        Action::Redact => "redacted: replaced by a placeholder naming its kind".into(),
        Action::Mask { keep } => format!("masked, last {keep} characters kept"),
        Action::Hash => "replaced by a keyed hash (the same value, the same token)".into(),
        Action::Pseudonymize { restore: false } => {
            "replaced by a numbered pseudonym per request".into()
        }
        Action::Pseudonymize { restore: true } => {
            "replaced by a pseudonym numbered within the project, restored in the reply".into()
        }
        Action::Block => "request refused (content_blocked)".into(),
    }
}

fn throttle_text(limits: Option<Limits>) -> String {
    let Some(l) = limits else {
        return "none".into();
    };
    let mut parts = Vec::new();
    if let Some(n) = l.requests_per_minute {
        parts.push(format!("{n} requests/min"));
    }
    if let Some(n) = l.tokens_per_minute {
        parts.push(format!("{n} tokens/min"));
    }
    if let Some(n) = l.tokens_per_day {
        parts.push(format!("{n} tokens/day (UTC)"));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn retention(r: Retention) -> &'static str {
    match r {
        Retention::Standard => "standard (OpenAI's defaults)",
        Retention::Zero => {
            "zero data retention: ZDR-eligible endpoints only, nothing stored upstream"
        }
        Retention::Hipaa => "HIPAA: zero data retention within the BAA's endpoints",
    }
}

fn unscannable(u: UnscannablePolicy) -> &'static str {
    match u {
        UnscannablePolicy::Forward => {
            "forwarded and counted (inline base64, binary uploads, token ids, WebSocket and WebRTC sessions)"
        }
        UnscannablePolicy::Refuse => {
            "refused (inline base64, binary uploads, token ids, WebSocket and WebRTC sessions)"
        }
    }
}

fn mode(m: Mode) -> &'static str {
    match m {
        Mode::Enforce => "enforce (decisions applied)",
        Mode::Audit => "audit (decisions recorded, requests forwarded unchanged)",
    }
}

fn regions(d: &mut Doc, policy: &Policy) {
    d.push(Block::Heading(1, "Regions".into()));
    d.push(Block::Table(
        vec!["Region".into(), "Hosts".into()],
        policy
            .register
            .regions
            .iter()
            .map(|r| vec![r.name.clone(), r.hosts.join(", ")])
            .collect(),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{
        "audit": {"fingerprint_key": "register-test-fingerprint-key"},
        "revoked_keys": ["k1:0011223344556677"],
        "detectors": {"actions": {"credential": "block"}},
        "projects": {
            "proj_a": {"purpose": "Support <bot> | triage", "owner": "team-support",
                       "region": "eu", "retention": "zero", "missing_store": "inject",
                       "data": {"contact": "allow", "payment_card": "mask"},
                       "throttle": {"requests_per_minute": 60, "tokens_per_day": 100000},
                       "sources": ["10.0.0.0/8"]},
            "default": {}
        }
    }"#;

    #[test]
    fn the_register_names_every_control_and_the_digest() {
        let doc = render(POLICY.as_bytes()).unwrap();
        let md = doc.markdown();
        let digest = Policy::from_json(POLICY.as_bytes()).unwrap().digest;
        assert!(md.contains(&digest));
        for want in [
            "Project proj\\_a",
            "team-support",
            "60 requests/min, 100000 tokens/day (UTC)",
            "10.0.0.0/8",
            "eu (hosts: eu.api.openai.com)",
            "zero data retention",
            "gets it added",
            "k1:0011223344556677",
            "| contact |",
            "sent as is (counted)",
            "request refused (content\\_blocked)",
            "default (every other project)",
        ] {
            assert!(md.contains(want), "{want} missing in\n{md}");
        }
        // The project's own table: payment_card masked, while its category blocks nothing.
        assert!(
            md.contains("payment\\_card: masked, last 4 characters kept"),
            "{md}"
        );
        let html = doc.html();
        assert!(html.contains("Support &lt;bot&gt; | triage"));
        assert!(!html.contains("<bot>"));
    }

    #[test]
    fn a_bad_policy_is_its_own_error() {
        let e =
            render(br#"{"projects":{"p":{"throttle":{"requests_per_minute":0}}}}"#).unwrap_err();
        assert!(e.contains("projects.p.throttle.requests_per_minute"), "{e}");
        let md = render(b"{}").unwrap().markdown();
        assert!(md.contains("no projects section"));
    }
}

//! The compliance register: the `projects`, `regions`, `azure`, `caller_header` and
//! `routing_header` sections as written, and their compile step into a validated, immutable
//! [`Register`] (patterns parsed, hosts canonicalised, per-project action tables built once).

use super::actions::{Action, ActionTable};
use super::patterns::{EndpointPattern, NamePattern};
use super::ConfigError;
use crate::detect::DetectorSet;
use crate::document::detectors::ActionSpec;
use crate::document::policy::{Mode, UnscannablePolicy};
pub use crate::document::projects::{
    MissingStore, RawAzure, RawProject, Retention, DEFAULT_PROJECT, DEFAULT_REGIONS,
};
use crate::http::host::canonical_host;
use std::collections::BTreeMap;

/// A compiled project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Required `OpenAI-Organization`.
    pub organization: Option<String>,
    /// Allowed callers (`None`: any).
    pub callers: Option<Vec<NamePattern>>,
    /// Index of the residency region in [`Register::regions`].
    pub region: Option<usize>,
    /// Allowed endpoints (`None`: any, subject to `unknown_endpoints` and retention).
    pub endpoints: Option<Vec<EndpointPattern>>,
    /// Allowed models (`None`: any).
    pub models: Option<Vec<NamePattern>>,
    /// Retention profile.
    pub retention: Retention,
    /// What happens when `store` is missing where it must be false.
    pub missing_store: MissingStore,
    /// The project's action table (`None`: the policy's).
    pub actions: Option<ActionTable>,
    /// Body cap (resolved: the project's or the global one).
    pub max_body_bytes: u64,
    /// Mode (resolved: the project's or the global one).
    pub mode: Mode,
    /// What cannot be scanned (resolved: the project's; `refuse` under `zero` and `hipaa`;
    /// else the global setting).
    pub unscannable: UnscannablePolicy,
}

/// A residency region and its canonical hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The region name (`eu`, `us`, `global`, or a configured one).
    pub name: String,
    /// Canonical hosts (see [`canonical_host`]).
    pub hosts: Vec<String>,
}

/// The compiled register.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Projects by `OpenAI-Project` value; `None` when the policy has no `projects` section
    /// (then no project rule applies at all).
    pub projects: Option<Projects>,
    /// Regions, defaults merged with configured ones, sorted by name.
    pub regions: Vec<Region>,
    /// The header the mesh sets to identify the caller (lower case).
    pub caller_header: Option<String>,
    /// The header the filter sets to the request's region name, for Envoy's route.
    pub routing_header: Option<String>,
    /// Azure deployment → model.
    pub deployments: BTreeMap<String, String>,
}

/// The `projects` section, compiled.
#[derive(Debug, Clone, Default)]
pub struct Projects {
    list: Vec<Project>,
    by_id: BTreeMap<String, usize>,
    default: Option<usize>,
}

impl Projects {
    /// The project for an `OpenAI-Project` value (`None`: header absent): the listed one,
    /// else the `default` entry, else `None` (not allowed).
    pub fn resolve(&self, id: Option<&str>) -> Option<usize> {
        id.and_then(|id| self.by_id.get(id).copied())
            .or(self.default)
    }

    /// A project by index (as returned by [`Projects::resolve`]).
    pub fn get(&self, index: usize) -> Option<&Project> {
        self.list.get(index)
    }
}

impl Register {
    /// The region named `name`.
    pub fn region(&self, index: usize) -> Option<&Region> {
        self.regions.get(index)
    }

    /// The first region (by name) one of whose hosts is `host` (canonical).
    pub fn region_of_host(&self, host: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| r.hosts.iter().any(|h| h == host))
    }

    /// A project by index.
    pub fn project(&self, index: usize) -> Option<&Project> {
        self.projects.as_ref().and_then(|p| p.get(index))
    }
}

/// Everything [`compile`] reads besides the register's own sections.
pub struct Context<'a> {
    /// The compiled detectors (to resolve `data` keys).
    pub detectors: &'a DetectorSet,
    /// The policy's action table (the base of every project's table).
    pub actions: &'a ActionTable,
    /// Global body cap.
    pub max_body_bytes: u64,
    /// Global mode.
    pub mode: Mode,
    /// Global setting for what cannot be scanned.
    pub unscannable: UnscannablePolicy,
}

/// The register's sections as written.
pub struct Sections<'a> {
    /// `projects`.
    pub projects: Option<&'a BTreeMap<String, RawProject>>,
    /// `regions`.
    pub regions: &'a BTreeMap<String, Vec<String>>,
    /// `azure`.
    pub azure: &'a RawAzure,
    /// `caller_header`.
    pub caller_header: Option<&'a str>,
    /// `routing_header`.
    pub routing_header: Option<&'a str>,
}

/// Validates and compiles the register. Errors name the JSON path, never the value.
pub fn compile(raw: &Sections<'_>, cx: &Context<'_>) -> Result<Register, ConfigError> {
    let caller_header = raw
        .caller_header
        .map(|h| header_name(h, "caller_header"))
        .transpose()?;
    let routing_header = raw
        .routing_header
        .map(|h| header_name(h, "routing_header"))
        .transpose()?;
    if caller_header.is_some() && caller_header == routing_header {
        return Err(ConfigError::new(
            "routing_header",
            "must differ from `caller_header`",
        ));
    }
    let regions = compile_regions(raw.regions)?;
    let mut deployments = BTreeMap::new();
    for (name, model) in &raw.azure.deployments {
        let path = format!("azure.deployments.{name}");
        if !plain_id(name) {
            return Err(ConfigError::new(
                path,
                "deployment names are 1..=64 characters of `[A-Za-z0-9._-]`",
            ));
        }
        if !plain_id(&model.replace(':', "")) {
            return Err(ConfigError::new(
                path,
                "must be a model id of `[A-Za-z0-9._:-]`",
            ));
        }
        deployments.insert(name.clone(), model.clone());
    }
    let projects = match raw.projects {
        None => None,
        Some(map) => {
            let mut out = Projects::default();
            for (id, p) in map {
                let path = format!("projects.{id}");
                if !plain_id(id) {
                    return Err(ConfigError::new(
                        path,
                        "project ids are 1..=64 characters of `[A-Za-z0-9._-]`",
                    ));
                }
                let project = compile_project(p, &path, &regions, caller_header.is_some(), cx)?;
                let index = out.list.len();
                out.list.push(project);
                if id == DEFAULT_PROJECT {
                    out.default = Some(index);
                } else {
                    out.by_id.insert(id.clone(), index);
                }
            }
            Some(out)
        }
    };
    Ok(Register {
        projects,
        regions,
        caller_header,
        routing_header,
        deployments,
    })
}

fn compile_project(
    p: &RawProject,
    path: &str,
    regions: &[Region],
    have_caller_header: bool,
    cx: &Context<'_>,
) -> Result<Project, ConfigError> {
    if let Some(org) = &p.organization {
        if !plain_id(org) {
            return Err(ConfigError::new(
                format!("{path}.organization"),
                "must be 1..=64 characters of `[A-Za-z0-9._-]`",
            ));
        }
    }
    if p.callers.is_some() && !have_caller_header {
        return Err(ConfigError::new(
            format!("{path}.callers"),
            "needs the top-level `caller_header` naming the header the mesh sets",
        ));
    }
    let callers = names(p.callers.as_deref(), &format!("{path}.callers"))?;
    let models = names(p.models.as_deref(), &format!("{path}.models"))?;
    let region = match &p.region {
        None => None,
        Some(name) => Some(
            regions
                .iter()
                .position(|r| &r.name == name)
                .ok_or_else(|| {
                    ConfigError::new(format!("{path}.region"), "names no region in `regions`")
                })?,
        ),
    };
    let endpoints = match &p.endpoints {
        None => None,
        Some(list) => Some(
            list.iter()
                .enumerate()
                .map(|(i, s)| {
                    EndpointPattern::parse(s)
                        .map_err(|m| ConfigError::new(format!("{path}.endpoints[{i}]"), m))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let max_body_bytes = match p.max_body_bytes {
        None => cx.max_body_bytes,
        Some(0) => {
            return Err(ConfigError::new(
                format!("{path}.max_body_bytes"),
                "must be at least 1",
            ))
        }
        Some(n) if n > cx.max_body_bytes => {
            return Err(ConfigError::new(
                format!("{path}.max_body_bytes"),
                "must not exceed the global `max_body_bytes`",
            ))
        }
        Some(n) => n,
    };
    let actions = if p.data.is_empty() && p.restore_pseudonyms.is_none() {
        None
    } else {
        let base = match p.restore_pseudonyms {
            Some(restore) => cx.actions.with_restore(restore),
            None => cx.actions.clone(),
        };
        Some(project_actions(
            &p.data,
            &format!("{path}.data"),
            cx,
            &base,
        )?)
    };
    Ok(Project {
        organization: p.organization.clone(),
        callers,
        region,
        endpoints,
        models,
        retention: p.retention,
        missing_store: p.missing_store,
        actions,
        max_body_bytes,
        mode: p.mode.unwrap_or(cx.mode),
        unscannable: p.unscannable.unwrap_or(match p.retention {
            Retention::Zero | Retention::Hipaa => UnscannablePolicy::Refuse,
            Retention::Standard => cx.unscannable,
        }),
    })
}

fn names(list: Option<&[String]>, path: &str) -> Result<Option<Vec<NamePattern>>, ConfigError> {
    let Some(list) = list else {
        return Ok(None);
    };
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            NamePattern::parse(s).map_err(|m| ConfigError::new(format!("{path}[{i}]"), m))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `base` (the policy's table, with the project's `restore_pseudonyms` applied) with the
/// project's `data` overrides: a rule id wins over its category, and a project override wins
/// over every policy-level action.
fn project_actions(
    data: &BTreeMap<String, ActionSpec>,
    path: &str,
    cx: &Context<'_>,
    base: &ActionTable,
) -> Result<ActionTable, ConfigError> {
    let mut resolved: BTreeMap<&str, Action> = BTreeMap::new();
    for (key, spec) in data {
        let at = format!("{path}.{key}");
        let known = cx
            .detectors
            .rules()
            .iter()
            .any(|r| &*r.id == key.as_str() || &*r.category == key.as_str());
        if !known {
            return Err(ConfigError::new(at, "names no rule id and no category"));
        }
        let action = Action::from_spec(spec, &at, base.restore_default())?;
        if action == Action::Hash && cx.actions.hash_key().is_none() {
            return Err(ConfigError::new(at, "`hash` needs `detectors.hash_key`"));
        }
        resolved.insert(key.as_str(), action);
    }
    let mut overrides = Vec::new();
    for (idx, rule) in cx.detectors.rules().iter().enumerate() {
        let action = resolved
            .get(&*rule.id)
            .or_else(|| resolved.get(&*rule.category));
        if let (Some(a), Ok(idx)) = (action, u16::try_from(idx)) {
            overrides.push((idx, *a));
        }
    }
    Ok(base.with_overrides(overrides))
}

fn compile_regions(raw: &BTreeMap<String, Vec<String>>) -> Result<Vec<Region>, ConfigError> {
    let mut map: BTreeMap<String, Vec<String>> = DEFAULT_REGIONS
        .iter()
        .map(|(n, h)| ((*n).to_string(), vec![(*h).to_string()]))
        .collect();
    for (name, hosts) in raw {
        let path = format!("regions.{name}");
        let name_ok = !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
        if !name_ok {
            return Err(ConfigError::new(
                path,
                "region names are 1..=32 characters of `[a-z0-9_-]`",
            ));
        }
        if hosts.is_empty() {
            return Err(ConfigError::new(path, "must list at least one host"));
        }
        let mut canon = Vec::with_capacity(hosts.len());
        for (i, h) in hosts.iter().enumerate() {
            let c = canonical_host(h.as_bytes()).ok_or_else(|| {
                ConfigError::new(
                    format!("{path}[{i}]"),
                    "must be a host name with an optional port",
                )
            })?;
            canon.push(c);
        }
        map.insert(name.clone(), canon);
    }
    Ok(map
        .into_iter()
        .map(|(name, hosts)| Region { name, hosts })
        .collect())
}

/// Header names the register may not claim: pseudo-headers are refused by the token check;
/// these are headers with another meaning.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "authorization",
    "api-key",
    "openai-project",
    "openai-organization",
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "cookie",
    "te",
    "connection",
    "upgrade",
];

pub(crate) fn header_name(h: &str, path: &str) -> Result<String, ConfigError> {
    let token = !h.is_empty()
        && h.len() <= 64
        && h.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(
                    b,
                    b'-' | b'!'
                        | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'.'
                        | b'^'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        });
    if !token {
        return Err(ConfigError::new(
            path,
            "must be a lower-case header name (an HTTP token, not a pseudo-header, no `_`)",
        ));
    }
    if RESERVED_HEADERS.contains(&h) {
        return Err(ConfigError::new(
            path,
            "names a header with another meaning",
        ));
    }
    Ok(h.to_string())
}

/// 1..=64 characters of `[A-Za-z0-9._-]` (project, organisation, deployment and model ids).
fn plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use crate::config::{Action, Mode, Policy, Retention};

    #[test]
    fn no_projects_section_means_no_project_rules() {
        let p = Policy::from_json(b"{}").unwrap();
        assert!(p.register.projects.is_none());
        assert_eq!(p.register.regions.len(), DEFAULT_REGIONS_LEN);
        let eu = p.register.region_of_host("eu.api.openai.com").unwrap();
        assert_eq!(eu.name, "eu");
        let global = p.register.region_of_host("api.openai.com").unwrap();
        assert_eq!(global.name, "global");
    }

    const DEFAULT_REGIONS_LEN: usize = super::DEFAULT_REGIONS.len();

    #[test]
    fn projects_compile_with_resolved_defaults() {
        let p = Policy::from_json(
            br#"{
                "mode": "audit",
                "max_body_bytes": 5000,
                "regions": {"eu": ["EU.API.OPENAI.COM.", "eu-proxy.internal:8443"], "lab": ["lab.internal"]},
                "projects": {
                    "proj_a": {"mode": "enforce", "max_body_bytes": 100, "region": "lab",
                               "retention": "zero", "data": {"contact": "allow", "payment_card": "block"}},
                    "proj_b": {}
                }
            }"#,
        )
        .unwrap();
        let reg = &p.register;
        let projects = reg.projects.as_ref().unwrap();
        let a = reg
            .project(projects.resolve(Some("proj_a")).unwrap())
            .unwrap();
        let b = reg
            .project(projects.resolve(Some("proj_b")).unwrap())
            .unwrap();
        assert_eq!(projects.resolve(Some("proj_c")), None);
        assert_eq!(
            (a.mode, a.max_body_bytes, a.retention),
            (Mode::Enforce, 100, Retention::Zero)
        );
        assert_eq!(
            (b.mode, b.max_body_bytes, b.retention),
            (Mode::Audit, 5000, Retention::Standard)
        );
        assert_eq!(reg.region(a.region.unwrap()).unwrap().name, "lab");
        let eu = reg.region_of_host("eu-proxy.internal:8443").unwrap();
        assert_eq!(
            eu.hosts,
            vec!["eu.api.openai.com", "eu-proxy.internal:8443"]
        );
        assert!(b.actions.is_none());
        let table = a.actions.as_ref().unwrap();
        for (i, rule) in p.detectors.rules().iter().enumerate() {
            let i = u16::try_from(i).unwrap();
            match (&*rule.id, &*rule.category) {
                (_, "contact") => assert_eq!(table.get(i), Action::Allow, "{}", rule.id),
                ("payment_card", _) => assert_eq!(table.get(i), Action::Block),
                _ => assert_eq!(table.get(i), p.actions.get(i), "{}", rule.id),
            }
        }
    }

    #[test]
    fn rule_id_override_wins_over_category() {
        let p = Policy::from_json(
            br#"{"projects":{"x":{"data":{"contact":"allow","email":"block"}}}}"#,
        )
        .unwrap();
        let reg = &p.register;
        let x = reg
            .project(reg.projects.as_ref().unwrap().resolve(Some("x")).unwrap())
            .unwrap();
        let t = x.actions.as_ref().unwrap();
        for (i, rule) in p.detectors.rules().iter().enumerate() {
            let i = u16::try_from(i).unwrap();
            if &*rule.id == "email" {
                assert_eq!(t.get(i), Action::Block);
            } else if &*rule.category == "contact" {
                assert_eq!(t.get(i), Action::Allow);
            }
        }
    }

    #[test]
    fn errors_name_the_path_and_never_the_value() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"projects":{"p":{"colour":"s3cr3t"}}}"#,
                "projects.p.colour",
            ),
            (
                r#"{"projects":{"p":{"region":"s3cr3t"}}}"#,
                "projects.p.region",
            ),
            (
                r#"{"projects":{"p":{"endpoints":["chat.completions","s3cr3t"]}}}"#,
                "projects.p.endpoints[1]",
            ),
            (
                r#"{"projects":{"p":{"endpoints":["/v1/s3cr3t*"]}}}"#,
                "projects.p.endpoints[0]",
            ),
            (
                r#"{"projects":{"p":{"models":["gpt*s3cr3t"]}}}"#,
                "projects.p.models[0]",
            ),
            (
                r#"{"projects":{"p":{"models":[""]}}}"#,
                "projects.p.models[0]",
            ),
            (
                r#"{"projects":{"p":{"callers":["s3cr3t"]}}}"#,
                "projects.p.callers",
            ),
            (
                r#"{"caller_header":"x-c","projects":{"p":{"callers":["a","s3cr3t*x"]}}}"#,
                "projects.p.callers[1]",
            ),
            (
                r#"{"projects":{"p":{"data":{"s3cr3t":"allow"}}}}"#,
                "projects.p.data.s3cr3t",
            ),
            (
                r#"{"projects":{"p":{"data":{"email":"s3cr3t"}}}}"#,
                "projects.p.data.email",
            ),
            (
                r#"{"projects":{"p":{"data":{"email":{"action":"mask","keep":99}}}}}"#,
                "projects.p.data.email.keep",
            ),
            (
                r#"{"projects":{"p":{"data":{"email":"hash"}}}}"#,
                "projects.p.data.email",
            ),
            (
                r#"{"projects":{"p":{"retention":"s3cr3t"}}}"#,
                "projects.p.retention",
            ),
            (
                r#"{"projects":{"p":{"missing_store":"s3cr3t"}}}"#,
                "projects.p.missing_store",
            ),
            (r#"{"projects":{"p":{"mode":"s3cr3t"}}}"#, "projects.p.mode"),
            (
                r#"{"projects":{"p":{"max_body_bytes":0}}}"#,
                "projects.p.max_body_bytes",
            ),
            (
                r#"{"max_body_bytes":10,"projects":{"p":{"max_body_bytes":11}}}"#,
                "projects.p.max_body_bytes",
            ),
            (
                r#"{"projects":{"p":{"organization":"s3cr3t org"}}}"#,
                "projects.p.organization",
            ),
            (r#"{"projects":{"p q":{}}}"#, "projects.p q"),
            (r#"{"projects":["s3cr3t"]}"#, "projects"),
            (r#"{"regions":{"EU":["eu.example"]}}"#, "regions.EU"),
            (r#"{"regions":{"eu":[]}}"#, "regions.eu"),
            (r#"{"regions":{"eu":["s3cr3t/path"]}}"#, "regions.eu[0]"),
            (r#"{"regions":{"eu":"s3cr3t.example"}}"#, "regions.eu"),
            (r#"{"caller_header":":authority"}"#, "caller_header"),
            (r#"{"caller_header":"X-Caller"}"#, "caller_header"),
            (r#"{"caller_header":"x_caller"}"#, "caller_header"),
            (r#"{"caller_header":"openai-project"}"#, "caller_header"),
            (r#"{"caller_header":"authorization"}"#, "caller_header"),
            (r#"{"caller_header":""}"#, "caller_header"),
            (r#"{"routing_header":"x y"}"#, "routing_header"),
            (
                r#"{"caller_header":"x-a","routing_header":"x-a"}"#,
                "routing_header",
            ),
            (
                r#"{"azure":{"deployments":{"d":"s3cr3t model"}}}"#,
                "azure.deployments.d",
            ),
            (
                r#"{"azure":{"deployments":{"s3cr3t/x":"gpt-4.1"}}}"#,
                "azure.deployments.s3cr3t/x",
            ),
            (r#"{"azure":{"colour":1}}"#, "azure.colour"),
        ];
        for (src, path) in cases {
            let e = Policy::from_json(src.as_bytes()).unwrap_err();
            assert_eq!(e.path(), *path, "{src}: {e}");
            let text = e.to_string().replace(path, "");
            assert!(!text.contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn good_register_sections_load() {
        for src in [
            r#"{"projects":{}}"#,
            r#"{"projects":{"default":{}}}"#,
            r#"{"caller_header":"x-ocf-caller","routing_header":"x-ocf-region"}"#,
            r#"{"azure":{"deployments":{"ft":"ft:gpt-4o-mini:acme:v1:abc"}}}"#,
            r#"{"projects":{"p":{"endpoints":["*","/v1/**","/openai/deployments/{deployment}/chat/completions"],"models":["*"]}}}"#,
            r#"{"detectors":{"hash_key":"0123456789abcdef"},"projects":{"p":{"data":{"email":"hash"}}}}"#,
        ] {
            assert!(Policy::from_json(src.as_bytes()).is_ok(), "{src}");
        }
    }
}

//! The register's head-phase rules for one request: which project it falls under, and whether
//! that project allows its organisation, caller, host (region), endpoint, retention scope and
//! Azure deployment. Pure functions over the checked policy headers and the endpoint.

use super::hygiene::PolicyHeaders;
use super::Reason;
use crate::config::patterns::{any_endpoint, any_name};
use crate::config::{Project, Register, Retention};
use crate::openai::{ApiKind, Azure, Endpoint};

/// The project a request falls under: `Ok(None)` when the policy has no `projects` section
/// (no project rule applies), the listed project, else the `default` entry, else
/// `project_not_allowed`.
pub fn resolve(register: &Register, headers: &PolicyHeaders<'_>) -> Result<Option<usize>, Reason> {
    match &register.projects {
        None => Ok(None),
        Some(projects) => projects
            .resolve(headers.project)
            .map(Some)
            .ok_or(Reason::ProjectNotAllowed),
    }
}

/// The model an Azure deployment serves, by the register's `azure.deployments`.
pub fn deployment_model<'a>(register: &'a Register, endpoint: &Endpoint) -> Option<&'a str> {
    endpoint
        .deployment
        .as_deref()
        .and_then(|d| register.deployments.get(d))
        .map(String::as_str)
}

/// The model that runs for a request whose body names `body_model`: on Azure OpenAI, what
/// the deployment maps to (`azure.deployments`): the path's deployment on
/// `/openai/deployments/{deployment}/...` (the body's `model` is not read there: Azure routes
/// by the path), the body's `model` on `/openai/v1/...` and `/openai/...`, where the SDKs put
/// the deployment name in it. An unmapped deployment is no model (so never logged). Elsewhere
/// the body's `model`.
pub fn model_of<'a>(
    register: &'a Register,
    endpoint: &Endpoint,
    body_model: Option<&'a str>,
) -> Option<&'a str> {
    match endpoint.azure {
        Some(Azure::Deployment) => deployment_model(register, endpoint),
        Some(Azure::V1 | Azure::Dated) => body_model
            .and_then(|d| register.deployments.get(d))
            .map(String::as_str),
        None => body_model,
    }
}

/// The head rules of `project`, in order: organization, caller, region, endpoint, retention
/// scope, Azure deployment model.
pub fn check(
    register: &Register,
    project: &Project,
    headers: &PolicyHeaders<'_>,
    endpoint: &Endpoint,
) -> Result<(), Reason> {
    if let Some(org) = &project.organization {
        if headers.organization != Some(org.as_str()) {
            return Err(Reason::OrganizationNotAllowed);
        }
    }
    if let Some(callers) = &project.callers {
        if !headers.caller.is_some_and(|c| any_name(callers, c)) {
            return Err(Reason::CallerNotAllowed);
        }
    }
    if let Some(region) = project.region.and_then(|i| register.region(i)) {
        let in_region = headers
            .authority
            .as_deref()
            .is_some_and(|a| region.hosts.iter().any(|h| h == a));
        if !in_region {
            return Err(Reason::RegionNotAllowed);
        }
    }
    if let Some(endpoints) = &project.endpoints {
        if !any_endpoint(endpoints, endpoint) {
            return Err(Reason::EndpointNotAllowed);
        }
    }
    if !in_retention_scope(project.retention, endpoint) {
        return Err(Reason::RetentionViolation);
    }
    if endpoint.deployment.is_some() {
        let model = deployment_model(register, endpoint);
        if let Some(models) = &project.models {
            if !model.is_some_and(|m| any_name(models, m)) {
                return Err(Reason::ModelNotAllowed);
            }
        }
        if project.retention != Retention::Standard && model.is_some_and(zdr_excluded_model) {
            return Err(Reason::RetentionViolation);
        }
    }
    Ok(())
}

/// Under `zero`: only operations of the ZDR-eligible APIs, and only routes without an id (an
/// id names stored state: `/v1/responses/{id}`, `/v1/chat/completions/{id}`), plus the model
/// list. Under `hipaa`: the same without the model list (only the BAA's eligible endpoints).
/// Realtime is eligible but refused: its sessions run where the filter cannot read them.
pub fn in_retention_scope(retention: Retention, endpoint: &Endpoint) -> bool {
    if retention == Retention::Standard {
        return true;
    }
    let Some(op) = endpoint.op else {
        return false;
    };
    match endpoint.kind {
        ApiKind::ChatCompletions
        | ApiKind::Responses
        | ApiKind::Completions
        | ApiKind::Embeddings
        | ApiKind::Moderations
        | ApiKind::Images
        | ApiKind::AudioTranscriptions
        | ApiKind::AudioTranslations
        | ApiKind::AudioSpeech => !op.has_id(),
        ApiKind::Models => retention == Retention::Zero,
        ApiKind::AudioVoices
        | ApiKind::AudioVoiceConsents
        | ApiKind::Files
        | ApiKind::Uploads
        | ApiKind::Batches
        | ApiKind::VectorStores
        | ApiKind::Assistants
        | ApiKind::Threads
        | ApiKind::Conversations
        | ApiKind::FineTuning
        | ApiKind::Evals
        | ApiKind::Containers
        | ApiKind::Realtime
        | ApiKind::Chatkit
        | ApiKind::Skills
        | ApiKind::Videos
        | ApiKind::Webhooks
        | ApiKind::Agents
        | ApiKind::Vaults
        | ApiKind::Live
        | ApiKind::Decisions
        | ApiKind::Safety
        | ApiKind::ContentProvenanceChecks
        | ApiKind::Admin
        | ApiKind::Unknown => false,
    }
}

/// Models that Zero Data Retention does not cover (`dall-e-2`, `dall-e-3`).
pub fn zdr_excluded_model(model: &str) -> bool {
    model.starts_with("dall-e")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;
    use crate::openai::classify;

    const POLICY: &str = r#"{
        "caller_header": "x-ocf-caller",
        "regions": {"eu": ["eu.api.openai.com", "eu.openai.internal:8443"]},
        "azure": {"deployments": {"gpt41-eu": "gpt-4.1", "img": "dall-e-3", "old": "gpt-35-turbo"}},
        "projects": {
            "proj_eu": {
                "organization": "org-acme",
                "callers": ["spiffe://cluster.local/ns/support/*", "billing"],
                "region": "eu",
                "endpoints": ["chat.completions", "responses", "embeddings", "/v1/models/**"],
                "models": ["gpt-4.1*", "text-embedding-3-small"],
                "retention": "zero"
            },
            "proj_hipaa": {"retention": "hipaa"},
            "proj_open": {}
        }
    }"#;

    struct Req<'a> {
        project: Option<&'a str>,
        org: Option<&'a str>,
        caller: Option<&'a str>,
        host: Option<&'a str>,
        method: &'a str,
        path: &'a str,
    }

    const EU: Req<'static> = Req {
        project: Some("proj_eu"),
        org: Some("org-acme"),
        caller: Some("spiffe://cluster.local/ns/support/sa/bot"),
        host: Some("eu.api.openai.com"),
        method: "POST",
        path: "/v1/chat/completions",
    };

    fn run(policy: &Policy, r: &Req<'_>) -> Result<Option<usize>, Reason> {
        let h = PolicyHeaders {
            project: r.project,
            organization: r.org,
            caller: r.caller,
            authority: r.host.map(str::to_string),
        };
        let e = classify(r.method, r.path).unwrap();
        let reg = &policy.register;
        let p = resolve(reg, &h)?;
        if let Some(p) = p.and_then(|i| reg.project(i)) {
            check(reg, p, &h, &e)?;
        }
        Ok(p)
    }

    #[test]
    fn project_resolution() {
        let p = Policy::from_json(POLICY.as_bytes()).unwrap();
        let with_default =
            Policy::from_json(br#"{"projects":{"default":{"retention":"zero"},"proj_a":{}}}"#)
                .unwrap();
        let none = Policy::from_json(b"{}").unwrap();
        let open = |project| Req {
            project,
            host: None,
            ..EU
        };
        let cases: &[(&Policy, Option<&str>, Result<bool, Reason>)] = &[
            (&p, Some("proj_open"), Ok(true)),
            (&p, Some("proj_unknown"), Err(Reason::ProjectNotAllowed)),
            (&p, None, Err(Reason::ProjectNotAllowed)),
            (&p, Some("PROJ_OPEN"), Err(Reason::ProjectNotAllowed)),
            (&p, Some("default"), Err(Reason::ProjectNotAllowed)),
            (&with_default, Some("proj_unknown"), Ok(true)),
            (&with_default, None, Ok(true)),
            (&with_default, Some("proj_a"), Ok(true)),
            (&none, Some("anything"), Ok(false)),
            (&none, None, Ok(false)),
        ];
        for (policy, project, want) in cases {
            let r = open(*project);
            let got = run(
                policy,
                &Req {
                    path: "/v1/embeddings",
                    ..r
                },
            );
            assert_eq!(got.map(|p| p.is_some()), *want, "{project:?}");
        }
    }

    #[test]
    fn organization_caller_and_region() {
        let p = Policy::from_json(POLICY.as_bytes()).unwrap();
        let cases: &[(Req<'_>, Result<(), Reason>)] = &[
            (EU, Ok(())),
            (Req { org: None, ..EU }, Err(Reason::OrganizationNotAllowed)),
            (
                Req {
                    org: Some("org-other"),
                    ..EU
                },
                Err(Reason::OrganizationNotAllowed),
            ),
            (
                Req {
                    org: Some("ORG-ACME"),
                    ..EU
                },
                Err(Reason::OrganizationNotAllowed),
            ),
            (Req { caller: None, ..EU }, Err(Reason::CallerNotAllowed)),
            (
                Req {
                    caller: Some("billing"),
                    ..EU
                },
                Ok(()),
            ),
            (
                Req {
                    caller: Some("billing2"),
                    ..EU
                },
                Err(Reason::CallerNotAllowed),
            ),
            (
                Req {
                    caller: Some("spiffe://cluster.local/ns/other/sa/bot"),
                    ..EU
                },
                Err(Reason::CallerNotAllowed),
            ),
            (Req { host: None, ..EU }, Err(Reason::RegionNotAllowed)),
            (
                Req {
                    host: Some("api.openai.com"),
                    ..EU
                },
                Err(Reason::RegionNotAllowed),
            ),
            (
                Req {
                    host: Some("us.api.openai.com"),
                    ..EU
                },
                Err(Reason::RegionNotAllowed),
            ),
            (
                Req {
                    host: Some("eu.openai.internal:8443"),
                    ..EU
                },
                Ok(()),
            ),
            (
                Req {
                    host: Some("eu.openai.internal"),
                    ..EU
                },
                Err(Reason::RegionNotAllowed),
            ),
        ];
        for (r, want) in cases {
            assert_eq!(
                run(&p, r).map(|_| ()),
                *want,
                "{:?} {:?} {:?} {:?}",
                r.org,
                r.caller,
                r.host,
                r.path
            );
        }
    }

    #[test]
    fn endpoints_retention_scope_and_deployments() {
        let p = Policy::from_json(POLICY.as_bytes()).unwrap();
        let eu = |method, path| Req { method, path, ..EU };
        let hipaa = |method, path| Req {
            project: Some("proj_hipaa"),
            method,
            path,
            ..EU
        };
        let open = |method, path| Req {
            project: Some("proj_open"),
            method,
            path,
            ..EU
        };
        use Reason::{
            EndpointNotAllowed as End, ModelNotAllowed as Model, RetentionViolation as Ret,
        };
        let cases: &[(Req<'_>, Result<(), Reason>)] = &[
            (eu("POST", "/v1/chat/completions"), Ok(())),
            (eu("POST", "/v1/responses"), Ok(())),
            (eu("POST", "/v1/embeddings"), Ok(())),
            (eu("POST", "/v1/completions"), Err(End)),
            (eu("POST", "/v1/moderations"), Err(End)),
            (eu("GET", "/v1/models"), Ok(())),
            (eu("GET", "/v1/models/gpt-4.1"), Ok(())),
            (eu("GET", "/v1/responses/resp_1"), Err(Ret)),
            (eu("DELETE", "/v1/responses/resp_1"), Err(Ret)),
            (eu("GET", "/v1/responses/resp_1/input_items"), Err(Ret)),
            (eu("GET", "/v1/chat/completions/cc_1"), Err(Ret)),
            (eu("POST", "/v1/files"), Err(End)),
            (
                eu(
                    "POST",
                    "/openai/deployments/gpt41-eu/chat/completions?api-version=2024-10-21",
                ),
                Ok(()),
            ),
            (
                eu("POST", "/openai/deployments/old/chat/completions"),
                Err(Model),
            ),
            (
                eu("POST", "/openai/deployments/unmapped/chat/completions"),
                Err(Model),
            ),
            (eu("POST", "/openai/v1/chat/completions"), Ok(())),
            (hipaa("POST", "/v1/chat/completions"), Ok(())),
            (hipaa("POST", "/v1/responses"), Ok(())),
            (hipaa("POST", "/v1/completions"), Ok(())),
            (hipaa("POST", "/v1/embeddings"), Ok(())),
            (hipaa("POST", "/v1/moderations"), Ok(())),
            (hipaa("POST", "/v1/images/generations"), Ok(())),
            (hipaa("POST", "/v1/audio/transcriptions"), Ok(())),
            (hipaa("POST", "/v1/audio/translations"), Ok(())),
            (hipaa("POST", "/v1/audio/speech"), Ok(())),
            (hipaa("POST", "/v1/responses/input_tokens"), Ok(())),
            (hipaa("GET", "/v1/models"), Err(Ret)),
            (hipaa("POST", "/v1/files"), Err(Ret)),
            (hipaa("GET", "/v1/files"), Err(Ret)),
            (hipaa("GET", "/v1/files/file_1/content"), Err(Ret)),
            (hipaa("DELETE", "/v1/files/file_1"), Err(Ret)),
            (hipaa("POST", "/v1/uploads"), Err(Ret)),
            (hipaa("POST", "/v1/batches"), Err(Ret)),
            (hipaa("GET", "/v1/batches/b_1"), Err(Ret)),
            (hipaa("POST", "/v1/vector_stores"), Err(Ret)),
            (hipaa("POST", "/v1/assistants"), Err(Ret)),
            (hipaa("POST", "/v1/threads"), Err(Ret)),
            (hipaa("POST", "/v1/threads/t_1/runs"), Err(Ret)),
            (hipaa("POST", "/v1/conversations"), Err(Ret)),
            (hipaa("GET", "/v1/conversations/c_1/items"), Err(Ret)),
            (hipaa("POST", "/v1/fine_tuning/jobs"), Err(Ret)),
            (hipaa("POST", "/v1/containers"), Err(Ret)),
            (hipaa("GET", "/v1/realtime"), Err(Ret)),
            (hipaa("POST", "/v1/unknown_thing"), Err(Ret)),
            (hipaa("POST", "/openai/v1/files"), Err(Ret)),
            (
                hipaa("POST", "/openai/deployments/img/images/generations"),
                Err(Ret),
            ),
            (
                hipaa("POST", "/openai/deployments/gpt41-eu/chat/completions"),
                Ok(()),
            ),
            (open("POST", "/v1/files"), Ok(())),
            (open("GET", "/v1/responses/resp_1"), Ok(())),
            (
                open("POST", "/openai/deployments/img/images/generations"),
                Ok(()),
            ),
            (
                open("POST", "/openai/deployments/unmapped/chat/completions"),
                Ok(()),
            ),
        ];
        for (r, want) in cases {
            assert_eq!(
                run(&p, r).map(|_| ()),
                *want,
                "{:?} {} {}",
                r.project,
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn zdr_excluded_models() {
        for (m, want) in [
            ("dall-e-2", true),
            ("dall-e-3", true),
            ("gpt-image-1", false),
            ("gpt-4.1", false),
        ] {
            assert_eq!(zdr_excluded_model(m), want, "{m}");
        }
    }
}

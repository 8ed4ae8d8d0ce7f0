//! The register's body-phase rules: the project's models, and what `zero`/`hipaa` retention
//! asks of a body (`store`, stateful fields, ZDR-excluded models); plus the splice that
//! injects `"store":false` when the project says so. (What cannot be scanned is one rule for
//! every request, in [`crate::exchange`].)

use super::project::zdr_excluded_model;
use super::Reason;
use crate::config::patterns::any_name;
use crate::config::projects::MissingStore;
use crate::config::{Project, Retention};
use crate::openai::facts::{Facts, Store};
use crate::openai::surface::Shape;
use crate::openai::{ApiKind, Endpoint};

/// What the body rules ask of an allowed body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyChange {
    /// Nothing.
    None,
    /// Splice `"store":false` into the top-level object.
    InjectStoreFalse,
}

/// Checks an inspected body against its project. `model` is the model that runs, as
/// [`super::project::model_of`] reads it (the body's `model`, or what an Azure deployment
/// maps to).
pub fn check_body(
    project: &Project,
    endpoint: &Endpoint,
    facts: &Facts,
    model: Option<&str>,
) -> Result<BodyChange, Reason> {
    let op = endpoint.op;
    let names_model = op.is_some_and(|o| o.names_model);
    if let Some(models) = &project.models {
        match model {
            Some(m) if !any_name(models, m) => return Err(Reason::ModelNotAllowed),
            None if names_model => return Err(Reason::ModelNotAllowed),
            _ => {}
        }
    }
    if project.retention == Retention::Standard {
        return Ok(BodyChange::None);
    }
    // OpenAI's image APIs default to `dall-e-2` when no model is named.
    let default_dall_e = names_model && endpoint.kind == ApiKind::Images && model.is_none();
    if model.is_some_and(zdr_excluded_model) || default_dall_e {
        return Err(Reason::RetentionViolation);
    }
    if facts.previous_response_id || facts.conversation || facts.background {
        return Err(Reason::RetentionViolation);
    }
    // `store` belongs to the create requests of Responses and chat completions.
    let shape = op.and_then(|o| o.body.json());
    let stores = matches!(shape, Some(Shape::Responses | Shape::Chat));
    let must_be_false = shape == Some(Shape::Responses)
        || (shape == Some(Shape::Chat) && project.retention == Retention::Hipaa);
    let change = match (facts.store, must_be_false) {
        (Store::False, _) => BodyChange::None,
        (Store::True | Store::Other, _) => {
            if stores {
                return Err(Reason::RetentionViolation);
            }
            BodyChange::None
        }
        (Store::Absent, false) => BodyChange::None,
        (Store::Absent, true) => match project.missing_store {
            MissingStore::Reject => return Err(Reason::RetentionViolation),
            MissingStore::Inject => BodyChange::InjectStoreFalse,
        },
    };
    Ok(change)
}

/// Splices `"store":false` right after the opening `{` of the top-level object, keeping every
/// other byte. `None` if the body does not start (after whitespace) with `{`.
pub fn inject_store_false(body: &[u8]) -> Option<Vec<u8>> {
    let open = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body.get(open) != Some(&b'{') {
        return None;
    }
    let after = body.get(open + 1..)?;
    let empty = after
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'}');
    let insert: &[u8] = if empty {
        b"\"store\":false"
    } else {
        b"\"store\":false,"
    };
    let mut out = Vec::with_capacity(body.len() + insert.len());
    out.extend_from_slice(body.get(..=open)?);
    out.extend_from_slice(insert);
    out.extend_from_slice(after);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;
    use crate::json::{parse, Limits};
    use crate::openai::{classify, facts};

    const POLICY: &str = r#"{
        "azure": {"deployments": {"gpt41": "gpt-4.1", "img": "dall-e-3"}},
        "projects": {
            "models": {"models": ["gpt-4.1*", "text-embedding-3-small"]},
            "zero": {"retention": "zero"},
            "zero_inject": {"retention": "zero", "missing_store": "inject"},
            "hipaa": {"retention": "hipaa", "missing_store": "inject"},
            "hipaa_reject": {"retention": "hipaa"},
            "open": {}
        }
    }"#;

    fn run(project: &str, path: &str, body: &str) -> Result<BodyChange, Reason> {
        let policy = Policy::from_json(POLICY.as_bytes()).unwrap();
        let reg = &policy.register;
        let projects = reg.projects.as_ref().unwrap();
        let p = reg
            .project(projects.resolve(Some(project)).unwrap())
            .unwrap();
        let e = classify("POST", path).unwrap();
        let root = parse(body, &Limits::default()).unwrap();
        let f = facts::read(body, &root);
        let model = super::super::project::model_of(reg, &e, f.model.as_deref());
        check_body(p, &e, &f, model)
    }

    const CHAT: &str = "/v1/chat/completions";
    const RESP: &str = "/v1/responses";

    #[test]
    fn models() {
        use Reason::ModelNotAllowed as M;
        let ok = Ok(BodyChange::None);
        let cases: &[(&str, &str, Result<BodyChange, Reason>)] = &[
            (CHAT, r#"{"model":"gpt-4.1","messages":[]}"#, ok),
            (CHAT, r#"{"model":"gpt-4.1-mini","messages":[]}"#, ok),
            (CHAT, r#"{"model":"gpt-4o","messages":[]}"#, Err(M)),
            (CHAT, r#"{"messages":[]}"#, Err(M)),
            (CHAT, r#"{"model":null,"messages":[]}"#, Err(M)),
            (CHAT, r#"{"model":42,"messages":[]}"#, Err(M)),
            (CHAT, r#"{"model":"GPT-4.1","messages":[]}"#, Err(M)),
            (RESP, r#"{"model":"gpt-4.1","input":"x"}"#, ok),
            (RESP, r#"{"input":"x"}"#, Err(M)),
            (
                "/v1/embeddings",
                r#"{"model":"text-embedding-3-small","input":"x"}"#,
                ok,
            ),
            (
                "/v1/embeddings",
                r#"{"model":"text-embedding-3-large","input":"x"}"#,
                Err(M),
            ),
            ("/v1/moderations", r#"{"input":"x"}"#, Err(M)),
            (
                "/openai/deployments/gpt41/chat/completions",
                r#"{"messages":[]}"#,
                ok,
            ),
            // Azure routes by the deployment in the path; the body's `model` is not read.
            (
                "/openai/deployments/gpt41/chat/completions",
                r#"{"model":"gpt-4o","messages":[]}"#,
                ok,
            ),
            // On `/openai/v1` and dated routes the body's `model` is the deployment.
            (
                "/openai/v1/chat/completions",
                r#"{"model":"gpt41","messages":[]}"#,
                ok,
            ),
            (
                "/openai/chat/completions?api-version=2024-10-21",
                r#"{"model":"gpt41","messages":[]}"#,
                ok,
            ),
            (
                "/openai/v1/chat/completions",
                r#"{"model":"gpt-4.1","messages":[]}"#,
                Err(M),
            ),
            // An update names no model: its own shape, nothing required.
            (
                "/v1/chat/completions/chatcmpl_1",
                r#"{"metadata":{"k":"v"}}"#,
                ok,
            ),
            // Any body that names a model is held to the list.
            ("/v1/responses/input_tokens", r#"{"input":"x"}"#, ok),
            (
                "/v1/responses/input_tokens",
                r#"{"model":"o3","input":"x"}"#,
                Err(M),
            ),
            (
                "/openai/deployments/nope/chat/completions",
                r#"{"messages":[]}"#,
                Err(M),
            ),
            ("/v1/unknown", r#"{}"#, ok),
        ];
        for (path, body, want) in cases {
            assert_eq!(run("models", path, body), *want, "{path} {body}");
        }
        assert_eq!(run("open", CHAT, r#"{"messages":[]}"#), ok);
    }

    #[test]
    fn zero_retention() {
        use Reason::RetentionViolation as R;
        let ok = Ok(BodyChange::None);
        let inject = Ok(BodyChange::InjectStoreFalse);
        let cases: &[(&str, &str, &str, Result<BodyChange, Reason>)] = &[
            ("zero", RESP, r#"{"model":"gpt-4.1","store":false}"#, ok),
            ("zero", RESP, r#"{"model":"gpt-4.1"}"#, Err(R)),
            ("zero", RESP, r#"{"model":"gpt-4.1","store":true}"#, Err(R)),
            (
                "zero",
                RESP,
                r#"{"model":"gpt-4.1","store":"false"}"#,
                Err(R),
            ),
            ("zero", RESP, r#"{"model":"gpt-4.1","store":0}"#, Err(R)),
            ("zero", RESP, r#"{"model":"gpt-4.1","store":null}"#, Err(R)),
            ("zero_inject", RESP, r#"{"model":"gpt-4.1"}"#, inject),
            (
                "zero_inject",
                RESP,
                r#"{"model":"gpt-4.1","store":false}"#,
                ok,
            ),
            (
                "zero_inject",
                RESP,
                r#"{"model":"gpt-4.1","store":true}"#,
                Err(R),
            ),
            (
                "zero_inject",
                RESP,
                r#"{"model":"gpt-4.1","store":"false"}"#,
                Err(R),
            ),
            (
                "zero_inject",
                RESP,
                r#"{"model":"gpt-4.1","store":null}"#,
                Err(R),
            ),
            (
                "zero",
                RESP,
                r#"{"store":false,"previous_response_id":"resp_1"}"#,
                Err(R),
            ),
            (
                "zero",
                RESP,
                r#"{"store":false,"previous_response_id":null}"#,
                ok,
            ),
            (
                "zero",
                RESP,
                r#"{"store":false,"conversation":"conv_1"}"#,
                Err(R),
            ),
            (
                "zero",
                RESP,
                r#"{"store":false,"conversation":{"id":"conv_1"}}"#,
                Err(R),
            ),
            ("zero", RESP, r#"{"store":false,"background":true}"#, Err(R)),
            ("zero", RESP, r#"{"store":false,"background":false}"#, ok),
            // `store` belongs to the create request: counting tokens or compacting stores
            // nothing, and gets nothing spliced in.
            (
                "zero",
                "/v1/responses/input_tokens",
                r#"{"model":"gpt-4.1","input":"x"}"#,
                ok,
            ),
            (
                "zero_inject",
                "/v1/responses/compact",
                r#"{"model":"gpt-4.1","input":[]}"#,
                ok,
            ),
            (
                "zero",
                "/v1/responses/input_tokens",
                r#"{"model":"gpt-4.1","previous_response_id":"resp_1"}"#,
                Err(R),
            ),
            ("zero", CHAT, r#"{"model":"gpt-4.1","messages":[]}"#, ok),
            ("zero", CHAT, r#"{"messages":[],"store":false}"#, ok),
            ("zero", CHAT, r#"{"messages":[],"store":true}"#, Err(R)),
            ("zero", CHAT, r#"{"messages":[],"store":"yes"}"#, Err(R)),
            (
                "zero",
                "/v1/embeddings",
                r#"{"input":"x","store":true}"#,
                ok,
            ),
            (
                "zero",
                "/v1/images/generations",
                r#"{"model":"gpt-image-1","prompt":"x"}"#,
                ok,
            ),
            (
                "zero",
                "/v1/images/generations",
                r#"{"model":"dall-e-3","prompt":"x"}"#,
                Err(R),
            ),
            (
                "zero",
                "/v1/images/generations",
                r#"{"model":"dall-e-2","prompt":"x"}"#,
                Err(R),
            ),
            (
                "zero",
                "/v1/images/generations",
                r#"{"prompt":"x"}"#,
                Err(R),
            ),
            (
                "zero",
                "/openai/deployments/img/images/generations",
                r#"{"prompt":"x"}"#,
                Err(R),
            ),
            (
                "open",
                RESP,
                r#"{"model":"gpt-4.1","store":true,"background":true}"#,
                ok,
            ),
            (
                "open",
                "/v1/images/generations",
                r#"{"model":"dall-e-3"}"#,
                ok,
            ),
        ];
        for (project, path, body, want) in cases {
            assert_eq!(run(project, path, body), *want, "{project} {path} {body}");
        }
    }

    #[test]
    fn hipaa() {
        use Reason::RetentionViolation as R;
        let ok = Ok(BodyChange::None);
        let inject = Ok(BodyChange::InjectStoreFalse);
        let img = r#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],"store":false}"#;
        let cases: &[(&str, &str, &str, Result<BodyChange, Reason>)] = &[
            ("hipaa", CHAT, r#"{"messages":[]}"#, inject),
            ("hipaa_reject", CHAT, r#"{"messages":[]}"#, Err(R)),
            ("hipaa", CHAT, r#"{"messages":[],"store":false}"#, ok),
            ("hipaa", CHAT, r#"{"messages":[],"store":true}"#, Err(R)),
            // What cannot be scanned is one rule for every request (crate::exchange).
            ("hipaa", CHAT, img, ok),
            ("hipaa", RESP, r#"{"input":"x"}"#, inject),
            ("hipaa_reject", RESP, r#"{"input":"x","store":false}"#, ok),
            (
                "hipaa",
                RESP,
                r#"{"input":"x","store":false,"background":true}"#,
                Err(R),
            ),
            ("hipaa", "/v1/embeddings", r#"{"input":"x"}"#, ok),
        ];
        for (project, path, body, want) in cases {
            assert_eq!(run(project, path, body), *want, "{project} {path} {body}");
        }
    }

    #[test]
    fn store_false_is_spliced_after_the_opening_brace() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"model":"gpt-4.1"}"#,
                r#"{"store":false,"model":"gpt-4.1"}"#,
            ),
            ("{}", r#"{"store":false}"#),
            (" \n{ } ", " \n{\"store\":false } "),
            (
                "{\n  \"n\": 18446744073709551617,\n  \"input\": \"x\"\n}",
                "{\"store\":false,\n  \"n\": 18446744073709551617,\n  \"input\": \"x\"\n}",
            ),
        ];
        for (body, want) in cases {
            let out = inject_store_false(body.as_bytes()).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), *want);
            let v: serde_json::Value = serde_json::from_str(want.trim()).unwrap();
            assert_eq!(v["store"], serde_json::Value::Bool(false));
        }
        for bad in ["", "  ", "[]", "\"x\""] {
            assert_eq!(inject_store_false(bad.as_bytes()), None, "{bad:?}");
        }
    }
}

//! Endpoint recognition from method and path: normalises the path (query, `//`, `/./`,
//! trailing `/`, percent-escapes), refuses paths that cannot be normalised safely, finds the
//! operation of the API surface ([`super::surface`]) and names its route with ids replaced by
//! `{id}`. Knows OpenAI's `/v1/...` and the three shapes the `AzureOpenAI` clients send:
//! `/openai/v1/...` (the v1 API), `/openai/...` with a dated `api-version` (every operation
//! but the deployment ones, e.g. `/openai/files`, `/openai/batches`), and
//! `/openai/deployments/{deployment}/...` for the operations the SDKs put a deployment in
//! front of (openai-python `lib/azure.py` `_deployments_endpoints`, openai-node `azure.ts`,
//! which adds `batches`).

use super::api::ApiKind;
use super::surface::{self, Body, Method, Operation};
use crate::reason::Reason;

/// Which Azure OpenAI path shape a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Azure {
    /// `/openai/deployments/{deployment}/...`: the deployment in the path decides the model.
    Deployment,
    /// `/openai/v1/...`: the body's `model` names a deployment.
    V1,
    /// `/openai/...?api-version=...`: the body's `model` names a deployment.
    Dated,
}

/// A recognised request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The API.
    pub kind: ApiKind,
    /// The normalised path with ids replaced by `{id}` (safe to log), e.g.
    /// `/v1/responses/{id}/input_items`; `/{unknown}` when the path names no operation.
    pub route: String,
    /// The operation, when the method and path are one of the API's.
    pub op: Option<&'static Operation>,
    /// The Azure OpenAI shape, for `/openai/...` paths.
    pub azure: Option<Azure>,
    /// The Azure OpenAI deployment named in the path (`/openai/deployments/{deployment}/...`).
    /// Customer-chosen: never logged; the route says `{deployment}` instead.
    pub deployment: Option<String>,
}

impl Endpoint {
    /// The body the operation takes (`None`: no operation of the API).
    pub fn body(&self) -> Option<Body> {
        self.op.map(|o| o.body)
    }

    /// The body's `model` names an Azure deployment, not a model.
    pub fn model_is_deployment(&self) -> bool {
        matches!(self.azure, Some(Azure::V1 | Azure::Dated))
    }
}

/// The operations the Azure clients address under `/openai/deployments/{deployment}/`.
const DEPLOYMENT_OPERATIONS: &[&str] = &[
    "/completions",
    "/chat/completions",
    "/embeddings",
    "/audio/transcriptions",
    "/audio/translations",
    "/audio/speech",
    "/images/generations",
    "/images/edits",
    "/batches",
];

/// Normalises a request path: drops the query and fragment, decodes percent-escapes of
/// unreserved characters, collapses `//` and `/./`, strips a trailing `/`. Refuses encoded
/// slashes or backslashes, `..` segments, invalid escapes and control characters.
pub fn normalize_path(raw: &str) -> Result<String, Reason> {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(Reason::InvalidPath);
    }
    let mut decoded = String::with_capacity(path.len());
    let bytes = path.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = path.get(i + 1..i + 3).ok_or(Reason::InvalidPath)?;
            let v = u8::from_str_radix(hex, 16).map_err(|_| Reason::InvalidPath)?;
            if !(v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~')) {
                return Err(Reason::InvalidPath);
            }
            decoded.push(char::from(v));
            i += 3;
        } else {
            // Control characters, a backslash, and anything not ASCII.
            if !(0x20..0x7f).contains(&b) || b == b'\\' {
                return Err(Reason::InvalidPath);
            }
            decoded.push(char::from(b));
            i += 1;
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(Reason::InvalidPath),
            s => {
                out.push('/');
                out.push_str(s);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Recognises the endpoint of a request.
pub fn classify(method: &str, raw_path: &str) -> Result<Endpoint, Reason> {
    let path = normalize_path(raw_path)?;
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    Ok(match segs.as_slice() {
        ["openai", "deployments", deployment, rest @ ..] => {
            azure_deployment(method, deployment, rest)
        }
        ["openai", "v1", rest @ ..] => operation(method, "/openai/v1", rest, Some(Azure::V1)),
        ["openai", rest @ ..] if !rest.is_empty() => {
            operation(method, "/openai", rest, Some(Azure::Dated))
        }
        ["v1", rest @ ..] => operation(method, "/v1", rest, None),
        _ => unknown(ApiKind::Unknown, None),
    })
}

fn unknown(kind: ApiKind, azure: Option<Azure>) -> Endpoint {
    Endpoint {
        kind,
        route: "/{unknown}".to_string(),
        op: None,
        azure,
        deployment: None,
    }
}

/// `<prefix>/<rest>`: the operation of `rest`, or an unknown endpoint of the API `rest`
/// names (a path of the API whose method is not one of its operations, or a path under a
/// known resource that the API does not have).
fn operation(method: &str, prefix: &str, rest: &[&str], azure: Option<Azure>) -> Endpoint {
    match surface::find(method, rest) {
        Some(op) => Endpoint {
            kind: op.api,
            route: op.route(prefix),
            op: Some(op),
            azure,
            deployment: None,
        },
        None => unknown(ApiKind::of_path(rest), azure),
    }
}

/// `/openai/deployments/{deployment}/<operation>` (Azure OpenAI).
fn azure_deployment(method: &str, deployment: &str, rest: &[&str]) -> Endpoint {
    let e = operation(
        method,
        "/openai/deployments/{deployment}",
        rest,
        Some(Azure::Deployment),
    );
    let scoped = e
        .op
        .is_some_and(|op| op.method == Method::Post && DEPLOYMENT_OPERATIONS.contains(&op.path));
    if !scoped {
        return unknown(ApiKind::Unknown, None);
    }
    Endpoint {
        deployment: Some(deployment.to_string()),
        ..e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::surface::{instantiate, Form, Shape, OPERATIONS};

    #[test]
    fn every_operation_of_the_surface_is_recognised_on_every_prefix() {
        let mut deployment_scoped = 0;
        for op in OPERATIONS {
            let path = instantiate(op);
            let m = op.method.as_str();
            for (prefix, azure) in [
                ("/v1", None),
                ("/openai/v1", Some(Azure::V1)),
                ("/openai", Some(Azure::Dated)),
            ] {
                let full = format!("{prefix}{path}?api-version=2025-04-01-preview");
                let e = classify(m, &full).unwrap();
                assert_eq!(e.op, Some(op), "{m} {full}");
                assert_eq!((e.kind, e.azure), (op.api, azure), "{m} {full}");
                assert_eq!(e.route, op.route(prefix), "{m} {full}");
                assert!(!e.route.contains("Ab9"), "{}", e.route);
                assert_eq!(e.deployment, None);
            }
            let full = format!("/openai/deployments/my-dep{path}?api-version=2024-10-21");
            let e = classify(m, &full).unwrap();
            if op.method == Method::Post && DEPLOYMENT_OPERATIONS.contains(&op.path) {
                deployment_scoped += 1;
                assert_eq!(e.op, Some(op), "{full}");
                assert_eq!(e.deployment.as_deref(), Some("my-dep"));
                assert_eq!(e.azure, Some(Azure::Deployment));
                assert_eq!(e.route, op.route("/openai/deployments/{deployment}"));
            } else {
                assert_eq!((e.op, e.kind), (None, ApiKind::Unknown), "{full}");
                assert_eq!(e.deployment, None);
            }
        }
        // Every deployment path of the SDKs is an operation (one POST each).
        assert_eq!(deployment_scoped, DEPLOYMENT_OPERATIONS.len());
    }

    #[test]
    fn normalises_path_variants() {
        let same = [
            "/v1/chat/completions",
            "//v1//chat/completions/",
            "/v1/./chat/completions?x=1",
            "/v1/chat/%63ompletions",
            "/v1/chat/completions#frag",
        ];
        for p in same {
            let e = classify("POST", p).unwrap();
            assert_eq!(e.kind, ApiKind::ChatCompletions, "{p}");
            assert_eq!(e.body(), Some(Body::Json(Shape::Chat)), "{p}");
        }
    }

    #[test]
    fn refuses_unsafe_paths() {
        for p in [
            "/v1/chat%2Fcompletions",
            "/v1/../v1/chat/completions",
            "/v1/chat/completions%",
            "/v1/chat/completions%zz",
            "v1/chat/completions",
            "/v1/chat\\completions",
            "/v1/chat/%c3%a9",
            "/v1/\u{1}",
        ] {
            assert_eq!(classify("POST", p), Err(Reason::InvalidPath), "{p}");
        }
    }

    #[test]
    fn bodies_by_operation() {
        for (method, path, body) in [
            ("POST", "/v1/files", Some(Body::Form(Form::Files))),
            (
                "POST",
                "/openai/files?api-version=2024-10-21",
                Some(Body::Form(Form::Files)),
            ),
            ("GET", "/v1/files", Some(Body::None)),
            ("GET", "/v1/files/file_1/content", Some(Body::None)),
            ("POST", "/v1/files/file_1/content", None),
            (
                "POST",
                "/v1/uploads/upload_1/parts",
                Some(Body::Form(Form::Slice)),
            ),
            ("POST", "/v1/responses/resp_1/cancel", Some(Body::None)),
            ("POST", "/v1/batches/batch_1/cancel", Some(Body::None)),
            (
                "POST",
                "/v1/fine_tuning/jobs/ftjob_1/cancel",
                Some(Body::None),
            ),
            (
                "POST",
                "/v1/chat/completions/cc_1",
                Some(Body::Json(Shape::Object)),
            ),
            (
                "POST",
                "/v1/responses/input_tokens",
                Some(Body::Json(Shape::Object)),
            ),
            (
                "POST",
                "/v1/responses/compact",
                Some(Body::Json(Shape::Object)),
            ),
            ("POST", "/v1/realtime/calls", Some(Body::Form(Form::Call))),
            ("GET", "/v1/realtime", Some(Body::WebSocket)),
            (
                "POST",
                "/v1/images/edits",
                Some(Body::JsonOrForm(Shape::Object, Form::Fields)),
            ),
            ("POST", "/v1/evals", Some(Body::Json(Shape::Object))),
            (
                "POST",
                "/v1/chatkit/sessions",
                Some(Body::Json(Shape::Object)),
            ),
            ("PUT", "/v1/chat/completions", None),
        ] {
            let e = classify(method, path).unwrap();
            assert_eq!(e.body(), body, "{method} {path}");
        }
    }

    #[test]
    fn routes_hide_ids() {
        let e = classify("GET", "/v1/responses/resp_abc123/input_items").unwrap();
        assert_eq!(e.route, "/v1/responses/{id}/input_items");
        let e = classify("POST", "/v1/secret-thing/x").unwrap();
        assert_eq!((e.kind, e.route.as_str()), (ApiKind::Unknown, "/{unknown}"));
        let e = classify("POST", "/V1/chat/completions").unwrap();
        assert_eq!(e.kind, ApiKind::Unknown);
        // A path under a known API that the API does not have: its API, no operation, no
        // route that could carry an id.
        let e = classify("POST", "/v1/responses/resp_1/secret/x").unwrap();
        assert_eq!(
            (e.kind, e.op, e.route.as_str()),
            (ApiKind::Responses, None, "/{unknown}")
        );
        let e = classify("post", "/v1/embeddings").unwrap();
        assert_eq!(e.op.map(|o| o.name), Some("embeddings.create"));
    }

    #[test]
    fn azure_shapes() {
        type Case<'a> = (
            &'a str,
            &'a str,
            ApiKind,
            &'a str,
            Option<&'a str>,
            Option<Azure>,
        );
        let cases: &[Case<'_>] = &[
            (
                "POST",
                "/openai/deployments/gpt4o-eu/chat/completions?api-version=2024-10-21",
                ApiKind::ChatCompletions,
                "/openai/deployments/{deployment}/chat/completions",
                Some("gpt4o-eu"),
                Some(Azure::Deployment),
            ),
            (
                "POST",
                "/openai/deployments/b/batches?api-version=2024-10-21",
                ApiKind::Batches,
                "/openai/deployments/{deployment}/batches",
                Some("b"),
                Some(Azure::Deployment),
            ),
            (
                "POST",
                "/openai/deployments/d/responses",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                None,
            ),
            (
                "POST",
                "/openai/deployments/d",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                None,
            ),
            (
                "POST",
                "/openai/v1/chat/completions",
                ApiKind::ChatCompletions,
                "/openai/v1/chat/completions",
                None,
                Some(Azure::V1),
            ),
            (
                "POST",
                "/openai/files?api-version=2024-10-21",
                ApiKind::Files,
                "/openai/files",
                None,
                Some(Azure::Dated),
            ),
            (
                "POST",
                "/openai/batches?api-version=2024-10-21",
                ApiKind::Batches,
                "/openai/batches",
                None,
                Some(Azure::Dated),
            ),
            (
                "GET",
                "/openai/responses/resp_1",
                ApiKind::Responses,
                "/openai/responses/{id}",
                None,
                Some(Azure::Dated),
            ),
            (
                "POST",
                "/openai/other",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                Some(Azure::Dated),
            ),
            (
                "POST",
                "/openai",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                None,
            ),
        ];
        for (method, path, kind, route, dep, azure) in cases {
            let e = classify(method, path).unwrap();
            assert_eq!(e.kind, *kind, "{path}");
            assert_eq!(e.route, *route, "{path}");
            assert_eq!(e.deployment.as_deref(), *dep, "{path}");
            assert_eq!(e.azure, *azure, "{path}");
        }
        assert!(classify("POST", "/openai/v1/responses")
            .unwrap()
            .model_is_deployment());
        assert!(classify("POST", "/openai/batches")
            .unwrap()
            .model_is_deployment());
        assert!(!classify("POST", "/openai/deployments/d/embeddings")
            .unwrap()
            .model_is_deployment());
        assert!(!classify("POST", "/v1/responses")
            .unwrap()
            .model_is_deployment());
    }
}

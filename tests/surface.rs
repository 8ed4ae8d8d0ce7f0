//! The whole API surface through the request state machine (`exchange::Exchange`), as the
//! adapter drives it: every operation handled under the default policy, cancels and updates,
//! each kind of content that cannot be scanned under both settings, a project's `endpoints`,
//! and Azure OpenAI's three path shapes with the deployment → model mapping.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::audit::{AuditRecord, Decision};
use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::openai::surface::{Body, Form, Method, Shape, OPERATIONS};
use std::rc::Rc;

const EMAIL: &str = "jane.doe@example.com";

/// What one request came to: the last step and the record.
struct Sent {
    step: Step,
    record: AuditRecord,
}

impl Sent {
    fn upstream(&self, sent: &[u8]) -> Option<Vec<u8>> {
        match &self.step {
            Step::Continue => Some(sent.to_vec()),
            Step::ReplaceBody { bytes, .. } => Some(bytes.clone()),
            Step::SetRequestHeader { then, .. } => Sent {
                step: (**then).clone(),
                record: self.record.clone(),
            }
            .upstream(sent),
            _ => None,
        }
    }

    fn refused(&self) -> Option<(u16, &'static str)> {
        match &self.step {
            Step::Reply { status, .. } => Some((*status, self.record.reason.unwrap())),
            _ => None,
        }
    }
}

/// Sends a request: `headers` (`:method`, `:path` first), then `body` (`None`: the headers
/// end the stream; `Some(b"")`: an empty DATA frame ends it).
fn send(policy: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Sent {
    let p = Rc::new(Policy::from_json(policy.as_bytes()).unwrap());
    let mut x = Exchange::new(Some(p));
    let hdrs: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let mut step = x.on_request_headers(&hdrs, body.is_none(), 1);
    while let Step::SetRequestHeader { then, .. } = step {
        step = *then;
    }
    let step = match (step, body) {
        (Step::ReadBody { size: 0 }, _) => x.decide_body(b""),
        (Step::Pause, Some(b)) => match x.on_request_body(b.len(), true) {
            Step::ReadBody { .. } => x.decide_body(b),
            other => other,
        },
        (other, _) => other,
    };
    let record = x.finish(2).clone();
    Sent { step, record }
}

fn json(method: &str, path: &str) -> Vec<(&'static str, String)> {
    vec![
        (":method", method.to_string()),
        (":path", path.to_string()),
        ("content-type", "application/json".to_string()),
    ]
}

fn refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    h.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn send_json(policy: &str, method: &str, path: &str, body: &str) -> Sent {
    send(policy, &refs(&json(method, path)), Some(body.as_bytes()))
}

/// The operation's path under `/v1`, with ids.
fn path_of(template: &str) -> String {
    let path: String = template
        .split('/')
        .skip(1)
        .map(|s| {
            if s.starts_with('{') {
                "/obj_7Hq2".to_string()
            } else {
                format!("/{s}")
            }
        })
        .collect();
    format!("/v1{path}")
}

/// A body of the operation's shape that holds an email address in caller text.
fn json_with_email(shape: Shape) -> String {
    match shape {
        Shape::Chat => {
            format!(r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":"{EMAIL}"}}]}}"#)
        }
        Shape::Responses | Shape::Embeddings | Shape::Moderations => {
            format!(r#"{{"model":"m","input":"mail {EMAIL}"}}"#)
        }
        Shape::Completions => format!(r#"{{"model":"m","prompt":"mail {EMAIL}"}}"#),
        Shape::Object => format!(r#"{{"model":"m","metadata":{{"owner":"{EMAIL}"}}}}"#),
    }
}

fn form_body(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, file, content) in parts {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(f) = file {
            b.extend_from_slice(
                format!("; filename=\"{f}\"\r\nContent-Type: application/octet-stream").as_bytes(),
            );
        }
        b.extend_from_slice(b"\r\n\r\n");
        b.extend_from_slice(content);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    b
}

#[test]
fn every_operation_goes_through_under_the_default_policy() {
    let mut inspected = 0;
    for op in OPERATIONS {
        let path = path_of(op.path);
        let m = op.method.as_str();
        let sent = match op.body {
            Body::None if op.method == Method::Post => {
                let h = [(":method", m), (":path", path.as_str())];
                send("{}", &h, None)
            }
            Body::None | Body::WebSocket => {
                let h = [(":method", m), (":path", path.as_str())];
                send("{}", &h, None)
            }
            Body::Json(shape) | Body::JsonOrForm(shape, _) => {
                let body = json_with_email(shape);
                let s = send_json("{}", m, &path, &body);
                // The caller's text is redacted; the API's names and ids are kept.
                let up = String::from_utf8(s.upstream(body.as_bytes()).unwrap()).unwrap();
                let kept = op.ids.iter().any(|id| body.contains(id));
                assert_eq!(up.contains(EMAIL), kept, "{m} {path}: {up}");
                assert_eq!(s.record.decision, Decision::Redact, "{m} {path}");
                inspected += 1;
                s
            }
            Body::Form(form) => {
                let b = "bNd";
                let body = match form {
                    Form::Files => form_body(
                        b,
                        &[
                            ("purpose", None, b"user_data"),
                            ("file", Some("a.pdf"), b"%PDF"),
                        ],
                    ),
                    Form::Fields | Form::Call | Form::Slice => form_body(
                        b,
                        &[
                            ("prompt", None, EMAIL.as_bytes()),
                            ("file", Some("a.bin"), b"\x00\xff"),
                        ],
                    ),
                };
                let ct = format!("multipart/form-data; boundary={b}");
                let h = [
                    (":method", m),
                    (":path", path.as_str()),
                    ("content-type", ct.as_str()),
                ];
                let s = send("{}", &h, Some(&body));
                assert!(s.record.unscannable.binary_upload >= 1, "{m} {path}");
                s
            }
        };
        assert_eq!(sent.refused(), None, "{m} {path}");
        assert!(sent.upstream(b"").is_some(), "{m} {path}: {:?}", sent.step);
        assert_eq!(sent.record.api, op.api.as_str(), "{path}");
        assert!(
            !sent.record.endpoint.contains("obj_7Hq2"),
            "{}",
            sent.record.endpoint
        );
    }
    assert!(inspected > 100, "{inspected} JSON operations");
}

#[test]
fn cancels_pass_on_the_head_rules_with_or_without_an_empty_body() {
    for path in [
        "/v1/responses/resp_1/cancel",
        "/v1/batches/batch_1/cancel",
        "/v1/fine_tuning/jobs/ftjob_1/cancel",
        "/v1/uploads/upload_1/cancel",
        "/v1/threads/thread_1/runs/run_1/cancel",
        "/v1/evals/eval_1/runs/run_1",
        "/v1/evals/eval_1/runs/run_1/cancel",
        "/v1/vector_stores/vs_1/file_batches/vsfb_1/cancel",
        "/v1/chatkit/sessions/cksess_1/cancel",
        "/openai/batches/batch_1/cancel?api-version=2024-10-21",
    ] {
        for policy in ["{}", r#"{"unknown_endpoints":"inspect"}"#] {
            let h = [(":method", "POST"), (":path", path)];
            // Headers that end the stream (`Content-Length: 0`), and an empty DATA frame.
            for body in [None, Some(&b""[..])] {
                let s = send(policy, &h, body);
                assert_eq!(s.step, Step::Continue, "{policy} {path} {body:?}");
                assert_eq!(s.record.decision, Decision::Allow);
                assert!(s.record.endpoint.ends_with("/cancel") || path.ends_with("run_1"));
            }
            // A JSON body where none is taken is inspected all the same.
            let s = send_json(policy, "POST", path, &format!(r#"{{"note":"{EMAIL}"}}"#));
            assert_eq!(s.record.decision, Decision::Redact, "{path}");
            // Bytes that say nothing of what they are never pass.
            let s = send(policy, &h, Some(b"reason: jane.doe@example.com"));
            assert_eq!(
                s.refused(),
                Some((415, "unsupported_content_type")),
                "{path}"
            );
        }
    }
    // Under zero retention a cancel names stored state: refused, as the create was.
    let zero = r#"{"projects":{"default":{"retention":"zero"}}}"#;
    let h = [
        (":method", "POST"),
        (":path", "/v1/responses/resp_1/cancel"),
    ];
    assert_eq!(
        send(zero, &h, None).refused(),
        Some((403, "retention_violation"))
    );
}

#[test]
fn an_optional_body_may_be_absent_where_it_carries_no_model() {
    // `client.conversations.create()` with no argument, `client.beta.threads.create()`.
    for path in [
        "/v1/conversations",
        "/v1/threads",
        "/v1/containers/cntr_1/files",
    ] {
        for body in [None, Some(&b""[..])] {
            let s = send("{}", &refs(&json("POST", path)), body);
            assert_eq!(s.step, Step::Continue, "{path} {body:?}");
        }
    }
    // A create request of the text APIs, or one that names the model that runs, is refused
    // empty: it cannot be judged (the models rule, the default image model).
    for path in [
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/images/generations",
    ] {
        let s = send("{}", &refs(&json("POST", path)), None);
        assert_eq!(s.refused(), Some((400, "invalid_json")), "{path}");
    }
}

#[test]
fn an_update_is_judged_by_its_own_shape() {
    let body = format!(r#"{{"metadata":{{"ticket":"T-1","owner":"{EMAIL}"}}}}"#);
    let models = r#"{"projects":{"default":{"models":["gpt-4o*"]}}}"#;
    for policy in ["{}", r#"{"unknown_endpoints":"inspect"}"#, models] {
        let s = send_json(policy, "POST", "/v1/chat/completions/chatcmpl_1", &body);
        let up = String::from_utf8(s.upstream(body.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            up,
            body.replace(EMAIL, "[EMAIL]"),
            "{policy}: the update has no `messages` and names no model"
        );
        assert_eq!(s.record.endpoint, "/v1/chat/completions/{id}");
    }
    // The create request keeps its own shape.
    let s = send_json("{}", "POST", "/v1/chat/completions", &body);
    assert_eq!(s.refused(), Some((400, "invalid_body")));
    for (path, body) in [
        (
            "/v1/responses/input_tokens",
            r#"{"model":"gpt-4o","input":"count me"}"#,
        ),
        ("/v1/responses/compact", r#"{"model":"gpt-4o","input":[]}"#),
        ("/v1/vector_stores/vs_1", r#"{"name":"support docs"}"#),
        ("/v1/evals/eval_1", r#"{"name":"eval"}"#),
    ] {
        assert_eq!(
            send_json("{}", "POST", path, body).step,
            Step::Continue,
            "{path}"
        );
    }
}

#[test]
fn a_projects_endpoints_govern_every_operation_of_the_apis_it_names() {
    let policy = r#"{"projects":{"default":{"endpoints":["batches","files"]}}}"#;
    let create =
        r#"{"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h"}"#;
    assert_eq!(
        send_json(policy, "POST", "/v1/batches", create).step,
        Step::Continue
    );
    for (m, path) in [
        ("GET", "/v1/batches"),
        ("GET", "/v1/batches/batch_1"),
        ("POST", "/v1/batches/batch_1/cancel"),
        ("GET", "/v1/files/file-1/content"),
    ] {
        let s = send(policy, &[(":method", m), (":path", path)], None);
        assert_eq!(s.step, Step::Continue, "{m} {path}");
    }
    for (m, path) in [
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/evals"),
        ("GET", "/v1/vector_stores"),
    ] {
        let s = send(policy, &refs(&json(m, path)), Some(b"{}"));
        assert_eq!(
            s.refused(),
            Some((403, "endpoint_not_allowed")),
            "{m} {path}"
        );
    }
    // `unknown_endpoints` governs only paths outside the API.
    for path in [
        "/v1/evals",
        "/v1/chatkit/sessions",
        "/v1/containers",
        "/v1/conversations",
    ] {
        let s = send_json("{}", "POST", path, r#"{"name":"x"}"#);
        assert_eq!(s.step, Step::Continue, "{path}");
    }
    let s = send_json("{}", "POST", "/v1/not_an_api", "{}");
    assert_eq!(s.refused(), Some((403, "endpoint_not_allowed")));
    let s = send_json("{}", "POST", "/v1/batches/batch_1/not_an_operation", "{}");
    assert_eq!(s.refused(), Some((403, "endpoint_not_allowed")));
}

/// A request of one kind of content the filter cannot scan: (kind, headers, body).
type Unscannable = (&'static str, Vec<(&'static str, String)>, Option<Vec<u8>>);

/// One request of each kind of content the filter cannot scan.
fn unscannable_requests() -> Vec<Unscannable> {
    let b = "bNd";
    let form = format!("multipart/form-data; boundary={b}");
    let post = |path: &str, ct: &str| {
        vec![
            (":method", "POST".to_string()),
            (":path", path.to_string()),
            ("content-type", ct.to_string()),
        ]
    };
    let image = r#"{"model":"gpt-4o","store":false,"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="}}]}]}"#;
    let file_data = r#"{"model":"gpt-4o","store":false,"input":[{"role":"user","content":[{"type":"input_file","filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0xLjcKJcfs"}]}]}"#;
    vec![
        (
            "inline_base64",
            post("/v1/chat/completions", "application/json"),
            Some(image.into()),
        ),
        (
            "inline_base64",
            post("/v1/responses", "application/json"),
            Some(file_data.into()),
        ),
        (
            "binary_upload",
            post("/v1/files", &form),
            Some(form_body(
                b,
                &[
                    ("purpose", None, b"assistants"),
                    ("file", Some("r.pdf"), b"%PDF-1.7"),
                ],
            )),
        ),
        (
            "binary_upload",
            post("/v1/uploads/upload_1/parts", &form),
            Some(form_body(b, &[("data", Some("blob"), b"\x00\x01\x02")])),
        ),
        (
            "binary_upload",
            post("/v1/audio/transcriptions", &form),
            Some(form_body(
                b,
                &[
                    ("model", None, b"whisper-1"),
                    ("file", Some("a.wav"), b"RIFF"),
                ],
            )),
        ),
        (
            "binary_upload",
            post("/v1/images/edits", &form),
            Some(form_body(
                b,
                &[
                    ("model", None, b"gpt-image-1"),
                    ("prompt", None, b"hat"),
                    ("image", Some("a.png"), b"\x89PNG"),
                ],
            )),
        ),
        (
            "token_ids",
            post("/v1/completions", "application/json"),
            Some(br#"{"model":"gpt-3.5-turbo-instruct","prompt":[1212,318,257]}"#.to_vec()),
        ),
        (
            "token_ids",
            post("/v1/embeddings", "application/json"),
            Some(br#"{"model":"text-embedding-3-small","input":[[1212,318],[257]]}"#.to_vec()),
        ),
        (
            "websocket",
            vec![
                (":method", "GET".into()),
                (":path", "/v1/realtime?model=gpt-realtime".into()),
                ("upgrade", "websocket".into()),
                ("connection", "Upgrade".into()),
            ],
            Some(Vec::new()),
        ),
        (
            "webrtc",
            post("/v1/realtime/calls", "application/sdp"),
            Some(b"v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\n".to_vec()),
        ),
        (
            "inline_base64",
            vec![
                (":method", "GET".into()),
                (
                    ":path",
                    // (A `name=value` pair is read as text, an assignment: `token=<base64>`
                    // is found; a bare base64 run is a blob.)
                    format!("/v1/files?{}", "QUJD".repeat(80) + "9Zz"),
                ),
            ],
            None,
        ),
    ]
}

fn count_of(r: &AuditRecord, kind: &str) -> u32 {
    let v = serde_json::to_value(r.unscannable).unwrap();
    v[kind].as_u64().unwrap() as u32
}

#[test]
fn one_rule_for_what_cannot_be_scanned_forward_and_count_or_refuse() {
    let forward = [
        "{}",
        r#"{"unscannable":"forward"}"#,
        r#"{"unscannable":"refuse","projects":{"default":{"unscannable":"forward"}}}"#,
        r#"{"projects":{"default":{"retention":"standard"}}}"#,
    ];
    let refuse = [
        r#"{"unscannable":"refuse"}"#,
        r#"{"projects":{"default":{"unscannable":"refuse"}}}"#,
        // `zero` and `hipaa` refuse by default (the stateful APIs are refused by their
        // retention scope first, so only the eligible ones are asked here).
        r#"{"projects":{"default":{"retention":"zero","endpoints":["*"]}}}"#,
        r#"{"projects":{"default":{"retention":"hipaa"}}}"#,
    ];
    for (kind, headers, body) in unscannable_requests() {
        let h = refs(&headers);
        let path = headers[1].1.clone();
        for policy in forward {
            let s = send(policy, &h, body.as_deref());
            assert_eq!(s.refused(), None, "{kind} {path} {policy}");
            assert_eq!(
                count_of(&s.record, kind),
                s.record.unscannable.total().max(1),
                "{kind} {path}"
            );
            assert!(s.record.unscannable.total() >= 1);
            let json = s.record.to_json();
            assert!(json.contains(&format!("\"{kind}\":")), "{json}");
        }
        for policy in refuse {
            let s = send(policy, &h, body.as_deref());
            let scoped = policy.contains("zero") || policy.contains("hipaa");
            let eligible = !path.starts_with("/v1/files")
                && !path.starts_with("/v1/uploads")
                && !path.starts_with("/v1/realtime");
            if scoped && !eligible {
                assert_eq!(
                    s.refused(),
                    Some((403, "retention_violation")),
                    "{kind} {path}"
                );
                continue;
            }
            assert_eq!(
                s.refused(),
                Some((403, "unscannable_content")),
                "{kind} {path} {policy}"
            );
            assert!(count_of(&s.record, kind) >= 1, "{kind} {path}");
        }
        // Audit mode records the refusal and forwards.
        let s = send(
            r#"{"mode":"audit","unscannable":"refuse"}"#,
            &h,
            body.as_deref(),
        );
        assert_eq!(s.refused(), None);
        assert_eq!(
            (s.record.decision, s.record.reason),
            (Decision::WouldDeny, Some("unscannable_content")),
            "{kind} {path}"
        );
    }
}

#[test]
fn encrypted_reasoning_sent_back_under_zero_retention_is_not_unscannable() {
    let blob = "gAAAAABpZ".to_string() + &"x9Q2".repeat(200);
    let body = format!(
        r#"{{"model":"o4-mini","store":false,"include":["reasoning.encrypted_content"],"input":[{{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"{blob}"}},{{"role":"user","content":"next"}}]}}"#
    );
    let zero = r#"{"projects":{"default":{"retention":"zero"}}}"#;
    let s = send_json(zero, "POST", "/v1/responses", &body);
    assert_eq!(s.step, Step::Continue);
    assert_eq!(s.record.unscannable.total(), 0);
}

const AZURE: &str = r#"{"azure":{"deployments":{"gpt41-eu":"gpt-4.1","emb-eu":"text-embedding-3-small"}},
    "projects":{"default":{"models":["gpt-4.1*","text-embedding-3-small"]}}}"#;
const AZURE_OPEN: &str = r#"{"azure":{"deployments":{"gpt41-eu":"gpt-4.1"}}}"#;

#[test]
fn azure_deployments_map_to_models_before_the_allowlist_and_are_never_logged() {
    let chat = |model: &str| {
        format!(r#"{{"model":"{model}","messages":[{{"role":"user","content":"hi"}}]}}"#)
    };
    // Where the SDKs put the deployment: the path (and the body), or the body alone.
    for (path, body) in [
        (
            "/openai/deployments/gpt41-eu/chat/completions?api-version=2024-10-21",
            chat("gpt41-eu"),
        ),
        (
            "/openai/deployments/gpt41-eu/chat/completions?api-version=2024-10-21",
            chat("any"),
        ),
        ("/openai/v1/chat/completions", chat("gpt41-eu")),
        (
            "/openai/chat/completions?api-version=2025-04-01-preview",
            chat("gpt41-eu"),
        ),
        (
            "/openai/v1/responses",
            r#"{"model":"gpt41-eu","input":"hi"}"#.to_string(),
        ),
        (
            "/openai/responses?api-version=2025-04-01-preview",
            r#"{"model":"gpt41-eu","input":"hi"}"#.to_string(),
        ),
        (
            "/openai/deployments/emb-eu/embeddings?api-version=2024-10-21",
            r#"{"model":"emb-eu","input":"hi"}"#.to_string(),
        ),
    ] {
        let s = send_json(AZURE, "POST", path, &body);
        assert_eq!(s.step, Step::Continue, "{path} {body}");
        let model = s.record.model.as_ref().map(|m| m.as_str().to_string());
        assert!(
            matches!(model.as_deref(), Some("gpt-4.1" | "text-embedding-3-small")),
            "{path}"
        );
        let json = s.record.to_json();
        assert!(
            !json.contains("gpt41-eu") && !json.contains("emb-eu"),
            "{json}"
        );
    }
    // An unmapped deployment is no model: refused when models are listed, never logged.
    for path in [
        "/openai/v1/chat/completions",
        "/openai/deployments/other-dep/chat/completions",
    ] {
        let s = send_json(AZURE, "POST", path, &chat("other-dep"));
        assert_eq!(s.refused(), Some((403, "model_not_allowed")), "{path}");
        assert!(!s.record.to_json().contains("other-dep"));
        let s = send_json(AZURE_OPEN, "POST", path, &chat("other-dep"));
        assert_eq!(s.step, Step::Continue, "{path}");
        assert_eq!(s.record.model, None);
        assert!(!s.record.to_json().contains("other-dep"));
    }
    // A model name on `/openai/v1` is no deployment of the policy's.
    let s = send_json(
        AZURE,
        "POST",
        "/openai/v1/chat/completions",
        &chat("gpt-4.1"),
    );
    assert_eq!(s.refused(), Some((403, "model_not_allowed")));
    // On OpenAI's own paths the body's model is a model.
    let s = send_json(AZURE, "POST", "/v1/chat/completions", &chat("gpt-4.1"));
    assert_eq!(s.step, Step::Continue);
    assert_eq!(s.record.model.as_ref().map(|m| m.as_str()), Some("gpt-4.1"));
}

#[test]
fn azure_batches_and_file_uploads_at_their_dated_routes() {
    // `client.batches.create` on AzureOpenAI: `/openai/batches`, or with a client deployment
    // `/openai/deployments/{d}/batches` (openai-node `azure.ts`).
    let create =
        r#"{"input_file_id":"file-1","endpoint":"/chat/completions","completion_window":"24h"}"#;
    for path in [
        "/openai/batches?api-version=2024-10-21",
        "/openai/deployments/gpt41-eu/batches?api-version=2024-10-21",
        "/openai/v1/batches",
    ] {
        let s = send_json(AZURE, "POST", path, create);
        assert_eq!(s.step, Step::Continue, "{path}");
        assert_eq!(s.record.api, "batches");
    }
    // A batch file for Azure names its URL without `/v1` and a deployment as its model.
    let line = |model: &str| {
        format!(
            r#"{{"custom_id":"1","method":"POST","url":"/chat/completions","body":{{"model":"{model}","messages":[{{"role":"user","content":"mail {EMAIL}"}}]}}}}"#
        )
    };
    let b = "bNd";
    let ct = format!("multipart/form-data; boundary={b}");
    let upload = |model: &str| {
        form_body(
            b,
            &[
                ("purpose", None, b"batch"),
                ("file", Some("in.jsonl"), line(model).as_bytes()),
            ],
        )
    };
    let h = [
        (":method", "POST"),
        (":path", "/openai/files?api-version=2024-10-21"),
        ("content-type", ct.as_str()),
    ];
    let body = upload("gpt41-eu");
    let s = send(AZURE, &h, Some(&body));
    let up = String::from_utf8(s.upstream(&body).unwrap()).unwrap();
    assert!(
        up.contains("mail [EMAIL]") && up.contains("\"model\":\"gpt41-eu\""),
        "{up}"
    );
    assert_eq!(s.record.endpoint, "/openai/files");
    let s = send(AZURE, &h, Some(&upload("unmapped")));
    assert_eq!(s.refused(), Some((403, "model_not_allowed")));
    // The same line to OpenAI's own `/v1/files` names no batch URL.
    let h = [
        (":method", "POST"),
        (":path", "/v1/files"),
        ("content-type", ct.as_str()),
    ];
    assert_eq!(
        send("{}", &h, Some(&body)).refused(),
        Some((403, "endpoint_not_allowed"))
    );
}

#[test]
fn an_invitations_email_is_the_apis_identifier_and_other_text_is_scanned() {
    let body = format!(
        r#"{{"email":"{EMAIL}","role":"reader","projects":[{{"id":"proj_1","role":"member"}}]}}"#
    );
    let s = send_json("{}", "POST", "/v1/organization/invites", &body);
    assert_eq!(s.step, Step::Continue);
    assert_eq!(s.record.api, "admin");
    let body = format!(r#"{{"name":"Support for {EMAIL}"}}"#);
    let s = send_json("{}", "POST", "/v1/organization/projects", &body);
    assert_eq!(s.record.decision, Decision::Redact);
}

//! docs/endpoints.md is generated from the surface table (`openai::surface::OPERATIONS`) and
//! from what the core does with each operation: every row's decisions come from sending that
//! operation through the request state machine under the default policy and under a `zero`
//! and a `hipaa` project. This test fails when the file is stale; regenerate it with
//! `OCF_WRITE_DOCS=1 cargo test --test endpoints_doc`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::audit::AuditRecord;
use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::openai::surface::{Body, Form, Method, Operation, Shape, OPERATIONS};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::rc::Rc;

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/endpoints.md");

const DEFAULT: &str = "{}";
const ZERO: &str = r#"{"projects":{"default":{"retention":"zero","missing_store":"inject"}}}"#;
const HIPAA: &str = r#"{"projects":{"default":{"retention":"hipaa","missing_store":"inject"}}}"#;

/// Header pairs as the adapter reads them.
type Headers = Vec<(String, Vec<u8>)>;

/// A clean request for `op`: headers and body (`None`: the headers end the stream).
fn request(op: &Operation) -> (Headers, Option<Vec<u8>>) {
    let path: String = op
        .segments()
        .map(|s| {
            if s.starts_with('{') {
                "/id_1".to_string()
            } else {
                format!("/{s}")
            }
        })
        .collect();
    let mut h = vec![
        (
            ":method".to_string(),
            op.method.as_str().as_bytes().to_vec(),
        ),
        (":path".to_string(), format!("/v1{path}").into_bytes()),
    ];
    let mut ct = |v: &str| h.push(("content-type".to_string(), v.as_bytes().to_vec()));
    let body = match op.body {
        Body::None => None,
        Body::WebSocket => {
            h.push(("upgrade".into(), b"websocket".to_vec()));
            h.push(("connection".into(), b"Upgrade".to_vec()));
            Some(Vec::new())
        }
        Body::Json(shape) | Body::JsonOrForm(shape, _) => {
            ct("application/json");
            let model = if op.api.as_str() == "images" {
                "gpt-image-1"
            } else {
                "gpt-4.1"
            };
            Some(
                match shape {
                    Shape::Chat => format!(
                        r#"{{"model":"{model}","messages":[{{"role":"user","content":"hi"}}]}}"#
                    ),
                    Shape::Completions => format!(r#"{{"model":"{model}","prompt":"hi"}}"#),
                    Shape::Responses | Shape::Embeddings | Shape::Moderations => {
                        format!(r#"{{"model":"{model}","input":"hi"}}"#)
                    }
                    Shape::Object => format!(r#"{{"model":"{model}"}}"#),
                }
                .into_bytes(),
            )
        }
        Body::Form(form) => {
            ct("multipart/form-data; boundary=b");
            let field = |name: &str, value: &str| {
                format!("--b\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
            };
            let file = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n\x01\x02\r\n";
            let parts = match form {
                Form::Files => field("purpose", "batch")
                    + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n"
                    + r#"{"custom_id":"1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4.1","messages":[]}}"#
                    + "\r\n",
                Form::Fields => field("model", "gpt-4.1") + file,
                Form::Slice => file.to_string(),
                Form::Call => field("sdp", "v=0"),
            };
            Some(format!("{parts}--b--\r\n").into_bytes())
        }
    };
    (h, body)
}

/// What the filter does with `op`'s request under `policy`: the cell text.
fn decision(policy: &str, op: &Operation) -> String {
    let (h, body) = request(op);
    let mut x = Exchange::new(Some(Rc::new(Policy::from_json(policy.as_bytes()).unwrap())));
    let mut step = x.on_request_headers(&h, body.is_none(), 1);
    while let Step::SetRequestHeader { then, .. } = step {
        step = *then;
    }
    let step = match (step, &body) {
        (Step::ReadBody { size: 0 }, _) => x.decide_body(b""),
        (Step::Pause, Some(b)) => match x.on_request_body(b.len(), true) {
            Step::ReadBody { .. } => x.decide_body(b),
            other => other,
        },
        (other, _) => other,
    };
    let record: AuditRecord = x.finish(2).clone();
    match step {
        Step::Reply { status, .. } => {
            let reason = record.reason.unwrap_or("?");
            format!("refused {status} `{reason}` ({})", why(op, reason))
        }
        Step::Continue | Step::ReplaceBody { .. } => {
            let u = serde_json::to_value(record.unscannable).unwrap();
            let counted: Vec<String> = u
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, n)| n.as_u64() > Some(0))
                .map(|(k, _)| format!("`{k}`"))
                .collect();
            if counted.is_empty() {
                "forwarded".into()
            } else {
                format!("forwarded, counts {}", counted.join(", "))
            }
        }
        other => panic!("{} {}: {other:?}", op.method.as_str(), op.path),
    }
}

/// Why `op` is refused for `reason`.
fn why(op: &Operation, reason: &str) -> &'static str {
    let eligible = [
        "chat.completions",
        "responses",
        "completions",
        "embeddings",
        "moderations",
        "images",
        "audio.transcriptions",
        "audio.translations",
        "audio.speech",
    ]
    .contains(&op.api.as_str());
    match reason {
        "unscannable_content" => "cannot be scanned",
        "retention_violation" if eligible && op.has_id() => "reads or changes stored state",
        "retention_violation" if op.api.as_str() == "models" => "outside the BAA's endpoints",
        "retention_violation" if op.api.as_str() == "realtime" => "sessions the filter cannot read",
        "retention_violation" => "not ZDR-eligible",
        _ => "see policy.md",
    }
}

/// What is inspected in `op`'s request.
fn inspected(op: &Operation) -> String {
    let json = if op.ids.is_empty() {
        "JSON: every string and caller-chosen name".to_string()
    } else {
        let ids: Vec<String> = op.ids.iter().map(|i| format!("`{i}`")).collect();
        format!(
            "JSON: every string and caller-chosen name but {}",
            ids.join(", ")
        )
    };
    let form = |f: Form| {
        match f {
        Form::Files => {
            "form: `batch`/`fine-tune`/`evals` JSONL line by line; text files whole; file name; other files counted"
        }
        Form::Fields => "form: text fields, file names, text files; other files counted",
        Form::Call => "form: `session` JSON; the SDP offer counted",
        Form::Slice => "form: a slice of a file, counted",
    }
    };
    match op.body {
        Body::None => "query string".to_string(),
        Body::WebSocket => "query string; the session counted".to_string(),
        Body::Json(_) => json,
        Body::Form(f) => form(f).to_string(),
        Body::JsonOrForm(_, f) => format!("{json}; or {}", form(f)),
    }
}

fn body_kind(op: &Operation) -> &'static str {
    match op.body {
        Body::None => "none",
        Body::WebSocket => "WebSocket",
        Body::Json(_) => "JSON",
        Body::Form(Form::Call) => "multipart or SDP",
        Body::Form(_) => "multipart",
        Body::JsonOrForm(..) => "JSON or multipart",
    }
}

fn generate() -> String {
    let mut out = String::new();
    let http = OPERATIONS
        .iter()
        .filter(|o| o.body != Body::WebSocket)
        .count();
    let ws = OPERATIONS.len() - http;
    let apis: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.api.as_str()).collect();
    writeln!(
        out,
        "# Endpoints\n\n\
         <!-- Generated by `OCF_WRITE_DOCS=1 cargo test --test endpoints_doc` from\n\
         src/openai/operations.rs and the core's own decisions; tests/endpoints_doc.rs fails\n\
         when this file is stale. Do not edit by hand. -->\n\n\
         Every operation of the OpenAI API the filter knows: {} in all, {http} HTTP operations\n\
         and {ws} WebSocket endpoints in {} APIs, derived from OpenAI's OpenAPI document and the\n\
         official Python and Node SDKs (sources and date: the header of\n\
         [`src/openai/operations.rs`](../src/openai/operations.rs)).\n",
        OPERATIONS.len(),
        apis.len()
    )
    .unwrap();
    out.push_str(
        "Each decision below is what the filter does with a clean request of that operation,\n\
         computed by sending it through the core: under the default policy `{}`, and for a\n\
         project with `retention: zero` or `hipaa` (with `missing_store: inject`). A request\n\
         with findings is redacted (or refused, per the detectors' actions) the same way;\n\
         see [policy.md](policy.md) for the rules behind each refusal.\n\n\
         - **What is inspected.** JSON bodies: every string and every member name the caller\n\
         chose, at any depth, with the API's own names and identifier values exempt\n\
         (`model`, `role`, `type`, ids; an invitation's `email`). Multipart bodies: every text\n\
         field, every file name, the JSONL files of `files.create`, and every file that is\n\
         UTF-8 text (notes, CSV, Markdown, code, JSON), read whole. The query string of\n\
         every request.\n\
         - **Counted: what cannot be scanned** (`unscannable` in the record, one policy\n\
         setting for all): inline base64 (`data:` URLs, `file_data`, `input_audio`),\n\
         binary uploads (documents, images, audio, upload parts, text not in UTF-8),\n\
         token-id arrays (a `prompt` or `input` of integers), WebSocket upgrades and\n\
         WebRTC offers. Forwarded\n\
         and counted by default; refused (403 `unscannable_content`) with\n\
         `\"unscannable\": \"refuse\"` and, by default, under `zero` and `hipaa`.\n\
         - **No body**: list, retrieve, delete and cancel operations pass on the head rules\n\
         (project, organization, caller, region, endpoints, retention scope).\n\
         - **Refused by default**: nothing on this list. A body-bearing request to a path\n\
         or method that is not on it is refused (403 `endpoint_not_allowed`) unless\n\
         `unknown_endpoints` is `inspect`. Under `zero` and `hipaa` only the ZDR-eligible\n\
         APIs without an id in the path are allowed (`retention_violation`: the stateful\n\
         APIs keep application state upstream; realtime sessions run where the filter\n\
         cannot read them), and what cannot be scanned is refused.\n\n",
    );
    out.push_str(
        "## Azure OpenAI\n\n\
         The `AzureOpenAI` clients send the same operations under three prefixes, all\n\
         recognised: `/openai/v1/...` (the v1 API, body `model` = a deployment),\n\
         `/openai/...?api-version=...` (every operation, e.g. `/openai/files`,\n\
         `/openai/batches`, `/openai/responses`; body `model` = a deployment), and\n\
         `/openai/deployments/{deployment}/...` for `completions`, `chat/completions`,\n\
         `embeddings`, `audio/transcriptions`, `audio/translations`, `audio/speech`,\n\
         `images/generations`, `images/edits` and `batches` (openai-python `lib/azure.py`,\n\
         openai-node `azure.ts`). `azure.deployments` maps a deployment to its model before\n\
         the `models` allowlist; the record's `model` is the mapped model and never the\n\
         deployment's name (an unmapped deployment is recorded as no model). Decisions are\n\
         the same as below.\n\n",
    );
    out.push_str(
        "## Operations\n\n\
         | API | SDK call | Method and path | Body | What is inspected | `{}` | `zero` | `hipaa` |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for op in OPERATIONS {
        let method = match op.method {
            Method::Get if op.body == Body::WebSocket => "GET (WebSocket)",
            m => m.as_str(),
        };
        writeln!(
            out,
            "| {} | `{}` | {method} `/v1{}` | {} | {} | {} | {} | {} |",
            op.api.as_str(),
            op.name,
            op.path,
            body_kind(op),
            inspected(op),
            decision(DEFAULT, op),
            decision(ZERO, op),
            decision(HIPAA, op),
        )
        .unwrap();
    }
    out
}

#[test]
fn docs_endpoints_md_is_generated_from_the_surface() {
    let want = generate();
    if std::env::var_os("OCF_WRITE_DOCS").is_some() {
        std::fs::write(DOC, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        have == want,
        "docs/endpoints.md is stale: run `OCF_WRITE_DOCS=1 cargo test --test endpoints_doc`"
    );
}

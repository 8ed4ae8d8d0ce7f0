//! File uploads (`POST /v1/files`, `multipart/form-data`): the JSONL files of the `batch`,
//! `fine-tune` and `evals` purposes are inspected line by line, each line a JSON document
//! through the same pipeline as a request body (pseudonyms numbered across the whole file),
//! and a batch line's `url`, `method`, `body` shape and model are held to the project's rules
//! as if the request were sent directly. The file name is scanned too. Edits are spliced into
//! the original bytes; every other byte of the upload reaches OpenAI as it was sent. Any other
//! purpose or file, and anything that is not strict multipart or strict JSONL, is refused.

pub mod multipart;

use std::ops::Range;

use crate::config::{ActionTable, Policy, Project};
use crate::json::{self, escape_into, Limits, Value};
use crate::openai::{classify, facts, ApiKind, Endpoint};
use crate::pipeline::{inspect_document, shape_ok, BodyOutcome, Verdict, MAX_FINDINGS};
use crate::policy::patterns::any_endpoint;
use crate::policy::retention::{self, BodyChange};
use crate::policy::Reason;
use crate::redact::Renderer;

/// Purposes whose files are JSONL the filter reads.
const JSONL_PURPOSES: &[&str] = &["batch", "fine-tune", "evals"];
/// Purposes OpenAI takes whose files the filter cannot read (documents, images).
const OTHER_PURPOSES: &[&str] = &["assistants", "vision", "user_data"];
/// Form fields besides `purpose` and `file`, with the bytes their value may hold.
const EXPIRY_FIELDS: &[&str] = &["expires_after[anchor]", "expires_after[seconds]"];

/// Inspects one upload to `POST /v1/files` whose content type named `boundary`, under
/// `actions` and (when the request resolved to one) `project`.
pub fn inspect_upload(
    policy: &Policy,
    actions: &ActionTable,
    project: Option<&Project>,
    boundary: &str,
    body: &[u8],
) -> BodyOutcome {
    if body.len() as u64 > policy.max_body_bytes {
        return BodyOutcome::deny(Reason::BodyTooLarge);
    }
    match inspect(policy, actions, project, boundary, body) {
        Ok(outcome) => outcome,
        Err(reason) => BodyOutcome::deny(reason),
    }
}

fn inspect(
    policy: &Policy,
    actions: &ActionTable,
    project: Option<&Project>,
    boundary: &str,
    body: &[u8],
) -> Result<BodyOutcome, Reason> {
    let parts = multipart::parse(body, boundary).ok_or(Reason::InvalidBody)?;
    let (mut purpose, mut file) = (None, None);
    for p in &parts {
        let value = body.get(p.content.clone()).unwrap_or(&[]);
        match p.name.as_str() {
            "purpose" if purpose.is_none() && p.filename.is_none() => {
                purpose = Some(std::str::from_utf8(value).map_err(|_| Reason::InvalidBody)?);
            }
            "file" if file.is_none() && p.filename.is_some() => file = Some(p),
            n if EXPIRY_FIELDS.contains(&n) && p.filename.is_none() => {
                // `created_at`, or a number of seconds: nothing a person wrote.
                let plain = value.len() <= 32
                    && value
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
                if !plain {
                    return Err(Reason::InvalidBody);
                }
            }
            _ => return Err(Reason::InvalidBody),
        }
    }
    let (Some(purpose), Some(file)) = (purpose, file) else {
        return Err(Reason::InvalidBody);
    };
    if !JSONL_PURPOSES.contains(&purpose) {
        return Err(if OTHER_PURPOSES.contains(&purpose) {
            Reason::FileNotInspectable
        } else {
            Reason::InvalidBody
        });
    }
    let mut renderer = Renderer::new(policy.detectors.rules(), actions);
    let mut outcome = BodyOutcome::default();
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    if let Some(span) = file.filename.clone() {
        let name = body.get(span.clone()).unwrap_or(&[]);
        if let Some(new_name) =
            inspect_filename(policy, actions, name, &mut renderer, &mut outcome)?
        {
            edits.push((span, new_name));
        }
    }
    let content = body.get(file.content.clone()).unwrap_or(&[]);
    let text = std::str::from_utf8(content).map_err(|_| Reason::FileNotInspectable)?;
    let check = |line: &[u8]| match (purpose, project) {
        ("batch", project) => batch_line(line, project),
        _ => Ok(()),
    };
    if let Some(new_content) =
        inspect_lines(policy, actions, text, &mut renderer, &mut outcome, check)?
    {
        edits.push((file.content.clone(), new_content));
    }
    if outcome.counts.total() as usize > MAX_FINDINGS {
        return Err(Reason::TooManyFindings);
    }
    outcome.verdict = Some(if edits.is_empty() {
        Verdict::Forward
    } else {
        // A placeholder never holds CR or LF, so the rewrite cannot make a new delimiter.
        Verdict::Rewrite(multipart::splice(body, &edits).ok_or(Reason::InvalidBody)?)
    });
    Ok(outcome)
}

/// A generic JSON document (no endpoint shape): a JSONL line, or the file name's wrapper.
fn document_endpoint() -> Endpoint {
    Endpoint {
        kind: ApiKind::Files,
        route: "/v1/files".into(),
        inspects_json: false,
        deployment: None,
    }
}

/// Adds one document's outcome to the upload's: its rewrite, or `None`.
fn absorb(part: BodyOutcome, outcome: &mut BodyOutcome) -> Result<Option<Vec<u8>>, Reason> {
    outcome.counts.add(&part.counts);
    outcome.opaque_blobs = outcome.opaque_blobs.saturating_add(part.opaque_blobs);
    match part.verdict {
        Some(Verdict::Deny(reason)) => Err(reason),
        Some(Verdict::Rewrite(bytes)) => Ok(Some(bytes)),
        Some(Verdict::Forward) | None => Ok(None),
    }
}

/// The file name, scanned as a JSON string: its new bytes when it was redacted.
fn inspect_filename(
    policy: &Policy,
    actions: &ActionTable,
    name: &[u8],
    renderer: &mut Renderer,
    outcome: &mut BodyOutcome,
) -> Result<Option<Vec<u8>>, Reason> {
    let name = std::str::from_utf8(name).map_err(|_| Reason::InvalidBody)?;
    let mut doc = String::from("{\"filename\":\"");
    escape_into(name, &mut doc);
    doc.push_str("\"}");
    let ep = document_endpoint();
    let part = inspect_document(policy, actions, &ep, doc.as_bytes(), renderer);
    let Some(bytes) = absorb(part, outcome)? else {
        return Ok(None);
    };
    let src = std::str::from_utf8(&bytes).map_err(|_| Reason::InvalidBody)?;
    let root = json::parse(src, &Limits::default()).map_err(|_| Reason::InvalidBody)?;
    let new_name = root
        .get(src, "filename")
        .and_then(|v| v.as_str(src))
        .ok_or(Reason::InvalidBody)?;
    // The name sits in a quoted header parameter: it must stay one.
    if new_name
        .bytes()
        .any(|b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'))
    {
        return Err(Reason::InvalidBody);
    }
    Ok(Some(new_name.into_owned().into_bytes()))
}

/// Each line of a JSONL file through the pipeline, then `check` on what would be sent: the
/// new text when some line was rewritten. Blank lines pass as they are; line ends (LF or
/// CRLF) are kept.
fn inspect_lines(
    policy: &Policy,
    actions: &ActionTable,
    text: &str,
    renderer: &mut Renderer,
    outcome: &mut BodyOutcome,
    check: impl Fn(&[u8]) -> Result<(), Reason>,
) -> Result<Option<Vec<u8>>, Reason> {
    let ep = document_endpoint();
    let mut out: Vec<u8> = Vec::new();
    let mut changed = false;
    let mut copied = 0;
    let mut at = 0;
    let mut lines = 0u32;
    for raw in text.split_inclusive('\n') {
        let start = at;
        at += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let part = inspect_document(policy, actions, &ep, line.as_bytes(), renderer);
        match absorb(part, outcome)? {
            None => check(line.as_bytes())?,
            Some(bytes) => {
                check(&bytes)?;
                out.extend_from_slice(text.as_bytes().get(copied..start).unwrap_or(&[]));
                out.extend_from_slice(&bytes);
                copied = start + line.len();
                changed = true;
            }
        }
    }
    if lines == 0 {
        return Err(Reason::InvalidBody);
    }
    if !changed {
        return Ok(None);
    }
    out.extend_from_slice(text.as_bytes().get(copied..).unwrap_or(&[]));
    Ok(Some(out))
}

/// A line of a batch input file: `{"custom_id", "method": "POST", "url", "body"}`, where the
/// URL is an endpoint whose body the filter inspects (the batch API's), the body has that
/// endpoint's shape, and `project`'s endpoint and model rules allow it.
fn batch_line(line: &[u8], project: Option<&Project>) -> Result<(), Reason> {
    let src = std::str::from_utf8(line).map_err(|_| Reason::InvalidBody)?;
    let root = json::parse(src, &Limits::default()).map_err(|_| Reason::InvalidBody)?;
    let field = |k: &str| root.get(src, k).and_then(|v| v.as_str(src));
    if field("method").is_none_or(|m| m != "POST") {
        return Err(Reason::InvalidBody);
    }
    let url = field("url").ok_or(Reason::InvalidBody)?;
    // Batch URLs are paths (`/v1/chat/completions`); a query or a host is not one.
    if !url.starts_with('/') || url.contains(['?', '#']) {
        return Err(Reason::InvalidBody);
    }
    let endpoint = classify("POST", &url).map_err(|_| Reason::InvalidBody)?;
    if !endpoint.inspects_json || endpoint.deployment.is_some() {
        return Err(Reason::EndpointNotAllowed);
    }
    if let Some(endpoints) = project.and_then(|p| p.endpoints.as_ref()) {
        if !any_endpoint(endpoints, &endpoint) {
            return Err(Reason::EndpointNotAllowed);
        }
    }
    let body = root.get(src, "body").ok_or(Reason::InvalidBody)?;
    if !matches!(body, Value::Object(_)) || !shape_ok(src, body, endpoint.kind) {
        return Err(Reason::InvalidBody);
    }
    let Some(p) = project else {
        return Ok(());
    };
    let facts = facts::read(src, body);
    match retention::check_body(p, &endpoint, &facts, None, 0)? {
        BodyChange::None => Ok(()),
        // A file is stored upstream: a project that needs `store:false` never gets here
        // (uploads are outside every zero-retention scope).
        BodyChange::InjectStoreFalse => Err(Reason::RetentionViolation),
    }
}

#[cfg(test)]
mod tests;

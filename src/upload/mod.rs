//! File uploads (`POST /v1/files`, `multipart/form-data`): the JSONL files of the `batch`,
//! `fine-tune` and `evals` purposes are inspected line by line, each line a JSON document
//! through the same pipeline as a request body (pseudonyms numbered across the whole file),
//! and a batch line's `url`, `method`, `body` shape and model are held to the project's rules
//! as if the request were sent directly. The file name is scanned too. Edits are spliced into
//! the original bytes; every other byte of the upload reaches OpenAI as it was sent. A file
//! of any other purpose is read whole when it is UTF-8 text ([`text_file`]); a document or an
//! image cannot be scanned: it is counted as a `binary_upload` and the policy's
//! `unscannable` setting decides. Anything that is not strict
//! multipart, and a JSONL purpose's file that is not strict JSONL, is refused. The other
//! multipart operations (audio, image edits, upload parts, ...) are [`form`].

pub mod form;
pub mod multipart;
pub mod text_file;

use std::collections::HashMap;
use std::ops::Range;

use crate::config::patterns::any_endpoint;
use crate::config::{ActionTable, Policy, Project, Register};
use crate::json::{self, Limits, Value};
use crate::openai::{classify, facts, ApiKind, Endpoint, Unscannable};
use crate::pipeline::{
    inspect_document, inspect_named, shape_of, shape_ok, BodyOutcome, DocumentKind, FindingCounts,
    NamedOutcome, NamedVerdict, NewTexts, Reading, Texts, Verdict, MAX_FINDINGS,
};
use crate::policy::project::model_of;
use crate::policy::retention::{self, BodyChange};
use crate::reason::Reason;
use crate::redact::Renderer;

/// Purposes whose files are JSONL the filter reads.
const JSONL_PURPOSES: &[&str] = &["batch", "fine-tune", "evals"];
/// Form fields besides `purpose` and `file`, with the bytes their value may hold.
const EXPIRY_FIELDS: &[&str] = &["expires_after[anchor]", "expires_after[seconds]"];
/// The `url` of a batch line: the endpoints the batch API runs.
const BATCH_URLS: &[&str] = &[
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
];

/// Inspects one upload to `POST /v1/files` whose content type named `boundary`, under
/// `actions` and (when the request resolved to one) `project`.
pub fn inspect_upload(
    policy: &Policy,
    actions: &ActionTable,
    project: Option<&Project>,
    boundary: &str,
    body: &[u8],
) -> BodyOutcome {
    inspect_upload_to(policy, actions, project, files_endpoint(), boundary, body)
}

/// `POST /v1/files`, where [`inspect_upload`] sends an upload. Built once per VM.
fn files_endpoint() -> &'static Endpoint {
    static ENDPOINT: std::sync::OnceLock<Endpoint> = std::sync::OnceLock::new();
    ENDPOINT.get_or_init(|| Endpoint {
        kind: ApiKind::Files,
        route: "/v1/files".into(),
        op: None,
        azure: None,
        deployment: None,
    })
}

/// [`inspect_upload`] of an upload sent to `endpoint` (`/v1/files`, or Azure OpenAI's
/// `/openai/files`, whose batch lines name their `url` without `/v1` and a deployment as
/// their `model`).
pub fn inspect_upload_to(
    policy: &Policy,
    actions: &ActionTable,
    project: Option<&Project>,
    endpoint: &Endpoint,
    boundary: &str,
    body: &[u8],
) -> BodyOutcome {
    if body.len() as u64 > policy.max_body_bytes {
        return BodyOutcome::deny(Reason::BodyTooLarge);
    }
    let via = Via {
        register: &policy.register,
        endpoint,
    };
    match inspect(policy, actions, project, via, boundary, body) {
        Ok(outcome) => outcome,
        Err(reason) => BodyOutcome::deny(reason),
    }
}

/// Where an upload was sent: what its batch lines are held to.
#[derive(Clone, Copy)]
struct Via<'a> {
    register: &'a Register,
    endpoint: &'a Endpoint,
}

fn inspect(
    policy: &Policy,
    actions: &ActionTable,
    project: Option<&Project>,
    via: Via<'_>,
    boundary: &str,
    body: &[u8],
) -> Result<BodyOutcome, Reason> {
    let parts = multipart::parse(body, boundary).ok_or(Reason::InvalidBody)?;
    let (mut purpose, mut file) = (None, None);
    for p in &parts {
        let value = multipart::bytes_of(body, &p.content);
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
    let mut renderer = Renderer::new(policy.detectors.rules(), actions);
    let mut outcome = BodyOutcome::default();
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    if let Some(span) = file.filename.clone() {
        let name = multipart::bytes_of(body, &span);
        if let Some(new_name) =
            inspect_filename(policy, actions, name, &mut renderer, &mut outcome)?
        {
            edits.push((span, new_name));
        }
    }
    let content = multipart::bytes_of(body, &file.content);
    if !JSONL_PURPOSES.contains(&purpose) {
        // A text file (notes, CSV, code) is read whole; a document, an image, ... is not
        // text the filter reads.
        let name = file
            .filename
            .as_ref()
            .map_or(&[][..], |s| multipart::bytes_of(body, s));
        if text_file::is_text(name, file.content_type.as_deref(), content) {
            let new =
                text_file::inspect_text(policy, actions, content, &mut renderer, &mut outcome)?;
            if let Some(new) = new {
                push_content(file, new, boundary, &mut edits)?;
            }
        } else {
            outcome.unscannable.binary_upload = 1;
        }
        outcome.verdict = Some(settle(body, edits)?);
        return Ok(outcome);
    }
    let text = std::str::from_utf8(content).map_err(|_| Reason::FileNotInspectable)?;
    let lines = Lines {
        policy,
        actions,
        file: match purpose {
            "batch" => JsonlFile::Batch(project, via),
            _ => JsonlFile::FreeForm,
        },
    };
    if let Some(new_content) = lines.inspect(text, &mut renderer, &mut outcome)? {
        push_content(file, new_content, boundary, &mut edits)?;
    }
    outcome.verdict = Some(settle(body, edits)?);
    Ok(outcome)
}

/// The edit that gives `part` the content `new`: refused if `new` would end the part early;
/// a part that states its length (OkHttp) states the new one.
fn push_content(
    part: &multipart::Part,
    new: Vec<u8>,
    boundary: &str,
    edits: &mut Vec<(Range<usize>, Vec<u8>)>,
) -> Result<(), Reason> {
    let delimiter = format!("\r\n--{boundary}");
    if new
        .windows(delimiter.len())
        .any(|w| w == delimiter.as_bytes())
    {
        return Err(Reason::InvalidBody);
    }
    if let Some(span) = part.length.clone() {
        edits.push((span, new.len().to_string().into_bytes()));
    }
    edits.push((part.content.clone(), new));
    Ok(())
}

/// The verdict for `body` with `edits` (any order) applied.
fn settle(body: &[u8], mut edits: Vec<(Range<usize>, Vec<u8>)>) -> Result<Verdict, Reason> {
    edits.sort_by_key(|(span, _)| span.start);
    Ok(if edits.is_empty() {
        Verdict::Forward
    } else {
        // Edits are JSON string contents (escaped: no CR or LF), a file name without CR, LF
        // or quotes and form values checked for the delimiter, so the rewrite cannot make a
        // new delimiter or header.
        Verdict::Rewrite(multipart::splice(body, &edits).ok_or(Reason::InvalidBody)?)
    })
}

/// Adds one document's outcome to the upload's: its rewrite, or `None`.
fn absorb(part: BodyOutcome, outcome: &mut BodyOutcome) -> Result<Option<Vec<u8>>, Reason> {
    count(&part.counts, &part.unscannable, outcome)?;
    match part.verdict {
        Some(Verdict::Deny(reason)) => Err(reason),
        Some(Verdict::Rewrite(bytes)) => Ok(Some(bytes)),
        Some(Verdict::Forward) | None => Ok(None),
    }
}

/// [`absorb`] for named texts: their new texts, or `None`.
fn absorb_named(part: NamedOutcome, outcome: &mut BodyOutcome) -> Result<Option<NewTexts>, Reason> {
    count(&part.counts, &part.unscannable, outcome)?;
    match part.verdict {
        NamedVerdict::Deny(reason) => Err(reason),
        NamedVerdict::Rewrite(new) => new.read().map(Some),
        NamedVerdict::Forward => Ok(None),
    }
}

/// Adds one part's counts to the upload's.
fn count(
    counts: &FindingCounts,
    unscannable: &Unscannable,
    outcome: &mut BodyOutcome,
) -> Result<(), Reason> {
    outcome.counts.add(counts);
    outcome.unscannable.add(unscannable);
    // Checked as the lines go: a file of many small findings stops at the cap.
    if outcome.counts.total() as usize > MAX_FINDINGS {
        return Err(Reason::TooManyFindings);
    }
    Ok(())
}

/// The file name, scanned as the text of a `filename`: its new bytes when it was redacted.
fn inspect_filename(
    policy: &Policy,
    actions: &ActionTable,
    name: &[u8],
    renderer: &mut Renderer,
    outcome: &mut BodyOutcome,
) -> Result<Option<Vec<u8>>, Reason> {
    let name = std::str::from_utf8(name).map_err(|_| Reason::InvalidBody)?;
    let texts = Texts::One(name);
    let kind = DocumentKind::FreeForm;
    let part = inspect_named(policy, actions, "filename", texts, kind, renderer);
    let Some(new) = absorb_named(part, outcome)? else {
        return Ok(None);
    };
    let new_name = match (new.name.as_str(), new.values.as_slice()) {
        ("filename", [value]) => value.as_str(),
        _ => return Err(Reason::InvalidBody),
    };
    // The name sits in a quoted header parameter: it must stay one.
    if new_name
        .bytes()
        .any(|b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'))
    {
        return Err(Reason::InvalidBody);
    }
    // OpenAI takes files by their extension: one a value swallowed is put back
    // (`jane@example.com.jsonl` is `[EMAIL].jsonl`, not `[EMAIL]`).
    let ext = name
        .rfind('.')
        .and_then(|i| name.get(i..))
        .filter(|e| {
            FILE_EXTENSIONS
                .iter()
                .any(|x| e.get(1..).is_some_and(|e| e.eq_ignore_ascii_case(x)))
        })
        .unwrap_or("");
    let lost = !ext.is_empty() && !new_name.ends_with(ext);
    Ok(Some(
        format!("{new_name}{}", if lost { ext } else { "" }).into_bytes(),
    ))
}

/// File types the upload operations take, by extension: one a redaction swallowed is put
/// back. (Only these: a name's last dot may also end a value, `jane@example.com`.)
const FILE_EXTENSIONS: &[&str] = &[
    "jsonl", "json", "pdf", "txt", "md", "csv", "doc", "docx", "pptx", "xlsx", "html", "png",
    "jpg", "jpeg", "gif", "webp", "mp3", "mp4", "mpeg", "mpga", "m4a", "wav", "webm", "ogg",
    "flac", "zip",
];

/// How the lines of one JSONL file are inspected.
struct Lines<'a> {
    policy: &'a Policy,
    actions: &'a ActionTable,
    file: JsonlFile<'a>,
}

/// What the lines of a JSONL file are.
#[derive(Clone, Copy)]
enum JsonlFile<'a> {
    /// Requests of a batch input file, under this project (if any), uploaded this way: each
    /// line is checked as if it were sent directly.
    Batch(Option<&'a Project>, Via<'a>),
    /// The customer's own JSON (fine-tune, evals), where `id` or `type` may hold anything.
    FreeForm,
}

impl Lines<'_> {
    /// Each line through the pipeline, then (batch files) the checks of a batch line on what
    /// would be sent: the new text when some line was rewritten. Blank lines (JSON
    /// whitespace only) pass as they are; line ends (LF or CRLF) are kept.
    fn inspect(
        &self,
        text: &str,
        renderer: &mut Renderer,
        outcome: &mut BodyOutcome,
    ) -> Result<Option<Vec<u8>>, Reason> {
        let reading = Reading::document(match self.file {
            JsonlFile::Batch(..) => DocumentKind::Request,
            JsonlFile::FreeForm => DocumentKind::FreeForm,
        });
        // Each custom_id sent, and whether a rewrite made it.
        let mut ids: HashMap<String, bool> = HashMap::new();
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
            if line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                continue;
            }
            lines += 1;
            let bytes = line.as_bytes();
            let part = inspect_document(self.policy, self.actions, reading, bytes, renderer);
            let rewrite = absorb(part, outcome)?;
            if let JsonlFile::Batch(project, via) = self.file {
                let id = batch_line(rewrite.as_deref().unwrap_or(bytes), project, via)?;
                let rewritten = rewrite.is_some();
                if let Some(before) = ids.insert(id, rewritten) {
                    // Two lines that redaction made alike: OpenAI would refuse the file,
                    // and the client could not match its results.
                    if before || rewritten {
                        return Err(Reason::ContentBlocked);
                    }
                }
            }
            if let Some(new_line) = rewrite {
                let kept = text.as_bytes().get(copied..start);
                debug_assert!(kept.is_some(), "lines are read in order");
                out.extend_from_slice(kept.unwrap_or(&[]));
                out.extend_from_slice(&new_line);
                copied = start + line.len();
                changed = true;
            }
        }
        if lines == 0 {
            return Err(Reason::InvalidBody);
        }
        if !changed {
            return Ok(None);
        }
        let rest = text.as_bytes().get(copied..);
        debug_assert!(rest.is_some(), "lines are read in order");
        out.extend_from_slice(rest.unwrap_or(&[]));
        Ok(Some(out))
    }
}

/// A line of a batch input file: `{"custom_id", "method": "POST", "url", "body"}`, where the
/// URL is an endpoint whose body the filter inspects (the batch API's), the body has that
/// endpoint's shape, and `project`'s endpoint and model rules allow it. A file uploaded to
/// Azure OpenAI may name the URL without `/v1` (`/chat/completions`), and its `model` is a
/// deployment.
fn batch_line(line: &[u8], project: Option<&Project>, via: Via<'_>) -> Result<String, Reason> {
    let src = std::str::from_utf8(line).map_err(|_| Reason::InvalidBody)?;
    let root = json::parse(src, &Limits::default()).map_err(|_| Reason::InvalidBody)?;
    let field = |k: &str| root.get(src, k).and_then(|v| v.as_str(src));
    if field("method").is_none_or(|m| m != "POST") {
        return Err(Reason::InvalidBody);
    }
    let custom_id = field("custom_id").ok_or(Reason::InvalidBody)?.into_owned();
    let url = field("url").ok_or(Reason::InvalidBody)?;
    // Exactly the paths the batch API takes: no other spelling reaches a rule.
    let azure = via.endpoint.azure.is_some();
    let known = BATCH_URLS
        .iter()
        .find(|u| **u == url.as_ref() || (azure && u.strip_prefix("/v1") == Some(url.as_ref())));
    let Some(url) = known else {
        return Err(Reason::EndpointNotAllowed);
    };
    let mut endpoint = classify("POST", url).map_err(|_| Reason::InvalidBody)?;
    // Judged as the line would be sent: on Azure, by its deployment.
    if via.endpoint.model_is_deployment() {
        endpoint.azure = via.endpoint.azure;
    }
    if let Some(endpoints) = project.and_then(|p| p.endpoints.as_ref()) {
        if !any_endpoint(endpoints, &endpoint) {
            return Err(Reason::EndpointNotAllowed);
        }
    }
    let body = root.get(src, "body").ok_or(Reason::InvalidBody)?;
    if !matches!(body, Value::Object(_)) || !shape_ok(src, body, shape_of(&endpoint)) {
        return Err(Reason::InvalidBody);
    }
    let Some(p) = project else {
        return Ok(custom_id);
    };
    let facts = facts::read(src, body);
    let model = model_of(via.register, &endpoint, facts.model.as_deref());
    match retention::check_body(p, &endpoint, &facts, model)? {
        BodyChange::None => Ok(custom_id),
        // A file is stored upstream: a project that needs `store:false` never gets here
        // (uploads are outside every zero-retention scope).
        BodyChange::InjectStoreFalse => Err(Reason::RetentionViolation),
    }
}

#[cfg(test)]
mod tests;

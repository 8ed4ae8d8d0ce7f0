//! The OpenAI API surface as data: every operation (method, path template, API, the official
//! SDKs' name for it, and the kind of body it takes), and the lookup that finds the operation
//! of a request path. The table itself is [`super::operations`], derived from the published
//! OpenAPI document and the official SDKs' resource definitions (sources in its header).
//!
//! What the filter does with a request follows from its operation's [`Body`]: JSON is walked
//! ([`super::walker`]), multipart text fields and text files are scanned, other files counted
//! ([`crate::upload`]), no body passes on the head rules, a WebSocket is counted. Azure
//! OpenAI's paths (`/openai/...`) reuse the same operations ([`super::endpoint`]).

use super::api::ApiKind;
pub use super::operations::OPERATIONS;
use std::collections::HashMap;
use std::sync::OnceLock;

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method as sent (`GET`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    /// The method named `m` (any case), if the API uses it.
    pub fn parse(m: &str) -> Option<Method> {
        [Method::Get, Method::Post, Method::Delete]
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(m))
    }
}

/// What a JSON body of an operation must look like besides being an object: the create
/// requests of the five text APIs carry their text in a field of a known type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Any object.
    Object,
    /// `messages` is an array.
    Chat,
    /// `input`, if present, is a string or an array.
    Responses,
    /// `prompt`, if present, is a string or an array.
    Completions,
    /// `input` is a string or an array.
    Embeddings,
    /// `input` is a string or an array.
    Moderations,
}

/// What a `multipart/form-data` body of an operation holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `files.create`: a `purpose`, one `file` (JSONL for `batch`, `fine-tune` and `evals`,
    /// inspected line by line; any other file is a binary upload) and its expiry fields.
    Files,
    /// Text fields (scanned like a body's strings) and files (read when text, else binary
    /// uploads).
    Fields,
    /// `uploads.parts.create`: one slice of a file (`data`) cut at any byte, counted as a
    /// binary upload whatever its bytes: a value may be cut in two, and the upload's declared
    /// size forbids changing a slice's length.
    Slice,
    /// `realtime.calls.create`: a WebRTC offer (`sdp`, or the whole body as
    /// `application/sdp`) and an optional `session` JSON part.
    Call,
}

/// The body an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// None (list, retrieve, delete, cancel and the like).
    None,
    /// A JSON object.
    Json(Shape),
    /// A `multipart/form-data` form.
    Form(Form),
    /// Either, by the content type the client sends.
    JsonOrForm(Shape, Form),
    /// A WebSocket upgrade (a `GET`): the frames that follow are not HTTP bodies.
    WebSocket,
}

impl Body {
    /// The JSON shape, if the operation takes JSON.
    pub fn json(self) -> Option<Shape> {
        match self {
            Body::Json(s) | Body::JsonOrForm(s, _) => Some(s),
            _ => None,
        }
    }

    /// The form, if the operation takes multipart.
    pub fn form(self) -> Option<Form> {
        match self {
            Body::Form(f) | Body::JsonOrForm(_, f) => Some(f),
            _ => None,
        }
    }
}

/// One operation of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// Path template under `/v1`, parameters in braces (`/responses/{response_id}/cancel`).
    pub path: &'static str,
    /// The API it belongs to.
    pub api: ApiKind,
    /// The official Python SDK's name for it (`responses.cancel`).
    pub name: &'static str,
    /// The body it takes.
    pub body: Body,
    /// The request names the model that runs: a project's `models` requires one.
    pub names_model: bool,
    /// Top-level members whose string values are the API's identifiers of a person (an
    /// invitation's `email`): sent as they are, like `model` or ids.
    pub ids: &'static [&'static str],
}

/// An operation (the table's constructor).
pub(crate) const fn op(
    method: Method,
    path: &'static str,
    api: ApiKind,
    name: &'static str,
    body: Body,
) -> Operation {
    Operation {
        method,
        path,
        api,
        name,
        body,
        names_model: false,
        ids: &[],
    }
}

impl Operation {
    /// This operation, naming the model that runs.
    pub(crate) const fn names_model(mut self) -> Self {
        self.names_model = true;
        self
    }

    /// This operation, with top-level identifier members.
    pub(crate) const fn with_ids(mut self, ids: &'static [&'static str]) -> Self {
        self.ids = ids;
        self
    }

    /// The path's segments (`{...}` for a parameter).
    pub fn segments(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').skip(1)
    }

    /// The route as recorded: `prefix` then the path with every parameter as `{id}`.
    pub fn route(&self, prefix: &str) -> String {
        let mut route = String::with_capacity(prefix.len() + self.path.len());
        route.push_str(prefix);
        for seg in self.segments() {
            route.push('/');
            route.push_str(if is_param(seg) { "{id}" } else { seg });
        }
        route
    }

    /// The route has an id in it: the request reads or changes stored state.
    pub fn has_id(&self) -> bool {
        self.segments().any(is_param)
    }
}

fn is_param(seg: &str) -> bool {
    seg.starts_with('{')
}

/// The operation of `method` on the path segments `segs` (after `/v1`), or `None` when the
/// API has no such operation. A literal segment wins over a parameter at the first place
/// two templates differ (`POST /responses/input_tokens` is not `/responses/{response_id}`).
pub fn find(method: &str, segs: &[&str]) -> Option<&'static Operation> {
    let method = Method::parse(method)?;
    let first = *segs.first()?;
    let mut best: Option<&Indexed> = None;
    for cand in index().get(&(method, first))? {
        if !matches(&cand.segs, segs) {
            continue;
        }
        best = match best {
            Some(b) if !more_literal(&cand.segs, &b.segs) => Some(b),
            _ => Some(cand),
        };
    }
    best.map(|b| b.op)
}

/// An operation with its path split, for [`find`].
struct Indexed {
    segs: Vec<&'static str>,
    op: &'static Operation,
}

/// The operations by method and first path segment, their paths split, built once per VM:
/// a lookup compares a request with the few operations of its resource.
fn index() -> &'static HashMap<(Method, &'static str), Vec<Indexed>> {
    static INDEX: OnceLock<HashMap<(Method, &'static str), Vec<Indexed>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map: HashMap<(Method, &'static str), Vec<Indexed>> = HashMap::new();
        for op in OPERATIONS {
            let segs: Vec<&'static str> = op.segments().collect();
            let first = segs.first().copied().unwrap_or("");
            map.entry((op.method, first))
                .or_default()
                .push(Indexed { segs, op });
        }
        map
    })
}

/// Whether a template's segments match `segs` (a parameter matches any one segment).
fn matches(template: &[&str], segs: &[&str]) -> bool {
    template.len() == segs.len()
        && template
            .iter()
            .zip(segs)
            .all(|(t, s)| is_param(t) || t == s)
}

/// Template `a` has a literal where `b` has a parameter, at the first place they differ.
fn more_literal(a: &[&str], b: &[&str]) -> bool {
    a.iter()
        .zip(b)
        .find(|(x, y)| is_param(x) != is_param(y))
        .is_some_and(|(x, _)| !is_param(x))
}

/// The operation's path with each parameter replaced by an id-like value (for tests).
#[cfg(test)]
pub(crate) fn instantiate(op: &Operation) -> String {
    op.segments()
        .enumerate()
        .map(|(i, s)| {
            if is_param(s) {
                format!("/x_{i}Ab9-z.1")
            } else {
                format!("/{s}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_no_duplicate_and_every_operation_is_found_by_its_own_path() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in OPERATIONS.iter().skip(i + 1) {
                let same = a.method == b.method
                    && a.segments().count() == b.segments().count()
                    && a.segments()
                        .zip(b.segments())
                        .all(|(x, y)| x == y || (is_param(x) && is_param(y)));
                assert!(!same, "{} {} twice", a.method.as_str(), a.path);
            }
            let path = instantiate(a);
            let segs: Vec<&str> = path.split('/').skip(1).collect();
            let found = find(a.method.as_str(), &segs);
            assert_eq!(found, Some(a), "{} {path}", a.method.as_str());
            assert_eq!(ApiKind::of_path(&segs), a.api, "{}", a.path);
        }
    }

    #[test]
    fn a_literal_wins_over_a_parameter() {
        let op = |m: &str, p: &str| {
            let segs: Vec<&str> = p.split('/').skip(1).collect();
            find(m, &segs).map(|o| o.name)
        };
        assert_eq!(
            op("POST", "/responses/input_tokens"),
            Some("responses.input_tokens.count")
        );
        assert_eq!(
            op("GET", "/responses/input_tokens"),
            Some("responses.retrieve")
        );
        assert_eq!(
            op("GET", "/videos/characters/char_1"),
            Some("videos.get_character")
        );
        assert_eq!(
            op("GET", "/videos/video_1/content"),
            Some("videos.download_content")
        );
        assert_eq!(op("PUT", "/responses"), None);
        assert_eq!(
            op("post", "/chat/completions"),
            Some("chat.completions.create")
        );
        assert_eq!(op("POST", "/chat/completions/x/y"), None);
    }

    #[test]
    fn routes_name_every_parameter_id() {
        let ops: Vec<&Operation> = OPERATIONS
            .iter()
            .filter(|o| o.name == "vector_stores.files.update")
            .collect();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].route("/v1"), "/v1/vector_stores/{id}/files/{id}");
        assert!(ops[0].has_id());
    }
}

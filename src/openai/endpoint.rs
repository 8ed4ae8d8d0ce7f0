//! Endpoint recognition from method and path: normalises the path (query, `//`, `/./`,
//! trailing `/`, percent-escapes), refuses paths that cannot be normalised safely, and names
//! the API with ids in the path replaced by `{id}`.

use crate::policy::Reason;

/// The API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKind {
    /// `/v1/chat/completions`.
    ChatCompletions,
    /// `/v1/responses`.
    Responses,
    /// `/v1/completions`.
    Completions,
    /// `/v1/embeddings`.
    Embeddings,
    /// `/v1/moderations`.
    Moderations,
    /// `/v1/images/...`.
    Images,
    /// `/v1/audio/transcriptions`.
    AudioTranscriptions,
    /// `/v1/audio/translations`.
    AudioTranslations,
    /// `/v1/audio/speech`.
    AudioSpeech,
    /// `/v1/files`.
    Files,
    /// `/v1/uploads`.
    Uploads,
    /// `/v1/batches`.
    Batches,
    /// `/v1/vector_stores`.
    VectorStores,
    /// `/v1/assistants`.
    Assistants,
    /// `/v1/threads`.
    Threads,
    /// `/v1/conversations`.
    Conversations,
    /// `/v1/fine_tuning`.
    FineTuning,
    /// `/v1/containers`.
    Containers,
    /// `/v1/models`.
    Models,
    /// `/v1/realtime`.
    Realtime,
    /// Anything else.
    Unknown,
}

impl ApiKind {
    /// Stable name for records and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::ChatCompletions => "chat.completions",
            ApiKind::Responses => "responses",
            ApiKind::Completions => "completions",
            ApiKind::Embeddings => "embeddings",
            ApiKind::Moderations => "moderations",
            ApiKind::Images => "images",
            ApiKind::AudioTranscriptions => "audio.transcriptions",
            ApiKind::AudioTranslations => "audio.translations",
            ApiKind::AudioSpeech => "audio.speech",
            ApiKind::Files => "files",
            ApiKind::Uploads => "uploads",
            ApiKind::Batches => "batches",
            ApiKind::VectorStores => "vector_stores",
            ApiKind::Assistants => "assistants",
            ApiKind::Threads => "threads",
            ApiKind::Conversations => "conversations",
            ApiKind::FineTuning => "fine_tuning",
            ApiKind::Containers => "containers",
            ApiKind::Models => "models",
            ApiKind::Realtime => "realtime",
            ApiKind::Unknown => "unknown",
        }
    }
}

/// A recognised request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The API.
    pub kind: ApiKind,
    /// The normalised path with ids replaced by `{id}` (safe to log), e.g.
    /// `/v1/responses/{id}/input_items`. `/v1/{unknown}` for unknown resources.
    pub route: String,
    /// True when the request body is a JSON document whose text the filter inspects for this
    /// method: POST to a create endpoint of the content-bearing APIs.
    pub inspects_json: bool,
}

/// Path segments that are literal names, not ids, after the resource.
const LITERAL_SEGMENTS: &[&str] = &[
    "completions",
    "input_items",
    "input_tokens",
    "cancel",
    "compact",
    "content",
    "messages",
    "runs",
    "steps",
    "files",
    "file_batches",
    "jobs",
    "checkpoints",
    "permissions",
    "generations",
    "edits",
    "variations",
    "transcriptions",
    "translations",
    "speech",
    "parts",
    "complete",
    "items",
    "search",
    "submit_tool_outputs",
    "sessions",
    "client_secrets",
    "calls",
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
            if b < 0x20 || b == 0x7f || b == b'\\' {
                return Err(Reason::InvalidPath);
            }
            decoded.push(char::from(b));
            i += 1;
        }
        if !decoded.is_ascii() {
            return Err(Reason::InvalidPath);
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
    let (kind, rest) = match segs.as_slice() {
        ["v1", "chat", "completions", rest @ ..] => (ApiKind::ChatCompletions, rest),
        ["v1", "responses", rest @ ..] => (ApiKind::Responses, rest),
        ["v1", "completions", rest @ ..] => (ApiKind::Completions, rest),
        ["v1", "embeddings", rest @ ..] => (ApiKind::Embeddings, rest),
        ["v1", "moderations", rest @ ..] => (ApiKind::Moderations, rest),
        ["v1", "images", rest @ ..] => (ApiKind::Images, rest),
        ["v1", "audio", "transcriptions", rest @ ..] => (ApiKind::AudioTranscriptions, rest),
        ["v1", "audio", "translations", rest @ ..] => (ApiKind::AudioTranslations, rest),
        ["v1", "audio", "speech", rest @ ..] => (ApiKind::AudioSpeech, rest),
        ["v1", "files", rest @ ..] => (ApiKind::Files, rest),
        ["v1", "uploads", rest @ ..] => (ApiKind::Uploads, rest),
        ["v1", "batches", rest @ ..] => (ApiKind::Batches, rest),
        ["v1", "vector_stores", rest @ ..] => (ApiKind::VectorStores, rest),
        ["v1", "assistants", rest @ ..] => (ApiKind::Assistants, rest),
        ["v1", "threads", rest @ ..] => (ApiKind::Threads, rest),
        ["v1", "conversations", rest @ ..] => (ApiKind::Conversations, rest),
        ["v1", "fine_tuning", rest @ ..] => (ApiKind::FineTuning, rest),
        ["v1", "containers", rest @ ..] => (ApiKind::Containers, rest),
        ["v1", "models", rest @ ..] => (ApiKind::Models, rest),
        ["v1", "realtime", rest @ ..] => (ApiKind::Realtime, rest),
        _ => (ApiKind::Unknown, &[][..]),
    };
    let route = if kind == ApiKind::Unknown {
        "/{unknown}".to_string()
    } else {
        let prefix_len = segs.len() - rest.len();
        let mut route = String::new();
        for s in segs.iter().take(prefix_len) {
            route.push('/');
            route.push_str(s);
        }
        for s in rest {
            route.push('/');
            if LITERAL_SEGMENTS.contains(s) {
                route.push_str(s);
            } else {
                route.push_str("{id}");
            }
        }
        route
    };
    let create = rest.is_empty() && method.eq_ignore_ascii_case("POST");
    let inspects_json = create
        && matches!(
            kind,
            ApiKind::ChatCompletions
                | ApiKind::Responses
                | ApiKind::Completions
                | ApiKind::Embeddings
                | ApiKind::Moderations
        );
    Ok(Endpoint {
        kind,
        route,
        inspects_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(e.inspects_json, "{p}");
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
    fn routes_hide_ids() {
        let e = classify("GET", "/v1/responses/resp_abc123/input_items").unwrap();
        assert_eq!(e.route, "/v1/responses/{id}/input_items");
        assert!(!e.inspects_json);
        let e = classify("POST", "/v1/secret-thing/x").unwrap();
        assert_eq!((e.kind, e.route.as_str()), (ApiKind::Unknown, "/{unknown}"));
        let e = classify("POST", "/V1/chat/completions").unwrap();
        assert_eq!(e.kind, ApiKind::Unknown);
        let e = classify("post", "/v1/embeddings").unwrap();
        assert!(e.inspects_json);
    }
}

//! Endpoint recognition from method and path: normalises the path (query, `//`, `/./`,
//! trailing `/`, percent-escapes), refuses paths that cannot be normalised safely, and names
//! the API with ids in the path replaced by `{id}`. Knows OpenAI's `/v1/...` and Azure
//! OpenAI's `/openai/deployments/{deployment}/...`, `/openai/v1/...` and `/openai/responses`.

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
    /// APIs whose create request is a JSON body of text the filter inspects.
    pub fn has_inspected_json_body(self) -> bool {
        matches!(
            self,
            ApiKind::ChatCompletions
                | ApiKind::Responses
                | ApiKind::Completions
                | ApiKind::Embeddings
                | ApiKind::Moderations
        )
    }

    /// APIs whose create request names a model.
    pub fn takes_model(self) -> bool {
        self.has_inspected_json_body()
            || matches!(
                self,
                ApiKind::Images
                    | ApiKind::AudioTranscriptions
                    | ApiKind::AudioTranslations
                    | ApiKind::AudioSpeech
            )
    }

    /// Every kind, in declaration order.
    pub const ALL: &'static [ApiKind] = &[
        ApiKind::ChatCompletions,
        ApiKind::Responses,
        ApiKind::Completions,
        ApiKind::Embeddings,
        ApiKind::Moderations,
        ApiKind::Images,
        ApiKind::AudioTranscriptions,
        ApiKind::AudioTranslations,
        ApiKind::AudioSpeech,
        ApiKind::Files,
        ApiKind::Uploads,
        ApiKind::Batches,
        ApiKind::VectorStores,
        ApiKind::Assistants,
        ApiKind::Threads,
        ApiKind::Conversations,
        ApiKind::FineTuning,
        ApiKind::Containers,
        ApiKind::Models,
        ApiKind::Realtime,
        ApiKind::Unknown,
    ];

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
    /// True for a file upload (`POST /v1/files`): a `multipart/form-data` body the filter
    /// inspects as one ([`crate::upload`]).
    pub inspects_upload: bool,
    /// The Azure OpenAI deployment named in the path (`/openai/deployments/{deployment}/...`).
    /// Customer-chosen: never logged; the route says `{deployment}` instead.
    pub deployment: Option<String>,
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
    match segs.as_slice() {
        ["openai", "deployments", deployment, op @ ..] => {
            Ok(azure_deployment(method, deployment, op))
        }
        ["openai", "v1", rest @ ..] => Ok(openai_v1(method, "/openai", rest)),
        ["openai", "responses", rest @ ..] => {
            let mut segs = vec!["responses"];
            segs.extend_from_slice(rest);
            let mut e = openai_v1(method, "", &segs);
            e.route = e.route.replacen("/v1/", "/openai/", 1);
            Ok(e)
        }
        ["v1", rest @ ..] => Ok(openai_v1(method, "", rest)),
        _ => Ok(unknown()),
    }
}

fn unknown() -> Endpoint {
    Endpoint {
        kind: ApiKind::Unknown,
        route: "/{unknown}".to_string(),
        inspects_json: false,
        inspects_upload: false,
        deployment: None,
    }
}

/// `/v1/<rest>` (or Azure's `/openai/v1/<rest>`, with `prefix` = `/openai`).
fn openai_v1(method: &str, prefix: &str, rest: &[&str]) -> Endpoint {
    let (kind, rest) = match rest {
        ["chat", "completions", rest @ ..] => (ApiKind::ChatCompletions, rest),
        ["responses", rest @ ..] => (ApiKind::Responses, rest),
        ["completions", rest @ ..] => (ApiKind::Completions, rest),
        ["embeddings", rest @ ..] => (ApiKind::Embeddings, rest),
        ["moderations", rest @ ..] => (ApiKind::Moderations, rest),
        ["images", rest @ ..] => (ApiKind::Images, rest),
        ["audio", "transcriptions", rest @ ..] => (ApiKind::AudioTranscriptions, rest),
        ["audio", "translations", rest @ ..] => (ApiKind::AudioTranslations, rest),
        ["audio", "speech", rest @ ..] => (ApiKind::AudioSpeech, rest),
        ["files", rest @ ..] => (ApiKind::Files, rest),
        ["uploads", rest @ ..] => (ApiKind::Uploads, rest),
        ["batches", rest @ ..] => (ApiKind::Batches, rest),
        ["vector_stores", rest @ ..] => (ApiKind::VectorStores, rest),
        ["assistants", rest @ ..] => (ApiKind::Assistants, rest),
        ["threads", rest @ ..] => (ApiKind::Threads, rest),
        ["conversations", rest @ ..] => (ApiKind::Conversations, rest),
        ["fine_tuning", rest @ ..] => (ApiKind::FineTuning, rest),
        ["containers", rest @ ..] => (ApiKind::Containers, rest),
        ["models", rest @ ..] => (ApiKind::Models, rest),
        ["realtime", rest @ ..] => (ApiKind::Realtime, rest),
        _ => return unknown(),
    };
    let fixed = rest_len_prefix(kind);
    let mut route = format!("{prefix}/v1/{fixed}");
    for s in rest {
        route.push('/');
        if LITERAL_SEGMENTS.contains(s) {
            route.push_str(s);
        } else {
            route.push_str("{id}");
        }
    }
    let create = rest.is_empty() && method.eq_ignore_ascii_case("POST");
    Endpoint {
        kind,
        route,
        inspects_json: create && kind.has_inspected_json_body(),
        inspects_upload: create && kind == ApiKind::Files,
        deployment: None,
    }
}

/// The fixed path of an API under `/v1/`.
fn rest_len_prefix(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::ChatCompletions => "chat/completions",
        ApiKind::AudioTranscriptions => "audio/transcriptions",
        ApiKind::AudioTranslations => "audio/translations",
        ApiKind::AudioSpeech => "audio/speech",
        other => other.as_str(),
    }
}

/// `/openai/deployments/{deployment}/<operation>` (Azure OpenAI).
fn azure_deployment(method: &str, deployment: &str, op: &[&str]) -> Endpoint {
    let (kind, op_path) = match op {
        ["chat", "completions"] => (ApiKind::ChatCompletions, "chat/completions"),
        ["completions"] => (ApiKind::Completions, "completions"),
        ["embeddings"] => (ApiKind::Embeddings, "embeddings"),
        ["audio", "transcriptions"] => (ApiKind::AudioTranscriptions, "audio/transcriptions"),
        ["audio", "translations"] => (ApiKind::AudioTranslations, "audio/translations"),
        ["audio", "speech"] => (ApiKind::AudioSpeech, "audio/speech"),
        ["images", "generations"] => (ApiKind::Images, "images/generations"),
        ["images", "edits"] => (ApiKind::Images, "images/edits"),
        _ => return unknown(),
    };
    Endpoint {
        kind,
        route: format!("/openai/deployments/{{deployment}}/{op_path}"),
        inspects_json: method.eq_ignore_ascii_case("POST") && kind.has_inspected_json_body(),
        inspects_upload: false,
        deployment: Some(deployment.to_string()),
    }
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
    fn only_creating_a_file_is_an_upload() {
        for (method, path, upload) in [
            ("POST", "/v1/files", true),
            ("POST", "/openai/v1/files", true),
            ("GET", "/v1/files", false),
            ("POST", "/v1/files/file_1/content", false),
            ("POST", "/v1/uploads/upload_1/parts", false),
            ("POST", "/v1/chat/completions", false),
        ] {
            let e = classify(method, path).unwrap();
            assert_eq!(e.inspects_upload, upload, "{method} {path}");
            assert!(!(e.inspects_upload && e.inspects_json));
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

    #[test]
    fn azure_shapes() {
        type Case<'a> = (&'a str, &'a str, ApiKind, &'a str, Option<&'a str>, bool);
        let cases: &[Case<'_>] = &[
            (
                "POST",
                "/openai/deployments/gpt4o-eu/chat/completions?api-version=2024-10-21",
                ApiKind::ChatCompletions,
                "/openai/deployments/{deployment}/chat/completions",
                Some("gpt4o-eu"),
                true,
            ),
            (
                "POST",
                "/openai/deployments/emb/embeddings?api-version=2024-10-21",
                ApiKind::Embeddings,
                "/openai/deployments/{deployment}/embeddings",
                Some("emb"),
                true,
            ),
            (
                "POST",
                "/openai/deployments/d/completions",
                ApiKind::Completions,
                "/openai/deployments/{deployment}/completions",
                Some("d"),
                true,
            ),
            (
                "POST",
                "/openai/deployments/w/audio/transcriptions",
                ApiKind::AudioTranscriptions,
                "/openai/deployments/{deployment}/audio/transcriptions",
                Some("w"),
                false,
            ),
            (
                "POST",
                "/openai/deployments/tts/audio/speech",
                ApiKind::AudioSpeech,
                "/openai/deployments/{deployment}/audio/speech",
                Some("tts"),
                false,
            ),
            (
                "POST",
                "/openai/deployments/img/images/generations",
                ApiKind::Images,
                "/openai/deployments/{deployment}/images/generations",
                Some("img"),
                false,
            ),
            (
                "POST",
                "/openai/deployments/d/unknown/op",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                false,
            ),
            (
                "POST",
                "/openai/deployments/d",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                false,
            ),
            (
                "POST",
                "/openai/v1/chat/completions",
                ApiKind::ChatCompletions,
                "/openai/v1/chat/completions",
                None,
                true,
            ),
            (
                "POST",
                "/openai/v1/responses?api-version=preview",
                ApiKind::Responses,
                "/openai/v1/responses",
                None,
                true,
            ),
            (
                "GET",
                "/openai/v1/responses/resp_1",
                ApiKind::Responses,
                "/openai/v1/responses/{id}",
                None,
                false,
            ),
            (
                "POST",
                "/openai/v1/files",
                ApiKind::Files,
                "/openai/v1/files",
                None,
                false,
            ),
            (
                "POST",
                "/openai/responses?api-version=2025-03-01-preview",
                ApiKind::Responses,
                "/openai/responses",
                None,
                true,
            ),
            (
                "GET",
                "/openai/responses/resp_1",
                ApiKind::Responses,
                "/openai/responses/{id}",
                None,
                false,
            ),
            (
                "POST",
                "/openai/other",
                ApiKind::Unknown,
                "/{unknown}",
                None,
                false,
            ),
            (
                "GET",
                "/v1/audio/speech",
                ApiKind::AudioSpeech,
                "/v1/audio/speech",
                None,
                false,
            ),
        ];
        for (method, path, kind, route, dep, inspects) in cases {
            let e = classify(method, path).unwrap();
            assert_eq!(e.kind, *kind, "{path}");
            assert_eq!(e.route, *route, "{path}");
            assert_eq!(e.deployment.as_deref(), *dep, "{path}");
            assert_eq!(e.inspects_json, *inspects, "{path}");
        }
    }
}

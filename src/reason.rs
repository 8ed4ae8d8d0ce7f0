//! Stable reason codes, their HTTP status, and the OpenAI-shaped error body of a denial.

/// Why a request was denied (or would be, in audit mode). Each has a stable code, a status and
/// a fixed message that never echoes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Body is not strict JSON (syntax, lone surrogate, trailing data, BOM, invalid UTF-8).
    InvalidJson,
    /// Nesting deeper than the bound.
    JsonTooDeep,
    /// The same key twice in one object.
    DuplicateJsonKey,
    /// JSON, but not the shape the endpoint takes (e.g. the top level is not an object).
    InvalidBody,
    /// Body larger than the policy's cap.
    BodyTooLarge,
    /// Content type the endpoint does not take, or a charset other than UTF-8.
    UnsupportedContentType,
    /// A `Content-Encoding` we cannot inspect.
    UnsupportedContentEncoding,
    /// A file uploaded for a JSONL purpose (`batch`, `fine-tune`, `evals`) that is not UTF-8.
    FileNotInspectable,
    /// A detector whose action is `block` fired.
    ContentBlocked,
    /// A finding in the query string whose action would rewrite it: a URL is not rewritten.
    SensitiveQuery,
    /// More findings than the redactor may apply in one request.
    TooManyFindings,
    /// Redaction did not reach a body with nothing left to redact within its rounds.
    RedactionUnsettled,
    /// Endpoint not allowed (unknown endpoints by default).
    EndpointNotAllowed,
    /// Path that cannot be normalised safely (encoded slash, `..`, control characters).
    InvalidPath,
    /// The body read does not match the declared `Content-Length`.
    BodyLengthMismatch,
    /// The filter has no usable policy (never happens once configured).
    FilterUnavailable,
    /// The `OpenAI-Project` is not in the register and there is no `default` entry.
    ProjectNotAllowed,
    /// The `OpenAI-Organization` is not the one the project must use.
    OrganizationNotAllowed,
    /// The caller (the mesh-set caller header) may not use the project.
    CallerNotAllowed,
    /// The request's host is not one of the project's region's hosts.
    RegionNotAllowed,
    /// The model (or the Azure deployment's model) is not allowed for the project.
    ModelNotAllowed,
    /// The request would leave data stored upstream under a zero-retention project.
    RetentionViolation,
    /// Content the filter cannot scan (inline base64, binary uploads, token ids, WebSocket
    /// and WebRTC sessions) under `unscannable: refuse`.
    UnscannableContent,
    /// A policy header sent twice (two lines, or one line with a comma list).
    DuplicateHeader,
    /// A policy header whose value is not visible ASCII, or a lookalike header name.
    InvalidHeader,
    /// The API key's fingerprint is in the policy's `revoked_keys`.
    KeyRevoked,
    /// The downstream address is not in the project's `sources`.
    SourceNotAllowed,
    /// The project's `throttle` is spent (requests or tokens per minute, tokens per day).
    RateLimited,
}

impl Reason {
    /// Every reason, for tests and tables that must cover them all (add a new variant here).
    pub const ALL: &[Reason] = &[
        Reason::InvalidJson,
        Reason::JsonTooDeep,
        Reason::DuplicateJsonKey,
        Reason::InvalidBody,
        Reason::BodyTooLarge,
        Reason::UnsupportedContentType,
        Reason::UnsupportedContentEncoding,
        Reason::FileNotInspectable,
        Reason::ContentBlocked,
        Reason::SensitiveQuery,
        Reason::TooManyFindings,
        Reason::RedactionUnsettled,
        Reason::EndpointNotAllowed,
        Reason::InvalidPath,
        Reason::BodyLengthMismatch,
        Reason::FilterUnavailable,
        Reason::ProjectNotAllowed,
        Reason::OrganizationNotAllowed,
        Reason::CallerNotAllowed,
        Reason::RegionNotAllowed,
        Reason::ModelNotAllowed,
        Reason::RetentionViolation,
        Reason::UnscannableContent,
        Reason::DuplicateHeader,
        Reason::InvalidHeader,
        Reason::KeyRevoked,
        Reason::SourceNotAllowed,
        Reason::RateLimited,
    ];

    /// The stable code, as in the error body, the record and metrics.
    pub fn code(self) -> &'static str {
        match self {
            Reason::InvalidJson => "invalid_json",
            Reason::JsonTooDeep => "json_too_deep",
            Reason::DuplicateJsonKey => "duplicate_json_key",
            Reason::InvalidBody => "invalid_body",
            Reason::BodyTooLarge => "body_too_large",
            Reason::UnsupportedContentType => "unsupported_content_type",
            Reason::UnsupportedContentEncoding => "unsupported_content_encoding",
            Reason::FileNotInspectable => "file_not_inspectable",
            Reason::ContentBlocked => "content_blocked",
            Reason::SensitiveQuery => "sensitive_query",
            Reason::TooManyFindings => "too_many_findings",
            Reason::RedactionUnsettled => "redaction_unsettled",
            Reason::EndpointNotAllowed => "endpoint_not_allowed",
            Reason::InvalidPath => "invalid_path",
            Reason::BodyLengthMismatch => "body_length_mismatch",
            Reason::FilterUnavailable => "filter_unavailable",
            Reason::ProjectNotAllowed => "project_not_allowed",
            Reason::OrganizationNotAllowed => "organization_not_allowed",
            Reason::CallerNotAllowed => "caller_not_allowed",
            Reason::RegionNotAllowed => "region_not_allowed",
            Reason::ModelNotAllowed => "model_not_allowed",
            Reason::RetentionViolation => "retention_violation",
            Reason::UnscannableContent => "unscannable_content",
            Reason::DuplicateHeader => "duplicate_header",
            Reason::InvalidHeader => "invalid_header",
            Reason::KeyRevoked => "key_revoked",
            Reason::SourceNotAllowed => "source_not_allowed",
            Reason::RateLimited => "rate_limited",
        }
    }

    /// The HTTP status of the local reply.
    pub fn status(self) -> u16 {
        match self {
            Reason::InvalidJson
            | Reason::JsonTooDeep
            | Reason::DuplicateJsonKey
            | Reason::InvalidBody
            | Reason::InvalidPath
            | Reason::DuplicateHeader
            | Reason::InvalidHeader => 400,
            Reason::BodyTooLarge | Reason::TooManyFindings => 413,
            Reason::UnsupportedContentType
            | Reason::UnsupportedContentEncoding
            | Reason::FileNotInspectable => 415,
            Reason::ContentBlocked
            | Reason::SensitiveQuery
            | Reason::RedactionUnsettled
            | Reason::EndpointNotAllowed
            | Reason::ProjectNotAllowed
            | Reason::OrganizationNotAllowed
            | Reason::CallerNotAllowed
            | Reason::RegionNotAllowed
            | Reason::ModelNotAllowed
            | Reason::RetentionViolation
            | Reason::UnscannableContent
            | Reason::SourceNotAllowed => 403,
            Reason::KeyRevoked => 401,
            Reason::RateLimited => 429,
            Reason::BodyLengthMismatch | Reason::FilterUnavailable => 503,
        }
    }

    /// The fixed message of the error body.
    pub fn message(self) -> &'static str {
        match self {
            Reason::InvalidJson => "The request body is not valid JSON.",
            Reason::JsonTooDeep => "The request body is nested too deeply.",
            Reason::DuplicateJsonKey => "The request body repeats a key within one object.",
            Reason::InvalidBody => "The request body does not have the shape this endpoint takes.",
            Reason::BodyTooLarge => "The request body exceeds the size allowed by the compliance policy.",
            Reason::UnsupportedContentType => "The request content type is not supported by the compliance filter; send application/json in UTF-8.",
            Reason::UnsupportedContentEncoding => "Compressed request bodies cannot be inspected by the compliance filter.",
            Reason::FileNotInspectable => "A file uploaded for the batch, fine-tune or evals purpose must be UTF-8 JSONL for the compliance filter to inspect it.",
            Reason::ContentBlocked => "The request contains data that the compliance policy does not allow to be sent.",
            Reason::SensitiveQuery => "The request URL's query string contains sensitive data; the compliance filter does not rewrite URLs. Send the value in the request body, or leave it out.",
            Reason::TooManyFindings => "The request contains more sensitive values than the compliance filter redacts in one request.",
            Reason::RedactionUnsettled => "The compliance filter could not redact this request to a stable result.",
            Reason::EndpointNotAllowed => "This endpoint is not allowed by the compliance policy.",
            Reason::InvalidPath => "The request path is not allowed by the compliance filter.",
            Reason::BodyLengthMismatch => "The request body did not match its declared length.",
            Reason::FilterUnavailable => "The compliance filter is not available.",
            Reason::ProjectNotAllowed => "This project is not allowed by the compliance policy.",
            Reason::OrganizationNotAllowed => "This organization is not allowed for this project by the compliance policy.",
            Reason::CallerNotAllowed => "This caller is not allowed to use this project by the compliance policy.",
            Reason::RegionNotAllowed => "This host is not in the data residency region of this project.",
            Reason::ModelNotAllowed => "This model is not allowed for this project by the compliance policy.",
            Reason::RetentionViolation => "This request would store data that the project's retention policy does not allow to be stored.",
            Reason::UnscannableContent => "The request carries content the compliance filter cannot scan (an encoded or binary payload, token ids, a WebSocket or WebRTC session), which the compliance policy does not allow.",
            Reason::DuplicateHeader => "A header that the compliance policy reads was sent more than once.",
            Reason::InvalidHeader => "A header that the compliance policy reads has an invalid name or value.",
            Reason::KeyRevoked => "This API key has been revoked by the compliance policy.",
            Reason::SourceNotAllowed => "Requests for this project are not allowed from this network address by the compliance policy.",
            Reason::RateLimited => "This project's rate limit under the compliance policy is reached; retry after the time in the Retry-After header.",
        }
    }

    /// The error `type`: `invalid_request_error` (4xx but 403 and 429), `policy_violation`
    /// (403), `requests` (429: OpenAI's type for a request-rate limit; a token limit's reply
    /// says `tokens`, see [`crate::policy::throttle`]), `server_error` (5xx).
    pub fn error_type(self) -> &'static str {
        match self.status() {
            403 => "policy_violation",
            429 => "requests",
            500..=599 => "server_error",
            _ => "invalid_request_error",
        }
    }
}

/// A denial: the reason, and so the status, code and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    /// Why.
    pub reason: Reason,
}

impl From<Reason> for Denial {
    fn from(reason: Reason) -> Self {
        Self { reason }
    }
}

/// The OpenAI-shaped error body of a denial: `{"error":{"message","type","param","code"}}`.
pub fn error_body(reason: Reason) -> String {
    serde_json::json!({
        "error": {
            "message": reason.message(),
            "type": reason.error_type(),
            "param": null,
            "code": reason.code(),
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_is_openai_shaped() {
        let v: serde_json::Value = serde_json::from_str(&error_body(Reason::BodyTooLarge)).unwrap();
        assert_eq!(v["error"]["code"], "body_too_large");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert!(v["error"]["message"].as_str().unwrap().len() > 10);
        assert_eq!(Reason::ContentBlocked.error_type(), "policy_violation");
        assert_eq!(Reason::BodyLengthMismatch.status(), 503);
        let v: serde_json::Value = serde_json::from_str(&error_body(Reason::RateLimited)).unwrap();
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["type"].as_str()),
            (Some("rate_limited"), Some("requests"))
        );
        assert_eq!(Reason::RateLimited.status(), 429);
    }

    #[test]
    fn register_codes_are_stable_and_never_echo() {
        let cases: &[(Reason, u16, &str)] = &[
            (Reason::ProjectNotAllowed, 403, "project_not_allowed"),
            (
                Reason::OrganizationNotAllowed,
                403,
                "organization_not_allowed",
            ),
            (Reason::CallerNotAllowed, 403, "caller_not_allowed"),
            (Reason::RegionNotAllowed, 403, "region_not_allowed"),
            (Reason::ModelNotAllowed, 403, "model_not_allowed"),
            (Reason::RetentionViolation, 403, "retention_violation"),
            (Reason::UnscannableContent, 403, "unscannable_content"),
            (Reason::EndpointNotAllowed, 403, "endpoint_not_allowed"),
            (Reason::DuplicateHeader, 400, "duplicate_header"),
            (Reason::InvalidHeader, 400, "invalid_header"),
            (Reason::SourceNotAllowed, 403, "source_not_allowed"),
            (Reason::KeyRevoked, 401, "key_revoked"),
        ];
        for (r, status, code) in cases {
            assert_eq!((r.status(), r.code()), (*status, *code));
            let v: serde_json::Value = serde_json::from_str(&error_body(*r)).unwrap();
            assert_eq!(v["error"]["code"], *code);
            let want = match status {
                403 => "policy_violation",
                _ => "invalid_request_error",
            };
            assert_eq!(v["error"]["type"], want);
            assert!(v["error"]["param"].is_null());
        }
    }
}

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
    /// A detector whose action is `block` fired.
    ContentBlocked,
    /// More findings than the redactor may apply in one request.
    TooManyFindings,
    /// Endpoint not allowed (unknown endpoints by default).
    EndpointNotAllowed,
    /// Path that cannot be normalised safely (encoded slash, `..`, control characters).
    InvalidPath,
    /// The body read does not match the declared `Content-Length`.
    BodyLengthMismatch,
    /// The filter has no usable policy (never happens once configured).
    FilterUnavailable,
}

impl Reason {
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
            Reason::ContentBlocked => "content_blocked",
            Reason::TooManyFindings => "too_many_findings",
            Reason::EndpointNotAllowed => "endpoint_not_allowed",
            Reason::InvalidPath => "invalid_path",
            Reason::BodyLengthMismatch => "body_length_mismatch",
            Reason::FilterUnavailable => "filter_unavailable",
        }
    }

    /// The HTTP status of the local reply.
    pub fn status(self) -> u16 {
        match self {
            Reason::InvalidJson
            | Reason::JsonTooDeep
            | Reason::DuplicateJsonKey
            | Reason::InvalidBody
            | Reason::InvalidPath => 400,
            Reason::BodyTooLarge | Reason::TooManyFindings => 413,
            Reason::UnsupportedContentType | Reason::UnsupportedContentEncoding => 415,
            Reason::ContentBlocked | Reason::EndpointNotAllowed => 403,
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
            Reason::ContentBlocked => "The request contains data that the compliance policy does not allow to be sent.",
            Reason::TooManyFindings => "The request contains more sensitive values than the compliance filter redacts in one request.",
            Reason::EndpointNotAllowed => "This endpoint is not allowed by the compliance policy.",
            Reason::InvalidPath => "The request path is not allowed by the compliance filter.",
            Reason::BodyLengthMismatch => "The request body did not match its declared length.",
            Reason::FilterUnavailable => "The compliance filter is not available.",
        }
    }

    /// The error `type`: `invalid_request_error` (4xx but 403), `policy_violation` (403),
    /// `server_error` (5xx).
    pub fn error_type(self) -> &'static str {
        match self.status() {
            403 => "policy_violation",
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
    }
}

//! Request-head checks before any body is read: endpoint, WebSocket upgrade, content type (by
//! what the operation takes), content encoding and declared length. Pure functions over the
//! header pairs as bytes.

use super::Reason;
use crate::config::{Policy, UnknownEndpoints};
pub use crate::http::headers::{single, values, HeaderPairs, Repeated};
use crate::http::media::boundary;
pub use crate::http::media::{is_json_utf8, media_type, Param};
use crate::openai::surface::{Body, Form};
use crate::openai::{classify, Endpoint};

/// What the head says, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The recognised endpoint.
    pub endpoint: Endpoint,
    /// `Content-Length`, if declared.
    pub declared_len: Option<u64>,
    /// True if a body will follow and must be inspected (as `read` says).
    pub inspect_body: bool,
    /// How the body is read.
    pub read: BodyRead,
    /// The request upgrades to a WebSocket: what follows is frames, not a body.
    pub websocket: bool,
}

/// How a request body is read, by its operation and content type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BodyRead {
    /// A JSON document of the operation's shape (and, for an operation that takes no body,
    /// nothing at all).
    #[default]
    Json,
    /// Nothing: an operation that takes no body, sent without a content type. A body that
    /// comes anyway is refused (415).
    Empty,
    /// `multipart/form-data` with this boundary.
    Form(String, Form),
    /// `application/sdp`: a realtime call's WebRTC offer.
    Sdp,
}

/// The request target: method and recognised endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `:method` as sent (empty if absent or not UTF-8).
    pub method: String,
    /// The recognised endpoint.
    pub endpoint: Endpoint,
}

/// Reads `:method` and `:path` and recognises the endpoint.
pub fn target(headers: &HeaderPairs) -> Result<Target, Reason> {
    let method = single(headers, ":method")
        .map_err(|_| Reason::InvalidPath)?
        .and_then(|m| std::str::from_utf8(m).ok())
        .unwrap_or("");
    let path = single(headers, ":path")
        .map_err(|_| Reason::InvalidPath)?
        .ok_or(Reason::InvalidPath)?;
    let path = std::str::from_utf8(path).map_err(|_| Reason::InvalidPath)?;
    Ok(Target {
        method: method.to_string(),
        endpoint: classify(method, path)?,
    })
}

/// Checks the head. `has_body` is false when the headers end the stream.
pub fn check(policy: &Policy, headers: &HeaderPairs, has_body: bool) -> Result<Head, Reason> {
    check_target(
        policy,
        target(headers)?,
        headers,
        has_body,
        policy.max_body_bytes,
    )
}

/// Checks the head of a request whose target is known, under body cap `max_body_bytes`
/// (the project's, or the policy's).
pub fn check_target(
    policy: &Policy,
    target: Target,
    headers: &HeaderPairs,
    has_body: bool,
    max_body_bytes: u64,
) -> Result<Head, Reason> {
    let Target { method, endpoint } = target;
    let no_body = |endpoint, websocket| Head {
        endpoint,
        declared_len: None,
        inspect_body: false,
        read: BodyRead::Json,
        websocket,
    };
    if is_upgrade(headers) {
        // Only the API's WebSocket endpoints take one; elsewhere it is a path outside the API.
        let api = endpoint.body() == Some(Body::WebSocket);
        if !api && policy.unknown_endpoints == UnknownEndpoints::Deny {
            return Err(Reason::EndpointNotAllowed);
        }
        return Ok(no_body(endpoint, true));
    }
    let body_method = matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH"
    );
    let takes = endpoint.body();
    // No body, and none expected: a GET, a DELETE, a cancel.
    if !has_body && (!body_method || takes == Some(Body::None)) {
        return Ok(no_body(endpoint, false));
    }
    // No operation of the API takes a body on a GET or a DELETE: such a body is read only
    // where unknown endpoints are (`unknown_endpoints: inspect`).
    let takes = if body_method { takes } else { None };
    if takes.is_none() && policy.unknown_endpoints == UnknownEndpoints::Deny {
        return Err(Reason::EndpointNotAllowed);
    }
    for enc in values(headers, "content-encoding") {
        let identity = enc
            .split(|b| *b == b',')
            .all(|t| t.trim_ascii().eq_ignore_ascii_case(b"identity"));
        if !identity {
            return Err(Reason::UnsupportedContentEncoding);
        }
    }
    let ct = single(headers, "content-type").map_err(|_| Reason::UnsupportedContentType)?;
    let read = body_read(takes, ct)?;
    let declared_len = match single(headers, "content-length").map_err(|_| Reason::InvalidBody)? {
        None => None,
        Some(v) => Some(parse_len(v).ok_or(Reason::InvalidBody)?),
    };
    if declared_len.is_some_and(|n| n > max_body_bytes) {
        return Err(Reason::BodyTooLarge);
    }
    Ok(Head {
        endpoint,
        declared_len,
        inspect_body: true,
        read,
        websocket: false,
    })
}

/// How the body of an operation that takes `takes` (`None`: no operation of the API, read as
/// JSON under `unknown_endpoints: inspect`) is read, given its content type `ct`.
fn body_read(takes: Option<Body>, ct: Option<&[u8]>) -> Result<BodyRead, Reason> {
    let ct_bytes = ct.unwrap_or(b"");
    let json = is_json_utf8(ct_bytes);
    let form = || boundary(ct_bytes);
    let refused = Err(Reason::UnsupportedContentType);
    match takes {
        None | Some(Body::Json(_)) => json
            .then_some(BodyRead::Json)
            .ok_or(Reason::UnsupportedContentType),
        // A body where none is expected is inspected all the same, if it says it is JSON.
        Some(Body::None | Body::WebSocket) => match ct {
            None => Ok(BodyRead::Empty),
            Some(_) if json => Ok(BodyRead::Json),
            Some(_) => refused,
        },
        Some(Body::Form(f)) => match form() {
            Some(b) => Ok(BodyRead::Form(b, f)),
            None if f == Form::Call && is_sdp(ct_bytes) => Ok(BodyRead::Sdp),
            None => refused,
        },
        Some(Body::JsonOrForm(..)) if json => Ok(BodyRead::Json),
        Some(Body::JsonOrForm(_, f)) => form()
            .map(|b| BodyRead::Form(b, f))
            .ok_or(Reason::UnsupportedContentType),
    }
}

/// `application/sdp`, with no parameter but an optional UTF-8 charset.
fn is_sdp(ct: &[u8]) -> bool {
    let Some((mime, mut params)) = media_type(ct) else {
        return false;
    };
    mime.eq_ignore_ascii_case("application/sdp")
        && params.all(|p| p.is_some_and(|p| p.is_utf8_charset()))
}

/// A WebSocket upgrade: HTTP/1.1 `Upgrade: websocket`, or HTTP/2's extended CONNECT
/// (`:protocol: websocket`, RFC 8441). Any other `Upgrade` is judged the same way: after
/// it, nothing the filter reads is HTTP.
pub fn is_upgrade(headers: &HeaderPairs) -> bool {
    values(headers, "upgrade").any(|v| !v.trim_ascii().is_empty())
        || values(headers, ":protocol").any(|v| !v.trim_ascii().is_empty())
}

fn parse_len(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    fn post(extra: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        let mut v = h(&[(":method", "POST"), (":path", "/v1/chat/completions")]);
        v.extend(h(extra));
        v
    }

    #[test]
    fn content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=UTF-8",
            "application/json;charset=\"utf-8\"",
        ] {
            assert!(is_json_utf8(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "text/plain",
            "application/json; charset=latin1",
            "application/json; charset=utf-8; charset=latin1",
            "application/json; boundary=x",
            "application/jsonx",
            "multipart/form-data; boundary=x",
        ] {
            assert!(!is_json_utf8(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn head_checks() {
        let p = Policy::from_json(br#"{"max_body_bytes":100}"#).unwrap();
        let json = ("content-type", "application/json");
        assert!(check(&p, &post(&[json, ("content-length", "10")]), true).is_ok());
        let cases: &[(&[(&str, &str)], Reason)] = &[
            (&[json, ("content-length", "101")], Reason::BodyTooLarge),
            (
                &[("content-type", "text/plain")],
                Reason::UnsupportedContentType,
            ),
            (&[], Reason::UnsupportedContentType),
            (&[json, json], Reason::UnsupportedContentType),
            (
                &[json, ("content-encoding", "gzip")],
                Reason::UnsupportedContentEncoding,
            ),
            (
                &[json, ("content-encoding", "identity, br")],
                Reason::UnsupportedContentEncoding,
            ),
            (&[json, ("content-length", "1x")], Reason::InvalidBody),
        ];
        for (extra, reason) in cases {
            assert_eq!(check(&p, &post(extra), true), Err(*reason), "{extra:?}");
        }
        let unknown = h(&[(":method", "POST"), (":path", "/v1/uploadz"), json]);
        assert_eq!(check(&p, &unknown, true), Err(Reason::EndpointNotAllowed));
        let get = h(&[(":method", "GET"), (":path", "/v1/models")]);
        assert!(!check(&p, &get, false).unwrap().inspect_body);
        // No operation takes a body on a GET.
        let get_with_body = h(&[(":method", "GET"), (":path", "/v1/models"), json]);
        assert_eq!(
            check(&p, &get_with_body, true),
            Err(Reason::EndpointNotAllowed)
        );
        // A POST that takes none: a body is inspected all the same (as JSON), and with no
        // content type must be empty.
        let cancel = h(&[
            (":method", "POST"),
            (":path", "/v1/responses/resp_1/cancel"),
        ]);
        assert!(!check(&p, &cancel, false).unwrap().inspect_body);
        assert_eq!(check(&p, &cancel, true).unwrap().read, BodyRead::Empty);
        let mut cancel_json = cancel.clone();
        cancel_json.push(("content-type".into(), b"application/json".to_vec()));
        assert_eq!(check(&p, &cancel_json, true).unwrap().read, BodyRead::Json);
        let mut cancel_text = cancel.clone();
        cancel_text.extend(h(&[("content-type", "text/plain")]));
        assert_eq!(
            check(&p, &cancel_text, true),
            Err(Reason::UnsupportedContentType)
        );
        // A WebSocket upgrade is no body, whatever the method says.
        for upgrade in [("upgrade", "websocket"), (":protocol", "websocket")] {
            let ws = h(&[
                (":method", "GET"),
                (":path", "/v1/realtime?model=m"),
                upgrade,
            ]);
            let head = check(&p, &ws, true).unwrap();
            assert!(head.websocket && !head.inspect_body);
            // Only the API's WebSocket endpoints take one.
            let elsewhere = h(&[(":method", "GET"), (":path", "/v1/models"), upgrade]);
            assert_eq!(check(&p, &elsewhere, true), Err(Reason::EndpointNotAllowed));
        }
        let bad_path = h(&[(":method", "GET"), (":path", "/v1/a%2Fb")]);
        assert_eq!(check(&p, &bad_path, false), Err(Reason::InvalidPath));
    }

    #[test]
    fn file_uploads_take_multipart_only() {
        let p = Policy::from_json(b"{}").unwrap();
        let files = |ct: &str| {
            h(&[
                (":method", "POST"),
                (":path", "/v1/files"),
                ("content-type", ct),
            ])
        };
        let head = check(&p, &files("multipart/form-data; boundary=abc"), true).unwrap();
        assert!(head.inspect_body);
        assert_eq!(head.read, BodyRead::Form("abc".into(), Form::Files));
        for bad in [
            "application/json",
            "multipart/form-data",
            "multipart/mixed; boundary=a",
        ] {
            assert_eq!(
                check(&p, &files(bad), true),
                Err(Reason::UnsupportedContentType),
                "{bad}"
            );
        }
        // Each operation takes the content types it takes: an upload part is a form, a chat
        // completion JSON, an image edit either, a realtime call a form or an SDP offer.
        let with = |path: &str, ct: &str| {
            let pairs = h(&[(":method", "POST"), (":path", path), ("content-type", ct)]);
            check(&p, &pairs, true).map(|head| head.read)
        };
        let form = "multipart/form-data; boundary=abc";
        let json = "application/json";
        let fields = Ok(BodyRead::Form("abc".into(), Form::Fields));
        assert_eq!(
            with("/v1/uploads/upload_1/parts", form),
            Ok(BodyRead::Form("abc".into(), Form::Slice))
        );
        assert_eq!(
            with("/v1/uploads/upload_1/parts", json),
            Err(Reason::UnsupportedContentType)
        );
        assert_eq!(
            with("/v1/chat/completions", form),
            Err(Reason::UnsupportedContentType)
        );
        assert_eq!(with("/v1/chat/completions", json), Ok(BodyRead::Json));
        assert_eq!(with("/v1/images/edits", json), Ok(BodyRead::Json));
        assert_eq!(with("/v1/images/edits", form), fields);
        assert_eq!(
            with("/v1/realtime/calls", "application/sdp"),
            Ok(BodyRead::Sdp)
        );
        assert_eq!(
            with("/v1/realtime/calls", form),
            Ok(BodyRead::Form("abc".into(), Form::Call))
        );
        assert_eq!(
            with("/v1/realtime/calls", json),
            Err(Reason::UnsupportedContentType)
        );
        assert_eq!(
            with("/v1/audio/speech", "application/sdp"),
            Err(Reason::UnsupportedContentType)
        );
    }
}

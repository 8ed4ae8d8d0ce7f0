//! The two pattern languages of the register: name patterns (models, callers: exact, or a
//! prefix ending in `*`) and endpoint patterns (an API name such as `chat.completions`, or a
//! route glob such as `/v1/responses/*`). Parsed and validated once, at configure time.

use crate::openai::{ApiKind, Endpoint};

/// A model or caller pattern: `*` (anything), `prefix*`, or an exact name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePattern {
    /// `*`.
    Any,
    /// `gpt-4.1*`: the name starts with the text before the `*`.
    Prefix(String),
    /// `gpt-4.1-mini`: the name is exactly this.
    Exact(String),
}

impl NamePattern {
    /// Parses a pattern. At most one `*`, only at the end; the rest is 1..=256 visible ASCII
    /// characters without `*`, `,` or quotes. The error is a fixed text (never the pattern).
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if s == "*" {
            return Ok(Self::Any);
        }
        let (body, prefix) = match s.strip_suffix('*') {
            Some(b) => (b, true),
            None => (s, false),
        };
        let ok = !body.is_empty()
            && body.len() <= 256
            && body
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'*' | b',' | b'"' | b'\''));
        if !ok {
            return Err("must be `*`, a name, or a name followed by one trailing `*`");
        }
        Ok(if prefix {
            Self::Prefix(body.to_string())
        } else {
            Self::Exact(body.to_string())
        })
    }

    /// True if `name` matches. Case-sensitive (model ids and SPIFFE ids are).
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Prefix(p) => name.starts_with(p.as_str()),
            Self::Exact(e) => name == e,
        }
    }
}

/// True if any pattern in `list` matches `name`.
pub fn any_name(list: &[NamePattern], name: &str) -> bool {
    list.iter().any(|p| p.matches(name))
}

/// One route glob segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// A literal segment (`v1`, `responses`, `{id}`).
    Lit(String),
    /// `*`: exactly one segment.
    One,
    /// `**` (last only): zero or more segments.
    Rest,
}

/// An endpoint pattern: `*`, an API name (`chat.completions`, covering every route of that
/// API, OpenAI or Azure), or a route glob (`/v1/responses`, `/v1/responses/*`,
/// `/openai/deployments/*/chat/completions`, `/v1/files/**`) matched against the normalised
/// route, in which ids are `{id}` and Azure deployments `{deployment}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointPattern {
    /// `*`.
    Any,
    /// An API name.
    Api(ApiKind),
    /// A route glob.
    Route(Vec<SegPattern>),
}

/// One segment of a route glob (opaque outside this module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegPattern(Seg);

impl EndpointPattern {
    /// Parses a pattern. The error is a fixed text (never the pattern).
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if s == "*" {
            return Ok(Self::Any);
        }
        if !s.starts_with('/') {
            return api_kind(s).map(Self::Api).ok_or(
                "names no API (e.g. `chat.completions`, `responses`, `embeddings`) and is not a route glob starting with `/`",
            );
        }
        let parts: Vec<&str> = s.split('/').skip(1).collect();
        let mut segs = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let seg = match *part {
                "*" => Seg::One,
                "**" if i + 1 == parts.len() => Seg::Rest,
                p if valid_literal(p) => Seg::Lit(p.to_string()),
                _ => {
                    return Err("route glob segments must be `*`, a final `**`, or `[a-z0-9_.-]` / `{id}` / `{deployment}`")
                }
            };
            segs.push(SegPattern(seg));
        }
        Ok(Self::Route(segs))
    }

    /// True if the endpoint matches.
    pub fn matches(&self, endpoint: &Endpoint) -> bool {
        match self {
            Self::Any => true,
            Self::Api(kind) => endpoint.kind == *kind,
            Self::Route(segs) => {
                let route: Vec<&str> = endpoint.route.split('/').skip(1).collect();
                glob(segs, &route)
            }
        }
    }
}

/// True if any pattern in `list` matches the endpoint.
pub fn any_endpoint(list: &[EndpointPattern], endpoint: &Endpoint) -> bool {
    list.iter().any(|p| p.matches(endpoint))
}

fn glob(pat: &[SegPattern], route: &[&str]) -> bool {
    match pat.split_first() {
        None => route.is_empty(),
        Some((SegPattern(Seg::Rest), _)) => true,
        Some((SegPattern(Seg::One), rest)) => match route.split_first() {
            Some((_, r)) => glob(rest, r),
            None => false,
        },
        Some((SegPattern(Seg::Lit(l)), rest)) => match route.split_first() {
            Some((s, r)) => s == l && glob(rest, r),
            None => false,
        },
    }
}

fn valid_literal(p: &str) -> bool {
    p == "{id}"
        || p == "{deployment}"
        || (!p.is_empty()
            && p.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
            }))
}

/// The API named `name` (as in [`ApiKind::as_str`]); `unknown` is not a name.
pub fn api_kind(name: &str) -> Option<ApiKind> {
    ApiKind::ALL
        .iter()
        .copied()
        .find(|k| *k != ApiKind::Unknown && k.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::classify;

    #[test]
    fn name_patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("gpt-4.1*", "gpt-4.1", true),
            ("gpt-4.1*", "gpt-4.1-mini", true),
            ("gpt-4.1*", "gpt-4o", false),
            ("gpt-4.1*", "GPT-4.1", false),
            ("gpt-4.1", "gpt-4.1", true),
            ("gpt-4.1", "gpt-4.1-mini", false),
            ("*", "anything", true),
            ("*", "", true),
            (
                "spiffe://cluster.local/ns/support/*",
                "spiffe://cluster.local/ns/support/sa/bot",
                true,
            ),
            (
                "spiffe://cluster.local/ns/support/*",
                "spiffe://cluster.local/ns/other/sa/bot",
                false,
            ),
            ("text-embedding-3-small", "text-embedding-3-small ", false),
        ];
        for (p, name, want) in cases {
            assert_eq!(
                NamePattern::parse(p).unwrap().matches(name),
                *want,
                "{p} vs {name}"
            );
        }
    }

    #[test]
    fn malformed_name_patterns() {
        for bad in [
            "", "**", "gpt*4", "*gpt", "gpt 4", "a,b", "gpt-4\"", "é", "a**",
        ] {
            assert!(NamePattern::parse(bad).is_err(), "{bad:?}");
        }
        let long = "a".repeat(257);
        assert!(NamePattern::parse(&long).is_err());
    }

    #[test]
    fn endpoint_patterns() {
        let cases: &[(&str, &str, &str, bool)] = &[
            ("chat.completions", "POST", "/v1/chat/completions", true),
            ("chat.completions", "GET", "/v1/chat/completions/cc_1", true),
            (
                "chat.completions",
                "POST",
                "/openai/deployments/d1/chat/completions",
                true,
            ),
            ("chat.completions", "POST", "/v1/responses", false),
            ("responses", "POST", "/v1/responses", true),
            ("embeddings", "POST", "/openai/v1/embeddings", true),
            ("/v1/responses", "POST", "/v1/responses", true),
            ("/v1/responses", "GET", "/v1/responses/resp_1", false),
            ("/v1/responses/*", "GET", "/v1/responses/resp_1", true),
            ("/v1/responses/*", "POST", "/v1/responses", false),
            ("/v1/responses/**", "POST", "/v1/responses", true),
            (
                "/v1/responses/**",
                "GET",
                "/v1/responses/r/input_items",
                true,
            ),
            ("/v1/responses/{id}", "GET", "/v1/responses/resp_1", true),
            (
                "/v1/responses/{id}",
                "POST",
                "/v1/responses/input_tokens",
                false,
            ),
            (
                "/v1/responses/*/cancel",
                "POST",
                "/v1/responses/resp_1/cancel",
                true,
            ),
            ("batches", "POST", "/v1/batches/batch_1/cancel", true),
            (
                "batches",
                "POST",
                "/openai/batches?api-version=2024-10-21",
                true,
            ),
            ("evals", "POST", "/v1/evals/eval_1/runs", true),
            ("chatkit", "POST", "/v1/chatkit/sessions", true),
            ("admin", "POST", "/v1/organization/invites", true),
            (
                "/openai/deployments/*/chat/completions",
                "POST",
                "/openai/deployments/gpt4o-eu/chat/completions?api-version=2024-10-21",
                true,
            ),
            (
                "/openai/deployments/{deployment}/embeddings",
                "POST",
                "/openai/deployments/x/embeddings",
                true,
            ),
            (
                "/openai/deployments/{deployment}/embeddings",
                "POST",
                "/openai/deployments/x/chat/completions",
                false,
            ),
            ("*", "POST", "/v1/anything/else", true),
            ("/v1/files/**", "GET", "/v1/files", true),
            ("/v1/files", "GET", "/v1/files/file_1", false),
        ];
        for (p, method, path, want) in cases {
            let e = classify(method, path).unwrap();
            assert_eq!(
                EndpointPattern::parse(p).unwrap().matches(&e),
                *want,
                "{p} vs {method} {path} ({})",
                e.route
            );
        }
    }

    #[test]
    fn malformed_endpoint_patterns() {
        for bad in [
            "",
            "chat",
            "unknown",
            "Chat.Completions",
            "/v1//responses",
            "/v1/**/x",
            "/v1/Responses",
            "/v1/resp*",
            "/v1/{ids}",
            "v1/responses",
        ] {
            assert!(EndpointPattern::parse(bad).is_err(), "{bad:?}");
        }
        for kind in ApiKind::ALL {
            if *kind != ApiKind::Unknown {
                assert_eq!(
                    EndpointPattern::parse(kind.as_str()).unwrap(),
                    EndpointPattern::Api(*kind)
                );
            }
        }
    }
}

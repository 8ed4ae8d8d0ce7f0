//! Header hygiene for the headers the policy reads (`OpenAI-Project`, `OpenAI-Organization`,
//! the named caller header, `:authority`/`Host`): each at most once, a single visible-ASCII
//! value, no underscore lookalike names. Returns the values the rules may then trust.

use super::head::HeaderPairs;
use super::Reason;
use crate::config::Register;
use crate::http::host::canonical_host;

/// `OpenAI-Project`.
pub const PROJECT: &str = "openai-project";
/// `OpenAI-Organization`.
pub const ORGANIZATION: &str = "openai-organization";

/// The policy headers of one request, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyHeaders<'a> {
    /// `OpenAI-Project` (visible ASCII, no comma).
    pub project: Option<&'a str>,
    /// `OpenAI-Organization`.
    pub organization: Option<&'a str>,
    /// The caller header named by the policy (always `None` when the policy names none).
    pub caller: Option<&'a str>,
    /// `:authority` (or `Host`), canonicalised.
    pub authority: Option<String>,
}

/// Reads and checks the policy headers.
///
/// - A header name that becomes a policy header's name when `_` is read as `-`
///   (`OpenAI_Project`) is refused with `invalid_header`: some servers and gateways fold `_`
///   into `-`, so honouring neither spelling is not enough; the request is ambiguous.
/// - A policy header sent twice, or one value holding a comma list: `duplicate_header`.
/// - An empty value, or one with a byte outside visible ASCII (0x21..=0x7e): `invalid_header`.
/// - `:authority` and `Host` (both at most once) must name the same canonical host, else
///   `duplicate_header`; a value that is not a host is `invalid_header`.
pub fn read<'a>(
    headers: &'a HeaderPairs,
    register: &Register,
) -> Result<PolicyHeaders<'a>, Reason> {
    let caller = register.caller_header.as_deref();
    let mut names: Vec<&str> = vec![PROJECT, ORGANIZATION, "host"];
    if let Some(c) = caller {
        names.push(c);
    }
    for (name, _) in headers {
        if name.contains('_') {
            let folded = name.to_ascii_lowercase().replace('_', "-");
            if names.contains(&folded.as_str()) {
                return Err(Reason::InvalidHeader);
            }
        }
    }
    let mut out = PolicyHeaders {
        project: one(headers, PROJECT)?,
        organization: one(headers, ORGANIZATION)?,
        caller: match caller {
            Some(c) => one(headers, c)?,
            None => None,
        },
        authority: None,
    };
    out.authority = authority(headers)?;
    Ok(out)
}

/// `:authority` (or `Host`), canonicalised: each at most once, both naming the same host
/// (else `duplicate_header`), a host (else `invalid_header`).
pub fn authority(headers: &HeaderPairs) -> Result<Option<String>, Reason> {
    let authority = once(headers, ":authority")?;
    let host = once(headers, "host")?;
    let canon = |v: &[u8]| canonical_host(v).ok_or(Reason::InvalidHeader);
    Ok(match (authority, host) {
        (None, None) => None,
        (Some(v), None) | (None, Some(v)) => Some(canon(v)?),
        (Some(a), Some(h)) => {
            let (a, h) = (canon(a)?, canon(h)?);
            if a != h {
                return Err(Reason::DuplicateHeader);
            }
            Some(a)
        }
    })
}

/// The one line of `name` (case-insensitive); two lines are `duplicate_header`.
fn once<'a>(headers: &'a HeaderPairs, name: &str) -> Result<Option<&'a [u8]>, Reason> {
    let mut it = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice());
    let first = it.next();
    if it.next().is_some() {
        return Err(Reason::DuplicateHeader);
    }
    Ok(first)
}

/// The one single value of `name`, checked as visible ASCII without a comma list.
fn one<'a>(headers: &'a HeaderPairs, name: &str) -> Result<Option<&'a str>, Reason> {
    let Some(v) = once(headers, name)? else {
        return Ok(None);
    };
    if v.contains(&b',') {
        return Err(Reason::DuplicateHeader);
    }
    if v.is_empty() || !v.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(Reason::InvalidHeader);
    }
    std::str::from_utf8(v)
        .map(Some)
        .map_err(|_| Reason::InvalidHeader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;

    fn pairs(list: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    fn register() -> Register {
        Policy::from_json(br#"{"caller_header":"x-ocf-caller"}"#)
            .unwrap()
            .register
    }

    #[test]
    fn good_headers_are_read() {
        let h = pairs(&[
            (":authority", b"EU.api.openai.com.:443"),
            ("OpenAI-Project", b"proj_eu"),
            ("openai-organization", b"org-1"),
            ("x-ocf-caller", b"spiffe://cluster.local/ns/support/sa/bot"),
            ("x-other_header", b"anything, at all"),
        ]);
        let r = read(&h, &register()).unwrap();
        assert_eq!(r.project, Some("proj_eu"));
        assert_eq!(r.organization, Some("org-1"));
        assert_eq!(r.caller, Some("spiffe://cluster.local/ns/support/sa/bot"));
        assert_eq!(r.authority.as_deref(), Some("eu.api.openai.com"));
    }

    #[test]
    fn bad_headers_are_refused() {
        use Reason::{DuplicateHeader as Dup, InvalidHeader as Inv};
        type Pairs<'a> = &'a [(&'a str, &'a [u8])];
        let cases: &[(Pairs<'_>, Reason)] = &[
            (&[("openai-project", b"a"), ("openai-project", b"a")], Dup),
            (&[("openai-project", b"a"), ("OpenAI-Project", b"b")], Dup),
            (&[("openai-project", b"a, b")], Dup),
            (&[("openai-project", b"a,b")], Dup),
            (
                &[
                    ("openai-organization", b"o1"),
                    ("openai-organization", b"o2"),
                ],
                Dup,
            ),
            (&[("x-ocf-caller", b"a"), ("x-ocf-caller", b"b")], Dup),
            (&[("x-ocf-caller", b"a,b")], Dup),
            (&[(":authority", b"a.example"), ("host", b"b.example")], Dup),
            (&[("host", b"a.example"), ("host", b"a.example")], Dup),
            (
                &[(":authority", b"a.example"), (":authority", b"a.example")],
                Dup,
            ),
            (&[("openai-project", b"")], Inv),
            (&[("openai-project", b"proj a")], Inv),
            (&[("openai-project", b"proj\xc3\xa9")], Inv),
            (&[("openai-project", b"\xff\xfe")], Inv),
            (&[("openai-project", b"p\t1")], Inv),
            (&[("openai-project", b"p\x7f")], Inv),
            (&[("openai-organization", b"org\x00")], Inv),
            (&[("x-ocf-caller", b"caller\xe2\x80\x8b")], Inv),
            (&[("openai_project", b"proj_x")], Inv),
            (
                &[("OpenAI_Project", b"proj_x"), ("openai-project", b"proj_x")],
                Inv,
            ),
            (&[("openai_organization", b"org")], Inv),
            (&[("x_ocf_caller", b"spiffe://x")], Inv),
            (&[("x-ocf_caller", b"spiffe://x")], Inv),
            (&[(":authority", b"bad host")], Inv),
            (&[(":authority", b"a.example"), ("host", b"bad/host")], Inv),
        ];
        let reg = register();
        for (list, want) in cases {
            assert_eq!(read(&pairs(list), &reg), Err(*want), "{list:?}");
        }
    }

    #[test]
    fn authority_and_host_variants_agree() {
        let reg = register();
        let h = pairs(&[
            (":authority", b"api.openai.com"),
            ("Host", b"API.OPENAI.COM.:443"),
        ]);
        assert_eq!(
            read(&h, &reg).unwrap().authority.as_deref(),
            Some("api.openai.com")
        );
        let h = pairs(&[("host", b"api.openai.com")]);
        assert_eq!(
            read(&h, &reg).unwrap().authority.as_deref(),
            Some("api.openai.com")
        );
    }

    #[test]
    fn unnamed_caller_headers_are_never_read() {
        let reg = Policy::from_json(b"{}").unwrap().register;
        let h = pairs(&[("x-ocf-caller", b"a"), ("x-ocf-caller", b"b")]);
        assert_eq!(read(&h, &reg).unwrap().caller, None);
        let h = pairs(&[("x_ocf_caller", b"a")]);
        assert!(read(&h, &reg).is_ok());
    }
}

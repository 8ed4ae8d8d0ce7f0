//! Content codings of replies, for token usage: which `Content-Encoding` values the filter can
//! read (identity, `gzip`, `deflate`), and the request's `Accept-Encoding` narrowed to those,
//! so that OpenAI (which compresses replies whenever the client allows it, with `br` when
//! offered) answers in a coding the usage reader can follow. The reply's bytes always reach
//! the client as OpenAI sent them; only the filter's own copy is inflated.

/// A coding the usage reader can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// No coding.
    Identity,
    /// `gzip` (or `x-gzip`): RFC 1952.
    Gzip,
    /// `deflate`: a zlib stream (RFC 1950), or the raw DEFLATE some servers send instead.
    Deflate,
}

/// The coding a single `Content-Encoding` value names, if the reader can follow it (`None`
/// for `br`, `zstd`, a list of codings, or anything unknown).
pub fn reply_coding(content_encoding: &[u8]) -> Option<Coding> {
    let v = content_encoding.trim_ascii();
    if v.eq_ignore_ascii_case(b"identity") {
        Some(Coding::Identity)
    } else if v.eq_ignore_ascii_case(b"gzip") || v.eq_ignore_ascii_case(b"x-gzip") {
        Some(Coding::Gzip)
    } else if v.eq_ignore_ascii_case(b"deflate") {
        Some(Coding::Deflate)
    } else {
        None
    }
}

/// The codings narrowing tells apart, in the spelling it writes.
const KNOWN: [&str; 5] = ["gzip", "x-gzip", "deflate", "identity", "*"];

/// One member of an `Accept-Encoding` list: its coding (one of [`KNOWN`], matched without
/// regard to case, or `""` for any other coding) and weight as written (`None`: no weight, 1).
/// `None` when the member is malformed (a coding that is no token, a parameter other than a
/// valid `q`, a weight that is not an RFC 9110 qvalue). Nothing is allocated: this runs for
/// every forwarded `POST` that has the header.
fn member(text: &str) -> Option<(&'static str, Option<&str>)> {
    let mut parts = text.split(';').map(str::trim);
    let raw = parts.next()?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if raw.is_empty() || !raw.chars().all(token) {
        return None;
    }
    let coding = KNOWN
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(raw))
        .unwrap_or("");
    let mut weight = None;
    for p in parts {
        let (name, value) = p.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("q") || weight.is_some() {
            return None;
        }
        let value = value.trim();
        let (int, frac) = value.split_once('.').unwrap_or((value, ""));
        let valid = frac.len() <= 3
            && frac.bytes().all(|b| b.is_ascii_digit())
            && (int == "0" || (int == "1" && frac.bytes().all(|b| b == b'0')));
        if !valid {
            return None;
        }
        weight = Some(value);
    }
    Some((coding, weight))
}

/// Is this weight above zero?
fn positive(weight: Option<&str>) -> bool {
    weight.is_none_or(|w| w.bytes().any(|b| (b'1'..=b'9').contains(&b)))
}

/// Does the reader follow this coding (other than identity)?
fn compressed_readable(coding: &str) -> bool {
    matches!(coding, "gzip" | "x-gzip" | "deflate")
}

/// The `Accept-Encoding` to send instead of `values` (every `Accept-Encoding` header of the
/// request, in order), or `None` when they stay as sent.
///
/// They stay as sent when absent, when they are one header naming only codings the reader
/// follows (`gzip`, `x-gzip`, `deflate`, `identity`; the Python SDK's `gzip, deflate`), and
/// when the client accepts none of those (it refuses identity and lists no readable coding
/// above q=0): narrowing must never make a request unacceptable to its own client.
///
/// Otherwise the readable codings the client accepts are kept in its order, each with its
/// weight (rewritten in canonical form: `gzip;q=0.8`); `*` stands for `gzip` when gzip is not
/// named; every other coding (`br`, `zstd`, ...) and every malformed member is dropped. With
/// nothing left the value is `identity`; when the client refused identity, `identity;q=0`
/// closes the list so the refusal still stands.
pub fn narrow_accept_encoding<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<String> {
    let mut members: Vec<(&str, Option<&str>)> = Vec::new();
    let mut as_sent = true;
    for (i, v) in values.into_iter().enumerate() {
        as_sent &= i == 0;
        let Ok(v) = std::str::from_utf8(v) else {
            as_sent = false;
            continue;
        };
        for text in v.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            match member(text) {
                Some(m) => {
                    as_sent &= compressed_readable(m.0) || m.0 == "identity";
                    members.push(m);
                }
                // A malformed member that may speak of identity could be its refusal: what
                // the client accepts is unclear, so its header is left as it is.
                None => {
                    let coding = text.split(';').next().unwrap_or("").trim();
                    if coding.eq_ignore_ascii_case("identity") || coding == "*" {
                        return None;
                    }
                    as_sent = false;
                }
            }
        }
    }
    if as_sent {
        return None;
    }
    let weight_of = |c: &str| members.iter().find(|m| m.0 == c).map(|m| m.1);
    let identity_ok = match (weight_of("identity"), weight_of("*")) {
        (Some(w), _) | (None, Some(w)) => positive(w),
        (None, None) => true,
    };
    let named_gzip = weight_of("gzip").is_some() || weight_of("x-gzip").is_some();
    let mut kept: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (coding, weight) in &members {
        let coding = match *coding {
            "*" if !named_gzip => "gzip",
            c if compressed_readable(c) => c,
            _ => continue,
        };
        // A coding named twice counts once, as first named (as `weight_of` reads it).
        if seen.contains(&coding) {
            continue;
        }
        seen.push(coding);
        if positive(*weight) {
            kept.push(match weight {
                Some(w) => format!("{coding};q={w}"),
                None => coding.to_string(),
            });
        }
    }
    match (kept.is_empty(), identity_ok) {
        (true, false) => None,
        (true, true) => Some("identity".into()),
        (false, true) => Some(kept.join(", ")),
        (false, false) => Some(kept.join(", ") + ", identity;q=0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codings_the_reader_follows() {
        assert_eq!(reply_coding(b"gzip"), Some(Coding::Gzip));
        assert_eq!(reply_coding(b" GZip "), Some(Coding::Gzip));
        assert_eq!(reply_coding(b"x-gzip"), Some(Coding::Gzip));
        assert_eq!(reply_coding(b"deflate"), Some(Coding::Deflate));
        assert_eq!(reply_coding(b"identity"), Some(Coding::Identity));
        for other in [
            &b"br"[..],
            b"zstd",
            b"gzip, br",
            b"gzip,gzip",
            b"",
            b"compress",
        ] {
            assert_eq!(reply_coding(other), None, "{other:?}");
        }
    }

    fn narrow(values: &[&str]) -> Option<String> {
        narrow_accept_encoding(values.iter().map(|s| s.as_bytes()))
    }

    #[test]
    fn readable_lists_are_left_alone() {
        assert_eq!(narrow(&[]), None);
        // What the official Python SDK sends (without brotli or zstandard installed).
        assert_eq!(narrow(&["gzip, deflate"]), None);
        assert_eq!(narrow(&["identity"]), None);
        assert_eq!(narrow(&["GZIP;q=0.5 , x-gzip"]), None);
        assert_eq!(narrow(&["gzip;q=0, identity"]), None);
    }

    #[test]
    fn other_codings_are_dropped_keeping_the_rest_with_their_weights() {
        // What browsers, Node's fetch and httpx with brotli and zstandard send.
        assert_eq!(
            narrow(&["gzip, deflate, br, zstd"]).as_deref(),
            Some("gzip, deflate")
        );
        assert_eq!(
            narrow(&["br;q=1.0, gzip; Q=0.8, *;q=0.1"]).as_deref(),
            Some("gzip;q=0.8")
        );
        assert_eq!(narrow(&["br"]).as_deref(), Some("identity"));
        assert_eq!(
            narrow(&["zstd, identity;q=0.5"]).as_deref(),
            Some("identity")
        );
        assert_eq!(narrow(&[",, br ,gzip,"]).as_deref(), Some("gzip"));
        // A coding the client refuses stays refused (it is not sent at all).
        assert_eq!(narrow(&["br, gzip;q=0"]).as_deref(), Some("identity"));
    }

    #[test]
    fn a_wildcard_stands_for_gzip() {
        assert_eq!(narrow(&["*"]).as_deref(), Some("gzip"));
        assert_eq!(narrow(&["br, *;q=0.3"]).as_deref(), Some("gzip;q=0.3"));
        assert_eq!(narrow(&["deflate, *"]).as_deref(), Some("deflate, gzip"));
        // Named gzip keeps its own weight; the wildcard adds nothing.
        assert_eq!(narrow(&["gzip;q=0.2, *"]).as_deref(), Some("gzip;q=0.2"));
        assert_eq!(narrow(&["br, *;q=0"]), None);
    }

    #[test]
    fn a_client_that_refuses_identity_is_never_sent_a_list_it_cannot_accept() {
        // Nothing readable is acceptable to it: its header goes as sent.
        assert_eq!(narrow(&["br, identity;q=0"]), None);
        assert_eq!(narrow(&["zstd, br, identity;q=0, *;q=0"]), None);
        assert_eq!(narrow(&["br, gzip;q=0, identity;q=0"]), None);
        // Something readable is: the refusal of identity is kept.
        assert_eq!(
            narrow(&["br, gzip, identity;q=0"]).as_deref(),
            Some("gzip, identity;q=0")
        );
        assert_eq!(
            narrow(&["br, *;q=0, deflate"]).as_deref(),
            Some("deflate, identity;q=0")
        );
    }

    #[test]
    fn malformed_members_are_dropped_and_the_result_is_canonical() {
        assert_eq!(narrow(&["gzip;q=2, br"]).as_deref(), Some("identity"));
        assert_eq!(narrow(&["gzip;level=9"]).as_deref(), Some("identity"));
        assert_eq!(narrow(&["gzip;q=0.5;q=1"]).as_deref(), Some("identity"));
        assert_eq!(narrow(&["gz ip, deflate"]).as_deref(), Some("deflate"));
        assert_eq!(narrow(&["gzip;\tq=0.5, br"]).as_deref(), Some("gzip;q=0.5"));
        assert_eq!(narrow(&["gzip;q=\u{e9}, br"]).as_deref(), Some("identity"));
        for v in [
            "gzip;\tq=0.5 , br",
            "x-gzip ;Q=1.000, zstd",
            "*;q=0.001, br",
        ] {
            let out = narrow(&[v]).unwrap();
            assert!(out.bytes().all(|b| (0x20..0x7f).contains(&b)), "{out:?}");
            assert!(!out.contains("  ") && !out.contains('\t'), "{out:?}");
        }
    }

    #[test]
    fn a_malformed_word_on_identity_leaves_the_header_as_sent() {
        assert_eq!(narrow(&["br, identity;q=0.0000"]), None);
        assert_eq!(narrow(&["br, identity;q=0;x=1"]), None);
        assert_eq!(narrow(&["br, *;q=x"]), None);
        // Malformed readable codings are only dropped.
        assert_eq!(narrow(&["gzip;q=1.5, br"]).as_deref(), Some("identity"));
        assert_eq!(
            narrow(&["gzip;q=0.0001, deflate"]).as_deref(),
            Some("deflate")
        );
    }

    #[test]
    fn a_coding_named_twice_counts_once() {
        assert_eq!(narrow(&["*, *;q=0.5, br"]).as_deref(), Some("gzip"));
        assert_eq!(narrow(&["gzip;q=0, gzip, br"]).as_deref(), Some("identity"));
        // x-gzip names gzip: the wildcard adds nothing.
        assert_eq!(narrow(&["x-gzip, *, br"]).as_deref(), Some("x-gzip"));
    }

    #[test]
    fn several_headers_become_one() {
        assert_eq!(
            narrow(&["gzip", "deflate"]).as_deref(),
            Some("gzip, deflate")
        );
        assert_eq!(narrow(&["br", "gzip"]).as_deref(), Some("gzip"));
    }

    #[test]
    fn a_value_that_is_not_utf8_counts_as_unreadable() {
        let v: [&[u8]; 2] = [b"\xff\xfe", b"gzip"];
        assert_eq!(narrow_accept_encoding(v).as_deref(), Some("gzip"));
        let v: [&[u8]; 1] = [b"g\xffzip"];
        assert_eq!(narrow_accept_encoding(v).as_deref(), Some("identity"));
    }
}

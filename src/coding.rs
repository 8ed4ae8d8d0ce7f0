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

/// Whether one `Accept-Encoding` member (`gzip;q=0.8`) names a coding the reader follows.
fn readable_member(member: &str) -> bool {
    let coding = member.split(';').next().unwrap_or("").trim();
    ["gzip", "x-gzip", "deflate", "identity"]
        .iter()
        .any(|c| coding.eq_ignore_ascii_case(c))
}

/// The `Accept-Encoding` to send instead of `values` (every `Accept-Encoding` header of the
/// request, in order), or `None` when they need no change: absent, or naming only codings the
/// reader follows, in one header.
///
/// The members naming `gzip`, `x-gzip`, `deflate` or `identity` are kept as written, weights
/// included, in their order; every other member (`br`, `zstd`, `*`, unknown codings) is
/// dropped. When none is left the value is `identity`. A value that is not UTF-8 counts as
/// naming nothing readable.
pub fn narrow_accept_encoding(values: &[&[u8]]) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    let mut dropped = values.len() > 1;
    for v in values {
        let Ok(v) = std::str::from_utf8(v) else {
            dropped = true;
            continue;
        };
        for member in v.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            if readable_member(member) {
                kept.push(member);
            } else {
                dropped = true;
            }
        }
    }
    if !dropped {
        return None;
    }
    if kept.is_empty() {
        return Some("identity".into());
    }
    Some(kept.join(", "))
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
        let v: Vec<&[u8]> = values.iter().map(|s| s.as_bytes()).collect();
        narrow_accept_encoding(&v)
    }

    #[test]
    fn readable_lists_are_left_alone() {
        assert_eq!(narrow(&[]), None);
        // What the official Python SDK sends.
        assert_eq!(narrow(&["gzip, deflate"]), None);
        assert_eq!(narrow(&["identity"]), None);
        assert_eq!(narrow(&["GZIP;q=0.5 , x-gzip"]), None);
    }

    #[test]
    fn other_codings_are_dropped_keeping_the_rest_as_written() {
        // What browsers and Node's fetch send.
        assert_eq!(
            narrow(&["gzip, deflate, br, zstd"]).as_deref(),
            Some("gzip, deflate")
        );
        assert_eq!(
            narrow(&["br;q=1.0, gzip;q=0.8, *;q=0.1"]).as_deref(),
            Some("gzip;q=0.8")
        );
        assert_eq!(narrow(&["br"]).as_deref(), Some("identity"));
        assert_eq!(narrow(&["*"]).as_deref(), Some("identity"));
        assert_eq!(
            narrow(&["zstd, identity;q=0.5"]).as_deref(),
            Some("identity;q=0.5")
        );
        assert_eq!(narrow(&[",, br ,gzip,"]).as_deref(), Some("gzip"));
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
        assert_eq!(narrow_accept_encoding(&v).as_deref(), Some("gzip"));
        let v: [&[u8]; 1] = [b"g\xffzip"];
        assert_eq!(narrow_accept_encoding(&v).as_deref(), Some("identity"));
    }
}

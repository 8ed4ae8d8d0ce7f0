//! Host canonicalisation: the one form in which a request's `:authority`/`Host` and the
//! register's region hosts are compared (lower case, no trailing dot, no default `:443`).

/// Canonicalises a host (`EU.API.OpenAI.com.:443` → `eu.api.openai.com`). `None` for anything
/// that is not a plain DNS name or bracketed IPv6 literal with an optional numeric port.
pub fn canonical_host(raw: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(raw).ok()?;
    if s.is_empty() || s.len() > 260 {
        return None;
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        let inner = rest.get(..end)?;
        let after = rest.get(end + 1..)?;
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{}]", inner.to_ascii_lowercase()), port)
    } else {
        let (h, p) = match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        let h = h.strip_suffix('.').unwrap_or(h);
        let ok = !h.is_empty()
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !ok {
            return None;
        }
        (h.to_ascii_lowercase(), p)
    };
    match port {
        None | Some("443") => Some(host),
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = p.parse().ok()?;
            if n == 0 || n > 65_535 {
                return None;
            }
            Some(format!("{host}:{n}"))
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_one_host_are_one_host() {
        for v in [
            "eu.api.openai.com",
            "EU.API.OPENAI.COM",
            "eu.api.openai.com.",
            "eu.api.openai.com:443",
            "Eu.Api.OpenAI.com.:443",
        ] {
            assert_eq!(
                canonical_host(v.as_bytes()).as_deref(),
                Some("eu.api.openai.com"),
                "{v}"
            );
        }
    }

    #[test]
    fn other_ports_stay_and_junk_is_refused() {
        let cases: &[(&str, Option<&str>)] = &[
            ("localhost:10000", Some("localhost:10000")),
            ("api.openai.com:0443", Some("api.openai.com:443")),
            ("api.openai.com:8443", Some("api.openai.com:8443")),
            ("[::1]:443", Some("[::1]")),
            ("[::1]:8080", Some("[::1]:8080")),
            ("[FE80::1]", Some("[fe80::1]")),
            ("", None),
            (".", None),
            ("a..b", None),
            ("api.openai.com:", None),
            ("api.openai.com:99999", None),
            ("api.openai.com:0", None),
            ("api.openai.com:x", None),
            ("user@api.openai.com", None),
            ("api.openai.com/x", None),
            ("api openai.com", None),
            ("[::1", None),
            ("[::1]x", None),
            ("[zz::1]", None),
            ("api.openai.com..", None),
        ];
        for (v, want) in cases {
            assert_eq!(canonical_host(v.as_bytes()).as_deref(), *want, "{v}");
        }
        assert_eq!(canonical_host(&[0xff, b'a']), None);
    }
}

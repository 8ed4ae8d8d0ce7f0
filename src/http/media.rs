//! Media types: a `Content-Type` value split into its type and parameters (RFC 9110 §8.3),
//! and the strict readings the filter accepts: JSON in UTF-8, a `multipart/form-data`
//! boundary (RFC 2046 §5.1.1, RFC 7578).

/// Longest boundary RFC 2046 allows.
const MAX_BOUNDARY: usize = 70;

/// `application/json`, optionally with one `charset=utf-8` parameter (case-insensitive,
/// optionally quoted). Any other parameter, a repeated charset, or another type is refused.
pub fn is_json_utf8(ct: &[u8]) -> bool {
    let Some((mime, mut params)) = media_type(ct) else {
        return false;
    };
    mime.eq_ignore_ascii_case("application/json")
        && match params.next() {
            None => true,
            Some(p) => p.is_some_and(|p| p.is_utf8_charset()) && params.next().is_none(),
        }
}

/// One parameter of a `Content-Type` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// Its name, trimmed.
    pub name: &'a str,
    /// Its value, trimmed and, if it was in double quotes, without them.
    pub value: &'a str,
    /// Whether the value was in double quotes.
    pub quoted: bool,
}

impl Param<'_> {
    /// `charset=utf-8` (or `utf8`), in any case.
    pub fn is_utf8_charset(&self) -> bool {
        self.name.eq_ignore_ascii_case("charset")
            && (self.value.eq_ignore_ascii_case("utf-8") || self.value.eq_ignore_ascii_case("utf8"))
    }
}

/// `s` without ASCII whitespace at either end.
fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// A `Content-Type` value split into its media type (trimmed) and its parameters, in order
/// (empty ones, `;;`, skipped; `None` for one without `=`). `None` if it is not UTF-8.
pub fn media_type(ct: &[u8]) -> Option<(&str, impl Iterator<Item = Option<Param<'_>>>)> {
    let mut parts = std::str::from_utf8(ct).ok()?.split(';');
    let mime = trim(parts.next().unwrap_or(""));
    let params = parts.map(trim).filter(|p| !p.is_empty()).map(|p| {
        let (name, value) = p.split_once('=')?;
        let value = trim(value);
        let unquoted = value.strip_prefix('"').and_then(|x| x.strip_suffix('"'));
        Some(Param {
            name: trim(name),
            value: unquoted.unwrap_or(value),
            quoted: unquoted.is_some(),
        })
    });
    Some((mime, params))
}

/// The boundary of a `multipart/form-data` content type, or `None` if the type is another,
/// the boundary is missing, repeated, empty, too long or holds characters RFC 2046 excludes.
pub fn boundary(content_type: &[u8]) -> Option<String> {
    let (mime, params) = media_type(content_type)?;
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let mut found: Option<String> = None;
    for p in params {
        let p = p?;
        // `charset=utf-8` says nothing new; any other parameter is unknown.
        if p.is_utf8_charset() {
            continue;
        }
        if !p.name.eq_ignore_ascii_case("boundary") {
            return None;
        }
        // RFC 2046 characters when quoted; unquoted, an RFC 2045 token (no space or
        // separator, which lenient parsers would end the boundary at).
        let v = p.value;
        let extra: &[u8] = if p.quoted { b"'()+_,-./:=? " } else { b"'+_-." };
        let ok = !v.is_empty()
            && v.len() <= MAX_BOUNDARY
            && !v.ends_with(' ')
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b));
        if !ok || found.is_some() {
            return None;
        }
        found = Some(v.to_string());
    }
    found
}

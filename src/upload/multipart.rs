//! Strict `multipart/form-data` (RFC 7578) reading for file uploads: the boundary from the
//! content type, then each part's name, file name, content type and content as spans of the
//! body. Anything a careful client does not send (a preamble, a part without a name, a
//! transfer encoding, bare LF line ends, bytes after the closing delimiter) is refused, so the
//! filter never guesses where a part ends.

pub use crate::http::media::boundary;
use crate::http::media::media_type;
use std::ops::Range;

/// Most header bytes of one part, and most parts of one upload.
const MAX_PART_HEAD: usize = 8 * 1024;
const MAX_PARTS: usize = 64;

/// One part: spans into the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The `name` parameter of its `Content-Disposition`.
    pub name: String,
    /// The `filename` parameter's value span (inside the quotes), if any.
    pub filename: Option<Range<usize>>,
    /// Its `Content-Type`, lower-cased, if any.
    pub content_type: Option<String>,
    /// The span of its `Content-Length` value, if it has one (it equals the content's
    /// length; a rewrite of the content must rewrite it too).
    pub length: Option<Range<usize>>,
    /// Its content.
    pub content: Range<usize>,
}

/// The bytes of `span`, a span of a part [`parse`] read from `body` (it checks that every
/// span lies in the body; the empty fallback cannot be reached).
pub fn bytes_of<'b>(body: &'b [u8], span: &Range<usize>) -> &'b [u8] {
    let bytes = body.get(span.clone());
    debug_assert!(bytes.is_some(), "a part's span lies in its body");
    bytes.unwrap_or(&[])
}

/// Whether every span of `part` lies in a body of `len` bytes.
fn spans_inside(part: &Part, len: usize) -> bool {
    let inside = |r: &Range<usize>| r.start <= r.end && r.end <= len;
    inside(&part.content)
        && part.filename.as_ref().is_none_or(inside)
        && part.length.as_ref().is_none_or(inside)
}

/// The parts of `body`, or `None` when it is not strict multipart with this boundary.
pub fn parse(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    // The body opens with the first delimiter (no preamble).
    let mut pos = delim.len();
    if body.get(..pos)? != delim {
        return None;
    }
    let close = {
        let mut c = b"\r\n".to_vec();
        c.extend_from_slice(delim);
        c
    };
    let mut parts = Vec::new();
    loop {
        // After a delimiter: `--` closes, CRLF opens a part.
        match body.get(pos..pos + 2)? {
            b"--" => {
                let rest = body.get(pos + 2..)?;
                // Every span lies in the body: readers take a span as its bytes, no check.
                debug_assert!(parts.iter().all(|p| spans_inside(p, body.len())));
                return (rest.is_empty() || rest == b"\r\n").then_some(parts);
            }
            b"\r\n" => pos += 2,
            _ => return None,
        }
        if parts.len() >= MAX_PARTS {
            return None;
        }
        let head_len = find(body.get(pos..)?, b"\r\n\r\n")?;
        if head_len > MAX_PART_HEAD {
            return None;
        }
        let head = body.get(pos..pos + head_len)?;
        let start = pos + head_len + 4;
        let len = find(body.get(start..)?, &close)?;
        let content = start..start + len;
        parts.push(part_head(head, pos, content)?);
        pos = start + len + close.len();
    }
}

/// Position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        if hay.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// One part's header lines (`head` starts at `offset` in the body).
fn part_head(head: &[u8], offset: usize, content: Range<usize>) -> Option<Part> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    let mut length = None;
    let mut line_start = offset;
    for line in head.split(|&b| b == b'\n') {
        let at = line_start;
        line_start += line.len() + 1;
        // Every line but the last ends in CRLF (the split took the LF).
        let line = if line_start <= offset + head.len() {
            line.strip_suffix(b"\r")?
        } else {
            line
        };
        if line.contains(&b'\r') || line.is_empty() {
            return None;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let (k, v) = (line.get(..colon)?, line.get(colon + 1..)?);
        let k = std::str::from_utf8(k).ok()?;
        if k.eq_ignore_ascii_case("content-disposition") {
            if name.is_some() {
                return None;
            }
            let (n, f) = disposition(v, at + colon + 1)?;
            name = Some(n);
            filename = f;
        } else if k.eq_ignore_ascii_case("content-type") {
            if content_type.is_some() {
                return None;
            }
            content_type = Some(part_type(v)?);
        } else if k.eq_ignore_ascii_case("content-length") {
            // Some clients (OkHttp) send one; it must be the length we found.
            let digits = std::str::from_utf8(v).ok()?;
            let n: usize = digits.trim().parse().ok()?;
            if n != content.len()
                || length.is_some()
                || !digits.trim().bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let lead = digits.len() - digits.trim_start().len();
            let start = at + colon + 1 + lead;
            length = Some(start..start + digits.trim().len());
        } else {
            // A transfer encoding, or any other header, would change what the content means.
            return None;
        }
    }
    Some(Part {
        name: name?,
        filename,
        content_type,
        content,
        length,
    })
}

/// A part's `Content-Type`, lower-cased: `type/subtype` of token characters, optionally with
/// `charset=utf-8`. Any other parameter (a charset a server might decode the content with)
/// is refused.
fn part_type(v: &[u8]) -> Option<String> {
    let (mime, mut params) = media_type(v)?;
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    let (ty, sub) = mime.split_once('/')?;
    if !token(ty) || !token(sub) {
        return None;
    }
    if !params.all(|p| p.is_some_and(|p| p.is_utf8_charset())) {
        return None;
    }
    Some(mime.to_ascii_lowercase())
}

/// `form-data; name="..."[; filename="..."]` (`v` starts at `offset` in the body): the name,
/// and the span of the file name's value. Quoted values only, without backslashes or quotes
/// inside; `filename*` and unknown parameters are refused.
fn disposition(v: &[u8], offset: usize) -> Option<(String, Option<Range<usize>>)> {
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while v.get(*i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let kind = b"form-data";
    if !v.get(i..i + kind.len())?.eq_ignore_ascii_case(kind) {
        return None;
    }
    i += kind.len();
    let mut name = None;
    let mut filename = None;
    loop {
        skip_ws(&mut i);
        match v.get(i) {
            None => break,
            Some(b';') => i += 1,
            Some(_) => return None,
        }
        skip_ws(&mut i);
        let k_start = i;
        while v
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'*')
        {
            i += 1;
        }
        let key = std::str::from_utf8(v.get(k_start..i)?)
            .ok()?
            .to_ascii_lowercase();
        skip_ws(&mut i);
        if v.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        skip_ws(&mut i);
        if v.get(i) != Some(&b'"') {
            return None;
        }
        let q = i + 1;
        let len = v.get(q..)?.iter().position(|&b| b == b'"')?;
        let val = v.get(q..q + len)?;
        if val.contains(&b'\\') {
            return None;
        }
        i = q + len + 1;
        match key.as_str() {
            "name" if name.is_none() => name = Some(std::str::from_utf8(val).ok()?.to_string()),
            "filename" if filename.is_none() => filename = Some(offset + q..offset + q + len),
            _ => return None,
        }
    }
    Some((name?, filename))
}

/// `body` with each `(span, bytes)` edit applied (edits sorted, not overlapping).
pub fn splice(body: &[u8], edits: &[(Range<usize>, Vec<u8>)]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    for (span, bytes) in edits {
        out.extend_from_slice(body.get(at..span.start)?);
        out.extend_from_slice(bytes);
        at = span.end;
    }
    out.extend_from_slice(body.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, file, content) in parts {
            b.extend_from_slice(b"--XyZ\r\n");
            match file {
                Some(f) => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/jsonl\r\n\r\n").as_bytes(),
                ),
                None => b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            b.extend_from_slice(content.as_bytes());
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary(b"multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(
            boundary(b"Multipart/Form-Data;boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        let ct = b"multipart/form-data; charset=UTF-8; boundary=---x.y";
        assert_eq!(boundary(ct).as_deref(), Some("---x.y"));
        for bad in [
            &b"multipart/form-data"[..],
            b"multipart/form-data; boundary=",
            b"multipart/form-data; boundary=a; boundary=b",
            b"multipart/mixed; boundary=a",
            b"application/json",
            b"multipart/form-data; boundary=a\"b",
            b"multipart/form-data; boundary=a; x=y",
            // Unquoted, a space or separator ends the boundary for lenient parsers.
            b"multipart/form-data; boundary=abc def",
            b"multipart/form-data; boundary=a:b=c",
            b"multipart/form-data; boundary=abc(x)",
            b"multipart/form-data; charset=utf-7; boundary=a",
        ] {
            assert_eq!(boundary(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        let long = format!("multipart/form-data; boundary={}", "a".repeat(71));
        assert_eq!(boundary(long.as_bytes()), None);
    }

    #[test]
    fn parts_and_spans() {
        let b = body(&[
            ("purpose", None, "batch"),
            ("file", Some("in.jsonl"), "{\"a\":1}\n"),
        ]);
        let parts = parse(&b, "XyZ").expect("parses");
        assert_eq!(parts.len(), 2);
        let (p, f) = (&parts[0], &parts[1]);
        assert_eq!(
            (p.name.as_str(), &b[p.content.clone()]),
            ("purpose", &b"batch"[..])
        );
        assert_eq!(f.name, "file");
        assert_eq!(&b[f.filename.clone().expect("file name")], b"in.jsonl");
        assert_eq!(f.content_type.as_deref(), Some("application/jsonl"));
        assert_eq!(&b[f.content.clone()], b"{\"a\":1}\n");
        // Content that holds CRLF, dashes and the boundary, but not CRLF + delimiter, stays
        // one part.
        let b = body(&[("file", Some("x"), "a--XyZ\r\n-- XyZ\r\nb")]);
        let parts = parse(&b, "XyZ").expect("parses");
        assert_eq!(&b[parts[0].content.clone()], b"a--XyZ\r\n-- XyZ\r\nb");
        // CRLF + delimiter inside content ends the part: what follows must then be a
        // delimiter's end, and here it is not.
        assert_eq!(
            parse(&body(&[("file", Some("x"), "a\r\n--XyZa")]), "XyZ"),
            None
        );
        // The closing delimiter without a final CRLF.
        let mut b = body(&[("purpose", None, "batch")]);
        b.truncate(b.len() - 2);
        assert!(parse(&b, "XyZ").is_some());
    }

    #[test]
    fn refuses_what_is_not_strict() {
        let good = body(&[("purpose", None, "batch")]);
        let s = String::from_utf8(good).expect("utf-8");
        for bad in [
            format!("preamble\r\n{s}"),
            s.replace("--XyZ--\r\n", ""),
            s.replace("--XyZ--\r\n", "--XyZ--\r\nepilogue"),
            s.replace("\r\n\r\n", "\n\n"),
            s.replace("name=\"purpose\"", "name=purpose"),
            s.replace("name=\"purpose\"", "name=\"pur\\\"pose\""),
            s.replace("name=\"purpose\"", "name=\"purpose\"; name=\"x\""),
            s.replace("name=\"purpose\"", "name=\"purpose\"; filename*=UTF-8''x"),
            s.replace("form-data;", "attachment;"),
            s.replace(
                "Content-Disposition",
                "Content-Transfer-Encoding: base64\r\nContent-Disposition",
            ),
            s.replace("Content-Disposition: form-data; name=\"purpose\"", "X: y"),
            s.replace(
                "Content-Disposition",
                "Content-Type: text/plain; charset=utf-7\r\nContent-Disposition",
            ),
            s.replace(
                "Content-Disposition",
                "Content-Length: 4\r\nContent-Disposition",
            ),
        ] {
            assert_eq!(parse(bad.as_bytes(), "XyZ"), None, "{bad:?}");
        }
        assert_eq!(parse(b"", "XyZ"), None);
        assert_eq!(parse(b"--XyZ", "XyZ"), None);
        assert_eq!(parse(s.as_bytes(), "Other"), None);
    }

    #[test]
    fn part_headers_a_careful_client_sends() {
        let b = body(&[("purpose", None, "batch")]);
        let s = String::from_utf8(b).expect("utf-8");
        for (extra, ty) in [
            ("Content-Length: 5\r\n", None),
            (
                "Content-Type: Application/JSONL; charset=\"UTF-8\"\r\n",
                Some("application/jsonl"),
            ),
        ] {
            let b = s.replace(
                "Content-Disposition",
                &format!("{extra}Content-Disposition"),
            );
            let parts = parse(b.as_bytes(), "XyZ").expect("parses");
            assert_eq!(parts[0].content_type.as_deref(), ty, "{extra}");
        }
    }

    #[test]
    fn splices_in_order() {
        let out = splice(b"abcdef", &[(1..2, b"XX".to_vec()), (4..6, Vec::new())]);
        assert_eq!(out.as_deref(), Some(&b"aXXcd"[..]));
        assert_eq!(splice(b"abc", &[(2..5, Vec::new())]), None);
    }
}

//! Secret detectors triggered by anchors: provider keys (prefix and keyword tables), JWTs,
//! PEM private-key blocks, credentials in URLs, generic `password=`-style assignments with a
//! high-entropy value, Telegram bot tokens and Azure AD client secrets.

use super::checksum::entropy;
use super::providers::{Charset, KEYWORD_KEYS, PREFIX_KEYS};
use super::rules::Engine;
use super::text::{at, before, is_word, push, redactor_placeholder_len};
use super::Finding;
use std::sync::OnceLock;

/// Longest key body we look at.
const MAX_BODY: usize = 4096;

fn run(t: &[u8], from: usize, cs: Charset, limit: usize) -> usize {
    let mut i = from;
    while i < t.len() && i - from <= limit && cs.has(at(t, i)) {
        i += 1;
    }
    // A sentence-ending period is not part of a key.
    if cs == Charset::UrlDot {
        while i > from && at(t, i - 1) == b'.' {
            i -= 1;
        }
    }
    i
}

/// A key found by its literal prefix.
pub(crate) fn prefix_key(e: &Engine, t: &[u8], p: usize, k: u16, j: u8, out: &mut Vec<Finding>) {
    let Some(spec) = PREFIX_KEYS.get(usize::from(k)) else {
        return;
    };
    let Some(prefix) = spec.prefixes.get(usize::from(j)) else {
        return;
    };
    let pb = prefix.as_bytes();
    if t.get(p..p + pb.len()) != Some(pb) {
        return;
    }
    let mut start = p;
    if pb.first() == Some(&b'.') {
        // Terraform: `<14 chars>.atlasv1.<body>`.
        while start > 0 && p - start < 14 && before(t, start).is_ascii_alphanumeric() {
            start -= 1;
        }
        if p - start < 14 {
            return;
        }
    } else if before(t, p).is_ascii_alphanumeric() {
        return;
    }
    // A longer prefix of another key that also matches here wins.
    if longer_prefixes(k, j)
        .iter()
        .any(|op| t.get(p..p + op.len()) == Some(op.as_bytes()))
    {
        return;
    }
    let body = p + pb.len();
    let end = run(t, body, spec.body, spec.max.min(MAX_BODY));
    let len = end - body;
    if len < spec.min || len > spec.max || at(t, end).is_ascii_alphanumeric() {
        return;
    }
    let body_bytes = t.get(body..end).unwrap_or(&[]);
    if !body_ok(spec.id, body_bytes) {
        return;
    }
    let rule = e.ids.prefix.get(usize::from(k)).copied().flatten();
    push(out, rule, if spec.body_only { body } else { start }, end);
    if spec.id == "aws_access_key_id" {
        aws_secret_near(e, t, end, out);
    }
}

/// The prefixes of other keys that are longer than prefix `j` of key `k` and start with it
/// (`sk-ant-api03-` for `sk-`), listed once per process.
fn longer_prefixes(k: u16, j: u8) -> &'static [&'static str] {
    static LONGER: OnceLock<Vec<Vec<Vec<&'static str>>>> = OnceLock::new();
    let table = LONGER.get_or_init(|| {
        PREFIX_KEYS
            .iter()
            .map(|spec| {
                spec.prefixes
                    .iter()
                    .map(|pb| {
                        PREFIX_KEYS
                            .iter()
                            .filter(|other| other.id != spec.id)
                            .flat_map(|other| other.prefixes.iter().copied())
                            .filter(|op| op.len() > pb.len() && op.starts_with(pb))
                            .collect()
                    })
                    .collect()
            })
            .collect()
    });
    table
        .get(usize::from(k))
        .and_then(|key| key.get(usize::from(j)))
        .map_or(&[], Vec::as_slice)
}

/// Extra shape checks for some bodies.
fn body_ok(id: &str, b: &[u8]) -> bool {
    match id {
        "sendgrid_api_key" => {
            b.get(22) == Some(&b'.') && b.iter().filter(|&&c| c == b'.').count() == 1
        }
        "openai_api_key" | "stripe_key" | "slack_token" => {
            b.iter().any(u8::is_ascii_digit) || b.len() >= 40
        }
        "slack_webhook" => {
            b.first() == Some(&b'T') && b.iter().filter(|&&c| c == b'/').count() >= 2
        }
        "discord_webhook" => b.iter().take_while(|c| c.is_ascii_digit()).count() >= 17,
        "mailgun_api_key" | "databricks_token" | "shopify_token" => {
            b.iter().any(u8::is_ascii_digit)
        }
        _ => true,
    }
}

/// An AWS secret access key (40 base64 characters) within 200 bytes after a key id.
fn aws_secret_near(e: &Engine, t: &[u8], from: usize, out: &mut Vec<Finding>) {
    if e.ids.aws_secret.is_none() {
        return;
    }
    let lim = (from + 200).min(t.len());
    let mut i = from;
    while i < lim {
        if Charset::B64.has(at(t, i)) && !Charset::B64.has(before(t, i)) {
            let end = run(t, i, Charset::B64, 64);
            let v = t.get(i..end).unwrap_or(&[]);
            if end - i == 40 && looks_random(v) {
                push(out, e.ids.aws_secret, i, end);
                return;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

/// At least one digit, one upper- and one lower-case letter, and entropy ≥ 3.5 bits.
fn looks_random(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && entropy(v) >= 3.5
}

/// A key introduced by a keyword: the first token of the right shape shortly after it.
pub(crate) fn keyword_key(
    e: &Engine,
    t: &[u8],
    p: usize,
    kw_end: usize,
    k: u16,
    out: &mut Vec<Finding>,
) {
    let Some(spec) = KEYWORD_KEYS.get(usize::from(k)) else {
        return;
    };
    if before(t, p).is_ascii_alphabetic() {
        return;
    }
    let rule = e.ids.keyword.get(usize::from(k)).copied().flatten();
    let lim = (kw_end + 64).min(t.len());
    let mut i = kw_end;
    while i < lim {
        let b = at(t, i);
        if b == b'\n' {
            return;
        }
        if spec.body.has(b) && (i == kw_end || !spec.body.has(before(t, i))) {
            let end = run(t, i, spec.body, spec.max + 1);
            let v = t.get(i..end).unwrap_or(&[]);
            if (spec.min..=spec.max).contains(&v.len())
                && !is_word(at(t, end))
                && keyword_value_ok(spec.id, v)
            {
                push(out, rule, i, end);
                return;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

fn keyword_value_ok(id: &str, v: &[u8]) -> bool {
    let digit = v.iter().any(u8::is_ascii_digit);
    match id {
        "aws_secret_access_key" => looks_random(v),
        "heroku_api_key" => {
            v.len() == 36 && [8, 13, 18, 23].iter().all(|&i| v.get(i) == Some(&b'-'))
        }
        "discord_bot_token" => v.iter().filter(|&&c| c == b'.').count() == 2 && digit,
        "mailchimp_api_key" => {
            let tail = v.get(32..).unwrap_or(&[]);
            tail.starts_with(b"-us")
                && tail.len() >= 4
                && v.get(..32)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        }
        "okta_api_token" => v.starts_with(b"00") && looks_random(v),
        "cloudflare_api_key" => digit && v.iter().any(u8::is_ascii_alphabetic),
        _ => digit,
    }
}

fn b64url_val(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => u32::from(c - b'A'),
        b'a'..=b'z' => u32::from(c - b'a') + 26,
        b'0'..=b'9' => u32::from(c - b'0') + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    })
}

/// Decodes up to 48 bytes of base64url into `buf`, returning how many were written.
fn b64url_decode(s: &[u8], buf: &mut [u8; 48]) -> usize {
    let mut n = 0;
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s {
        let Some(v) = b64url_val(c) else { break };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if let Some(slot) = buf.get_mut(n) {
                *slot = (acc >> bits) as u8;
                n += 1;
            } else {
                break;
            }
        }
    }
    n
}

/// A JWT: `eyJ` header whose decoded JSON has `alg` or `typ`, payload, signature.
pub(crate) fn jwt(e: &Engine, t: &[u8], p: usize, out: &mut Vec<Finding>) {
    let b = before(t, p);
    if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
        return;
    }
    let h_end = run(t, p, Charset::Url, MAX_BODY);
    if h_end - p < 10 || at(t, h_end) != b'.' {
        return;
    }
    let p_end = run(t, h_end + 1, Charset::Url, MAX_BODY * 4);
    if p_end - (h_end + 1) < 10 || at(t, p_end) != b'.' {
        return;
    }
    let s_end = run(t, p_end + 1, Charset::Url, MAX_BODY);
    if at(t, s_end) == b'.' || at(t, s_end).is_ascii_alphanumeric() {
        return;
    }
    let mut buf = [0u8; 48];
    let n = b64url_decode(t.get(p..h_end).unwrap_or(&[]), &mut buf);
    let header = buf.get(..n).unwrap_or(&[]);
    let has = |k: &[u8]| header.windows(k.len()).any(|w| w == k);
    if header.first() == Some(&b'{') && (has(b"\"alg\"") || has(b"\"typ\"")) {
        push(out, e.ids.jwt, p, s_end);
    }
}

/// A PEM private-key block, BEGIN line to END line (or to the end of its body if the END line
/// is missing).
pub(crate) fn pem(e: &Engine, t: &[u8], p: usize, out: &mut Vec<Finding>) {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let label_start = p + BEGIN.len();
    let Some(rest) = t.get(label_start..(label_start + 64).min(t.len())) else {
        return;
    };
    let Some(close) = rest.windows(5).position(|w| w == b"-----") else {
        return;
    };
    let label = rest.get(..close).unwrap_or(&[]);
    if !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK")) {
        return;
    }
    let body = label_start + close + 5;
    let lim = (body + 65536).min(t.len());
    let hay = t.get(body..lim).unwrap_or(&[]);
    let end = match hay.windows(9).position(|w| w == b"-----END ") {
        Some(i) => {
            let after = body + i + 9;
            let tail = t.get(after..(after + 80).min(t.len())).unwrap_or(&[]);
            match tail.windows(5).position(|w| w == b"-----") {
                Some(j) => after + j + 5,
                None => after,
            }
        }
        None => {
            let mut i = body;
            while i < lim
                && (at(t, i).is_ascii_alphanumeric()
                    || matches!(
                        at(t, i),
                        b'+' | b'/'
                            | b'='
                            | b'\r'
                            | b'\n'
                            | b' '
                            | b'\t'
                            | b'\\'
                            | b':'
                            | b'-'
                            | b','
                    ))
            {
                i += 1;
            }
            i
        }
    };
    push(out, e.ids.pem, p, end);
}

/// `scheme://user:password@host`: the `user:password` part.
pub(crate) fn url_creds(e: &Engine, t: &[u8], p: usize, out: &mut Vec<Finding>) {
    // Scheme of at least two characters.
    let mut s = p;
    while s > 0
        && p - s < 32
        && (before(t, s).is_ascii_alphanumeric() || matches!(before(t, s), b'+' | b'.' | b'-'))
    {
        s -= 1;
    }
    if p - s < 2 {
        return;
    }
    let ui = p + 3;
    let mut i = ui;
    let mut colon = None;
    while i < t.len() && i - ui < 256 {
        let b = at(t, i);
        if b == b'@' {
            break;
        }
        // A redactor placeholder (`[SECRET:3f2a…]`) is taken whole: its `:` is no separator.
        if b == b'[' {
            if let Some(n) = redactor_placeholder_len(t, i) {
                i += n;
                continue;
            }
        }
        if b == b':' && colon.is_none() {
            colon = Some(i);
        }
        // `?` and `#` are allowed: pasted passwords are rarely percent-encoded.
        if b.is_ascii_whitespace() || matches!(b, b'/' | b'"' | b'\'' | b'<' | b'>' | b'`' | 0) {
            return;
        }
        i += 1;
    }
    if at(t, i) != b'@' {
        return;
    }
    let Some(c) = colon else { return };
    let pass = t.get(c + 1..i).unwrap_or(&[]);
    // (`placeholder` also covers a redactor placeholder: it starts with `[`.)
    if pass.is_empty() || placeholder(pass) {
        return;
    }
    if !(at(t, i + 1).is_ascii_alphanumeric() || at(t, i + 1) == b'[') {
        return;
    }
    push(out, e.ids.url_creds, ui, i);
}

fn placeholder(v: &[u8]) -> bool {
    let first = v.first().copied().unwrap_or(0);
    if matches!(first, b'$' | b'{' | b'<' | b'[') {
        return true;
    }
    if first == b'%' && format_placeholder(v) {
        return true;
    }
    let head = v.get(..v.len().min(64)).unwrap_or(v);
    let has = |k: &[u8]| head.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k));
    has(b"xxxx")
        || has(b"****")
        || has(b"your")
        || has(b"example")
        || has(b"placeholder")
        || has(b"changeme")
        || has(b"redacted")
        || has(b"<")
        || v.iter().all(|&b| Some(&b) == v.first())
}

/// A printf, Python, Ruby or Windows placeholder as the value: `%s`, `%(pw)s`, `%{pw}`,
/// `%DB_PASSWORD%`, also cut short where an unquoted value stops (`%(db_password`,
/// `%{env:DB_PASS`). A name goes between the marks (letters, digits, `_ . : -`): a password
/// that merely starts and ends with `%` is no placeholder.
fn format_placeholder(v: &[u8]) -> bool {
    let name = |b: &[u8]| {
        !b.is_empty()
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-'))
    };
    let inner = |r: &[u8], close: &[u8]| name(r.strip_suffix(close).unwrap_or(r));
    v == b"%s"
        || v.strip_prefix(b"%(").is_some_and(|r| inner(r, b")s"))
        || v.strip_prefix(b"%{").is_some_and(|r| inner(r, b"}"))
        || v.strip_prefix(b"%")
            .and_then(|r| r.strip_suffix(b"%"))
            .is_some_and(name)
}

const NOT_SECRET_SUFFIX: &[&str] = &[
    "file", "path", "url", "uri", "name", "type", "length", "len", "count", "expiry", "expires",
    "ttl", "policy", "field", "hint", "reset", "prompt", "manager", "strength", "limit",
    "endpoint", "header", "format", "timeout", "id", "usage", "_in", "kind", "label",
];

/// `password = "…"`, `api_key: …`, `"secret": "…"` whose value looks random.
pub(crate) fn generic(e: &Engine, t: &[u8], p: usize, kw_end: usize, out: &mut Vec<Finding>) {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    // The whole identifier around the keyword.
    let mut ks = p;
    while ks > 0 && p - ks < 64 && ident(before(t, ks)) {
        ks -= 1;
    }
    let mut ke = kw_end;
    while ke < t.len() && ke - kw_end < 64 && ident(at(t, ke)) {
        ke += 1;
    }
    let key = t.get(ks..ke).unwrap_or(&[]);
    let low: Vec<u8> = key.iter().map(u8::to_ascii_lowercase).collect();
    if NOT_SECRET_SUFFIX
        .iter()
        .any(|s| low.ends_with(s.as_bytes()))
    {
        return;
    }
    let mut i = ke;
    if matches!(at(t, i), b'"' | b'\'') {
        i += 1;
    }
    while at(t, i) == b' ' || at(t, i) == b'\t' {
        i += 1;
    }
    match (at(t, i), at(t, i + 1)) {
        (b':', b'=') | (b'=', b'>') => i += 2,
        (b':' | b'=', _) => i += 1,
        _ => return,
    }
    while at(t, i) == b' ' || at(t, i) == b'\t' {
        i += 1;
    }
    let quote = at(t, i);
    let (vs, ve) = if matches!(quote, b'"' | b'\'' | b'`') {
        let vs = i + 1;
        let mut j = vs;
        while j < t.len() && j - vs < 300 && at(t, j) != quote && at(t, j) != b'\n' {
            j += 1;
        }
        if at(t, j) != quote {
            return;
        }
        (vs, j)
    } else {
        let vs = i;
        let mut j = vs;
        while j < t.len()
            && j - vs < 300
            && !at(t, j).is_ascii_whitespace()
            && !matches!(
                at(t, j),
                b',' | b';' | b'"' | b'\'' | b'`' | b')' | b'}' | b']' | b'<' | b'>' | b'&'
            )
        {
            // A placeholder inside the value is taken whole (its `]` does not end the value).
            j += redactor_placeholder_len(t, j).unwrap_or(1);
        }
        // A sentence-ending period is not part of the value.
        while j > vs && matches!(at(t, j - 1), b'.' | b':') {
            j -= 1;
        }
        (vs, j)
    };
    let raw = t.get(vs..ve).unwrap_or(&[]);
    if raw.len() > 256 || raw.iter().any(|&b| b == b' ' || b >= 0x80) || placeholder(raw) {
        return;
    }
    // Our own placeholders (`[EMAIL]`, `[IP_2]`, `[CARD:3f2a…]`) are judged as absent, so a
    // redacted value cannot make its neighbours look like a secret on a second pass.
    let kept = without_placeholders(raw);
    let v: &[u8] = &kept;
    if v.len() < 8 {
        return;
    }
    let classes = [
        v.iter().any(u8::is_ascii_lowercase),
        v.iter().any(u8::is_ascii_uppercase),
        v.iter().any(u8::is_ascii_digit),
        v.iter().any(|b| b.is_ascii_punctuation()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let has_digit_or_symbol = v
        .iter()
        .any(|b| b.is_ascii_digit() || b.is_ascii_punctuation());
    if classes >= 2 && has_digit_or_symbol && entropy(v) >= 3.0 {
        push(out, e.ids.generic, vs, ve);
    }
}

/// `v` without the placeholders the redactor writes.
fn without_placeholders(v: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !v.contains(&b'[') {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while let Some(&b) = v.get(i) {
        if let Some(n) = redactor_placeholder_len(v, i) {
            i += n;
            continue;
        }
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Telegram bot token `123456789:AA…` (anchor `:AA`).
pub(crate) fn telegram(e: &Engine, t: &[u8], p: usize, out: &mut Vec<Finding>) {
    if t.get(p..p + 3) != Some(b":AA") {
        return;
    }
    let mut s = p;
    while s > 0 && p - s <= 10 && before(t, s).is_ascii_digit() {
        s -= 1;
    }
    if !(8..=10).contains(&(p - s)) || is_word(before(t, s)) {
        return;
    }
    let body = p + 1;
    let end = run(t, body, Charset::Url, 40);
    if end - body == 35 && !is_word(at(t, end)) {
        push(out, e.ids.telegram, s, end);
    }
}

/// Azure AD client secret: `xxx` + digit + `Q~` + 31–34 characters.
pub(crate) fn azure_secret(e: &Engine, t: &[u8], p: usize, out: &mut Vec<Finding>) {
    if t.get(p..p + 2) != Some(b"Q~") || p < 4 {
        return;
    }
    let c = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'~' | b'.');
    if !at(t, p - 1).is_ascii_digit() || !(2..=4).all(|k| c(at(t, p - k))) || c(before(t, p - 4)) {
        return;
    }
    let body = p + 2;
    let mut end = body;
    while end < t.len() && end - body <= 35 && (c(at(t, end)) || at(t, end) == b'-') {
        end += 1;
    }
    // A trailing period ends a sentence.
    while end > body && at(t, end - 1) == b'.' && end - body > 34 {
        end -= 1;
    }
    if (31..=34).contains(&(end - body)) {
        push(out, e.ids.azure_secret, p - 4, end);
    }
}

#[cfg(test)]
mod tests {
    use super::placeholder;

    #[test]
    fn template_placeholders_are_skipped_and_lookalike_passwords_are_not() {
        for v in [
            "%s",
            "%(pw)s",
            "%{db_pass}",
            "%DB_PASSWORD%",
            "%DB-PASSWORD%",
            "%(db_password",
            "%(db.password)s",
            "%{DB_PASSWORD",
            "%{env:DB_PASS}",
            "${DB_PASSWORD}",
            "{password}",
            "<password>",
            "[SECRET]",
            "YOUR_PASSWORD",
            "ChangeMe123",
            "xxxxxxxx",
        ] {
            assert!(placeholder(v.as_bytes()), "{v:?}");
        }
        for v in [
            "%o%e6m_n*zTDoz8drNk%",
            "%sK9x!q2Lm",
            "%(pw)sX",
            "%{a b}",
            "%a%b%",
            "%DB PASSWORD%",
            "S3cr3t!x",
        ] {
            assert!(!placeholder(v.as_bytes()), "{v:?}");
        }
    }
}

//! Credentials of a known format, triggered by anchors: provider keys (prefix and keyword
//! tables), JWTs, PEM private-key blocks, credentials in URLs, Telegram bot tokens and Azure AD
//! client secrets. Secrets introduced by a name are in `assign`, signed URLs in `signed_url`.

use super::checksum::entropy;
use super::looks::{looks_random, placeholder, placeholder_body, slug};
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
    let body_bytes = t.get(body..end);
    debug_assert!(body_bytes.is_some(), "run() stays in the text");
    let body_bytes = body_bytes.unwrap_or(&[]);
    if !body_ok(spec.id, body_bytes) || not_a_key(spec.body, t, body_bytes, end) {
        return;
    }
    let end = end + suffix_len(spec.id, t, end);
    let rule = e.ids.prefix.get(usize::from(k)).copied().flatten();
    push(out, rule, if spec.body_only { body } else { start }, end);
    if spec.id == "aws_access_key_id" {
        aws_secret_near(e, t, end, out);
    }
}

/// The length of the suffix some keys carry after their body: a Databricks token's `-<n>`
/// (`dapi` + 32 hex, then `-2` on newer tokens), a Flutterwave key's `-X` (`FLWSECK_TEST-` +
/// 32 hex + `-X`, as the dashboard shows it). Zero when there is none.
fn suffix_len(id: &str, t: &[u8], end: usize) -> usize {
    if at(t, end) != b'-' {
        return 0;
    }
    let n = match id {
        "databricks_token" => {
            let mut k = end + 1;
            while k < end + 3 && at(t, k).is_ascii_digit() {
                k += 1;
            }
            k - end
        }
        "flutterwave_key" if at(t, end + 1) == b'X' => 2,
        _ => return 0,
    };
    if n < 2 || is_word(at(t, end + n)) {
        0
    } else {
        n
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

/// A body that has a key's prefix, charset and length but is no key: filler
/// (`sk-proj-xxxx…`, `T00000000`), a slug (`sk-notification-service-v2-config`), or a file
/// name (`….yaml`: a body followed, or ended for charsets with `.`, by a short lower-case
/// extension).
fn not_a_key(cs: Charset, t: &[u8], b: &[u8], end: usize) -> bool {
    if placeholder_body(b) {
        return true;
    }
    let separators = cs.has(b'-') || cs.has(b'_');
    if separators && slug(b) {
        return true;
    }
    let ext = |s: &[u8]| (1..=5).contains(&s.len()) && s.iter().all(u8::is_ascii_lowercase);
    if at(t, end) == b'.' {
        let mut k = end + 1;
        while k < t.len() && k - end <= 6 && at(t, k).is_ascii_lowercase() {
            k += 1;
        }
        if ext(t.get(end + 1..k).unwrap_or(&[])) && !is_word(at(t, k)) {
            return true;
        }
    }
    if cs.has(b'.') {
        if let Some(dot) = b.iter().rposition(|&c| c == b'.') {
            if ext(b.get(dot + 1..).unwrap_or(&[])) {
                return true;
            }
        }
    }
    false
}

/// Extra shape checks for some bodies.
fn body_ok(id: &str, b: &[u8]) -> bool {
    let hex = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_hexdigit);
    let len = b.len();
    match id {
        // Atlassian: base64url, `=`, an 8-hex checksum.
        "atlassian_api_token" => {
            b.iter().filter(|&&c| c == b'=').count() == 1
                && len > 9
                && b.get(len - 9) == Some(&b'=')
                && hex(b.get(len - 8..).unwrap_or(&[]))
        }
        // Sentry organization tokens: base64 payload, `_`, the secret.
        "sentry_token" if b.contains(&b'_') => b
            .rsplit(|&c| c == b'_')
            .next()
            .is_some_and(|secret| secret.len() >= 32),
        "sentry_token" => hex(b),
        // Vault tokens from before 1.10: `s.` + 24 random characters.
        "vault_token" if len == 24 => {
            looks_random(b)
                || (entropy(b) >= 3.9
                    && b.iter().any(u8::is_ascii_uppercase)
                    && b.iter().any(u8::is_ascii_lowercase))
        }
        "langsmith_api_key" => {
            b.get(32) == Some(&b'_')
                && hex(b.get(..32).unwrap_or(&[]))
                && hex(b.get(33..).unwrap_or(&[]))
        }
        "onepassword_secret_key" => {
            let groups: Vec<usize> = b.split(|&c| c == b'-').map(<[u8]>::len).collect();
            groups == [6, 6, 5, 5, 5, 5] || groups == [6, 11, 5, 5, 5]
        }
        "pinecone_api_key" => b.contains(&b'_') && b.iter().any(u8::is_ascii_digit),
        "aws_session_token" | "flyio_token" if len >= 80 => looks_random(b),
        "cloudflare_api_key" => b.iter().any(u8::is_ascii_digit),
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
            let v = t.get(i..end);
            debug_assert!(v.is_some(), "run() stays in the text");
            let v = v.unwrap_or(&[]);
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

/// A key introduced by a keyword: the first token of the right shape shortly after it on the
/// same line; for keys with [`KeywordKey::assign`](super::providers::KeywordKey), the token
/// the keyword names (`name = value`, `name: value`, `--name value`).
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
    if spec.assign {
        match assigned_value(t, kw_end) {
            Some(v) => i = v,
            None => return,
        }
    }
    // `=` is padding at the end of a base64 token, never its first byte: after `KEY=` the
    // token starts behind the `=`.
    let starts =
        |b: u8, prev: u8| spec.body.has(b) && b != b'=' && (!spec.body.has(prev) || prev == b'=');
    while i < lim {
        let b = at(t, i);
        if b == b'\n' {
            return;
        }
        if starts(b, if i == kw_end { 0 } else { before(t, i) }) {
            let end = run(t, i, spec.body, spec.max + 1);
            let v = t.get(i..end).unwrap_or(&[]);
            if (spec.min..=spec.max).contains(&v.len())
                && !is_word(at(t, end))
                && keyword_value_ok(spec.id, v)
            {
                push(out, rule, i, end);
                return;
            }
            if spec.assign {
                return;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

/// After a keyword: the rest of its name (letters, digits, `_ . -` and blanks between words;
/// at most 24 bytes), a closing quote, then `=`, `:`, `:=` or `=>`, then an opening quote;
/// or, for a flag (`--name value`), the name's own bytes and blanks alone. Where the named
/// value starts.
fn assigned_value(t: &[u8], kw_end: usize) -> Option<usize> {
    let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    let mut i = kw_end;
    while i - kw_end < 24 && (name(at(t, i)) || (at(t, i) == b' ' && name(at(t, i + 1)))) {
        i += 1;
    }
    if matches!(at(t, i), b'"' | b'\'') {
        i += 1;
    }
    while matches!(at(t, i), b' ' | b'\t') {
        i += 1;
    }
    match (at(t, i), at(t, i + 1)) {
        (b':', b'=') | (b'=', b'>') => i += 2,
        (b':' | b'=', _) => i += 1,
        _ => {
            // `--name value`: the name's own bytes, then blanks.
            let mut j = kw_end;
            while j - kw_end < 24 && name(at(t, j)) {
                j += 1;
            }
            let blanks = j;
            while matches!(at(t, j), b' ' | b'\t') {
                j += 1;
            }
            return (j > blanks).then_some(j);
        }
    }
    while matches!(at(t, i), b' ' | b'\t' | b'"' | b'\'') {
        i += 1;
    }
    Some(i)
}

/// Extra checks on a keyword-introduced value.
pub(crate) fn keyword_value_ok(id: &str, v: &[u8]) -> bool {
    let digit = v.iter().any(u8::is_ascii_digit);
    let uuid = |v: &[u8]| {
        v.len() == 36
            && v.iter().enumerate().all(|(i, &c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == b'-'
                } else {
                    c.is_ascii_hexdigit()
                }
            })
    };
    match id {
        "aws_secret_access_key" | "aws_session_token" => looks_random(v),
        "azure_storage_key" => v.ends_with(b"==") && looks_random(v),
        "heroku_api_key" | "npm_token" => uuid(v),
        "discord_bot_token" => v.iter().filter(|&&c| c == b'.').count() == 2 && digit,
        "mailchimp_api_key" => {
            let tail = v.get(32..).unwrap_or(&[]);
            tail.starts_with(b"-us")
                && tail.len() >= 4
                && v.get(..32)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        }
        "okta_api_token" => v.starts_with(b"00") && looks_random(v),
        "cloudflare_api_key" => {
            digit && v.iter().any(u8::is_ascii_alphabetic) && !placeholder_body(v)
        }
        "atlassian_api_token" => {
            digit && v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase)
        }
        "newrelic_key" => {
            v.ends_with(b"NRAL")
                && v.get(..36).is_some_and(|h| {
                    h.iter()
                        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
                })
        }
        "sentry_token" | "sourcegraph_token" => {
            digit && v.iter().any(u8::is_ascii_alphabetic) && !placeholder_body(v)
        }
        _ => digit && !placeholder_body(v),
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

/// Decodes base64url into `buf` (as much as fits), returning how many bytes were written.
fn b64url_decode(s: &[u8], buf: &mut [u8]) -> usize {
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

/// Longest JWT header decoded (bytes).
const JWT_HEADER_MAX: usize = 1024;

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
    // The whole header (bounded): `alg` may follow a long `kid` or `x5t` (RFC 7515 §4.1).
    let mut buf = [0u8; JWT_HEADER_MAX];
    let n = b64url_decode(t.get(p..h_end).unwrap_or(&[]), &mut buf);
    let header = buf.get(..n).unwrap_or(&[]);
    let has = |k: &[u8]| header.windows(k.len()).any(|w| w == k);
    if header.first() == Some(&b'{') && (has(b"\"alg\"") || has(b"\"typ\"")) {
        push(out, e.ids.jwt, p, s_end);
    }
}

/// Fewest base64 characters in a PEM body (an Ed25519 PKCS #8 key has 64).
const PEM_MIN_BODY: usize = 40;

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
    let end_line = hay.windows(9).position(|w| w == b"-----END ");
    let end = match end_line {
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
    // A key has a body: `-----BEGIN PRIVATE KEY-----\n...\n-----END …` in documentation
    // has none. (Escaped newlines, `\n` in a JSON file pasted as text, leave an `n` a line.)
    let body_end = end_line.map_or(end, |i| body + i);
    let b64 = t
        .get(body..body_end)
        .unwrap_or(&[])
        .iter()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
        .count();
    if b64 < PEM_MIN_BODY {
        return;
    }
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
    // The userinfo ends at the first `@` followed by a host (pasted passwords are rarely
    // percent-encoded: `?`, `#` and `@` may sit inside them).
    loop {
        if i >= t.len() || i - ui >= 256 {
            return;
        }
        let b = at(t, i);
        if b == b'@' && host_follows(t, i + 1) {
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
        if b.is_ascii_whitespace() || matches!(b, b'/' | b'"' | b'\'' | b'<' | b'>' | b'`' | 0) {
            return;
        }
        i += 1;
    }
    let Some(c) = colon else { return };
    let pass = t.get(c + 1..i).unwrap_or(&[]);
    let user = t.get(ui..c).unwrap_or(&[]);
    // (`placeholder` also covers a redactor placeholder: it starts with `[`.)
    if pass.is_empty() || placeholder(pass) || default_password(user, pass) {
        return;
    }
    push(out, e.ids.url_creds, ui, i);
}

/// Whether a host starts at `i` and ends where a host ends (a port, a path, a query, the
/// end of the URL): `db.example.com:5432/…`, `[::1]`, a redactor placeholder.
fn host_follows(t: &[u8], i: usize) -> bool {
    if at(t, i) == b'[' {
        return true;
    }
    let mut j = i;
    while j - i < 255
        && (at(t, j).is_ascii_alphanumeric() || matches!(at(t, j), b'.' | b'-' | b'_'))
    {
        j += 1;
    }
    j > i
        && at(t, i).is_ascii_alphanumeric()
        && (j >= t.len()
            || at(t, j).is_ascii_whitespace()
            || matches!(
                at(t, j),
                b':' | b'/'
                    | b'?'
                    | b'#'
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
                    | b'`'
                    | b')'
                    | b']'
                    | b','
                    | b';'
            ))
}

/// A well-known default or the user name again (`postgres:postgres`, `guest:guest`,
/// `user:password`): what local setups and documentation write, not a secret.
fn default_password(user: &[u8], pass: &[u8]) -> bool {
    const DEFAULTS: &[&[u8]] = &[
        b"password",
        b"pass",
        b"passwd",
        b"secret",
        b"admin",
        b"root",
        b"test",
        b"guest",
        b"postgres",
        b"mysql",
        b"redis",
        b"rabbitmq",
        b"minio123",
        b"minioadmin",
        b"pw",
    ];
    pass.eq_ignore_ascii_case(user) || DEFAULTS.iter().any(|d| pass.eq_ignore_ascii_case(d))
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

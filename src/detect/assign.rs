//! Secrets introduced by a name rather than by a format of their own: `password = "…"`,
//! `DB_PASSWORD=…`, `api_key: …`, `--admin-password …`, `<password>…</password>`, a
//! `name:`/`value:` pair (Kubernetes env, ECS, .NET `<add key value/>`), a
//! `<key>…</key><string>…</string>` pair (property lists, Hadoop `<name>`/`<value>`), and
//! prose (`the password is …`). The name must say secret; the value must look like one
//! and not like a placeholder, a reference to a secret kept elsewhere, code, a path, a
//! version or a package coordinate (see [`super::looks`]).
//!
//! A name that holds a keyword of a keyword-introduced provider key (`AWS_SECRET_ACCESS_KEY`
//! in a Kubernetes env list) gives that key's rule when the value has its shape.

use super::anchors::Anchor;
use super::looks::{
    code_reference, path_or_url, placeholder, public_key, random_enough, reference,
    type_annotation, version_or_coordinate, words_value,
};
use super::providers::KEYWORD_KEYS;
use super::rules::Engine;
use super::text::{at, before, push, redactor_placeholder_len};
use super::Finding;

/// Identifier endings that name something about a secret, not the secret.
const NOT_SECRET_SUFFIX: &[&str] = &[
    "file",
    "path",
    "url",
    "uri",
    "name",
    "type",
    "length",
    "len",
    "count",
    "expiry",
    "expires",
    "ttl",
    "policy",
    "field",
    "hint",
    "reset",
    "prompt",
    "manager",
    "strength",
    "limit",
    "endpoint",
    "header",
    "format",
    "timeout",
    "id",
    "usage",
    "_in",
    "kind",
    "label",
    "stdin",
    "algorithm",
    "_at",
    "date",
    "time",
    "version",
    "mode",
    "method",
    "enabled",
    "required",
    "ref",
    "arn",
    "provider",
    "helper",
    "store",
    "source",
    "process",
    "_env",
    "dir",
    "template",
    "pattern",
    "regex",
    "prefix",
    "suffix",
    "schema",
    "class",
    "handler",
    "service",
    "rotation",
    "encryption",
    "hashing",
    "hash",
    "digest",
    "checksum",
    "fingerprint",
    "sha1",
    "sha256",
    "sha512",
    "md5",
];

/// Identifier parts that make it name no secret (public tokens, pagination tokens,
/// tokenizers).
const NOT_SECRET_PART: &[&str] = &[
    "public",
    "publishable",
    "page_token",
    "pagetoken",
    "next_token",
    "nexttoken",
    "continuation",
    "tokeniz",
    "placeholder",
];

/// Words that end in `pass` and name no password.
const NOT_PASS: &[&str] = &[
    "bypass",
    "compass",
    "surpass",
    "trespass",
    "overpass",
    "underpass",
];

/// An identifier byte (`db.password`, `DB_PASSWORD`, `--admin-password`).
fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// Longest value looked at.
const MAX_VALUE: usize = 300;

/// Whether a word ends at `i` (the keyword's end): not followed by a letter or digit, or a
/// lower-case letter followed by an upper-case one (`dbPassWord` has no boundary after
/// `Pass`; `dbPass` and `DB_PASS` do).
fn right_boundary(t: &[u8], i: usize) -> bool {
    let n = at(t, i);
    !n.is_ascii_alphanumeric() || (n.is_ascii_uppercase() && before(t, i).is_ascii_lowercase())
}

/// Whether a word starts at `i`: after a byte that is not a letter or digit, or an upper-case
/// letter after a lower-case one (`userAuth`).
fn left_boundary(t: &[u8], i: usize) -> bool {
    let b = before(t, i);
    !b.is_ascii_alphanumeric() || (at(t, i).is_ascii_uppercase() && b.is_ascii_lowercase())
}

/// Whether the keyword at `[p, kw_end)` counts: the short ones only as words of their own
/// (`db_pass`, `storepass`, `user_auth`, `creds`; not `passport`, `bypass`, `oauth`,
/// `author`).
fn keyword_counts(t: &[u8], p: usize, kw_end: usize, low_ident: &[u8]) -> bool {
    let kw = t.get(p..kw_end).unwrap_or(&[]);
    if kw.eq_ignore_ascii_case(b"pass") {
        right_boundary(t, kw_end)
            && !NOT_PASS
                .iter()
                .any(|w| low_ident.windows(w.len()).any(|x| x == w.as_bytes()))
    } else if kw.eq_ignore_ascii_case(b"creds") {
        right_boundary(t, kw_end)
    } else if kw.eq_ignore_ascii_case(b"auth") {
        left_boundary(t, p) && right_boundary(t, kw_end)
    } else {
        true
    }
}

/// Whether an identifier (lower case) can name a secret.
fn name_ok(low: &[u8]) -> bool {
    !NOT_SECRET_SUFFIX
        .iter()
        .any(|s| low.ends_with(s.as_bytes()))
        && !NOT_SECRET_PART
            .iter()
            .any(|s| low.windows(s.len()).any(|w| w == s.as_bytes()))
}

/// The identifier around `[p, kw_end)`, bounded.
fn identifier(t: &[u8], p: usize, kw_end: usize) -> (usize, usize) {
    let mut ks = p;
    while ks > 0 && p - ks < 64 && ident(before(t, ks)) {
        ks -= 1;
    }
    let mut ke = kw_end;
    while ke < t.len() && ke - kw_end < 64 && ident(at(t, ke)) {
        ke += 1;
    }
    (ks, ke)
}

/// Whether the identifier starting at `ks` is the label of a redactor placeholder
/// (`[SECRET:3f2a…]`: its `:` introduces a digest, not a value).
fn in_placeholder(t: &[u8], ks: usize) -> bool {
    ks > 0 && before(t, ks) == b'[' && redactor_placeholder_len(t, ks - 1).is_some()
}

fn lower(t: &[u8], s: usize, e: usize) -> Vec<u8> {
    t.get(s..e)
        .unwrap_or(&[])
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// `password = "…"`, `api_key: …`, `"secret": "…"`, `DB_PASSWORD=…` whose value looks
/// random (found from the `:` or `=`; `[p, kw_end)` is the keyword).
pub(crate) fn generic(e: &Engine, t: &[u8], p: usize, kw_end: usize, out: &mut Vec<Finding>) {
    let (ks, ke) = identifier(t, p, kw_end);
    // A part of a colon-separated name (an ARN, a URN, a package coordinate:
    // `arn:aws:secretsmanager:…:secret:prod/db`, `io.jsonwebtoken:jjwt-api:…`).
    if before(t, ks) == b':' && before(t, ks - 1).is_ascii_alphanumeric() {
        return;
    }
    if in_placeholder(t, ks) {
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
        // `Secret::new`, `Token::Methods`, `auth::tests`: a path, not an assignment.
        (b':', b':') => return,
        (b':', b'=') | (b'=', b'>') => i += 2,
        (b':' | b'=', _) => i += 1,
        _ => return,
    }
    let Some((vs, ve, quoted)) = value_at(t, i) else {
        return;
    };
    if !judge(t.get(vs..ve).unwrap_or(&[]), quoted) {
        return;
    }
    let low = lower(t, ks, ke);
    if keyword_counts(t, p, kw_end, &low) && name_ok(&low) {
        push(out, e.ids.generic, vs, ve);
    }
}

/// The value starting at `i` (after blanks): a quoted string on one line, or an unquoted run
/// up to white space or a quote, cut before `&name=`, `;name=`, `,name=` (the next pair of
/// a query or connection string) and `</` (a closing tag), without trailing `, ; . : ) ] } >`.
/// (vs, ve, quoted).
pub(crate) fn value_at(t: &[u8], mut i: usize) -> Option<(usize, usize, bool)> {
    while at(t, i) == b' ' || at(t, i) == b'\t' {
        i += 1;
    }
    let quote = at(t, i);
    if matches!(quote, b'"' | b'\'' | b'`') {
        let vs = i + 1;
        let mut j = vs;
        while j < t.len() && j - vs < MAX_VALUE && at(t, j) != quote && at(t, j) != b'\n' {
            j += 1;
        }
        return (at(t, j) == quote).then_some((vs, j, true));
    }
    let vs = i;
    let mut j = vs;
    // Brackets opened inside the value; a closing one without its opener, with no value
    // after it, ends the value (`json={"password": password})`).
    let mut open = 0usize;
    while j < t.len() && j - vs < MAX_VALUE {
        let b = at(t, j);
        if b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`') {
            break;
        }
        if matches!(b, b'(' | b'[' | b'{') && redactor_placeholder_len(t, j).is_none() {
            open += 1;
        } else if matches!(b, b')' | b']' | b'}') {
            // Unless a value goes on after it (`uBGoVe]soTw`: a password holds one).
            if open == 0 && !at(t, j + 1).is_ascii_alphanumeric() {
                break;
            }
            open = open.saturating_sub(1);
        }
        if matches!(b, b'&' | b';' | b',') && next_pair(t, j + 1) {
            break;
        }
        if b == b'<' && at(t, j + 1) == b'/' {
            break;
        }
        // A placeholder inside the value is taken whole (its `]` does not end the value).
        j += redactor_placeholder_len(t, j).unwrap_or(1);
    }
    let j = j.min(t.len());
    let mut ve = j;
    while ve > vs
        && matches!(
            at(t, ve - 1),
            b',' | b';' | b'.' | b':' | b')' | b']' | b'}' | b'>'
        )
    {
        // An ellipsis stays: `sk-ant-api03-...` is a placeholder, not the key `sk-ant-api03-`.
        if t.get(ve.saturating_sub(3)..ve) == Some(b"...") && ve >= vs + 3 {
            break;
        }
        // A redactor placeholder keeps its `]`.
        if at(t, ve - 1) == b']' && (vs..ve).any(|k| redactor_placeholder_len(t, k) == Some(ve - k))
        {
            break;
        }
        ve -= 1;
    }
    (ve > vs).then_some((vs, ve, false))
}

/// Whether `name=` starts at `i` (the next pair of a query or connection string).
fn next_pair(t: &[u8], i: usize) -> bool {
    let mut j = i;
    while at(t, j) == b' ' {
        j += 1;
    }
    let s = j;
    while j - s < 40 && (at(t, j).is_ascii_alphanumeric() || matches!(at(t, j), b'_' | b'-' | b'.'))
    {
        j += 1;
    }
    j > s && at(t, s).is_ascii_alphabetic() && at(t, j) == b'='
}

/// Whether a value after a secret's name is a secret: not a placeholder, a reference, a
/// path or URL, a version or coordinate, code (unquoted), and random enough.
pub(crate) fn judge(raw: &[u8], quoted: bool) -> bool {
    // The cheap tests first: most values after a name are short, prose or plain words.
    if raw.len() < 8 || raw.len() > 256 || raw.iter().any(|&b| b == b' ' || b >= 0x80) {
        return false;
    }
    // Our own placeholders (`[EMAIL]`, `[IP_2]`, `[CARD:3f2a…]`) are judged as absent, so a
    // redacted value cannot make its neighbours look like a secret on a second pass.
    let kept = without_placeholders(raw);
    if kept.len() < 8 || !random_enough(&kept) {
        return false;
    }
    !(placeholder(raw)
        || public_key(raw)
        || reference(raw)
        || path_or_url(raw)
        || version_or_coordinate(raw)
        || words_value(raw)
        || (!quoted && (code_reference(raw) || type_annotation(raw))))
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

/// A value named by `[ns, ne)` (a flag, a tag, a `name:` entry): the rule of a keyword key the
/// name holds when the value has that key's shape, else `generic_secret` when the name holds
/// a secret keyword and the value passes [`judge`].
fn named_value(
    e: &Engine,
    t: &[u8],
    (ns, ne): (usize, usize),
    (vs, ve, quoted): (usize, usize, bool),
    out: &mut Vec<Finding>,
) {
    let v = t.get(vs..ve).unwrap_or(&[]);
    let low = lower(t, ns, ne);
    let mut generic_kw: Option<(usize, usize)> = None;
    let mut q = ns;
    while q < ne {
        let hit = if e.anchors.may_start(t, q) {
            e.anchors.longest_at(t, q).filter(|&(_, end)| end <= ne)
        } else {
            None
        };
        let Some((lit, end)) = hit else {
            q += 1;
            continue;
        };
        for &a in e.anchors.kinds(lit) {
            match a {
                Anchor::KeywordKey(k) if !before(t, q).is_ascii_alphabetic() => {
                    let Some(spec) = KEYWORD_KEYS.get(usize::from(k)) else {
                        continue;
                    };
                    if (spec.min..=spec.max).contains(&v.len())
                        && v.iter().all(|&b| spec.body.has(b))
                        && super::secrets::keyword_value_ok(spec.id, v)
                    {
                        push(
                            out,
                            e.ids.keyword.get(usize::from(k)).copied().flatten(),
                            vs,
                            ve,
                        );
                        return;
                    }
                }
                Anchor::Generic if generic_kw.is_none() => generic_kw = Some((q, end)),
                _ => {}
            }
        }
        q = end;
    }
    if let Some((p, kw_end)) = generic_kw {
        if judge(v, quoted) && keyword_counts(t, p, kw_end, &low) && name_ok(&low) {
            push(out, e.ids.generic, vs, ve);
        }
    }
}

/// Whether `[ns, ne)` holds a keyword of a secret (generic or keyword-introduced): the cheap
/// test before a tag's content is read.
fn names_a_secret(e: &Engine, t: &[u8], ns: usize, ne: usize) -> bool {
    let mut q = ns;
    while q < ne {
        if e.anchors.may_start(t, q) {
            if let Some((lit, end)) = e.anchors.longest_at(t, q).filter(|&(_, end)| end <= ne) {
                if e.anchors
                    .kinds(lit)
                    .iter()
                    .any(|a| matches!(a, Anchor::Generic | Anchor::KeywordKey(_)))
                {
                    return true;
                }
                q = end;
                continue;
            }
        }
        q += 1;
    }
    false
}

/// At the `:` or `=` after a member named `value` (`[vs, c)`): the name given just before
/// it by `name:`/`key=` (`- name: DB_PASSWORD` / `value: …`; `{"name": "X", "value": "…"}`;
/// `<add key="DbPassword" value="…"/>`).
pub(crate) fn name_value(e: &Engine, t: &[u8], vs: usize, c: usize, out: &mut Vec<Finding>) {
    let mut i = c + 1;
    if at(t, c) == b':' && at(t, i) == b'=' {
        i += 1;
    }
    let Some(value) = value_at(t, i) else {
        return;
    };
    // Back over the gap between the name's value and `value` (blanks, commas, quotes).
    let mut j = vs;
    if matches!(before(t, j), b'"' | b'\'') {
        j -= 1;
    }
    let gap_end = j;
    while j > 0
        && gap_end - j < 40
        && matches!(
            before(t, j),
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b'"' | b'\''
        )
    {
        j -= 1;
    }
    if j == gap_end || gap_end - j >= 40 {
        return;
    }
    let ne = j;
    while j > 0 && ne - j < 128 && ident(before(t, j)) {
        j -= 1;
    }
    let ns = j;
    if ne - ns < 3 {
        return;
    }
    // Before the name: `name:` / `key=` (a quote, blanks and a quote allowed around).
    if matches!(before(t, j), b'"' | b'\'') {
        j -= 1;
    }
    while j > 0 && matches!(before(t, j), b' ' | b'\t') {
        j -= 1;
    }
    if !matches!(before(t, j), b':' | b'=') {
        return;
    }
    j -= 1;
    while j > 0 && matches!(before(t, j), b' ' | b'\t') {
        j -= 1;
    }
    if matches!(before(t, j), b'"' | b'\'') {
        j -= 1;
    }
    let word = |w: &[u8]| {
        j >= w.len()
            && t.get(j - w.len()..j)
                .is_some_and(|x| x.eq_ignore_ascii_case(w))
            && !ident(before(t, j - w.len()))
    };
    if word(b"name") || word(b"key") {
        named_value(e, t, (ns, ne), value, out);
    }
}

/// At a `>` that closes a start tag: `<password>…</password>` (the tag names the secret), or
/// `<key>Password</key> <string>…</string>` and `<name>…Password</name> <value>…</value>`
/// (the element before names it).
pub(crate) fn xml(e: &Engine, t: &[u8], g: usize, out: &mut Vec<Finding>) {
    if !before(t, g).is_ascii_alphanumeric() {
        return;
    }
    let tag_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':');
    let mut ts = g;
    while ts > 0 && g - ts < 64 && tag_char(before(t, ts)) {
        ts -= 1;
    }
    if before(t, ts) != b'<' || !at(t, ts).is_ascii_alphabetic() {
        return;
    }
    let tag = t.get(ts..g).unwrap_or(&[]);
    let pair = tag.eq_ignore_ascii_case(b"value") || tag.eq_ignore_ascii_case(b"string");
    if !pair && !names_a_secret(e, t, ts, g) {
        return;
    }
    // The element's text, on one line, up to its closing tag.
    let cs = g + 1;
    let mut ce = cs;
    while ce < t.len() && ce - cs < MAX_VALUE && !matches!(at(t, ce), b'<' | b'\n') {
        ce += 1;
    }
    if at(t, ce) != b'<' || at(t, ce + 1) != b'/' {
        return;
    }
    let (mut vs, mut ve) = (cs, ce);
    while vs < ve && matches!(at(t, vs), b' ' | b'\t') {
        vs += 1;
    }
    while ve > vs && matches!(at(t, ve - 1), b' ' | b'\t' | b'\r') {
        ve -= 1;
    }
    if ve == vs {
        return;
    }
    if pair {
        // `</key>` or `</name>` just before: its element's text names the value.
        let mut j = ts - 1;
        while j > 0 && matches!(before(t, j), b' ' | b'\t' | b'\r' | b'\n') && ts - j < 64 {
            j -= 1;
        }
        let closes = |w: &[u8]| {
            j >= w.len()
                && t.get(j - w.len()..j)
                    .is_some_and(|x| x.eq_ignore_ascii_case(w))
        };
        let close_len = if closes(b"</key>") {
            6
        } else if closes(b"</name>") {
            7
        } else {
            return;
        };
        let ne = j - close_len;
        let mut ns = ne;
        while ns > 0 && ne - ns < 128 && !matches!(before(t, ns), b'>' | b'<' | b'\n') {
            ns -= 1;
        }
        if before(t, ns) != b'>' {
            return;
        }
        named_value(e, t, (ns, ne), (vs, ve, true), out);
    } else {
        named_value(e, t, (ts, g), (vs, ve, true), out);
    }
}

/// At a `-` starting a command-line flag: `--admin-password VALUE`, `-storepass VALUE` (the
/// `--name=value` form is found from its `=`).
pub(crate) fn cli(e: &Engine, t: &[u8], p: usize, out: &mut Vec<Finding>) {
    if !matches!(before(t, p), 0 | b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'(') {
        return;
    }
    let ns = if at(t, p + 1) == b'-' { p + 2 } else { p + 1 };
    if !at(t, ns).is_ascii_alphabetic() {
        return;
    }
    let mut ne = ns;
    while ne < t.len() && ne - ns < 64 && ident(at(t, ne)) {
        ne += 1;
    }
    if ne - ns < 3 || !matches!(at(t, ne), b' ' | b'\t') {
        return;
    }
    let mut i = ne;
    while matches!(at(t, i), b' ' | b'\t') {
        i += 1;
    }
    if at(t, i) == b'-' {
        return;
    }
    if let Some(value) = value_at(t, i) {
        // `--secret id=gh_token,src=…`, `--set key=value`: a specification, not a secret.
        if !value.2 && next_pair(t, value.0) {
            return;
        }
        named_value(e, t, (ns, ne), value, out);
    }
}

/// Prose: `the password is …`, `my token was …` (found from the keyword). The value must be
/// plainly random: a digit, a lower-case letter, and an upper-case letter or a symbol.
pub(crate) fn prose(e: &Engine, t: &[u8], p: usize, kw_end: usize, out: &mut Vec<Finding>) {
    // The cheap test first: the keyword's word must be followed by ` is ` or ` was `.
    let mut ke = kw_end;
    while ke < t.len() && ke - kw_end < 64 && ident(at(t, ke)) {
        ke += 1;
    }
    if at(t, ke) != b' ' {
        return;
    }
    let mut i = ke + 1;
    let word = t.get(i..i + 4).unwrap_or(&[]);
    if word.eq_ignore_ascii_case(b"was ") {
        i += 4;
    } else if word
        .get(..3)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"is "))
    {
        i += 3;
    } else {
        return;
    }
    let Some((vs, ve, quoted)) = value_at(t, i) else {
        return;
    };
    let v = t.get(vs..ve).unwrap_or(&[]);
    let plain = plainly_random(v);
    if !plain || !judge(v, quoted) {
        return;
    }
    let (ks, ke) = identifier(t, p, kw_end);
    if in_placeholder(t, ks) {
        return;
    }
    let low = lower(t, ks, ke);
    if keyword_counts(t, p, kw_end, &low) && name_ok(&low) {
        push(out, e.ids.generic, vs, ve);
    }
}

/// Words that link a password's name to it in prose (`is`, `lautet`, `est`, `es`, `é`, `это`),
/// and particles written right after the name (`は`, `是`, `는`, `은`; a `:` too).
const LINKS: &[&str] = &[
    "is", "was", "lautet", "ist", "war", "est", "es", "era", "é", "è", "er", "on", "это",
];
const PARTICLES: &[&str] = &["は", "是", "는", "은"];

/// Whether a value given in prose is plainly random: a digit, a lower-case letter, and an
/// upper-case letter or a symbol (`_ - .` separate words and do not count).
fn plainly_random(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_lowercase)
        && v.iter().any(|b| {
            b.is_ascii_uppercase() || (b.is_ascii_punctuation() && !matches!(b, b'_' | b'-' | b'.'))
        })
}

/// Prose that gives a password in one of several languages, found from the word for it
/// ([`super::anchors::PASSWORD_WORDS`]): the word, an optional linking word or particle, then
/// the value (`Das Passwort lautet …`, `Le mot de passe est …`, `パスワードは …`, `Mera
/// password … hai`). Only the next token is looked at, and it must be plainly random, as for
/// English prose.
pub(crate) fn password_prose(
    e: &Engine,
    t: &[u8],
    p: usize,
    kw_end: usize,
    out: &mut Vec<Finding>,
) {
    if before(t, p).is_ascii_alphanumeric() || at(t, kw_end).is_ascii_alphanumeric() {
        return;
    }
    let mut i = kw_end;
    if let Some(k) = PARTICLES
        .iter()
        .find(|k| t.get(i..i + k.len()) == Some(k.as_bytes()))
    {
        i += k.len();
    } else if at(t, i) == b':' && at(t, i + 1) != b':' {
        // `пароль: …` (a `::` is a path: `Password::min(12)`).
        i += 1;
    }
    if at(t, i) != b' ' && i == kw_end {
        return;
    }
    while at(t, i) == b' ' {
        i += 1;
    }
    for link in LINKS {
        let l = link.as_bytes();
        if t.get(i..i + l.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(l))
            && at(t, i + l.len()) == b' '
        {
            i += l.len() + 1;
            break;
        }
    }
    let Some((vs, ve, quoted)) = value_at(t, i) else {
        return;
    };
    let v = t.get(vs..ve).unwrap_or(&[]);
    let plain = plainly_random(v);
    if plain && judge(v, quoted) && !in_placeholder(t, p) {
        push(out, e.ids.generic, vs, ve);
    }
}

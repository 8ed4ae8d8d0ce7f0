//! Structured generators: plausible OpenAI request bodies with sensitive values injected in
//! evasive forms, plausible policy documents, and scripted exchanges. Depth is bounded here
//! (hand-written recursion), so a generator can never overflow the stack itself.

use crate::properties::{ExchangeScript, ENDPOINTS, SAMPLE_BODIES};
use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::json;

/// Sensitive values the default detectors know.
pub const SECRETS: &[&str] = &[
    "jane.doe@example.com",
    "a@b.io",
    "x.y+tag@sub.example.co.uk",
    "4111 1111 1111 1111",
    "4111111111111111",
    "5555-5555-5555-4444",
    "378282246310005",
    "6011000990139424",
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "sk-abcdefghijklmnopqrstuv",
    "sk-svcacct-ABCDEFGHIJKLMNOPQRSTUVWX",
    "123-45-6789",
    "AKIAIOSFODNN7EXAMPLE",
];

/// Glue that changes what is around a value (word boundaries, adjacency, separators).
const GLUE: &[&str] = &[
    " ", "", "\n", "1", "12", "-", "@", ".", "com", "x", "é", "\u{200b}", "\u{feff}", "[", "]",
    "\"", "\\", "{", "}", ":", ",", "sk-", "mail ", "4111", " 1111", "０", "\u{0}",
];

const KEYS: &[&str] = &[
    "content",
    "text",
    "messages",
    "role",
    "model",
    "store",
    "arguments",
    "metadata",
    "user",
    "ssn",
    "card",
    "input",
    "type",
    "instructions",
    "output",
    "prompt",
    "name",
    "x",
    "id",
];

/// How one character of a string is written in the JSON text.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Esc {
    /// As is (escaped only if JSON requires it).
    Raw,
    /// `\uXXXX` (surrogate pair above the BMP).
    Unicode,
    /// `\/` for `/`, `\u00XX` otherwise.
    Solidus,
}

/// A piece of text in a string.
#[derive(Debug, Clone)]
enum Piece {
    Plain(String),
    Secret(usize, Esc),
    /// A secret with a zero-width or invisible char inserted at a position.
    Invisible(usize, usize, char),
    /// A card with full-width digits.
    FullWidth(usize),
    Glue(usize),
}

/// A JSON value to render.
#[derive(Debug, Clone)]
enum Tree {
    Null,
    Bool(bool),
    Num(String),
    Str(Vec<Piece>),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
    /// A JSON document inside a string (tool arguments, tool results).
    Embedded(Box<Tree>),
}

fn piece(u: &mut Unstructured<'_>) -> Result<Piece> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => {
            let s: String = u.arbitrary()?;
            Piece::Plain(s.chars().take(40).collect())
        }
        1 | 2 => Piece::Secret(u.choose_index(SECRETS.len())?, u.arbitrary()?),
        3 => {
            let inv = *u.choose(&[
                '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{00ad}', '\u{feff}',
            ])?;
            Piece::Invisible(u.choose_index(SECRETS.len())?, u.int_in_range(0..=20)?, inv)
        }
        4 => Piece::FullWidth(u.choose_index(SECRETS.len())?),
        _ => Piece::Glue(u.choose_index(GLUE.len())?),
    })
}

fn text(u: &mut Unstructured<'_>) -> Result<Vec<Piece>> {
    let n = u.int_in_range(0..=6u8)?;
    (0..n).map(|_| piece(u)).collect()
}

fn number(u: &mut Unstructured<'_>) -> Result<String> {
    const NUMS: &[&str] = &[
        "0",
        "-0.0",
        "1E400",
        "18446744073709551617",
        "4111111111111111",
        "123456789",
        "378282246310005",
        "1.5e-7",
        "-12",
        "4111111111111111.0",
        "6011000990139424",
    ];
    Ok(if u.arbitrary()? {
        (*u.choose(NUMS)?).to_string()
    } else {
        let n: i64 = u.arbitrary()?;
        n.to_string()
    })
}

fn key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if u.ratio(1u8, 5)? {
        let s: String = u.arbitrary()?;
        s.chars().take(12).collect()
    } else {
        (*u.choose(KEYS)?).to_string()
    })
}

fn tree(u: &mut Unstructured<'_>, depth: u32) -> Result<Tree> {
    let max = if depth >= 8 { 3 } else { 6 };
    Ok(match u.int_in_range(0..=max)? {
        0 => Tree::Null,
        1 => Tree::Bool(u.arbitrary()?),
        2 => Tree::Num(number(u)?),
        3 => Tree::Str(text(u)?),
        4 => {
            let n = u.int_in_range(0..=4u8)?;
            Tree::Arr((0..n).map(|_| tree(u, depth + 1)).collect::<Result<_>>()?)
        }
        5 => {
            let n = u.int_in_range(0..=4u8)?;
            Tree::Obj(
                (0..n)
                    .map(|_| Ok((key(u)?, tree(u, depth + 1)?)))
                    .collect::<Result<_>>()?,
            )
        }
        _ => Tree::Embedded(Box::new(tree(u, depth + 1)?)),
    })
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0xFF10 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

fn push_char(c: char, esc: Esc, out: &mut String) {
    match (esc, c) {
        (Esc::Solidus, '/') => out.push_str("\\/"),
        (Esc::Raw, _) => {
            let mut b = [0u8; 4];
            out.push_str(
                &serde_json::to_string(c.encode_utf8(&mut b))
                    .unwrap_or_default()
                    .trim_matches('"')
                    .to_string(),
            );
        }
        _ => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", unit));
            }
        }
    }
}

fn render_text(pieces: &[Piece], out: &mut String) {
    out.push('"');
    for p in pieces {
        match p {
            Piece::Plain(s) => s.chars().for_each(|c| push_char(c, Esc::Raw, out)),
            Piece::Secret(i, esc) => {
                let s = SECRETS.get(*i).copied().unwrap_or("");
                for c in s.chars() {
                    // Escape the interesting characters only, so the rest stays readable.
                    let e = if matches!(c, '@' | '.' | '/' | '-' | '1') {
                        *esc
                    } else {
                        Esc::Raw
                    };
                    push_char(c, e, out);
                }
            }
            Piece::Invisible(i, at, inv) => {
                let s = SECRETS.get(*i).copied().unwrap_or("");
                for (n, c) in s.chars().enumerate() {
                    if n == *at {
                        push_char(*inv, Esc::Raw, out);
                    }
                    push_char(c, Esc::Raw, out);
                }
            }
            Piece::FullWidth(i) => {
                full_width(SECRETS.get(*i).copied().unwrap_or(""))
                    .chars()
                    .for_each(|c| push_char(c, Esc::Raw, out));
            }
            Piece::Glue(i) => GLUE
                .get(*i)
                .copied()
                .unwrap_or("")
                .chars()
                .for_each(|c| push_char(c, Esc::Raw, out)),
        }
    }
    out.push('"');
}

fn render(t: &Tree, out: &mut String) {
    match t {
        Tree::Null => out.push_str("null"),
        Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Tree::Num(n) => out.push_str(n),
        Tree::Str(p) => render_text(p, out),
        Tree::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(v, out);
            }
            out.push(']');
        }
        Tree::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                render(v, out);
            }
            out.push('}');
        }
        Tree::Embedded(inner) => {
            let mut s = String::new();
            render(inner, &mut s);
            out.push_str(&serde_json::to_string(&s).unwrap_or_default());
        }
    }
}

fn plain(s: &str) -> Tree {
    Tree::Str(vec![Piece::Plain(s.into())])
}

fn obj(members: &[(&str, Tree)]) -> Tree {
    Tree::Obj(
        members
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
    )
}

/// A content part that is no text (an image, a file, audio), as chat or Responses writes it:
/// its URL, id or data sits right beside the text parts around it.
fn other_part(kind: u8, responses: bool) -> Tree {
    const ID: &str = "file-6F2ksmvXxt4VdoqmHRw6kL";
    const URL: &str = "https://example.org/cat.png";
    const DATA: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
    let t = |s: &str| ("type", plain(s));
    match (kind, responses) {
        (0, false) => obj(&[t("image_url"), ("image_url", obj(&[("url", plain(DATA))]))]),
        (1, false) => obj(&[t("image_url"), ("image_url", obj(&[("url", plain(URL))]))]),
        (2, false) => obj(&[t("file"), ("file", obj(&[("file_id", plain(ID))]))]),
        (_, false) => obj(&[
            t("input_audio"),
            (
                "input_audio",
                obj(&[
                    ("data", plain("UklGRiQAAABXQVZF")),
                    ("format", plain("wav")),
                ]),
            ),
        ]),
        (0, true) => obj(&[t("input_image"), ("image_url", plain(DATA))]),
        (1, true) => obj(&[t("input_image"), ("image_url", plain(URL))]),
        (2, true) => obj(&[t("input_file"), ("file_id", plain(ID))]),
        (_, true) => obj(&[
            t("input_file"),
            ("filename", plain("notes.pdf")),
            (
                "file_data",
                plain("data:application/pdf;base64,JVBERi0xLjQK"),
            ),
        ]),
    }
}

fn content(u: &mut Unstructured<'_>, responses: bool) -> Result<Tree> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => Tree::Str(text(u)?),
        1 => Tree::Null,
        _ => {
            let n = u.int_in_range(1..=4u8)?;
            let mut parts = Vec::new();
            for _ in 0..n {
                let kind = if responses { "input_text" } else { "text" };
                let part = match u.int_in_range(0..=7u8)? {
                    k @ 0..=3 => other_part(k, responses),
                    _ => Tree::Obj(vec![
                        ("type".into(), plain(kind)),
                        ("text".into(), Tree::Str(text(u)?)),
                    ]),
                };
                parts.push(part);
            }
            Tree::Arr(parts)
        }
    })
}

fn message(u: &mut Unstructured<'_>, responses: bool) -> Result<Tree> {
    let role = *u.choose(&["user", "system", "assistant", "tool", "developer"])?;
    let mut m = vec![
        (
            "role".to_string(),
            Tree::Str(vec![Piece::Plain(role.into())]),
        ),
        ("content".to_string(), content(u, responses)?),
    ];
    if role == "assistant" && u.arbitrary()? {
        let args = Tree::Embedded(Box::new(tree(u, 2)?));
        m.push((
            "tool_calls".into(),
            Tree::Arr(vec![Tree::Obj(vec![
                ("id".into(), Tree::Str(vec![Piece::Plain("call_1".into())])),
                (
                    "type".into(),
                    Tree::Str(vec![Piece::Plain("function".into())]),
                ),
                (
                    "function".into(),
                    Tree::Obj(vec![
                        ("name".into(), Tree::Str(vec![Piece::Plain("send".into())])),
                        ("arguments".into(), args),
                    ]),
                ),
            ])]),
        ));
    }
    if role == "tool" {
        m.push((
            "tool_call_id".into(),
            Tree::Str(vec![Piece::Plain("call_1".into())]),
        ));
    }
    Ok(Tree::Obj(m))
}

/// A chat or responses request body (selector byte for the endpoint, body).
pub fn request(u: &mut Unstructured<'_>) -> Result<(u8, Vec<u8>)> {
    let responses: bool = u.arbitrary()?;
    let mut top = vec![(
        "model".to_string(),
        Tree::Str(vec![Piece::Plain(
            (*u.choose(&["gpt-4o", "gpt-4.1", "o3"])?).into(),
        )]),
    )];
    let n = u.int_in_range(0..=4u8)?;
    let msgs = (0..n)
        .map(|_| message(u, responses))
        .collect::<Result<Vec<_>>>()?;
    if responses {
        let input = if u.arbitrary()? {
            Tree::Str(text(u)?)
        } else {
            Tree::Arr(msgs)
        };
        top.push(("input".into(), input));
        if u.arbitrary()? {
            top.push(("instructions".into(), Tree::Str(text(u)?)));
        }
    } else {
        top.push(("messages".into(), Tree::Arr(msgs)));
    }
    if u.arbitrary()? {
        let store = match u.int_in_range(0..=3u8)? {
            0 => Tree::Bool(false),
            1 => Tree::Bool(true),
            2 => Tree::Str(vec![Piece::Plain("false".into())]),
            _ => Tree::Null,
        };
        top.push(("store".into(), store));
    }
    if u.arbitrary()? {
        top.push(("stream".into(), Tree::Bool(u.arbitrary()?)));
    }
    let extra = u.int_in_range(0..=3u8)?;
    for _ in 0..extra {
        top.push((key(u)?, tree(u, 1)?));
    }
    let mut out = String::new();
    render(&Tree::Obj(top), &mut out);
    Ok((if responses { 1 } else { 0 }, out.into_bytes()))
}

/// The string that only ever appears in policy values: errors must never contain it.
pub const CANARY: &str = "s3cr3tCANARY";

fn action(u: &mut Unstructured<'_>) -> Result<serde_json::Value> {
    const NAMES: &[&str] = &["redact", "mask", "hash", "pseudonymize", "block", "allow"];
    Ok(match u.int_in_range(0..=3u8)? {
        0 => json!(*u.choose(NAMES)?),
        1 => json!({"action": *u.choose(NAMES)?, "keep": u.int_in_range(0..=40u8)?}),
        2 => json!(CANARY),
        _ => json!({"action": CANARY}),
    })
}

/// A plausible (often slightly wrong) policy document.
pub fn policy(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    const RULES: &[&str] = &[
        "email",
        "payment_card",
        "openai_api_key",
        "contact",
        "financial",
        "credential",
        "custom",
        "nosuchrule",
    ];
    const REGEXES: &[&str] = &[
        "Project [A-Z][a-z]+",
        "(",
        "a{1000}{1000}",
        "\\bACME-[0-9]{4}\\b",
        "[",
        "(?i)falcon",
        "x*",
        "",
        "s3cr3tCANARY(",
        "(a|b)*c",
    ];
    let mut doc = serde_json::Map::new();
    if u.arbitrary()? {
        doc.insert(
            "mode".into(),
            json!(*u.choose(&["enforce", "audit", CANARY])?),
        );
    }
    if u.arbitrary()? {
        let v = match u.int_in_range(0..=3u8)? {
            0 => json!(0),
            1 => json!(u.int_in_range(1..=100_000u64)?),
            2 => json!(u64::MAX),
            _ => json!(CANARY),
        };
        doc.insert("max_body_bytes".into(), v);
    }
    if u.arbitrary()? {
        doc.insert(
            "unknown_endpoints".into(),
            json!(*u.choose(&["deny", "inspect", CANARY])?),
        );
    }
    let mut det = serde_json::Map::new();
    if u.arbitrary()? {
        det.insert("default_action".into(), action(u)?);
    }
    let mut actions = serde_json::Map::new();
    for _ in 0..u.int_in_range(0..=3u8)? {
        actions.insert((*u.choose(RULES)?).into(), action(u)?);
    }
    det.insert("actions".into(), serde_json::Value::Object(actions));
    if u.arbitrary()? {
        let n = u.int_in_range(0..=2u8)?;
        let d = (0..n)
            .map(|_| u.choose(RULES).map(|s| json!(*s)))
            .collect::<Result<Vec<_>>>()?;
        det.insert("disabled".into(), json!(d));
    }
    let mut kws = Vec::new();
    for i in 0..u.int_in_range(0..=2u8)? {
        let n = u.int_in_range(0..=3u8)?;
        let mut terms = Vec::new();
        for _ in 0..n {
            terms.push(match u.int_in_range(0..=3u8)? {
                0 => json!("Acme Corp"),
                1 => json!(CANARY),
                2 => json!(""),
                _ => json!(u.arbitrary::<String>()?),
            });
        }
        let mut kw = json!({"id": if u.arbitrary()? { format!("terms_{i}") } else { "Bad Id".into() }, "terms": terms});
        if u.arbitrary()? {
            kw["action"] = action(u)?;
        }
        kws.push(kw);
    }
    if !kws.is_empty() {
        det.insert("keywords".into(), json!(kws));
    }
    let mut pats = Vec::new();
    for i in 0..u.int_in_range(0..=2u8)? {
        let regex = if u.arbitrary()? {
            json!(*u.choose(REGEXES)?)
        } else {
            json!(u.arbitrary::<String>()?)
        };
        pats.push(json!({"id": format!("pat_{i}"), "category": "custom", "regex": regex}));
    }
    if !pats.is_empty() {
        det.insert("patterns".into(), json!(pats));
    }
    if u.arbitrary()? {
        let k = if u.arbitrary()? {
            CANARY.to_string()
        } else {
            format!("{CANARY}-long-enough-key")
        };
        det.insert("hash_key".into(), json!(k));
    }
    if u.ratio(1u8, 10)? {
        det.insert(CANARY.to_lowercase(), json!(1));
    }
    doc.insert("detectors".into(), serde_json::Value::Object(det));
    Ok(serde_json::to_vec(&serde_json::Value::Object(doc)).unwrap_or_default())
}

fn header_value(u: &mut Unstructured<'_>, name: &str) -> Result<Vec<u8>> {
    if u.ratio(1u8, 4)? {
        return u.arbitrary::<Vec<u8>>();
    }
    let list: &[&str] = match name {
        ":method" => &["POST", "GET", "post", "PUT", "DELETE", ""],
        ":path" => &[
            "/v1/chat/completions",
            "//v1/chat/completions/",
            "/v1/chat%2Fcompletions",
            "/v1/./responses?x=1",
            "/v1/files",
            "/v1/../v1/embeddings",
            "/v1/moderations#x",
            "/v1/completions%",
            "/v1/responses/resp_1/input_items",
            "/v1/chat/completions?metadata[owner]=jane%40example.com&limit=5",
            "/v1/files?purpose=batch&note=card+4111+1111+1111+1111",
            "/v1/responses?x=%FF&y",
            "/v1/embeddings?a=1&&b==2&c=%&d=%4",
        ],
        "content-type" | "Content-Type" => &[
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=utf-8; charset=latin1",
            "text/plain",
            "application/json; charset=\"UTF-8\"",
            "multipart/form-data; boundary=x",
        ],
        "accept-encoding" | "Accept-Encoding" => &[
            "gzip, deflate",
            "gzip, deflate, br, zstd",
            "br;q=1.0, gzip;\tq=0.8, *;q=0.1",
            "br, identity;q=0",
            "*",
            "gzip;q=\u{e9}, br",
            "x-gzip ;Q=1.000, zstd, identity;q=0",
            "",
        ],
        "content-encoding" => &[
            "gzip",
            "identity",
            "gzip, identity",
            "identity, identity",
            "br",
        ],
        "content-length" => &["0", "10", "99999999999999999999", "-1", "1x", "64"],
        _ => &["proj_123", "a, b", "jane@example.com", "\u{e9}", ""],
    };
    Ok(u.choose(list)?.as_bytes().to_vec())
}

/// A scripted exchange.
pub fn exchange(u: &mut Unstructured<'_>) -> Result<ExchangeScript> {
    const NAMES: &[&str] = &[
        ":method",
        ":path",
        "content-type",
        "Content-Type",
        "content-length",
        "content-encoding",
        "accept-encoding",
        "Accept-Encoding",
        "openai-project",
        "OpenAI_Project",
        "openai-organization",
        "x-request-id",
        ":authority",
        "authorization",
    ];
    const POLICIES: &[&str] = &[
        "{}",
        r#"{"mode":"audit"}"#,
        r#"{"mode":"audit","projects":{"p":{"endpoints":["embeddings"]},"default":{"mode":"audit"}}}"#,
        r#"{"mode":"audit","projects":{"p":{},"default":{"mode":"enforce","endpoints":["embeddings"]}}}"#,
        r#"{"max_body_bytes":64}"#,
        r#"{"unknown_endpoints":"inspect"}"#,
        r#"{"detectors":{"actions":{"email":"block"}}}"#,
        "not json",
    ];
    let mut s = ExchangeScript {
        policy: u.choose(POLICIES)?.as_bytes().to_vec(),
        ..ExchangeScript::default()
    };
    let mut upload = false;
    if u.ratio(3u8, 4)? {
        s.headers.push((":method".into(), b"POST".to_vec()));
        upload = u.ratio(1u8, 6)?;
        if upload {
            s.headers.push((":path".into(), b"/v1/files".to_vec()));
            s.headers.push((
                "content-type".into(),
                b"multipart/form-data; boundary=b0und4ry".to_vec(),
            ));
        } else {
            let ep = u.choose(ENDPOINTS)?;
            s.headers.push((":path".into(), ep.as_bytes().to_vec()));
            s.headers
                .push(("content-type".into(), b"application/json".to_vec()));
        }
    }
    for _ in 0..u.int_in_range(0..=6u8)? {
        let name = if u.ratio(1u8, 8)? {
            u.arbitrary::<String>()?
        } else {
            (*u.choose(NAMES)?).to_string()
        };
        let v = header_value(u, &name)?;
        s.headers.push((name, v));
    }
    s.body = if upload && u.arbitrary()? {
        // A batch file upload: a line of one of the sample bodies, as a batch request.
        let line = u.choose(SAMPLE_BODIES)?.replace(['\n', '\r'], " ");
        format!(
            "--b0und4ry\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
             --b0und4ry\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.jsonl\"\r\n\r\n\
             {{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{line}}}\n\
             \r\n--b0und4ry--\r\n"
        )
        .into_bytes()
    } else if u.arbitrary()? {
        u.choose(SAMPLE_BODIES)?.as_bytes().to_vec()
    } else {
        u.arbitrary()?
    };
    if u.arbitrary()? {
        s.headers.push((
            "content-length".into(),
            s.body.len().to_string().into_bytes(),
        ));
    }
    s.headers_end = u.ratio(1u8, 6)?;
    let mut buffered = 0usize;
    for _ in 0..u.int_in_range(0..=4u8)? {
        buffered = if u.arbitrary()? {
            s.body.len()
        } else {
            buffered + usize::from(u.arbitrary::<u16>()?)
        };
        let eos = u.arbitrary()?;
        s.body_events.push((buffered, eos));
    }
    s.trailers = u.arbitrary()?;
    if u.arbitrary()? {
        s.response_headers
            .push((":status".into(), header_value(u, ":status")?));
    }
    Ok(s)
}

/// What [`long_request`] inserts into long text: values, the context words and delimiters
/// that introduce them, and glue.
const CONTEXT: &[&str] = &[
    "ssn ", "SSN: ", "password: ", "api_key=", "\"name\": \"db_password\", \"value\": \"",
    "date of birth: ", "born on ", "phone ", "card ", "IBAN ", "-----BEGIN PRIVATE KEY-----\n",
    "\n-----END PRIVATE KEY-----", "https://user:", "@example.com", "eyJhbGciOiJIUzI1NiJ9.",
    "\nssn_no,name,city\n", "\n536225921,Ann,Leeds\n", ",", "\n",
];

/// Encoded forms (percent-encoding, HTML references, base64): a string's decoded forms are
/// read as one text, one per line, so a replaced form brings far-apart ones together.
const ENCODED: &[&str] = &[
    " jane%40example.com ", " jane&#64;example.com ", " amFuZUBleGFtcGxlLmNvbQ== ",
    " ssn%2Cname ", " 536228351%2Cbob ", " name%3Ddb_password ", " value%3DZx9kQ2vL7mPqW3rT ",
    "%0A", "&#10;", "%2C", " 4111%201111%201111%201111 ",
];

/// A chat request whose messages are long texts (64 to 160 KiB of the corpus's chat prose, its
/// own values included, or a long delimited table) with values, context words and glue
/// inserted at chosen places: strings whose replacements change what is far from them.
pub fn long_request(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let n = u.int_in_range(1..=2u8)?;
    let mut msgs = Vec::new();
    for _ in 0..n {
        let seed: u64 = u.arbitrary()?;
        let size = usize::from(u.int_in_range(64u16..=160)?) * 1024;
        let mut text = match u.ratio(1u8, 3)? {
            true => long_table(u, size)?,
            false => ocf_devkit::corpus::chat_text(seed, size),
        };
        let inserts = u.int_in_range(0..=40u8)?;
        for _ in 0..inserts {
            let what = match u.int_in_range(0..=3u8)? {
                0 => *u.choose(SECRETS)?,
                1 => *u.choose(CONTEXT)?,
                2 => *u.choose(ENCODED)?,
                _ => *u.choose(GLUE)?,
            };
            let mut at = (u.arbitrary::<u32>()? as usize) % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, what);
        }
        msgs.push(json!({"role": "user", "content": text}));
    }
    let body = json!({"model": "gpt-4o", "messages": msgs});
    Ok(body.to_string().into_bytes())
}

/// A delimited table of about `size` bytes whose header names an identifier column, a column
/// whose header is its values' only context (empty down to a chosen row, then filled) and a
/// free one; at the turn, often, a row a date of birth with a comma breaks (its replacement
/// mends it, and the header then reaches every row below).
fn long_table(u: &mut Unstructured<'_>, size: usize) -> Result<String> {
    let delim = *u.choose(&[",", ",", ";", "\t", " | "])?;
    let (ctx, value) = *u.choose(&[
        ("ssn", "536225921"),
        ("date of birth", "1984-03-12"),
        ("aadhaar_no", "543137926476"),
        ("PESEL", "93102233283"),
    ])?;
    let free = *u.choose(&["note", "email", "city"])?;
    let turn = size / 4 + (u.arbitrary::<u32>()? as usize) % (size * 3 / 4 + 1);
    let mend = u.ratio(2u8, 3)?;
    let mut text = [ "id", ctx, free].join(delim);
    text.push('\n');
    let mut row = 0usize;
    while text.len() < size {
        row += 1;
        let filled = text.len() >= turn;
        let id = format!("53622{:04}", 1000 + row % 9000);
        let free_cell = match (filled, mend) {
            (true, true) => "date of birth: March 12, 1990",
            _ => "n/a",
        };
        let cells = [id.as_str(), if filled { value } else { "n/a" }, free_cell];
        text.push_str(&cells.join(delim));
        text.push('\n');
        if filled && mend {
            // Once: the rows after the break are plain.
            let rest = (size - text.len().min(size)) / 24 + 1;
            for k in 0..rest {
                let id = format!("53622{:04}", 1000 + (row + k + 1) % 9000);
                text.push_str(&[id.as_str(), value, "n/a"].join(delim));
                text.push('\n');
            }
            break;
        }
    }
    Ok(text)
}

//! Uploaded files that are text (notes, Markdown, CSV, source code, JSON, logs): read whole,
//! as one string under the same detectors as a request's free text, instead of being counted
//! as a `binary_upload`. A file is text when its part says so (a `text/*` type, JSON, XML,
//! YAML, or no specific type and a text file name extension) and its bytes are UTF-8 with no
//! control characters but tab, line feed, form feed and carriage return. Anything else (a
//! PDF, an image, a Latin-1 CSV) stays a counted `binary_upload`, never passed silently.
//! A JSON Lines file (every line that is not blank a JSON object, two or more) is read line by
//! line as the customer's own JSON, escapes decoded, as a fine-tune file is.

use crate::config::{ActionTable, Policy};
use crate::json::{self, Limits, Value};
use crate::pipeline::{inspect_named, BodyOutcome, DocumentKind, Texts};
use crate::reason::Reason;
use crate::redact::Renderer;

use super::{absorb_named, JsonlFile, Lines};

/// Media types of text files, besides `text/*` (compared lower-cased, without parameters).
const TEXT_TYPES: &[&str] = &[
    "application/json",
    "application/jsonl",
    "application/x-ndjson",
    "application/xml",
    "application/yaml",
    "application/x-yaml",
    "application/toml",
    "application/x-sh",
    "application/sql",
    "application/javascript",
    "application/x-javascript",
    "application/typescript",
    "application/x-python",
    "application/x-tex",
];

/// Types that say nothing about the content (a client that did not know): the file name
/// decides.
const UNSPECIFIC_TYPES: &[&str] = &["application/octet-stream", "binary/octet-stream"];

/// File name extensions of text files (the text formats OpenAI's file search and code
/// interpreter take, per the API reference's "Supported files", plus logs and configs).
const TEXT_EXTENSIONS: &[&str] = &[
    "txt", "md", "markdown", "csv", "tsv", "json", "jsonl", "xml", "yaml", "yml", "toml", "ini",
    "cfg", "conf", "env", "log", "html", "htm", "css", "tex", "rst", "py", "js", "mjs", "ts",
    "tsx", "jsx", "java", "c", "h", "cc", "cpp", "hpp", "cs", "go", "rb", "php", "sh", "bash",
    "sql", "rs", "kt", "swift", "scala", "pl", "r", "lua", "vue", "svelte",
];

/// Whether a file part with this name and `Content-Type` (lower-cased, as parsed) holding
/// `content` is text the filter reads.
pub fn is_text(filename: &[u8], content_type: Option<&str>, content: &[u8]) -> bool {
    let declared = content_type
        .map(|t| t.split(';').next().unwrap_or_default().trim())
        .filter(|t| !t.is_empty());
    let by_type = match declared {
        Some(t) if t.starts_with("text/") || TEXT_TYPES.contains(&t) => true,
        Some(t) if !UNSPECIFIC_TYPES.contains(&t) => return false,
        _ => false,
    };
    (by_type || has_text_extension(filename)) && is_plain_text(content)
}

fn has_text_extension(filename: &[u8]) -> bool {
    let Some(dot) = filename.iter().rposition(|b| *b == b'.') else {
        return false;
    };
    let ext = filename.get(dot + 1..).unwrap_or_default();
    TEXT_EXTENSIONS
        .iter()
        .any(|x| x.as_bytes().eq_ignore_ascii_case(ext))
}

/// UTF-8 without NUL or other control characters but `\t`, `\n`, `\x0c`, `\r`.
fn is_plain_text(content: &[u8]) -> bool {
    std::str::from_utf8(content).is_ok()
        && !content
            .iter()
            .any(|b| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0c | b'\r')) || *b == 0x7f)
}

/// The file's text scanned whole, as one free-text string: its new bytes when a value was
/// replaced. (A JSON file's own documents are walked, as JSON inside any string is.)
pub fn inspect_text(
    policy: &Policy,
    actions: &ActionTable,
    content: &[u8],
    renderer: &mut Renderer,
    outcome: &mut BodyOutcome,
) -> Result<Option<Vec<u8>>, Reason> {
    let text = std::str::from_utf8(content).map_err(|_| Reason::FileNotInspectable)?;
    if is_json_lines(text) {
        let lines = Lines {
            policy,
            actions,
            file: JsonlFile::FreeForm,
        };
        return lines.inspect(text, renderer, outcome);
    }
    let texts = Texts::One(text);
    let kind = DocumentKind::FreeForm;
    let part = inspect_named(policy, actions, "text", texts, kind, renderer);
    let Some(new) = absorb_named(part, outcome)? else {
        return Ok(None);
    };
    match (new.name.as_str(), new.values.as_slice()) {
        ("text", [value]) => Ok(Some(value.as_bytes().to_vec())),
        _ => Err(Reason::InvalidBody),
    }
}

/// Two or more lines that are not blank, each a JSON object: JSON Lines, whose strings must be
/// read decoded (`\u0040` is `@`). One document alone is read whole: JSON inside a string is
/// walked.
fn is_json_lines(text: &str) -> bool {
    let mut objects = 0;
    for line in text.lines() {
        if line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            continue;
        }
        match json::parse(line.trim_end_matches('\r'), &Limits::default()) {
            Ok(Value::Object(_)) => objects += 1,
            _ => return false,
        }
    }
    objects >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_by_type_or_by_name() {
        let t = b"Notes: call Jane\r\n\tthen file it.\x0c";
        assert!(is_text(b"notes.txt", Some("text/plain"), t));
        assert!(is_text(b"x", Some("text/markdown; charset=utf-8"), t));
        assert!(is_text(
            b"data.json",
            Some("application/json"),
            b"{\"a\":1}"
        ));
        assert!(is_text(b"notes.md", None, t));
        assert!(is_text(b"NOTES.CSV", Some("application/octet-stream"), t));
        assert!(is_text(b"main.rs", Some("binary/octet-stream"), t));
    }

    #[test]
    fn binary_stays_binary() {
        // A specific non-text type wins over the name.
        assert!(!is_text(b"notes.txt", Some("application/pdf"), b"plain"));
        assert!(!is_text(b"cat.png", Some("image/png"), b"plain"));
        // No type and no text extension: not read.
        assert!(!is_text(b"notes", None, b"plain"));
        assert!(!is_text(
            b"report.pdf",
            Some("application/octet-stream"),
            b"plain"
        ));
        // Declared text that is not UTF-8 (Latin-1) or holds NUL or escape bytes.
        assert!(!is_text(b"a.csv", Some("text/csv"), b"M\xfcller;1"));
        assert!(!is_text(b"a.txt", Some("text/plain"), b"a\0b"));
        assert!(!is_text(b"a.txt", Some("text/plain"), b"a\x1b[31mred"));
        assert!(!is_text(b"a.txt", Some("text/plain"), b"a\x7fb"));
        assert!(!is_text(b".", None, b"plain"));
    }

    #[test]
    fn a_value_in_a_text_file_is_replaced_and_the_rest_kept() {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = Renderer::new(p.detectors.rules(), &p.actions);
        let mut o = BodyOutcome::default();
        let text = "id,email,note\r\n1,jane.doe@example.com,\"ok \\ \"\"quoted\"\"\"\n\u{e9}\t\n";
        let new = inspect_text(&p, &p.actions, text.as_bytes(), &mut r, &mut o)
            .unwrap()
            .unwrap();
        let new = String::from_utf8(new).unwrap();
        assert!(!new.contains("jane.doe@example.com"), "{new}");
        let at = text.find("jane").unwrap();
        assert_eq!(new.get(..at), text.get(..at));
        let tail = text.get(at + "jane.doe@example.com".len()..).unwrap();
        assert!(new.ends_with(tail), "{new}");
        assert_eq!(o.counts.total(), 1);
    }

    #[test]
    fn a_json_lines_file_is_read_decoded() {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = Renderer::new(p.detectors.rules(), &p.actions);
        let mut o = BodyOutcome::default();
        let text = "{\"note\":\"card 4242\\u00204242 4242 4242\"}\r\n\n{\"email\":\"jane\\u002edoe@example.com\",\"n\":1.50}\n";
        let new = inspect_text(&p, &p.actions, text.as_bytes(), &mut r, &mut o)
            .unwrap()
            .unwrap();
        let new = String::from_utf8(new).unwrap();
        assert_eq!(
            new,
            "{\"note\":\"card [CARD]\"}\r\n\n{\"email\":\"[EMAIL]\",\"n\":1.50}\n"
        );
        assert_eq!(o.counts.total(), 2);
        // Lines of numbers, or one line, are text.
        assert!(!is_json_lines("1\n2\n"));
        assert!(!is_json_lines("{\"a\":1}\n"));
        assert!(!is_json_lines("{\"a\":1}\nplain words\n"));
        assert!(is_json_lines("{\"a\":1}\n  \n{\"b\":2}"));
    }

    #[test]
    fn a_clean_text_file_is_untouched() {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = Renderer::new(p.detectors.rules(), &p.actions);
        let mut o = BodyOutcome::default();
        let text = b"# Plan\n\nShip on Friday. {\"json\": [1, 2.50]}\n";
        assert_eq!(
            inspect_text(&p, &p.actions, text, &mut r, &mut o).unwrap(),
            None
        );
        assert_eq!(o.counts.total(), 0);
    }
}

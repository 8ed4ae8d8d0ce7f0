//! A small document model (headings, paragraphs, key/value lists, tables, images) and its two
//! renderings, Markdown and standalone HTML, with every text escaped for its format: policy
//! text (a project's purpose, a pattern) never becomes markup.

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading of level 1..=3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Para(String),
    /// Label → value pairs.
    Fields(Vec<(String, String)>),
    /// A table: header cells, then rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// An image file beside the document (an SVG chart): path, alternative text.
    Image(String, String),
}

/// A document: a title and blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// The title (rendered as the level-1 heading and the HTML `<title>`).
    pub title: String,
    /// The blocks, in order.
    pub blocks: Vec<Block>,
}

impl Doc {
    /// A document titled `title`.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_string(),
            blocks: Vec::new(),
        }
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The document as Markdown (CommonMark with GitHub tables).
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n", md_inline(&self.title));
        for b in &self.blocks {
            out.push('\n');
            match b {
                Block::Heading(level, text) => {
                    let hashes = "#".repeat(usize::from((*level).clamp(1, 3)) + 1);
                    out.push_str(&format!("{hashes} {}\n", md_inline(text)));
                }
                Block::Para(text) => out.push_str(&format!("{}\n", md_inline(text))),
                Block::Fields(fields) => {
                    for (k, v) in fields {
                        out.push_str(&format!("- **{}**: {}\n", md_inline(k), md_inline(v)));
                    }
                }
                Block::Table(head, rows) => {
                    let line = |cells: &[String]| {
                        let cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
                        format!("| {} |\n", cells.join(" | "))
                    };
                    out.push_str(&line(head));
                    out.push_str(&format!("|{}\n", " --- |".repeat(head.len())));
                    for r in rows {
                        out.push_str(&line(r));
                    }
                }
                Block::Image(path, alt) => {
                    out.push_str(&format!("![{}]({})\n", md_inline(alt), path));
                }
            }
        }
        out
    }

    /// The document as one standalone HTML page (inline style, no script, no external file
    /// but the images it names).
    pub fn html(&self) -> String {
        let mut out =
            String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str(&format!("<title>{}</title>\n", html_escape(&self.title)));
        out.push_str(
            "<style>body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;\
             padding:0 1rem;color:#1a1a1a}table{border-collapse:collapse;margin:.5rem 0 1rem}\
             th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}\
             th{background:#f0f0f0}dt{font-weight:600}dd{margin:0 0 .4rem 1rem;white-space:pre-wrap}\
             </style>\n</head>\n<body>\n",
        );
        out.push_str(&format!("<h1>{}</h1>\n", html_escape(&self.title)));
        for b in &self.blocks {
            match b {
                Block::Heading(level, text) => {
                    let l = (*level).clamp(1, 3) + 1;
                    out.push_str(&format!("<h{l}>{}</h{l}>\n", html_escape(text)));
                }
                Block::Para(text) => out.push_str(&format!("<p>{}</p>\n", html_escape(text))),
                Block::Fields(fields) => {
                    out.push_str("<dl>\n");
                    for (k, v) in fields {
                        out.push_str(&format!(
                            "<dt>{}</dt><dd>{}</dd>\n",
                            html_escape(k),
                            html_escape(v)
                        ));
                    }
                    out.push_str("</dl>\n");
                }
                Block::Table(head, rows) => {
                    out.push_str("<table>\n<tr>");
                    for h in head {
                        out.push_str(&format!("<th>{}</th>", html_escape(h)));
                    }
                    out.push_str("</tr>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for c in r {
                            out.push_str(&format!("<td>{}</td>", html_escape(c)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
                Block::Image(path, alt) => out.push_str(&format!(
                    "<p><img src=\"{}\" alt=\"{}\"></p>\n",
                    html_escape(path),
                    html_escape(alt)
                )),
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// Escapes text for HTML (element content and attribute values).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown inline content: markup characters are backslash-escaped, HTML
/// is entity-escaped (Markdown passes raw HTML through), line breaks become spaces.
pub fn md_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    md_inline(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_text_never_becomes_markup() {
        let mut d = Doc::new("Register <x>");
        let evil = "<script>alert(1)</script> | *bold* [link](http://x) & \"q\"\nline";
        d.push(Block::Para(evil.into()));
        d.push(Block::Table(vec!["a|b".into()], vec![vec![evil.into()]]));
        d.push(Block::Fields(vec![(evil.into(), evil.into())]));
        let html = d.html();
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(!html.contains("\"q\""));
        let md = d.markdown();
        assert!(!md.contains("<script>") && !md.contains("[link]"));
        assert!(md.contains("a\\|b"));
        // A table row stays one row.
        assert!(md.lines().all(|l| !l.starts_with("line")), "{md}");
    }
}

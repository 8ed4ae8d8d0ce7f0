//! The header of a value's column in a delimited table (CSV, TSV, `;`-separated, Markdown
//! pipes): in `aadhaar_no,name\n543137926476,Priya` the header `aadhaar_no` is the context of
//! `543137926476`, as a keyword before it on its line would be.
//!
//! Only a value that fills a cell (a delimiter or a line break on both sides) is looked up.
//! A row is a line holding a delimiter (`,`, `;`, tab or `|`, the most frequent of them); its
//! header is the topmost line of the run of lines above it with as many of that delimiter, no
//! blank line between, at most [`MAX_UP_LINES`] lines and [`MAX_UP_BYTES`] bytes up. The
//! value's column is the number of delimiters before it on its line; quoted delimiters are not
//! told apart. Cost: the pass is left to right, and [`Tables`] remembers the last line and
//! table looked at, so every byte of a text is read a bounded number of times however many
//! values it holds: a line's bounds and delimiter are found once, a table's rows are checked
//! once as later rows extend it, and a row found to be in no table is not walked up from
//! again for its other values.

use super::text::{at, mentions};
use std::cell::Cell;

/// Delimiters a row may use.
const DELIMS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// How far above a row its header is looked for.
const MAX_UP_LINES: usize = 64;
const MAX_UP_BYTES: usize = 8192;
/// A value further into its row than this, or a header line longer, is not looked up.
const MAX_ROW: usize = 1024;

/// A line: `[start, end)`, `end` at its `\n` or the text's end; its delimiter and how many.
#[derive(Debug, Clone, Copy, Default)]
struct Line {
    start: usize,
    end: usize,
    delim: u8,
    count: usize,
}

/// A table: its header line, and the end of the last line known to be one of its rows.
#[derive(Debug, Clone, Copy, Default)]
struct Table {
    header: Line,
    rows_end: usize,
}

/// What the last look-ups of one scan found (one per scan: it lives in the pass's state).
#[derive(Debug, Default)]
pub(super) struct Tables {
    line: Cell<Option<Line>>,
    table: Cell<Option<Table>>,
    /// The start of the last row found to belong to no table: its other values are not
    /// walked up from again.
    tableless_row: Cell<Option<usize>>,
    /// How many times a header was walked up to (tests hold the cost to it).
    #[cfg(test)]
    walks: Cell<usize>,
}

impl Tables {
    /// Whether the value `[pos, end)` fills a cell of a table whose column header mentions one
    /// of `keywords` (lower case, matched at a word start). A value without a delimiter or a
    /// line break on both sides (blanks and a quote aside) fills no cell: most values, in
    /// prose, are turned away by that test alone.
    pub(super) fn header_mentions(
        &self,
        t: &[u8],
        pos: usize,
        end: usize,
        keywords: &[&str],
    ) -> bool {
        if !fills_cell(t, pos, end) {
            return false;
        }
        let line = self.line_at(t, pos);
        if line.start == 0 || line.count == 0 || pos - line.start > MAX_ROW {
            return false;
        }
        if self.tableless_row.get() == Some(line.start) {
            return false;
        }
        let Some(table) = self.table_of(t, line) else {
            self.tableless_row.set(Some(line.start));
            return false;
        };
        let h = table.header;
        if h.end - h.start > MAX_ROW {
            return false;
        }
        let col = count(t, line.start, pos, line.delim);
        let Some(cell) = nth_cell(t, h.start, h.end, h.delim, col) else {
            return false;
        };
        let mut buf = [0u8; 96];
        let n = cell.len().min(buf.len());
        for (d, s) in buf.iter_mut().zip(cell) {
            *d = s.to_ascii_lowercase();
        }
        mentions(buf.get(..n).unwrap_or(&[]), keywords)
    }

    /// The line holding `pos`: the last one if `pos` is in it, else found from `pos` (back no
    /// further than the last line's end: the pass moves forward).
    fn line_at(&self, t: &[u8], pos: usize) -> Line {
        let last = self.line.get();
        if let Some(l) = last {
            if l.start <= pos && pos <= l.end {
                return l;
            }
        }
        let floor = last.filter(|l| l.end < pos).map_or(0, |l| l.end + 1);
        let mut start = pos;
        while start > floor && at(t, start - 1) != b'\n' {
            start -= 1;
        }
        let mut end = pos;
        while end < t.len() && at(t, end) != b'\n' {
            end += 1;
        }
        let line = measure(t, start, end);
        self.line.set(Some(line));
        line
    }

    /// The table `row` belongs to: the remembered one if `row` extends it (the lines between
    /// its last known row and `row` all have its shape), else found by walking up.
    fn table_of(&self, t: &[u8], row: Line) -> Option<Table> {
        if let Some(mut tb) = self.table.get() {
            let h = tb.header;
            if h.delim == row.delim && h.count == row.count && h.end < row.start {
                let mut s = tb.rows_end + 1;
                let mut ok = true;
                while s < row.start {
                    let mut e = s;
                    while e < t.len() && at(t, e) != b'\n' {
                        e += 1;
                    }
                    if e == s || count(t, s, e, h.delim) != h.count {
                        ok = false;
                        break;
                    }
                    tb.rows_end = e;
                    s = e + 1;
                }
                if ok {
                    tb.rows_end = tb.rows_end.max(row.end);
                    self.table.set(Some(tb));
                    return Some(tb);
                }
            }
        }
        #[cfg(test)]
        self.walks.set(self.walks.get() + 1);
        let tb = walk_up(t, row);
        self.table.set(tb);
        tb
    }
}

/// Whether `[s, e)` stands between two cell edges: a delimiter or a line break (or the
/// text's edge) on each side, past blanks and a quote.
fn fills_cell(t: &[u8], s: usize, e: usize) -> bool {
    let edge = |b: u8| matches!(b, b',' | b';' | b'\t' | b'|' | b'\n' | b'\r' | 0);
    let blank = |b: u8| matches!(b, b' ' | b'"' | b'\'');
    let mut a = s;
    while a > 0 && s - a < 8 && blank(at(t, a - 1)) {
        a -= 1;
    }
    let mut z = e;
    while z - e < 8 && blank(at(t, z)) {
        z += 1;
    }
    (a == 0 || edge(at(t, a - 1))) && edge(at(t, z))
}

/// The header of `row`, walking up the lines of the same shape above it.
fn walk_up(t: &[u8], row: Line) -> Option<Table> {
    let mut header = None;
    let mut cur = row.start;
    for _ in 0..MAX_UP_LINES {
        if cur == 0 || row.start - cur > MAX_UP_BYTES {
            break;
        }
        let end = cur - 1;
        let mut start = end;
        while start > 0 && row.start - start <= MAX_UP_BYTES && at(t, start - 1) != b'\n' {
            start -= 1;
        }
        if start == end
            || row.start - start > MAX_UP_BYTES
            || count(t, start, end, row.delim) != row.count
        {
            break;
        }
        header = Some(Line {
            start,
            end,
            delim: row.delim,
            count: row.count,
        });
        cur = start;
    }
    header.map(|header| Table {
        header,
        rows_end: row.end,
    })
}

/// The line `[start, end)` with its most frequent delimiter.
fn measure(t: &[u8], start: usize, end: usize) -> Line {
    let mut best = (0u8, 0usize);
    if end - start <= 4 * MAX_ROW {
        for d in DELIMS {
            let n = count(t, start, end, d);
            if n > best.1 {
                best = (d, n);
            }
        }
    }
    Line {
        start,
        end,
        delim: best.0,
        count: best.1,
    }
}

fn count(t: &[u8], s: usize, e: usize, d: u8) -> usize {
    t.get(s..e)
        .map_or(0, |w| w.iter().filter(|&&b| b == d).count())
}

/// Cell `col` of the line `[s, e)`, without blanks and quotes around it.
fn nth_cell(t: &[u8], s: usize, e: usize, d: u8, col: usize) -> Option<&[u8]> {
    let line = t.get(s..e)?;
    let cell = line.split(|&b| b == d).nth(col)?;
    let trim = |b: &u8| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'\r' | b'*' | b'`');
    let a = cell.iter().position(|b| !trim(b))?;
    let z = cell.iter().rposition(|b| !trim(b))?;
    cell.get(a..=z)
}

#[cfg(test)]
mod tests {
    use super::Tables;

    fn says(text: &str, value: &str, kw: &[&str]) -> bool {
        let pos = text.find(value).unwrap();
        let end = pos + value.len();
        Tables::default().header_mentions(text.as_bytes(), pos, end, kw)
    }

    #[test]
    fn the_header_of_the_column_is_the_context() {
        let kw = &["aadhaar", "pesel", "ssn"];
        for (text, value) in [
            ("aadhaar_no,name\n543137926476,Priya", "543137926476"),
            (
                "imię;nazwisko;PESEL\nJan;Kowalski;93102233283",
                "93102233283",
            ),
            ("name\tssn\nAnn\t536228351\nBob\t536228352", "536228352"),
            ("name,ssn\nAnn,\"536228351\"", "536228351"),
            (
                "| name | SSN |\n|---|---|\n| Ann | 536228351 |",
                "536228351",
            ),
        ] {
            assert!(says(text, value, kw), "{text:?}");
        }
        // Another column, no header, a blank line between, a different shape, not a whole cell.
        for text in [
            "ssn,name\nAnn,536228351",
            "536228351,Ann",
            "ssn,name\n\n536228351,Ann",
            "ssn,name,x\n536228351,Ann",
            "ssn,name\nid 536228351,Ann",
        ] {
            assert!(!says(text, "536228351", kw), "{text:?}");
        }
    }

    #[test]
    fn later_rows_reuse_the_table() {
        let mut text = String::from("id,ssn\n");
        for i in 0..200 {
            text.push_str(&format!("{i},53622{:04}\n", i));
        }
        let t = text.as_bytes();
        let tables = Tables::default();
        let mut from = 0;
        let mut hits = 0;
        while let Some(i) = text[from..].find(",5362") {
            let pos = from + i + 1;
            hits += usize::from(tables.header_mentions(t, pos, pos + 9, &["ssn"]));
            from = pos;
        }
        assert_eq!(hits, 200);
    }

    #[test]
    fn a_row_in_no_table_is_walked_up_from_once() {
        // A long line of prose, then a row of 100 numbers: the row has no header above it.
        let mut text = "x".repeat(8000);
        text.push('\n');
        text.push_str(&vec!["536228351"; 100].join(","));
        let t = text.as_bytes();
        let tables = Tables::default();
        let mut pos = 8001;
        for _ in 0..100 {
            assert!(!tables.header_mentions(t, pos, pos + 9, &["ssn"]));
            pos += 10;
        }
        assert_eq!(tables.walks.get(), 1);
    }
}

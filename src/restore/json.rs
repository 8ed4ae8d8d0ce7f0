//! Restores placeholders in a JSON document as it streams past, chunk by chunk, in bounded
//! memory: every byte is copied as it came except a placeholder this request minted, written
//! as its value JSON-escaped for the string that holds it (twice inside a string that holds
//! JSON: tool-call arguments). A placeholder cut by a chunk's end is held (at most
//! [`super::MAX_PLACEHOLDER`] bytes) until the next chunk tells. Placeholders are ASCII and
//! never escaped, so they are matched in the raw bytes; one written with `\u` escapes is left
//! as it is. Garbage is copied as it is: the scanner never fails.

use super::table::{is_label_byte, Table};

/// Which member names hold JSON inside their string value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NestedKeys {
    /// `arguments` (chat and Responses tool calls).
    #[default]
    Arguments,
    /// `arguments` and `delta` (a Responses `*_arguments.delta` event).
    ArgumentsAndDelta,
}

/// The first bytes of the string being read, to tell a member name that holds JSON.
#[derive(Debug, Clone, Copy, Default)]
struct Probe {
    bytes: [u8; 9],
    len: u8,
    spoilt: bool,
}

impl Probe {
    fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match self.bytes.get_mut(usize::from(self.len)) {
                Some(slot) if !self.spoilt => {
                    *slot = b;
                    self.len += 1;
                }
                _ => {
                    self.spoilt = true;
                    return;
                }
            }
        }
    }

    fn is(&self, name: &[u8]) -> bool {
        !self.spoilt && self.bytes.get(..usize::from(self.len)) == Some(name)
    }
}

/// One JSON document's restorer.
#[derive(Debug, Default)]
pub struct JsonRestorer {
    in_string: bool,
    escape: bool,
    /// The string being read holds JSON (its values are escaped twice).
    nested: bool,
    /// A candidate placeholder cut by the end of the last chunk.
    held: Vec<u8>,
    probe: Probe,
    /// The last token was a string naming a member that holds JSON.
    named_nested: bool,
    /// After such a name and its `:`: the next string holds JSON.
    pending_nested: bool,
    nested_keys: NestedKeys,
    /// A string ended with a proper prefix of a placeholder (it may go on in the next SSE
    /// event).
    dangling: bool,
}

/// The first byte at or after `i` that is `"`, `\` or `[`, or the length; eight at a time.
fn find_special(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        let hit = zero(x ^ (LO * u64::from(b'"')))
            | zero(x ^ (LO * u64::from(b'\\')))
            | zero(x ^ (LO * u64::from(b'[')));
        if hit != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if matches!(c, b'"' | b'\\' | b'[') {
            break;
        }
        i += 1;
    }
    i
}

impl JsonRestorer {
    /// A restorer for a document whose `nested_keys` hold JSON.
    pub fn new(nested_keys: NestedKeys) -> Self {
        Self {
            nested_keys,
            ..Self::default()
        }
    }

    /// Did a string end with a proper prefix of a placeholder since the last reset?
    pub fn dangling(&self) -> bool {
        self.dangling
    }

    /// The next chunk: what can be forwarded goes to `out`; `counts[category]` counts each
    /// restoration.
    pub fn feed(&mut self, table: &Table, input: &[u8], out: &mut Vec<u8>, counts: &mut [u32]) {
        let mut i = 0;
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            let take = input.len().min(table.longest());
            let mut joined = held.clone();
            joined.extend_from_slice(input.get(..take).unwrap_or_default());
            let used = self.candidate(table, &joined, 0, take == input.len(), out, counts);
            i = used.saturating_sub(held.len());
        }
        while let Some(&b) = input.get(i) {
            if !self.in_string {
                self.outside(b);
                out.push(b);
                i += 1;
                continue;
            }
            if self.escape {
                self.escape = false;
                self.probe.spoilt = true;
                out.push(b);
                i += 1;
                continue;
            }
            let j = find_special(input, i);
            if let Some(run) = input.get(i..j) {
                out.extend_from_slice(run);
                self.probe.extend(run);
            }
            i = j;
            match input.get(i) {
                Some(b'\\') => {
                    self.escape = true;
                    out.push(b'\\');
                    i += 1;
                }
                Some(b'"') => {
                    self.close_string();
                    out.push(b'"');
                    i += 1;
                }
                Some(_) => {
                    self.probe.spoilt = true;
                    i = self.candidate(table, input, i, true, out, counts);
                }
                None => {}
            }
        }
    }

    /// The document is over: a held candidate goes out as it was.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.held);
    }

    /// A byte outside strings.
    fn outside(&mut self, b: u8) {
        match b {
            b'"' => {
                self.in_string = true;
                self.nested = std::mem::take(&mut self.pending_nested);
                self.named_nested = false;
                self.probe = Probe::default();
            }
            b':' => self.pending_nested = std::mem::take(&mut self.named_nested),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => {
                self.pending_nested = false;
                self.named_nested = false;
            }
        }
    }

    fn close_string(&mut self) {
        self.in_string = false;
        self.named_nested = self.probe.is(b"arguments")
            || (self.nested_keys == NestedKeys::ArgumentsAndDelta && self.probe.is(b"delta"));
    }

    /// At `input[i] == b'['` inside a string: restores a placeholder that starts there, or
    /// holds a candidate cut by the end of `input` (when `at_end`: no byte of this chunk
    /// follows it), or copies what is no placeholder. Returns where to go on.
    fn candidate(
        &mut self,
        table: &Table,
        input: &[u8],
        i: usize,
        at_end: bool,
        out: &mut Vec<u8>,
        counts: &mut [u32],
    ) -> usize {
        let limit = input.len().min(i.saturating_add(table.longest()));
        let mut j = i + 1;
        while j < limit && input.get(j).is_some_and(|&b| is_label_byte(b)) {
            j += 1;
        }
        let seen = input.get(i..j).unwrap_or_default();
        match input.get(j) {
            Some(b']') if j < limit => {
                let placeholder = input.get(i..=j).unwrap_or_default();
                match table.get(placeholder, self.nested) {
                    Some((value, category)) => {
                        out.extend_from_slice(value.as_bytes());
                        if let Some(n) = counts.get_mut(category) {
                            *n = n.saturating_add(1);
                        }
                    }
                    None => out.extend_from_slice(placeholder),
                }
                return j + 1;
            }
            Some(b'"') if table.is_prefix(seen) => self.dangling = true,
            None if at_end && j == input.len() && table.is_prefix(seen) => {
                self.held.extend_from_slice(seen);
                return j;
            }
            _ => {}
        }
        out.extend_from_slice(seen);
        j
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::{tests::rules, Minted};
    use super::*;

    fn table() -> Table {
        let m = |p: &str, v: &str| Minted {
            placeholder: p.into(),
            value: v.into(),
            rule: 0,
        };
        Table::new(
            vec![
                m("[EMAIL_123456]", "jane@example.com"),
                m("[EMAIL_654321]", "O\"Brien\\ \u{e9}\n"),
            ],
            &rules(),
        )
        .unwrap()
    }

    fn run(doc: &[u8], cuts: &[usize]) -> (Vec<u8>, u32) {
        let t = table();
        let mut r = JsonRestorer::new(NestedKeys::Arguments);
        let mut out = Vec::new();
        let mut counts = vec![0u32; 1];
        let mut last = 0;
        for &c in cuts.iter().chain(std::iter::once(&doc.len())) {
            r.feed(&t, &doc[last..c], &mut out, &mut counts);
            last = c;
        }
        r.finish(&mut out);
        (out, counts[0])
    }

    #[test]
    fn restores_escaped_and_twice_escaped_at_every_cut() {
        let doc = br#"{"content":"Hi [EMAIL_123456] and [EMAIL_654321] [EMAIL_1] [X","tool_calls":[{"function":{"arguments":"{\"to\":\"[EMAIL_654321]\"}"}}]}"#;
        let want = r#"{"content":"Hi jane@example.com and O\"Brien\\ é\n [EMAIL_1] [X","tool_calls":[{"function":{"arguments":"{\"to\":\"O\\\"Brien\\\\ é\\n\"}"}}]}"#;
        let v: serde_json::Value = serde_json::from_str(want).unwrap();
        let args: serde_json::Value = serde_json::from_str(
            v["tool_calls"][0]["function"]["arguments"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(args["to"], "O\"Brien\\ \u{e9}\n");
        for a in 0..=doc.len() {
            for b in [a, (a + 7).min(doc.len()), doc.len()] {
                let (out, n) = run(doc, &[a, b]);
                assert_eq!(String::from_utf8(out).unwrap(), want, "cuts {a} {b}");
                assert_eq!(n, 3);
            }
        }
        // One byte at a time.
        let cuts: Vec<usize> = (1..doc.len()).collect();
        assert_eq!(run(doc, &cuts).0, want.as_bytes());
    }

    #[test]
    fn what_is_no_placeholder_of_this_request_is_copied() {
        for doc in [
            // Outside strings (not JSON text), unknown numbers, cut or longer forms, escapes.
            &br#"[EMAIL_123456]"#[..],
            br#"{"a":"[EMAIL_1] [EMAIL_1234567] [EMAIL_12345] [email_123456] [EMAIL_123456 ]"}"#,
            br#"{"a":"\u005bEMAIL_123456]","b":[1,[2],["x"]]}"#,
            b"{\"a\":\"\xff[EMAIL_12\"}",
        ] {
            for cut in 0..=doc.len() {
                let (out, n) = run(doc, &[cut]);
                assert_eq!(out, doc, "cut {cut}");
                assert_eq!(n, 0);
            }
        }
        let (out, n) = run(br#"{"a":"[[EMAIL_123456]]"}"#, &[9]);
        assert_eq!(out, br#"{"a":"[jane@example.com]"}"#);
        assert_eq!(n, 1);
        // An escaped quote before it does not end the string.
        let (out, _) = run(br#"{"a":"\"[EMAIL_123456]"}"#, &[]);
        assert_eq!(out, br#"{"a":"\"jane@example.com"}"#);
    }

    #[test]
    fn a_string_ending_in_a_prefix_is_dangling() {
        let t = table();
        for (doc, dangling) in [
            (&br#"{"a":"x [EMAIL_12"}"#[..], true),
            (br#"{"a":"x ["}"#, true),
            (br#"{"a":"x [EMAIL_9"}"#, false),
            (br#"{"a":"x [EMAIL_123456]"}"#, false),
        ] {
            let mut r = JsonRestorer::new(NestedKeys::Arguments);
            let mut out = Vec::new();
            r.feed(&t, doc, &mut out, &mut [0]);
            assert_eq!(r.dangling(), dangling, "{}", String::from_utf8_lossy(doc));
        }
    }
}

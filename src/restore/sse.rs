//! Restores placeholders in a server-sent-events stream (chat completion chunks, Responses
//! events, completions), event by event as each one completes.
//!
//! Each event's `data:` JSON goes through the [`JsonRestorer`]. A placeholder the model
//! streamed across events (`"delta":"Dear [PER"`, then `"delta":"SON_123456],"`) is restored
//! too: an event whose string ends with a proper prefix of a minted placeholder is held, with
//! the events behind it, until the next event of the same field (its *channel*: the event
//! type, item, choice and member path) says whether the placeholder completes. If it does,
//! the prefix is cut from the held events and the value is written where the placeholder
//! ends; if not, or when the field ends (another event of the same choice or item), the held
//! events go on unchanged. Any other event is forwarded as soon as it is complete, so a
//! stream is only held back while an event can hold the start of a placeholder.

use super::find2;
use super::json::{JsonRestorer, NestedKeys};
use super::table::{is_label_byte, Table};
use crate::json::{parse, Limits, Value};

/// Largest event held whole; a larger one passes through unrestored.
pub const MAX_EVENT: usize = 8 << 20;
/// Most events held behind a placeholder cut across events.
pub const MAX_HELD_EVENTS: usize = 64;
/// Most bytes held behind a placeholder cut across events.
pub const MAX_HELD_BYTES: usize = 256 << 10;

/// A placeholder cut across events: what was seen of it so far and where.
#[derive(Debug)]
struct Chain {
    /// Its bytes so far (`[PER`, then `[PERSON_12`, ...).
    partial: Vec<u8>,
    /// The byte ranges it takes in held events: (held index, start, end).
    parts: Vec<(usize, usize, usize)>,
    channel: String,
    scope: String,
    nested: bool,
}

/// One string value of an event's data: its content span (in the data) and identity.
#[derive(Debug)]
struct StrInfo {
    start: usize,
    end: usize,
    channel: String,
    scope: String,
    nested: bool,
}

/// One stream's restorer.
#[derive(Debug, Default)]
pub struct SseRestorer {
    /// The event being received.
    event: Vec<u8>,
    at_line_start: bool,
    after_cr: bool,
    /// The event being received outgrew [`MAX_EVENT`]: it goes on as it comes.
    passing: bool,
    held: Vec<Vec<u8>>,
    held_bytes: usize,
    chain: Option<Chain>,
}

impl SseRestorer {
    /// The next chunk of the stream: complete events that can go on are appended to `out`.
    /// An event that arrives whole in one chunk is read where it is; only the start of one
    /// cut by the chunk's end is kept.
    pub fn feed(&mut self, table: &Table, input: &[u8], out: &mut Vec<u8>, counts: &mut [u32]) {
        let mut i = 0;
        // The first byte of `input` not yet kept or forwarded.
        let mut from = 0;
        while i < input.len() {
            let j = find2(input, i, b'\n', b'\r');
            if j > i {
                self.at_line_start = false;
                self.after_cr = false;
            }
            let Some(&b) = input.get(j) else {
                break;
            };
            i = j + 1;
            if b == b'\n' && std::mem::take(&mut self.after_cr) {
                continue;
            }
            self.after_cr = b == b'\r';
            if !self.at_line_start {
                self.at_line_start = true;
                continue;
            }
            // A blank line: the event is complete.
            let piece = input.get(from..i).unwrap_or_default();
            from = i;
            if self.passing {
                out.extend_from_slice(piece);
                self.passing = false;
            } else if self.event.is_empty() {
                self.event_done(table, piece, out, counts);
            } else {
                // The buffer is given back (cleared) to keep its capacity.
                let mut event = std::mem::take(&mut self.event);
                event.extend_from_slice(piece);
                self.event_done(table, &event, out, counts);
                event.clear();
                self.event = event;
            }
        }
        let rest = input.get(from..).unwrap_or_default();
        if self.passing {
            out.extend_from_slice(rest);
        } else {
            self.event.extend_from_slice(rest);
            if self.event.len() > MAX_EVENT {
                self.release(out);
                out.append(&mut self.event);
                self.passing = true;
            }
        }
    }

    /// Does this chunk go on exactly as it is? True (and the stream's state moved past it)
    /// when nothing is held or half-received and the chunk is whole events, ending with a
    /// blank line, none of which can hold a placeholder: most chunks of most streams, seen
    /// with one pass and no copy.
    pub fn passes(&mut self, input: &[u8]) -> bool {
        let clear = self.event.is_empty() && self.chain.is_none() && !self.passing;
        if clear && input.ends_with(b"\n\n") && !has_candidate(input) {
            self.at_line_start = true;
            self.after_cr = false;
            return true;
        }
        false
    }

    /// The stream is over: the last (unterminated) event and everything held go out.
    pub fn finish(&mut self, table: &Table, out: &mut Vec<u8>, counts: &mut [u32]) {
        let event = std::mem::take(&mut self.event);
        if !event.is_empty() {
            self.event_done(table, &event, out, counts);
        }
        self.release(out);
    }

    /// Everything held goes out as it is now.
    fn release(&mut self, out: &mut Vec<u8>) {
        self.chain = None;
        for e in self.held.drain(..) {
            out.extend_from_slice(&e);
        }
        self.held_bytes = 0;
    }

    fn hold(&mut self, event: Vec<u8>) {
        self.held_bytes += event.len();
        self.held.push(event);
    }

    /// A complete event (its blank line included).
    fn event_done(&mut self, table: &Table, event: &[u8], out: &mut Vec<u8>, counts: &mut [u32]) {
        let Some((name, data)) = data_line(event) else {
            // Not one JSON document (`[DONE]`, a comment, several data lines): the stream is
            // ending or speaks of something else.
            self.release(out);
            out.extend_from_slice(event);
            return;
        };
        // Most events cannot hold a placeholder (no `[` before a label byte or a string's end
        // in their data): they go on as they are.
        let text = event.get(data.0..data.1);
        debug_assert!(text.is_some(), "data_line spans its event");
        let text = text.unwrap_or_default();
        if self.chain.is_none() && !has_candidate(text) {
            out.extend_from_slice(event);
            return;
        }
        let keys = if arguments_delta(name.and_then(|n| event.get(n.0..n.1)), event, data) {
            NestedKeys::ArgumentsAndDelta
        } else {
            NestedKeys::Arguments
        };
        // Restored straight into `out` (the common case: it goes on at once); taken back out
        // when it is to be held.
        let start = out.len();
        let mut restorer = JsonRestorer::new(keys);
        out.extend_from_slice(event.get(..data.0).unwrap_or_default());
        restorer.feed(
            table,
            event.get(data.0..data.1).unwrap_or_default(),
            out,
            counts,
        );
        restorer.finish(out);
        let data_end = out.len() - start;
        out.extend_from_slice(event.get(data.1..).unwrap_or_default());
        if self.chain.is_none() && !restorer.dangling() {
            return;
        }
        let mut event = out.split_off(start);
        let mut data = (data.0, data_end);
        if let Some(chain) = self.chain.take() {
            match self.continue_chain(table, chain, &mut event, &mut data, counts) {
                Next::Held => return,
                Next::Released => self.release(out),
                Next::Completed => self.release(out),
            }
        }
        if restorer.dangling() {
            if let Some(chain) = new_chain(table, &event, data) {
                self.chain = Some(chain);
                self.hold(event);
                return;
            }
        }
        out.extend_from_slice(&event);
    }

    /// Does `event` carry the held chain on? Holds it (`Held`), completes it (the value
    /// written in `event`, the prefix cut from the held events) or ends it.
    fn continue_chain(
        &mut self,
        table: &Table,
        mut chain: Chain,
        event: &mut Vec<u8>,
        data: &mut (usize, usize),
        counts: &mut [u32],
    ) -> Next {
        let Some(infos) = strings_of(event.get(data.0..data.1).unwrap_or_default()) else {
            return Next::Released;
        };
        let Some(s) = infos.iter().find(|s| s.channel == chain.channel) else {
            if infos.iter().any(|s| s.scope == chain.scope)
                || self.held.len() >= MAX_HELD_EVENTS
                || self.held_bytes + event.len() > MAX_HELD_BYTES
            {
                return Next::Released;
            }
            self.chain = Some(chain);
            self.hold(std::mem::take(event));
            return Next::Held;
        };
        let (start, end) = (data.0 + s.start, data.0 + s.end);
        let content = event.get(start..end);
        debug_assert!(content.is_some(), "strings_of spans the data");
        let content = content.unwrap_or_default();
        let k = content.iter().take_while(|&&b| is_label_byte(b)).count();
        let mut candidate = chain.partial.clone();
        candidate.extend_from_slice(content.get(..k).unwrap_or_default());
        if content.get(k) == Some(&b']') {
            candidate.push(b']');
            let Some((value, category)) = table.get(&candidate, chain.nested) else {
                return Next::Released;
            };
            for &(h, a, b) in &chain.parts {
                if let Some(e) = self.held.get_mut(h) {
                    if a <= b && b <= e.len() {
                        e.drain(a..b);
                    }
                }
            }
            event.splice(start..start + k + 1, value.bytes());
            data.1 = data.1 + value.len() - (k + 1);
            if let Some(n) = counts.get_mut(category) {
                *n = n.saturating_add(1);
            }
            return Next::Completed;
        }
        if k == content.len()
            && table.is_prefix(&candidate)
            && self.held.len() < MAX_HELD_EVENTS
            && self.held_bytes + event.len() <= MAX_HELD_BYTES
        {
            chain.partial = candidate;
            chain.parts.push((self.held.len(), start, end));
            self.chain = Some(chain);
            self.hold(std::mem::take(event));
            return Next::Held;
        }
        Next::Released
    }
}

/// What became of a held chain.
enum Next {
    Held,
    Released,
    Completed,
}

/// Can `data` hold (the start of) a placeholder: a `[` followed by a label byte, or ending
/// a string?
fn has_candidate(data: &[u8]) -> bool {
    let mut i = 0;
    loop {
        i = find2(data, i, b'[', b'[');
        match data.get(i + 1) {
            Some(&b) if is_label_byte(b) || b == b'"' => return true,
            Some(_) => i += 1,
            None => return false,
        }
    }
}

/// The chain started by the last string of `event` that ends with a proper prefix of a
/// placeholder.
fn new_chain(table: &Table, event: &[u8], data: (usize, usize)) -> Option<Chain> {
    let infos = strings_of(event.get(data.0..data.1)?)?;
    infos.into_iter().rev().find_map(|s| {
        let content = event.get(data.0 + s.start..data.0 + s.end)?;
        let open = content.iter().rposition(|&b| b == b'[')?;
        let tail = content.get(open..)?;
        table.is_prefix(tail).then(|| Chain {
            partial: tail.to_vec(),
            parts: vec![(0, data.0 + s.start + open, data.0 + s.end)],
            channel: s.channel,
            scope: s.scope,
            nested: s.nested,
        })
    })
}

/// The event's name span (from an `event:` line) and its one `data:` value's span, when the
/// event has exactly one data line and it holds a JSON object.
#[allow(clippy::type_complexity)]
fn data_line(event: &[u8]) -> Option<(Option<(usize, usize)>, (usize, usize))> {
    let mut name = None;
    let mut data = None;
    let mut start = 0;
    while start < event.len() {
        let len = find2(event, start, b'\n', b'\r') - start;
        let line = event.get(start..start + len)?;
        let value = |field: &[u8]| -> Option<(usize, usize)> {
            let rest = line.strip_prefix(field)?.strip_prefix(b":")?;
            let skip = usize::from(rest.first() == Some(&b' '));
            let at = start + field.len() + 1 + skip;
            Some((at, start + len))
        };
        if let Some(v) = value(b"data") {
            if data.replace(v).is_some() {
                return None;
            }
        } else if let Some(v) = value(b"event") {
            name = Some(v);
        }
        start += len + 1;
    }
    let data = data?;
    let text = event.get(data.0..data.1)?;
    (text.trim_ascii_start().first() == Some(&b'{')).then_some((name, data))
}

/// Is this a Responses `*_arguments.delta` event (its `delta` is JSON text)? By its `event:`
/// name, else (rarely: OpenAI names every event) by its `type` member, read only when the
/// data mentions such a type at all.
fn arguments_delta(name: Option<&[u8]>, event: &[u8], data: (usize, usize)) -> bool {
    const SUFFIX: &[u8] = b"_arguments.delta";
    if let Some(n) = name {
        return n.trim_ascii().ends_with(SUFFIX);
    }
    let text = event.get(data.0..data.1).unwrap_or_default();
    // `_arguments.delta"` somewhere: found from each `.` (few in an event), not byte by byte.
    const NEEDLE: &[u8] = b"_arguments.delta\"";
    let dot = NEEDLE.len() - 7;
    let mentioned = text.iter().enumerate().any(|(i, &b)| {
        b == b'.' && i >= dot && text.get(i - dot..i - dot + NEEDLE.len()) == Some(NEEDLE)
    });
    if !mentioned {
        return false;
    }
    let Ok(src) = std::str::from_utf8(text) else {
        return false;
    };
    parse(src, &Limits::default()).ok().is_some_and(|root| {
        matches!(root.get(src, "type"), Some(Value::String(t)) if t.decode(src).ends_with("_arguments.delta"))
    })
}

/// Every string value of `data` (a JSON object), with its channel and scope; `None` when it
/// does not parse.
fn strings_of(data: &[u8]) -> Option<Vec<StrInfo>> {
    let src = std::str::from_utf8(data).ok()?;
    let root = parse(src, &Limits::default()).ok()?;
    let text = |k: &str| -> String {
        match root.get(src, k) {
            Some(Value::String(s)) => s.decode(src).into_owned(),
            Some(Value::Number(n)) => n.of(src).to_string(),
            _ => String::new(),
        }
    };
    let ty = text("type");
    let responses = ty.starts_with("response.");
    let head = if responses {
        format!(
            "{ty}|{}|{}|{}|{}|",
            text("item_id"),
            text("output_index"),
            text("content_index"),
            text("summary_index")
        )
    } else {
        String::new()
    };
    let top_scope = responses.then(|| format!("item|{}|{}", text("item_id"), text("output_index")));
    let mut out = Vec::new();
    let mut walk = Walk {
        src,
        arguments_delta: ty.ends_with("_arguments.delta"),
        out: &mut out,
    };
    let mut path = head;
    walk.value(&root, &mut path, top_scope.as_deref(), "");
    Some(out)
}

struct Walk<'a> {
    src: &'a str,
    arguments_delta: bool,
    out: &'a mut Vec<StrInfo>,
}

impl Walk<'_> {
    fn value(&mut self, v: &Value, path: &mut String, scope: Option<&str>, key: &str) {
        match v {
            Value::String(s) => self.out.push(StrInfo {
                start: s.span.start,
                end: s.span.end,
                channel: path.clone(),
                scope: scope.unwrap_or("").to_string(),
                nested: key == "arguments" || (key == "delta" && self.arguments_delta),
            }),
            Value::Object(members) => {
                for m in members {
                    let k = m.key.decode(self.src);
                    let len = path.len();
                    path.push('/');
                    path.push_str(&k);
                    self.value(&m.value, path, scope, &k);
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    match item.get(self.src, "index") {
                        Some(Value::Number(n)) => {
                            path.push('#');
                            path.push_str(n.of(self.src));
                        }
                        _ => path.push_str(&format!("@{i}")),
                    }
                    // The first array element on the path (a choice) scopes what is below.
                    let own = scope.is_none().then(|| path.clone());
                    self.value(item, path, scope.or(own.as_deref()), "");
                    path.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

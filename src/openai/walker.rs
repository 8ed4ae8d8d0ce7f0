//! The content walker: lists every string of a request body that can carry text, and every
//! number, so that nothing the upstream reads goes unscanned.
//!
//! Every string is visited, including under keys the walker does not know (`metadata`,
//! `user`, tool schemas, future API fields), and so is every member name that is not one of
//! the API's own words ([`super::names`]: a `metadata` key, a schema property), except:
//! - in a request body, values of structural keys whose meaning the upstream parses
//!   (`model`, `role`, `type`, ids): scanning cannot find text there and rewriting them would
//!   break the request (free-form JSON, such as JSON inside a string, is walked whole);
//! - the top-level members an operation names as identifiers of a person (an invitation's
//!   `email`), sent as they are, like ids;
//! - `data:` URLs and long base64 blobs (images, audio, files), and token ids (a `prompt` or
//!   `input` of integers), which are counted instead ([`Unscannable`]).
//!
//! Each string is scanned on its own. A conversation string also says where it sits ([`Turn`]:
//! which message, of which role, and which part of its `content`), so that the pipeline can
//! look across the join of two adjacent text parts of one message, or of two consecutive
//! messages of one role, for a value split between them. Nothing else is ever read together
//! with its neighbours: an `image_url`, a `file_id` or `file_data` beside a text part is a
//! string of its own.

use super::names::{word, Word};
use super::unscannable::Unscannable;
use crate::json::{Span, Str, Value};

/// Base64 blobs shorter than this are scanned as text.
const BLOB_MIN_LEN: usize = 256;

/// A string to scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSeg {
    /// The string token.
    pub str: Str,
    /// Conversation text (under `content`, `text`, `input`, `prompt`, `instructions`,
    /// `output`).
    pub flow: bool,
    /// Where the string sits in a conversation, when it is a message's text: its `content`
    /// string, or the `text` of one of its `content` parts.
    pub turn: Option<Turn>,
    /// A member name (not a value).
    pub key: bool,
    /// A string value (or one string of a list of strings) whose member name is a text
    /// segment too (the segment before the first of them): the pipeline scans each with the
    /// name before it.
    pub named: bool,
    /// A message text that is an opaque blob (counted as unscannable): it is never read on its
    /// own, only across the joins of its run of texts.
    pub blob: bool,
}

/// A message's text: which message (of which role) and which part of its `content`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    /// The array of messages (one id per array of the document).
    pub list: u32,
    /// The message's index in that array.
    pub message: u32,
    /// The message's `role`.
    pub role: Str,
    /// The part's index in the message's `content` array and whether it is the last element
    /// (`None`: the `content` is this string).
    pub part: Option<(u32, bool)>,
}

impl Turn {
    /// Whether `next`, the next message text after this one in the document, continues it:
    /// the next part of the same `content`, or the first text of the next message of the
    /// same role right after this message's last.
    pub fn continued_by(&self, next: &Turn, src: &str) -> Joint {
        let same_message = (self.list, self.message) == (next.list, next.message);
        match (self.part, next.part) {
            (Some((i, _)), Some((j, _))) if same_message && i.checked_add(1) == Some(j) => {
                Joint::Parts
            }
            _ if same_message || next.list != self.list => Joint::None,
            (Some((_, false)), _) | (_, Some((1.., _))) => Joint::None,
            _ if self.message.checked_add(1) == Some(next.message)
                && self.role.decode(src) == next.role.decode(src) =>
            {
                Joint::Messages
            }
            _ => Joint::None,
        }
    }
}

/// How two message texts meet (see [`Turn::continued_by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joint {
    /// Not neighbours.
    None,
    /// Adjacent parts of one message's `content`.
    Parts,
    /// The end of one message and the start of the next, of the same role.
    Messages,
}

/// A number to scan, with the key it sits under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumSeg {
    /// The number token.
    pub span: Span,
    /// The member name it is the value of (or the array's member name).
    pub key: Option<Str>,
}

/// What the walk found.
#[derive(Debug, Default, Clone)]
pub struct Walk {
    /// Strings to scan, in document order.
    pub texts: Vec<TextSeg>,
    /// Numbers to scan, in document order.
    pub numbers: Vec<NumSeg>,
    /// What was not scanned: `data:` URLs and base64 blobs, token-id arrays.
    pub unscannable: Unscannable,
}

/// Walks a parsed request body (recursion is bounded by the parser's depth limit).
pub fn walk(src: &str, root: &Value, out: &mut Walk) {
    walk_with(src, root, true, &[], out);
}

/// Walks a parsed document. `api_keys`: the API's own member names
/// ([`super::names::word`]) and the values of the structural ones are not scanned, and
/// neither are the string values of the top-level members named in `ids`; false for
/// free-form JSON that no API parses (JSON inside a string, an evals item), where any name,
/// `"id"` or `"type"` may hold anything.
pub fn walk_with(src: &str, root: &Value, api_keys: bool, ids: &[&str], out: &mut Walk) {
    let mut w = Walker {
        src,
        out,
        lists: 0,
        api_keys,
        ids: if api_keys { ids } else { &[] },
        at_root: true,
    };
    w.visit(root, None, None, Place::Elsewhere);
}

struct Walker<'a, 'o, 'i> {
    src: &'a str,
    out: &'o mut Walk,
    /// Arrays seen so far (each gets an id).
    lists: u32,
    api_keys: bool,
    ids: &'i [&'i str],
    /// The next value visited is the document's root.
    at_root: bool,
}

/// Where a value sits, as far as [`Turn`] cares.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// Anywhere else.
    Elsewhere,
    /// A message (its turn, no part).
    Message(Turn),
    /// A message's `content`.
    Content(Turn),
    /// An element of a message's `content` array: a part.
    Part(Turn),
    /// A part's `text`.
    Text(Turn),
}

impl Walker<'_, '_, '_> {
    /// Visits `v`, the value of member `key` (an API word when `word` says which).
    fn visit(&mut self, v: &Value, key: Option<Str>, word: Option<Word>, place: Place) {
        let root = std::mem::replace(&mut self.at_root, false);
        match v {
            Value::String(s) => {
                if self.api_keys && word == Some(Word::Structural) {
                    return;
                }
                let flow = word == Some(Word::Flow);
                let turn = match place {
                    Place::Content(turn) | Place::Part(turn) | Place::Text(turn) if flow => {
                        Some(turn)
                    }
                    _ => None,
                };
                let blob = is_opaque_blob(s.span.of(self.src));
                if blob {
                    let u = &mut self.out.unscannable;
                    u.inline_base64 = u.inline_base64.saturating_add(1);
                    // A message text that is a blob stays in its run of texts, never read on
                    // its own: a value cut across it (a long token's rest) is read across
                    // the joins.
                    if turn.is_none() {
                        return;
                    }
                }
                self.out.texts.push(TextSeg {
                    str: *s,
                    flow,
                    turn,
                    key: false,
                    named: false,
                    blob,
                });
            }
            Value::Number(span) => self.out.numbers.push(NumSeg { span: *span, key }),
            Value::Array(items) => {
                if self.api_keys && word == Some(Word::Flow) && is_token_ids(self.src, key, items) {
                    let u = &mut self.out.unscannable;
                    u.token_ids = u.token_ids.saturating_add(1);
                    return;
                }
                self.visit_items(items, key, word, place);
            }
            Value::Object(members) => {
                for m in members {
                    // An identifier of a person the operation takes as it is (`email`).
                    if root
                        && matches!(m.value, Value::String(_))
                        && self.ids.iter().any(|id| m.key.eq_str(self.src, id))
                    {
                        continue;
                    }
                    // A member name is data too (`{"jane@example.com": 3}`): every name of
                    // free-form JSON, and a request's names other than the API's own words.
                    let word = word_of(self.src, m.key);
                    let named = !self.api_keys || word.is_none();
                    if named {
                        self.out.texts.push(TextSeg {
                            str: m.key,
                            flow: false,
                            turn: None,
                            key: true,
                            named: false,
                            blob: false,
                        });
                    }
                    let before = self.out.texts.len();
                    let inner = match place {
                        Place::Message(t) if m.key.eq_str(self.src, "content") => Place::Content(t),
                        Place::Part(t) if m.key.eq_str(self.src, "text") => Place::Text(t),
                        _ => Place::Elsewhere,
                    };
                    self.visit(&m.value, Some(m.key), word, inner);
                    // A string, or a list of strings only (`{"phones":["415..."]}`), goes with
                    // its name. (Conversation text is read as the model reads it, without.)
                    let strings = || match &m.value {
                        Value::String(_) => true,
                        Value::Array(items) => items.iter().all(|v| matches!(v, Value::String(_))),
                        _ => false,
                    };
                    if named && word != Some(Word::Flow) && strings() {
                        for value in self.out.texts.get_mut(before..).unwrap_or_default() {
                            value.named = true;
                        }
                    }
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }

    /// Visits the items of an array: the parts of a message's `content`, messages (objects
    /// with a `role`), or anything else.
    fn visit_items(&mut self, items: &[Value], key: Option<Str>, word: Option<Word>, place: Place) {
        let list = self.lists;
        self.lists = self.lists.wrapping_add(1);
        for (i, item) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let place = match place {
                Place::Content(turn) => Place::Part(Turn {
                    part: Some((i, last)),
                    ..turn
                }),
                _ => match self.role(item) {
                    Some(role) => Place::Message(Turn {
                        list,
                        message: i,
                        role,
                        part: None,
                    }),
                    None => Place::Elsewhere,
                },
            };
            self.visit(item, key, word, place);
        }
    }

    /// The `role` of a message: an object with a string `role`.
    fn role(&self, v: &Value) -> Option<Str> {
        match v {
            Value::Object(members) => members.iter().find_map(|m| match &m.value {
                Value::String(r) if m.key.eq_str(self.src, "role") => Some(*r),
                _ => None,
            }),
            _ => None,
        }
    }
}

/// A `prompt` or `input` given as token ids: a non-empty array of numbers only (a list of
/// such prompts is an array of them, each counted).
fn is_token_ids(src: &str, key: Option<Str>, items: &[Value]) -> bool {
    key.is_some_and(|k| k.eq_str(src, "prompt") || k.eq_str(src, "input"))
        && !items.is_empty()
        && items.iter().all(|v| matches!(v, Value::Number(_)))
}

/// What member name `key` is among the API's words (judged decoded: `typ\u0065` is `type`).
fn word_of(src: &str, key: Str) -> Option<Word> {
    if key.escaped {
        word(&key.decode(src))
    } else {
        word(key.span.of(src))
    }
}

/// A `data:...;base64,` URL whose payload is base64 (a `/` may be escaped as `\/`), or a long
/// run of base64 characters with no spaces. Judged on the raw JSON string contents; the
/// pipeline also asks it of a rewritten string's decoded text (a blob's raw bytes decode to
/// a blob, so that is the more cautious question).
pub(crate) fn is_opaque_blob(raw: &str) -> bool {
    if let Some(rest) = raw.strip_prefix("data:") {
        let Some((head, payload)) = rest.split_once(',') else {
            return false;
        };
        if !head.ends_with(";base64") {
            return false;
        }
        // Anything else (a space, `@`, `-`) is text behind a data-URL prefix: scanned.
        let mut bytes = payload.bytes();
        while let Some(b) = bytes.next() {
            let base64 = b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'=')
                || (b == b'\\' && bytes.next() == Some(b'/'));
            if !base64 {
                return false;
            }
        }
        return true;
    }
    // `=` is base64's padding, at the end only: `AWS_SESSION_TOKEN=IQoJb3…` is an assignment
    // of a secret, not a blob.
    let body = raw.trim_end_matches('=');
    raw.len() >= BLOB_MIN_LEN
        && raw.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
        && raw.bytes().any(|b| b.is_ascii_digit())
        && raw.bytes().any(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, Limits};

    fn texts(src: &str) -> Vec<(String, Option<Turn>)> {
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(src, &v, &mut w);
        w.texts
            .iter()
            .map(|t| (t.str.decode(src).into_owned(), t.turn))
            .collect()
    }

    #[test]
    fn visits_text_and_unknown_fields_not_structure() {
        let src = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],
            "metadata":{"note":"x"},"user":"u1","tools":[{"type":"function",
            "function":{"name":"f","description":"d","parameters":{"type":"object"}}}]}"#;
        let t: Vec<String> = texts(src).into_iter().map(|(s, _)| s).collect();
        assert_eq!(t, ["hi", "note", "x", "u1", "f", "d"]);
    }

    #[test]
    fn caller_chosen_member_names_are_text_and_the_apis_are_not() {
        let src = r#"{"model":"m","metadata":{"jane@example.com":"v","$ref":"w"},
            "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object",
            "properties":{"acct 4111":{"type":"string"}},"additionalProperties":false}}}],
            "x_fut\u0075re":{"typ\u0065":1}}"#;
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(src, &v, &mut w);
        let names: Vec<String> = w
            .texts
            .iter()
            .filter(|t| t.key)
            .map(|t| t.str.decode(src).into_owned())
            .collect();
        // Names are judged decoded: `typ\u0065` is the API's `type`, `x_fut\u0075re` is not.
        assert_eq!(names, ["jane@example.com", "acct 4111", "x_future"]);
        // Every name of free-form JSON is text, the API's words included.
        let mut w = Walk::default();
        walk_with(src, &v, false, &[], &mut w);
        assert_eq!(w.texts.iter().filter(|t| t.key).count(), 16);
    }

    #[test]
    fn conversation_text_is_flow_and_other_strings_are_not() {
        let src = r#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"b"}]}],"metadata":{"k":"c"},"user":"d"}"#;
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(src, &v, &mut w);
        let flows: Vec<bool> = w.texts.iter().map(|t| t.flow).collect();
        // `k`, a caller's name, is text too, and no conversation text.
        assert_eq!(flows, [true, true, false, false, false]);
    }

    /// How each message text meets the next one, in document order.
    fn joints(src: &str) -> Vec<Joint> {
        let t = texts(src);
        let turns: Vec<Turn> = t.iter().filter_map(|(_, turn)| *turn).collect();
        turns
            .windows(2)
            .map(|w| w[0].continued_by(&w[1], src))
            .collect()
    }

    #[test]
    fn message_texts_know_their_message_role_and_part() {
        let src = r#"{"messages":[{"role":"user","content":[{"type":"text","text":"a"},
            {"type":"image_url","image_url":{"url":"https://example.org/c.png"}},
            {"type":"text","text":"b"}]},{"role":"user","content":"c","name":"n"}]}"#;
        let t = texts(src);
        let names: Vec<&str> = t.iter().map(|(s, _)| s.as_str()).collect();
        // The URL and the caller's name are strings of their own, in no message text.
        assert_eq!(names, ["a", "https://example.org/c.png", "b", "c", "n"]);
        let turn = |i: usize| t[i].1.unwrap();
        assert_eq!((turn(0).message, turn(0).part), (0, Some((0, false))));
        assert_eq!((turn(2).message, turn(2).part), (0, Some((2, true))));
        assert_eq!((turn(3).message, turn(3).part), (1, None));
        assert!(t[1].1.is_none() && t[4].1.is_none());
        // `a` and `b` are not adjacent parts (the image is between them); `b` ends its message
        // and `c` starts the next one of the same role.
        assert_eq!(joints(src), [Joint::None, Joint::Messages]);
    }

    #[test]
    fn only_adjacent_parts_and_consecutive_messages_of_one_role_meet() {
        let parts = r#"{"input":[{"role":"user","content":[{"type":"input_text","text":"a"},
            {"type":"input_text","text":"b"}]}]}"#;
        assert_eq!(joints(parts), [Joint::Parts]);
        let roles = r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
            {"role":"assistant","content":"c"},{"role":"user","content":"d"}]}"#;
        assert_eq!(joints(roles), [Joint::None, Joint::Messages, Joint::None]);
        // Not the last part of its message, or not the first of the next: no join.
        let inner = r#"{"messages":[{"role":"user","content":[{"type":"text","text":"a"},
            {"type":"image_url","image_url":{"url":"u"}}]},{"role":"user","content":[
            {"type":"image_url","image_url":{"url":"v"}},{"type":"text","text":"b"}]}]}"#;
        assert_eq!(joints(inner), [Joint::None]);
        // Strings of a prompt or an input list are separate inputs, never one text.
        let lists = r#"{"prompt":["a","b"],"input":["c","d"],"instructions":"e"}"#;
        assert!(texts(lists).iter().all(|(_, turn)| turn.is_none()));
        // Messages of one array after a nested one keep their own list.
        let nested = r#"{"messages":[{"role":"user","content":"a","x":[{"role":"user","content":"z"}]},
            {"role":"user","content":"b"}]}"#;
        assert_eq!(joints(nested), [Joint::None, Joint::None]);
    }

    #[test]
    fn skips_data_urls_and_blobs_and_counts_them() {
        let blob = "QUJD".repeat(100) + "9Z";
        let src = format!(
            r#"{{"url":"data:image/png;base64,iVBORw0KGgo=","data":"{blob}","text":"data:text/plain,hello"}}"#
        );
        let v = parse(&src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(&src, &v, &mut w);
        assert_eq!(w.unscannable.inline_base64, 2);
        assert_eq!(w.texts.len(), 1);
    }

    #[test]
    fn an_assignment_of_a_long_base64_secret_is_no_blob() {
        // `=` is padding, at a blob's end only: a variable set to a session token is text.
        let token = "IQoJb3JpZ2luX2Vj".to_string() + &"Ab9+/Zx7".repeat(40);
        assert!(!is_opaque_blob(&format!("AWS_SESSION_TOKEN={token}")));
        assert!(is_opaque_blob(&token));
        assert!(is_opaque_blob(&format!("{token}==")));
        assert!(!is_opaque_blob(&format!("{token}===")));
    }

    #[test]
    fn text_behind_a_data_url_prefix_is_scanned() {
        // Only a base64 payload is opaque (`\/` is an escaped `/`); anything else is text.
        let src = r#"{"url":"data:;base64, my SSN is 536-22-8351","data":"data:;base64,jane@example.com",
            "text":"data:image/png;base64,iVBO\/Rw0KGgo="}"#;
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(src, &v, &mut w);
        assert_eq!(w.unscannable.inline_base64, 1);
        assert_eq!(w.texts.len(), 2);
    }

    #[test]
    fn numbers_keep_their_key() {
        let src = r#"{"ssn":123456789,"list":[1,2]}"#;
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(src, &v, &mut w);
        assert_eq!(w.numbers.len(), 3);
        assert!(w.numbers[0].key.unwrap().eq_str(src, "ssn"));
        assert!(w.numbers[2].key.unwrap().eq_str(src, "list"));
    }

    #[test]
    fn token_ids_are_counted_not_scanned() {
        let walked = |src: &str| {
            let v = parse(src, &Limits::default()).unwrap();
            let mut w = Walk::default();
            walk(src, &v, &mut w);
            w
        };
        // Completions `prompt` and embeddings `input`, one list or a list of lists.
        let w = walked(r#"{"model":"m","prompt":[1212,318,257,1332]}"#);
        assert_eq!((w.unscannable.token_ids, w.numbers.len()), (1, 0));
        let w = walked(r#"{"input":[[536225921,2],[3]],"dimensions":8}"#);
        assert_eq!((w.unscannable.token_ids, w.numbers.len()), (2, 1));
        // Text stays text; numbers elsewhere stay numbers; an empty list is no token list.
        let w = walked(r#"{"input":["a",[1,2]],"list":[1,2],"prompt":[]}"#);
        assert_eq!(
            (w.unscannable.token_ids, w.numbers.len(), w.texts.len()),
            (1, 2, 2)
        );
        // Free-form JSON (a fine-tune line) has no token ids: its numbers are data.
        let src = r#"{"input":[536225921]}"#;
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk_with(src, &v, false, &[], &mut w);
        assert_eq!((w.unscannable.token_ids, w.numbers.len()), (0, 1));
    }

    #[test]
    fn an_operations_identifiers_are_sent_as_they_are_at_the_top_level_only() {
        let src = r#"{"email":"jane@example.com","role":"reader","projects":[{"email":"x@y.z"}]}"#;
        let v = parse(src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk_with(src, &v, true, &["email"], &mut w);
        let t: Vec<String> = w
            .texts
            .iter()
            .map(|t| t.str.decode(src).into_owned())
            .collect();
        assert_eq!(t, ["projects", "email", "x@y.z"]);
        // Without the operation's list, the address is scanned.
        let mut w = Walk::default();
        walk(src, &v, &mut w);
        assert_eq!(w.texts.len(), 5);
    }

    #[test]
    fn encrypted_reasoning_is_the_apis_own_and_neither_scanned_nor_counted() {
        let blob = "gAAAAABo".to_string() + &"Zx9Q".repeat(100);
        let src = format!(
            r#"{{"input":[{{"type":"reasoning","id":"rs_1","encrypted_content":"{blob}","summary":[]}}]}}"#
        );
        let v = parse(&src, &Limits::default()).unwrap();
        let mut w = Walk::default();
        walk(&src, &v, &mut w);
        assert_eq!(w.unscannable.total(), 0);
        assert!(w.texts.is_empty());
    }
}

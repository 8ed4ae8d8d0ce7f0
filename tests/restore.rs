//! The reply restorer against every streamed shape it must restore: each placeholder cut
//! across SSE events at every offset, in every event type (chat completion chunks: content,
//! refusal, tool-call arguments, audio transcript; completions text; Responses output text,
//! refusal, function-call arguments and reasoning summary deltas), with values that need
//! escaping and values that do not, the stream's bytes also cut into network chunks anywhere.
//! Shapes from OpenAI's API reference (`CreateChatCompletionStreamResponse`,
//! `CreateCompletionResponse`, `ResponseStreamEvent` in openai/openai-openapi).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::detect::RuleMeta;
use openai_compliance_filter::restore::{Minted, Restorer, Table};
use serde_json::{json, Value};

const EMAIL: &str = "[EMAIL_123456]";
const NAME: &str = "[CUSTOMER_654321]";

fn rules() -> Vec<RuleMeta> {
    [("email", "contact"), ("customer", "person")]
        .iter()
        .map(|(id, c)| RuleMeta {
            id: (*id).into(),
            category: (*c).into(),
            label: id.to_ascii_uppercase().into(),
            action: None,
        })
        .collect()
}

/// Values that need no escaping, and values that need every kind.
const VALUES: [(&str, &str); 2] = [
    ("jane@example.com", "Jane Doe"),
    ("o\"b\\r@x.io", "Zoë \"Zed\"\n\tÜnal\\Ops \u{1}"),
];

fn table(values: (&str, &str)) -> Table {
    let m = |p: &str, v: &str, rule| Minted {
        placeholder: p.into(),
        value: v.into(),
        rule,
    };
    Table::new(vec![m(EMAIL, values.0, 0), m(NAME, values.1, 1)], &rules()).unwrap()
}

/// One streamed field: its event name, the event's data for a piece, and where the piece is.
struct Shape {
    name: &'static str,
    event: Option<&'static str>,
    data: fn(&str) -> Value,
    field: fn(&Value) -> Option<&str>,
    /// The field holds JSON text (tool-call arguments).
    json: bool,
}

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            name: "chat content",
            event: None,
            data: |p| json!({"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":p},"finish_reason":null}]}),
            field: |v| v["choices"][0]["delta"]["content"].as_str(),
            json: false,
        },
        Shape {
            name: "chat refusal",
            event: None,
            data: |p| json!({"choices":[{"index":0,"delta":{"refusal":p}}]}),
            field: |v| v["choices"][0]["delta"]["refusal"].as_str(),
            json: false,
        },
        Shape {
            name: "chat tool-call arguments",
            event: None,
            data: |p| json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":p}}]}}]}),
            field: |v| v["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str(),
            json: true,
        },
        Shape {
            name: "chat audio transcript",
            event: None,
            data: |p| json!({"choices":[{"index":0,"delta":{"audio":{"transcript":p}}}]}),
            field: |v| v["choices"][0]["delta"]["audio"]["transcript"].as_str(),
            json: false,
        },
        Shape {
            name: "completions text",
            event: None,
            data: |p| json!({"object":"text_completion","choices":[{"text":p,"index":0,"logprobs":null,"finish_reason":null}]}),
            field: |v| v["choices"][0]["text"].as_str(),
            json: false,
        },
        Shape {
            name: "responses output text",
            event: Some("response.output_text.delta"),
            data: |p| json!({"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":p,"logprobs":[]}),
            field: |v| v["delta"].as_str(),
            json: false,
        },
        Shape {
            name: "responses refusal",
            event: Some("response.refusal.delta"),
            data: |p| json!({"type":"response.refusal.delta","item_id":"msg_1","output_index":0,"content_index":1,"delta":p}),
            field: |v| v["delta"].as_str(),
            json: false,
        },
        Shape {
            name: "responses function-call arguments",
            event: Some("response.function_call_arguments.delta"),
            data: |p| json!({"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":p}),
            field: |v| v["delta"].as_str(),
            json: true,
        },
        Shape {
            name: "responses function-call arguments, no event line",
            event: None,
            data: |p| json!({"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":p}),
            field: |v| v["delta"].as_str(),
            json: true,
        },
        Shape {
            name: "responses reasoning summary",
            event: Some("response.reasoning_summary_text.delta"),
            data: |p| json!({"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":p}),
            field: |v| v["delta"].as_str(),
            json: false,
        },
    ]
}

/// The field's full text with placeholders, and with the values.
fn texts(shape: &Shape, values: (&str, &str)) -> (String, String) {
    if shape.json {
        let with = |a: &str, b: &str| {
            json!({"to": a, "cc": [b], "note": format!("{a} and {b}")}).to_string()
        };
        (with(EMAIL, NAME), with(values.0, values.1))
    } else {
        (
            format!("Dear {NAME}, we wrote to {EMAIL}.[x] [{EMAIL}]"),
            format!(
                "Dear {}, we wrote to {}.[x] [{}]",
                values.1, values.0, values.0
            ),
        )
    }
}

/// `text` cut at `cuts` (byte offsets), as the events of `shape`, then a closing event.
fn stream(shape: &Shape, text: &str, cuts: &[usize], crlf: bool) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut points: Vec<usize> = cuts
        .iter()
        .copied()
        .filter(|&c| c > 0 && c < text.len())
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut out = String::new();
    let mut last = 0;
    for &p in points.iter().chain(std::iter::once(&text.len())) {
        let piece = &text[last..p];
        last = p;
        if let Some(e) = shape.event {
            out.push_str(&format!("event: {e}{nl}"));
        }
        out.push_str(&format!("data: {}{nl}{nl}", (shape.data)(piece)));
    }
    out.push_str(&format!(": a comment{nl}{nl}data: [DONE]{nl}{nl}"));
    out.into_bytes()
}

/// The stream through a restorer, fed in chunks cut at `chunks`; its events' data.
fn restore(table: Table, sse: &[u8], chunks: &[usize]) -> (Vec<u8>, Vec<(u32, String)>) {
    let mut r = Restorer::new(table, Some(b"text/event-stream; charset=utf-8"), None).unwrap();
    let mut out = Vec::new();
    let mut last = 0;
    for &c in chunks.iter().chain(std::iter::once(&sse.len())) {
        let c = c.clamp(last, sse.len());
        // As the exchange does: a chunk that passes goes on as it is.
        if r.passes(&sse[last..c]) {
            out.extend_from_slice(&sse[last..c]);
        } else {
            r.feed(&sse[last..c], &mut out);
        }
        last = c;
    }
    r.finish(&mut out);
    let counts = r.restored().map(|(c, n)| (n, c.to_string())).collect();
    (out, counts)
}

/// The field of every event of the restored stream, concatenated; every data line must be
/// JSON (or `[DONE]`).
fn field_text(shape: &Shape, out: &[u8]) -> String {
    let text = String::from_utf8(out.to_vec()).expect("UTF-8 out");
    let mut got = String::new();
    for line in text.split(['\n', '\r']) {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        if data == "[DONE]" {
            continue;
        }
        let v: Value = serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}"));
        got.push_str((shape.field)(&v).expect("the field"));
    }
    got
}

#[test]
fn every_split_offset_of_every_placeholder_in_every_event_type() {
    for values in VALUES {
        for shape in shapes() {
            let (with, want) = texts(&shape, values);
            for placeholder in [EMAIL, NAME] {
                for (at, _) in with.match_indices(placeholder) {
                    for k in 1..placeholder.len() {
                        // Cut inside the placeholder at k, and at k+3 too (three events).
                        for cuts in [vec![at + k], vec![at + k, at + k + 3], vec![at, at + k]] {
                            let sse = stream(&shape, &with, &cuts, false);
                            let (out, _) = restore(table(values), &sse, &[]);
                            let got = field_text(&shape, &out);
                            if shape.json {
                                let g: Value = serde_json::from_str(&got).unwrap();
                                let w: Value = serde_json::from_str(&want).unwrap();
                                assert_eq!(g, w, "{} {cuts:?}", shape.name);
                            }
                            assert_eq!(got, want, "{} {placeholder} cut {cuts:?}", shape.name);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn network_chunks_cut_at_every_byte() {
    for values in VALUES {
        for shape in shapes() {
            let (with, want) = texts(&shape, values);
            let cuts: Vec<usize> = with.match_indices('[').map(|(i, _)| i + 2).collect();
            for crlf in [false, true] {
                let sse = stream(&shape, &with, &cuts, crlf);
                for a in 0..=sse.len() {
                    let (out, counts) = restore(table(values), &sse, &[a, a + 5]);
                    assert_eq!(
                        field_text(&shape, &out),
                        want,
                        "{} chunk at {a}",
                        shape.name
                    );
                    let total: u32 = counts.iter().map(|(n, _)| n).sum();
                    let want_total = if shape.json { 4 } else { 3 };
                    assert_eq!(total, want_total, "{} chunk at {a}: {counts:?}", shape.name);
                }
            }
        }
    }
}

/// A tiny deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

#[test]
fn random_cuts_and_chunks_restore_the_same_text() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let values = VALUES[round % 2];
        let shapes = shapes();
        let shape = &shapes[rng.below(shapes.len())];
        let (with, want) = texts(shape, values);
        let cuts: Vec<usize> = (0..rng.below(12)).map(|_| rng.below(with.len())).collect();
        // Cuts inside a character are moved to its start.
        let cuts: Vec<usize> = cuts
            .into_iter()
            .map(|mut c| {
                while !with.is_char_boundary(c) {
                    c -= 1;
                }
                c
            })
            .collect();
        let sse = stream(shape, &with, &cuts, round % 3 == 0);
        let mut chunks: Vec<usize> = (0..rng.below(8)).map(|_| rng.below(sse.len())).collect();
        chunks.sort_unstable();
        let (out, _) = restore(table(values), &sse, &chunks);
        assert_eq!(
            field_text(shape, &out),
            want,
            "{} {cuts:?} {chunks:?}",
            shape.name
        );
    }
}

#[test]
fn interleaved_choices_are_held_behind_a_cut_placeholder_and_stay_in_order() {
    let ev = |i: u32, p: &str| {
        format!(
            "data: {}\n\n",
            json!({"choices":[{"index":i,"delta":{"content":p}}]})
        )
    };
    let sse = [
        ev(0, "Hi [EMA"),
        ev(1, "other [X"),
        ev(1, "] choice"),
        ev(0, "IL_123456] there"),
        ev(0, " end"),
    ]
    .concat();
    let (out, counts) = restore(table(VALUES[0]), sse.as_bytes(), &[]);
    let out = String::from_utf8(out).unwrap();
    let want = [
        ev(0, "Hi "),
        ev(1, "other [X"),
        ev(1, "] choice"),
        ev(0, "jane@example.com there"),
        ev(0, " end"),
    ]
    .concat();
    assert_eq!(out, want);
    assert_eq!(counts, vec![(1, "contact".to_string())]);
}

#[test]
fn a_cut_prefix_that_never_completes_goes_on_unchanged() {
    let ev = |p: &str| {
        format!(
            "data: {}\n\n",
            json!({"choices":[{"index":0,"delta":{"content":p}}]})
        )
    };
    let finish = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    for tail in ["[EMA", "[EMAIL_12345"] {
        // Another continuation, the end of the field, the end of the stream.
        for next in [ev("x"), ev("IL_9]"), finish.to_string(), String::new()] {
            let sse = format!("{}{}data: [DONE]\n\n", ev(&format!("a {tail}")), next);
            let (out, counts) = restore(table(VALUES[0]), sse.as_bytes(), &[]);
            assert_eq!(String::from_utf8(out).unwrap(), sse, "{tail} {next}");
            assert!(counts.is_empty());
        }
    }
}

#[test]
fn a_json_reply_is_restored_at_every_chunk_cut() {
    for values in VALUES {
        let args = json!({"to": EMAIL, "cc": [NAME]}).to_string();
        let reply = json!({
            "choices": [{"index": 0, "message": {"content": format!("Dear {NAME} ({EMAIL})"),
                "tool_calls": [{"function": {"arguments": args}}]}}],
            "output": [{"type": "reasoning", "summary": [{"text": NAME}]}],
        })
        .to_string();
        for a in 0..=reply.len() {
            let t = table(values);
            let mut r = Restorer::new(t, Some(b"application/json"), None).unwrap();
            let mut out = Vec::new();
            r.feed(&reply.as_bytes()[..a], &mut out);
            r.feed(&reply.as_bytes()[a..], &mut out);
            r.finish(&mut out);
            let v: Value = serde_json::from_slice(&out).unwrap();
            let content = format!("Dear {} ({})", values.1, values.0);
            assert_eq!(v["choices"][0]["message"]["content"], content.as_str());
            let args = v["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
                .as_str()
                .unwrap();
            let args: Value = serde_json::from_str(args).unwrap();
            assert_eq!(args, json!({"to": values.0, "cc": [values.1]}));
            assert_eq!(v["output"][0]["summary"][0]["text"], values.1);
        }
    }
}

#[test]
fn gzip_and_deflate_replies_are_restored_and_decoded() {
    use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};
    let reply = format!("{{\"output_text\":\"to {EMAIL}\"}}");
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    gz.extend(compress_to_vec(reply.as_bytes(), 6));
    gz.extend([0u8; 8]);
    for (coding, body) in [
        ("gzip", gz),
        ("deflate", compress_to_vec_zlib(reply.as_bytes(), 6)),
    ] {
        let mut r = Restorer::new(
            table(VALUES[0]),
            Some(b"application/json"),
            Some(coding.as_bytes()),
        )
        .unwrap();
        assert!(r.decodes());
        let mut out = Vec::new();
        for c in body.chunks(3) {
            r.feed(c, &mut out);
        }
        r.finish(&mut out);
        assert_eq!(out, b"{\"output_text\":\"to jane@example.com\"}");
    }
    // A coding the filter cannot read, or a shape it does not restore: no restorer.
    assert!(Restorer::new(table(VALUES[0]), Some(b"application/json"), Some(b"br")).is_none());
    assert!(Restorer::new(table(VALUES[0]), Some(b"text/plain"), None).is_none());
}

#[path = "support/restore_properties.rs"]
mod restore_properties;

#[test]
fn the_fuzz_properties_hold_on_the_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/restore");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        restore_properties::check_restore(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n >= 8, "{n} seeds");
}

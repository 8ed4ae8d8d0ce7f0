//! The restorer's properties on arbitrary input, shared by the `restore` fuzz target and the
//! stable regression test (tests/restore.rs): no panic; the same output however the reply is
//! cut into chunks; a valid JSON reply, or an SSE stream of valid JSON events, stays valid;
//! and pseudonymising the output again (each value back to its placeholder) gives the reply
//! that came in.

use openai_compliance_filter::detect::RuleMeta;
use openai_compliance_filter::json::escape_into;
use openai_compliance_filter::restore::{Minted, Restorer, Table};

/// The placeholders and values of the property: one value that needs no escaping, one that
/// needs every kind.
pub const PAIRS: [(&str, &str); 2] = [
    ("[EMAIL_123456]", "jane@example.com"),
    ("[CUSTOMER_654321]", "Zo\u{eb} \"Zed\"\n\\ \u{1}"),
];

fn table() -> Option<Table> {
    let rules: Vec<RuleMeta> = ["contact", "person"]
        .iter()
        .map(|c| RuleMeta {
            id: (*c).into(),
            category: (*c).into(),
            label: c.to_ascii_uppercase().into(),
            action: None,
        })
        .collect();
    let minted = PAIRS
        .iter()
        .zip(0u16..)
        .map(|((p, v), rule)| Minted {
            placeholder: (*p).into(),
            value: (*v).into(),
            rule,
        })
        .collect();
    Table::new(minted, &rules)
}

fn run(body: &[u8], sse: bool, cuts: &[usize]) -> Vec<u8> {
    let kind: &[u8] = if sse {
        b"text/event-stream"
    } else {
        b"application/json"
    };
    let mut out = Vec::new();
    let Some(mut r) = table().and_then(|t| Restorer::new(t, Some(kind), None)) else {
        return out;
    };
    let mut last = 0;
    for &c in cuts {
        let c = c.clamp(last, body.len());
        let chunk = body.get(last..c).unwrap_or_default();
        // As the exchange does: a chunk that passes goes on as it is.
        if r.passes(chunk) {
            out.extend_from_slice(chunk);
        } else {
            r.feed(chunk, &mut out);
        }
        last = c;
    }
    r.feed(body.get(last..).unwrap_or_default(), &mut out);
    r.finish(&mut out);
    out
}

/// Every event's data of an SSE stream parses as JSON (`[DONE]` aside).
fn sse_events_valid(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    text.split(['\n', '\r'])
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .all(|d| d == "[DONE]" || serde_json::from_str::<serde_json::Value>(d).is_ok())
}

/// The output with each value written back as its placeholder (escaped twice first).
fn pseudonymise_again(out: &[u8]) -> Vec<u8> {
    let mut text = out.to_vec();
    for depth in [2, 1] {
        for (p, v) in PAIRS {
            let mut once = String::new();
            escape_into(v, &mut once);
            let form = if depth == 2 {
                let mut twice = String::new();
                escape_into(&once, &mut twice);
                twice
            } else {
                once
            };
            text = replace(&text, form.as_bytes(), p.as_bytes());
        }
    }
    text
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay.get(i..i + from.len()) == Some(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.extend(hay.get(i));
            i += 1;
        }
    }
    out
}

/// Checks the properties on `data`: its first byte picks JSON or SSE and how to cut it.
pub fn check_restore(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let sse = mode & 1 == 1;
    let whole = run(body, sse, &[]);
    // The same output whatever the chunks.
    let step = usize::from(mode >> 1).max(1);
    let cuts: Vec<usize> = (step..body.len()).step_by(step).collect();
    assert_eq!(run(body, sse, &cuts), whole, "chunks of {step}");
    // Valid stays valid.
    if sse {
        if sse_events_valid(body) {
            assert!(
                sse_events_valid(&whole),
                "an event's data stopped being JSON"
            );
        }
    } else if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&whole).is_ok(),
            "the reply stopped being JSON"
        );
    }
    // Restoring then pseudonymising again is stable, when the values were not in the reply:
    // restored again, it is the same output; a JSON body is the very reply that came in (an
    // SSE placeholder cut across events comes back whole, in the event where it ended).
    let values_absent = [&b"jane@"[..], "Zo\u{eb}".as_bytes(), b"Zed"]
        .iter()
        .all(|v| !body.windows(v.len()).any(|w| w == *v));
    if values_absent {
        let again = pseudonymise_again(&whole);
        assert_eq!(run(&again, sse, &[]), whole, "not stable");
        if !sse {
            assert_eq!(again, body, "not the reply that came in");
        }
    }
}

//! What reading a run of message texts across its joins costs, against the same texts as one
//! text (`pipeline/join.rs`), and how it grows with the run: prints ratios (`make bench-joins`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// One user message whose content is these text parts.
fn parts_body(texts: &[String]) -> String {
    let items: Vec<String> = texts
        .iter()
        .map(|t| format!(r#"{{"type":"text","text":{}}}"#, json(t)))
        .collect();
    format!(
        r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":[{}]}}]}}"#,
        items.join(",")
    )
}

/// Consecutive user messages, one per text.
fn messages_body(texts: &[String]) -> String {
    let items: Vec<String> = texts
        .iter()
        .map(|t| format!(r#"{{"role":"user","content":{}}}"#, json(t)))
        .collect();
    format!(r#"{{"model":"gpt-4o","messages":[{}]}}"#, items.join(","))
}

/// The best of a few runs of `inspect_body` over `body`, and its number of findings.
fn time(p: &Policy, body: &str) -> (Duration, u32) {
    let e = classify("POST", "/v1/chat/completions").unwrap();
    let mut best = Duration::MAX;
    let mut n = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let out = inspect_body(p, &p.actions, &e, body.as_bytes());
        best = best.min(t.elapsed());
        n = out.counts.total();
        if let Verdict::Deny(r) = out.verdict() {
            println!("  (refused: {r:?})");
        }
    }
    (best, n)
}

/// A small generator (xorshift), so the texts are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick(&mut self, cs: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(cs[(self.next() % cs.len() as u64) as usize]))
            .collect()
    }
}

/// Prints the run's time against the one text's, for `texts` as parts (joined with nothing)
/// or as messages (joined with a space).
fn compare(p: &Policy, what: &str, texts: &[String], as_messages: bool) {
    let (run, one) = match as_messages {
        true => (messages_body(texts), messages_body(&[texts.join(" ")])),
        false => (parts_body(texts), parts_body(&[texts.concat()])),
    };
    let (t_run, n_run) = time(p, &run);
    let (t_one, n_one) = time(p, &one);
    println!(
        "{what:58} {:>5} texts {:>8} B: run {:>9.2?} ({n_run} found), one text {:>9.2?} ({n_one} found), ratio {:.1}",
        texts.len(),
        run.len(),
        t_run,
        t_one,
        t_run.as_secs_f64() / t_one.as_secs_f64().max(1e-9)
    );
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn main() {
    let p = Policy::from_json(b"{}").unwrap();
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let words = [
        "the", "order", "ships", "on", "Monday", "and", "invoice", "42", "is", "attached",
    ];
    // 2,000 tiny parts.
    let tiny: Vec<String> = (0..2000)
        .map(|i| format!("{} ", words[i % words.len()]))
        .collect();
    compare(&p, "2,000 tiny parts", &tiny, false);
    let tiny: Vec<String> = (0..20_000)
        .map(|i| format!("{} ", words[i % words.len()]))
        .collect();
    compare(&p, "20,000 tiny parts", &tiny, false);
    // 200 parts of 8 KiB of glued base64-like text (a `.` every 64 bytes: a run of base64
    // alone would be an opaque blob, not read at all).
    let glued: Vec<String> = (0..200)
        .map(|_| (0..128).map(|_| r.pick(B64, 63) + ".").collect::<String>())
        .collect();
    compare(
        &p,
        "200 parts x 8 KiB glued base64 with dots",
        &glued,
        false,
    );
    let hex: Vec<String> = (0..200)
        .map(|_| r.pick(b"0123456789abcdef", 8192))
        .collect();
    compare(&p, "200 parts x 8 KiB glued lowercase hex", &hex, false);
    // 500 messages of one role.
    let prose: Vec<String> = (0..500)
        .map(|i| {
            format!("Message {i}: the order ships on Monday and the invoice is attached, thanks.")
        })
        .collect();
    compare(&p, "500 user messages of prose", &prose, true);
    // Each join crossed by a value (an address cut in two): every join holds a finding.
    let split: Vec<String> = (0..2000)
        .map(|i| format!("mple.com and mail user{i}@exa"))
        .collect();
    compare(
        &p,
        "2,000 parts, an address across each join",
        &split,
        false,
    );
    let split: Vec<String> = (0..20_000)
        .map(|i| format!("mple.com and mail user{i}@exa"))
        .collect();
    compare(
        &p,
        "20,000 parts, an address across each join",
        &split,
        false,
    );
    let split: Vec<String> = (0..100_000)
        .map(|i| format!("mple.com and mail user{i}@exa"))
        .collect();
    compare(
        &p,
        "100,000 parts, an address across each join",
        &split,
        false,
    );
    // An address inside each part beside one across each join.
    let both: Vec<String> = (0..20_000)
        .map(|i| format!("mple.com, cc ops{i}@example.org, mail user{i}@exa"))
        .collect();
    compare(
        &p,
        "20,000 parts, an address inside and one across",
        &both,
        false,
    );
    // Card-like digit groups everywhere: findings at many window edges.
    let digits: Vec<String> = (0..500)
        .map(|_| "4242 4242 4242 4242 ".repeat(50))
        .collect();
    compare(
        &p,
        "500 parts x 1 KiB of card-like digit groups",
        &digits,
        false,
    );
    // A key block's header, then prose it runs on into (a PEM body without an END line reads
    // letters and blanks): its window widens to the cap.
    let mut pem: Vec<String> = vec!["-----BEGIN PRIVATE KEY-----\n".to_string()];
    pem.extend(
        (0..200).map(|_| "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC ".repeat(160)),
    );
    compare(
        &p,
        "200 parts x 8 KiB after a key block's header",
        &pem,
        false,
    );
    // Growth: eight times the parts, each with an address inside and one across its join,
    // should cost about eight times as much (it took seconds at 100,000 parts when every
    // candidate was checked against every text of the run).
    let timed = |n: usize| {
        let texts: Vec<String> = (0..n)
            .map(|i| format!("mple.com, cc ops{i}@example.org, mail user{i}@exa"))
            .collect();
        time(&p, &parts_body(&texts)).0
    };
    let (small, large) = (timed(10_000), timed(80_000));
    println!(
        "{:58} 10,000 parts {small:>9.2?}, 80,000 parts {large:>9.2?}: ratio {:.1} (linear: 8)",
        "growth of a run",
        large.as_secs_f64() / small.as_secs_f64().max(1e-9)
    );
}

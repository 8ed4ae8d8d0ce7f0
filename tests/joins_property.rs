//! A value found when alone in one text part is found when that text is cut into 2, 3 or 5
//! parts anywhere (chat completions and Responses), or into consecutive messages of one role
//! at its blanks: nothing of its secret-bearing part reaches the upstream (no run of 12 of its
//! characters, fewer for a short value), and it is counted as often as when alone.
//!
//! Keys are random strings in each provider's documented format, cards and IBANs public test
//! numbers, the key blocks throwaway keys made for these tests (`openssl genpkey`,
//! `ssh-keygen`). Known limits, not checked here: a piece that is a base64 run of 256 bytes or
//! more is an opaque blob (`unscannable.inline_base64`), not read, and breaks the run; an
//! e-mail address cut in its local part whose rest alone is an address keeps the cut-off
//! start (`priya.natara` + `jan@…`: not told from a word glued before an address); a key's
//! last seven characters or fewer, or a rest too plain to tell from a word, stay where they
//! are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};

#[path = "support/b64.rs"]
mod b64;
use b64::b64url;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    ChatParts,
    ResponsesParts,
    Messages,
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The texts the upstream gets for `texts` in `mode`, and the number of findings.
fn run(p: &Policy, texts: &[String], mode: Mode) -> (Vec<String>, u32) {
    let (path, body) = match mode {
        Mode::ChatParts => {
            let items: Vec<String> = texts
                .iter()
                .map(|t| format!(r#"{{"type":"text","text":{}}}"#, json(t)))
                .collect();
            let body = format!(
                r#"{{"model":"gpt-4o","messages":[{{"role":"system","content":"Be brief."}},{{"role":"user","content":[{}]}}]}}"#,
                items.join(",")
            );
            ("/v1/chat/completions", body)
        }
        Mode::ResponsesParts => {
            let items: Vec<String> = texts
                .iter()
                .map(|t| format!(r#"{{"type":"input_text","text":{}}}"#, json(t)))
                .collect();
            let body = format!(
                r#"{{"model":"gpt-4.1","instructions":"Be brief.","input":[{{"role":"user","content":[{}]}}]}}"#,
                items.join(",")
            );
            ("/v1/responses", body)
        }
        Mode::Messages => {
            let items: Vec<String> = texts
                .iter()
                .map(|t| format!(r#"{{"role":"user","content":{}}}"#, json(t)))
                .collect();
            let body = format!(r#"{{"model":"gpt-4o","messages":[{}]}}"#, items.join(","));
            ("/v1/chat/completions", body)
        }
    };
    let e = classify("POST", path).unwrap();
    let out = inspect_body(p, &p.actions, &e, body.as_bytes());
    let got = match out.verdict() {
        Verdict::Rewrite(b) => {
            let v: serde_json::Value = serde_json::from_slice(b).unwrap();
            let text = |x: &serde_json::Value| x.as_str().unwrap().to_string();
            match mode {
                Mode::ChatParts => v["messages"][1]["content"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| text(&p["text"]))
                    .collect(),
                Mode::ResponsesParts => v["input"][0]["content"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| text(&p["text"]))
                    .collect(),
                Mode::Messages => v["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| text(&m["content"]))
                    .collect(),
            }
        }
        Verdict::Forward => texts.to_vec(),
        Verdict::Deny(r) => panic!("{texts:?}: refused {r:?}"),
    };
    (got, out.counts.total())
}

/// A small generator (xorshift), so the values and the cuts are the same on every run.
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
            .map(|_| char::from(cs[self.below(cs.len())]))
            .collect()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const B62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DIGITS: &[u8] = b"0123456789";

/// A value in its text: (name, text before, value, text after).
type Sample = (&'static str, String, String, String);

fn samples() -> Vec<Sample> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let s = |name, pre: &str, v: String, post: &str| (name, pre.to_string(), v, post.to_string());
    let jwt = {
        let h = b64url(br#"{"alg":"RS256","typ":"JWT","kid":"k1-2026"}"#);
        let p = b64url(
            br#"{"sub":"8f3c2a10-77b1-4a51-9d0e-2f7e6b9c1a44","iat":1767225600,"exp":1767229200}"#,
        );
        format!("{h}.{p}.{}", r.pick(URL, 86))
    };
    vec![
        s(
            "card",
            "Charge my card ",
            "4111 1111 1111 1111".into(),
            " for the order.",
        ),
        s(
            "card glued",
            "card: ",
            "5105105105105100".into(),
            ", exp 04/29",
        ),
        s("ssn", "my SSN is ", "536-22-8351".into(), " ok"),
        s(
            "iban",
            "pay to ",
            "DE89 3704 0044 0532 0130 00".into(),
            " now",
        ),
        s(
            "phone",
            "call me at ",
            "+44 20 7946 0958".into(),
            " after 5",
        ),
        s(
            "github",
            "token ",
            format!("ghp_{}", r.pick(B62, 36)),
            " expires",
        ),
        s(
            "aws id",
            "key id ",
            format!("AKIA{}", r.pick(B32, 16)),
            " in us-east-1",
        ),
        s(
            "aws secret",
            "[default]\noutput = json\naws_secret_access_key=",
            r.pick(B64, 40),
            "\nregion = eu-west-1\n",
        ),
        s(
            "openai",
            "OPENAI_API_KEY=",
            format!("sk-proj-{}", r.pick(URL, 156)),
            "\nDEBUG=1",
        ),
        s(
            "slack",
            "bot token ",
            format!(
                "xoxb-{}-{}-{}",
                r.pick(DIGITS, 12),
                r.pick(DIGITS, 13),
                r.pick(B62, 24)
            ),
            " rotate it",
        ),
        s(
            "stripe",
            "STRIPE_SECRET_KEY=",
            format!("sk_live_{}", r.pick(B62, 99)),
            "\n",
        ),
        s("jwt", "Authorization: Bearer ", jwt, "\nAccept: */*"),
        s(
            "db password",
            "DATABASE_URL=postgres://",
            format!("orders_svc:{}", r.pick(B62, 24)),
            "@db.internal.example:5432/orders\n",
        ),
        s(
            "ec key",
            "my key:\n",
            include_str!("joins_data/ec_trad.pem").trim_end().into(),
            "\nthanks",
        ),
        s(
            "rsa 2048 key",
            "",
            include_str!("joins_data/rsa2048_trad.pem")
                .trim_end()
                .into(),
            "\n",
        ),
        s(
            "rsa 4096 key",
            "key:\n",
            include_str!("joins_data/rsa4096.pem").trim_end().into(),
            "\nend",
        ),
        s(
            "openssh key",
            "",
            include_str!("joins_data/ed25519_openssh.pem")
                .trim_end()
                .into(),
            "\n",
        ),
    ]
}

/// The secret-bearing part of `v`: a key block's body without its armour lines, else `v`.
fn secret(v: &str) -> &str {
    if !v.starts_with("-----BEGIN") {
        return v;
    }
    let body = &v[v.find("-----\n").unwrap() + 6..];
    &body[..body.find("\n-----END").unwrap()]
}

/// Every run of `n` characters of `s` (`s` is ASCII here).
fn runs(s: &str, n: usize) -> Vec<&str> {
    (0..=s.len() - n).map(|i| &s[i..i + n]).collect()
}

/// Whether the walker takes `t` for an opaque blob (a base64 run of 256 bytes or more with
/// a digit and a capital), which is not read: see the module doc.
fn opaque(t: &str) -> bool {
    t.len() >= 256
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b))
        && t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes().any(|b| b.is_ascii_uppercase())
}

fn cut(t: &str, cuts: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut last = 0;
    for &c in cuts {
        out.push(t[last..c].to_string());
        last = c;
    }
    out.push(t[last..].to_string());
    out
}

#[test]
fn a_value_cut_anywhere_leaves_nothing_of_itself_and_counts_as_alone() {
    let p = Policy::from_json(b"{}").unwrap();
    let mut r = Rng(12345);
    let mut failed = Vec::new();
    let mut cases = 0;
    for (name, pre, value, post) in samples() {
        let text = format!("{pre}{value}{post}");
        let (alone, n_alone) = run(&p, std::slice::from_ref(&text), Mode::ChatParts);
        let secret = secret(&value);
        let runs = runs(secret, 12.min(secret.len() * 2 / 3));
        assert!(
            !runs.iter().any(|f| alone[0].contains(f)),
            "{name} is not found alone: {alone:?}"
        );
        let mut check = |texts: Vec<String>, mode: Mode| {
            if texts.iter().any(|t| opaque(t)) {
                return;
            }
            cases += 1;
            let (got, n) = run(&p, &texts, mode);
            let sep = if mode == Mode::Messages { " " } else { "" };
            let joined = got.join(sep);
            let left = runs
                .iter()
                .find(|f| joined.contains(**f) && !pre.contains(**f) && !post.contains(**f));
            // The rest of a password cut in its user name may read alone as an address that
            // runs on past the password (`ders_svc:…@db.internal.example`): it is replaced
            // with the rest, and counted beside the password.
            let counted = n == n_alone || (name == "db password" && n == n_alone + 1);
            if left.is_some() || !counted {
                failed.push(format!(
                    "{name} {mode:?}: {} found (alone {n_alone}), {left:?} left\n  sent {texts:?}\n  got  {got:?}",
                    n
                ));
            }
        };
        // The cut points: every byte of a short value (and two either side), every seventh
        // of a key block and every byte of its first and last 64 and around 512, 1024, 2048.
        let (vs, ve) = (pre.len(), pre.len() + value.len());
        let points: Vec<usize> = (vs.saturating_sub(2)..=(ve + 2).min(text.len() - 1))
            .filter(|&c| c > 0)
            .filter(|&c| {
                let o = c - vs.min(c);
                value.len() < 400
                    || o % 7 == 0
                    || o < 64
                    || c + 64 > ve
                    || [512, 1024, 2048].iter().any(|m| o.abs_diff(*m) < 8)
            })
            .collect();
        for &c in &points {
            check(cut(&text, &[c]), Mode::ChatParts);
            if c % 3 == 0 {
                check(cut(&text, &[c]), Mode::ResponsesParts);
            }
        }
        for i in 0..200 {
            let mut c = [points[r.below(points.len())], points[r.below(points.len())]];
            c.sort_unstable();
            if c[0] != c[1] {
                let mode = [Mode::ChatParts, Mode::ResponsesParts][i % 2];
                check(cut(&text, &c), mode);
            }
        }
        for _ in 0..60 {
            let mut c: Vec<usize> = (0..4).map(|_| points[r.below(points.len())]).collect();
            c.sort_unstable();
            c.dedup();
            check(cut(&text, &c), Mode::ChatParts);
        }
        // Consecutive messages, cut at the value's blanks (the blank is what joins them).
        let blanks: Vec<usize> = (vs..ve).filter(|&i| text.as_bytes()[i] == b' ').collect();
        for &b in &blanks {
            check(
                vec![text[..b].to_string(), text[b + 1..].to_string()],
                Mode::Messages,
            );
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {cases} cuts left a piece of the value or counted it otherwise; the first:\n{}",
        failed.len(),
        failed[..failed.len().min(5)].join("\n")
    );
}

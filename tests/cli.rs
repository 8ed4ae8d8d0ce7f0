//! The CLI runs the same core: redact (single and JSONL), check, validate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Stdio};

fn cli(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_openai-compliance-filter"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn policy_file(name: &str, json: &str) -> String {
    let path = std::env::temp_dir().join(format!("ocf-cli-{}-{name}.json", std::process::id()));
    std::fs::write(&path, json).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn redact_writes_the_upstream_body() {
    let (code, out, _) = cli(
        &["redact"],
        r#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail jane@example.com"}],"n":1E400}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        r#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail [EMAIL]"}],"n":1E400}"#
    );
}

#[test]
fn redact_takes_the_endpoint() {
    let (code, out, _) = cli(
        &["redact", "--endpoint", "/v1/embeddings"],
        r#"{"model":"m","input":"jane@example.com"}"#,
    );
    assert_eq!(
        (code, out.as_str()),
        (0, r#"{"model":"m","input":"[EMAIL]"}"#)
    );
}

#[test]
fn blocked_body_prints_the_error_and_exits_2() {
    let p = policy_file("block", r#"{"detectors":{"actions":{"email":"block"}}}"#);
    let (code, out, _) = cli(
        &["redact", "--policy", &p],
        r#"{"messages":[{"role":"user","content":"jane@example.com"}]}"#,
    );
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["code"], "content_blocked");
    assert!(!out.contains("jane"));
}

#[test]
fn jsonl_keeps_order_and_reports_each_line() {
    let input = "{\"messages\":[{\"role\":\"user\",\"content\":\"a@example.com\"}]}\n{\"bad\n{\"messages\":[]}\n";
    let (code, out, _) = cli(&["redact", "--jsonl"], input);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains("[EMAIL]"));
    assert!(lines[1].contains("invalid_json"));
    assert_eq!(lines[2], "{\"messages\":[]}");
}

#[test]
fn check_runs_a_whole_request() {
    let (code, out, _) = cli(
        &[
            "check",
            "--path",
            "/v1/chat/completions",
            "-H",
            "OpenAI-Project: proj_1",
        ],
        r#"{"messages":[{"role":"user","content":"a@example.com"}]}"#,
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["decision"], "redact");
    assert_eq!(v["record"]["project"], "proj_1");
    assert!(v["body"].as_str().unwrap().contains("[EMAIL]"));
    assert!(!out.contains("a@example.com"));

    let (code, out, _) = cli(&["check", "--path", "/v1/assistant"], "{}");
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], 403);
    assert_eq!(v["reason"], "endpoint_not_allowed");
}

#[test]
fn check_runs_a_file_upload() {
    let upload = concat!(
        "--b1\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n",
        "--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n",
        r#"{"custom_id":"1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":[{"role":"user","content":"a@example.com"}]}}"#,
        "\r\n--b1--\r\n"
    );
    let args = [
        "check",
        "--path",
        "/v1/files",
        "-H",
        "content-type: multipart/form-data; boundary=b1",
    ];
    let (code, out, _) = cli(&args, upload);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["decision"], "redact");
    let sent = v["body"].as_str().unwrap();
    assert!(
        sent.contains("[EMAIL]") && sent.ends_with("\r\n--b1--\r\n"),
        "{sent}"
    );
    assert!(!out.contains("a@example.com"));
    // JSON to the upload route is refused: uploads are multipart.
    let (code, out, _) = cli(&["check", "--path", "/v1/files"], "{}");
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reason"], "unsupported_content_type");
}

#[test]
fn check_dry_runs_the_example_register() {
    let register = concat!(env!("CARGO_MANIFEST_DIR"), "/envoy/policies/register.json");
    let eu = [
        "check",
        "--policy",
        register,
        "--path",
        "/v1/responses",
        "-H",
        "OpenAI-Project: proj_support_eu",
        "-H",
        "OpenAI-Organization: org-acme",
        "-H",
        "x-ocf-caller: spiffe://cluster.local/ns/support/sa/bot",
    ];
    let body = r#"{"model":"gpt-4.1-mini","input":"Customer jane@example.com"}"#;
    let mut args = eu.to_vec();
    args.extend(["-H", ":authority: eu.api.openai.com"]);
    let (code, out, _) = cli(&args, body);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["record"]["region"], "eu");
    assert_eq!(v["request_headers_set"]["x-ocf-region"], "eu");
    // Zero retention: `store: false` is injected, the address is allowed for support.
    let upstream: serde_json::Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
    assert_eq!(upstream["store"], false);

    let mut args = eu.to_vec();
    args.extend(["-H", ":authority: api.openai.com"]);
    let (code, out, _) = cli(&args, body);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reason"], "region_not_allowed");
}

#[test]
fn validate_names_the_bad_field_without_its_value() {
    let p = policy_file("bad", r#"{"mode":"s3cr3t"}"#);
    let (code, _, err) = cli(&["validate", "--policy", &p], "");
    assert_eq!(code, 1);
    assert!(err.contains("invalid policy at `mode`"), "{err}");
    assert!(!err.contains("s3cr3t"));
    let p = policy_file("good", "{}");
    let (code, out, _) = cli(&["validate", "--policy", &p], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("ok: policy "));
}

#[test]
fn bad_arguments_print_usage() {
    let (code, _, err) = cli(&["redact", "--nope"], "");
    assert_eq!(code, 64);
    assert!(err.contains("usage:"));
}

#[test]
fn help_prints_usage_on_stdout() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["redact", "--help"],
        &["check", "-h"],
    ] {
        let (code, out, err) = cli(args, "");
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.starts_with("usage:"), "{args:?}: {out}");
        assert!(out.contains("openai-compliance-filter redact"), "{out}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn unknown_or_missing_command_prints_usage_on_stderr() {
    for args in [
        &["frobnicate"][..],
        &["--nope"],
        &["frobnicate", "--help"],
        &[],
    ] {
        let (code, out, err) = cli(args, "");
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains("usage:"), "{args:?}: {err}");
    }
    let (_, _, err) = cli(&["frobnicate"], "");
    assert!(
        err.starts_with("error: unknown command frobnicate\n"),
        "{err}"
    );
}

#[test]
fn redact_removes_an_example_of_every_detector() {
    use ocf_devkit::corpus;
    let policy = policy_file(
        "custom",
        &format!(r#"{{"detectors": {}}}"#, corpus::CUSTOM_RULES_JSON),
    );
    // One labelled sample per rule (the whole sample: some rules need their context, such
    // as an AWS secret key near its key id), each in a chat body, through `redact --jsonl`.
    let mut examples: std::collections::BTreeMap<&str, (String, String)> = Default::default();
    for s in corpus::generate(7, 4_000, true) {
        for e in &s.expected {
            examples
                .entry(e.rule)
                .or_insert_with(|| (s.text.clone(), s.text[e.start..e.end].to_string()));
        }
    }
    for rule in corpus::covered_rules() {
        assert!(examples.contains_key(rule), "no example for {rule}");
    }
    let lines: Vec<String> = examples
        .values()
        .map(|(text, _)| {
            serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": text}]})
                .to_string()
        })
        .collect();
    let (code, out, err) = cli(
        &["redact", "--jsonl", "--policy", &policy],
        &lines.join("\n"),
    );
    assert_eq!(code, 0, "{err}");
    let outs: Vec<&str> = out.lines().collect();
    assert_eq!(outs.len(), examples.len());
    for ((rule, (_, value)), line) in examples.iter().zip(outs) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let content = v["messages"][0]["content"].as_str().unwrap_or_default();
        assert!(!content.contains(value.as_str()), "{rule} survived");
        assert!(content.contains('['), "{rule}: no placeholder");
    }
}

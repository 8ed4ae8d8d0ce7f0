//! The CLI's evidence and key commands end to end as a binary: `register` renders the example
//! register (Markdown and HTML), `report` summarises records (bare JSON lines and Envoy log
//! lines, digests apart, SVG charts written), `fingerprint` reads the key from stdin only and
//! agrees with the fingerprint the filter records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Stdio};

const REGISTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/envoy/policies/register.json");

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

fn temp(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("ocf-evidence-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn digest(policy: &str) -> String {
    let (code, out, _) = cli(&["validate", "--policy", policy], "");
    assert_eq!(code, 0);
    out.split_whitespace().nth(2).unwrap().to_string()
}

#[test]
fn register_renders_the_example_register_as_markdown_and_html() {
    let (code, md, err) = cli(&["register", "--policy", REGISTER], "");
    assert_eq!(code, 0, "{err}");
    let d = digest(REGISTER);
    assert!(md.contains(&format!("**Policy digest**: {d}")), "{md}");
    for want in [
        "### Project proj\\_support\\_eu",
        "Support Engineering (support-eng@acme.example)",
        "600 requests/min, 400000 tokens/min, 20000000 tokens/day (UTC)",
        "**Allowed sources**: 10.20.0.0/16, 127.0.0.0/8",
        "| contact | 2 | yes | sent as is (counted) | - |",
        "| financial | 2 | no | request refused (content\\_blocked) | - |",
        "eu (hosts: eu.api.openai.com)",
    ] {
        assert!(md.contains(want), "{want} missing");
    }
    let out = temp("register.html");
    let (code, stdout, _) = cli(
        &[
            "register",
            "--policy",
            REGISTER,
            "--format",
            "html",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!((code, stdout.as_str()), (0, ""));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains(&d));
    let bad = temp("bad.json");
    std::fs::write(&bad, r#"{"projects":{"p":{"sources":["s3cr3t"]}}}"#).unwrap();
    let (code, _, err) = cli(&["register", "--policy", bad.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("projects.p.sources[0]") && !err.contains("s3cr3t"),
        "{err}"
    );
}

#[test]
fn report_summarises_records_per_digest_and_writes_charts() {
    let rec = |policy: &str, decision: &str, extra: &str| {
        format!(
            r#"{{"ts":"2026-12-06T10:00:00.000Z","policy":"{policy}","project":"proj_a","decision":"{decision}","version":"0.1.0"{extra}}}"#
        )
    };
    let log = [
        rec("1111111111111111", "redact", r#","categories":{"contact":1},"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}"#),
        format!(
            "[2026-12-06 10:00:00.001][7][info][wasm] [context.cc:1151] wasm log ocf: ocf.audit {}",
            rec("1111111111111111", "deny", r#","reason":"rate_limited","rate_limit":"requests_per_minute""#)
        ),
        rec("2222222222222222", "allow", ""),
        "[2026-12-06 10:00:00.002][7][info][main] an unrelated Envoy line".to_string(),
    ]
    .join("\n");
    let (code, md, _) = cli(&["report"], &log);
    assert_eq!(code, 0);
    assert!(md.contains("Policy 1111111111111111") && md.contains("Policy 2222222222222222"));
    assert!(md.contains("rate\\_limited 1"), "{md}");
    let (code, json, _) = cli(&["report", "--format", "json", "--period", "all"], &log);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["records"], 3);
    assert_eq!(v["skipped_lines"], 1);
    assert_eq!(v["policies"][0]["total"]["tokens"]["total"], 5);
    assert_eq!(v["policies"][0]["periods"]["all"]["proj_a"]["requests"], 2);
    let dir = temp("report");
    let file = dir.with_extension("log");
    std::fs::write(&file, &log).unwrap();
    let (code, out, err) = cli(
        &[
            "report",
            "--out-dir",
            dir.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 records"), "{out}");
    for name in [
        "report.md",
        "report.json",
        "decisions-1111111111111111.svg",
        "findings-2222222222222222.svg",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("![Requests per period by decision under policy 1111111111111111](decisions-1111111111111111.svg)"));
    let (code, _, err) = cli(&["report", "--period", "week"], "");
    assert_eq!(code, 1);
    assert!(err.contains("--period"));
}

#[test]
fn fingerprint_reads_the_key_from_stdin_and_matches_the_record() {
    let policy = temp("fp.json");
    std::fs::write(
        &policy,
        r#"{"audit":{"fingerprint_key":"cli-evidence-fingerprint-key"}}"#,
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let key = "sk-proj-CliEvidenceKey000000000000000000000000";
    let (code, fp, err) = cli(&["fingerprint", "--policy", p], &format!("{key}\n"));
    assert_eq!(code, 0, "{err}");
    let fp = fp.trim();
    assert!(fp.starts_with("k1:") && fp.len() == 19, "{fp}");
    assert!(err.is_empty(), "{err}");
    // The same as the record's, for the same key sent as a bearer token.
    let (_, report, _) = cli(
        &[
            "check",
            "--policy",
            p,
            "-H",
            &format!("authorization: Bearer {key}"),
        ],
        r#"{"model":"m","messages":[]}"#,
    );
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(v["record"]["key_fingerprint"], fp);
    let (_, with_bearer, _) = cli(&["fingerprint", "--policy", p], &format!("Bearer {key}"));
    assert_eq!(with_bearer.trim(), fp);
    // A key on the command line is refused, and not echoed.
    let (code, out, err) = cli(&["fingerprint", "--policy", p, key], "");
    assert_eq!(code, 1);
    assert!(
        !out.contains(key) && !err.contains(key) && err.contains("standard input"),
        "{err}"
    );
    let (code, _, err) = cli(&["fingerprint", "--policy", p, "--key", key], "");
    assert_eq!(code, 1);
    assert!(!err.contains(key), "{err}");
    // Without a fingerprint key: a warning that it is not stable.
    let loose = temp("fp-loose.json");
    std::fs::write(&loose, "{}").unwrap();
    let (code, _, err) = cli(&["fingerprint", "--policy", loose.to_str().unwrap()], key);
    assert_eq!(code, 0);
    assert!(err.contains("audit.fingerprint_key"));
    // And a revoked fingerprint is refused by the same policy run as a request.
    let revoking = temp("fp-revoking.json");
    std::fs::write(
        &revoking,
        format!(r#"{{"audit":{{"fingerprint_key":"cli-evidence-fingerprint-key"}},"revoked_keys":["{fp}"]}}"#),
    )
    .unwrap();
    let (code, report, _) = cli(
        &[
            "check",
            "--policy",
            revoking.to_str().unwrap(),
            "-H",
            &format!("authorization: Bearer {key}"),
        ],
        r#"{"model":"m","messages":[]}"#,
    );
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        (v["status"].as_u64(), v["reason"].as_str()),
        (Some(401), Some("key_revoked"))
    );
}

//! The command-line tool: runs the very same core as the filter, offline.
//!
//! ```text
//! openai-compliance-filter redact   [--policy FILE] [--endpoint PATH] [--jsonl]   < body
//! openai-compliance-filter check    [--policy FILE] [--method M] [--path P] [-H 'name: value']... < body
//! openai-compliance-filter validate  --policy FILE
//! openai-compliance-filter register  --policy FILE [--format md|html] [--out FILE]
//! openai-compliance-filter report    [--period P] [--format md|json] [--out-dir DIR] [FILE...]
//! openai-compliance-filter fingerprint --policy FILE < key
//! openai-compliance-filter -h | --help
//! ```

#[path = "cli/evidence.rs"]
mod evidence;

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
use openai_compliance_filter::policy::error_body;
use openai_compliance_filter::policy::throttle::MemoryStore;
use std::io::{self, BufRead, Read, Write};
use std::process::ExitCode;
use std::rc::Rc;

const USAGE: &str = "usage:
  openai-compliance-filter redact   [--policy FILE] [--endpoint PATH] [--jsonl]    < body
      Reads one request body (or, with --jsonl, one body per line) on stdin and writes what
      would go upstream. A blocked body prints the OpenAI-shaped error and exits 2 (with
      --jsonl: the error object on its line, exit 0). --endpoint defaults to
      /v1/chat/completions.
  openai-compliance-filter check    [--policy FILE] [--method M] [--path P] [-H 'name: value']...
                                    [--source ADDR]  < body
      Dry-runs a whole request (headers, then the body on stdin) and prints a JSON report:
      the decision, the status, the body that would go upstream, and the audit record.
      Exits 0 when the request would go upstream, 2 when refused. --source is the client
      address for `sources` allowlists (e.g. 10.1.2.3:5555).
  openai-compliance-filter validate  --policy FILE
      Parses and compiles a policy; prints its digest, or the error (exit 1).
  openai-compliance-filter -h | --help
      Prints this text (exit 0), as does -h or --help after any command. An unknown or
      missing command prints it on stderr (exit 2).
";

/// The commands of this file; `evidence::run` has the others. Anything else is a usage error.
const COMMANDS: &[&str] = &["redact", "check", "validate"];

/// A command line that cannot run.
enum UsageError {
    /// No command, or one this tool does not have: usage on stderr, exit 2.
    Command(String),
    /// A bad argument to a known command: usage on stderr, exit 64.
    Argument(String),
}

impl From<String> for UsageError {
    fn from(e: String) -> Self {
        UsageError::Argument(e)
    }
}

impl From<&str> for UsageError {
    fn from(e: &str) -> Self {
        UsageError::Argument(e.to_string())
    }
}

/// True for a help request: `-h`, `--help` or `help` as the command, or `-h`/`--help` after
/// a known command.
fn asks_for_help(argv: &[String]) -> bool {
    match argv.split_first() {
        Some((cmd, _)) if matches!(cmd.as_str(), "-h" | "--help" | "help") => true,
        Some((cmd, rest)) => {
            (COMMANDS.contains(&cmd.as_str()) || evidence::COMMANDS.contains(&cmd.as_str()))
                && rest.iter().any(|a| a == "-h" || a == "--help")
        }
        None => false,
    }
}

struct Args {
    cmd: String,
    policy: Option<String>,
    endpoint: String,
    method: String,
    path: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    jsonl: bool,
    source: Option<String>,
}

fn parse_args() -> Result<Args, UsageError> {
    let mut it = std::env::args().skip(1);
    let cmd = it
        .next()
        .ok_or_else(|| UsageError::Command("missing command".into()))?;
    if !COMMANDS.contains(&cmd.as_str()) {
        return Err(UsageError::Command(format!("unknown command {cmd}")));
    }
    let mut a = Args {
        cmd,
        policy: None,
        endpoint: "/v1/chat/completions".into(),
        method: "POST".into(),
        path: None,
        headers: Vec::new(),
        jsonl: false,
        source: None,
    };
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--policy" => a.policy = Some(value("--policy")?),
            "--endpoint" => a.endpoint = value("--endpoint")?,
            "--method" => a.method = value("--method")?,
            "--path" => a.path = Some(value("--path")?),
            "-H" | "--header" => {
                let h = value("-H")?;
                // Pseudo-headers (`:authority: host`) start with the separator itself.
                let (pseudo, rest) = match h.strip_prefix(':') {
                    Some(rest) => (":", rest),
                    None => ("", h.as_str()),
                };
                let (k, v) = rest.split_once(':').ok_or("-H takes 'name: value'")?;
                let k = format!("{pseudo}{k}");
                a.headers
                    .push((k.trim().to_ascii_lowercase(), v.trim().as_bytes().to_vec()));
                if k.trim().is_empty() || k.trim() == ":" {
                    return Err("-H takes 'name: value'".into());
                }
            }
            "--jsonl" => a.jsonl = true,
            "--source" => a.source = Some(value("--source")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(a)
}

fn load_policy(path: Option<&str>) -> Result<Policy, String> {
    let bytes = match path {
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}"))?,
        None => Vec::new(),
    };
    Policy::from_json(&bytes).map_err(|e| e.to_string())
}

fn read_stdin() -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(body)
}

fn redact(a: &Args) -> Result<ExitCode, String> {
    let policy = load_policy(a.policy.as_deref())?;
    let endpoint =
        classify("POST", &a.endpoint).map_err(|r| format!("--endpoint: {}", r.code()))?;
    let mut out = io::stdout().lock();
    let write_err = |e: io::Error| format!("cannot write stdout: {e}");
    if a.jsonl {
        for line in io::stdin().lock().split(b'\n') {
            let mut line = line.map_err(|e| format!("cannot read stdin: {e}"))?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let o = inspect_body(&policy, &policy.actions, &endpoint, &line);
            match o.verdict() {
                Verdict::Forward => out.write_all(&line),
                Verdict::Rewrite(b) => out.write_all(b),
                Verdict::Deny(r) => out.write_all(error_body(*r).as_bytes()),
            }
            .and_then(|_| out.write_all(b"\n"))
            .map_err(write_err)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let body = read_stdin()?;
    let o = inspect_body(&policy, &policy.actions, &endpoint, &body);
    match o.verdict() {
        Verdict::Forward => out.write_all(&body).map_err(write_err)?,
        Verdict::Rewrite(b) => out.write_all(b).map_err(write_err)?,
        Verdict::Deny(r) => {
            out.write_all(error_body(*r).as_bytes())
                .and_then(|_| out.write_all(b"\n"))
                .map_err(write_err)?;
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(a: &Args) -> Result<ExitCode, String> {
    let policy = Rc::new(load_policy(a.policy.as_deref())?);
    let body = read_stdin()?;
    let path = a.path.clone().unwrap_or_else(|| a.endpoint.clone());
    let mut headers = vec![
        (":method".to_string(), a.method.as_bytes().to_vec()),
        (":path".to_string(), path.into_bytes()),
    ];
    if !a.headers.iter().any(|(k, _)| k == ":authority") {
        headers.push((":authority".into(), b"api.openai.com".to_vec()));
    }
    if !body.is_empty() && !a.headers.iter().any(|(k, _)| k == "content-type") {
        headers.push(("content-type".into(), b"application/json".to_vec()));
    }
    headers.extend(a.headers.iter().cloned());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    // Throttles start with full budgets (one request is dry-run); the downstream address is
    // `--source` (none: a project with `sources` refuses, as the filter would).
    let mut x = Exchange::new(Some(policy)).with_store(Rc::new(MemoryStore::default()));
    if let Some(addr) = &a.source {
        x.note_downstream_address(addr.as_bytes());
    }
    // Carry out the steps as the adapter does: header edits, then the body once.
    let mut header_edits = serde_json::Map::new();
    let mut body_delivered = false;
    let mut step = x.on_request_headers(&headers, body.is_empty(), now);
    let last = loop {
        step = match step {
            Step::SetRequestHeader { name, value, then } => {
                header_edits.insert(name, serde_json::json!(value));
                *then
            }
            Step::Pause if !body_delivered => {
                body_delivered = true;
                x.on_request_body(body.len(), true)
            }
            Step::ReadBody { .. } => x.decide_body(&body),
            other => break other,
        };
    };
    let (forwarded, status, upstream_body) = match &last {
        Step::Reply { status, body } => (false, Some(*status), serde_json::json!(body)),
        Step::ReplaceBody { bytes, .. } => (
            true,
            None,
            serde_json::json!(String::from_utf8_lossy(bytes)),
        ),
        _ => (
            true,
            None,
            serde_json::json!(String::from_utf8_lossy(&body)),
        ),
    };
    let record = x.finish(now);
    let report = serde_json::json!({
        "forwarded": forwarded,
        "decision": record.decision,
        "reason": record.reason,
        "status": status,
        "request_headers_set": header_edits,
        "body": upstream_body,
        "record": record,
    });
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    print_line(&text)?;
    Ok(if forwarded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn validate(a: &Args) -> Result<ExitCode, String> {
    let path = a.policy.as_deref().ok_or("validate needs --policy FILE")?;
    let p = load_policy(Some(path))?;
    print_line(&format!(
        "ok: policy {} ({} rules)",
        p.digest,
        p.detectors.rules().len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes one line to stdout; an error (a closed pipe, say) is returned, never a panic.
fn print_line(text: &str) -> Result<(), String> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.write_all(b"\n"))
        .map_err(|e| format!("cannot write stdout: {e}"))
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if asks_for_help(&argv) {
        return match print_line(&format!("{USAGE}{}", evidence::USAGE)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    if let Some((cmd, rest)) = argv.split_first() {
        if let Some(result) = evidence::run(cmd, rest) {
            return match result {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            };
        }
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(UsageError::Command(e)) => {
            eprintln!("error: {e}\n{USAGE}{}", evidence::USAGE);
            return ExitCode::from(2);
        }
        Err(UsageError::Argument(e)) => {
            eprintln!("error: {e}\n{USAGE}{}", evidence::USAGE);
            return ExitCode::from(64);
        }
    };
    let result = match args.cmd.as_str() {
        "redact" => redact(&args),
        "check" => check(&args),
        "validate" => validate(&args),
        other => Err(format!("unknown command {other}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

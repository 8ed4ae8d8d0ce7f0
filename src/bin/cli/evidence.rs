//! The CLI's evidence and key commands: `register` (the policy as a compliance register),
//! `report` (audit records summarised for auditors, with SVG charts) and `fingerprint` (the
//! audit fingerprint of an API key read from standard input, never from the command line).

use openai_compliance_filter::config::{Policy, RawPolicy};
use openai_compliance_filter::evidence::{register, report};
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const USAGE: &str =
    "  openai-compliance-filter register   --policy FILE [--format md|html] [--out FILE]
      Renders the policy as a compliance register (Markdown by default, or one HTML page):
      per project its purpose, owner, data categories and their treatment, region,
      endpoints, models, retention, throttles, allowed sources, and the policy digest that
      every audit record written under it carries.
  openai-compliance-filter report     [--period hour|day|month|all] [--format md|json]
                                      [--out-dir DIR] [FILE...]
      Summarises audit records (JSON lines: an access log of %FILTER_STATE(wasm.ocf_audit:PLAIN)%,
      or Envoy's log with `ocf.audit {...}` lines; stdin when no FILE) per policy digest,
      project and period (day by default). With --out-dir it writes report.md, report.json and
      SVG charts there; otherwise it prints the report (Markdown by default).
  openai-compliance-filter fingerprint --policy FILE  < key
      Prints the audit fingerprint (k1:...) of the API key on standard input under the
      policy's audit.fingerprint_key, for revoked_keys. Never pass a key as an argument.";

/// The commands `run` answers.
pub const COMMANDS: &[&str] = &["register", "report", "fingerprint"];

/// Runs `cmd` if it is one of these commands.
pub fn run(cmd: &str, args: &[String]) -> Option<Result<ExitCode, String>> {
    Some(match cmd {
        "register" => register_cmd(args),
        "report" => report_cmd(args),
        "fingerprint" => fingerprint_cmd(args),
        _ => return None,
    })
}

/// Flags with one value each, plus positional arguments.
struct Flags {
    values: Vec<(String, String)>,
    positional: Vec<String>,
}

fn flags(args: &[String], known: &[&str]) -> Result<Flags, String> {
    let mut out = Flags {
        values: Vec::new(),
        positional: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a.starts_with("--") {
            if !known.contains(&a.as_str()) {
                return Err(format!("unknown argument {a}"));
            }
            let v = it.next().ok_or(format!("{a} needs a value"))?;
            out.values.push((a.clone(), v.clone()));
        } else {
            out.positional.push(a.clone());
        }
    }
    Ok(out)
}

impl Flags {
    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_policy(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn write_out(path: Option<&str>, text: &str) -> Result<(), String> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("cannot write {p}: {e}")),
        None => io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write stdout: {e}")),
    }
}

fn register_cmd(args: &[String]) -> Result<ExitCode, String> {
    let f = flags(args, &["--policy", "--format", "--out"])?;
    if !f.positional.is_empty() {
        return Err("register takes no positional argument".into());
    }
    let path = f.get("--policy").ok_or("register needs --policy FILE")?;
    let doc = register::render(&read_policy(path)?)?;
    let text = match f.get("--format").unwrap_or("md") {
        "md" | "markdown" => doc.markdown(),
        "html" => doc.html(),
        other => return Err(format!("--format {other}: md or html")),
    };
    write_out(f.get("--out"), &text)?;
    Ok(ExitCode::SUCCESS)
}

fn report_cmd(args: &[String]) -> Result<ExitCode, String> {
    let f = flags(args, &["--period", "--format", "--out-dir"])?;
    let period_name = f.get("--period").unwrap_or("day");
    let period = report::Period::parse(period_name)
        .ok_or(format!("--period {period_name}: hour, day, month or all"))?;
    let mut text = String::new();
    if f.positional.is_empty() {
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
    } else {
        for p in &f.positional {
            // Lines, lossily: an access log may hold other bytes on lines we skip anyway.
            let bytes = std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}"))?;
            text.push_str(&String::from_utf8_lossy(&bytes));
            text.push('\n');
        }
    }
    let r = report::build(text.lines(), period);
    let json = serde_json::to_string_pretty(&r).map_err(|e| e.to_string())? + "\n";
    let Some(dir) = f.get("--out-dir") else {
        let out = match f.get("--format").unwrap_or("md") {
            "md" | "markdown" => report::document(&r, &[]).markdown(),
            "json" => json,
            other => return Err(format!("--format {other}: md or json")),
        };
        write_out(None, &out)?;
        return Ok(ExitCode::SUCCESS);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for p in &r.policies {
        let mut mine = Vec::new();
        for (file, svg, alt) in report::charts(p) {
            write_file(&dir.join(&file), &svg)?;
            mine.push((file, alt));
        }
        names.push(mine);
    }
    write_file(
        &dir.join("report.md"),
        &report::document(&r, &names).markdown(),
    )?;
    write_file(&dir.join("report.json"), &json)?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "report: {} records ({} other lines) under {} policy digest(s) in {}",
        r.records,
        r.skipped_lines,
        r.policies.len(),
        dir.display()
    )
    .map_err(|e| format!("cannot write stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn fingerprint_cmd(args: &[String]) -> Result<ExitCode, String> {
    let f = flags(args, &["--policy"]).map_err(|_| {
        "fingerprint takes --policy FILE only; the key is read from standard input".to_string()
    })?;
    if !f.positional.is_empty() {
        // Never echo it: it may be the key itself.
        return Err(
            "the key is read from standard input, never from the command line (it would stay in shell history and the process list)"
                .into(),
        );
    }
    let path = f.get("--policy").ok_or("fingerprint needs --policy FILE")?;
    let source = read_policy(path)?;
    let raw = RawPolicy::parse(&source).map_err(|e| e.to_string())?;
    let policy = Policy::compile(&raw, &source).map_err(|e| e.to_string())?;
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    // As the filter reads it: `Bearer <key>` or the key alone, surrounding blanks ignored.
    let key = line.trim();
    let key = match key.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => key.get(7..).unwrap_or("").trim(),
        _ => key,
    };
    if key.is_empty() {
        return Err("no key on standard input".into());
    }
    if raw.audit.fingerprint_key.is_none() {
        eprintln!(
            "warning: the policy has no audit.fingerprint_key: this fingerprint changes with any edit of the policy (revoked_keys needs the key)"
        );
    }
    let fp = policy.audit.fingerprint(key.as_bytes());
    writeln!(io::stdout().lock(), "{fp}").map_err(|e| format!("cannot write stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

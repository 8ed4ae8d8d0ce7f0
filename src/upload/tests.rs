use super::*;

const B: &str = "b0und4ry";

fn policy(json: &str) -> Policy {
    Policy::from_json(json.as_bytes()).expect("policy")
}

/// A multipart upload: `purpose`, then `file` named `name` holding `content`.
fn upload(purpose: &str, name: &str, content: &str) -> Vec<u8> {
    format!(
        "--{B}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n\
         --{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{content}\r\n--{B}--\r\n"
    )
    .into_bytes()
}

fn run(p: &Policy, project: Option<&Project>, body: &[u8]) -> BodyOutcome {
    inspect_upload(p, &p.actions, project, B, body)
}

fn rewritten(o: &BodyOutcome) -> String {
    match o.verdict() {
        Verdict::Rewrite(b) => String::from_utf8(b.clone()).expect("utf-8"),
        v => panic!("expected a rewrite, got {v:?}"),
    }
}

fn denied(o: &BodyOutcome) -> Reason {
    match o.verdict() {
        Verdict::Deny(r) => *r,
        v => panic!("expected a denial, got {v:?}"),
    }
}

/// A JSONL file of `lines`, each ended by LF.
fn jsonl(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A batch file of chat requests to model `m` saying `texts`, with custom ids `0`, `1`, ...
fn chat_batch(texts: &[&str]) -> String {
    let lines: Vec<String> = (0..)
        .zip(texts)
        .map(|(i, t)| line(&format!("{i}"), "/v1/chat/completions", "m", t))
        .collect();
    jsonl(&lines)
}

fn line(id: &str, url: &str, model: &str, text: &str) -> String {
    format!(
        r#"{{"custom_id":"{id}","method":"POST","url":"{url}","body":{{"model":"{model}","messages":[{{"role":"user","content":"{text}"}}],"max_tokens":5}}}}"#
    )
}

#[test]
fn clean_batch_file_is_forwarded_untouched() {
    let p = policy("{}");
    let content = jsonl(&[
        line("a", "/v1/chat/completions", "gpt-4o-mini", "hello there"),
        line("b", "/v1/chat/completions", "gpt-4o-mini", "how are you"),
    ]);
    let o = run(&p, None, &upload("batch", "in.jsonl", &content));
    assert_eq!(o.verdict(), &Verdict::Forward);
    assert_eq!(o.counts.total(), 0);
}

#[test]
fn findings_in_lines_and_file_name_are_redacted_in_place() {
    let p = policy("{}");
    let content = format!(
        "{}\r\n{}\r\n\r\n{}",
        line(
            "a",
            "/v1/chat/completions",
            "gpt-4o-mini",
            "mail jane.doe@example.com now"
        ),
        line("b", "/v1/chat/completions", "gpt-4o-mini", "nothing here"),
        line(
            "c",
            "/v1/chat/completions",
            "gpt-4o-mini",
            "card 4111 1111 1111 1111 ok"
        )
    );
    let body = upload("batch", "batch (bob.smith@example.org).jsonl", &content);
    let o = run(&p, None, &body);
    let out = rewritten(&o);
    assert!(
        !out.contains("jane.doe@example.com") && !out.contains("4111 1111"),
        "{out}"
    );
    assert!(!out.contains("bob.smith@example.org"), "{out}");
    assert!(out.contains("filename=\"batch ([EMAIL]).jsonl\""), "{out}");
    assert!(
        out.contains("mail [EMAIL] now") && out.contains("card [CARD] ok"),
        "{out}"
    );
    // The untouched line, the blank line, the CRLF line ends and the delimiters are as sent.
    let untouched = line("b", "/v1/chat/completions", "gpt-4o-mini", "nothing here");
    assert!(out.contains(&format!("\r\n{untouched}\r\n\r\n")), "{out}");
    assert!(out.starts_with(&format!("--{B}\r\n")) && out.ends_with(&format!("\r\n--{B}--\r\n")));
    assert_eq!(o.counts.total(), 3);
    // The rewrite is itself a strict upload that inspects clean.
    assert_eq!(run(&p, None, out.as_bytes()).verdict(), &Verdict::Forward);
}

#[test]
fn pseudonyms_are_numbered_across_the_whole_file() {
    let p = policy(r#"{"detectors":{"actions":{"email":"pseudonymize"}}}"#);
    let content = chat_batch(&[
        "from a@example.com",
        "from b@example.com",
        "from a@example.com",
    ]);
    let out = rewritten(&run(&p, None, &upload("batch", "in.jsonl", &content)));
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("custom_id")).collect();
    assert!(lines[0].contains("from [EMAIL_1]"), "{out}");
    assert!(lines[1].contains("from [EMAIL_2]"), "{out}");
    assert!(lines[2].contains("from [EMAIL_1]"), "{out}");
}

#[test]
fn fine_tune_and_evals_lines_are_scanned_whatever_their_shape() {
    let p = policy("{}");
    for (purpose, content) in [
        (
            "fine-tune",
            r#"{"messages":[{"role":"user","content":"call +1 415 555 0100"},{"role":"assistant","content":"ok"}]}"#,
        ),
        (
            "evals",
            r#"{"item":{"question":"call +1 415 555 0100","n":3}}"#,
        ),
    ] {
        let out = rewritten(&run(&p, None, &upload(purpose, "x.jsonl", content)));
        assert!(
            !out.contains("555 0100") && out.contains("[PHONE]"),
            "{purpose}: {out}"
        );
    }
}

#[test]
fn a_blocked_finding_in_any_line_refuses_the_upload() {
    let p = policy(r#"{"detectors":{"actions":{"payment_card":"block"}}}"#);
    let content = chat_batch(&["fine", "4111111111111111"]);
    let o = run(&p, None, &upload("batch", "in.jsonl", &content));
    assert_eq!(denied(&o), Reason::ContentBlocked);
}

#[test]
fn batch_lines_must_be_requests_the_project_allows() {
    let p = policy(
        r#"{"projects":{"p":{"endpoints":["chat.completions","files"],"models":["gpt-4o*"]}}}"#,
    );
    let project = p.register.project(0);
    assert!(project.is_some());
    let ok = line("a", "/v1/chat/completions", "gpt-4o-mini", "hi");
    assert_eq!(
        run(&p, project, &upload("batch", "in.jsonl", &ok)).verdict(),
        &Verdict::Forward
    );
    let cases = [
        (line("a", "/v1/chat/completions", "o4-mini", "hi"), Reason::ModelNotAllowed),
        (
            r#"{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"model":"gpt-4o","input":"x"}}"#.to_string(),
            Reason::EndpointNotAllowed,
        ),
        (line("a", "/v1/files", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        // Only the batch API's own spellings of its URLs.
        (line("a", "/v1/chat/completions?x=1", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        (line("a", "https://evil.example/v1/chat/completions", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        (line("a", "//v1/chat/completions", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        (line("a", "/v1/chat/c%6Fmpletions", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        (line("a", "/openai/v1/chat/completions", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        (line("a", "/v1/chat/completions/", "gpt-4o", "hi"), Reason::EndpointNotAllowed),
        (ok.replace("\"POST\"", "\"GET\""), Reason::InvalidBody),
        (
            r#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":"x"}}"#.to_string(),
            Reason::InvalidBody,
        ),
        (r#"{"custom_id":"a"}"#.to_string(), Reason::InvalidBody),
        ("not json".to_string(), Reason::InvalidJson),
    ];
    for (content, want) in cases {
        let o = run(&p, project, &upload("batch", "in.jsonl", &content));
        assert_eq!(denied(&o), want, "{content}");
    }
    // Without a project, the line must still be a batch request.
    let o = run(
        &p,
        None,
        &upload("batch", "in.jsonl", &line("a", "/v1/files", "m", "hi")),
    );
    assert_eq!(denied(&o), Reason::EndpointNotAllowed);
}

#[test]
fn files_of_other_purposes_are_binary_uploads_with_their_name_scanned() {
    let p = policy("{}");
    for purpose in ["assistants", "user_data", "vision", "a_purpose_to_come"] {
        let o = run(
            &p,
            None,
            &upload(purpose, "doc.pdf", "%PDF-1.7 jane@example.com"),
        );
        assert_eq!(o.verdict(), &Verdict::Forward, "{purpose}");
        assert_eq!(o.unscannable.binary_upload, 1);
        assert_eq!(o.counts.total(), 0, "the file's bytes are not scanned");
    }
    let o = run(
        &p,
        None,
        &upload("user_data", "jane@example.com.pdf", "%PDF"),
    );
    assert!(
        rewritten(&o).contains("filename=\"[EMAIL].pdf\""),
        "{}",
        rewritten(&o)
    );
    assert_eq!(o.unscannable.binary_upload, 1);
}

#[test]
fn what_cannot_be_read_is_refused() {
    let p = policy("{}");
    let cases: Vec<(Vec<u8>, Reason)> = vec![
        (upload("batch", "x.jsonl", ""), Reason::InvalidBody),
        (upload("batch", "x.jsonl", "\n\n"), Reason::InvalidBody),
        (
            {
                let mut b = upload("fine-tune", "x.jsonl", "{\"a\":\"XX\"}");
                let at = b.windows(2).position(|w| w == b"XX").expect("marker");
                b[at] = 0xff;
                b
            },
            Reason::FileNotInspectable,
        ),
        (
            String::from_utf8(upload("batch", "x.jsonl", "{}"))
                .expect("utf-8")
                .replace("name=\"purpose\"", "name=\"note\"")
                .into_bytes(),
            Reason::InvalidBody,
        ),
        (b"not multipart".to_vec(), Reason::InvalidBody),
    ];
    for (body, want) in cases {
        let o = run(&p, None, &body);
        assert_eq!(denied(&o), want, "{}", String::from_utf8_lossy(&body));
    }
    let o = inspect_upload(
        &policy(r#"{"max_body_bytes":10}"#),
        &p.actions,
        None,
        B,
        &upload("batch", "x", "{}"),
    );
    assert_eq!(denied(&o), Reason::BodyTooLarge);
}

#[test]
fn expiry_fields_pass_as_sent() {
    let p = policy("{}");
    let body = String::from_utf8(upload("fine-tune", "x.jsonl", r#"{"messages":[]}"#))
        .expect("utf-8")
        .replace(
            &format!("--{B}--"),
            &format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"expires_after[anchor]\"\r\n\r\ncreated_at\r\n\
                 --{B}\r\nContent-Disposition: form-data; name=\"expires_after[seconds]\"\r\n\r\n3600\r\n--{B}--"
            ),
        );
    assert_eq!(run(&p, None, body.as_bytes()).verdict(), &Verdict::Forward);
    let bad = body.replace("3600", "call me at 415 555 0100");
    assert_eq!(denied(&run(&p, None, bad.as_bytes())), Reason::InvalidBody);
}

#[test]
fn evals_and_fine_tune_lines_have_no_exempt_keys() {
    // A request's `id`, `type` or `model` is the API's; an evals item's is the customer's.
    let p = policy("{}");
    for content in [
        r#"{"item":{"id":"jane.doe@example.com"}}"#,
        r#"{"item":{"type":"card 4111 1111 1111 1111"}}"#,
        r#"{"item":{"model":"jane.doe@example.com"}}"#,
        r#"{"item":{"jane.doe@example.com":"x"}}"#,
    ] {
        let out = rewritten(&run(&p, None, &upload("evals", "e.jsonl", content)));
        assert!(
            !out.contains("jane.doe@") && !out.contains("4111 1111"),
            "{out}"
        );
    }
    // A batch line's body is a request: its model is not rewritten.
    let l = line(
        "a",
        "/v1/chat/completions",
        "gpt-4o-mini",
        "hi a@example.com",
    );
    let out = rewritten(&run(&p, None, &upload("batch", "b.jsonl", &l)));
    assert!(out.contains(r#""model":"gpt-4o-mini""#), "{out}");
}

#[test]
fn a_redacted_file_name_keeps_its_extension() {
    let p = policy("{}");
    let clean = line("a", "/v1/chat/completions", "m", "hi");
    for (name, want) in [
        ("jane.doe@example.com.jsonl", "[EMAIL].jsonl"),
        ("jane.doe@example.com", "[EMAIL]"),
        ("for jane.doe@example.com.tar.jsonl", "for [EMAIL].jsonl"),
        ("for jane.doe@example.com.JSONL", "for [EMAIL].JSONL"),
        ("x (jane.doe@example.com).jsonl", "x ([EMAIL]).jsonl"),
    ] {
        let out = rewritten(&run(&p, None, &upload("batch", name, &clean)));
        assert!(
            out.contains(&format!("filename=\"{want}\"")),
            "{name}: {out}"
        );
    }
}

#[test]
fn custom_ids_made_alike_by_redaction_refuse_the_file() {
    let p = policy("{}");
    let two = |a: &str, b: &str| {
        jsonl(&[
            line(a, "/v1/chat/completions", "m", "hi"),
            line(b, "/v1/chat/completions", "m", "hi"),
        ])
    };
    let o = run(
        &p,
        None,
        &upload("batch", "b.jsonl", &two("a@example.com", "b@example.com")),
    );
    assert_eq!(denied(&o), Reason::ContentBlocked);
    let o = run(
        &p,
        None,
        &upload("batch", "b.jsonl", &two("[EMAIL]", "b@example.com")),
    );
    assert_eq!(denied(&o), Reason::ContentBlocked);
    // Distinct pseudonyms keep them apart; the client's own duplicates are OpenAI's to refuse.
    let pseudo = policy(r#"{"detectors":{"actions":{"email":"pseudonymize"}}}"#);
    let body = upload("batch", "b.jsonl", &two("a@example.com", "b@example.com"));
    assert!(rewritten(&run(&pseudo, None, &body)).contains(r#""custom_id":"[EMAIL_2]""#));
    let o = run(&p, None, &upload("batch", "b.jsonl", &two("same", "same")));
    assert_eq!(o.verdict(), &Verdict::Forward);
}

#[test]
fn member_names_redacted_alike_refuse_the_file() {
    let p = policy("{}");
    let content = r#"{"item":{"a@example.com":1,"b@example.com":2}}"#;
    let o = run(&p, None, &upload("evals", "e.jsonl", content));
    assert_eq!(denied(&o), Reason::RedactionUnsettled);
    let pseudo = policy(r#"{"detectors":{"actions":{"email":"pseudonymize"}}}"#);
    let out = rewritten(&run(&pseudo, None, &upload("evals", "e.jsonl", content)));
    assert!(
        out.contains(r#"{"item":{"[EMAIL_1]":1,"[EMAIL_2]":2}}"#),
        "{out}"
    );
}

#[test]
fn a_stated_part_length_follows_the_rewrite() {
    // OkHttp states each part's length; after a rewrite it must state the new one, wherever
    // the header sits among the part's headers.
    let p = policy("{}");
    let content = line(
        "a",
        "/v1/chat/completions",
        "m",
        "mail jane.doe@example.com",
    );
    let n = content.len();
    let disposition = "Content-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"";
    for headers in [
        format!("Content-Length: {n}\r\n{disposition}"),
        format!("{disposition}\r\nContent-Length:  {n}"),
    ] {
        let body = format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
             --{B}\r\n{headers}\r\n\r\n{content}\r\n--{B}--\r\n"
        );
        let out = rewritten(&run(&p, None, body.as_bytes()));
        let parts = multipart::parse(out.as_bytes(), B).expect("a strict upload");
        let sent = &out[parts[1].content.clone()];
        assert!(sent.contains("[EMAIL]"), "{out}");
        let stated = &out[parts[1].length.clone().expect("a stated length")];
        assert_eq!(stated, sent.len().to_string(), "{out}");
    }
}

#[test]
fn a_batch_lines_caller_chosen_names_are_redacted_and_its_own_are_not() {
    // A customer term equal to the batch line's own words changes none of them.
    let p = policy(r#"{"detectors":{"keywords":[{"id":"words","terms":["body","custom_id"]}]}}"#);
    let content = jsonl(&[
        r#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"jane@example.com":"owner"}}}"#.to_string(),
    ]);
    let out = rewritten(&run(&p, None, &upload("batch", "in.jsonl", &content)));
    assert!(
        out.contains(r#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"[EMAIL]":"owner"}}}"#),
        "{out}"
    );
}

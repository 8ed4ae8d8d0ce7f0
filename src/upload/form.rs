//! The `multipart/form-data` bodies of every operation but `files.create` (audio
//! transcriptions, image edits, upload parts, video and voice creation, skills, container
//! files, realtime calls): each text field is scanned like a body's string under its field
//! name (`prompt` as conversation text, `model` as the API's, a caller's name with its value),
//! a JSON part (a realtime call's `session`) is walked like a request body, a text file is read
//! whole ([`super::text_file`]) and any other file is counted as a `binary_upload` (every file
//! name is scanned). A realtime call's WebRTC offer
//! (`sdp`) is counted as `webrtc`: the call's media never passes the filter. Edits are spliced
//! into the original bytes, as for file uploads.

use std::ops::Range;

use super::{absorb, absorb_named, inspect_filename, multipart, settle, text_file};
use crate::config::{ActionTable, Policy};
use crate::openai::surface::Form;
use crate::pipeline::{inspect_document, inspect_named, BodyOutcome, DocumentKind, Reading, Texts};
use crate::reason::Reason;
use crate::redact::Renderer;

/// Inspects the multipart body of an operation whose form is `form`, with `boundary`.
pub fn inspect_form(
    policy: &Policy,
    actions: &ActionTable,
    form: Form,
    boundary: &str,
    body: &[u8],
) -> BodyOutcome {
    if body.len() as u64 > policy.max_body_bytes {
        return BodyOutcome::deny(Reason::BodyTooLarge);
    }
    match inspect(policy, actions, form, boundary, body) {
        Ok(outcome) => outcome,
        Err(reason) => BodyOutcome::deny(reason),
    }
}

/// A realtime call's offer sent as the whole body (`application/sdp`): nothing to scan, one
/// WebRTC session counted.
pub fn sdp_offer() -> BodyOutcome {
    let mut outcome = BodyOutcome::default();
    outcome.unscannable.webrtc = 1;
    outcome
}

fn inspect(
    policy: &Policy,
    actions: &ActionTable,
    form: Form,
    boundary: &str,
    body: &[u8],
) -> Result<BodyOutcome, Reason> {
    let parts = multipart::parse(body, boundary).ok_or(Reason::InvalidBody)?;
    let delimiter = format!("\r\n--{boundary}");
    let mut renderer = Renderer::new(policy.detectors.rules(), actions);
    let mut outcome = BodyOutcome::default();
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    for part in &parts {
        let content = multipart::bytes_of(body, &part.content);
        let new = if form == Form::Slice && part.filename.is_none() {
            // A slice of a file sent without a file name (`curl -F 'data=<part.bin'`): a
            // slice all the same, whatever its bytes or type.
            outcome.unscannable.binary_upload = outcome.unscannable.binary_upload.saturating_add(1);
            None
        } else if let Some(span) = part.filename.clone() {
            // A file: its name is scanned; its bytes are read when they are text, else
            // counted.
            let name = multipart::bytes_of(body, &span);
            let text = form != Form::Slice
                && text_file::is_text(name, part.content_type.as_deref(), content);
            if let Some(new_name) =
                inspect_filename(policy, actions, name, &mut renderer, &mut outcome)?
            {
                edits.push((span, new_name));
            }
            if text {
                text_file::inspect_text(policy, actions, content, &mut renderer, &mut outcome)?
            } else {
                outcome.unscannable.binary_upload =
                    outcome.unscannable.binary_upload.saturating_add(1);
                None
            }
        } else if form == Form::Call && part.name == "sdp" {
            outcome.unscannable.webrtc = outcome.unscannable.webrtc.saturating_add(1);
            None
        } else if part.content_type.as_deref() == Some("application/json") {
            let reading = Reading::document(DocumentKind::Request);
            let doc = inspect_document(policy, actions, reading, content, &mut renderer);
            absorb(doc, &mut outcome)?
        } else {
            let text = std::str::from_utf8(content).map_err(|_| Reason::InvalidBody)?;
            read_fact(&part.name, text, &mut outcome);
            field(
                policy,
                actions,
                &part.name,
                text,
                &mut renderer,
                &mut outcome,
            )?
        };
        let Some(new) = new else {
            continue;
        };
        // A value must not end its part early.
        if new
            .windows(delimiter.len())
            .any(|w| w == delimiter.as_bytes())
        {
            return Err(Reason::InvalidBody);
        }
        if let Some(span) = part.length.clone() {
            edits.push((span, new.len().to_string().into_bytes()));
        }
        edits.push((part.content.clone(), new));
    }
    outcome.verdict = Some(settle(body, edits)?);
    Ok(outcome)
}

/// What a form field says about the request: its `model`, and `stream` (`true`).
fn read_fact(name: &str, value: &str, outcome: &mut BodyOutcome) {
    match name {
        "model" => outcome.facts.model = Some(value.to_string()),
        "stream" => outcome.facts.stream = value == "true",
        _ => {}
    }
}

/// One text field, scanned as the member `name` of a request body: its new value when it
/// was redacted.
fn field(
    policy: &Policy,
    actions: &ActionTable,
    name: &str,
    value: &str,
    renderer: &mut Renderer,
    outcome: &mut BodyOutcome,
) -> Result<Option<Vec<u8>>, Reason> {
    let texts = Texts::One(value);
    let kind = DocumentKind::Request;
    let part = inspect_named(policy, actions, name, texts, kind, renderer);
    let Some(new) = absorb_named(part, outcome)? else {
        return Ok(None);
    };
    // The field's name is in the part's header, which is never rewritten: a name that had to
    // be is refused.
    match new.values.as_slice() {
        [value] if new.name == name => Ok(Some(value.clone().into_bytes())),
        _ => Err(Reason::ContentBlocked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Verdict;

    const B: &str = "fOrM-b0undary";

    /// (name, file name, content type, content).
    type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

    fn form_body(parts: &[Part<'_>]) -> Vec<u8> {
        let mut b = Vec::new();
        for (name, file, ctype, content) in parts {
            b.extend_from_slice(
                format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
            );
            if let Some(f) = file {
                b.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
            }
            b.extend_from_slice(b"\r\n");
            if let Some(t) = ctype {
                b.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
            }
            b.extend_from_slice(b"\r\n");
            b.extend_from_slice(content);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(format!("--{B}--\r\n").as_bytes());
        b
    }

    fn run(form: Form, body: &[u8]) -> BodyOutcome {
        let p = Policy::from_json(b"{}").unwrap();
        inspect_form(&p, &p.actions, form, B, body)
    }

    #[test]
    fn a_transcription_is_a_counted_file_and_scanned_fields() {
        // What `client.audio.transcriptions.create(file=..., model=..., prompt=...)` sends.
        let audio: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt \xff\xfe";
        let body = form_body(&[
            ("model", None, None, b"gpt-4o-transcribe"),
            (
                "prompt",
                None,
                None,
                b"Caller jane.doe@example.com spells names.",
            ),
            ("stream", None, None, b"true"),
            ("file", Some("call.wav"), Some("audio/wav"), audio),
        ]);
        let o = run(Form::Fields, &body);
        assert_eq!(o.unscannable.binary_upload, 1);
        assert_eq!(o.facts.model.as_deref(), Some("gpt-4o-transcribe"));
        assert!(o.facts.stream);
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("{:?}", o.verdict())
        };
        let want = String::from_utf8_lossy(&body).replace("jane.doe@example.com", "[EMAIL]");
        // Only the value changed; the audio bytes are untouched.
        assert_eq!(String::from_utf8_lossy(out), want);
        assert!(out.windows(audio.len()).any(|w| w == audio));
        assert_eq!(o.counts.total(), 1);
    }

    #[test]
    fn a_clean_form_passes_byte_identical_and_counts_each_file() {
        let body = form_body(&[
            (
                "image[]",
                Some("a.png"),
                Some("image/png"),
                b"\x89PNG\r\n\x1a\n",
            ),
            (
                "image[]",
                Some("b.png"),
                Some("image/png"),
                b"\x89PNG\r\n\x1a\n",
            ),
            ("prompt", None, None, b"Add a red hat"),
            ("n", None, None, b"2"),
        ]);
        let o = run(Form::Fields, &body);
        assert_eq!(o.verdict(), &Verdict::Forward);
        assert_eq!(o.unscannable.binary_upload, 2);
    }

    #[test]
    fn a_container_text_file_is_read_and_an_upload_slice_never_is() {
        let notes: &[u8] = b"Call jane.doe@example.com\r\nabout the invoice.\r\n";
        let body = form_body(&[("file", Some("notes.txt"), Some("text/plain"), notes)]);
        let o = run(Form::Fields, &body);
        assert_eq!(o.unscannable.binary_upload, 0);
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("{:?}", o.verdict());
        };
        let want = form_body(&[(
            "file",
            Some("notes.txt"),
            Some("text/plain"),
            b"Call [EMAIL]\r\nabout the invoice.\r\n",
        )]);
        assert_eq!(out, &want);
        // The same bytes as a slice of an upload: its length is fixed by the upload. With a
        // file name or without, typed as JSON or not, binary or text: counted, never read.
        let json: &[u8] = br#"{"email":"jane.doe@example.com"}"#;
        let zip: &[u8] = b"PK\x03\x04\xff\xfe\x00\x01";
        for (name, ctype, bytes) in [
            (Some("notes.txt"), Some("text/plain"), notes),
            (None, None, notes),
            (None, Some("application/json"), json),
            (None, None, zip),
        ] {
            let slice = form_body(&[("data", name, ctype, bytes)]);
            let o = run(Form::Slice, &slice);
            assert_eq!(o.verdict(), &Verdict::Forward, "{name:?} {ctype:?}");
            assert_eq!(o.unscannable.binary_upload, 1);
        }
    }

    #[test]
    fn a_realtime_call_counts_its_offer_and_walks_its_session() {
        // SDP holds addresses that are the call's own (ICE candidates): never scanned.
        let sdp: &[u8] = b"v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\nc=IN IP4 192.0.2.10\r\n";
        let session = br#"{"type":"realtime","model":"gpt-realtime","instructions":"Greet jane.doe@example.com"}"#;
        let body = form_body(&[
            ("sdp", None, Some("application/sdp"), sdp),
            ("session", None, Some("application/json"), session),
        ]);
        let o = run(Form::Call, &body);
        assert_eq!(o.unscannable.webrtc, 1);
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("{:?}", o.verdict())
        };
        let out = String::from_utf8_lossy(out);
        assert!(
            out.contains("Greet [EMAIL]") && out.contains("192.0.2.10"),
            "{out}"
        );
        assert_eq!(sdp_offer().unscannable.webrtc, 1);
    }

    #[test]
    fn what_is_not_strict_or_not_text_is_refused() {
        let bad_utf8 = form_body(&[("prompt", None, None, b"\xff\xfe")]);
        assert_eq!(
            run(Form::Fields, &bad_utf8).verdict(),
            &Verdict::Deny(Reason::InvalidBody)
        );
        assert_eq!(
            run(Form::Fields, b"not multipart").verdict(),
            &Verdict::Deny(Reason::InvalidBody)
        );
        // A field named with a sensitive value cannot be rewritten (it sits in a header).
        let named = form_body(&[("jane.doe@example.com", None, None, b"x")]);
        assert_eq!(
            run(Form::Fields, &named).verdict(),
            &Verdict::Deny(Reason::ContentBlocked)
        );
    }
}

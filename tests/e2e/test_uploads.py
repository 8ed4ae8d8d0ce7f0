"""File uploads (`POST /v1/files`, multipart) through the real Envoy, sent by the official
OpenAI SDK: a batch JSONL file is redacted line by line and reaches the upstream as a
well-formed upload with only the values changed; files the filter cannot read are refused
with an OpenAI-shaped error; batch lines are held to the project's endpoint and model rules
(envoy/policies/register.json)."""

from __future__ import annotations

import email.parser
import email.policy
import json

import openai
import pytest
import requests

from checks import assert_audit, assert_openai_error, assert_redacted_upstream, finding_count, only
from harness import Envoy, Mock
from test_policy import REGISTER, US
from values import API_KEY, CARD, EMAIL


def batch_line(custom_id: str, text: str, model: str = "gpt-4.1-mini",
               url: str = "/v1/chat/completions") -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url,
                       "body": {"model": model, "max_tokens": 16, "temperature": 0.25,
                                "messages": [{"role": "user", "content": text}]}})


def sdk(envoy: Envoy, headers: dict[str, str] | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                         timeout=60, default_headers=headers or {})


def multipart_of(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart body, parsed by the standard library (not by our parser)."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    assert msg.is_multipart()
    return {p.get_param("name", header="content-disposition"):
            (p.get_filename(), p.get_payload(decode=True)) for p in msg.iter_parts()}


def upstream_upload(mock: Mock) -> dict[str, tuple[str | None, bytes]]:
    (req,) = mock.requests()
    assert req["path"] == "/v1/files" and req["method"] == "POST"
    ctype = [v for k, v in req["headers"] if k.lower() == "content-type"]
    lengths = [int(v) for k, v in req["headers"] if k.lower() == "content-length"]
    assert lengths in ([], [len(req["body"])]), (lengths, len(req["body"]))
    return multipart_of(req["body"], ctype[0])


def test_batch_file_is_redacted_line_by_line(envoy: Envoy, mock: Mock) -> None:
    lines = [batch_line("a", f"Please email {EMAIL} today."), batch_line("b", "Nothing here."),
             batch_line("c", f"Charge card {CARD} for the order.")]
    content = ("\n".join(lines) + "\n").encode()
    mark = envoy.log_offset()
    out = sdk(envoy).files.create(file=("batch.jsonl", content, "application/jsonl"),
                                  purpose="batch")
    assert out.object == "file" and out.purpose == "batch" and out.filename == "batch.jsonl"
    fields = upstream_upload(mock)
    assert fields["purpose"] == (None, b"batch")
    name, sent = fields["file"]
    assert name == "batch.jsonl"
    text = assert_redacted_upstream(sent)
    got = [json.loads(x) for x in text.splitlines()]
    want = [json.loads(x) for x in lines]
    assert [g["custom_id"] for g in got] == ["a", "b", "c"]
    # Only the values changed: the clean line is byte-identical, the others differ in the text.
    assert text.splitlines()[1] == lines[1]
    assert got[0]["body"]["messages"][0]["content"] == "Please email [EMAIL] today."
    assert got[2]["body"]["messages"][0]["content"] == "Charge card [CARD] for the order."
    for g, w in zip(got, want):
        assert {k: v for k, v in g["body"].items() if k != "messages"} == \
            {k: v for k, v in w["body"].items() if k != "messages"}
    assert out.bytes == len(sent)
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200, endpoint="/v1/files", method="POST")
    assert rec["api"] == "files"
    assert finding_count(rec, "email") == 1 and finding_count(rec, "card") == 1, rec


def test_clean_fine_tune_file_passes_byte_identical(envoy: Envoy, mock: Mock) -> None:
    content = b"".join(json.dumps({"messages": [
        {"role": "user", "content": f"Question {i}?"},
        {"role": "assistant", "content": f"Answer {i}."}]}).encode() + b"\r\n" for i in range(50))
    r = requests.post(envoy.base_url + "/v1/files", timeout=60,
                      headers={"Authorization": f"Bearer {API_KEY}"},
                      files={"purpose": (None, "fine-tune"),
                             "file": ("train.jsonl", content, "application/octet-stream")})
    assert r.status_code == 200, r.content[:300]
    (req,) = mock.requests()
    assert req["body"] == r.request.body


@pytest.mark.parametrize("purpose, name, content, status, code", [
    ("batch", "batch.jsonl", b"\xff\xfe not utf-8", 415, "file_not_inspectable"),
    ("batch", "batch.jsonl", b"this is not json\n", 400, "invalid_json"),
    ("batch", "batch.jsonl", json.dumps({"custom_id": "x", "method": "POST", "url": "/v1/files",
                                         "body": {}}).encode(), 403, "endpoint_not_allowed"),
])
def test_what_cannot_be_inspected_is_refused(envoy: Envoy, mock: Mock, purpose: str, name: str,
                                             content: bytes, status: int, code: str) -> None:
    mark = envoy.log_offset()
    r = requests.post(envoy.base_url + "/v1/files", timeout=60,
                      headers={"Authorization": f"Bearer {API_KEY}"},
                      files={"purpose": (None, purpose), "file": (name, content)})
    assert_openai_error(r.status_code, r.headers, r.content, status, code, content)
    assert mock.requests() == []
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=status, reason=code, endpoint="/v1/files")


@pytest.mark.parametrize("refuse", [False, True])
def test_a_document_is_a_binary_upload_the_policy_forwards_and_counts_or_refuses(
        start_envoy, mock: Mock, refuse: bool) -> None:
    """A PDF for `assistants` cannot be scanned: like the same bytes inline as base64, it is
    forwarded and counted (the default), or refused under `unscannable: refuse`. Its file name
    is scanned either way."""
    envoy = start_envoy({"unscannable": "refuse"} if refuse else {})
    content = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    mark = envoy.log_offset()
    client = sdk(envoy)
    if refuse:
        with pytest.raises(openai.PermissionDeniedError) as err:
            client.files.create(file=(f"{EMAIL}.pdf", content, "application/pdf"),
                                purpose="assistants")
        assert err.value.code == "unscannable_content", err.value.body
        assert mock.requests() == []
        rec = only(envoy.wait_audit(mark))
        assert_audit(rec, decision="deny", status=403, reason="unscannable_content",
                     endpoint="/v1/files")
    else:
        out = client.files.create(file=(f"{EMAIL}.pdf", content, "application/pdf"),
                                  purpose="assistants")
        assert out.object == "file"
        fields = upstream_upload(mock)
        assert fields["purpose"] == (None, b"assistants")
        assert fields["file"] == ("[EMAIL].pdf", content)
        rec = only(envoy.wait_audit(mark))
        assert_audit(rec, decision="redact", status=200, endpoint="/v1/files")
    assert rec["unscannable"] == {"inline_base64": 0, "binary_upload": 1, "token_ids": 0,
                                  "websocket": 0, "webrtc": 0}, rec


def test_malformed_multipart_is_refused(envoy: Envoy, mock: Mock) -> None:
    good = (b"--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
            b"\r\n{}\r\n--xyz--\r\n")
    for ctype, payload, status, code in [
        ("multipart/form-data; boundary=xyz", good.replace(b"--xyz--", b"--xyz"), 400,
         "invalid_body"),
        ("multipart/form-data; boundary=xyz", b"preamble\r\n" + good, 400, "invalid_body"),
        ("multipart/form-data", good, 415, "unsupported_content_type"),
        ("application/json", b"{}", 415, "unsupported_content_type"),
    ]:
        r = requests.post(envoy.base_url + "/v1/files", data=payload, timeout=60,
                          headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": ctype})
        assert_openai_error(r.status_code, r.headers, r.content, status, code, payload)
    assert mock.requests() == []


def test_batch_lines_follow_the_project_rules(start_envoy, mock: Mock) -> None:
    envoy = start_envoy(REGISTER)
    headers = {k: v for k, v in US.items() if k not in ("Content-Type", "Authorization")}
    client = sdk(envoy, headers)
    ok = batch_line("a", "hello", model="gpt-4.1-mini")
    out = client.files.create(file=("b.jsonl", ok.encode()), purpose="batch")
    assert out.status == "processed"
    fields = upstream_upload(mock)
    assert fields["file"][1] == ok.encode()
    for line, status, code in [
        (batch_line("a", "hi", model="gpt-3.5-turbo"), 403, "model_not_allowed"),
        (batch_line("a", "hi", url="/v1/moderations"), 403, "endpoint_not_allowed"),
    ]:
        mock.reset()
        with pytest.raises(openai.APIStatusError) as err:
            client.files.create(file=("b.jsonl", line.encode()), purpose="batch")
        assert err.value.status_code == status
        assert err.value.code == code, err.value.body
        assert mock.requests() == []


# A text file as people upload it for file search or code interpreter: CSV with CRLF line ends,
# quotes and a non-ASCII name (RFC 4180 section 2).
TEXT_FILE = ("id,name,contact,note\r\n"
             f"1,Zoë Brandt,{EMAIL},\"paid with {CARD}, \"\"urgent\"\"\"\r\n"
             "2,Ana Ruiz,none,\"ok\"\r\n").encode()


@pytest.mark.parametrize("name, ctype", [("contacts.csv", "text/csv"),
                                         ("contacts.csv", "application/octet-stream"),
                                         ("notes.md", None)])
def test_a_text_file_is_read_and_its_values_replaced(envoy: Envoy, mock: Mock, name: str,
                                                      ctype: str | None) -> None:
    """A text file for `user_data` is read whole (not counted as a binary upload): its values
    are replaced and every other byte (CRLF, quotes, non-ASCII) reaches OpenAI as sent."""
    mark = envoy.log_offset()
    file = (name, TEXT_FILE, ctype) if ctype else (name, TEXT_FILE)
    out = sdk(envoy).files.create(file=file, purpose="user_data")
    assert out.object == "file"
    fields = upstream_upload(mock)
    assert fields["purpose"] == (None, b"user_data")
    got_name, sent = fields["file"]
    assert got_name == name
    assert EMAIL.encode() not in sent and CARD.encode() not in sent
    assert sent == TEXT_FILE.replace(EMAIL.encode(), b"[EMAIL]").replace(CARD.encode(), b"[CARD]")
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200, endpoint="/v1/files", method="POST")
    assert finding_count(rec, "email") == 1 and finding_count(rec, "card") == 1, rec
    assert rec["unscannable"]["binary_upload"] == 0, rec


def test_a_key_in_a_text_file_is_blocked(envoy: Envoy, mock: Mock) -> None:
    mark = envoy.log_offset()
    content = f"OPENAI_API_KEY={API_KEY}\nLOG_LEVEL=debug\n".encode()
    with pytest.raises(openai.PermissionDeniedError) as err:
        sdk(envoy).files.create(file=("settings.env", content, "text/plain"), purpose="user_data")
    assert err.value.code == "content_blocked", err.value.body
    assert mock.requests() == []
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=403, reason="content_blocked", endpoint="/v1/files")


@pytest.mark.parametrize("name, ctype, content", [
    # Declared text but Latin-1, not UTF-8: the filter cannot read it as sent.
    ("contacts.csv", "text/csv", b"1,M\xfcller,m@example.org\r\n"),
    # A text name with a specific binary type: the type wins.
    ("notes.txt", "application/pdf", b"%PDF-1.7\n"),
])
def test_a_file_that_is_not_plain_text_is_a_counted_binary_upload(
        envoy: Envoy, mock: Mock, name: str, ctype: str, content: bytes) -> None:
    mark = envoy.log_offset()
    out = sdk(envoy).files.create(file=(name, content, ctype), purpose="user_data")
    assert out.object == "file"
    fields = upstream_upload(mock)
    assert fields["file"] == (name, content)
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200, endpoint="/v1/files")
    assert rec["unscannable"]["binary_upload"] == 1, rec

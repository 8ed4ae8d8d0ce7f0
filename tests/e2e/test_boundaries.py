"""String boundaries through the real Envoy (issue #19), with the official OpenAI SDK as the
client: a value at the edge of a text part, beside an image URL, a file id or another text
part, is replaced, and every other byte of the request reaches the upstream exactly as the SDK
sent it. A value split across two messages of one role is replaced in both pieces.

The SDK's own request bytes are captured (an event hook of its HTTP client, httpx2) and the
body the mock received is compared with them, the value replaced, byte for byte.
"""

from __future__ import annotations

import json

import httpx2
import openai
import pytest

from checks import assert_audit, finding_count, only
from harness import Envoy, Mock
from values import API_KEY, CARD, EMAIL

# Every detector redacts (the demo policy blocks credentials).
POLICY = {"detectors": {"default_action": "redact"}}
# GitHub's token format (github.blog, April 2021): `ghp_` and 36 base62 characters.
TOKEN = "ghp_RcY5HhGmzwHsLjMqgqAu9r1gXu5tbKNm4e6m"
IMAGE = "https://example.org/cat.png"
FILE_ID = "file-6F2ksmvXxt4VdoqmHRw6kL"


class Sent:
    """The request bodies an SDK client sends, as bytes."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def hook(self, request: httpx2.Request) -> None:
        self.bodies.append(request.read())


@pytest.fixture
def redacting(start_envoy, forbid) -> Envoy:
    forbid(TOKEN, TOKEN[4:24])
    return start_envoy(POLICY)


def sdk(envoy: Envoy) -> tuple[openai.OpenAI, Sent]:
    sent = Sent()
    http = httpx2.Client(event_hooks={"request": [sent.hook]}, timeout=60)
    client = openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                           http_client=http)
    return client, sent


def upstream_body(mock: Mock, path: str) -> bytes:
    (req,) = mock.requests()
    assert req["path"] == path
    return req["body"]


def only_replaced(sent: bytes, got: bytes, *pairs: tuple[str, str]) -> None:
    """`got` is `sent` with each value (once, as JSON writes it) replaced, and nothing else."""
    want = sent
    for value, replacement in pairs:
        raw = json.dumps(value)[1:-1].encode()
        assert want.count(raw) == 1, (value, sent[:300])
        want = want.replace(raw, json.dumps(replacement)[1:-1].encode())
    assert got == want, f"upstream got\n{got[:800]!r}\nwant\n{want[:800]!r}"


def test_an_address_before_an_image_leaves_the_url_whole(redacting: Envoy, mock: Mock) -> None:
    client, sent = sdk(redacting)
    mark = redacting.log_offset()
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": [
        {"type": "text", "text": f"Photo sent by {EMAIL}"},
        {"type": "image_url", "image_url": {"url": IMAGE, "detail": "low"}},
    ]}])
    got = upstream_body(mock, "/v1/chat/completions")
    only_replaced(sent.bodies[0], got, (EMAIL, "[EMAIL]"))
    assert json.loads(got)["messages"][0]["content"][1]["image_url"]["url"] == IMAGE
    rec = only(redacting.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200, endpoint="/v1/chat/completions")
    assert finding_count(rec, "email") == 1, rec


def test_a_token_before_another_text_part_is_found_and_the_part_kept(
        redacting: Envoy, mock: Mock) -> None:
    client, sent = sdk(redacting)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": [
        {"type": "text", "text": f"Please check {TOKEN}"},
        {"type": "text", "text": "2 items are left"},
    ]}])
    got = upstream_body(mock, "/v1/chat/completions")
    only_replaced(sent.bodies[0], got, (TOKEN, "[PROVIDER_KEY]"))


@pytest.mark.parametrize("file_first", [False, True])
def test_a_file_id_beside_a_text_is_kept(redacting: Envoy, mock: Mock, file_first: bool) -> None:
    client, sent = sdk(redacting)
    parts = [{"type": "input_text", "text": f"{EMAIL} wrote this, summarise it"},
             {"type": "input_file", "file_id": FILE_ID}]
    if file_first:
        parts.reverse()
    client.responses.create(model="gpt-4.1-mini", input=[{"role": "user", "content": parts}])
    got = upstream_body(mock, "/v1/responses")
    only_replaced(sent.bodies[0], got, (EMAIL, "[EMAIL]"))


def test_a_card_at_the_end_of_a_text_before_an_image(redacting: Envoy, mock: Mock) -> None:
    client, sent = sdk(redacting)
    client.responses.create(model="gpt-4.1-mini", input=[{"role": "user", "content": [
        {"type": "input_text", "text": f"Charge card {CARD}"},
        {"type": "input_image", "image_url": IMAGE},
    ]}])
    got = upstream_body(mock, "/v1/responses")
    only_replaced(sent.bodies[0], got, (CARD, "[CARD]"))


def test_embedding_inputs_are_separate_texts(redacting: Envoy, mock: Mock) -> None:
    client, sent = sdk(redacting)
    client.embeddings.create(model="text-embedding-3-small",
                             input=[f"mail {EMAIL}", "42 is the answer", f"{CARD} on file"])
    got = upstream_body(mock, "/v1/embeddings")
    only_replaced(sent.bodies[0], got, (EMAIL, "[EMAIL]"), (CARD, "[CARD]"))


def test_a_card_split_across_two_user_messages_is_replaced_in_both(
        redacting: Envoy, mock: Mock) -> None:
    client, sent = sdk(redacting)
    mark = redacting.log_offset()
    client.chat.completions.create(model="gpt-4o-mini", messages=[
        {"role": "user", "content": "my card is 4111 1111"},
        {"role": "user", "content": "1111 1111 and it expires soon"},
        {"role": "assistant", "content": "1111 1111"},
    ])
    got = upstream_body(mock, "/v1/chat/completions")
    sent_body = json.loads(sent.bodies[0])
    want = json.loads(got)
    assert [m["content"] for m in want["messages"]] == \
        ["my card is [CARD]", " and it expires soon", "1111 1111"]
    assert {k: v for k, v in want.items() if k != "messages"} == \
        {k: v for k, v in sent_body.items() if k != "messages"}
    rec = only(redacting.wait_audit(mark))
    assert finding_count(rec, "card") == 1, rec


def test_a_batch_line_with_parts_changes_only_the_value(redacting: Envoy, mock: Mock) -> None:
    line = json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
                       "body": {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": [
                           {"type": "text", "text": f"Photo sent by {EMAIL}"},
                           {"type": "image_url", "image_url": {"url": IMAGE}},
                           {"type": "text", "text": "2 items"}]}]}})
    client, sent = sdk(redacting)
    client.files.create(file=("batch.jsonl", (line + "\n").encode(), "application/jsonl"),
                        purpose="batch")
    got = upstream_body(mock, "/v1/files")
    only_replaced(sent.bodies[0], got, (EMAIL, "[EMAIL]"))

"""Operations beyond the five main APIs, through the real Envoy, sent by the official `openai`
SDK where it sends them (its `OpenAI` and `AzureOpenAI` clients): a cancel, an update, a batch
create, a vector store create, Azure OpenAI's dated file upload and batch routes with the
deployment → model mapping, each kind of content the filter cannot scan under both settings
(an inline base64 image, a WebSocket upgrade), and a WebSocket upgrade that Envoy answers
itself, which leaves no record.

What the upstream answers is the mock's affair (it may not know an operation): these tests
assert what reached the upstream, what the client got back from it, and the record."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Callable, Iterator

import openai
import pytest

from checks import assert_audit, assert_openai_error, only
from harness import Envoy, Mock, new_workdir, render_config, wait_for
from transport import raw_h1
from values import API_KEY, EMAIL

AZURE_KEY = "azE2eSurfaceKey0000NotReal00001234567890ab"
DEPLOYMENT = "gpt41-eu-prod"
AZURE_POLICY = {"azure": {"deployments": {DEPLOYMENT: "gpt-4.1"}},
                "projects": {"default": {"models": ["gpt-4.1*"]}}}
# The filter's own refusal codes: a reply with one of them did not come from the upstream.
FILTER_CODES = {"endpoint_not_allowed", "unscannable_content", "invalid_body", "invalid_json",
                "unsupported_content_type", "model_not_allowed", "retention_violation"}


def client(envoy: Envoy) -> openai.OpenAI:
    return openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                         timeout=60)


def azure(envoy: Envoy, deployment: str | None = None) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(azure_endpoint=envoy.base_url, api_key=AZURE_KEY,
                              api_version="2024-10-21", azure_deployment=deployment,
                              max_retries=0, timeout=60)


def upstream_status(call: Callable[[], Any]) -> int:
    """Makes an SDK call; the status the upstream answered it with (the mock may answer an
    error: it is then the upstream's, never the filter's)."""
    try:
        call()
        return 200
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        assert body.get("code") not in FILTER_CODES, e.body
        return e.status_code


def one_upstream(mock: Mock) -> dict[str, Any]:
    (req,) = mock.requests()
    return req


def test_a_background_response_is_cancelled_through_the_filter(envoy: Envoy, mock: Mock) -> None:
    mark = envoy.log_offset()
    status = upstream_status(lambda: client(envoy).responses.cancel("resp_0123abcd"))
    req = one_upstream(mock)
    assert (req["method"], req["path"], req["body"]) == (
        "POST", "/v1/responses/resp_0123abcd/cancel", b"")
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=status, endpoint="/v1/responses/{id}/cancel",
                 method="POST")
    assert rec["api"] == "responses"
    # A batch and a fine-tuning job are cancelled the same way.
    for call, path in [
        (lambda: client(envoy).batches.cancel("batch_1"), "/v1/batches/batch_1/cancel"),
        (lambda: client(envoy).fine_tuning.jobs.cancel("ftjob-1"),
         "/v1/fine_tuning/jobs/ftjob-1/cancel"),
    ]:
        mock.reset()
        upstream_status(call)
        assert one_upstream(mock)["path"] == path


def test_a_stored_chat_completion_is_updated_by_its_own_shape(envoy: Envoy, mock: Mock) -> None:
    mark = envoy.log_offset()
    upstream_status(lambda: client(envoy).chat.completions.update(
        "chatcmpl-abc123", metadata={"owner": EMAIL, "ticket": "T-1"}))
    req = one_upstream(mock)
    assert req["path"] == "/v1/chat/completions/chatcmpl-abc123"
    sent = json.loads(req["body"])
    assert sent == {"metadata": {"owner": "[EMAIL]", "ticket": "T-1"}}, sent
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", endpoint="/v1/chat/completions/{id}")
    assert rec["findings"] == {"email": 1}, rec


def test_a_batch_is_created_and_a_project_naming_batches_may_create_it(start_envoy,
                                                                         mock: Mock) -> None:
    envoy = start_envoy({"projects": {"default": {"endpoints": ["files", "batches"]}}})
    mark = envoy.log_offset()
    upstream_status(lambda: client(envoy).batches.create(
        input_file_id="file-abc123", endpoint="/v1/chat/completions",
        completion_window="24h", metadata={"requested_by": EMAIL}))
    req = one_upstream(mock)
    assert req["path"] == "/v1/batches"
    sent = json.loads(req["body"])
    assert sent["input_file_id"] == "file-abc123" and sent["endpoint"] == "/v1/chat/completions"
    assert sent["metadata"] == {"requested_by": "[EMAIL]"}
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", endpoint="/v1/batches")
    # An API the project does not name stays refused.
    mock.reset()
    with pytest.raises(openai.PermissionDeniedError) as err:
        client(envoy).embeddings.create(model="text-embedding-3-small", input="hello")
    assert err.value.code == "endpoint_not_allowed"
    assert mock.requests() == []


def test_a_vector_store_is_created_with_its_text_redacted(envoy: Envoy, mock: Mock) -> None:
    mark = envoy.log_offset()
    upstream_status(lambda: client(envoy).vector_stores.create(
        name=f"Tickets of {EMAIL}", file_ids=["file-1", "file-2"],
        metadata={"team": "support"}))
    req = one_upstream(mock)
    assert req["path"] == "/v1/vector_stores"
    sent = json.loads(req["body"])
    assert sent["name"] == "Tickets of [EMAIL]" and sent["file_ids"] == ["file-1", "file-2"]
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", endpoint="/v1/vector_stores")
    assert rec["api"] == "vector_stores"


def test_azure_file_upload_and_batch_at_the_dated_routes(start_envoy, mock: Mock,
                                                         forbid) -> None:
    """`AzureOpenAI` uploads to `/openai/files?api-version=...` and creates batches at
    `/openai/batches`; a batch line names its URL without `/v1` and a deployment as its model,
    which the policy maps before the model allowlist."""
    forbid(DEPLOYMENT, AZURE_KEY)
    envoy = start_envoy(AZURE_POLICY)
    line = json.dumps({"custom_id": "1", "method": "POST", "url": "/chat/completions",
                       "body": {"model": DEPLOYMENT, "messages": [
                           {"role": "user", "content": f"Please email {EMAIL}."}]}})
    mark = envoy.log_offset()
    upstream_status(lambda: azure(envoy).files.create(
        file=("batch.jsonl", (line + "\n").encode(), "application/jsonl"), purpose="batch"))
    req = one_upstream(mock)
    assert req["path"] == "/openai/files?api-version=2024-10-21", req["path"]
    assert b"Please email [EMAIL]." in req["body"] and EMAIL.encode() not in req["body"]
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", endpoint="/openai/files")
    # A line whose deployment the policy does not map is refused (the allowlist applies).
    mock.reset()
    bad = line.replace(DEPLOYMENT, "unmapped-dep")
    with pytest.raises(openai.PermissionDeniedError) as err:
        azure(envoy).files.create(file=("b.jsonl", bad.encode()), purpose="batch")
    assert err.value.code == "model_not_allowed"
    assert mock.requests() == []
    # The batch itself.
    mock.reset()
    mark = envoy.log_offset()
    upstream_status(lambda: azure(envoy).batches.create(
        input_file_id="file-abc", endpoint="/chat/completions", completion_window="24h"))
    assert one_upstream(mock)["path"] == "/openai/batches?api-version=2024-10-21"
    assert_audit(only(envoy.wait_audit(mark)), decision="allow", endpoint="/openai/batches")


def test_azure_deployments_map_to_the_model_the_allowlist_and_record_see(start_envoy, mock: Mock,
                                                                          forbid) -> None:
    forbid(DEPLOYMENT, AZURE_KEY)
    envoy = start_envoy(AZURE_POLICY)
    v1 = openai.OpenAI(base_url=envoy.base_url + "/openai/v1", api_key=AZURE_KEY,
                       max_retries=0, timeout=60)
    for call, path in [
        # The SDK puts the deployment (the `model` argument) in the path and in the body.
        (lambda: azure(envoy).chat.completions.create(
            model=DEPLOYMENT, messages=[{"role": "user", "content": "hi"}]),
         f"/openai/deployments/{DEPLOYMENT}/chat/completions?api-version=2024-10-21"),
        # The client's own deployment in the path; the body's `model` is not read there.
        (lambda: azure(envoy, DEPLOYMENT).chat.completions.create(
            model="whatever", messages=[{"role": "user", "content": "hi"}]),
         f"/openai/deployments/{DEPLOYMENT}/chat/completions?api-version=2024-10-21"),
        # The v1 API: the deployment in the body alone.
        (lambda: v1.chat.completions.create(
            model=DEPLOYMENT, messages=[{"role": "user", "content": "hi"}]),
         "/openai/v1/chat/completions"),
        (lambda: v1.responses.create(model=DEPLOYMENT, input="hi"), "/openai/v1/responses"),
    ]:
        mock.reset()
        mark = envoy.log_offset()
        upstream_status(call)
        assert one_upstream(mock)["path"] == path
        rec = only(envoy.wait_audit(mark))
        assert rec["decision"] == "allow" and rec["model"] == "gpt-4.1", rec
        assert DEPLOYMENT not in json.dumps(rec)
    # An unmapped deployment: no model, so the allowlist refuses it.
    mock.reset()
    with pytest.raises(openai.PermissionDeniedError) as err:
        v1.chat.completions.create(model="other-deployment",
                                   messages=[{"role": "user", "content": "hi"}])
    assert err.value.code == "model_not_allowed"
    assert mock.requests() == []


PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63fcffff3f0300050001ff8ab7b2c10000000049454e44ae426082")).decode()


@pytest.mark.parametrize("refuse", [False, True])
def test_an_inline_base64_image_is_forwarded_and_counted_or_refused(start_envoy, mock: Mock,
                                                                     refuse: bool) -> None:
    envoy = start_envoy({"unscannable": "refuse"} if refuse else {})
    messages = [{"role": "user", "content": [
        {"type": "text", "text": f"What is in this picture? Reply to {EMAIL}."},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}]}]
    mark = envoy.log_offset()
    if refuse:
        with pytest.raises(openai.PermissionDeniedError) as err:
            client(envoy).chat.completions.create(model="gpt-4o", messages=messages)
        assert err.value.code == "unscannable_content"
        assert mock.requests() == []
        rec = only(envoy.wait_audit(mark))
        assert_audit(rec, decision="deny", status=403, reason="unscannable_content")
    else:
        client(envoy).chat.completions.create(model="gpt-4o", messages=messages)
        sent = json.loads(one_upstream(mock)["body"])
        parts = sent["messages"][0]["content"]
        assert parts[0]["text"] == "What is in this picture? Reply to [EMAIL]."
        assert parts[1]["image_url"]["url"] == f"data:image/png;base64,{PNG}"
        rec = only(envoy.wait_audit(mark))
        assert_audit(rec, decision="redact", status=200)
    assert rec["unscannable"]["inline_base64"] == 1, rec


UPGRADE = (b"GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\nHost: api.openai.com\r\n"
           b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Authorization: Bearer " + API_KEY.encode() + b"\r\n\r\n")


def requests_total(envoy: Envoy, decision: str) -> int:
    return sum(v for k, v in envoy.stats("wasmcustom.ocf_requests_total").items()
               if f"decision=.={decision};.;" in k)


def test_a_websocket_upgrade_envoy_answers_itself_leaves_no_record(envoy: Envoy,
                                                                   mock: Mock) -> None:
    """The demo listener has no `upgrade_configs`: Envoy refuses the upgrade before the
    filter sees the request. The filter decided nothing, so it records and counts nothing."""
    allowed = requests_total(envoy, "allow")
    mark = envoy.log_offset()
    status, _, _ = raw_h1(envoy.port, UPGRADE)
    assert status is not None and status >= 400, status
    assert mock.requests() == []
    # A request after it: its record is the only one, and the only `allow` counted.
    r = client(envoy).models.with_raw_response.list()
    assert r.http_response.status_code == 200
    (rec,) = envoy.wait_audit(mark)
    assert rec["endpoint"] == "/v1/models", rec
    wait_for(lambda: requests_total(envoy, "allow") == allowed + 1, 10, "the allow counter")
    assert requests_total(envoy, "allow") == allowed + 1


@pytest.fixture
def websocket_envoy(envoy_bin: str, wasm_path: Path, workroot: Path, mock: Mock,
                    request: pytest.FixtureRequest) -> Iterator[Callable[[dict], Envoy]]:
    """The demo Envoy with `upgrade_configs: websocket` on its listener, under a policy."""
    started: list[Envoy] = []

    def start(policy: dict) -> Envoy:
        cfg = render_config(upstream_port=mock.port, wasm=wasm_path, policy=json.dumps(policy))
        hcm = cfg["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
        hcm["typed_config"]["upgrade_configs"] = [{"upgrade_type": "websocket"}]
        env = Envoy(envoy_bin, cfg, new_workdir(workroot, "ws-"), name="ws").start()
        started.append(env)
        request.node._ocf_envoys = getattr(request.node, "_ocf_envoys", []) + [env]
        return env

    yield start
    for env in started:
        env.stop()


@pytest.mark.parametrize("refuse", [False, True])
def test_a_websocket_upgrade_is_counted_and_forwarded_or_refused(websocket_envoy, mock: Mock,
                                                                 refuse: bool) -> None:
    envoy = websocket_envoy({"unscannable": "refuse"} if refuse else {})
    mark = envoy.log_offset()
    status, headers, body = raw_h1(envoy.port, UPGRADE)
    rec = only(envoy.wait_audit(mark))
    assert rec["endpoint"] == "/v1/realtime" and rec["api"] == "realtime", rec
    assert rec["unscannable"]["websocket"] == 1, rec
    if refuse:
        assert_openai_error(status, headers, body, 403, "unscannable_content")
        assert mock.requests() == []
        assert_audit(rec, decision="deny", status=403, reason="unscannable_content")
    else:
        # The upgrade went upstream (the mock speaks no WebSocket and answers an error).
        req = one_upstream(mock)
        assert req["path"] == "/v1/realtime?model=gpt-realtime"
        assert any(k.lower() == "upgrade" and v == "websocket" for k, v in req["headers"])
        assert_audit(rec, decision="allow", status=status, method="GET")

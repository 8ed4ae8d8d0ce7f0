"""The official Python SDK's `AzureOpenAI` client through the real Envoy: the operations of the
APIs Azure OpenAI serves, as that client sends them (`/openai/deployments/{deployment}/...` for
chat, completions, embeddings, audio and images, where the SDK takes the deployment from the
body's `model`; `/openai/...?api-version=...` for the rest), clean and with a sensitive value,
with the checks of the OpenAI suite (sdk_surface.check_call).
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

import sdk_surface as S
from harness import Envoy, Mock
from values import API_KEY

API_VERSION = "2025-04-01-preview"
# The APIs Azure OpenAI serves (its data-plane reference), by the SDK's resource names.
AZURE_APIS = ("chat.completions.", "completions.", "embeddings.", "audio.", "images.",
              "files.", "batches.", "fine_tuning.jobs.", "vector_stores.", "beta.assistants.",
              "beta.threads.", "responses.", "uploads.", "models.")

# The operations the AzureOpenAI client sends to `/openai/deployments/{model}/...`, taking the
# deployment from the body's `model` (openai-python `lib/azure.py`). Driven with a deployment
# name that is no model name: the record must never hold it (docs/policy.md, `azure`).
DEPLOYMENT_ROUTES = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings",
                     "/v1/audio/transcriptions", "/v1/audio/translations", "/v1/audio/speech",
                     "/v1/images/generations", "/v1/images/edits")
DEPLOYMENT = "e2e-deployment-1"

OPS, _, ALL = S.python_surface()
CASES = [(op, v) for op, v in ALL if op.name.startswith(AZURE_APIS)
         and v in ("clean", "sensitive")]


def _client(envoy: Envoy, sent: list[dict[str, Any]]) -> openai.AzureOpenAI:
    def capture(request: Any) -> None:
        request.read()
        sent.append({"method": request.method, "url": str(request.url),
                     "path": request.url.raw_path.decode(),
                     "headers": list(request.headers.items()), "body": bytes(request.content)})

    http = openai.DefaultHttpxClient(event_hooks={"request": [capture]})
    return openai.AzureOpenAI(azure_endpoint=envoy.base_url, api_version=API_VERSION,
                              api_key=API_KEY, max_retries=0, http_client=http)


def test_azure_cases_cover_the_azure_apis() -> None:
    for prefix in AZURE_APIS:
        assert any(op.name.startswith(prefix) for op, _ in CASES), prefix


@pytest.mark.parametrize("op,variant", CASES, ids=[f"{op.name}-{v}" for op, v in CASES])
def test_azure_sdk_operation(op: S.Op, variant: str, envoy: Envoy, mock: Mock) -> None:
    sent: list[dict[str, Any]] = []
    client = _client(envoy, sent)
    fn: Any = client
    for part in op.name.split("."):
        fn = getattr(fn, part)
    args, kwargs = S.call_kwargs(op, variant)
    if op.verb == "POST" and op.template in DEPLOYMENT_ROUTES:
        kwargs["model"] = DEPLOYMENT
    since = envoy.log_offset()
    error: S.Refused | None = None
    events = 0
    try:
        events = S.consume(fn(*args, **kwargs))
    except openai.APIStatusError as e:
        error = S.Refused(e.status_code, e.code, str(e))
    except openai.APIError as e:
        error = S.Refused(0, "exception", repr(e))
    assert sent and sent[0]["path"].startswith("/openai/"), "not an Azure OpenAI path"
    assert "api-version=" + API_VERSION in sent[0]["path"]
    if op.verb == "POST" and op.template in DEPLOYMENT_ROUTES:
        assert sent[0]["path"].startswith(f"/openai/deployments/{DEPLOYMENT}/")
    records = envoy.wait_audit(since, 1)
    S.check_call(op, variant, sent, error, events, mock.requests(), records)

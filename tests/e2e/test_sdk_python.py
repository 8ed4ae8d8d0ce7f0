"""The official Python SDK (`openai`, pinned in requirements-test.txt) through the real Envoy:
every operation its client exposes (enumerated from the SDK: sdk_surface.python_ops), each clean,
with a sensitive value and with an API key (sdk_surface.variants).

For every call: the SDK call succeeds (or raises the documented error of a documented refusal);
the upstream received exactly what the SDK sent (an httpx request hook captures it) apart from the
replaced values; no sensitive value arrives; the audit record has the decision, the endpoint
(ids as placeholders), the method and one finding per value sent.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import openai
import pytest

import sdk_surface as S
from harness import REPO, Envoy, Mock
from values import API_KEY

OPS, EXCLUDED, CASES = S.python_surface()


def test_the_sdk_surface_is_enumerated() -> None:
    """The walk finds the SDK's operations (a broken walk must not pass as "nothing to drive"),
    and every one is on the mock's surface."""
    sys.path.insert(0, str(REPO / "tests"))
    import mock_surface

    assert len(OPS) > 300, len(OPS)
    missing = [op.key for op in OPS if mock_surface.resolve(op.verb, op.template) is None]
    assert not missing, f"operations the mock does not answer: {missing}"
    for name, reason in EXCLUDED.items():
        assert reason, name


def _client(envoy: Envoy, sent: list[dict[str, Any]]) -> openai.OpenAI:
    def capture(request: Any) -> None:
        request.read()
        sent.append({"method": request.method, "url": str(request.url),
                     "path": request.url.raw_path.decode(),
                     "headers": list(request.headers.items()), "body": bytes(request.content)})

    http = openai.DefaultHttpxClient(event_hooks={"request": [capture]})
    return openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY,
                         admin_api_key=S.ADMIN_KEY, max_retries=0, http_client=http)


def _resolve(client: openai.OpenAI, dotted: str) -> Callable[..., Any]:
    obj: Any = client
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("op,variant", CASES, ids=[f"{op.name}-{v}" for op, v in CASES])
def test_python_sdk_operation(op: S.Op, variant: str, envoy: Envoy, mock: Mock,
                              forbid: Callable[..., None]) -> None:
    forbid(S.ADMIN_KEY, S.ADMIN_KEY[9:29])
    sent: list[dict[str, Any]] = []
    client = _client(envoy, sent)
    args, kwargs = S.call_kwargs(op, variant)
    since = envoy.log_offset()
    error: S.Refused | None = None
    events = 0
    try:
        events = S.consume(_resolve(client, op.name)(*args, **kwargs))
    except openai.APIStatusError as e:
        error = S.Refused(e.status_code, e.code, str(e))
    except openai.APIError as e:
        error = S.Refused(0, "exception", repr(e))
    records = envoy.wait_audit(since, 1)
    S.check_call(op, variant, sent, error, events, mock.requests(), records)

"""The official Python SDK (`openai`, pinned in requirements-test.txt) through the real Envoy:
every operation its client exposes (enumerated from the SDK: sdk_surface.python_ops), each clean,
with a sensitive value and with an API key (sdk_surface.variants).

For every call: the SDK call succeeds (or raises the documented error of a documented refusal);
the upstream received exactly what the SDK sent (an httpx request hook captures it) apart from the
replaced values; no sensitive value arrives; the audit record has the decision, the endpoint
(ids as placeholders), the method and one finding per value sent.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

import openai
import pytest

import sdk_surface as S
from checks import assert_audit, finding_count, only
from harness import REPO, Envoy, Mock
from values import API_KEY, CARD, EMAIL

_PROBE = openai.OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
OPS, EXCLUDED = S.python_ops(_PROBE)
CASES = [(op, v) for op in OPS for v in S.variants(op)]


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


def _consume(result: Any) -> int:
    """Reads a reply fully: a stream's events (counted), a binary body, or a page."""
    if isinstance(result, openai.Stream):
        return sum(1 for _ in result)
    if hasattr(result, "read") and callable(result.read):
        result.read()
    return 0


def check_call(op: S.Op, variant: str, sent: list[dict[str, Any]], error: BaseException | None,
               events: int, mock_requests: list[dict[str, Any]],
               records: list[dict[str, Any]], sdk: str) -> None:
    """The assertions shared by the Python and Node suites for one SDK call."""
    assert len(sent) == 1, f"{sdk} sent {len(sent)} requests for one call (retries are off)"
    req = sent[0]
    want = S.expected(op, variant)
    rec = only(records)
    ids = [v for v in _path_ids(op, req["path"])]
    endpoint = S.endpoint_pattern(req["path"], op.template, ids)
    if want != "forward":
        status, code = want  # type: ignore[misc]
        assert isinstance(error, openai.APIStatusError) if sdk == "python" else error, \
            f"{op.key} {variant}: expected the documented refusal {status} {code}, got {error!r}"
        if sdk == "python":
            assert error.status_code == status and error.code == code, (error.status_code,
                                                                        error.code)
        else:
            assert error["status"] == status and error["code"] == code, error
        assert mock_requests == [], "a refused request reached the upstream"
        assert_audit(rec, decision="deny", status=status, reason=code, method=op.verb)
        assert endpoint.match(rec["endpoint"] or ""), (rec["endpoint"], endpoint.pattern)
        return
    assert error is None, f"{op.key} {variant}: the SDK call failed: {error!r}"
    assert len(mock_requests) == 1, f"the upstream got {len(mock_requests)} requests"
    got = mock_requests[0]
    assert got["method"] == req["method"]
    assert got["path"] == req["path"], "the path or query changed on the way"
    missing = S.header_diff(req["headers"], got["headers"])
    assert not missing, f"headers changed or dropped on the way: {missing}"
    body_sent, body_got = req["body"], got["body"]
    for value in S.SENSITIVE_VALUES:
        assert value.encode() not in body_got, "a sensitive value reached the upstream"
    n_email, n_card = S.occurrences(body_sent, EMAIL), S.occurrences(body_sent, CARD)
    if variant == "clean" or not (n_email or n_card):
        assert body_got == body_sent, "the upstream body differs from what the SDK sent"
        decision = "allow"
    else:
        assert S.upstream_matches(body_sent, body_got), (
            "the upstream body differs from the SDK's outside the replaced values")
        decision = "redact"
    assert_audit(rec, decision=decision, method=op.verb)
    assert endpoint.match(rec["endpoint"] or ""), (rec["endpoint"], endpoint.pattern)
    for v in ids:
        assert v not in json.dumps(rec), "the record holds an id from the path"
    assert finding_count(rec, "email") == n_email, rec.get("findings")
    assert finding_count(rec, "card") == n_card, rec.get("findings")
    if variant.startswith("stream"):
        assert events >= 2, f"a stream of {events} events"


def _path_ids(op: S.Op, path: str) -> list[str]:
    """The values the request path has where the template has `{...}`."""
    tmpl = op.template.split("/")
    segs = path.split("?", 1)[0].split("/")
    # The SDK's base path (/v1) lines up with the template's.
    return [s for t, s in zip(tmpl, segs) if t.startswith("{")]


@pytest.mark.parametrize("op,variant", CASES, ids=[f"{op.name}-{v}" for op, v in CASES])
def test_python_sdk_operation(op: S.Op, variant: str, envoy: Envoy, mock: Mock,
                              forbid: Callable[..., None]) -> None:
    forbid(S.ADMIN_KEY, S.ADMIN_KEY[9:29])
    sent: list[dict[str, Any]] = []
    client = _client(envoy, sent)
    args, kwargs = S.call_kwargs(op, variant)
    since = envoy.log_offset()
    error: BaseException | None = None
    events = 0
    try:
        events = _consume(_resolve(client, op.name)(*args, **kwargs))
    except openai.APIError as e:
        error = e
    records = envoy.wait_audit(since, 1)
    check_call(op, variant, sent, error, events, mock.requests(), records, "python")

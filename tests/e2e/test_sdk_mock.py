"""The mock answers every operation of both official SDKs with a reply the SDK parses, without
Envoy in between: each SDK call made straight to the mock succeeds (streams yield events, binary
replies read), and the mock recorded exactly the request the SDK sent at /__mock/requests.
This is what lets the suites through Envoy tell a forwarded call from a refused one.
"""

from __future__ import annotations

import base64
from typing import Any

import openai
import pytest

import sdk_surface as S
from harness import Mock
from sdk_node import NODE_CASES, NodeDriver, jsonable, node, node_methods, norm  # noqa: F401
from values import API_KEY

OPS, _, ALL = S.python_surface()
CLEAN = [(op, v) for op, v in ALL if v in ("clean", "stream")]
NODE_CLEAN = [(op, v) for op, v in NODE_CASES if v in ("clean", "stream")]


def test_upstream_comparison_can_fail() -> None:
    """The suites' body comparison tells a faithful rewrite from any other change."""
    sent = f'{{"a":"{S.SENSITIVE_TEXT}","n":1E400}}'.encode()
    good = sent.replace(S.EMAIL.encode(), b"[EMAIL]").replace(S.CARD.encode(), b"[CARD]")
    assert S.upstream_matches(sent, good)
    assert not S.upstream_matches(sent, good.replace(b"1E400", b"1e400"))
    assert not S.upstream_matches(sent, good.replace(b"[CARD]", b"4111"))
    assert not S.upstream_matches(sent, good + b" ")
    assert not S.upstream_matches(sent, sent.replace(S.EMAIL.encode(), b"[EMAIL] x"))


@pytest.mark.parametrize("op,variant", CLEAN, ids=[f"{op.name}-{v}" for op, v in CLEAN])
def test_python_sdk_parses_the_mock(op: S.Op, variant: str, mock: Mock) -> None:
    sent: list[bytes] = []

    def capture(request: Any) -> None:
        request.read()
        sent.append(bytes(request.content))

    client = openai.OpenAI(base_url=mock.base + "/v1", api_key=API_KEY,
                           admin_api_key=S.ADMIN_KEY, max_retries=0,
                           http_client=openai.DefaultHttpxClient(
                               event_hooks={"request": [capture]}))
    fn: Any = client
    for part in op.name.split("."):
        fn = getattr(fn, part)
    args, kwargs = S.call_kwargs(op, variant)
    events = S.consume(fn(*args, **kwargs))
    if variant == "stream":
        assert events >= 2
    got = mock.requests()
    assert [g["body"] for g in got] == sent


@pytest.mark.parametrize("op,variant", NODE_CLEAN, ids=[f"{op.name}-{v}" for op, v in NODE_CLEAN])
def test_node_sdk_parses_the_mock(op: S.Op, variant: str, mock: Mock, node: NodeDriver,
                                  node_methods: dict[str, dict[str, Any]]) -> None:
    method = node_methods[norm(op.name)]
    path_params, kwargs = S.named_kwargs(op, variant)
    out = node.ask({"cmd": "call", "baseURL": mock.base + "/v1", "name": method["name"],
                    "pathParams": path_params, "kwargs": jsonable(kwargs)})
    assert out["error"] is None, out["error"]
    if variant == "stream":
        assert out["events"] >= 2
    got = mock.requests()
    assert [g["body"] for g in got] == [base64.b64decode(s["body_b64"]) for s in out["sent"]]

"""Every HTTP operation the installed official Python SDK can send, read from its own source
(`openai/resources/**`: each `self._get/_post/_delete/_get_api_list` call, its path and
whether it sends JSON, a multipart form or nothing), goes through the real Envoy on OpenAI's
`/v1` and Azure OpenAI's dated `/openai` paths: recognised as an operation of the API (its
record names the API and a route, never `unknown`), handled by what it takes, and forwarded.
The filter's table (src/openai/operations.rs) was derived from the same sources; this test
re-reads the SDK the suite pins, so an SDK that grows an operation fails here first."""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest
import requests

from harness import Envoy, Mock
from values import API_KEY

CALL = re.compile(r"self\._(get|post|delete|get_api_list)\(")
PATH = re.compile(r'\s*(?:path_template\(\s*)?f?"([^"]*)"')


def _call_args(src: str, start: int) -> str:
    """The text of a call's arguments, from just after its opening parenthesis."""
    depth, i = 1, start
    while depth and i < len(src):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(src[i], 0)
        i += 1
    return src[start:i - 1]


def sdk_operations() -> list[tuple[str, str, str]]:
    """(method, path with ids, body kind) of every HTTP call in the installed SDK."""
    root = Path(openai.__file__).parent / "resources"
    ops: dict[tuple[str, str], str] = {}
    for file in sorted(root.rglob("*.py")):
        src = file.read_text()
        for m in CALL.finditer(src):
            args = _call_args(src, m.end())
            p = PATH.match(args)
            if not p:
                continue
            method = m.group(1)
            if method == "get_api_list":
                mm = re.search(r'method="(\w+)"', args)
                method = mm.group(1) if mm else "get"
            kind = ("form" if re.search(r"\bfiles=", args)
                    else "json" if re.search(r"\bbody=", args) else "none")
            path = re.sub(r"\{[^}]*\}", "id_4fQ", p.group(1).split("?")[0])
            ops.setdefault((method.upper(), path), kind)
    return [(m, p, k) for (m, p), k in sorted(ops.items())]


OPERATIONS = sdk_operations()


def test_the_installed_sdk_has_the_operations_this_test_reads() -> None:
    # A parse that silently finds nothing would make the test below pass vacuously.
    assert len(OPERATIONS) > 300, len(OPERATIONS)
    names = {(m, p) for m, p, _ in OPERATIONS}
    for op in [("POST", "/chat/completions"), ("POST", "/responses/id_4fQ/cancel"),
               ("POST", "/files"), ("POST", "/batches"), ("GET", "/evals")]:
        assert op in names, op


@pytest.mark.parametrize("prefix", ["/v1", "/openai"])
def test_every_sdk_operation_is_recognised_and_forwarded(envoy: Envoy, mock: Mock,
                                                          prefix: str) -> None:
    mark = envoy.log_offset()
    sent = 0
    failures = []
    with requests.Session() as s:
        for method, path, kind in OPERATIONS:
            url = envoy.base_url + prefix + path + ("?api-version=2024-10-21"
                                                     if prefix == "/openai" else "")
            headers = {"Authorization": f"Bearer {API_KEY}"}
            if kind == "json":
                # Fits every JSON operation's shape (`messages`, `input`, `prompt`).
                r = s.request(method, url, headers=headers, timeout=60,
                              json={"model": "gpt-4.1", "messages": [], "input": "hello",
                                    "prompt": "hello"})
            elif kind == "form":
                # `files.create` takes its own fields only; the others a model and text.
                fields = ({"purpose": "user_data"} if path == "/files"
                          else {"model": "gpt-4.1", "prompt": "hello"})
                r = s.request(method, url, headers=headers, timeout=60, data=fields,
                              files={"file": ("a.bin", b"\x00\x01", "application/octet-stream")})
            else:
                r = s.request(method, url, headers=headers, timeout=60)
            sent += 1
            if r.headers.get("content-type", "").startswith("application/json"):
                code = (r.json().get("error") or {}).get("code") if r.content else None
                if code and r.status_code in (400, 403, 415):
                    failures.append((method, path, r.status_code, code))
    assert failures == [], failures
    records = envoy.wait_audit(mark, count=sent, timeout=60)
    assert len(records) == sent
    unknown = [(r["method"], r["endpoint"]) for r in records
               if r["api"] == "unknown" or r["endpoint"] == "/{unknown}"]
    assert unknown == [], unknown
    assert {r["decision"] for r in records} <= {"allow", "redact"}
    assert len(mock.requests()) == sent

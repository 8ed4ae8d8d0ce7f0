"""The official Node SDK (`openai`, pinned in tests/sdk-node/package-lock.json, installed by
`make sdk-node` with `npm ci`) through the real Envoy: every operation the Python suite drives
that the Node client also has (matched by name: `vector_stores.file_batches.list_files` is
`vectorStores.fileBatches.listFiles`), with the same arguments and the same checks
(sdk_surface.check_call). tests/sdk-node/drive.mjs runs the calls in one node process and
captures what the SDK sends with a custom `fetch`.

Every Node method is accounted for: driven, or excluded here with its reason.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

import pytest

import sdk_surface as S
from harness import Envoy, Mock
from sdk_node import (NODE_CASES, NODE_HELPERS, OPS, NodeDriver, jsonable, node,  # noqa: F401
                      node_methods, norm, python_only)


def test_every_node_method_is_driven_or_excluded(node_methods: dict[str, dict[str, Any]]) -> None:
    py = {norm(op.name) for op in OPS}
    helpers = {norm(h) for h in S.HELPERS} | {norm(h) for h in NODE_HELPERS}
    unaccounted = [m["name"] for k, m in node_methods.items()
                   if k not in py and norm(m["name"].rsplit(".", 1)[-1]) not in helpers]
    assert not unaccounted, f"Node SDK methods neither driven nor excluded: {unaccounted}"
    assert len(node_methods) > 300
    missing = [op.name for op in OPS if norm(op.name) not in node_methods
               and python_only(op.name) is None]
    assert not missing, f"Python operations the Node SDK lacks, not excluded: {missing}"


@pytest.mark.parametrize("op,variant", NODE_CASES, ids=[f"{op.name}-{v}" for op, v in NODE_CASES])
def test_node_sdk_operation(op: S.Op, variant: str, envoy: Envoy, mock: Mock, node: NodeDriver,
                            node_methods: dict[str, dict[str, Any]],
                            forbid: Callable[..., None]) -> None:
    forbid(S.ADMIN_KEY, S.ADMIN_KEY[9:29])
    method = node_methods.get(norm(op.name))
    assert method is not None, f"the Node SDK has no {op.name}"
    path_params, kwargs = S.named_kwargs(op, variant)
    since = envoy.log_offset()
    out = node.ask({"cmd": "call", "baseURL": envoy.base_url + "/v1", "name": method["name"],
                    "pathParams": path_params, "kwargs": jsonable(kwargs)})
    sent = [dict(s, body=base64.b64decode(s.pop("body_b64"))) for s in out["sent"]]
    err = out["error"]
    if err is not None and err["status"] == 0:
        pytest.fail(f"the Node call did not complete: {err['message'][:2000]}")
    error = None if err is None else S.Refused(err["status"], err["code"], err["message"])
    records = envoy.wait_audit(since, 1) if sent else []
    S.check_call(op, variant, sent, error, out["events"], mock.requests(), records)

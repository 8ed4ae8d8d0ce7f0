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
import json
import os
import shutil
import subprocess
from typing import Any, Callable, Iterator

import pytest

import sdk_surface as S
from harness import REPO, Envoy, Mock
from values import API_KEY

DRIVER = REPO / "tests" / "sdk-node" / "drive.mjs"
NODE_MODULES = REPO / "tests" / "sdk-node" / "node_modules" / "openai"

# Python methods the Node SDK does not have: aliases of operations driven under another name.
PYTHON_ONLY = {
    "beta.chat.completions": "Python-only alias of chat.completions (driven)",
    "files.retrieve_content": "Python-only deprecated alias of files.content (driven)",
}
# Node methods that send no request of their own (besides sdk_surface.HELPERS by name).
NODE_HELPERS = {
    "prepare": "local: packs files for an environment upload, sends nothing",
    "forResult": "local: reads artifacts from a result already received, sends nothing",
    "runTools": "tool-calling loop over chat.completions.create (driven)",
    "createAndRunPoll": "create_and_run, then polls (driven)",
    "createAndRunStream": "create_and_run(stream=True) (driven)",
    "createAndPoll": "create, then retrieve until done (both driven)",
    "createAndStream": "runs.create(stream=True) (driven)",
    "submitToolOutputsAndPoll": "submit_tool_outputs, then polls (driven)",
    "submitToolOutputsStream": "submit_tool_outputs(stream=True) (driven)",
    "uploadAndPoll": "files.create + create, then polls (all driven)",
    "waitForProcessing": "files.retrieve in a loop (driven)",
    "verifySignature": "local: checks a received webhook's signature, sends nothing",
}


def norm(name: str) -> str:
    return name.replace("_", "").lower()


def python_only(name: str) -> str | None:
    for prefix, reason in PYTHON_ONLY.items():
        if name == prefix or name.startswith(prefix + "."):
            return reason
    return None


OPS, _, PY_CASES = S.python_surface()
NODE_CASES = [(op, v) for op, v in PY_CASES if python_only(op.name) is None]


class NodeDriver:
    """tests/sdk-node/drive.mjs: one JSON command per line."""

    def __init__(self) -> None:
        env = dict(os.environ, OCF_SDK_API_KEY=API_KEY, OCF_SDK_ADMIN_KEY=S.ADMIN_KEY)
        node = shutil.which("node")
        if node is None:
            pytest.fail("node not found: `make test-e2e` installs it (scripts/ensure-tool.sh)")
        if not NODE_MODULES.is_dir():
            pytest.fail(f"{NODE_MODULES} missing: run `make sdk-node` (npm ci in tests/sdk-node)")
        self.proc = subprocess.Popen([node, str(DRIVER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=DRIVER.parent)

    def ask(self, cmd: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd).encode() + b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the node driver exited (see stderr above)"
        return json.loads(line)

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def node() -> Iterator[NodeDriver]:
    d = NodeDriver()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def node_methods(node: NodeDriver) -> dict[str, dict[str, Any]]:
    return {norm(m["name"]): m for m in node.ask({"cmd": "list"})["methods"]}


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


def _jsonable(value: Any) -> Any:
    """Python call arguments as JSON for the driver: files become {"$file": [...]}."""
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], (bytes, str)):
        data = value[1].encode() if isinstance(value[1], str) else value[1]
        return {"$file": [value[0], base64.b64encode(data).decode(), value[2]]}
    if isinstance(value, bytes):
        return {"$file": ["data.bin", base64.b64encode(value).decode(),
                          "application/octet-stream"]}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


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
                    "pathParams": path_params, "kwargs": _jsonable(kwargs)})
    sent = [dict(s, body=base64.b64decode(s.pop("body_b64"))) for s in out["sent"]]
    err = out["error"]
    if err is not None and err["status"] == 0:
        pytest.fail(f"the Node call did not complete: {err['message'][:2000]}")
    error = None if err is None else S.Refused(err["status"], err["code"], err["message"])
    records = envoy.wait_audit(since, 1) if sent else []
    S.check_call(op, variant, sent, error, out["events"], mock.requests(), records)

"""The official Node SDK for the e2e suites: tests/sdk-node/drive.mjs behind a Python API,
the Node methods matched to the Python SDK's operations, and what is excluded and why."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from typing import Any, Iterator

import pytest

import sdk_surface as S
from harness import REPO
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


def jsonable(value: Any) -> Any:
    """Python call arguments as JSON for the driver: files become {"$file": [...]}."""
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], (bytes, str)):
        data = value[1].encode() if isinstance(value[1], str) else value[1]
        return {"$file": [value[0], base64.b64encode(data).decode(), value[2]]}
    if isinstance(value, bytes):
        return {"$file": ["data.bin", base64.b64encode(value).decode(),
                          "application/octet-stream"]}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value

"""Fixtures for the end-to-end suite: one mock OpenAI upstream per session, Envoys per policy.

- `start_envoy(policy=None, wasm=True, expect_ready=True)` starts (or reuses) an Envoy built from
  envoy/demo.yaml with kernel-chosen ports; `policy` is a dict or a JSON string (None = the demo
  policy inlined in the YAML); `wasm=False` drops the wasm filter (plain proxy, harness self-test).
- `envoy`: the demo Envoy (demo policy). `mock`: the upstream, reset before every test.
- `forbid(*values)`: values that must never appear in any Envoy output; the built-in sensitive
  values (email, card, API key) are always forbidden. Checked after every test that used an Envoy.
- On failure the tail of each Envoy log the test used is attached to the report.

The wasm module must exist (the Makefile builds it first): tests that need it FAIL, never skip,
when it is missing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from harness import REPO, Envoy, Mock, new_workdir, render_config
from checks import assert_no_leaks

DEFAULT_WASM = REPO / "target" / "wasm32-wasip1" / "release" / "openai_compliance_filter.wasm"
DEFAULT_ENVOY = REPO / ".venv" / "bin" / "envoy"
POOL_SIZE = 3  # Envoys kept running between tests (one per policy); V8 VMs are not small



@pytest.fixture(scope="session")
def envoy_bin() -> str:
    path = Path(os.environ.get("OCF_ENVOY", str(DEFAULT_ENVOY)))
    if not os.access(path, os.X_OK):
        pytest.fail(f"Envoy binary not found at {path}: run `make venv` (or set OCF_ENVOY)")
    return str(path)


@pytest.fixture(scope="session")
def wasm_path() -> Path:
    path = Path(os.environ.get("OCF_WASM", str(DEFAULT_WASM)))
    if not path.is_absolute():
        path = REPO / path
    if not path.is_file():
        pytest.fail(
            f"wasm module not found at {path}: run `make build` first "
            "(cargo build --release --lib --target wasm32-wasip1). The e2e suite never skips."
        )
    return path


@pytest.fixture(scope="session")
def workroot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ocf-e2e")


@pytest.fixture(scope="session")
def mock(workroot: Path) -> Iterator[Mock]:
    m = Mock(new_workdir(workroot, "mock-"))
    yield m
    m.stop()


@pytest.fixture(autouse=True)
def _fresh_mock(request: pytest.FixtureRequest) -> None:
    if "mock" in request.fixturenames:
        request.getfixturevalue("mock").reset()


@pytest.fixture(scope="session")
def _envoy_pool(envoy_bin: str, workroot: Path, mock: Mock) -> Iterator[dict]:
    pool: dict[tuple, Envoy] = {}
    yield pool
    for e in pool.values():
        e.stop()


def _policy_text(policy: Any) -> str | None:
    if policy is None or isinstance(policy, str):
        return policy
    return json.dumps(policy, separators=(",", ":"))


@pytest.fixture
def start_envoy(
    request: pytest.FixtureRequest,
    envoy_bin: str,
    workroot: Path,
    mock: Mock,
    _envoy_pool: dict,
) -> Iterator[Callable[..., Envoy]]:
    used: list[Envoy] = []
    request.node._ocf_envoys = used
    fresh: list[Envoy] = []

    def start(policy: Any = None, wasm: bool = True, expect_ready: bool = True) -> Envoy:
        text = _policy_text(policy)
        key = (text, wasm)
        if expect_ready and key in _envoy_pool and _envoy_pool[key].running:
            env = _envoy_pool[key]
        else:
            wasm_file = request.getfixturevalue("wasm_path") if wasm else None
            cfg = render_config(upstream_port=mock.port, wasm=wasm_file, policy=text)
            name = "plain" if not wasm else f"envoy{len(_envoy_pool) + len(fresh)}"
            env = Envoy(envoy_bin, cfg, new_workdir(workroot, name + "-"), name=name)
            env.start(expect_ready=expect_ready)
            if expect_ready:
                _envoy_pool[key] = env
                while len(_envoy_pool) > POOL_SIZE:  # oldest first (dicts keep insertion order)
                    oldest = next(iter(_envoy_pool))
                    if _envoy_pool[oldest] in used:
                        break
                    _envoy_pool.pop(oldest).stop()
            else:
                fresh.append(env)
        used.append(env)
        return env

    yield start
    for e in fresh:
        e.stop()


@pytest.fixture
def envoy(start_envoy: Callable[..., Envoy]) -> Envoy:
    """The demo Envoy: envoy/demo.yaml with its own policy and the built wasm."""
    return start_envoy()


@pytest.fixture
def forbid(request: pytest.FixtureRequest) -> Callable[..., None]:
    extra: list[str] = []
    request.node._ocf_forbidden = extra

    def add(*values: str) -> None:
        extra.extend(v for v in values if v)

    return add


@pytest.fixture(autouse=True)
def _no_leaks_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    envoys = getattr(request.node, "_ocf_envoys", [])
    if envoys:
        assert_no_leaks(envoys, getattr(request.node, "_ocf_forbidden", []))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        seen = set()
        for env in getattr(item, "_ocf_envoys", []):
            if id(env) in seen:
                continue
            seen.add(id(env))
            rep.sections.append(
                (f"envoy log tail ({env.log_path})", env.log_tail(80))
            )

"""envoy/local-ratelimit.yaml through the real Envoy: Envoy's own `local_ratelimit` keyed on the
`x-ocf-project` header the compliance filter sets to the project it resolved. A project's
bucket refuses with an OpenAI-shaped 429 once spent, other projects are not affected, a
client-sent `x-ocf-project` cannot move a request to another bucket, and the header never
reaches the upstream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import openai
import pytest
import requests

from checks import assert_openai_error
from harness import REPO, Envoy, Mock, new_workdir, render_config
from values import API_KEY

LOCAL_YAML = REPO / "envoy" / "local-ratelimit.yaml"
CHAT = json.dumps({"model": "gpt-4o-mini",
                   "messages": [{"role": "user", "content": "hello"}]}).encode()


@pytest.fixture
def fleet(envoy_bin: str, wasm_path: Path, workroot: Path, mock: Mock) -> Iterator[Envoy]:
    cfg = render_config(upstream_port=mock.port, wasm=wasm_path, policy=None,
                        template=LOCAL_YAML)
    env = Envoy(envoy_bin, cfg, new_workdir(workroot, "fleet-"), name="fleet")
    env.start()
    yield env
    env.stop()


def post(env: Envoy, headers: dict[str, str]) -> requests.Response:
    return requests.post(env.base_url + "/v1/chat/completions", data=CHAT, timeout=30,
                         headers={"Content-Type": "application/json",
                                  "Authorization": f"Bearer {API_KEY}", **headers})


def test_envoys_local_rate_limiter_keys_on_the_resolved_project(fleet: Envoy,
                                                                 mock: Mock) -> None:
    batch = {"OpenAI-Project": "proj_batch"}
    # The client claims another bucket: the filter replaces the header.
    spoof = {**batch, "x-ocf-project": "proj_interactive"}
    codes = [post(fleet, spoof if i % 2 else batch).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429], codes
    r = post(fleet, batch)
    err = assert_openai_error(r.status_code, r.headers, r.content, 429, "rate_limited", CHAT)
    assert err["type"] == "requests"
    assert r.headers.get("x-ratelimit-limit") == "3", dict(r.headers)
    # Other projects (their own bucket, or the shared one) go on.
    assert post(fleet, {"OpenAI-Project": "proj_interactive"}).status_code == 200
    assert post(fleet, {}).status_code == 200  # `default`
    got = mock.requests()
    assert len(got) == 5
    for req in got:
        names = {k.lower() for k, _ in req["headers"]}
        assert "x-ocf-project" not in names, req["headers"]
    stats = fleet.stats("openai_project.")
    assert stats.get("openai_project.http_local_rate_limit.rate_limited") == 3, stats


def test_the_sdk_sees_the_gateways_429_as_a_rate_limit_error(fleet: Envoy) -> None:
    client = openai.OpenAI(api_key=API_KEY, base_url=fleet.base_url + "/v1", max_retries=0,
                           default_headers={"OpenAI-Project": "proj_batch"})
    for _ in range(3):
        client.chat.completions.create(model="gpt-4o-mini",
                                       messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model="gpt-4o-mini",
                                       messages=[{"role": "user", "content": "hi"}])
    assert e.value.code == "rate_limited"

"""A bad policy stops the filter from loading; with failure_policy FAIL_CLOSED and a static
listener, Envoy 1.40 (V8) refuses to start at all, so nothing can pass unfiltered.

The one error line names the JSON path of the bad field and never its value."""

from __future__ import annotations

import pytest
import requests

SECRET_VALUE = "s3cr3t-policy-value-e2e"


@pytest.mark.parametrize(
    "policy,path",
    [
        pytest.param({"mode": SECRET_VALUE}, "mode", id="bad-enum"),
        pytest.param({"max_body_bytes": SECRET_VALUE}, "max_body_bytes", id="bad-type"),
        pytest.param({"detectors": {"actions": {"email": SECRET_VALUE}}},
                     "detectors.actions.email", id="bad-action"),
        pytest.param({SECRET_VALUE.replace("-", "_"): 1}, SECRET_VALUE.replace("-", "_"),
                     id="unknown-field"),
    ],
)
def test_invalid_policy_fails_closed(start_envoy, mock, forbid, policy, path: str) -> None:
    forbid(SECRET_VALUE)  # the dashed value; the unknown-field case uses it with underscores
    env = start_envoy(policy, expect_ready=False)
    if env.running:
        # Should Envoy ever start anyway, the listener must refuse rather than pass traffic.
        try:
            r = requests.post(env.base_url + "/v1/chat/completions", timeout=30,
                              data=b'{"model":"gpt-4o-mini","messages":[]}',
                              headers={"Content-Type": "application/json"})
            assert r.status_code >= 500, r.status_code
        except requests.ConnectionError:
            pass
        assert mock.requests() == [], "traffic passed a filter whose policy failed to load"
        pytest.fail("Envoy started with an invalid policy (expected it to refuse to start)")
    assert env.exit_code not in (None, 0)
    lines = [ln for ln in env.log_text().splitlines() if f"invalid policy at `{path}`" in ln]
    assert len(lines) == 1, lines
    assert mock.requests() == []


def test_valid_policy_variants_start(start_envoy, mock) -> None:
    """The counterpart: well-formed policies load (so the failures above are about content)."""
    for policy in ({}, {"mode": "audit"}, {"max_body_bytes": 1},
                   {"detectors": {"actions": {"email": {"action": "mask", "keep": 2}}}}):
        env = start_envoy(policy)
        assert env.running, policy

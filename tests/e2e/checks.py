"""Assertions shared by the e2e tests (the wire contract in BRIEF.md)."""

from __future__ import annotations

import json
from typing import Any

from values import ALWAYS_FORBIDDEN, API_KEY, CARD, CARD_DIGITS, EMAIL

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    429: "requests",  # a request-rate limit (a token limit's 429 says tokens)
    413: "invalid_request_error",
    415: "invalid_request_error",
    403: "policy_violation",
    503: "server_error",
}

AUDIT_FIELDS = (
    "ts", "request_id", "method", "endpoint", "api", "model", "project", "decision", "reason",
    "findings", "actions", "bytes_in", "bytes_out", "status",
)


def assert_no_leaks(envoys: list, extra: Any = ()) -> None:
    """No sensitive value appears anywhere in any Envoy's captured stdout/stderr."""
    needles = list(ALWAYS_FORBIDDEN) + list(extra)
    for env in envoys:
        text = env.log_text()
        for needle in needles:
            assert needle not in text, (
                f"a sensitive value ({len(needle)} chars, starts {needle[:3]!r}) "
                f"appears in {env.log_path}"
            )


def assert_openai_error(status: int, headers: Any, body: bytes, want_status: int,
                        want_code: str, sent: bytes = b"") -> dict[str, Any]:
    """An OpenAI-shaped error reply with a fixed message that echoes nothing of the request."""
    assert status == want_status, (status, body[:300])
    ctype = headers.get("content-type", "")
    assert ctype.split(";")[0].strip() == "application/json", ctype
    doc = json.loads(body)
    assert set(doc) == {"error"}, doc
    err = doc["error"]
    assert set(err) >= {"message", "type", "param", "code"}, err
    assert err["code"] == want_code, err
    assert err["type"] == ERROR_TYPES[want_status], err
    assert err["param"] is None, err
    assert isinstance(err["message"], str) and err["message"], err
    text = body.decode("utf-8", "replace")
    for needle in ALWAYS_FORBIDDEN:
        assert needle not in text, "error reply echoes a secret"
    # No 16-character run of the request body appears in the reply (never echo input).
    sent_text = sent.decode("utf-8", "replace")
    for i in range(0, max(0, len(sent_text) - 16) + 1, 4):
        window = sent_text[i:i + 16]
        if len(window) == 16:
            assert window not in text, f"error reply echoes request bytes {window!r}"
    return err


def assert_redacted_upstream(body: bytes) -> str:
    """The body the upstream got carries placeholders, never the values."""
    text = body.decode("utf-8")
    assert "[EMAIL]" in text, text[:500]
    assert "[CARD]" in text, text[:500]
    for needle in (EMAIL, CARD, CARD_DIGITS, "4111-1111"):
        assert needle not in text, "upstream received a sensitive value"
    return text


def assert_audit(rec: dict[str, Any], *, decision: str, status: int | None = None,
                 reason: str | None = None, endpoint: str | None = None,
                 method: str | None = None) -> None:
    missing = [f for f in AUDIT_FIELDS if f not in rec]
    assert not missing, f"audit record lacks {missing}: {sorted(rec)}"
    assert rec["decision"] == decision, rec
    if status is not None:
        assert rec["status"] == status, rec
    if reason is not None:
        assert rec["reason"] == reason, rec
    if endpoint is not None:
        assert rec["endpoint"] == endpoint, rec
    if method is not None:
        assert rec["method"] == method, rec
    dumped = json.dumps(rec)
    for needle in ALWAYS_FORBIDDEN:
        assert needle not in dumped, "audit record holds a sensitive value"
    assert "Bearer" not in dumped and API_KEY[:12] not in dumped


def finding_count(rec: dict[str, Any], word: str) -> int:
    """Sum of findings whose key (category/rule id) mentions `word`."""
    findings = rec.get("findings") or {}
    assert isinstance(findings, dict), findings
    return sum(int(v) for k, v in findings.items() if word in k)


def only(records: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(records) == 1, f"expected exactly one audit record, got {len(records)}"
    return records[0]

"""Values written in encoded forms and list layouts, through the real Envoy with the official SDK.

What the upstream gets: each encoded value (percent-encoded, an HTML character reference, a
base64 token of text) replaced as a whole by its placeholder, each card of a space-separated
list replaced, and every other byte of the message as the client sent it; an invalid IBAN's
digit groups left alone. What Envoy logs: none of the values, in any of their forms.
"""

from __future__ import annotations

import base64
import json

import openai
import pytest

from checks import assert_audit, finding_count, only
from harness import Envoy
from values import API_KEY

EMAIL = "jane.encoded.e2e@example.com"
B64_EMAIL = base64.b64encode(f"contact {EMAIL}".encode()).decode()
PERCENT_EMAIL = EMAIL.replace("@", "%40")
ENTITY_EMAIL = EMAIL.replace("@", "&#64;").replace(".", "&period;")
CARDS = ("4242 4242 4242 4242", "5555 5555 5555 4444")
# Wrong check digits: the groups must not be read as a phone (0961 2345 6769) or a card.
BAD_IBAN = "BE72 0961 2345 6769"


@pytest.fixture
def client(envoy: Envoy, forbid) -> openai.OpenAI:
    forbid(EMAIL, B64_EMAIL, PERCENT_EMAIL, ENTITY_EMAIL, *CARDS, "jane.encoded.e2e")
    return openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                         timeout=60)


def test_encoded_values_are_replaced_whole(envoy: Envoy, client: openai.OpenAI, mock) -> None:
    parts = [
        f"unsubscribe: https://example.com/u?email={PERCENT_EMAIL}&list=7",
        f"html: <a href=\"mailto:{ENTITY_EMAIL}\">mail</a>",
        f"decode this: {B64_EMAIL}",
        f"cards: {CARDS[0]} {CARDS[1]}",
        f"old iban {BAD_IBAN} bounced",
    ]
    message = "\n".join(parts)
    mark = envoy.log_offset()
    client.chat.completions.create(model="gpt-4o-mini",
                                   messages=[{"role": "user", "content": message}])
    got = mock.requests()
    assert [r["path"] for r in got] == ["/v1/chat/completions"]
    sent = json.loads(got[0]["body"])["messages"][0]["content"]
    want = "\n".join([
        "unsubscribe: https://example.com/u?email=[EMAIL]&list=7",
        "html: <a href=\"mailto:[EMAIL]\">mail</a>",
        "decode this: [EMAIL]",
        "cards: [CARD] [CARD]",
        f"old iban {BAD_IBAN} bounced",
    ])
    assert sent == want
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200, endpoint="/v1/chat/completions",
                 method="POST")
    assert finding_count(rec, "email") == 3, rec
    assert finding_count(rec, "card") == 2, rec
    assert finding_count(rec, "phone") == 0 and finding_count(rec, "iban") == 0, rec
    dumped = json.dumps(rec)
    for needle in (EMAIL, B64_EMAIL, PERCENT_EMAIL, ENTITY_EMAIL):
        assert needle not in dumped


def test_clean_encoded_text_goes_upstream_untouched(envoy: Envoy, client: openai.OpenAI,
                                                    mock) -> None:
    message = ("search?q=hello%20world&lang=en; Tom &amp; Jerry; "
               "SGVsbG8sIHdvcmxkIQ== is base64 for a greeting; 100%25 done")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": message}]}
    mark = envoy.log_offset()
    client.chat.completions.create(**body)
    got = mock.requests()
    assert json.loads(got[0]["body"])["messages"][0]["content"] == message
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200, endpoint="/v1/chat/completions",
                 method="POST")

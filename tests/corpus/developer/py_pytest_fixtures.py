# Python: pytest conftest with fixtures and fake credentials from env
import os
import pathlib

import pytest

from billing.client import BillingClient
from billing.models import Invoice

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def api_token() -> str:
    token = os.environ.get("BILLING_TEST_TOKEN")
    if not token:
        pytest.skip("BILLING_TEST_TOKEN not set")
    return token


@pytest.fixture
def client(api_token, httpx_mock):
    return BillingClient(base_url="https://billing.test", token=api_token)


@pytest.fixture
def invoice() -> Invoice:
    return Invoice(
        id="7c9e6679-7425-40de-944b-e07fc1f90ae7",
        number="INV-2024-00042",
        currency="EUR",
        lines=[("Pro plan", 1, 4900), ("Extra seats", 3, 900)],
    )


def test_total(invoice):
    assert invoice.total_cents == 4900 + 3 * 900


@pytest.mark.parametrize("status,expected", [(200, True), (404, False), (500, False)])
def test_exists(client, httpx_mock, status, expected):
    httpx_mock.add_response(url="https://billing.test/v1/invoices/INV-2024-00042", status_code=status)
    assert client.exists("INV-2024-00042") is expected


def test_password_reset_requires_token(client):
    with pytest.raises(ValueError, match="reset token required"):
        client.reset_password(user_id="u_123", token="")

# Python: requests session with retries, used to call a partner API
import os

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def partner_session() -> requests.Session:
    s = requests.Session()
    retry = Retry(total=5, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=frozenset({"GET", "POST"}))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers.update({
        "User-Agent": "acme-sync/3.2.1",
        "X-Api-Key": os.environ["PARTNER_API_KEY"],
    })
    s.auth = (os.environ["PARTNER_USER"], os.environ["PARTNER_PASSWORD"])
    return s


def fetch_catalog(page_token: str | None = None) -> dict:
    params = {"page_size": 200}
    if page_token:
        params["page_token"] = page_token
    r = partner_session().get("https://partner.example.com/v1/catalog", params=params, timeout=20)
    r.raise_for_status()
    return r.json()

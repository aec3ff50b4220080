"""What every error response must be: an RFC 9457 problem document with the expected status."""

from __future__ import annotations

import httpx


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body

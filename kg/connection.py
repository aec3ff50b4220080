"""The HTTP/1.1 connection of `kg serve`: uvicorn's httptools protocol with the limits uvicorn
leaves out, enforced while the bytes arrive, before any application sees a request.

- connections: a worker holds at most KG_MAX_CONNECTIONS open; one more is answered 503 with
  `Retry-After` and closed at once (uvicorn's `limit_concurrency` would keep it open and answer
  plain text only when a request arrives);
- headers that trickle in (slowloris): a request's line and headers have KG_READ_TIMEOUT seconds
  to arrive, else 408 and the connection is closed; a connection that sends nothing at all is
  closed at the same deadline (uvicorn times out idle connections only after a response);
- the request target: longer than KG_MAX_REQUEST_BYTES, or than the 65,535 bytes the parser can
  read at all, is 414 as soon as that many bytes have come (uvicorn answered a plain-text 400);
- headers over KG_MAX_HEADER_BYTES are 431 before they are buffered whole;
- anything else the parser cannot read is a 400 problem document, not plain text.

Each answer is an RFC 9457 problem document, like every other error of the service. The request
body's limits (size 413, read time 408) are the application's (api/forms.py), as they must hold
under any ASGI server.
"""

from __future__ import annotations

import asyncio
from functools import cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.config import ServiceConfig
from api.problems import problem_bytes
from kg.settings import Settings

PARSER_TARGET_LIMIT = 65_535  # httptools parses a URL with 16-bit offsets
LINGER_SECONDS = 2.0  # after a refusal, what the client still sends is read and dropped this long


@cache
def _config() -> ServiceConfig:
    return Settings.from_env().service()  # once per worker process, as kg.serve:app reads it


class _Refused(Exception):
    """Stops the parser once the connection has been answered."""


class LimitedHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        config = _config()
        self.max_connections = config.max_connections
        self.read_timeout = config.read_timeout
        self.max_target = min(config.max_request_bytes, PARSER_TARGET_LIMIT)
        self.max_header_bytes = config.max_header_bytes
        self.header_bytes = 0
        self.refused = False
        self.receiving = False  # between the first byte of a request and the end of its headers
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._refuse(503, f"this worker has {self.max_connections} connections open, its limit; try again",
                         {"Retry-After": "1"})
            return
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.refused:  # once answered, the rest of the request is dropped unread
            super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.receiving = True
        self.header_bytes = 0
        if self.header_deadline is None:
            self._arm_header_deadline()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_target:
            self._refuse(414, f"request target longer than {self.max_target} bytes (send a long query in a POST body)")
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value)
        if self.header_bytes > self.max_header_bytes:
            self._refuse(431, f"request headers larger than {self.max_header_bytes} bytes in all")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.receiving = False
        self._disarm_header_deadline()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to anything its parser refuses, here also to our own refusals."""
        if not self.refused:
            self._refuse(400, "not a valid HTTP/1.1 request")

    def _arm_header_deadline(self) -> None:
        self.header_deadline = self.loop.call_later(self.read_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if self.receiving:
            self._refuse(408, f"request headers did not arrive within {self.read_timeout:g} s")
        elif self.cycle is None and not self.transport.is_closing():
            self.transport.close()  # connected and silent: nothing to answer

    def _refuse(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        """Answer, then close the way a careful server does: our side first, reading what the
        client still sends for a moment, so the answer is not lost to a reset."""
        self.refused = True
        self._disarm_header_deadline()
        if self.transport.is_closing():
            return
        self.transport.write(problem_bytes(status, detail, headers))
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

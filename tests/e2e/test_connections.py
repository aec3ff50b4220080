"""The limits of a `kg serve` connection (kg/connection.py), tried with raw sockets the way a
slowloris, a flood of connections or a broken client would."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.support.server import start_service

READ_TIMEOUT = 2
MAX_CONNECTIONS = 20


@pytest.fixture(scope="module")
def service(tmp_path_factory, data_dir):
    svc = start_service(tmp_path_factory.mktemp("connections"), data=data_dir,
                        env={"KG_READ_TIMEOUT": str(READ_TIMEOUT), "KG_MAX_CONNECTIONS": str(MAX_CONNECTIONS)})
    yield svc
    svc.stop()


def connect(service, timeout: float = 10) -> socket.socket:
    host, port = service.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def problem_of(answer: bytes, status: int) -> dict:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), answer[:300]
    assert b"content-type: application/problem+json" in head.lower()
    document = json.loads(body)
    assert document["status"] == status
    return document


def test_headers_that_trickle_in_are_408_at_the_read_time_limit(service):
    with connect(service) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(0.25)
        answer = b""
        while not answer and time.monotonic() - started < 8:
            sock.sendall(b"X-Slow: y\r\n")  # a header every 0.25 s, never the blank line
            try:
                answer = sock.recv(4096)
            except TimeoutError:
                pass
        seconds = time.monotonic() - started
    assert f"within {READ_TIMEOUT} s" in problem_of(answer, 408)["detail"]
    assert READ_TIMEOUT - 0.2 < seconds < READ_TIMEOUT + 1.5


def test_many_slowloris_connections_are_all_closed_and_the_service_keeps_answering(service):
    socks = [connect(service) for _ in range(MAX_CONNECTIONS - 2)]
    try:
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and then nothing
        with service.client() as client:
            assert client.get("/health").status_code == 200
        time.sleep(READ_TIMEOUT + 0.5)
        for sock in socks:
            problem_of(read_until_closed(sock), 408)
    finally:
        for sock in socks:
            sock.close()


def test_a_connection_that_sends_nothing_is_closed_at_the_read_time_limit(service):
    with connect(service) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert READ_TIMEOUT - 0.2 < time.monotonic() - started < READ_TIMEOUT + 1.5


def test_one_connection_over_the_limit_is_503_with_retry_after_and_the_others_are_served(service):
    held = [connect(service) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)
        with connect(service) as extra:
            answer = read_until_closed(extra)
        assert f"{MAX_CONNECTIONS} connections" in problem_of(answer, 503)["detail"]
        assert b"retry-after: 1" in answer.lower()
        held[0].sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_until_closed(held[0]).startswith(b"HTTP/1.1 200 ")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    with service.client() as client:
        assert client.get("/health").status_code == 200


@pytest.mark.parametrize("length", [70_000, 2_000_000])
def test_a_request_target_over_the_parsers_limit_is_414(service, length):
    with connect(service) as sock:
        try:
            sock.sendall(b"GET /sparql?query=ASK%7B%7D%23" + b"x" * length + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the rest was sent
        answer = read_until_closed(sock)
    assert "65535 bytes" in problem_of(answer, 414)["detail"]


def test_headers_over_the_cap_are_431_before_they_are_all_read(service):
    with connect(service) as sock:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"y" * 1_000_000 + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
    assert "8192 bytes" in problem_of(answer, 431)["detail"]


@pytest.mark.parametrize("garbage", [b"HELLO\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"])
def test_bytes_that_are_not_http_get_a_400_problem_document(service, garbage):
    with connect(service) as sock:
        sock.sendall(garbage)
        assert "not a valid HTTP/1.1 request" in problem_of(read_until_closed(sock), 400)["detail"]

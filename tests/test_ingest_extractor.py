"""The extractor seam: the rules alone by default (no call to anything), and the optional prose
model plug-in against an OpenAI-compatible server started on 127.0.0.1 by the test: only what
is found verbatim is kept, and a server that fails or is slow leaves the rules' draft, noted."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graph.config import ModelEndpoint
from graph.ingest.pipeline import ingest
from graph.records import load_draft
from tests.support.paths import CORPUS
from tests.test_ingest import SEED, left_out

VISUAL = "visual messaging in anti-corruption campaigns"  # 000 says "the use of visual messaging in ..."


class ChatServer:
    """A chat-completions endpoint answering each request with `items` after `delay` seconds."""

    def __init__(self, items: list[dict] | None, delay: float = 0.0, status: int = 200):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                outer.requests.append({"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
                time.sleep(delay)
                content = json.dumps({"items": items}) if items is not None else "not JSON at all"
                body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server_with():
    servers = []

    def start(*args, **kwargs) -> ChatServer:
        servers.append(ChatServer(*args, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def drafted(tmp_path, model: ModelEndpoint | None):
    [result] = ingest([CORPUS / SEED], left_out(tmp_path, "000"), model=model)
    record, reviews = load_draft(result.draft)
    return record, record.article, reviews["article"]["facts seen, not proposed"]


def test_without_a_configured_endpoint_nothing_is_called_and_the_rules_draft_alone(tmp_path, server_with):
    server = server_with([{"kind": "policy", "text": VISUAL}])
    record, _, notes = drafted(tmp_path, None)
    assert server.requests == []
    assert not any(VISUAL in (e.label or "") for e in record.entities)
    assert not any("prose model" in note for note in notes)


def test_a_models_verbatim_description_is_kept_and_a_paraphrase_is_not(tmp_path, server_with):
    server = server_with([{"kind": "policy", "text": VISUAL},
                          {"kind": "event", "text": "a behavioural training for ministers"},  # not in the article
                          {"kind": "event", "text": "executive training for senior government officials"}])  # the rules have it
    record, _, notes = drafted(tmp_path, ModelEndpoint(server.url, "test-model", 5))
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "test-model"
    assert "Autoreload" not in request["body"]["messages"][1]["content"]  # furniture is never sent
    [visual] = [e for e in record.entities if e.label == VISUAL]
    assert visual.kind == "policy" and VISUAL in visual.quote
    assert not any("ministers" in (e.label or "") for e in record.entities)
    assert any("2 description(s) not found verbatim or overlapping a name" in note for note in notes)


@pytest.mark.parametrize("kwargs, why", [
    ({"items": None}, "JSONDecodeError"),
    ({"items": [], "status": 500}, "Internal Server Error"),
    ({"items": [], "delay": 3.0}, "no answer within 1 s"),
])
def test_a_failing_or_slow_endpoint_leaves_the_rules_draft_with_a_note(tmp_path, server_with, kwargs, why):
    server = server_with(**kwargs)
    started = time.monotonic()
    record, _, notes = drafted(tmp_path, ModelEndpoint(server.url, "m", 1.0))
    assert time.monotonic() - started < 20
    assert record.entities  # the rules' draft
    [note] = [n for n in notes if "prose model" in n]
    assert why in note and "the rules' findings only" in note


def test_no_endpoint_answering_at_all(tmp_path):
    record, _, notes = drafted(tmp_path, ModelEndpoint("http://127.0.0.1:9/v1", "m", 1.0))
    assert record.entities and any("prose model" in n and "refused" in n.lower() for n in notes)

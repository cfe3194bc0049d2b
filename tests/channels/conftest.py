"""A local HTTP server playing a provider (a webhook receiver, the Bot API, an SMS gateway)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest


class Peer:
    """Records requests; answers each with the next scripted (status, body, headers), then 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.script: list[tuple[int, Any, dict[str, str]]] = []
        self.forms: list[dict[str, str]] = []


@pytest.fixture
def peer() -> Iterator[tuple[Peer, str]]:
    state = Peer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                state.forms.append({k: v[0] for k, v in parse_qs(body.decode()).items()})
            status, answer, headers = state.script.pop(0) if state.script else (200, {"ok": True}, {})
            data = json.dumps(answer).encode()
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

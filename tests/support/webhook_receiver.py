"""A webhook on loopback for the alerts' tests: it answers 200 (keeping each JSON body), answers 500, or
accepts the connection and never answers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("ok", "error", "silent")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class WebhookReceiver:
    """`with WebhookReceiver("ok") as hook:` then point `MLBATTLE_WEBHOOK_URL` at `hook.url`."""

    def __init__(self, mode: str = "ok") -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.bodies: list[dict[str, Any]] = []
        self.requests = 0
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                receiver.requests += 1
                if receiver.mode == "silent":
                    receiver.release.wait(30)  # hold the connection, say nothing
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if receiver.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/T0SECRET/B0SECRET/xyzzy-token"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def texts(self) -> list[str]:
        return [body["text"] for body in self.bodies]

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

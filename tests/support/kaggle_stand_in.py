"""A stand-in for Kaggle's API that the real, unpatched `kaggle`/`kagglesdk` client talks to over HTTP.

The client POSTs JSON to `{base}/api/v1/{service}/{method}` when it runs in its LOCAL environment
(`KAGGLE_API_ENVIRONMENT=LOCALHOST` or `api.args = ["--local"]`, with
`kagglesdk.kaggle_env._env_to_endpoint[KaggleEnv.LOCAL]` set to `KaggleStandIn.url`). Serving that protocol
on loopback lets tests exercise the real client, including the faults Kaggle and its proxies produce, without
network access and without monkeypatching the client.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import os
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tools.samples import leaderboard_csv, leaderboard_member_name, synthetic_leaderboard

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
DOWNLOAD_LEADERBOARD = "competitions.CompetitionApiService/DownloadLeaderboard"
LIST_COMPETITIONS = "competitions.CompetitionApiService/ListCompetitions"
INTROSPECT_TOKEN = "security.OAuthService/IntrospectToken"
STORAGE_PREFIX = "/storage/"
STATUS_FAULTS = {
    "401": "Unauthenticated",
    "403": "Permission 'competitions.get' was denied",
    "404": "Competition not found",
    "429": "Too many requests",
    "500": "Internal error",
}
GATEWAY_FAULTS = {"502": "Bad Gateway", "503": "Service Unavailable"}
BODY_FAULTS = frozenset(
    {"html", "corrupt_zip", "empty_zip", "two_files", "zip_slip", "stall_body", "stall_headers", "slow", "huge"}
)
FAULT_KINDS = frozenset(STATUS_FAULTS) | frozenset(GATEWAY_FAULTS) | BODY_FAULTS
HUGE_CONTENT_LENGTH = 5 * 1024**3
_CHUNK = 64 * 1024
_DEFAULT_PAGE_SIZE = 20


@dataclass
class _Fault:
    kind: str
    remaining: int
    slug: str | None
    retry_after: float | None


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _normalised(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class KaggleStandIn:
    """Serves Kaggle's competition endpoints on 127.0.0.1 from a background thread; see the module docstring."""

    def __init__(
        self,
        *,
        username: str = "mlbattle-tester",
        key: str = "0123456789abcdef0123456789abcdef",
        token: str = "KGAT_0123456789abcdef0123456789abcdef",
        stall_seconds: float = 60.0,
        drip_bytes_per_second: float = 4.0,
    ) -> None:
        self.url = ""
        self.username = username
        self.key = key
        self.token = token
        self.stall_seconds = stall_seconds
        self.drip_bytes_per_second = drip_bytes_per_second
        self.requests: list[dict[str, Any]] = []
        # Like kaggle.com, answer DownloadLeaderboard with a redirect to a signed storage URL on another host
        # name (localhost), which refuses requests that carry credentials.
        self.redirect_downloads = False
        self.storage_refuses = False  # the signed link has expired: storage answers 403
        self._leaderboards: dict[str, bytes] = {}
        self._competitions: dict[str, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> KaggleStandIn:
        """Bind a free loopback port and serve until `stop()`."""
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stand_in = self
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="kaggle-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Return promptly even mid-stall: stalls and drips wait on the stop flag, handler threads are daemons."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> KaggleStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def set_leaderboard(self, slug: str, zip_bytes: bytes) -> None:
        """What DownloadLeaderboard answers for `slug`; slugs without one answer 404 like Kaggle."""
        with self._lock:
            self._leaderboards[slug] = zip_bytes

    def add_competition(
        self,
        slug: str,
        *,
        title: str,
        deadline: str = "2026-12-31T23:59:00Z",
        metric: str = "Categorization Accuracy",
        team_count: int = 0,
        ref_as_url: bool = False,
        category: str = "Featured",
        reward: str = "Knowledge",
    ) -> None:
        """List a competition in ListCompetitions; newer Kaggle answers put the URL in `ref`, older ones the slug."""
        url = f"https://www.kaggle.com/competitions/{slug}"
        with self._lock:
            self._competitions[slug] = {
                "id": 10_000 + len(self._competitions),
                "ref": url if ref_as_url else slug,
                "title": title,
                "url": url,
                "description": f"{title} (served by the stand-in)",
                "organizationName": "Kaggle",
                "category": category,
                "reward": reward,
                "tags": [],
                "deadline": deadline,
                "kernelCount": 0,
                "teamCount": team_count,
                "userHasEntered": False,
                "maxDailySubmissions": 5,
                "maxTeamSize": 5,
                "evaluationMetric": metric,
                "awardsPoints": True,
                "enabledDate": "2026-09-01T00:00:00Z",
            }

    def fail_next(
        self, kind: str, *, times: int = 1, slug: str | None = None, retry_after: float | None = None
    ) -> None:
        """Make the next `times` DownloadLeaderboard requests (for `slug`, or any) fail as `kind`."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {sorted(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(_Fault(kind, times, slug, retry_after))

    def _take_fault(self, slug: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.slug is None or fault.slug == slug:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _record(self, path: str, body: Any, auth: str | None) -> None:
        with self._lock:
            self.requests.append({"path": path, "body": body, "auth": auth, "time": time.time()})

    def _authenticate(self, header: str | None) -> tuple[str | None, bool]:
        """The scheme the caller used and whether its credentials are the accepted ones."""
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                username, _, key = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return "basic", False
            return "basic", (username, key) == (self.username, self.key)
        if scheme.lower() == "bearer":
            return "bearer", value == self.token
        return None, False

    def _leaderboard(self, slug: str) -> bytes | None:
        with self._lock:
            return self._leaderboards.get(slug)

    def _leaderboard_or_sample(self, slug: str) -> bytes:
        """Faults that mangle a body need one even for unknown slugs."""
        return self._leaderboard(slug) or _zip_of({leaderboard_member_name(slug): self._csv_or_sample(slug)})

    def _csv_or_sample(self, slug: str) -> bytes:
        try:
            with zipfile.ZipFile(io.BytesIO(self._leaderboard(slug) or b"")) as archive:
                return archive.read(archive.namelist()[0])
        except (zipfile.BadZipFile, IndexError):
            return leaderboard_csv(synthetic_leaderboard(5, seed=1))

    def _list(self, body: dict[str, Any]) -> dict[str, Any]:
        """Search on slug or title, filter on category, page by offset tokens: enough for the real client."""
        search = str(body.get("search") or "").lower()
        segment = str(body.get("category") or "HOST_SEGMENT_UNSPECIFIED").removeprefix("HOST_SEGMENT_")
        with self._lock:
            matches = [
                competition
                for slug, competition in self._competitions.items()
                if (search in slug.lower() or search in competition["title"].lower())
                and (segment == "UNSPECIFIED" or _normalised(segment) == _normalised(competition["category"]))
            ]
        size = int(body.get("pageSize") or _DEFAULT_PAGE_SIZE)
        start = int(body["pageToken"]) if body.get("pageToken") else (int(body.get("page") or 1) - 1) * size
        end = start + size
        return {"competitions": matches[start:end], "nextPageToken": str(end) if end < len(matches) else ""}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stand_in: KaggleStandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-body is routine here, so keep it out of stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            logger.debug("client %s went away: %r", client_address, error)
        else:
            logger.warning("stand-in failed serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5.0

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        """The storage host of a redirected download: `/storage/<slug>.zip?signature=...`."""
        stand_in = self.server.stand_in
        stand_in._record(self.path, None, self.headers.get("Authorization", "").partition(" ")[0].lower() or None)
        path, _, query = self.path.partition("?")
        slug = path.removeprefix(STORAGE_PREFIX).removesuffix(".zip")
        payload = stand_in._leaderboard(slug) if path.startswith(STORAGE_PREFIX) else None
        if payload is None or not query.startswith("signature="):
            self._send(404, "application/xml", b"<Error><Code>NoSuchKey</Code></Error>")
        elif stand_in.storage_refuses:
            self._send(403, "application/xml", b"<Error><Code>ExpiredToken</Code></Error>")
        elif self.headers.get("Authorization"):
            self._send(400, "application/xml", b"<Error><Code>InvalidArgument</Code>"
                       b"<Message>Multiple authentication mechanisms</Message></Error>")
        else:
            self._zip(payload, slug)

    def do_POST(self) -> None:
        stand_in = self.server.stand_in
        scheme, authorised = stand_in._authenticate(self.headers.get("Authorization"))
        try:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        except TimeoutError:
            # The client's own download retry re-POSTs with the old Content-Length but no body.
            stand_in._record(self.path, None, scheme)
            self._error(400, "Request body incomplete")
            return
        body = self._json_body(raw)
        stand_in._record(self.path, body, scheme)
        route = self.path.removeprefix(API_PREFIX) if self.path.startswith(API_PREFIX) else None
        if route == INTROSPECT_TOKEN:
            self._introspect(body or {})
        elif route not in (DOWNLOAD_LEADERBOARD, LIST_COMPETITIONS):
            self._error(404, f"No such method: {self.path}")
        elif not authorised:
            self._error(401, "Unauthenticated")
        elif not isinstance(body, dict):
            self._error(400, "Request body must be a JSON object")
        elif route == LIST_COMPETITIONS:
            self._list(body)
        else:
            self._download(str(body.get("competitionName") or ""))

    @staticmethod
    def _json_body(raw: bytes) -> Any:
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _introspect(self, body: dict[str, Any]) -> None:
        stand_in = self.server.stand_in
        if body.get("token") == stand_in.token:
            self._json(200, {"active": True, "username": stand_in.username, "clientId": "kaggle-cli", "scope": ""})
        else:
            self._json(200, {"active": False})

    def _list(self, body: dict[str, Any]) -> None:
        try:
            self._json(200, self.server.stand_in._list(body))
        except ValueError:
            self._error(400, "Invalid page token or size")

    def _download(self, slug: str) -> None:
        stand_in = self.server.stand_in
        fault = stand_in._take_fault(slug)
        if fault is not None:
            logger.debug("serving fault %s for %r", fault.kind, slug)
            self._fault(fault, slug)
            return
        payload = stand_in._leaderboard(slug)
        if payload is None:
            self._error(404, f"Competition '{slug}' not found")
        elif stand_in.redirect_downloads:
            port = self.server.server_address[1]
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}{STORAGE_PREFIX}{slug}.zip?signature=abc123")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._zip(payload, slug)

    def _fault(self, fault: _Fault, slug: str) -> None:
        stand_in = self.server.stand_in
        if fault.kind in STATUS_FAULTS:
            extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            self._error(int(fault.kind), STATUS_FAULTS[fault.kind], extra)
        elif fault.kind in GATEWAY_FAULTS:
            title = f"{fault.kind} {GATEWAY_FAULTS[fault.kind]}"
            self._send(int(fault.kind), "text/html; charset=UTF-8", f"<html><title>{title}</title></html>".encode())
        elif fault.kind == "html":
            page = b"<html><head><title>Kaggle</title></head><body>Please sign in.</body></html>"
            self._send(200, "text/html; charset=utf-8", page)
        elif fault.kind == "corrupt_zip":
            self._zip(b"PK\x03\x04" + os.urandom(1020), slug)
        elif fault.kind == "empty_zip":
            self._zip(_zip_of({}), slug)
        elif fault.kind == "two_files":
            csv = stand_in._csv_or_sample(slug)
            names = (leaderboard_member_name(slug), leaderboard_member_name(slug, private=True))
            self._zip(_zip_of(dict.fromkeys(names, csv)), slug)
        elif fault.kind == "zip_slip":
            self._zip(_zip_of({"../../evil.csv": stand_in._csv_or_sample(slug)}), slug)
        elif fault.kind == "stall_headers":
            stand_in._stopping.wait(stand_in.stall_seconds)
            self.close_connection = True
        elif fault.kind == "stall_body":
            payload = stand_in._leaderboard_or_sample(slug)
            self._zip_headers(len(payload), slug)
            self.wfile.write(payload[: len(payload) // 2])
            stand_in._stopping.wait(stand_in.stall_seconds)
            self.close_connection = True
        elif fault.kind == "slow":
            self._drip(stand_in._leaderboard_or_sample(slug), slug)
        else:
            self._zeros(slug)

    def _drip(self, payload: bytes, slug: str) -> None:
        """Every read returns within a short timeout, so only a total deadline catches this."""
        stand_in = self.server.stand_in
        self._zip_headers(len(payload), slug)
        step = max(1, round(stand_in.drip_bytes_per_second / 4))
        for start in range(0, len(payload), step):
            self.wfile.write(payload[start : start + step])
            if stand_in._stopping.wait(step / stand_in.drip_bytes_per_second):
                break
        self.close_connection = True

    def _zeros(self, slug: str) -> None:
        """A body far over any sane size, streamed and never held in memory; ends when the client hangs up."""
        stand_in = self.server.stand_in
        self._zip_headers(HUGE_CONTENT_LENGTH, slug)
        chunk = bytes(_CHUNK)
        for _ in range(HUGE_CONTENT_LENGTH // _CHUNK):
            if stand_in._stopping.is_set():
                break
            self.wfile.write(chunk)
        self.close_connection = True

    def _zip_headers(self, length: int, slug: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(length))
        self.send_header("Content-Disposition", f'attachment; filename="{slug}.zip"')
        self.end_headers()

    def _zip(self, payload: bytes, slug: str) -> None:
        self._zip_headers(len(payload), slug)
        for start in range(0, len(payload), 1024 * 1024):
            self.wfile.write(payload[start : start + 1024 * 1024])

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, "application/json", json.dumps(payload).encode(), headers)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        """Kaggle's error shape; kagglesdk turns it into `requests.HTTPError(message)` with this status."""
        self._json(status, {"code": status, "message": message}, headers)

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def stand_in_env(stand_in: KaggleStandIn) -> dict[str, str]:
    """Environment for a child process (or os.environ) so the app's client talks to `stand_in`."""
    return {
        "MLBATTLE_KAGGLE_ENDPOINT": stand_in.url,
        "KAGGLE_USERNAME": stand_in.username,
        "KAGGLE_KEY": stand_in.key,
    }


@pytest.fixture
def kaggle_stand_in() -> Iterator[KaggleStandIn]:
    """A started stand-in, stopped after the test; conftest re-exports it."""
    with KaggleStandIn() as stand_in:
        yield stand_in

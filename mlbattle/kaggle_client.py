"""Kaggle through its official SDK: a bounded leaderboard download and the competition list.

We call `kagglesdk.KaggleClient`, the client that `kaggle.KaggleApi` itself builds, with the same
`DownloadLeaderboard` and `ListCompetitions` calls, for three reasons the README spells out: importing
`kaggle` signs in at import time and prints a notice, `KaggleApi.download_file` retries five times with
no stall or total timeout, and its requests carry no timeout at all. Here every request has a connect and
stall timeout, the body is streamed with a size cap and a deadline, 429 and 5xx are retried with backoff,
and all requests of the process are paced, so `Retry-After` slows every sync, not only the one that got it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from .settings import Settings

log = logging.getLogger(__name__)

API_PATH = "/api/v1/"
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_URL_MARKERS = ("competitions", "c")
_CHUNK = 256 * 1024
_endpoint_lock = threading.Lock()


class KaggleError(Exception):
    """A Kaggle call failed; the message is one line an organiser can act on."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status is not None and (self.status == 429 or self.status >= 500)


def competition_slug(text: str) -> str:
    """Accept what people paste: a slug, a competition URL, or a URL with a trailing path."""
    raw = (text or "").strip()
    candidate = raw
    if "/" in raw or raw.lower().startswith(("http:", "https:", "www.")):
        parsed = urlparse(raw if "://" in raw else f"https://{raw}")
        parts = [part for part in parsed.path.split("/") if part]
        candidate = ""
        for marker in _URL_MARKERS:
            if marker in parts and parts.index(marker) + 1 < len(parts):
                candidate = parts[parts.index(marker) + 1]
                break
    candidate = candidate.lower()
    if not SLUG_PATTERN.match(candidate):
        shown = raw if len(raw) <= 80 else raw[:77] + "..."
        raise ValueError(
            f"{shown!r} is not a Kaggle competition: give its slug (spaceship-titanic) "
            "or its URL (https://www.kaggle.com/competitions/spaceship-titanic)"
        )
    return candidate


@dataclass(frozen=True)
class CompetitionInfo:
    slug: str
    title: str
    url: str
    deadline: datetime | None
    metric: str | None
    team_count: int
    category: str | None = None
    reward: str | None = None


class Pacer:
    """Process-wide spacing of Kaggle requests: a minimum gap, and a pause after any `Retry-After`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self, min_gap: float, deadline: float) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_at)
            if start > deadline:
                raise KaggleError(f"Kaggle asked us to wait {start - now:.0f} s, past this sync's time limit")
            self._next_at = start + min_gap
        time.sleep(max(0.0, start - time.monotonic()))

    def hold_off(self, seconds: float) -> None:
        with self._lock:
            self._next_at = max(self._next_at, time.monotonic() + seconds)


PACER = Pacer()


def _refused_credentials(source: str) -> str:
    """The 401 message, naming the setting the credentials came from (never their value)."""
    if "TOKEN" in source or "access_token" in source:
        fix = "put a current API token there (kaggle.com, Settings, API: Generate New Token)"
    elif source:
        fix = "check the username and key there (kaggle.com, Settings, API)"
    else:
        return "Kaggle refused the credentials (401): check KAGGLE_API_TOKEN, or KAGGLE_USERNAME and KAGGLE_KEY"
    return f"Kaggle refused the credentials (401) from {source}: {fix}"


def _http_error(exc: Any, what: str, source: str = "") -> KaggleError:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    retry_after = _retry_after(response)
    url = getattr(response, "url", None) or ""
    if status is not None and url and API_PATH not in url:
        # Kaggle answered with a redirect to a signed storage link, and the storage host refused it.
        return KaggleError(f"Kaggle's download link was refused by its storage ({status}) for {what}: the link "
                           "expires quickly; sync again", status=status)
    if status == 401:
        return KaggleError(_refused_credentials(source), status=status)
    if status == 403:
        return KaggleError(
            f"Kaggle answered 403 for {what}: accept the competition's rules on kaggle.com with this account, "
            "or check the credentials",
            status=status,
        )
    if status == 404:
        return KaggleError(f"Kaggle has no {what} (404)", status=status)
    if status == 429:
        return KaggleError("Kaggle is rate limiting requests (429)", status=status, retry_after=retry_after)
    if status is not None:
        return KaggleError(f"Kaggle answered {status} for {what}", status=status, retry_after=retry_after)
    return KaggleError(f"could not reach Kaggle for {what}: {_one_line(exc)}", status=599)


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


@contextmanager
def _client(settings: Settings) -> Iterator[Any]:
    """The SDK client, pointed at `MLBATTLE_KAGGLE_ENDPOINT` when set, with timeouts on every request."""
    if not settings.kaggle.present:
        raise KaggleError(
            "Kaggle credentials are missing: set KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY) in the "
            "environment or in .streamlit/secrets.toml, or save the token in ~/.kaggle/access_token"
        )
    from kagglesdk import KaggleClient, KaggleEnv, kaggle_env
    from requests import PreparedRequest, Response
    from requests.adapters import HTTPAdapter

    class BoundedAdapter(HTTPAdapter):
        def send(
            self, request: PreparedRequest, stream: bool = False,
            timeout: float | tuple[float | None, float | None] | None = None, verify: bool | str = True,
            cert: str | tuple[str, str] | None = None, proxies: dict[str, str] | None = None,
        ) -> Response:
            """Every request gets the connect and read timeouts, whatever the SDK passed."""
            bounded = (min(settings.stall_timeout, 10.0), settings.stall_timeout)
            return super().send(request, stream=stream, timeout=bounded, verify=verify, cert=cert, proxies=proxies)

    env = KaggleEnv.PROD
    with _endpoint_lock:
        if settings.kaggle_endpoint:
            kaggle_env._env_to_endpoint[KaggleEnv.LOCAL] = settings.kaggle_endpoint
            env = KaggleEnv.LOCAL
        client = KaggleClient(
            env=env,
            username=settings.kaggle.username,
            password=settings.kaggle.key,
            api_token=settings.kaggle.token,
            user_agent="ml-battle-leaderboards",
        )
    with client as kaggle:
        session = kaggle.http_client()._session
        session.trust_env = False
        for prefix in ("http://", "https://"):
            session.mount(prefix, BoundedAdapter())
        yield kaggle


def _with_retries(settings: Settings, deadline: float, call: Any) -> Any:
    """Run `call` with paced, bounded retries on 429, 5xx and network errors."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        pause = min(2.0 ** (state.attempt_number - 1) * 0.5, 8.0)
        if isinstance(exc, KaggleError) and exc.retry_after is not None:
            PACER.hold_off(min(exc.retry_after, 300.0))
            return 0.0
        if time.monotonic() + pause > deadline:
            raise exc if exc else KaggleError("Kaggle time limit reached")
        return pause

    retrying = Retrying(
        retry=retry_if_exception(lambda exc: isinstance(exc, KaggleError) and exc.retryable),
        stop=stop_after_attempt(settings.retries + 1),
        wait=wait,
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            PACER.wait(settings.min_request_gap, deadline)
            return call()
    raise AssertionError("unreachable: tenacity either returns or re-raises")


def download_leaderboard(slug: str, folder: Path, settings: Settings) -> Path:
    """Download the full leaderboard zip (never the 20-row view) into `folder`; bounded in time and size."""
    deadline = time.monotonic() + settings.total_timeout
    target = folder / f"{slug}.zip"

    def attempt() -> Path:
        import requests
        from kagglesdk.competitions.types.competition_api_service import ApiDownloadLeaderboardRequest
        from urllib3.exceptions import ProtocolError, ReadTimeoutError

        request = ApiDownloadLeaderboardRequest()
        request.competition_name = slug
        try:
            with _client(settings) as kaggle:
                response = kaggle.competitions.competition_api_client.download_leaderboard(request)
                try:
                    _stream_to(response, target, settings, deadline)
                finally:
                    response.close()
        except requests.HTTPError as exc:
            raise _http_error(exc, f"competition {slug!r}", settings.kaggle.source) from None
        except (requests.Timeout, ReadTimeoutError):
            raise KaggleError(f"Kaggle sent nothing for {settings.stall_timeout:g} s (stalled download)") from None
        except (requests.ConnectionError, ProtocolError) as exc:
            if "timed out" in str(exc).lower():
                raise KaggleError(
                    f"Kaggle sent nothing for {settings.stall_timeout:g} s (stalled download)"
                ) from None
            raise _http_error(exc, f"competition {slug!r}") from None
        except requests.RequestException as exc:
            raise KaggleError(f"download of {slug!r} failed: {_one_line(exc)}") from None
        return target

    return _with_retries(settings, deadline, attempt)


def _stream_to(response: Any, target: Path, settings: Settings, deadline: float) -> None:
    cap = settings.max_download_bytes
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise KaggleError(f"the download is {int(declared) / 1e6:.0f} MB, over the {cap / 1e6:.0f} MB limit; refused")
    written = 0
    with target.open("wb") as out:
        # read1 returns whatever has arrived, so a body dripping in slowly still meets the deadline check.
        while chunk := response.raw.read1(_CHUNK, decode_content=True):
            written += len(chunk)
            if written > cap:
                raise KaggleError(f"the download passed the {cap / 1e6:.0f} MB limit; refused")
            if time.monotonic() > deadline:
                raise KaggleError(f"the download ran past {settings.total_timeout:g} s; stopped")
            out.write(chunk)


def _competition_info(item: Any) -> CompetitionInfo:
    ref = item.ref or item.url or ""
    slug = competition_slug(ref)
    deadline = item.deadline if isinstance(item.deadline, datetime) else None
    return CompetitionInfo(
        slug=slug,
        title=item.title or slug,
        url=f"https://www.kaggle.com/competitions/{slug}",
        deadline=deadline,
        metric=item.evaluation_metric or None,
        team_count=int(item.team_count or 0),
        category=item.category or None,
        reward=item.reward or None,
    )


def list_competitions(search: str, settings: Settings, *, page_size: int = 20) -> list[CompetitionInfo]:
    """Kaggle's competition search, every state (active and closed), best match first."""
    deadline = time.monotonic() + settings.total_timeout

    def attempt() -> list[CompetitionInfo]:
        import requests
        from kagglesdk.competitions.types.competition_api_service import ApiListCompetitionsRequest
        from kagglesdk.competitions.types.competition_enums import CompetitionListTab

        request = ApiListCompetitionsRequest()
        request.group = CompetitionListTab.COMPETITION_LIST_TAB_EVERYTHING
        request.search = search
        request.page_size = page_size
        try:
            with _client(settings) as kaggle:
                response = kaggle.competitions.competition_api_client.list_competitions(request)
        except requests.HTTPError as exc:
            raise _http_error(exc, "competition list", settings.kaggle.source) from None
        except requests.RequestException as exc:
            raise _http_error(exc, "competition list") from None
        infos = []
        for item in response.competitions or []:
            try:
                infos.append(_competition_info(item))
            except ValueError:
                log.warning("skipping a competition with an unreadable ref: %r", item.ref)
        return infos

    return _with_retries(settings, deadline, attempt)


def find_competition(slug: str, settings: Settings) -> CompetitionInfo:
    """Kaggle's facts about one competition, found through the search (there is no single-get call)."""
    for info in list_competitions(slug, settings, page_size=50):
        if info.slug == slug:
            return info
    raise KaggleError(f"Kaggle's competition list has no {slug!r}: check the slug or URL", status=404)

"""HTTP for connectors: every call has a timeout (also on the whole body), retries with
exponential backoff and full jitter, and gives up at once when the stop event is set."""
from __future__ import annotations

import base64
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests

from .errors import ConnectorError, SourceUnavailable

T = TypeVar("T")
MAX_BODY_BYTES = 32 * 1024 * 1024


class Stopped(Exception):
    """The stop event was set while a connector was waiting; the run loop ends quietly."""


class HttpError(ConnectorError):
    """The source refused the request (HTTP 4xx other than 429): retrying will not help."""

    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3           # tries per call, the first included
    base_delay: float = 0.5     # seconds; doubles with every failure …
    max_delay: float = 30.0     # … up to this cap

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Full jitter: uniformly between 0 and the capped exponential step."""
        step = min(self.max_delay, self.base_delay * 2 ** max(0, min(failures - 1, 30)))
        return (rng or random).uniform(0.0, step)


@dataclass
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    file: Any = field(default=None, repr=False)   # download(): the body in a temporary file instead

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()


def public_url(url: str) -> str:
    """The URL without its query (which may hold an API key), for messages."""
    try:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    except ValueError:
        return "<bad url>"


def call_interruptibly(fn: Callable[[], T], stop: threading.Event, limit: float,
                       on_abandon: Callable[[T], Any] | None = None) -> T:
    """Run a blocking call in a helper thread and wait for it in short slices, so that a set
    `stop` (or `limit` seconds) ends the wait. An abandoned call finishes on its own timeout;
    if it then succeeds, `on_abandon` receives its result (e.g. to close a connection)."""
    lock = threading.Lock()
    state: dict[str, Any] = {"abandoned": False}
    done = threading.Event()

    def work() -> None:
        try:
            value = fn()
        except BaseException as exc:  # handed to the waiting thread
            state["error"] = exc
        else:
            with lock:
                state["value"] = value
                late = state["abandoned"]
            if late and on_abandon:
                try:
                    on_abandon(value)
                except Exception:
                    pass
        finally:
            done.set()

    threading.Thread(target=work, name="connector-call", daemon=True).start()
    deadline = time.monotonic() + limit
    while not done.wait(0.05):
        if stop.is_set() or time.monotonic() > deadline:
            with lock:
                state["abandoned"] = True
            if stop.is_set():
                raise Stopped()
            raise SourceUnavailable(f"no answer within {limit:g} s")
    if "error" in state:
        raise state["error"]
    return state["value"]


class HttpClient:
    def __init__(self, timeout: float = 10.0, retry: RetryPolicy | None = None,
                 session: requests.Session | None = None, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "CityOps-connector/0.1")
        self.max_bytes = max_bytes

    def get(self, url: str, *, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None, stop: threading.Event) -> HttpResponse:
        """GET with retries on SourceUnavailable. Raises SourceUnavailable after the last try,
        HttpError on 4xx, Stopped when `stop` is set."""
        return self._retrying(lambda: call_interruptibly(lambda: self._once(url, params, headers), stop,
                                                         self.timeout + 2.0), stop)

    def download(self, url: str, *, headers: Mapping[str, str] | None = None, stop: threading.Event,
                 max_bytes: int) -> HttpResponse:
        """GET like get(), the body into a temporary file (response.file, at its start; close() it)
        rather than memory, up to max_bytes — decoded: a Content-Encoding: gzip body counts unzipped."""
        return self._retrying(lambda: call_interruptibly(
            lambda: self._once(url, None, headers, to_file=max_bytes), stop, self.timeout + 2.0,
            on_abandon=HttpResponse.close), stop)

    def _retrying(self, attempt, stop: threading.Event) -> HttpResponse:
        """Run `attempt` until it answers; SourceUnavailable is retried with backoff up to the policy's tries."""
        failures = 0
        while True:
            try:
                return attempt()
            except SourceUnavailable:
                failures += 1
                if failures >= self.retry.attempts:
                    raise
                if stop.wait(self.retry.delay(failures)):
                    raise Stopped() from None

    def _once(self, url: str, params: Mapping[str, Any] | None, headers: Mapping[str, str] | None,
              to_file: int | None = None) -> HttpResponse:
        if to_file is not None:
            return self._to_file(url, headers, to_file)
        where = public_url(url)
        deadline = time.monotonic() + self.timeout
        try:
            with self.session.get(url, params=params, headers=headers, timeout=(self.timeout, self.timeout),
                                  stream=True) as r:
                chunks: list[bytes] = []
                size = 0
                for chunk in r.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ConnectorError(f"{where}: response larger than {self.max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise SourceUnavailable(f"{where}: timed out after {self.timeout:g} s reading the body")
                    chunks.append(chunk)
                response = HttpResponse(r.url, r.status_code, dict(r.headers), b"".join(chunks))
        except requests.Timeout:
            raise SourceUnavailable(f"{where}: timed out after {self.timeout:g} s") from None
        except requests.exceptions.ChunkedEncodingError:   # the connection broke mid-body: worth a retry
            raise SourceUnavailable(f"{where}: the connection broke while the body was being read") from None
        except requests.ConnectionError as exc:
            raise SourceUnavailable(f"{where}: cannot connect ({_short(exc)})") from None
        except requests.RequestException as exc:   # invalid URL, too many redirects …
            raise ConnectorError(f"{where}: {_short(exc)}") from None
        if response.status >= 500 or response.status == 429:
            raise SourceUnavailable(f"{where}: HTTP {response.status}")
        if response.status >= 400:
            raise HttpError(f"{where}: HTTP {response.status}", response.status, response.body)
        return response


    def _to_file(self, url: str, headers: Mapping[str, str] | None, max_bytes: int) -> HttpResponse:
        where = public_url(url)
        deadline = time.monotonic() + self.timeout
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        try:
            with self.session.get(url, headers=headers, timeout=(self.timeout, self.timeout), stream=True) as r:
                size = 0
                if r.status_code < 300:
                    for chunk in r.iter_content(256 * 1024):   # decoded: Content-Encoding gzip comes unzipped
                        size += len(chunk)
                        if size > max_bytes:
                            raise ConnectorError(f"{where}: response larger than {max_bytes / 1e6:g} MB (the limit)")
                        if time.monotonic() > deadline:
                            raise SourceUnavailable(f"{where}: timed out after {self.timeout:g} s reading the body")
                        out.write(chunk)
                    body = b""
                else:
                    body = r.content[:65536]
                out.seek(0)
                response = HttpResponse(r.url, r.status_code, dict(r.headers), body, out)
        except BaseException as exc:
            out.close()
            if isinstance(exc, requests.Timeout):
                raise SourceUnavailable(f"{where}: timed out after {self.timeout:g} s") from None
            if isinstance(exc, requests.exceptions.ChunkedEncodingError):
                raise SourceUnavailable(f"{where}: the connection broke while the body was being read") from None
            if isinstance(exc, requests.exceptions.ContentDecodingError):
                raise SourceUnavailable(f"{where}: the gzip body could not be decoded ({_short(exc)})") from None
            if isinstance(exc, requests.ConnectionError):
                raise SourceUnavailable(f"{where}: cannot connect ({_short(exc)})") from None
            if isinstance(exc, requests.RequestException):
                raise ConnectorError(f"{where}: {_short(exc)}") from None
            raise
        if response.status >= 500 or response.status == 429:
            response.close()
            raise SourceUnavailable(f"{where}: HTTP {response.status}")
        if response.status >= 400:
            response.close()
            raise HttpError(f"{where}: HTTP {response.status}", response.status, response.body)
        return response


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "…"


def credential_headers(*, username: str = "", password: str = "", token: str = "",
                       api_key: str = "", api_key_header: str = "X-API-Key") -> dict[str, str]:
    """HTTP headers for a source's credentials: Basic auth (username/password), a Bearer token,
    or an API key in a header (never in the URL, so it stays out of logs and health details)."""
    headers: dict[str, str] = {}
    if username or password:
        pair = base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")
        headers["Authorization"] = f"Basic {pair}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    if api_key:
        headers[api_key_header] = api_key
    return headers


def explain_refusal(exc: HttpError, setting: str) -> ConnectorError:
    """A 401/403 says the credentials are wrong or missing: say so, and which setting holds them."""
    if exc.status in (401, 403):
        return ConnectorError(f"{exc} — the source refused the credentials: check {setting}")
    return exc

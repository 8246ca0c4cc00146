"""Fetching from the web politely and within limits: `Fetcher.get`, the one way newsdex asks a server
for a feed, a sitemap or a page.

What it promises every server: a user agent that names newsdex and the token its robots.txt rules use;
robots.txt obeyed (its Crawl-delay too) unless the user says otherwise; at most
`Policy.host_concurrency` requests to one host at a time, `Policy.host_delay` seconds apart;
conditional requests (If-None-Match / If-Modified-Since) when it has fetched the address before.
What it promises the user: no page larger than `Policy.max_bytes`, none slower than
`Policy.timeout` seconds in all, at most `Policy.max_redirects` redirects and never a loop; and a
failure is a `FetchFailed` whose message is the reason in words.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

try:
    _VERSION = version("newsdex")
except PackageNotFoundError:  # run from a checkout that was never installed
    _VERSION = "dev"

# The token robots.txt rules name ("User-agent: newsdex"), and the whole header servers log.
ROBOTS_TOKEN = "newsdex"
USER_AGENT = f"newsdex/{_VERSION} (news archive indexer; robots.txt token: newsdex)"


class FetchFailed(Exception):
    """One address could not be fetched; the message says why ("HTTP 404", "timed out after 10s")."""


@dataclass(frozen=True)
class Policy:
    """How newsdex fetches: its manners towards servers and its limits per page."""

    user_agent: str = USER_AGENT
    timeout: float = 10.0  # seconds for a whole response, connection to last byte
    max_bytes: int = 5_000_000  # a larger body is refused, not cut
    max_redirects: int = 5
    host_delay: float = 0.5  # seconds between two requests to one host (robots.txt may ask for more)
    host_concurrency: int = 2
    respect_robots: bool = True


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a response, sent back to ask "has it changed?"."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        found = {}
        if self.etag:
            found["If-None-Match"] = self.etag
        if self.last_modified:
            found["If-Modified-Since"] = self.last_modified
        return found


@dataclass(frozen=True)
class Fetched:
    """A response: the address it came from after redirects, and its body (empty when `not_modified`)."""

    url: str
    body: bytes
    content_type: str
    validators: Validators
    not_modified: bool = False

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.content_type.split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return None


@dataclass
class _Host:
    """One host's share of the fetcher: its slots, when it may next be asked, its robots.txt."""

    slots: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    robots: RobotFileParser | None = None
    robots_read: bool = False
    robots_problem: str | None = None  # why robots.txt could not be read: then nothing there is fetched


class Fetcher:
    """A client shared by every fetch of one ingest run: safe to call from many threads."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self.client = httpx.Client(headers={"User-Agent": self.policy.user_agent}, follow_redirects=False,
                                   timeout=self.policy.timeout)
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self.requests = 0
        self.conditional_requests = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, validators: Validators | None = None) -> Fetched:
        """The body at `url`, following redirects within the limits; `validators` make it conditional.

        Raises FetchFailed with the reason: an HTTP error status, a timeout, a body too large,
        too many redirects or a loop, robots.txt's refusal, a network error.
        """
        seen = {url}
        for _ in range(self.policy.max_redirects + 1):
            response = self._one(url, validators)
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchFailed(f"HTTP {response.status_code} redirect without a Location")
                url = urljoin(url, location)
                if url in seen:
                    raise FetchFailed(f"redirect loop (back to {url})")
                seen.add(url)
                continue
            return response_to_fetched(url, response)
        raise FetchFailed(f"more than {self.policy.max_redirects} redirects")

    # -- one request ---------------------------------------------------------------------------

    def _one(self, url: str, validators: Validators | None) -> _Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchFailed(f"not an http(s) address: {url}")
        host = self._host(f"{parts.scheme}://{parts.netloc}")
        if self.policy.respect_robots:
            self._check_robots(host, f"{parts.scheme}://{parts.netloc}", url)
        headers = validators.headers() if validators else {}
        with host.slots:
            self._wait_turn(host)
            self.requests += 1
            self.conditional_requests += bool(headers)
            return self._read(url, headers)

    def _read(self, url: str, headers: dict[str, str]) -> _Response:
        """One GET, its body read to at most max_bytes and within the whole-response timeout."""
        deadline = time.monotonic() + self.policy.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.policy.max_bytes:
                    raise FetchFailed(f"larger than the {self.policy.max_bytes:,}-byte limit ({int(declared):,} bytes)")
                body = bytearray()
                if response.status_code == 200:
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > self.policy.max_bytes:
                            raise FetchFailed(f"larger than the {self.policy.max_bytes:,}-byte limit")
                        if time.monotonic() > deadline:
                            raise FetchFailed(f"timed out after {self.policy.timeout:g}s")
                return _Response(response.status_code, response.headers, bytes(body))
        except httpx.TimeoutException:
            raise FetchFailed(f"timed out after {self.policy.timeout:g}s") from None
        except httpx.HTTPError as error:
            raise FetchFailed(f"{type(error).__name__}: {error}"[:300]) from None

    def _host(self, origin: str) -> _Host:
        with self._hosts_lock:
            if origin not in self._hosts:
                self._hosts[origin] = _Host(threading.Semaphore(self.policy.host_concurrency))
            return self._hosts[origin]

    def _wait_turn(self, host: _Host) -> None:
        """Sleep until this host may be asked again, and book the next turn."""
        delay = self.policy.host_delay
        if host.robots is not None:
            asked = host.robots.crawl_delay(ROBOTS_TOKEN)
            if asked:
                delay = max(delay, float(asked))
        with host.lock:
            now = time.monotonic()
            start = max(now, host.next_at)
            host.next_at = start + delay
        if start > now:
            time.sleep(start - now)

    def _check_robots(self, host: _Host, origin: str, url: str) -> None:
        """FetchFailed when robots.txt forbids `url`, or could not be read (RFC 9309: a server
        error there means "fetch nothing"); a missing robots.txt (4xx) allows everything."""
        with host.lock:
            read = host.robots_read
        if not read:
            parser, problem = None, None
            try:
                with host.slots:
                    self._wait_turn(host)
                    self.requests += 1
                    response = self._read(origin + "/robots.txt", {})
                if response.status_code == 200:
                    parser = RobotFileParser()
                    parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
                elif response.status_code >= 500:
                    problem = f"its robots.txt answered HTTP {response.status_code}"
            except FetchFailed as error:
                problem = f"its robots.txt could not be read ({error})"
            with host.lock:
                host.robots, host.robots_problem, host.robots_read = parser, problem, True
        if host.robots_problem:
            raise FetchFailed(f"{host.robots_problem}; --ignore-robots fetches anyway")
        if host.robots is not None and not host.robots.can_fetch(ROBOTS_TOKEN, url):
            raise FetchFailed("disallowed by robots.txt; --ignore-robots fetches anyway")


@dataclass(frozen=True)
class _Response:
    status_code: int
    headers: httpx.Headers
    body: bytes


def response_to_fetched(url: str, response: _Response) -> Fetched:
    """A final (non-redirect) response as a `Fetched`, or FetchFailed for an error status."""
    validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
    content_type = response.headers.get("content-type", "")
    if response.status_code == 304:
        return Fetched(url, b"", content_type, validators, not_modified=True)
    if response.status_code != 200:
        reason = httpx.codes.get_reason_phrase(response.status_code)
        raise FetchFailed(f"HTTP {response.status_code}" + (f" {reason}" if reason else ""))
    return Fetched(url, response.body, content_type, validators)

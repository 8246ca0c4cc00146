"""What wraps every request: the body size limit, the Prometheus metrics, and the access
log's redaction of keys put in URLs.

The first two are plain ASGI middleware, so they see streamed bodies and every response,
errors included. Metric names follow Prometheus' conventions (promtool's checks): counters end
in `_total`, units are base units named in the suffix (`_seconds`, `_bytes`), and figures read
from the index are gauges read at scrape time.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdex.api.problems import problem

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def too_large(limit: int) -> str:
    return f"request body is larger than {limit} bytes; send less (the limit is NEWSDEX_MAX_BODY_BYTES)"


class BodyLimit:
    """413 for a body over `limit` bytes, whether or not the client sent Content-Length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await problem(413, too_large(self.limit))(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the route's body read, so FastAPI answers it like any HTTPException.
                    raise HTTPException(413, too_large(self.limit))
            return message

        await self.app(scope, limited, send)


class Metrics:
    """The app's own Prometheus registry (not the process-wide one, so apps never collide):
    requests, the process and Python runtime, the build, and what `figures` reads at scrape time."""

    def __init__(self, build: dict[str, str]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("newsdex_http_requests", "HTTP requests answered, by route and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("newsdex_http_request_duration_seconds", "Time to answer a request, by route.",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        Info("newsdex_build", "The newsdex serving: its version, model, encoder backend and store.",
             registry=self.registry).info(build)
        # process_* (CPU, memory, open files) and python_* (version, garbage collection), as
        # every Prometheus client exposes them; the same collectors the default registry holds.
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)

    def watch(self, figures: Callable[[], Figures]) -> None:
        """Read `figures` at each scrape (what the served index holds, what the server has done)."""
        self.registry.register(Served(figures))


class Figures:
    """What one scrape reads: the served index's size (None without an index), the swaps so far,
    and the micro-batcher's model calls and texts (None when batching is off)."""

    def __init__(self, index: tuple[int, int, int] | None, swaps: int, embedded: tuple[int, int] | None,
                 keeping: Sequence[dict[str, Any]] = ()) -> None:
        self.index = index
        self.swaps = swaps
        self.embedded = embedded
        self.keeping = keeping  # api.keepers.KeeperStatus.snapshot() of each loop keeping the index fresh


class Served:
    """A collector of `Figures`: gauges for what the index holds, counters for what happened."""

    GAUGES = (("newsdex_index_articles", "Articles in the index being served."),
              ("newsdex_index_passages", "Passages in the index being served."),
              ("newsdex_index_size_bytes", "Size of the served build on disk."))
    SWAPS = ("newsdex_index_swaps", "New builds swapped in while serving.")
    EMBEDDED = (("newsdex_embed_batches", "Model calls made by the micro-batcher."),
                ("newsdex_embed_texts", "Texts those calls encoded (distinct within a batch)."))

    KEEPER_RUNS = ("newsdex_keeper_runs", "Runs of a loop keeping the index fresh (serve --watch, --feeds).")
    KEEPER_FAILURES = ("newsdex_keeper_failures", "Of those runs, the ones that failed.")
    KEEPER_SUCCESS = ("newsdex_keeper_last_success_timestamp_seconds", "When a keeper's last run that worked ended.")

    def __init__(self, figures: Callable[[], Figures]) -> None:
        self.figures = figures

    def describe(self) -> Iterator[Metric]:
        """The names, without reading the index (the registry asks when the collector is registered)."""
        for name, doc in self.GAUGES:
            yield GaugeMetricFamily(name, doc)
        for name, doc in (self.SWAPS, *self.EMBEDDED):
            yield CounterMetricFamily(name, doc)
        yield CounterMetricFamily(*self.KEEPER_RUNS, labels=["keeper"])
        yield CounterMetricFamily(*self.KEEPER_FAILURES, labels=["keeper"])
        yield GaugeMetricFamily(*self.KEEPER_SUCCESS, labels=["keeper"])

    def collect(self) -> Iterator[Metric]:
        now = self.figures()
        if now.index is not None:  # no index: the other metrics are still worth reading
            for (name, doc), value in zip(self.GAUGES, now.index):
                yield GaugeMetricFamily(name, doc, value=value)
        yield CounterMetricFamily(*self.SWAPS, value=now.swaps)
        if now.embedded is not None:
            for (name, doc), value in zip(self.EMBEDDED, now.embedded):
                yield CounterMetricFamily(name, doc, value=value)
        if now.keeping:
            runs = CounterMetricFamily(*self.KEEPER_RUNS, labels=["keeper"])
            failures = CounterMetricFamily(*self.KEEPER_FAILURES, labels=["keeper"])
            success = GaugeMetricFamily(*self.KEEPER_SUCCESS, labels=["keeper"])
            for status in now.keeping:
                runs.add_metric([status["name"]], status["runs"])
                failures.add_metric([status["name"]], status["failures"])
                if status["last_success"] is not None:
                    success.add_metric([status["name"]], status["last_success"])
            yield from (runs, failures, success)


# Not counted: a scrape counting itself only measures the scraper.
UNCOUNTED = frozenset({"/metrics"})


def route_of(scope: Scope, root_path: str) -> str:
    """The route template a request matched (/articles/{article_id:path}, not the id); a file of
    a mounted folder is `/static/{path}` (a mount adds its path to the scope's root_path, which
    was `root_path` before routing); anything else `<unmatched>`, so unknown URLs cannot grow
    the label set."""
    route = getattr(scope.get("route"), "path", None)
    if route:
        return route
    mounted = scope.get("root_path", "")
    if mounted != root_path and mounted.startswith(root_path):
        return f"{mounted[len(root_path):]}/{{path}}"
    return "<unmatched>"


class RecordMetrics:
    """Counts and times every request under its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500
        root_path = scope.get("root_path", "")

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recorded)
        finally:
            route = route_of(scope, root_path)
            if route == "<unmatched>" and scope["method"] == "OPTIONS":
                route = "<preflight>"  # answered by CORSMiddleware before routing
            if route not in UNCOUNTED:
                method = scope["method"]
                self.metrics.requests.labels(method, route, str(status)).inc()
                self.metrics.latency.labels(method, route).observe(time.perf_counter() - began)


class RedactSecrets(logging.Filter):
    """Keys belong in the Authorization header; one put in a URL (`?key=...`, `?api_key=...`,
    `?token=...`) is written to the access log as `[redacted]`, whoever reads the log."""

    _SECRET = re.compile(r"([?&][^=&#\s]*(?:key|token|auth|secret|password)[^=&#\s]*=)[^&#\s]*", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._SECRET.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        return True


REDACT_SECRETS = RedactSecrets()

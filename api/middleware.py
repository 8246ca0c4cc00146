"""What wraps every request: the body size limit, the Prometheus counters, and the
access log's redaction of keys put in URLs.

The first two are plain ASGI middleware, so they see streamed bodies and every response,
errors included.
"""

from __future__ import annotations

import logging
import re
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
            await JSONResponse({"detail": too_large(self.limit)}, status_code=413)(scope, receive, send)
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
    """The app's own Prometheus registry (not the process-wide one, so apps never collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("newsdex_http_requests", "HTTP requests answered, by route and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("newsdex_http_request_duration_seconds", "Time to answer a request, by route.",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.articles = Gauge("newsdex_index_articles", "Articles in the index being served.", registry=self.registry)
        self.passages = Gauge("newsdex_index_passages", "Passages in the index being served.", registry=self.registry)
        self.size = Gauge("newsdex_index_size_bytes", "Size of the served build on disk.", registry=self.registry)
        self.embed_batches = Gauge("newsdex_embed_batches", "Model calls made by the micro-batcher since start.",
                                   registry=self.registry)
        self.embed_texts = Gauge("newsdex_embed_texts", "Texts those calls encoded (distinct within a batch).",
                                 registry=self.registry)
        self.swaps = Gauge("newsdex_index_swaps", "Times a new build was swapped in while serving.",
                             registry=self.registry)


class RecordMetrics:
    """Counts and times every request under its route template (/articles/{article_id}, not the id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recorded)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
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

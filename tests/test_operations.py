"""What an operator sees (issue 36): /metrics named as promtool checks names, with the build,
process and Python metrics, not counting its own scrapes, and labelling the page's files;
opt-in CORS; every error as RFC 9457 problem details."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from newsdex.api.app import create_app
from newsdex.settings import Settings

ORIGIN = "https://newsroom.example"


@pytest.fixture(scope="module")
def client(seed_settings, embedder):
    settings = seed_settings.model_copy(update={"cors_origins": [ORIGIN], "batch_window_ms": 2.0})
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _families(client) -> dict:
    return {family.name: family for family in text_string_to_metric_families(client.get("/metrics").text)}


# -- metrics -------------------------------------------------------------------------------------


def test_every_metric_is_named_as_promtool_checks(client):
    client.get("/search", params={"q": "Kishida"})
    families = _families(client)
    assert families
    for name, family in families.items():
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), name
        assert name.startswith(("newsdex_", "process_", "python_")), name
        samples = {sample.name for sample in family.samples}
        if family.type == "counter":  # the parser gives a counter's name without _total
            assert samples <= {f"{name}_total", f"{name}_created"}, (name, samples)
            assert f"{name}_total" in samples, name
        else:
            assert not name.endswith("_total"), f"{name} is a {family.type} named like a counter"
        if family.type == "histogram":
            assert name.endswith("_seconds") and {f"{name}_bucket", f"{name}_count", f"{name}_sum"} <= samples
        if family.type == "info":
            assert samples == {f"{name}_info"}
        assert not re.search(r"_(milliseconds|ms|kilobytes|kb|minutes)(_|$)", name), f"{name}: use base units"


def test_counts_are_counters_and_the_build_is_described(client):
    families = _families(client)
    for name in ("newsdex_http_requests", "newsdex_index_swaps", "newsdex_embed_batches", "newsdex_embed_texts"):
        assert families[name].type == "counter", name
    for name in ("newsdex_index_articles", "newsdex_index_passages", "newsdex_index_size_bytes"):
        assert families[name].type == "gauge", name
    (build,) = families["newsdex_build_info"].samples
    assert set(build.labels) == {"version", "model", "backend", "store"} and build.value == 1
    assert build.labels["model"] == "all-MiniLM-L6-v2" and build.labels["store"] == "faiss"
    assert "process_cpu_seconds" in families and "process_resident_memory_bytes" in families
    assert "python_gc_collections" in families and "python_info" in families


def _requests(client) -> dict[tuple[str, str], float]:
    counted: dict[tuple[str, str], float] = {}
    for sample in _families(client)["newsdex_http_requests"].samples:
        if sample.name.endswith("_total"):
            key = (sample.labels["method"], sample.labels["route"])
            counted[key] = counted.get(key, 0) + sample.value
    return counted


def test_scrapes_are_not_counted_and_the_pages_files_are_labelled(client):
    client.get("/metrics")
    client.get("/metrics")
    before = _requests(client)
    assert not any(route == "/metrics" for _, route in before)
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/favicon.ico").status_code == 200
    client.get("/no/such/page")
    after = _requests(client)
    assert after[("GET", "/static/{path}")] == before.get(("GET", "/static/{path}"), 0) + 1
    assert after[("GET", "/favicon.ico")] == before.get(("GET", "/favicon.ico"), 0) + 1
    assert after[("GET", "<unmatched>")] == before.get(("GET", "<unmatched>"), 0) + 1
    assert not any(route.startswith("/static/app") for _, route in after)  # the template, never the file


# -- CORS ----------------------------------------------------------------------------------------


def test_a_listed_origin_may_call_from_a_browser(client):
    preflight = client.options("/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    answer = client.get("/search", params={"q": "Kishida", "k": 1}, headers={"Origin": ORIGIN})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == ORIGIN
    other = client.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_without_the_setting_there_is_no_cors(seed_settings, embedder):
    with TestClient(create_app(seed_settings.model_copy(update={"batch_window_ms": 0}), embedder=embedder)) as plain:
        preflight = plain.options("/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers


def test_origins_are_read_comma_separated_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSDEX_CORS_ORIGINS", f"{ORIGIN}, http://localhost:3000")
    assert Settings().cors_origins == [ORIGIN, "http://localhost:3000"]
    monkeypatch.delenv("NEWSDEX_CORS_ORIGINS")
    assert Settings().cors_origins == []


# -- problem details -----------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, kwargs, status, detail", [
    ("get", "/articles/no-such-id", {}, 404, "no article with id 'no-such-id'"),
    ("get", "/nowhere", {}, 404, "Not Found"),
    ("put", "/search", {}, 405, "Method Not Allowed"),
    ("get", "/search", {"params": {"q": " "}}, 422, "the question is empty"),
    ("get", "/search", {"params": {"q": "Kishida", "k": 500}}, 422,
     "k: k must be between 1 and 100 (a whole number), got 500"),
    ("delete", "/articles/x", {"headers": {"Authorization": "Bearer wrong"}}, 403, None),
    ("post", "/search", {"content": b"x" * 20_000_000, "headers": {"Content-Type": "application/json"}}, 413, None),
])
def test_every_error_is_problem_details_keeping_its_detail(client, method, path, kwargs, status, detail):
    answer = getattr(client, method)(path, **kwargs)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == "about:blank" and body["status"] == status and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if detail is not None:
        assert body["detail"] == detail


def test_the_schema_declares_problem_details(client):
    spec = client.get("/openapi.json").json()
    answers = spec["paths"]["/search"]["get"]["responses"]
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    assert answers["422"]["content"] == {"application/problem+json": problem}
    assert {"type", "title", "status", "detail"} <= set(spec["components"]["schemas"]["Problem"]["properties"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]

"""One stats shape: `newsdex stats --json`, `/ready` and `/metrics` describe an index alike."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdex.api.app import create_app
from newsdex.cli import app
from newsdex.index.store import IndexStore


def test_stats_json_and_ready_agree_on_every_key(seed_settings, embedder):
    result = CliRunner().invoke(app, ["stats", "--json", "--index", str(seed_settings.index_dir)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    with TestClient(create_app(seed_settings, embedder)) as client:
        ready = client.get("/ready").json()
    assert ready.pop("status") == "ready"
    assert ready.pop("keeping") == []  # what the loops of serve --watch/--feeds did: none run here
    # Over HTTP the index is named, not located: no server path leaves the server.
    assert ready.pop("index") == Path(stats.pop("index")).name == seed_settings.index_dir.name
    assert ready == stats
    assert {"index", "build", "articles", "passages", "model", "backend", "int8_config", "dimension",
            "passage_tokens", "faiss_index", "vectors", "size_bytes", "built_at", "languages"} == (
        set(stats) | {"index"})


def test_metrics_report_the_same_counts_and_size(seed_settings, embedder):
    with IndexStore.open(seed_settings.index_dir) as store:
        stats = store.stats()
    with TestClient(create_app(seed_settings, embedder)) as client:
        lines = client.get("/metrics").text.splitlines()
    values = {line.split()[0]: float(line.split()[1]) for line in lines if line and not line.startswith("#")}
    assert values["newsdex_index_articles"] == stats.articles == 2
    assert values["newsdex_index_passages"] == stats.passages
    assert values["newsdex_index_size_bytes"] == stats.size_bytes > 0

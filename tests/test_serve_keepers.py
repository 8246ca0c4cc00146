"""`newsdex serve --watch DIR` and `--feeds SOURCE --every`: a real server keeps its index
fresh from a folder and from a local news site, and /ready and /metrics say what the loops did."""

from __future__ import annotations

import time

import httpx
from conftest import served
from news_site import NewsSite
from prometheus_client.parser import text_string_to_metric_families

from newsdex.index.build import Indexer
from newsdex.settings import Settings

STORY = "Harbour council votes on {topic}\n\nThe harbour council voted on Tuesday to fund {topic} for the town.\n"


def _until(check, base: str, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds:g} s; the loops: {httpx.get(f'{base}/ready').json().get('keeping')}")


def _search(base: str, q: str) -> list[str]:
    return [r["article_id"] for r in httpx.get(f"{base}/search", params={"q": q, "k": 3}).json()["results"]]


def test_a_watched_folder_and_a_feed_reach_a_running_server(tmp_path, embedder):
    news = tmp_path / "news"
    news.mkdir()
    (news / "lighthouse.txt").write_text(STORY.format(topic="a new lighthouse"), encoding="utf-8")
    index = tmp_path / "index"
    Indexer(Settings(index_dir=index), embedder).build([news])
    with NewsSite(stories=2) as site, \
            served(index, tmp_path / "serve.log",
                   args=("--watch", str(news), "--feeds", f"{site.base}/full.rss", "--every", "2s")) as (base, _):
        (news / "ferry.txt").write_text(STORY.format(topic="a night ferry"), encoding="utf-8")
        assert _until(lambda: "ferry" in _search(base, "night ferry"), base)
        (news / "lighthouse.txt").unlink()
        assert _until(lambda: "lighthouse" not in _search(base, "new lighthouse"), base)
        # the full-text feed's one item, ingested by the feed loop
        assert _until(lambda: any("tromso" in i for i in _search(base, "Tromso breakwater")), base)

        keeping = httpx.get(f"{base}/ready").json()["keeping"]
        by_name = {k["name"].split()[0]: k for k in keeping}
        assert by_name["watch"]["runs"] >= 2 and by_name["watch"]["last_error"] is None
        assert by_name["feeds"]["runs"] >= 1 and by_name["feeds"]["last_success"] is not None
        families = {f.name: f for f in text_string_to_metric_families(httpx.get(f"{base}/metrics").text)}
        runs = {s.labels["keeper"].split()[0]: s.value for s in families["newsdex_keeper_runs"].samples
                if s.name.endswith("_total")}
        assert runs["watch"] >= 2 and runs["feeds"] >= 1
        assert families["newsdex_keeper_runs"].type == "counter"
        assert families["newsdex_keeper_last_success_timestamp_seconds"].type == "gauge"


def test_a_missing_folder_to_watch_is_refused_before_serving(tmp_path):
    from typer.testing import CliRunner

    from newsdex.cli import app

    result = CliRunner().invoke(app, ["serve", "--index", str(tmp_path / "i"), "--watch", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "no such folder" in result.output

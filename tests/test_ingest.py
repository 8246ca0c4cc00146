"""`newsdex ingest` against a real local news site (bench/news_site.py on 127.0.0.1): what is
ingested, what is skipped and why, conditional second runs, canonical ids. Real HTTP, the real
Indexer and model."""

from __future__ import annotations

import json

import pytest
from news_site import NewsSite
from test_linear import assert_linear
from typer.testing import CliRunner

from newsdex.cli import app
from newsdex.index.build import Indexer
from newsdex.index.ingest import Policy, canonical_url, ingest, read_listing
from newsdex.index.stores import open_store
from newsdex.settings import Settings

FAST = Policy(timeout=0.5, host_delay=0.0, max_bytes=1_000_000)


def _sources(site: NewsSite) -> list[str]:
    return [f"{site.base}/feed.rss", f"{site.base}/full.rss", f"{site.base}/atom.xml", f"{site.base}/sitemap.xml"]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, embedder):
    """A site of three stories, ingested once: (site, indexer, first report)."""
    with NewsSite(stories=3, slow_seconds=2.0) as site:
        indexer = Indexer(Settings(index_dir=tmp_path_factory.mktemp("ingest") / "index"), embedder)
        yield site, indexer, ingest(indexer, _sources(site), policy=FAST)


def _articles(indexer: Indexer) -> dict:
    with open_store(indexer.settings) as store:
        return {row.id: row for row in store.articles(limit=100)}


def test_every_good_item_is_ingested_with_its_title_date_and_url(ingested):
    site, indexer, report = ingested
    stories = {f"{site.base}/news/story-{n}.html" for n in range(3)}
    articles = _articles(indexer)
    assert set(articles) == stories | {f"{site.base}/wire/tromso.html"}
    row = articles[f"{site.base}/news/story-1.html"]
    assert row.title == "Breakwater 1 for Bergen" and row.published == "2025-01-02"
    assert row.url == row.id and row.source == "Harbour News" and row.author == "Ann Reporter"
    assert report.new == 4 and report.listings == 4 and report.listings_failed == 0


def test_each_bad_item_is_skipped_with_its_reason(ingested):
    site, _, report = ingested
    reasons = {s.path.removeprefix(site.base): s.reason for s in report.skipped}
    assert reasons["/slow.html"] == "timed out after 0.5s"
    assert reasons["/missing.html"] == "HTTP 404 Not Found"
    assert reasons["/loop/a"].startswith("redirect loop")
    assert reasons["/huge.html"].startswith("larger than the 1,000,000-byte limit")
    assert reasons["/report.pdf"] == "not an HTML page (application/pdf)"
    assert reasons["/private/secret.html"].startswith("disallowed by robots.txt")
    assert report.failed == len(reasons) == 6


def test_ids_are_canonical_whatever_address_reached_them(ingested):
    site, indexer, _ = ingested
    # The feed links carry utm_* parameters and the Atom feed links the AMP copy: one article each.
    assert not any("utm_" in article_id or "/amp/" in article_id for article_id in _articles(indexer))
    assert site.requests_to("/amp/story-0.html")


def test_full_text_items_are_not_fetched(ingested):
    site, indexer, _ = ingested
    assert site.requests_to("/wire/tromso.html") == []
    assert "Full-text part 3" in _articles(indexer)[f"{site.base}/wire/tromso.html"].text


def test_a_clear_user_agent_and_robots_txt_asked_once(ingested):
    site, _, _ = ingested
    assert len(site.requests_to("/robots.txt")) == 1
    assert all(headers["user-agent"].startswith("newsdex/") for _, headers in site.log)


def test_a_second_run_fetches_conditionally_and_embeds_nothing(ingested):
    site, indexer, _ = ingested
    before = len(site.requests_to("/news/story-2.html"))
    again = ingest(indexer, _sources(site), policy=FAST)
    assert again.new == again.updated == again.passages_embedded == 0
    assert again.unchanged >= 4 and again.conditional_requests >= 3
    asked = site.requests_to("/news/story-2.html")[before:]
    assert asked and all("if-none-match" in headers for headers in asked)


def test_a_changed_page_is_embedded_again(ingested):
    site, indexer, _ = ingested
    site.changed.add(1)
    report = ingest(indexer, [f"{site.base}/sitemap.xml"], policy=FAST)
    assert report.updated == 1 and report.new == 0 and report.passages_embedded > 0
    assert "Corrected: paragraph 0" in _articles(indexer)[f"{site.base}/news/story-1.html"].text


def test_ignore_robots_fetches_what_robots_txt_forbids(tmp_path, embedder):
    with NewsSite(stories=1) as site:
        (tmp_path / "list.txt").write_text(f"# one page\n{site.base}/private/secret.html\n")
        indexer = Indexer(Settings(index_dir=tmp_path / "index"), embedder)
        refused = ingest(indexer, [str(tmp_path / "list.txt")], policy=FAST)
        taken = ingest(indexer, [str(tmp_path / "list.txt")], policy=Policy(host_delay=0.0, respect_robots=False))
    assert refused.failed == 1 and taken.new == 1


def test_a_source_that_fails_is_a_warning_naming_it(tmp_path, embedder):
    with NewsSite(stories=1) as site:
        indexer = Indexer(Settings(index_dir=tmp_path / "index"), embedder)
        report = ingest(indexer, [f"{site.base}/gone.rss", f"{site.base}/sitemap.xml"], policy=FAST)
    assert report.listings_failed == 1 and report.new == 1
    assert [(s.path, s.reason) for s in report.skipped] == [(f"{site.base}/gone.rss", "HTTP 404 Not Found")]


def test_the_command_ingests_and_prints_its_report(tmp_path):
    with NewsSite(stories=2) as site:
        result = CliRunner().invoke(app, ["ingest", f"{site.base}/sitemap.xml", "--index", str(tmp_path / "ix"),
                                          "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["new"] == 2 and report["failed"] == 0


def test_interval_is_read_or_refused_in_words():
    from newsdex.errors import NewsdexError
    from newsdex.fresh import interval_seconds

    assert interval_seconds("15m") == 900 and interval_seconds("30s") == 30 and interval_seconds("2h") == 7200
    with pytest.raises(NewsdexError, match="--every 'soon'"):
        interval_seconds("soon")


@pytest.mark.parametrize(("given", "expected"), [
    ("HTTPS://News.Example:443/a?utm_source=x&id=7&fbclid=y#top", "https://news.example/a?id=7"),
    ("http://news.example", "http://news.example/"),
    ("http://news.example:8080/a?b=1&utm_campaign=c", "http://news.example:8080/a?b=1"),
])
def test_canonical_url_drops_tracking_fragment_and_default_port(given, expected):
    assert canonical_url(given) == expected


def test_reading_a_feed_is_linear_in_its_size():
    item = "<item><title>t &amp; u</title><link>http://a.example/b</link><description>&lt;p&gt;x</description></item>"

    def feed(n: int) -> str:
        return f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>{item * n}</channel></rss>"

    def sitemap(n: int) -> str:
        url = "<url><loc>http://a.example/b</loc><lastmod>2025-01-01</lastmod></url>"
        return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{url * n}</urlset>'

    assert_linear(lambda text: read_listing(text.encode()), sitemap, n=20)
    assert_linear(lambda text: read_listing(text.encode()), feed, n=20)


def test_an_address_list_file_may_name_feeds_and_pages(tmp_path, embedder):
    with NewsSite(stories=2) as site:
        (tmp_path / "sources.txt").write_text(f"{site.base}/sitemap.xml\n{site.base}/amp/story-0.html\n")
        indexer = Indexer(Settings(index_dir=tmp_path / "index"), embedder)
        report = ingest(indexer, [str(tmp_path / "sources.txt")], policy=FAST)
    assert (report.new, report.failed) == (2, 0)
    assert _articles(indexer).keys() == {f"{site.base}/news/story-{n}.html" for n in range(2)}

"""`newsdex serve` as a real process on 127.0.0.1: plain HTTP, the page in a headless
browser, and searches that keep succeeding while the index is rebuilt under them."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import httpx
import pytest
from conftest import SEEDS, served

from newsdex.index.build import Indexer
from newsdex.settings import Settings

# Every test here runs a real `newsdex serve` process: `pytest -m server` selects them,
# `-m "not server"` leaves them out (make test runs them all).
pytestmark = pytest.mark.server

KEY = "server-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(seed_settings, tmp_path_factory):
    """`newsdex serve` on a copy of the seed index; yields (base URL, its Settings)."""
    index_dir = tmp_path_factory.mktemp("served") / "index"
    shutil.copytree(seed_settings.index_dir, index_dir, symlinks=True)
    log = tmp_path_factory.mktemp("served-log") / "server.log"
    with served(index_dir, log, NEWSDEX_API_KEY=KEY, NEWSDEX_SEEDS_DIR=str(SEEDS)) as (base, _):
        yield base, Settings(index_dir=index_dir, seeds_dir=SEEDS)


def test_real_server_answers_over_http_on_localhost(server):
    base, _ = server
    response = httpx.get(f"{base}/search", params={"q": "what did Kishida say", "k": 2}, timeout=30)
    assert response.status_code == 200
    assert [r["rank"] for r in response.json()["results"]] == [1, 2]
    assert httpx.get(f"{base}/ready", timeout=10).json()["articles"] == 2
    assert httpx.get(f"{base}/search", params={"q": ""}, timeout=10).status_code == 422


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="no /usr/bin/chromium: run `make "
                                                                               "browser` (apt-get install chromium)")
def test_the_page_in_a_headless_browser_finds_and_opens_an_article(server):
    from playwright.sync_api import expect, sync_playwright

    base, _ = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.set_default_timeout(30_000)
            page.goto(base + "/")
            expect(page.locator("#q")).to_be_focused()  # the box has focus on load (autofocus lands after load)
            page.keyboard.type("Where were North Korean troops deployed?")
            page.keyboard.press("Enter")
            first = page.locator("#results .result").first
            expect(first).to_be_visible()
            expect(page.locator("#status")).to_contain_text("results for")
            expect(first.locator("h2 a")).to_contain_text("Korea")
            expect(first.locator(".meta .relevance")).to_contain_text("match")  # in words, not a raw score
            expect(first.locator("mark").first).to_contain_text("Kursk")  # the best sentence, highlighted
            assert "q=Where" in page.url

            title = first.locator("h2 a").inner_text()
            first.locator("h2 a").focus()
            page.keyboard.press("Enter")  # open the article from the keyboard
            expect(page.locator("#article h2")).to_have_text(title)
            expect(page.locator("#article .from-passage").first).to_be_visible()
            assert "article=" in page.url
            # A seed article has no subtitle and no url: nothing may stand in their place.
            assert "null" not in page.locator("#article").inner_text()
            page.go_back()
            expect(page.locator("#results .result").first).to_be_visible()

            page.goto(base + "/?q=what+did+Kishida+say+in+July+2024")  # the dates read from the question
            expect(page.locator("#status")).to_contain_text("dates: 2024-07-01 to 2024-07-31")
        finally:
            browser.close()


def _answer_with(data: dict):
    """A Playwright route handler answering every request with `data` as JSON."""
    import json

    def handler(route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(data))
    return handler


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="no /usr/bin/chromium: run `make "
                                                                               "browser` (apt-get install chromium)")
def test_the_page_links_only_web_urls_whatever_the_server_sends(server):
    """An old index (or another server) may send a javascript: url: the page must not make it a link."""
    from playwright.sync_api import expect, sync_playwright

    base, _ = server
    article = httpx.get(f"{base}/articles/000_bbe9b56f2341fe48", timeout=10).json()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            for url, linked in [("javascript:alert(document.domain)", False), (" JavaScript:alert(1)", False),
                                ("data:text/html,<script>alert(1)</script>", False), ("/relative", False),
                                ("https://news.example/story?a=1", True)]:
                page.route("**/articles/**", _answer_with({**article, "url": url}))
                page.goto(f"{base}/?article=000_bbe9b56f2341fe48&u={len(dialogs)}{linked}")
                expect(page.locator("#article h2")).to_have_text(article["title"])
                original = page.get_by_role("link", name="Original article")
                if linked:
                    expect(original).to_have_attribute("href", "https://news.example/story?a=1")
                else:
                    expect(original).to_have_count(0)
                    links = page.locator("#article a").evaluate_all("(links) => links.map((a) => a.href)")
                    assert all(not href.lower().startswith(("javascript:", "data:")) for href in links), links
                page.unroute("**/articles/**")
            assert dialogs == []
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="no /usr/bin/chromium: run `make "
                                                                               "browser` (apt-get install chromium)")
def test_the_page_shows_a_statement_as_a_quotation_with_its_speaker(server):
    from playwright.sync_api import expect, sync_playwright

    base, _ = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(base + "/?q=what+did+Ishiba+say&k=3")
            first = page.locator("#results .result").first
            expect(first).to_have_class("result statement")
            expect(first.locator(".quote blockquote")).to_contain_text("he wants to maintain the thaw")
            expect(first.locator(".quote figcaption")).to_have_text("— Shigeru Ishiba (said, indirect)")
            expect(page.locator("#status")).to_contain_text("Shigeru Ishiba’s statements first")
            expect(page.locator("#results .result").nth(1).locator(".quote")).to_have_count(0)
        finally:
            browser.close()


def test_searches_all_succeed_while_the_index_is_rebuilt(server, embedder):
    base, settings = server
    before = httpx.get(f"{base}/ready", timeout=10).json()["build"]
    stop = threading.Event()
    outcomes: list[tuple[int, int]] = []  # (status, results) of every search
    questions = ["what did Kishida say", "Where were North Korean troops deployed?", "NATO summit invitations"]

    def search_until_stopped(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            n = 0
            while not stop.is_set() or n < 3:
                try:
                    response = client.get("/search", params={"q": questions[(worker + n) % 3], "k": 3})
                    found = len(response.json().get("results", []))
                    outcomes.append((response.status_code, found))
                except httpx.HTTPError as exc:
                    outcomes.append((-1, 0))
                    print("search failed:", exc)
                n += 1

    workers = [threading.Thread(target=search_until_stopped, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    try:
        rebuilt = httpx.post(f"{base}/index/rebuild", headers=AUTH, timeout=120)
        assert rebuilt.status_code == 200, rebuilt.text
        Indexer(settings, embedder).build([SEEDS], rebuild=True)  # `newsdex index --rebuild` beside the server
        added = httpx.post(f"{base}/articles", headers=AUTH, timeout=120, json={"articles": [{
            "id": "extra", "title": "Extra", "text": "An extra article about the Lima summit."}]})
        assert added.status_code == 200, added.text
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)

    assert len(outcomes) >= 12
    failed = [o for o in outcomes if o[0] != 200 or o[1] == 0]
    assert not failed, f"{len(failed)} of {len(outcomes)} searches failed: {failed[:5]}"
    ready = httpx.get(f"{base}/ready", timeout=10).json()
    assert ready["build"] != before and ready["articles"] == 3

"""The search page as a newsroom tool (issue 35), in real Chromium at a desktop and a phone size,
against a real `newsdex serve` over the seeds, tests/data/articles and the dated set: relevance
words and weak matches, the floor's note, one entry per article, facets clicked through, a
second page, a person's page, and exports downloaded. At each size the page must also fit its
width (a screenshot is taken and its width checked: nothing scrolls sideways)."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import httpx
import pytest
from conftest import served

pytestmark = [pytest.mark.server, pytest.mark.browser,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"),
                                 reason="no /usr/bin/chromium: run `make browser` (apt-get install chromium)")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def base(newsroom_settings, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("newsroom-served") / "index"
    shutil.copytree(newsroom_settings.index_dir, index_dir, symlinks=True)
    log = tmp_path_factory.mktemp("newsroom-log") / "server.log"
    with served(index_dir, log) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        opened = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield opened
        opened.close()


@pytest.fixture(params=list(SIZES))
def page(request, browser, tmp_path):
    context = browser.new_context(viewport=SIZES[request.param], accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    shot = tmp_path / f"{request.param}.png"
    opened.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    # Nothing wider than the window: a phone must not scroll sideways.
    assert opened.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), request.param
    context.close()


def test_results_show_relevance_in_words_and_weak_matches(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=what+did+Kishida+say&k=5")
    first = page.locator("#results .result").first
    expect(first).to_have_class("result statement")
    expect(first.locator(".meta .relevance")).to_contain_text("strong match")
    expect(first.locator(".quote figcaption a.person").first).to_have_text("Fumio Kishida")
    expect(page.locator("#results .result.weak").first).to_contain_text("weak match")
    assert "score 0." not in page.locator("#results").inner_text()  # no raw fusion score
    expect(page.locator("#note")).to_be_hidden()


def test_a_question_nothing_answers_is_said_so_with_every_result_shown(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=protein+folding+in+yeast+cells&k=5")
    expect(page.locator("#note")).to_contain_text("Nothing in the archive answers this well")
    expect(page.locator("#results .hit")).to_have_count(5)
    assert page.locator("#results .result").count() == page.locator("#results .result.weak").count()


def test_one_article_is_one_entry_with_its_passages_grouped(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=night+trains+from+Madrid&k=6")
    expect(page.locator("#results .result").first).to_be_visible()
    articles = page.locator("#results .result").evaluate_all("(items) => items.map((li) => li.dataset.article)")
    assert len(articles) == len(set(articles))
    hits = page.locator("#results .result").evaluate_all(
        "(items) => items.map((li) => li.querySelectorAll('.hit').length)")
    assert max(hits) >= 2 and "night trains" in page.locator("#results .result h2").first.inner_text().lower()


def test_copies_are_shown_as_also_in(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=night+trains+from+Madrid+to+Paris&k=5")
    also = page.locator("#results .also").first
    expect(also).to_contain_text("also in:")
    expect(also.locator("a")).to_have_count(1)
    assert also.locator("a").inner_text() in ("wire-copy-night-trains", "madrid_night_trains",
                                              "articles/madrid_night_trains")


def test_facets_click_through_to_a_narrower_search(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=rail+strike&k=5")
    sources = page.locator('#facets [data-facet="source"] li')
    expect(sources.first).to_be_visible()
    name = sources.first.locator("a").inner_text()
    sources.first.locator("a").click()
    expect(page.locator("#facets .active")).to_contain_text(f"source {name}")
    assert "source=" in page.url
    metas = page.locator("#results .result .meta").all_inner_texts()
    assert metas and all(text.startswith(name) for text in metas)
    page.locator("#facets .active a").first.click()  # lift it again
    expect(page.locator("#facets .active")).to_have_count(0)


def test_the_month_histogram_narrows_to_its_month(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=Kennedy+and+Vietnam&k=5")
    column = page.locator("#facets .histogram a").first
    expect(column).to_be_visible()
    month = column.locator(".label").inner_text()[:7]
    column.click()
    expect(page.locator("#facets .active")).to_contain_text(f"since {month}-01")
    dates = page.locator("#results .result .meta").all_inner_texts()
    assert dates and all(month in text for text in dates)


def test_more_brings_a_second_page_that_repeats_nothing(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=rail+strike&k=3")
    expect(page.locator("#results .hit")).to_have_count(3)
    page.locator("#more").click()
    expect(page.locator("#results .hit")).to_have_count(6)
    ranks = page.locator("#results .hit").evaluate_all("(hits) => hits.map((h) => Number(h.dataset.rank))")
    assert sorted(ranks) == [1, 2, 3, 4, 5, 6]


def test_a_person_page_from_a_quote_card(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=what+did+Kishida+say&k=3")
    page.locator("#results .quote figcaption a.person").first.click()
    expect(page.locator("#person h2")).to_have_text("Fumio Kishida")
    expect(page.locator("#person .month h3").first).to_be_visible()
    expect(page.locator("#person .quote").first).to_be_visible()
    assert "null" not in page.locator("#person").inner_text()
    page.locator("#pq").fill("Russia")
    page.locator("#within button").click()
    expect(page.locator("#person .month h3").first).to_have_text("best first")
    assert "pq=Russia" in page.url


def test_exports_download_rows_that_match_the_page(page, base):
    from playwright.sync_api import expect

    page.goto(base + "/?q=what+did+Kishida+say&k=3")
    expect(page.locator("#export")).to_be_visible()
    with page.expect_download() as info:
        page.locator('#export button[data-format="csv"]').click()
    download = info.value
    assert download.suggested_filename == "newsdex-search.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    titles = page.locator("#results .result h2").all_inner_texts()
    assert rows and {row["title"] for row in rows} == set(titles)
    page.goto(base + "/?person=Kishida")
    with page.expect_download() as info:
        page.locator("#person-csv").click()
    assert "Fumio Kishida" in Path(info.value.path()).read_text(encoding="utf-8")


def test_an_article_without_subtitle_or_url_shows_no_null(page, base):
    from playwright.sync_api import expect

    found = httpx.get(f"{base}/search", params={"q": "night trains Madrid", "k": 1}, timeout=30).json()
    page.goto(base + f"/?article={found['results'][0]['article_id']}")
    expect(page.locator("#article h2")).to_be_visible()
    assert "null" not in page.locator("body").inner_text()

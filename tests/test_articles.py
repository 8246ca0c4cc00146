"""Loading articles from files and folders: ids, metadata, formats, and bad input as Skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdex.index.articles import Article, Skipped, article_from_record, load_articles, normalise_date
from newsdex.errors import BadArticle

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTICLES = Path(__file__).resolve().parent / "data" / "articles"


def _load(*paths: Path) -> tuple[dict[str, Article], list[Skipped]]:
    articles: dict[str, Article] = {}
    skipped: list[Skipped] = []
    for item in load_articles(paths):
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            articles[item.id] = item
    return articles, skipped


def _skip_reason(skipped: list[Skipped], name: str) -> str:
    matches = [s.reason for s in skipped if Path(s.path.rsplit(":", 1)[0]).name == name or s.path.endswith(name)]
    assert len(matches) == 1, (name, skipped)
    return matches[0]


# --- Seeds and ids -------------------------------------------------------------------------


def test_seed_folder_gives_two_articles_with_stable_ids():
    articles, skipped = _load(SEEDS)
    assert skipped == []
    assert list(articles) == ["000_bbe9b56f2341fe48", "004_2650b881156c7f74"]
    first = articles["000_bbe9b56f2341fe48"]
    assert first.origin == str((SEEDS / "000_bbe9b56f2341fe48.txt").resolve())
    assert first.author == "Riyaz ul Khaliq"
    assert (first.dateline, first.source) == ("ISTANBUL", "AA")
    assert first.subtitle == "President Yoon Suk Yeol, Premier Fumio Kishida ‘concur’ on coordinating closely with US"
    assert "Be the first to comment" not in first.text and "UYARI" not in first.text


def test_seed_004_loads_clean():
    article = _load(SEEDS)[0]["004_2650b881156c7f74"]
    assert article.title == "S Korea, Japan worry about N Korea's deepening ties with Russia"
    assert article.subtitle.startswith("Japanese Premier Ishiba")
    for furniture in ("Read More", "/ Photo: AP", "Route 6", "Xi and Yoon push", "China ready to work"):
        assert furniture not in article.text
    assert "AP" not in article.paragraphs


def test_file_named_directly_is_identified_by_its_stem():
    articles, _ = _load(SEEDS / "004_2650b881156c7f74.txt")
    assert list(articles) == ["004_2650b881156c7f74"]


def test_ids_in_subfolders_are_relative_paths_without_suffix():
    articles, _ = _load(ARTICLES)
    assert {"europe/rhine_barges", "madrid_night_trains", "notes/hard_wrapped"} <= set(articles)


def test_same_file_twice_skips_the_second_naming_the_first():
    path = SEEDS / "000_bbe9b56f2341fe48.txt"
    articles, skipped = _load(SEEDS, path)
    assert len(articles) == 2
    assert len(skipped) == 1
    assert "duplicate id '000_bbe9b56f2341fe48'" in skipped[0].reason
    assert str(SEEDS / "000_bbe9b56f2341fe48.txt") in skipped[0].reason


# --- Our own articles: plain text, markdown, HTML -----------------------------------------


def test_own_text_article_loses_its_furniture_and_keeps_its_words():
    article = _load(ARTICLES / "madrid_night_trains.txt")[0]["madrid_night_trains"]
    assert article.title == "Madrid bets on night trains to win back rail travellers"  # breadcrumbs above it skipped
    assert article.author == "Lucía Ortega"
    assert (article.dateline, article.source) == ("MADRID", "Reuters")
    assert article.subtitle.startswith("Spain's state operator will revive sleeper services")
    text = article.text
    for furniture in ("Home > World", "Share this article", "Advertisement", "Sign up for our newsletter",
                      "delivered to your inbox", "Photo: Reuters/Jane Doe", "Atocha station", "Subsidies question",
                      "Los comentarios", "Comentarios", "Sé el primero", "Most read", "Flights cancelled"):
        assert furniture not in text, furniture
    quote = "“A night train is a hotel that moves,” said Elena Marín, who leads the national rail passengers' association."
    assert article.paragraphs.count(quote) == 1  # the pull-quote repeat is gone
    assert article.paragraphs[1].startswith("Spain's state railway will restart overnight trains")
    assert article.paragraphs[-1].endswith("how long it is prepared to run the routes at a loss")
    assert len(article.paragraphs) == 8


def test_hard_wrapped_markdown_keeps_whole_paragraphs():
    article = _load(ARTICLES / "notes" / "hard_wrapped.md")[0]["hard_wrapped"]
    assert article.title == "Harbour seals return to the Thames estuary"
    assert [p.split()[0] for p in article.paragraphs] == ["The", "Surveyors", "Scientists"]
    assert article.paragraphs[1].endswith("a decline that began more than a decade ago.")
    assert "Advertisement" not in article.text and "Grey seal" not in article.text


def test_html_page_gives_main_text_and_metadata():
    article = _load(ARTICLES / "europe" / "rhine_barges.html")[0]["rhine_barges"]
    assert article.title == "Low water on the Rhine strands barges as drought bites"
    assert article.author == "Anna Keller"
    assert article.published == "2024-08-14"
    assert article.source == "The Valley Courier"
    assert article.url == "https://valleycourier.example/europe/rhine-barges-drought"
    assert article.subtitle == "Shipping on Germany's busiest waterway slows to a crawl after weeks without rain."
    assert article.dateline == "KAUB"
    assert article.paragraphs[1].startswith("Barges on the Rhine were sailing at a third of their capacity")
    assert article.paragraphs[-1].startswith("Forecasters expect little rain")
    assert len(article.paragraphs) == 7
    text = article.text
    for furniture in ("cookies", "Home", "Related stories", "Alpine glaciers", "Read more", "Advertisement",
                      "Share this article", "Photo by", "Follow Anna Keller", "Comments", "Nobody learns",
                      "newsletter", "All rights reserved"):
        assert furniture not in text, furniture


def test_html_without_metadata_title_falls_back_to_title_element(tmp_path):
    body = "".join(f"<p>Paragraph {n} of the story says something about the harbour and the ships in it.</p>"
                   for n in range(4))
    page = tmp_path / "bare.html"
    page.write_text(f"<html><head><title>Harbour story</title></head><body><div>{body}</div></body></html>",
                    encoding="utf-8")
    article = _load(page)[0]["bare"]
    assert article.title == "Harbour story"
    assert len(article.paragraphs) == 4


# --- JSON and JSONL ----------------------------------------------------------------------


def test_jsonl_loads_good_lines_and_skips_bad_ones_by_line():
    articles, skipped = _load(ARTICLES / "wires.jsonl")
    assert list(articles) == ["wire-001", "2", "wire-006"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {"wires.jsonl:3", "wires.jsonl:4", "wires.jsonl:5", "wires.jsonl:8"}
    assert reasons["wires.jsonl:3"].startswith("malformed JSON")
    assert "'id'" in reasons["wires.jsonl:4"]
    assert "'text'" in reasons["wires.jsonl:5"]
    assert "duplicate id 'wire-001'" in reasons["wires.jsonl:8"] and "wires.jsonl:1" in reasons["wires.jsonl:8"]


def test_jsonl_records_are_cleaned_and_dated():
    articles, _ = _load(ARTICLES / "wires.jsonl")
    lithium = articles["wire-001"]
    assert lithium.published == "2024-10-31T14:05:00+00:00"
    assert (lithium.source, lithium.author, lithium.dateline) == ("Reuters", "Natalia Ramos", "SANTIAGO")
    assert lithium.url == "https://wires.example/chile-lithium"
    assert lithium.origin == str((ARTICLES / "wires.jsonl").resolve())
    assert lithium.paragraphs[0].startswith("Chile produced a record amount of lithium")
    assert "Read more" not in lithium.text
    strike = articles["2"]  # an integer id; no title, so the first line is the title
    assert strike.title == "Rail strike halts trains across Belgium"
    assert strike.published == "2024-11-04"
    assert strike.paragraphs == (
        "Trains across Belgium were cancelled on Monday as unions walked out over pension reforms, "
        "the national rail operator said.",
        "The strike is the third this year.",
    )
    assert articles["wire-006"].published is None  # "sometime last week" is no date


def test_json_file_with_a_list_skips_only_the_bad_record(tmp_path):
    records = [{"id": "a", "title": "First", "text": "The first story is complete."},
               {"id": "b", "title": "Second"},
               {"id": "c", "title": "Third", "text": "The third story is complete."}]
    (tmp_path / "batch.json").write_text(json.dumps(records), encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["a", "c"]
    assert [(Path(s.path).name, s.reason) for s in skipped] == [("batch.json:2", "record 2: record 'b' has no 'text'")]


@pytest.mark.parametrize("record, message", [
    ({"title": "t", "text": "Some text here."}, "'id'"),
    ({"id": "", "text": "Some text here."}, "'id'"),
    ({"id": True, "text": "Some text here."}, "'id'"),
    ({"id": "x"}, "'text'"),
    ({"id": "x", "text": "   "}, "'text'"),
    ({"id": "x", "text": "Some text here.", "author": ["A", "B"]}, "'author' must be a string"),
    ({"id": "x", "title": "Only furniture", "text": "Read More\nAdvertisement\nRoute 6"}, "no article text left"),
    (["not", "an", "object"], "JSON object"),
])
def test_bad_records_raise_bad_article_saying_why(record, message):
    with pytest.raises(BadArticle, match=message):
        article_from_record(record, origin="api")


def test_record_with_one_paragraph_and_no_title_keeps_its_text():
    article = article_from_record({"id": 7, "text": "Ferry services to Crete were suspended on Friday."})
    assert article.id == "7" and article.origin == "api"
    assert article.title == "Ferry services to Crete were suspended on Friday."
    assert article.paragraphs == ("Ferry services to Crete were suspended on Friday.",)


@pytest.mark.parametrize("raw, iso", [
    ("2024-11-04", "2024-11-04"), ("2024-10-31T14:05:00Z", "2024-10-31T14:05:00+00:00"),
    ("4 November 2024", "2024-11-04"), ("Nov. 4, 2024", "2024-11-04"),
    ("Mon, 04 Nov 2024 10:00:00 GMT", "2024-11-04T10:00:00+00:00"), ("not a date", None), (None, None),
])
def test_dates_are_normalised_to_iso(raw, iso):
    assert normalise_date(raw) == iso


# --- Bad files ---------------------------------------------------------------------------


@pytest.fixture()
def messy_folder(tmp_path) -> Path:
    """One good article among files that each break in their own way."""
    folder = tmp_path / "messy"
    folder.mkdir()
    (folder / "good.txt").write_text("Good title\n\nA perfectly ordinary sentence of news.\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Café au lait\n\nLe café coûte trop cher.".encode("latin-1"))
    (folder / "broken.json").write_text('{"id": "x", "text": "unfinished', encoding="utf-8")
    (folder / "number.json").write_text("42", encoding="utf-8")
    (folder / "furniture.txt").write_text("Current News\n\nRead More\nAdvertisement\nRoute 6\n", encoding="utf-8")
    (folder / "mixed.jsonl").write_text(
        '{"id": "m1", "title": "One", "text": "The first line is fine."}\n'
        '{"id": "m2", "title": "Two", "text": \n'
        '{"id": "m3", "title": "Three", "text": "The third line is fine too."}\n', encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")  # unsupported: ignored inside a folder
    (folder / ".hidden.txt").write_text("Hidden\n\nNever loaded.", encoding="utf-8")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD.txt").write_text("Git\n\nNever loaded either.", encoding="utf-8")
    return folder


def test_bad_files_are_skipped_with_reasons_and_good_ones_load(messy_folder):
    articles, skipped = _load(messy_folder)
    assert sorted(articles) == ["good", "m1", "m3"]
    assert "NUL" in _skip_reason(skipped, "binary.txt")
    assert _skip_reason(skipped, "empty.md") == "empty file"
    assert _skip_reason(skipped, "blank.txt") == "empty file"
    assert "not UTF-8" in _skip_reason(skipped, "latin1.txt")
    assert _skip_reason(skipped, "broken.json").startswith("malformed JSON")
    assert "object or a list of objects" in _skip_reason(skipped, "number.json")
    assert "no article text left" in _skip_reason(skipped, "furniture.txt")
    assert _skip_reason(skipped, "mixed.jsonl:2").startswith("malformed JSON")
    assert len(skipped) == 8  # the .pdf and the hidden files are not even mentioned


def test_unsupported_or_missing_file_named_explicitly_is_skipped(messy_folder):
    articles, skipped = _load(messy_folder / "notes.pdf", messy_folder / "missing.txt", messy_folder / "good.txt")
    assert list(articles) == ["good"]
    assert "unsupported file type '.pdf'" in skipped[0].reason
    assert skipped[1].reason == "no such file or folder"

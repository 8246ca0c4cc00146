"""Loading articles from files and folders: ids, metadata, formats, and bad input as Skipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdex.errors import BadArticle
from newsdex.index.articles import (
    SUPPORTED_SUFFIXES,
    Article,
    Skipped,
    article_from_record,
    load_articles,
    normalise_date,
)

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
    quote = ("“A night train is a hotel that moves,” said Elena Marín, who leads the national rail passengers' "
             "association.")
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
    ({"id": "\x1e\x00", "text": "Some text here."}, "'id'"),
    ({"id": "x"}, "'text'"),
    ({"id": "x", "text": "   "}, "'text'"),
    ({"id": "x", "text": "\x0f\x7f"}, "no readable 'text'"),
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


# --- Hostile files: each is skipped with its name and reason, the rest still load ----------


GOOD_LINE = '{"id": "fine", "title": "Fine", "text": "A perfectly ordinary sentence of news."}\n'


def test_lone_surrogates_skip_only_their_record(tmp_path):
    (tmp_path / "wires.jsonl").write_text(
        GOOD_LINE + '{"id": "s1", "text": "Broken \\ud800 text."}\n'
        '{"id": "s2\\udfff", "text": "A fine text with a broken id."}\n'
        '{"id": "s3", "text": "Fine text.", "author": "\\udc80"}\n', encoding="utf-8")
    (tmp_path / "one.json").write_text('{"id": "s4", "title": "\\ud83d", "text": "Fine text."}', encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["fine"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {"wires.jsonl:2", "wires.jsonl:3", "wires.jsonl:4", "one.json"}
    assert all("lone surrogate" in reason for reason in reasons.values()), reasons
    assert "'text'" in reasons["wires.jsonl:2"] and "'author'" in reasons["wires.jsonl:4"]


def test_records_posted_with_lone_surrogates_are_bad_articles():
    with pytest.raises(BadArticle, match="lone surrogate"):
        article_from_record({"id": "x", "text": "Half a pair: \ud800."})


def test_deep_json_and_overlong_numbers_are_skipped_not_raised(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (tmp_path / "deeper.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text(GOOD_LINE.replace("fine", "first") + "[" * 100_000 + "\n"
                                          + '{"id": ' + "9" * 5000 + ', "text": "Big."}\n' + GOOD_LINE,
                                          encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert sorted(articles) == ["fine", "first"]
    assert "nested too deeply" in _skip_reason(skipped, "deep.json")
    assert "nested too deeply" in _skip_reason(skipped, "deeper.json")
    assert "nested too deeply" in _skip_reason(skipped, "lines.jsonl:2")
    reason = _skip_reason(skipped, "lines.jsonl:3")
    assert "malformed JSON" in reason and "digits" in reason


def test_invalid_utf8_in_a_jsonl_line_skips_that_line_alone(tmp_path):
    padding = b"\n" * 9000  # past the start, where NUL bytes would mark the whole file as binary
    (tmp_path / "mixed.jsonl").write_bytes(b'{"id": "bad", "text": "Caf\xe9 au lait."}\n' + GOOD_LINE.encode()
                                           + padding + b'{"id": "nul", "text": "a\x00b"}\n')
    (tmp_path / "binary.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n" * 50)
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["fine"]
    assert "not UTF-8" in _skip_reason(skipped, "mixed.jsonl:1")
    assert "NUL" in _skip_reason(skipped, "mixed.jsonl:9003")
    assert "binary file" in _skip_reason(skipped, "binary.jsonl")  # once, not once a line


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read_as_text(tmp_path, encoding):
    bom = {"utf-16-be": "\ufeff"}.get(encoding, "")  # "utf-16" and "utf-32" write their own
    (tmp_path / "story.txt").write_text(bom + "Café reopens\n\nThe café on the corner reopened on Monday.",
                                        encoding=encoding)
    (tmp_path / "wires.jsonl").write_text(bom + GOOD_LINE + GOOD_LINE.replace("fine", "fine-2"), encoding=encoding)
    articles, skipped = _load(tmp_path)
    assert skipped == []
    assert sorted(articles) == ["fine", "fine-2", "story"]
    assert articles["story"].title == "Café reopens"


def test_truncated_utf16_is_skipped_as_not_utf16(tmp_path):
    (tmp_path / "half.txt").write_bytes("Title\n\nBody text.".encode("utf-16") + b"\x00")
    (tmp_path / "half.jsonl").write_bytes(GOOD_LINE.encode("utf-16") + b"\x00")
    articles, skipped = _load(tmp_path)
    assert "not UTF-16" in _skip_reason(skipped, "half.txt")
    assert "not UTF-16" in _skip_reason(skipped, "half.jsonl")


def test_overlong_jsonl_line_is_skipped_and_the_next_line_still_loads(tmp_path):
    from newsdex.index.articles import MAX_LINE_BYTES

    huge = '{"id": "huge", "text": "' + "word " * (MAX_LINE_BYTES // 5) + '"}\n'
    (tmp_path / "big.jsonl").write_text(huge + GOOD_LINE, encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["fine"]
    assert "longer than 10 MiB" in _skip_reason(skipped, "big.jsonl:1")


def test_file_too_large_to_read_whole_is_skipped(tmp_path, monkeypatch):
    import newsdex.index.articles.decoding as articles_module

    monkeypatch.setattr(articles_module, "MAX_FILE_BYTES", 1000)
    (tmp_path / "long.txt").write_text("Long story\n\n" + "It went on. " * 200, encoding="utf-8")
    (tmp_path / "wires.jsonl").write_text(GOOD_LINE * 1 + GOOD_LINE.replace("fine", "f2") * 20, encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert "file too large" in _skip_reason(skipped, "long.txt")
    assert sorted(articles) == ["f2", "fine"] and len(skipped) == 20  # a .jsonl has no file limit; 19 duplicates


def test_file_name_that_is_not_utf8_is_skipped_by_a_printable_name(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("Title\n\nSome text of the story.", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Good title\n\nA perfectly ordinary sentence of news.", encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["good"]
    assert len(skipped) == 1 and skipped[0].path.endswith("caf\\xe9.txt")
    assert "not UTF-8" in skipped[0].reason
    skipped[0].path.encode("utf-8")  # printable


def test_html_nested_deeper_than_the_parser_goes_is_skipped_or_read(tmp_path):
    (tmp_path / "deep.html").write_text("<html><body>" + "<div>" * 100_000 + "<p>Deep text.</p>"
                                        + "</div>" * 100_000 + "</body></html>", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Good title\n\nA perfectly ordinary sentence of news.", encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert "good" in articles
    assert len(articles) + len(skipped) == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUPPORTED_SUFFIXES),
       prefix=st.sampled_from([b"", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b'{"id": "x", "text": "',
                               b"[" * 100_000, b'{"id": 1, "text": "\\ud800 ']))
def test_any_bytes_in_any_supported_file_load_or_are_skipped(tmp_path_factory, data, suffix, prefix):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / f"input{suffix}").write_bytes(prefix + data)
    for item in load_articles([folder]):  # never raises
        assert isinstance(item, (Article, Skipped))
        if isinstance(item, Article):
            item.content_hash.encode("utf-8")
            item.id.encode("utf-8")


# --- Links -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "//evil.example/x",
                                 "/relative/path", "ftp://files.example/a", "https://", "http://exa mple.com"])
def test_only_web_urls_are_kept(url, caplog):
    article = article_from_record({"id": "x", "text": "Some text here.", "url": url})
    assert article.url is None
    assert "dropping url" in caplog.text and "x:" in caplog.text


@pytest.mark.parametrize("url", ["https://news.example/a?b=c#d", "http://news.example", "HTTPS://NEWS.EXAMPLE/A"])
def test_web_urls_are_kept_as_given(url):
    assert article_from_record({"id": "x", "text": "Some text here.", "url": url}).url == url


def test_javascript_url_in_a_jsonl_file_is_dropped_and_the_article_kept(tmp_path, caplog):
    (tmp_path / "xss.jsonl").write_text(json.dumps({"id": "xss", "title": "Clickbait", "url": "javascript:alert(1)",
                                                    "text": "A perfectly ordinary sentence of news."}) + "\n",
                                        encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert skipped == [] and articles["xss"].url is None
    assert "javascript:alert(1)" in caplog.text


# --- Symlinks ------------------------------------------------------------------------------------


@pytest.fixture()
def linked_folder(tmp_path) -> Path:
    """A folder with a link to a file outside it, a link inside it, a folder link and a loop."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret title\n\nA line of /etc/passwd, say.", encoding="utf-8")
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text("Good title\n\nA perfectly ordinary sentence of news.", encoding="utf-8")
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "alias.txt").symlink_to(folder / "good.txt")
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "missing.txt")
    return folder


def test_symlinks_leaving_the_folder_are_skipped_with_a_warning(linked_folder):
    articles, skipped = _load(linked_folder)
    assert sorted(articles) == ["alias", "good"]  # a link to a file inside the folder is read
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {"leak.txt", "elsewhere", "up", "loop-a.txt", "loop-b.txt", "gone.txt"}
    assert "outside" in reasons["leak.txt"] and "--follow-links" in reasons["leak.txt"]
    assert "outside" in reasons["elsewhere"]
    assert "symlink loop" in reasons["up"] and "symlink loop" in reasons["loop-a.txt"]
    assert "broken symlink" in reasons["gone.txt"]
    assert all(not a.origin.startswith(str(linked_folder.parent / "outside")) for a in articles.values())


def test_follow_links_reads_outside_files_and_folders_but_never_loops(linked_folder):
    articles, skipped = [], []
    for item in load_articles([linked_folder], follow_links=True):
        (skipped if isinstance(item, Skipped) else articles).append(item)
    ids = sorted(a.id for a in articles)
    assert ids == ["alias", "elsewhere/secret", "good", "leak"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {"up", "loop-a.txt", "loop-b.txt", "gone.txt"}
    assert "symlink loop" in reasons["up"]


def test_a_text_file_is_dated_by_its_dateline_and_markdown_by_its_date_line(tmp_path):
    (tmp_path / "wire.txt").write_text("Budget passes\n\nWASHINGTON, July 10, 2024 (AP) — Lawmakers approved "
                                       "the budget.\n", encoding="utf-8")
    (tmp_path / "blog.md").write_text("# Budget passes\n\nUpdated 11 July 2024 09:15 BST\n\nThe budget is law.\n",
                                      encoding="utf-8")
    (tmp_path / "plain.txt").write_text("Budget passes\n\nLawmakers approved the budget.\n", encoding="utf-8")
    articles, skipped = _load(tmp_path)
    assert not skipped
    assert {name: a.published for name, a in articles.items()} == {
        "wire": "2024-07-10", "blog": "2024-07-11", "plain": None}
    assert articles["wire"].source == "AP" and articles["blog"].paragraphs == ("The budget is law.",)

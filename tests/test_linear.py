"""Every analysis of untrusted text takes time linear in its input: growth-ratio tests.

Each analyser is timed on inputs made by repeating pieces of its own vocabulary (cue words,
names, quotation marks, dates, separators, ...) n, 2n, 4n and 8n times, best of three; work
linear in the input grows 8-fold from n to 8n, quadratic work 64-fold. A test fails when it grows
more than GROWTH_LIMIT-fold, far enough from both to hold on a busy two-core machine (a growth
over the limit is measured again, best of five, before it counts). n is chosen so that the
smallest input takes a few milliseconds. Hypothesis picks the pieces for each analyser; the
cases named below aim at one rule each, most of which grew quadratically or worse before
(docs/reliability.md, "Adversarial text").
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdex.index import articles, bm25, clean, languages, passages, statements

GROWTH_LIMIT = 20
SCALES = (1, 2, 4, 8)
SMALLEST_SECONDS = 0.003  # n grows until the smallest input takes this long...
LARGEST_CHARS = 400_000  # ...or its largest would pass this size
FAST_SECONDS = 0.005  # a largest input analysed this fast is linear whatever the ratio says


def _seconds(analyse: Callable[[object], object], argument: object, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        analyse(argument)
        best = min(best, time.perf_counter() - start)
    return best


def _size(argument: str | Sequence[str]) -> int:
    """Characters of a text, or of a list of paragraphs or passages."""
    return len(argument) if isinstance(argument, str) else sum(len(part) for part in argument)


def growth(analyse: Callable[[object], object], make: Callable[[int], str | Sequence[str]], n: int = 1,
           smallest: float = SMALLEST_SECONDS) -> tuple[float, list[float]]:
    """How much longer `analyse` takes on make(8n) than on make(n), n grown until make(n) takes `smallest`."""
    gc.collect()
    gc.disable()  # a collection in one timing and not another is noise, not growth
    try:
        while _seconds(analyse, make(n), 1) < smallest and _size(make(16 * n)) <= LARGEST_CHARS:
            n *= 2
        inputs = [make(n * scale) for scale in SCALES]
        times = [_seconds(analyse, argument, 3) for argument in inputs]
        if times[-1] / times[0] > GROWTH_LIMIT:
            times = [min(t, _seconds(analyse, argument, 5)) for t, argument in zip(times, inputs)]
    finally:
        gc.enable()
    return times[-1] / times[0], times


def assert_linear(analyse: Callable[[object], object], make: Callable[[int], str | Sequence[str]], n: int = 1,
                  smallest: float = SMALLEST_SECONDS) -> None:
    ratio, times = growth(analyse, make, n, smallest)
    shown = ", ".join(f"{t * 1000:.2f} ms" for t in times)
    assert ratio <= GROWTH_LIMIT or times[-1] < FAST_SECONDS, f"grew {ratio:.0f}-fold over sizes x1 x2 x4 x8: {shown}"


@pytest.fixture
def unbudgeted(monkeypatch):
    """Statements with no budget per article, so that the rules themselves are timed on long input."""
    monkeypatch.setattr(statements, "MAX_ARTICLE_CHARS", 10**12)
    monkeypatch.setattr(statements, "MAX_UNIT_CHARS", 10**12)


def _article(body: str) -> list[str]:
    """Paragraphs of an article with a title, a statement and `body` (blank lines split it)."""
    return ["Test article", "The minister said talks would go on.", *[p for p in body.split("\n\n") if p]]


def _repeat(pieces: list[str]) -> Callable[[int], str]:
    unit = "".join(pieces)
    return lambda n: unit * n


# --- Each analyser and its vocabulary -------------------------------------------------------

STATEMENT_WORDS = [
    "said ", "told ", "says ", "according to ", "that ", "stressed ", "called ", "described ",  # cues
    "had ", "had previously ", "previously ", "also ", "on Friday ", "last week ", "then ",  # between subject and cue
    "Prime Minister ", "the prime minister ", "the president ", "President ", "Mr. ", "Dr ", "minister ",  # roles
    "Kishida ", "Fumio Kishida ", "O'Brien-Smith ", "Aaaa'", "A.", "Kim ", "de ", "Jane Doe ",  # names
    "“", "”", "«", "»", '"', "„", "“He said «she said „",  # quotation marks
    ", ", ",", ": ", ". ", "! ", "? ", "… ", "  ", "-", "(", ")", "\n\n",  # punctuation
    "he ", "she ", "they ", "the ", "a ", "reporters ", "in a statement ", "54, ", "January ", "12 ", "2024 ",
    "x" * 40, "Her opponent, ",
]
CLEAN_WORDS = [
    "By ", "by ", ".", " ", "  ", "-", "—", "!", "> ", "|", "›", "Photo: ", "AP", "Reuters", "/", "(", ")", ":",
    "comments ", "12 comments", "note: ", "moderated ", "Read more", "Advertisement", "follow us on ", "our newsletter",
    "July 10, 2024 ", "10 July 2024", "2024-07-10 ", "Jan. ", "Published: ", "14:30 ", "GMT ", "ISTANBUL ", "(AA) ",
    "ISTANBUL-", "Jane Doe ", "\n", "\n\n", "\u00a0", "\t", "word ", "x" * 40, "© ", "cookies ", "“",
]
SENTENCE_WORDS = ["“", "”", "«", "„", "‘", "'", '"', "a ", "a. ", "Mr. ", "He said. ", "Photo: ", ". ", "? ", "!",
                  "(", "…", ";", ":", "U.S. ", "x" * 40, "。", "我", " "]
TERM_WORDS = ["word ", "İstanbul'da ", "東京", "。", "x" * 40, "-", " ", "2024 ", "Kishida ", "ç", "\u0307", "'"]
DATE_WORDS = ["July ", "10, ", "2024", "Wed, ", "10 Jul 2024 ", "14:30:00 ", "+0000", "-", "T", "Z", ":", "1", " ",
              "(", ")", ",", "GMT"]
HTML_WORDS = ["<title>", "</title>", "<title", ">", "<", "/", "x", "<TITLE a=1>", "\n"]


def _statements(body: str) -> object:
    return statements.statements_in(_article(body))


def _furniture(paragraph: str) -> object:
    return (clean.is_furniture(paragraph), clean.looks_like_caption(paragraph), clean.byline_author(paragraph),
            clean.written_date(paragraph), clean.split_dateline(paragraph))


def _passages(text: str) -> object:
    # A stand-in for the model's tokenizer: a token every four characters, and one more a space.
    return passages.split_passages(text.split("\n\n"), lambda s: len(s) // 4 + s.count(" ") + 1, 128)


ANALYSERS: dict[str, tuple[Callable[[str], object], list[str]]] = {
    "statements": (_statements, STATEMENT_WORDS),
    "placed statements": (lambda body: statements.placed_statements(_article(body), [(0, body[:2000]), (1, body)]),
                          STATEMENT_WORDS),
    "split paragraphs": (clean.split_paragraphs, CLEAN_WORDS),
    "clean paragraphs": (lambda text: clean.clean_paragraphs(text.split("\n")), CLEAN_WORDS),
    "furniture and metadata lines": (_furniture, CLEAN_WORDS),
    "plain-text article": (clean.parse_plain_text, CLEAN_WORDS),
    "sentences": (passages.sentences, SENTENCE_WORDS),
    "passages": (_passages, SENTENCE_WORDS),
    "language": (languages.detect_language, TERM_WORDS),
    "record": (lambda text: articles.article_from_record({"id": "x", "text": "Title\n\n" + text + " end.",
                                                           "date": text, "lang": text}), CLEAN_WORDS),
    "dates": (articles.normalise_date, DATE_WORDS),
    "html title": (articles._title_element, HTML_WORDS),
    "terms": (lambda text: [bm25.passage_terms("Title", text, lang) for lang in ("en", "tr", "ja", "xx")], TERM_WORDS),
    "question terms": (lambda text: bm25.question_terms(text.split()), TERM_WORDS),
}


@pytest.fixture(autouse=True)
def _quiet(caplog):
    caplog.set_level(logging.CRITICAL)  # unrecognised dates and budget warnings, once per timing


@pytest.mark.parametrize("name", list(ANALYSERS))
@settings(max_examples=2, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_repeated_vocabulary_is_read_in_linear_time(name, data, unbudgeted):
    analyse, vocabulary = ANALYSERS[name]
    pieces = data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=4), label="pieces")
    assert_linear(analyse, _repeat(pieces))


# --- Statements: the reproductions, and each rule that was not linear -----------------------


def test_the_had_previously_article_is_read_at_once():
    paragraphs = ["Test article", "The minister said talks would go on.",
                  "Kishida " + "had previously " * 30 + "gone home."]
    start = time.perf_counter()
    found = statements.statements_in(paragraphs)
    assert time.perf_counter() - start < 0.2
    assert [s.text for s in found] == ["talks would go on"]


def test_the_twenty_thousand_quotes_article_grows_linearly(unbudgeted):
    # 20,000 repetitions at the largest size: the 580 KB article of the issue.
    assert_linear(lambda body: statements.statements_in(["T", "The leaders met.", body]),
                  lambda n: '"Hello there." Kishida said. ' * n, n=2500)


NESTED = "“He said «she said „they said”."


@pytest.mark.parametrize("make, smallest", [
    pytest.param(lambda n: [NESTED] * n + ["“end,” Kishida said."], 0.02, id="paragraphs"),
    pytest.param(lambda n: [NESTED * n], 0.02, id="one paragraph"),
    pytest.param(lambda n: ["“a” b «c"] * n + ["“d,” Kishida said."], SMALLEST_SECONDS,
                 id="reopened across paragraphs"),
    pytest.param(lambda n: ["“He said «she said „they said" * n + "” he said» she said“" * n], SMALLEST_SECONDS,
                 id="unbalanced"),
])
def test_nested_quotation_marks_grow_linearly(make, smallest, unbudgeted):
    # The text joined again for each unit cost little beside the rest below some 40 KB: larger inputs there.
    assert_linear(lambda body: statements.statements_in(["T", "The minister said talks would go on.", *body]), make,
                  smallest=smallest)


def _names(i: int) -> str:
    """A different one-word name for each i: "Aaaa", "Baaa", ..., "Abaa", ..."""
    return chr(65 + i % 26) + "".join(chr(97 + (i // 26**k) % 26) for k in range(1, 4))


@pytest.mark.parametrize("make", [
    pytest.param(lambda n: "Kishida " + "had previously " * n + "said it.", id="aux words"),
    pytest.param(lambda n: "on Friday " * n + "Kishida said it.", id="aux words after each capital"),
    pytest.param(lambda n: "Aaaa'" * n + " said it.", id="a name joined by apostrophes"),
    pytest.param(lambda n: "A." * n + " manager Jane Doe said it.", id="a qualifier of dots"),
    pytest.param(lambda n: "Talks would go on, Kishida" + "-" * n + "x said.", id="punctuation after an attribution"),
    pytest.param(lambda n: " ".join(f"{_names(i)} Bb said he would go." for i in range(n)), id="many speakers"),
    pytest.param(lambda n: " ".join(f"President {_names(i)} Cc spoke. The president said talks would go on."
                                    for i in range(n)), id="many presidents"),
    pytest.param(lambda n: " ".join(f"Kim {_names(i)} met. Kim said talks would go on." for i in range(n)),
                 id="one word of many names"),
])
def test_statement_rules_grow_linearly(make, unbudgeted):
    assert_linear(_statements, make)


@pytest.mark.parametrize("make, smallest", [
    pytest.param(lambda n: "Talks would go on" + " " * n + "x, according to Kishida.", 0.01,
                 id="spaces before according to"),
    pytest.param(lambda n: "Kishida told reporters" + " " * n + "x: “We go.”", 0.01, id="spaces before a colon"),
    pytest.param(lambda n: "Kishida" + " " * n + "x said that talks go on.", 0.01, id="spaces after a subject"),
    pytest.param(lambda n: " ".join(f"{_names(i)} manager Aa Bb spoke. The {_names(i)} manager said it."
                                    for i in range(n)), 0.02, id="many qualified roles"),
    pytest.param(lambda n: "Jo Roe" + ", a b" * n + " said it.", 0.01, id="many descriptions before a cue"),
    pytest.param(lambda n: "Tom Roe told " + "Aa " * n + "the plan was wrong.", 0.01, id="a long hearer"),
    pytest.param(lambda n: "Things happen" + " x" * n + ", said Mr Aa Bb, but they are rare.", 0.01,
                 id="a long aside with its cue first"),
    pytest.param(lambda n: " ".join(f"The {_names(i)} star spoke, but the Scot admitted it." for i in range(n)),
                 0.02, id="many second clauses and descriptions"),
])
def test_statement_rules_grow_linearly_on_larger_input(make, smallest, unbudgeted):
    # What grew quadratically here cost little beside the rest of the work on a few thousand characters.
    assert_linear(_statements, make, smallest=smallest)


def _tidied_passages(text: str) -> list[tuple[int, str]]:
    """Passages of 500 characters with double spaces made single, as passages join sentences."""
    return [(k, text[k * 500:(k + 1) * 500].replace("  ", " ")) for k in range(len(text) // 500 + 1)]


def test_placing_statements_in_no_passage_grows_linearly():
    # Two spaces inside each quotation, one in the passages: no passage holds its words.
    assert_linear(lambda text: statements.placed_statements(_article(text), _tidied_passages(text)),
                  lambda n: " ".join(f"“Go on {i}.  We will.” {_names(i)} Bb said." for i in range(n)))


# --- Cleaning, sentences, passages, dates ---------------------------------------------------


@pytest.mark.parametrize("analyse, make", [
    pytest.param(clean.byline_author, lambda n: "By " + "." * n + "x", id="byline closed by dots"),
    pytest.param(clean.byline_author, lambda n: "By a" + " ." * n + "x", id="byline of spaces and dots"),
    pytest.param(clean.is_furniture, lambda n: "a" + "!" * n + "b", id="comment policy punctuation"),
    pytest.param(clean.is_furniture, lambda n: "a" + "! " * n + "b", id="comment policy spaced punctuation"),
    pytest.param(clean.written_date, lambda n: "July 10, 2024" + " " * n + "x", id="date line spaces"),
    pytest.param(clean.split_dateline, lambda n: "ABC" + "-" * n + "x", id="dateline dashes"),
    pytest.param(clean.is_credit, lambda n: "Photo" + " " * n + "x", id="credit spaces"),
    pytest.param(clean.is_credit, lambda n: "a /AP" + " " * n + "x", id="trailing credit spaces"),
    pytest.param(clean.parse_plain_text, lambda n: "Title\n" + "Advertisement\n" * n + "Text.",
                 id="furniture above text"),
    pytest.param(lambda p: clean.parse_body("T", p, subtitle=p[0]),
                 lambda n: ["word " * 20 * n] + [f"Paragraph {i} ends here." for i in range(n)],
                 id="a long standfirst"),
    pytest.param(passages.sentences, lambda n: "Photo: “" * n, id="unclosed quotation marks"),
    pytest.param(passages.dedupe_passages, lambda n: [" ".join(f"x{i}y{j}" for j in range(30)) for i in range(n)],
                 id="distinct passages"),
    pytest.param(_passages, lambda n: "x" * n, id="a word longer than a passage"),
    pytest.param(articles._title_element, lambda n: "<title>" * n, id="unclosed titles"),
    pytest.param(articles.normalise_date, lambda n: "July 10, 2024 " * n, id="a long date"),
])
def test_cleaning_and_splitting_grow_linearly(analyse, make):
    assert_linear(analyse, make)


def test_a_breadcrumb_line_of_forty_words_is_read_at_once():
    line = "a > " * 19 + "a!"  # grew four-fold with each separator: hours at this length
    start = time.perf_counter()
    assert not clean.is_furniture(line)
    assert clean.is_furniture("Home > World > Europe")
    assert time.perf_counter() - start < 0.2

"""Furniture removal and plain-text parsing: what goes, what stays, on the seeds and on made-up pages."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from newsdex.index.clean import clean_paragraphs, parse_plain_text, split_paragraphs, written_date

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_000 = SEEDS / "000_bbe9b56f2341fe48.txt"
SEED_004 = SEEDS / "004_2650b881156c7f74.txt"

REAL = [
    "The ministry said on Tuesday that exports rose by 4% in the third quarter.",
    "“We will not accept this,” the minister told reporters in Ankara.",
    "Officials expect the talks to resume next week in Geneva.",
]


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _body_without(path: Path, furniture: set[str], furniture_prefixes: tuple[str, ...]) -> list[str]:
    """The seed's lines after the title, minus the furniture named by the test."""
    return [line for line in _lines(path)[1:]
            if line not in furniture and not line.startswith(furniture_prefixes)]


# --- The seeds ---------------------------------------------------------------------------


def test_seed_000_keeps_every_body_paragraph_and_nothing_else():
    parsed = parse_plain_text(SEED_000.read_text(encoding="utf-8"))
    expected = _body_without(
        SEED_000,
        furniture={"By Riyaz ul Khaliq", "- 'Seriously concerned'", "Be the first to comment", "Current News"},
        furniture_prefixes=("UYARI:", "Türkçe karakter"),
    )
    expected = [line.removeprefix("ISTANBUL (AA) - ") for line in expected]
    assert list(parsed.paragraphs) == expected
    assert len(expected) == 13  # subtitle + 12 body paragraphs


def test_seed_000_metadata():
    parsed = parse_plain_text(SEED_000.read_text(encoding="utf-8"))
    assert parsed.title == "North Korean-Russian ties pose ‘serious threat’: Japanese, South Korean leaders"
    assert parsed.subtitle == ("President Yoon Suk Yeol, Premier Fumio Kishida ‘concur’ on coordinating "
                               "closely with US")
    assert parsed.paragraphs[0] == parsed.subtitle  # the standfirst is the article's own words
    assert parsed.author == "Riyaz ul Khaliq"
    assert (parsed.dateline, parsed.source) == ("ISTANBUL", "AA")
    assert parsed.paragraphs[1].startswith("Growing ties between North Korea and Russia")


def test_seed_000_furniture_is_gone_and_the_unfinished_last_paragraph_stays():
    text = "\n".join(parse_plain_text(SEED_000.read_text(encoding="utf-8")).paragraphs)
    for furniture in ("Be the first to comment", "UYARI", "yorumlar onaylanmamaktadır", "Current News",
                      "Seriously concerned'", "By Riyaz", "ISTANBUL (AA)"):
        assert furniture not in text
    assert text.endswith("which marks the alliance’s 75th anniversary")
    assert "“In light of the current international situation, it is highly significant" in text


def test_seed_004_keeps_every_body_paragraph_and_nothing_else():
    parsed = parse_plain_text(SEED_004.read_text(encoding="utf-8"))
    expected = _body_without(
        SEED_004,
        furniture={"AP", "Read More", "Route 6",
                   "Xi and Yoon push for stronger China-South Korea ties at APEC summit",
                   "China ready to work with new US administration for 'smooth transition': Xi"},
        furniture_prefixes=("President of S Korea Yoon Suk Yeol during a trilateral meeting",),
    )
    assert list(parsed.paragraphs) == expected
    assert len(expected) == 9  # subtitle + 8 body paragraphs


def test_seed_004_metadata_and_furniture():
    parsed = parse_plain_text(SEED_004.read_text(encoding="utf-8"))
    assert parsed.title == "S Korea, Japan worry about N Korea's deepening ties with Russia"
    assert parsed.subtitle.startswith("Japanese Premier Ishiba and South Korean President Suk Yeol agree")
    assert parsed.author is None and parsed.dateline is None
    text = "\n".join(parsed.paragraphs)
    for furniture in ("Read More", "/ Photo: AP", "Route 6", "Xi and Yoon push", "China ready to work with new US"):
        assert furniture not in text
    assert "AP" not in parsed.paragraphs
    assert "The US, South Korea and Ukraine claimed that North Korean troops" in parsed.paragraphs[-1]


# --- split_paragraphs --------------------------------------------------------------------


def test_split_normalises_newlines_unicode_controls_and_spaces():
    raw = "Caf\u0065\u0301 opens\r\n\r\nA   line\twith\x07 debris.\u00a0\u00a0End.\r\nNext line."
    assert split_paragraphs(raw) == ["Café opens", "A line with debris. End.", "Next line."]
    assert unicodedata.is_normalized("NFC", split_paragraphs(raw)[0])


def test_split_treats_each_line_as_a_paragraph():
    raw = "Last sentence of the story.\nBe the first to comment\nUYARI: notice line\n\nCurrent News"
    assert split_paragraphs(raw) == ["Last sentence of the story.", "Be the first to comment",
                                     "UYARI: notice line", "Current News"]


def test_split_rejoins_a_hard_wrapped_paragraph():
    raw = ("The number of harbour seal pups counted in the Thames estuary rose for the\n"
           "third year running, according to the annual survey published on Monday by\n"
           "the Zoological Society of London.\n")
    assert split_paragraphs(raw) == [" ".join(raw.split())]


def test_split_does_not_join_a_list_of_headlines():
    raw = ("Alpine glaciers lose record ice in summer heatwave\n"
           "Rail freight operators struggle to meet surge in demand\n"
           "Chile's lithium output hits record as new plants open")
    assert len(split_paragraphs(raw)) == 3


# --- clean_paragraphs, rule by rule -------------------------------------------------------


@pytest.mark.parametrize("marker", [
    "Be the first to comment", "Comments", "12 comments", "Leave a comment", "Join the conversation",
    "Yorumlar", "3 Kommentare", "Comentarios (0)", "Commentaires", "Sé el primero en comentar",
])
def test_comment_section_ends_the_article(marker):
    paragraphs = [REAL[0], REAL[1], marker, "Great article, thanks for writing it.", REAL[2]]
    assert clean_paragraphs(paragraphs) == [REAL[0], REAL[1]]


def test_comment_link_above_the_text_does_not_swallow_it():
    assert clean_paragraphs(["12 comments", REAL[0], REAL[1]]) == [REAL[0], REAL[1]]


@pytest.mark.parametrize("furniture", [
    "Read More", "Read more: Rail freight operators struggle to meet surge in demand",
    "Related: Grey seal colonies thrive on the Norfolk coast", "Also read", "Advertisement",
    "Share this article", "Sign up for our newsletter",
    "Get the day's top stories delivered to your inbox every morning.",
    "Follow us on Twitter and Facebook.", "Follow Anna Keller on Twitter",
    "Click here to read the full report.", "© 2024 The Valley Courier. All rights reserved.",
    "Copyright 2024 Example News Ltd.",
    "UYARI: Küfür, hakaret içeren yorumlar onaylanmamaktadır.",
    "Comments are moderated and may take a while to appear.",
    "Los comentarios están sujetos a moderación y deben respetar nuestras normas.",
    "Die Kommentare werden vor der Veröffentlichung geprüft.",
    "We use cookies to improve your experience. By continuing you agree to our cookie policy.",
    "President Yoon at the summit in Lima, Peru, Nov. 15, 2024. / Photo: AP",
    "Photo: Reuters/Jane Doe", "Dry sandbanks near the Loreley rock. (Photo by Peter Brandt/Getty Images)",
    "AFP via Getty Images", "AP", "AFP", "Reuters", "Home > World > Europe",
])
def test_known_furniture_is_dropped(furniture):
    assert clean_paragraphs([REAL[0], furniture, REAL[1]]) == [REAL[0], REAL[1]]


@pytest.mark.parametrize("sentence", [
    "Related measures were announced by the ministry on Friday.",
    "Copyright law was changed last year to protect authors, the minister said.",
    "Comments by the minister drew sharp criticism from opposition parties on Tuesday.",
    "Subscribers to the service said prices had doubled.",
    "Advertisement revenue fell by a third in the second quarter, the company said.",
    "Reuters reported on Monday that the deal was close.",
    "He said: “No.”",
])
def test_real_sentences_that_start_like_furniture_are_kept(sentence):
    assert clean_paragraphs([REAL[0], sentence]) == [REAL[0], sentence]


def test_repeated_paragraph_is_kept_once_in_its_first_place():
    quote = "“A night train is a hotel that moves,” said Elena Marín."
    paragraphs = [quote, REAL[0], "  “A NIGHT train is a hotel that   moves,” said Elena Marín.", REAL[1]]
    assert clean_paragraphs(paragraphs) == [quote, REAL[0], REAL[1]]


def test_repeated_caption_is_dropped_entirely():
    caption = "President Yoon Suk Yeol arrives at the summit venue in Lima, Peru, Nov. 15, 2024."
    assert clean_paragraphs([caption, REAL[0], caption, REAL[1]]) == [REAL[0], REAL[1]]


def test_caption_above_its_credit_line_is_dropped():
    caption = "Passengers wait for a train at Madrid's Atocha station, Sept. 3, 2024."
    assert clean_paragraphs([REAL[0], caption, "Photo: Reuters/Jane Doe", REAL[1]]) == [REAL[0], REAL[1]]


@pytest.mark.parametrize("crumb", [
    "Route 6", "Current News", "- 'Seriously concerned'",
    "Xi and Yoon push for stronger China-South Korea ties at APEC summit",
])
def test_short_lines_that_are_not_sentences_are_dropped(crumb):
    assert clean_paragraphs([REAL[0], crumb, REAL[1]]) == [REAL[0], REAL[1]]


def test_long_paragraph_without_final_period_is_kept():
    unfinished = ("Besides Tokyo and Seoul, Australia and New Zealand were also invited to the current "
                  "NATO summit in Washington, which marks the alliance’s 75th anniversary")
    assert clean_paragraphs([REAL[0], unfinished]) == [REAL[0], unfinished]


# --- Properties ---------------------------------------------------------------------------

_POOL = REAL + [
    "Read More", "AP", "Be the first to comment", "Photo: Reuters/Jane Doe", "Route 6",
    "Passengers wait for a train at Madrid's Atocha station, Sept. 3, 2024.",
    "Share this article", "Comments (3)", "Home > World > Europe", "Yorumlar",
    "Besides Tokyo and Seoul, Australia and New Zealand were also invited to the current NATO summit",
]
_paragraph_lists = st.lists(
    st.one_of(st.sampled_from(_POOL), st.text(min_size=0, max_size=80)), max_size=14)


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    remaining = iter(big)
    return all(any(item == candidate for candidate in remaining) for item in small)


@hsettings(max_examples=300, deadline=None)
@given(_paragraph_lists)
def test_cleaning_is_idempotent_and_only_removes(paragraphs):
    once = clean_paragraphs(paragraphs)
    assert clean_paragraphs(once) == once
    assert _is_subsequence(once, paragraphs)


# --- parse_plain_text ---------------------------------------------------------------------


def test_markdown_title_mark_is_stripped():
    parsed = parse_plain_text("# Storm closes ports in Crete\n\nFerry services were suspended on Friday.")
    assert parsed.title == "Storm closes ports in Crete"


@pytest.mark.parametrize("opening, place, source", [
    ("WASHINGTON (Reuters) — ", "WASHINGTON", "Reuters"),
    ("LONDON, June 3 (Reuters) - ", "LONDON", "Reuters"),
    ("PARIS — ", "PARIS", None),
])
def test_dateline_is_recorded_and_taken_off_the_text(opening, place, source):
    sentence = "Lawmakers approved the budget on Thursday after a night of talks."
    parsed = parse_plain_text(f"Budget passes\n\n{opening}{sentence}")
    assert (parsed.dateline, parsed.source) == (place, source)
    assert parsed.paragraphs == (sentence,)
    assert parsed.subtitle is None  # a dateline paragraph is the story's first paragraph, not a standfirst


@pytest.mark.parametrize("opening, day", [
    ("WASHINGTON, July 10, 2024 (AP) — ", "2024-07-10"),
    ("WEST BERLIN, 26 June 1963 (Reuters) - ", "1963-06-26"),
    ("LONDON, June 3 (Reuters) - ", None),  # no year: any year, so no date
    ("ISTANBUL (AA) - ", None),
])
def test_a_dateline_with_a_full_date_dates_the_article(opening, day):
    sentence = "Lawmakers approved the budget on Thursday after a night of talks."
    parsed = parse_plain_text(f"Budget passes\n\n{opening}{sentence}")
    assert parsed.published == day
    assert parsed.paragraphs == (sentence,)


@pytest.mark.parametrize("line, day", [
    ("July 10, 2024", "2024-07-10"),
    ("Published: July 10, 2024 14:30 GMT", "2024-07-10"),
    ("Updated Wednesday, 10 July 2024", "2024-07-10"),
    ("Sept. 3, 2023 at 5:00 p.m. EDT", "2023-09-03"),
    ("2024-07-10", "2024-07-10"),
    ("Feb 30, 2024", None),  # no such day
    ("May 2024", None),  # a month is not a day
    ("Marching 10, 2024", None),
    ("Theresa May said on July 10, 2024 that talks would resume.", None),  # a sentence, not a date line
])
def test_written_date_reads_only_a_line_that_is_a_date(line, day):
    assert written_date(line) == day


def test_a_date_line_in_the_header_dates_the_article_and_leaves_the_text():
    parsed = parse_plain_text("Budget passes\n\nBy Jane Doe\n\nPublished: March 4, 2024\n\n"
                              "Lawmakers approved the budget.\n\nOn March 5, 2024 it became law.")
    assert parsed.published == "2024-03-04" and parsed.author == "Jane Doe"
    assert parsed.paragraphs == ("Lawmakers approved the budget.", "On March 5, 2024 it became law.")


def test_a_date_deep_in_the_text_is_not_the_articles_date():
    parsed = parse_plain_text("Budget passes\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n\nFive.\n\nMarch 4, 2024")
    assert parsed.published is None


def test_byline_leaves_the_body_and_is_not_a_subtitle():
    parsed = parse_plain_text("Budget passes\n\nBy Jane Doe and John Roe\n\nLawmakers approved the budget.")
    assert parsed.author == "Jane Doe and John Roe"
    assert parsed.paragraphs == ("Lawmakers approved the budget.",)


def test_long_first_paragraph_is_not_a_subtitle():
    long_paragraph = " ".join(["Lawmakers approved the budget after a long night of talks."] * 6)
    parsed = parse_plain_text(f"Budget passes\n\n{long_paragraph}")
    assert parsed.subtitle is None
    assert parsed.paragraphs == (long_paragraph,)


def test_a_month_ignoring_case_matched_in_another_script_is_read_or_left_alone():
    # "ſ" (long s) matches "s" when case is ignored; it once raised StopIteration and ended a whole load.
    assert written_date("ſept 5, 2024") in ("2024-09-05", None)
    assert written_date("Published: ſeptember 5, 2024") in ("2024-09-05", None)


def test_a_long_s_date_line_does_not_end_a_load(tmp_path):
    from newsdex.index.articles import Article, load_articles

    (tmp_path / "a.txt").write_text("First report\n\nſept 5, 2024\n\nThe council met on Monday to vote.\n")
    (tmp_path / "b.txt").write_text("Second report\n\nThe ferry ran late again on Tuesday.\n")
    assert sorted(a.id for a in load_articles([tmp_path]) if isinstance(a, Article)) == ["a", "b"]

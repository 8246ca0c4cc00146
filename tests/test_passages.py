"""Splitting invariants: nothing is lost, nothing is over budget, neighbours overlap."""

from __future__ import annotations

import re

import pytest
from conftest import DATA, SEEDS
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from newsdex.index.analysis import Analyser
from newsdex.index.articles import Article
from newsdex.index.passages import dedupe_passages, sentences, split_passages
from newsdex.settings import Settings


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _seed_like_paragraphs() -> list[str]:
    return [
        "Growing ties between North Korea and Russia pose a “serious threat,” warned the leaders. "
        "The meeting was held in Lima, Peru, Nov. 15, 2024. Mr. Yoon spoke first.",
        "Kishida said the U.S. alliance matters. He added that Tokyo is “seriously concerned.”",
        "Short one.",
    ] * 6


def test_every_sentence_lands_in_a_passage_and_none_is_over_budget(embedder):
    paragraphs = _seed_like_paragraphs()
    for budget in (24, 48, 120):
        passages = split_passages(paragraphs, embedder.count_tokens, budget, overlap=1)
        joined = [_norm(p) for p in passages]
        for paragraph in paragraphs:
            for sentence in sentences(paragraph):
                assert any(_norm(sentence) in p for p in joined), (budget, sentence)
        assert all(embedder.count_tokens(p) <= budget for p in passages)


def test_abbreviations_do_not_break_sentences():
    assert sentences("They met in Lima, Peru, Nov. 15, 2024. Mr. Biden left.") == [
        "They met in Lima, Peru, Nov. 15, 2024.", "Mr. Biden left."
    ]


def test_neighbouring_passages_share_a_sentence(embedder):
    paragraphs = [" ".join(f"Report {i} says the river rose again today." for i in range(40))]
    passages = split_passages(paragraphs, embedder.count_tokens, 40, overlap=1)
    assert len(passages) > 2
    for before, after in zip(passages, passages[1:]):
        last = sentences(before)[-1]
        assert after.startswith(last)


def test_a_sentence_longer_than_the_budget_is_cut_not_truncated(embedder):
    words = [f"word{i}" for i in range(300)]
    passages = split_passages([" ".join(words) + "."], embedder.count_tokens, 50, overlap=0)
    assert all(embedder.count_tokens(p) <= 50 for p in passages)
    assert " ".join(passages).split() == words[:-1] + [words[-1] + "."]


def test_seed_passages_fit_the_model_window_with_their_title(embedder):
    settings = Settings()
    analyser = Analyser(settings, embedder)
    budget = analyser.passage_budget
    article = Article(id="x", title="A fairly long title " * 10, paragraphs=tuple(_seed_like_paragraphs()))
    for passage in analyser.passages_for(article):
        assert embedder.count_tokens(passage) <= budget
    assert budget + settings.title_tokens + 3 <= embedder.max_seq_length


def test_near_identical_passages_are_kept_once():
    caption = "President Yoon Suk Yeol during a trilateral meeting in Lima, Peru, Nov. 15, 2024."
    kept = dedupe_passages([caption, caption + " ", caption.replace("Peru,", "Peru"), "Something else entirely."])
    assert kept == [caption, "Something else entirely."]


_sentence = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x24F),
                    min_size=1, max_size=12).map(lambda w: w.capitalize())


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.lists(_sentence, min_size=1, max_size=12).map(lambda ws: " ".join(ws) + "."),
                         min_size=1, max_size=6).map(" ".join), min_size=1, max_size=6),
       st.integers(min_value=16, max_value=120))
def test_split_invariants_hold_for_any_text(embedder, paragraphs, budget):
    passages = split_passages(paragraphs, embedder.count_tokens, budget, overlap=1)
    assert split_passages(paragraphs, embedder.count_tokens, budget, overlap=1, additive=True) == passages
    assert all(embedder.count_tokens(p) <= budget for p in passages)
    text = _norm(" ".join(passages))
    for paragraph in paragraphs:
        for word in paragraph.split():
            assert word.rstrip(".") in text


@pytest.mark.parametrize("paragraph", [
    "Kishida told Yoon the ties matter.",
    "“In light of the current situation, it is highly significant,” Kishida told Yoon.",
    'He added that Tokyo is “seriously concerned.”',
    "Read the statement (in full)",
    "They met in Lima, Peru, Nov. 15, 2024. Mr. Biden left.",
    "Is it over? Not yet!",
    "A headline without an end",
])
def test_one_sentence_shortcut_agrees_with_the_splitter(paragraph):
    import sentencex

    expected = [piece.strip() for piece in sentencex.segment("en", paragraph) if piece.strip()]
    assert sentences(paragraph) == expected


@pytest.mark.parametrize("paragraph, expected", [
    ("“We will act,” the minister said.” Officials declined to comment.",
     ["“We will act,” the minister said.”", "Officials declined to comment."]),
    ("The museum is in Washington, D.C. It opened last year.",
     ["The museum is in Washington, D.C.", "It opened last year."]),
    ("Rates would stay high. Mr. Kovacs disagreed at 5 p.m. on Friday.",
     ["Rates would stay high.", "Mr. Kovacs disagreed at 5 p.m. on Friday."]),
    ("Growth was 3.5 per cent, Dr. Lee et al. found. The report ran on.",
     ["Growth was 3.5 per cent, Dr. Lee et al. found.", "The report ran on."]),
    ("Prices rose for the\nthird year. Wages did not.", ["Prices rose for the\nthird year.", "Wages did not."]),
    ("ƀǝ letters stay. So does this ǝ.", ["ƀǝ letters stay.", "So does this ǝ."]),
])
def test_sentences_split_news_the_way_a_reader_would(paragraph, expected):
    assert sentences(paragraph) == expected


def test_counting_sentences_once_gives_the_same_passages(embedder):
    assert embedder.tokens_add_up  # WordPiece: joined at white space, tokens add up
    for path in sorted(SEEDS.glob("*.txt")) + sorted((DATA / "articles").rglob("*.txt")):
        paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        for budget in (40, 120, 200):
            exact = split_passages(paragraphs, embedder.count_tokens, budget, overlap=1)
            assert split_passages(paragraphs, embedder.count_tokens, budget, overlap=1, additive=True) == exact
            assert all(embedder.count_tokens(p) <= budget for p in exact)

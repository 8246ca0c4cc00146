"""Asking what someone said in any form of their name or role, over a real index of articles written
for these tests: question forms, role questions, forms in `speakers`, speaker with dates, topic by context."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from newsdex.index.build import Indexer
from newsdex.index.builds import DB_FILE, current_build
from newsdex.index.rows import StatementRow
from newsdex.index.sentences import SentenceVectors
from newsdex.search.question.speakers import is_role, matching_speakers, speaker_question
from newsdex.search.searcher import Searcher
from newsdex.search.speaker_route import _in_context
from newsdex.settings import Settings

ARTICLES = [
    {"id": "roe-budget", "title": "Roe defends the budget", "published": "2024-02-10",
     "text": "Prime Minister Jane Roe defended the budget on Monday.\n\n"
             "\"We will not raise taxes on working families,\" Ms Roe told reporters in Leeds.\n\n"
             "Opposition leader John Doe said the plan was \"a fantasy\" and would hurt schools.\n\n"
             "Mark Poe, a local shopkeeper, watched the speech from the back of the hall."},
    {"id": "roe-health", "title": "Health service plans", "published": "2024-04-05",
     "text": "Jane Roe, the prime minister, visited a hospital in Hull on Friday.\n\n"
             "The prime minister said the health service needed more nurses and shorter waiting lists.\n\n"
             "Roe added that funding would rise every year until 2030."},
    {"id": "moe-trade", "title": "Trade talks resume", "published": "2024-04-20",
     "text": "Canadian Prime Minister Alan Moe said trade talks with Europe would resume next month.\n\n"
             "Mr Moe said tariffs on steel were a mistake."},
    {"id": "loe-council", "title": "Council row", "published": "2024-03-02",
     "text": "The council spent the whole of Tuesday arguing about the new harbour bridge and its rising cost.\n\n"
             "\"It is a waste of money and it will never be finished,\" councillor Peter Loe said.\n\n"
             "Later the meeting turned to school meals for the coming winter.\n\n"
             "\"Every child deserves a hot lunch,\" Mr Loe said."},
]


@pytest.fixture(scope="module")
def people_settings(tmp_path_factory, embedder) -> Settings:
    root = tmp_path_factory.mktemp("people")
    (root / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n")
    settings = Settings(index_dir=root / "index")
    Indexer(settings, embedder).build([root / "articles.jsonl"])
    return settings


@pytest.fixture(scope="module")
def asker(people_settings, embedder):
    searcher = Searcher.open(people_settings, embedder=embedder)
    yield searcher
    searcher.close()


def _speakers(response) -> list:
    return [r.quote.speaker if r.quote else None for r in response.results]


def test_each_person_is_listed_once_with_their_forms(asker):
    page = asker.speakers()
    roe = next(p for p in page.speakers if p.speaker == "Jane Roe")
    assert roe.statements == 3 and roe.articles == 2
    assert {"Ms Roe", "Roe", "the prime minister"} <= set(roe.forms)
    assert [p.speaker for p in page.speakers].count("Jane Roe") == 1


@pytest.mark.parametrize("question", [
    "what did Jane Roe say", "what did Ms Roe say", "what did Roe say", "what did Prime Minister Roe claim",
    "what has Roe told reporters", "did Ms Roe say anything about taxes", "quotes from Jane Roe",
    "Jane Roe on taxes", "Roe's view of the health service", "according to Ms Roe", "taxes, according to Roe",
    "What did Jane Roe deny?", "what did Roe warn about nurses"])
def test_every_question_form_and_name_form_finds_the_person(asker, question):
    response = asker.search(question, k=3)
    assert response.speaker is not None and response.speaker.speakers == ["Jane Roe"], question
    assert _speakers(response)[0] == "Jane Roe", question


def test_a_role_question_answers_from_each_person_the_archive_gives_the_role(asker):
    response = asker.search("what did the prime minister say", k=4)
    assert set(response.speaker.speakers) == {"Jane Roe", "Alan Moe"}
    assert set(_speakers(response)[:2]) == {"Jane Roe", "Alan Moe"}
    assert "'the prime minister' is what the articles call 2 people" in response.speaker.reason
    qualified = asker.search("what did the Canadian prime minister say", k=2)
    assert qualified.speaker.speakers == ["Alan Moe"] and _speakers(qualified) == ["Alan Moe", "Alan Moe"]
    leader = asker.search("what did the opposition leader say", k=1)
    assert leader.speaker.speakers == ["John Doe"]


def test_a_question_about_no_one_quoted_is_a_plain_search(asker):
    for question in ("what did Mark Poe say", "what did the chancellor say", "according to reports"):
        response = asker.search(question, k=3)
        assert not any(r.quote for r in response.results), question
    assert asker.search("according to reports", k=1).speaker is None
    assert asker.search("what did the chancellor say", k=1).speaker is None


def test_a_speaker_question_with_a_date_applies_both(asker):
    response = asker.search("what has Jane Roe said since March 2024", k=5)
    assert response.interpreted is not None and response.interpreted.since == "2024-03-01"
    quoted = [r for r in response.results if r.quote]
    assert quoted and {r.quote.speaker for r in quoted} == {"Jane Roe"}
    assert {r.article_id for r in quoted} == {"roe-health"}


def test_a_topic_question_ranks_by_the_sentences_around_the_quote(asker):
    response = asker.search("what did Peter Loe say about the harbour bridge", k=2)
    assert _speakers(response) == ["Peter Loe", "Peter Loe"]
    assert response.results[0].quote.text.startswith("It is a waste of money")


def test_context_counts_only_the_sentences_around_a_statement():
    topic = np.array([1.0, 0.0], dtype=np.float32)
    near, far = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    # four sentences; the statement is the third: its neighbours are the second and the fourth
    item = SentenceVectors(((0, 10), (11, 20), (21, 30), (31, 40)), np.stack([near, far, far, far]).astype(np.float32))
    row = StatementRow(id=1, article_id="a", position=0, speaker="X", cue="said", kind="direct", text="t",
                       text_start=0, text_end=1, passage_id=1, passage_start=22, passage_end=29, title="",
                       source=None, published=None, url=None)
    assert _in_context(0.1, row, item, topic) == 0.1  # the close sentence is two away: not its context
    beside = SentenceVectors(item.spans, np.stack([far, near, far, far]).astype(np.float32))
    assert _in_context(0.1, row, beside, topic) == pytest.approx(0.55)  # its neighbour is: half of each
    assert _in_context(0.1, row, None, topic) == 0.1  # no sentence vectors kept: its own words


def test_name_matching_reads_the_forms_the_articles_use():
    stored = {"Tony Blair": ("Tony Blair", "Mr Blair", "the prime minister"), "Sir Ian Blair": ("Sir Ian Blair",
              "Sir Ian", "the commissioner"), "Menzies Campbell": ("Menzies Campbell",),
              "Sir Menzies Campbell": ("Sir Menzies Campbell", "Sir Menzies"), "Gordon Brown": ("the chancellor",)}
    assert matching_speakers("Mr Blair", stored) == ["Tony Blair"]
    assert matching_speakers("Sir Ian", stored) == ["Sir Ian Blair"]
    assert matching_speakers("the prime minister", stored) == ["Tony Blair"]
    assert matching_speakers("The Chancellor", stored) == ["Gordon Brown"]
    assert matching_speakers("the foreign secretary", stored) == []
    assert matching_speakers("Menzies Campbell", stored) == ["Menzies Campbell", "Sir Menzies Campbell"]
    assert matching_speakers("Blair", stored) == ["Tony Blair"]  # "Mr Blair" less its title; never Sir Ian
    assert matching_speakers("Blair", list(stored)) == ["Tony Blair", "Sir Ian Blair"]  # no forms: any holder
    assert is_role("the Tory leader") and not is_role("the government") and not is_role("Tony Blair")
    assert speaker_question("What did the government say?") is None
    assert speaker_question("what did the attorney general warn").name == "the attorney general"


def test_a_build_from_before_forms_gets_them_at_its_next_write(people_settings, embedder, tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps(ARTICLES[0]) + "\n")
    Indexer(settings, embedder).build([source])
    db = sqlite3.connect(current_build(settings.index_dir) / DB_FILE)
    db.execute("ALTER TABLE statements DROP COLUMN forms")  # a build as index.writer made it before index.people
    db.execute("UPDATE statements SET speaker = 'Roe' WHERE speaker = 'Jane Roe'")
    db.commit()
    db.close()
    with Searcher.open(settings, embedder=embedder) as old:
        assert ("Roe", ["Roe"]) in [(p.speaker, p.forms) for p in old.speakers().speakers]
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES[:2]) + "\n")
    Indexer(settings, embedder).build([source])
    with Searcher.open(settings, embedder=embedder) as new:
        roe = next(p for p in new.speakers().speakers if "Roe" in p.speaker)
        assert roe.speaker == "Jane Roe" and roe.statements == 3 and "Ms Roe" in roe.forms


def test_milvus_keeps_the_same_people_and_forms(people_settings, embedder, tmp_path):
    from newsdex.index.stores import open_store

    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n")
    milvus = Settings(index_dir=tmp_path / "index", store="milvus", milvus_uri=str(tmp_path / "milvus.db"))
    Indexer(milvus, embedder).build([source])
    with open_store(milvus) as theirs, open_store(people_settings) as ours:
        assert {(r.speaker, frozenset(r.forms)) for r in theirs.speakers()} == \
            {(r.speaker, frozenset(r.forms)) for r in ours.speakers()}


class _Counting:
    """The session's model, counting the texts it is asked to read."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.read: list[str] = []

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    def encode(self, texts, **kwargs):
        self.read.extend(texts)
        return self._embedder.encode(texts, **kwargs)


def test_a_first_quote_question_reads_statements_from_the_build_not_the_model(seed_settings, embedder):
    counting = _Counting(embedder)
    with Searcher.open(seed_settings, embedder=counting) as searcher:
        answer = searcher.search("what did Kishida say", k=5)
    assert answer.results[0].quote is not None and answer.results[0].quote.speaker == "Fumio Kishida"
    # The question, not the speaker's statements: their vectors come from the sentences the build kept.
    assert len(counting.read) <= 2 and not any("Kishida" not in text and len(text) > 40 for text in counting.read)


def _statement(i: int, article: str) -> StatementRow:
    return StatementRow(id=i, article_id=article, position=0, speaker="Jane Roe", cue="said", kind="indirect",
                        text=f"words {i}", text_start=0, text_end=7, passage_id=i, passage_start=0, passage_end=7,
                        title="t", source=None, published=None, url=None)


def test_grouped_statements_weigh_where_the_search_ranked_their_article():
    from newsdex.index.rows import PassageRow
    from newsdex.search.answers import Ranked
    from newsdex.search.speaker_route import _with_article_ranks

    rows = [_statement(0, "aside"), _statement(1, "about-it"), _statement(2, "unreached")]
    found = [Ranked(row=PassageRow(id=10 + n, article_id=a, position=0, text="x", title="t", source=None,
                                   published=None, url=None), score=1.0 - n / 10)
             for n, a in enumerate(["about-it", "other", "aside"])]
    # By the statements' own scores "aside" is first; the search ranked "about-it" first and never reached "unreached".
    assert _with_article_ranks([0, 1, 2], rows, found, article_k=10) == [1, 0, 2]
    assert _with_article_ranks([2, 1, 0], rows, found, article_k=10) == [1, 2, 0]

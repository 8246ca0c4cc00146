"""Who said what, end to end on the seed index: speaker questions answered with the person's
statements (Searcher, `ask`, HTTP), `newsdex quotes|speakers` and `/quotes` `/speakers`, and
statements kept in step with the articles by incremental builds."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import SEED_QUESTIONS, SEEDS
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdex.api.app import create_app
from newsdex.cli import app, ask_app
from newsdex.index.build import Indexer
from newsdex.index.builds import DB_FILE, current_build
from newsdex.index.rows import StatementRow
from newsdex.index.store import IndexStore
from newsdex.search.question.speakers import SpeakerAsk, matching_speakers, speaker_question
from newsdex.search.searcher import Searcher
from newsdex.search.speaker_route import _each_speaker_first, _route
from newsdex.settings import Settings

KISHIDA = "Fumio Kishida"


def _quoted(response):
    return [(r.quote.speaker, r.quote.text) for r in response.results if r.quote is not None]


# -- the "done means" --------------------------------------------------------------


def test_what_did_kishida_say_answers_with_his_two_statements_first(searcher):
    response = searcher.search("what did Kishida say", k=5)
    first_two = response.results[:2]
    assert all(r.quote is not None and r.quote.speaker == KISHIDA for r in first_two)
    texts = sorted(r.quote.text for r in first_two)
    assert texts[0].startswith("In light of the current international situation")
    assert texts[1].startswith("Tokyo is “seriously concerned”")
    assert {r.quote.cue for r in first_two} == {"told", "stressed"}
    for result in first_two:  # the words sit at the quote's offsets in the passage shown
        assert result.text[result.quote.start:result.quote.end] == result.quote.text
    assert response.speaker is not None and response.speaker.speakers == [KISHIDA]
    assert all(r.quote is None for r in response.results[2:])  # then passages, which are no statements


def test_what_did_ishiba_say_answers_maintain_the_thaw_first(searcher):
    first = searcher.search("what did Ishiba say").results[0]
    assert first.quote is not None and first.quote.speaker == "Shigeru Ishiba"
    assert "maintain the thaw" in first.quote.text


def test_what_did_yoon_say_answers_his_concerns_first(searcher):
    first = searcher.search("what did Yoon say").results[0]
    assert first.quote is not None and first.quote.speaker == "Yoon Suk Yeol"
    assert "causing serious concerns for global security" in first.quote.text


def test_no_statement_is_given_to_kishida_that_he_did_not_make(searcher):
    page = searcher.quotes("Kishida", limit=100)
    assert page.speakers == [KISHIDA] and page.total == 2
    assert [q.cue for q in page.quotes] == ["told", "stressed"]
    assert all("maintain the thaw" not in q.text and "concurred" not in q.text for q in page.quotes)
    with IndexStore.open(searcher.settings.index_dir) as store:
        assert [row.speaker for row in store.speakers()] == [KISHIDA, "Shigeru Ishiba", "Yoon Suk Yeol"]


# -- asking about a speaker -------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "what did Kishida say", "What did Fumio Kishida say?", "what did kishida say", "what has Kishida said",
    "Kishida's comments", "quotes from Kishida", "statements by Fumio Kishida", "what Kishida said about Russia",
    "did Kishida say anything about North Korea?", "what did Kishida stress", "Show me Kishida's remarks",
    "what was said by Kishida", "how did Kishida respond to the treaty",
    # name forms: an honorific or a title before the surname
    "What did Mr Kishida say?", "what did Prime Minister Kishida say", "quotes from Prime Minister Fumio Kishida",
    # "X on Y", "X's view of Y", "according to X", "did X say ...", and a date beside the speaker
    "Kishida on North Korea", "Mr Kishida's view of the treaty", "North Korea, according to Kishida",
    "according to Prime Minister Kishida, what is the threat?", "did Kishida say that Tokyo is concerned",
    "what has Kishida said since July",
])
def test_natural_phrasings_of_a_speaker_question_take_the_speaker_route(searcher, question):
    response = searcher.search(question, k=3)
    assert response.speaker is not None and response.speaker.speakers == [KISHIDA], question
    assert response.results[0].quote is not None and response.results[0].quote.speaker == KISHIDA


def test_x_on_y_is_a_speaker_question_only_for_someone_quoted(searcher):
    for question in ("sanctions on Russia", "Putin on the treaty"):
        response = searcher.search(question, k=3)
        assert response.speaker is None, question
        assert all(r.quote is None for r in response.results)
    routed = searcher.search("Prime Minister Kishida on trust between the leaders", k=2)
    assert routed.speaker.speakers == [KISHIDA] and routed.speaker.topic == "trust between the leaders"
    assert routed.results[0].quote.text.startswith("In light of")


def test_a_name_meaning_several_people_answers_from_each_and_says_so():
    ask = SpeakerAsk("Mr Kim", "", ("Kim Jong Un", "Kim Yo Jong"), explicit=False)
    route = _route(ask, 3)
    assert route.speakers == ["Kim Jong Un", "Kim Yo Jong"]
    assert "may mean any of 2 people" in route.reason and "Kim Jong Un, Kim Yo Jong" in route.reason
    assert "may mean" not in _route(SpeakerAsk("Kishida", "", (KISHIDA,), explicit=False), 2).reason
    rows = [_statement(1, "Kim Jong Un"), _statement(2, "Kim Jong Un"), _statement(3, "Kim Yo Jong")]
    # Best first is 0, 1, 2; each speaker's best leads, then the rest in score order.
    assert _each_speaker_first([0, 1, 2], rows) == [0, 2, 1]


def _statement(id: int, speaker: str) -> StatementRow:
    return StatementRow(id=id, article_id="a", position=id, speaker=speaker, cue="said", kind="direct", text="words",
                        text_start=0, text_end=5, passage_id=None, passage_start=None, passage_end=None, title="t",
                        source=None, published=None, url=None)


def test_the_rest_of_the_question_ranks_the_statements(searcher):
    trust = searcher.search("what did Kishida say about trust between the leaders", k=2)
    summit = searcher.search("what did Kishida say about the Putin Kim summit", k=2)
    assert trust.speaker.topic == "trust between the leaders"
    assert trust.results[0].quote.text.startswith("In light of")
    assert summit.results[0].quote.text.startswith("Tokyo is")
    scores = [r.score for r in trust.results]
    assert scores == sorted(scores, reverse=True)


def test_questions_not_about_a_speaker_take_todays_route(searcher):
    for question, _ in SEED_QUESTIONS[1:]:
        response = searcher.search(question, k=3)
        assert response.speaker is None, question
        assert all(r.quote is None for r in response.results)
        plain = searcher.search_many([question], k=3)[0]
        assert [r.passage_id for r in plain.results] == [r.passage_id for r in response.results]


def test_asking_about_someone_nobody_quotes_is_a_plain_search_that_says_why(searcher):
    response = searcher.search("what did Macron say about Ukraine", k=3)
    assert response.speaker is not None and response.speaker.speakers == []
    assert "answered as a plain search" in response.speaker.reason
    assert len(response.results) == 3 and all(r.quote is None for r in response.results)
    # A person the articles name but never quote: Putin is mentioned, says nothing.
    assert searcher.search("what did Putin say", k=2).speaker.statements == 0


def test_the_speaker_option_takes_any_form_of_the_name(searcher):
    for name in ("Kishida", "fumio kishida", "FUMIO KISHIDA"):
        response = searcher.search("North Korea", speaker=name, k=3)
        assert response.speaker.speakers == [KISHIDA]
        assert [r.quote.speaker for r in response.results[:2]] == [KISHIDA, KISHIDA]
        assert response.speaker.topic == "North Korea"


def test_filters_apply_to_statements_too(searcher):
    apec = "004_2650b881156c7f74"
    response = searcher.search("what did Kishida say", article=apec, k=3)
    assert response.speaker.statements == 0  # his statements are all in the other article
    assert all(r.article_id == apec for r in response.results)


def test_a_speaker_question_in_a_batch_is_routed_alone(searcher):
    routed, plain = searcher.search_many(["what did Yoon say", "When did Ishiba take office?"], k=2)
    assert routed.results[0].quote.speaker == "Yoon Suk Yeol"
    assert plain.speaker is None and plain.results[0].quote is None


def test_question_reading_and_name_matching():
    assert speaker_question("What did Yoon warn Kishida about?").name == "Yoon"
    assert speaker_question("Kishida's comments on the summit").topic == "the summit"
    for question in ("What did Moscow and Pyongyang pledge under their treaty?", "what did they say",
                     "Who wants to keep the thaw in relations from Kishida's time?", "What did Putin sign?"):
        assert speaker_question(question) is None, question
    speakers = ["Kim Jong Un", "Kim Yo Jong", "Yoon Suk Yeol", "Fumio Kishida"]
    assert matching_speakers("kim", speakers) == ["Kim Jong Un", "Kim Yo Jong"]
    assert matching_speakers("Kim Jong Un", speakers) == ["Kim Jong Un"]
    assert matching_speakers("Yoon", speakers) == ["Yoon Suk Yeol"]
    assert matching_speakers("Kishida's", speakers) == ["Fumio Kishida"]
    assert matching_speakers("Jong", speakers) == ["Kim Jong Un", "Kim Yo Jong"]
    assert matching_speakers("Suk Kishida", speakers) == []
    for question in ("What did the government say?", "Did prices rise in March?",
                     "the treaty, according to reports that Kim is ill"):
        assert speaker_question(question) is None, question
    # "X on Y" is read, but only asks about X where the index quotes X (speaker_asked)
    assert speaker_question("sanctions on Russia").if_quoted
    # name forms: honorifics and titles left out on both sides; a surname alone may mean several people
    stored = ["Tony Blair", "Blair", "Sir Ian Blair", "Hazel Blears", "Dr Brian Gibbons", "Hensel", "Smith",
              "Doug Smith"]
    assert matching_speakers("Ms Blears", stored) == ["Hazel Blears"]
    assert matching_speakers("Dr Gibbons", stored) == matching_speakers("Mr Gibbons", stored) == ["Dr Brian Gibbons"]
    assert matching_speakers("Sir Ian", stored) == ["Sir Ian Blair"]
    assert matching_speakers("Mr Blair", stored) == ["Tony Blair", "Blair", "Sir Ian Blair"]
    assert matching_speakers("Tony Blair", stored) == ["Tony Blair"]
    assert matching_speakers("Mr Tony Blair", stored) == ["Tony Blair"]
    # a full name finds the statements stored under its surname alone, unless another holder of it is stored
    assert matching_speakers("Stuart Hensel", stored) == ["Hensel"]
    assert matching_speakers("Peter Smith", stored) == []
    assert matching_speakers("President Yoon", speakers) == ["Yoon Suk Yeol"]
    assert matching_speakers("Prime Minister Fumio Kishida", speakers) == ["Fumio Kishida"]
    assert matching_speakers("Mr Macron", speakers) == []


# -- the command line ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index_env(seed_settings):
    return {"NEWSDEX_INDEX_DIR": str(seed_settings.index_dir)}


def invoke(args, env, command=app):
    return CliRunner().invoke(command, args, env=env)


def test_ask_json_carries_the_quote(index_env):
    result = invoke(["what did Kishida say", "--json", "--k", "3"], index_env, ask_app)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["quote"]["speaker"] for r in data["results"][:2]] == [KISHIDA, KISHIDA]
    assert set(data["results"][0]["quote"]) == {"speaker", "text", "cue", "kind", "start", "end"}
    assert data["results"][2]["quote"] is None
    assert data["speaker"]["speakers"] == [KISHIDA]


def test_ask_explain_says_when_and_why_the_speaker_route_was_taken(index_env):
    routed = invoke(["what did Ishiba say", "--explain", "--k", "2"], index_env, ask_app)
    assert "speaker route: the question asks what Ishiba said: 1 statement by Shigeru Ishiba" in routed.stdout
    assert "Shigeru Ishiba (said, indirect): he wants to maintain the thaw" in routed.stdout
    plain = invoke(["When did Ishiba take office?", "--explain", "--k", "1"], index_env, ask_app)
    assert "speaker route: not taken" in plain.stdout


def test_ask_speaker_flag(index_env):
    result = invoke(["security", "--speaker", "yoon", "--json", "--k", "1"], index_env, ask_app)
    assert json.loads(result.stdout)["results"][0]["quote"]["speaker"] == "Yoon Suk Yeol"
    bad = invoke(["security", "--speaker", "x" * 201], index_env, ask_app)
    assert bad.exit_code == 1 and "--speaker: speaker must be a name of at most 200 characters" in bad.stderr


def test_newsdex_quotes_lists_a_persons_statements(index_env):
    result = invoke(["quotes", "kishida"], index_env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 statements by Fumio Kishida")
    assert "1. Fumio Kishida (told, direct)" in result.stdout and "2. Fumio Kishida (stressed, mixed)" in result.stdout
    page = json.loads(invoke(["quotes", "Kishida", "--json", "--limit", "1"], index_env).stdout)
    assert (page["total"], len(page["quotes"]), page["next_offset"]) == (2, 1, 1)
    second = json.loads(invoke(["quotes", "Kishida", "--json", "--limit", "1", "--offset", "1"], index_env).stdout)
    assert second["quotes"][0]["cue"] == "stressed" and second["next_offset"] is None
    nobody = invoke(["quotes", "Macron"], index_env)
    assert nobody.exit_code == 0 and "nobody named 'Macron' is quoted" in nobody.stdout
    empty = invoke(["quotes", " "], index_env)
    assert empty.exit_code == 1 and "error: the speaker's name is empty" in empty.stderr


def test_newsdex_speakers_counts_statements(index_env):
    result = invoke(["speakers"], index_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["speaker", "statements", "articles", "forms"]
    assert lines[1].split()[:4] == ["Fumio", "Kishida", "2", "1"] and "Kishida," in lines[1]
    data = json.loads(invoke(["speakers", "--json"], index_env).stdout)
    assert [s["speaker"] for s in data["speakers"]] == [KISHIDA, "Shigeru Ishiba", "Yoon Suk Yeol"]


# -- HTTP --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(seed_settings, embedder):
    with TestClient(create_app(seed_settings, embedder)) as client:
        yield client


def test_http_search_routes_speaker_questions_and_takes_speaker(client):
    data = client.get("/search", params={"q": "what did Kishida say", "k": 3}).json()
    assert [r["quote"]["speaker"] for r in data["results"][:2]] == [KISHIDA, KISHIDA]
    posted = client.post("/search", json={"q": "North Korea", "speaker": "Yoon", "k": 1}).json()
    assert posted["results"][0]["quote"]["speaker"] == "Yoon Suk Yeol"
    assert client.get("/search", params={"q": "x", "speaker": ""}).status_code == 422


def test_http_quotes_and_speakers(client):
    page = client.get("/quotes", params={"speaker": "fumio kishida", "limit": 1}).json()
    assert page["speakers"] == [KISHIDA] and page["total"] == 2 and page["next_offset"] == 1
    quote = page["quotes"][0]
    assert quote["text"].startswith("In light of") and quote["article_id"] == "000_bbe9b56f2341fe48"
    assert client.get("/quotes", params={"speaker": "Macron"}).json()["quotes"] == []
    assert client.get("/quotes").status_code == 422
    assert client.get("/quotes", params={"speaker": "x", "limit": 0}).status_code == 422
    speakers = client.get("/speakers").json()
    first = speakers["speakers"][0]
    assert speakers["total"] == 3 and {k: first[k] for k in ("speaker", "statements", "articles", "names")} == {
        "speaker": KISHIDA, "statements": 2, "articles": 1, "names": [KISHIDA]}
    assert "Kishida" in first["forms"]


# -- builds keep statements in step ------------------------------------------------------------


def _statements(index_dir) -> list[tuple]:
    with IndexStore.open(index_dir) as store:
        return [(row.speaker, row.text) for row in store.statements_by([r.speaker for r in store.speakers()])]


def test_changed_and_removed_articles_change_their_statements(tmp_path, embedder, seed_copy):
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=seed_copy)
    indexer = Indexer(settings, embedder)
    indexer.build([seed_copy])
    assert any(s == "Shigeru Ishiba" for s, _ in _statements(settings.index_dir))
    apec = seed_copy / "004_2650b881156c7f74.txt"
    apec.write_text(apec.read_text().replace("Ishiba said he wants", "Ishiba told reporters he wants"))
    indexer.build([seed_copy])
    assert ("Shigeru Ishiba", "he wants to maintain the thaw in relations that existed under his predecessor "
                              "Fumio Kishida and Yoon") in _statements(settings.index_dir)
    apec.unlink()
    indexer.build([seed_copy])
    assert all(s != "Shigeru Ishiba" for s, _ in _statements(settings.index_dir))
    with IndexStore.open(settings.index_dir) as store:
        assert store.db.execute("SELECT count(*) FROM statements WHERE article_id NOT IN (SELECT id FROM articles)"
                                ).fetchone()[0] == 0
    indexer.delete(["000_bbe9b56f2341fe48"])
    assert _statements(settings.index_dir) == []


def test_statements_of_posted_articles_are_kept_and_searchable(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=SEEDS)
    indexer = Indexer(settings, embedder)
    indexer.build([SEEDS])
    indexer.upsert([{"id": "wire-1", "title": "Minister warns on rates", "published": "2024-12-01",
                     "text": "Finance Minister Jane Holloway spoke in London.\n\n"
                             "“Rates will stay high for longer,” Holloway told reporters on Monday."}])
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        first = searcher.search("what did Holloway say").results[0]
        assert (first.quote.speaker, first.quote.text) == ("Jane Holloway", "Rates will stay high for longer")
        assert first.article_id == "wire-1"
        assert searcher.quotes("holloway").quotes[0].published == "2024-12-01"
    finally:
        searcher.close()


def test_a_build_made_before_statements_gets_them_on_its_next_write(tmp_path, embedder, seed_settings):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index_dir, symlinks=True)
    db = current_build(index_dir) / DB_FILE
    with sqlite3.connect(db) as conn:  # as a build from before this table existed
        conn.execute("DROP TABLE statements")
    with IndexStore.open(index_dir) as store:
        assert not store.has_statements and store.speakers() == []
    old = Searcher.open(Settings(index_dir=index_dir, seeds_dir=SEEDS), embedder=embedder)
    try:
        response = old.search("what did Kishida say", k=2)
        assert response.speaker.statements == 0 and len(response.results) == 2  # answered as before
    finally:
        old.close()
    report = Indexer(Settings(index_dir=index_dir, seeds_dir=SEEDS), embedder).build([SEEDS])
    assert report.passages_embedded == 0  # nothing re-embedded: statements come from the stored text
    assert sum(1 for s, _ in _statements(index_dir) if s == KISHIDA) == 2


def test_per_article_bounds_statements_too(searcher):
    response = searcher.search("what did Kishida say", k=2, per_article=1)
    assert response.results[0].quote.speaker == KISHIDA
    assert response.results[1].quote is None and response.results[1].article_id != response.results[0].article_id

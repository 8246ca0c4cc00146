"""Languages: each article's language is detected and stored, and BM25 analyses it as that
language (index.languages, index.bm25), on short real-looking articles in tests/data/languages."""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from newsdex.cli import app
from newsdex.index.articles import article_from_record
from newsdex.index.bm25 import pre_analyse
from newsdex.index.clean import clean_paragraphs
from newsdex.index.languages import ENGLISH_FIELD, detect_language, field_for
from newsdex.index.passages import sentences
from newsdex.index.stores import Filters

LANGS = {"tr-belediye": "tr", "tr-deprem": "tr", "ja-tokyo": "ja", "ja-typhoon": "ja", "ko-seoul": "ko",
         "ko-semiconductor": "ko", "en-harbour": "en"}


def test_each_article_is_stored_with_its_language(language_searcher):
    for article_id, lang in LANGS.items():
        assert language_searcher.store.article(article_id).lang == lang, article_id
    assert language_searcher.stats().languages == {"ja": 2, "ko": 2, "tr": 2, "en": 1}


def test_unsure_detection_stores_no_language_and_keeps_english_analysis():
    assert detect_language("Kishida told Yoon") is None  # three words: no language is sure
    assert detect_language("") is None
    assert field_for(None) == field_for("en") == ENGLISH_FIELD


def test_the_seed_articles_are_english(searcher):
    assert searcher.stats().languages == {"en": 2}


@pytest.mark.parametrize("question, article_id", [
    ("子育て支援", "ja-tokyo"),  # one run of characters, as Japanese is written
    ("台風の大雨", "ja-typhoon"),
    ("정기권", "ko-seoul"),
    ("서울시 교통", "ko-seoul"),
    ("반도체 수출", "ko-semiconductor"),
    ("belediyeden", "tr-belediye"),  # "from the municipality": the text has Belediyesi, Belediye
    ("depremler", "tr-deprem"),  # "earthquakes": the text has deprem, depremin
    ("Istanbul metrosu", "tr-belediye"),  # dotless I typed for İstanbul
    ("harbour strike", "en-harbour"),
])
def test_keyword_search_finds_an_article_by_its_words_in_its_language(language_searcher, question, article_id):
    results = language_searcher.search(question, mode="lexical", k=3, highlight=False).results
    assert results and results[0].article_id == article_id, [r.article_id for r in results]


def test_a_latin_question_is_not_cut_into_bigrams_against_cjk_text(language_searcher):
    # "to" and "20" are bigrams of many words: only words in an unspaced script are bigrammed.
    assert language_searcher.search("Tokyo 2024", mode="lexical", k=3, highlight=False).results == []


def test_turkish_forms_of_one_word_share_one_term():
    assert pre_analyse("body_turkish", "deprem depremler depremin") == "depre depre depre"
    assert pre_analyse("body_turkish", "Belediye belediyeden Belediyesi") == "beled beled beled"
    assert pre_analyse("body_turkish", "İstanbul'da Istanbul") == "istan da istan"


def test_lang_filter_keeps_to_one_language(language_searcher, language_settings):
    results = language_searcher.search("deprem 반도체 harbour", mode="lexical", k=5, lang="ko").results
    assert {r.article_id for r in results} == {"ko-semiconductor"}
    assert language_searcher.store.passage_count(Filters(lang="tr")) == 2
    env = {"NEWSDEX_INDEX_DIR": str(language_settings.index_dir)}
    shown = CliRunner().invoke(app, ["ask", "deprem", "--lang", "tr", "--mode", "lexical", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    assert [r["article_id"] for r in json.loads(shown.output)["results"]] == ["tr-deprem"]
    bad = CliRunner().invoke(app, ["ask", "deprem", "--lang", "Turkish"], env=env)
    assert bad.exit_code == 1 and "--lang: lang must be a language code" in bad.output
    stats = CliRunner().invoke(app, ["stats"], env=env)
    assert "languages       ja=2, ko=2, tr=2, en=1" in stats.output


def test_api_takes_lang_and_refuses_a_code_that_is_not_one(language_settings, embedder):
    from fastapi.testclient import TestClient

    from newsdex.api.app import create_app

    with TestClient(create_app(language_settings, embedder)) as client:
        data = client.get("/search", params={"q": "子育て", "lang": "ja", "mode": "lexical"}).json()
        assert [r["article_id"] for r in data["results"]] == ["ja-tokyo"]
        bad = client.get("/search", params={"q": "x", "lang": "japanese"})
        assert bad.status_code == 422 and "lang must be a language code" in bad.json()["detail"]


def test_a_records_own_language_wins_and_a_bad_one_is_detected_instead(caplog):
    text = "Lawmakers approved the budget on Thursday after a long night of talks in the capital."
    assert article_from_record({"id": "a", "text": text, "lang": "DE"}).lang == "de"
    with caplog.at_level(logging.WARNING):
        assert article_from_record({"id": "b", "text": text, "lang": "English!"}).lang == "en"
    assert "ignoring language 'English!'" in caplog.text


def test_japanese_paragraphs_are_text_not_furniture_and_split_into_sentences():
    paragraph = "東京都の知事は記者会見で、新しい支援策を発表した。財源の確保が課題となっている。"
    assert clean_paragraphs([paragraph]) == [paragraph]
    assert sentences(paragraph) == ["東京都の知事は記者会見で、新しい支援策を発表した。",
                                    "財源の確保が課題となっている。"]

"""The indexing half of the Python API: `Indexer`, used from Python alone (no CLI, no HTTP)."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from newsdex import Article, ArticleNotFound, BadArticle, Indexer, Searcher, Settings
from newsdex.index.builds import current_build_name
from newsdex.index.embedder import Embedder

BRIDGE = {
    "id": "desk/springfield-bridge",
    "title": "Springfield opens its new river bridge",
    "published": "2024-11-20",
    "source": "Example Wire",
    "text": "The mayor of Springfield opened a new suspension bridge over the river on Monday.\n\n"
            "The bridge cost forty million dollars and took three years to build, officials said.",
}
FLOODS = {
    "id": "desk/valley-floods",
    "title": "Floods close schools across the valley",
    "text": "Heavy rain flooded the river valley on Tuesday, and officials closed forty schools as a precaution.\n\n"
            "The mayor said the water would recede by Friday, but warned residents to stay away from the banks.",
}


def _top(settings: Settings, embedder, question: str, **options) -> list[str]:
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        return [r.article_id for r in searcher.search(question, k=3, highlight=False, **options).results]
    finally:
        searcher.close()


def test_articles_added_updated_deleted_and_rebuilt_from_python(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)

    added = indexer.upsert([BRIDGE, FLOODS])
    assert (added.added, added.updated, added.articles) == (2, 0, 2)
    assert added.passages == added.passages_embedded > 0
    assert _top(settings, embedder, "How much did the Springfield bridge cost?")[0] == BRIDGE["id"]
    assert _top(settings, embedder, "Why were schools closed?")[0] == FLOODS["id"]

    changed = {**BRIDGE, "text": BRIDGE["text"].replace("forty", "fifty")}
    updated = indexer.upsert([changed, FLOODS])
    assert (updated.added, updated.updated, updated.unchanged) == (0, 1, 1)
    assert _top(settings, embedder, "fifty", mode="lexical") == [BRIDGE["id"]]
    assert _top(settings, embedder, "forty", mode="lexical") == [FLOODS["id"]]  # the bridge's "forty" is gone

    deleted = indexer.delete([FLOODS["id"]])
    assert (deleted.removed, deleted.articles) == (1, 1)
    assert FLOODS["id"] not in _top(settings, embedder, "Why were schools closed?")
    before = current_build_name(settings.index_dir)
    with pytest.raises(ArticleNotFound, match="valley-floods"):
        indexer.delete([FLOODS["id"]])
    assert current_build_name(settings.index_dir) == before

    # Articles given directly are in no file: a rebuild from files carries them over.
    rebuilt = indexer.build([SEEDS], rebuild=True)
    assert (rebuilt.added, rebuilt.api_articles_kept, rebuilt.articles) == (3, 1, 3)
    assert current_build_name(settings.index_dir) != before
    assert _top(settings, embedder, "fifty", mode="lexical") == [BRIDGE["id"]]
    assert _top(settings, embedder, "Where were North Korean troops deployed?")[0] == "004_2650b881156c7f74"


def test_article_objects_without_an_origin_are_kept_by_a_rebuild(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)
    article = Article(id="note", title="A harbour reopens", paragraphs=("The harbour reopened to ferries on Sunday.",))
    assert indexer.upsert([article]).added == 1
    assert indexer.build([SEEDS], rebuild=True).api_articles_kept == 1
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        assert searcher.article("note").article.origin == "api"
        assert [p.text for p in searcher.article("note").passages] == ["The harbour reopened to ferries on Sunday."]
    finally:
        searcher.close()


def test_bad_or_repeated_articles_are_refused_and_write_nothing(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)
    indexer.upsert([BRIDGE])
    before = current_build_name(settings.index_dir)
    with pytest.raises(BadArticle, match="appears twice"):
        indexer.upsert([FLOODS, FLOODS])
    with pytest.raises(BadArticle, match="text"):
        indexer.upsert([{"id": "empty", "text": "   "}])
    assert current_build_name(settings.index_dir) == before
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        assert searcher.article_count() == 1
    finally:
        searcher.close()


def test_an_interrupted_upsert_leaves_the_old_index(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).upsert([BRIDGE])
    before = current_build_name(settings.index_dir)

    class Interrupted(Embedder):
        def encode(self, texts, **kwargs):
            raise KeyboardInterrupt  # Ctrl-C while the model runs

    interrupted = Interrupted.__new__(Interrupted)
    interrupted.__dict__.update(embedder.__dict__)
    with pytest.raises(KeyboardInterrupt):
        Indexer(settings, interrupted).upsert([FLOODS, {**BRIDGE, "title": "A new title"}])
    assert current_build_name(settings.index_dir) == before
    assert not any(p.name.endswith(".partial") for p in (settings.index_dir / "builds").iterdir())
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        assert searcher.article_count() == 1
        assert searcher.article(BRIDGE["id"]).article.title == BRIDGE["title"]
        assert searcher.search("Springfield bridge", k=1).results[0].article_id == BRIDGE["id"]
    finally:
        searcher.close()

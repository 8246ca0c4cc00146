"""Index builds: incremental, atomic, and honest about what they cannot use."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsdex.errors import IndexIncompatible, IndexNotFound
from newsdex.index.build import Indexer
from newsdex.index.builds import current_build_name
from newsdex.index.embedder import Embedder, resolve_model
from newsdex.index.store import IndexStore
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

EXTRA = """Floods close schools across the valley

By Maria Lopez

Heavy rain flooded the river valley on Tuesday, and officials closed forty schools as a precaution.

The mayor said the water would recede by Friday, but warned residents to stay away from the banks.
"""


def _passage_ids(settings: Settings, article_id: str) -> list[int]:
    with IndexStore.open(settings.index_dir) as store:
        return [p.id for p in store.article_passages(article_id)]


def _lexical(settings: Settings, *words: str) -> set[str]:
    """Articles whose passages BM25 finds for the words."""
    with IndexStore.open(settings.index_dir) as store:
        ids = [pid for pid, _ in store.lexical_search(words, 50)]
        return {row.article_id for row in store.passages(ids).values()}


def test_first_build_adds_every_seed(seed_settings):
    with IndexStore.open(seed_settings.index_dir) as store:
        stats = store.stats()
    assert stats.articles == 2
    assert stats.passages >= 4
    assert stats.model == "all-MiniLM-L6-v2"
    assert stats.dimension == 384


def test_incremental_build_embeds_only_what_changed(tmp_path, seed_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    first = Indexer(settings, embedder).build([seed_copy])
    assert (first.added, first.updated, first.removed, first.unchanged) == (2, 0, 0, 0)

    again = Indexer(settings, embedder).build([seed_copy])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2)
    assert again.passages_embedded == 0

    kept_ids = _passage_ids(settings, "000_bbe9b56f2341fe48")
    before = IndexStore.open(settings.index_dir)  # a reader of the old build, as a server holds one
    (seed_copy / "extra.txt").write_text(EXTRA, encoding="utf-8")
    added = Indexer(settings, embedder).build([seed_copy])
    assert (added.added, added.unchanged) == (1, 2)
    assert _lexical(settings, "forty", "schools") == {"extra"}
    assert before.lexical_search(["schools"], 10) == []  # the new build shares no change with the old
    assert before.lexical_search(["kursk"], 10)
    before.close()
    assert added.passages_embedded == len(_passage_ids(settings, "extra"))
    assert _passage_ids(settings, "000_bbe9b56f2341fe48") == kept_ids  # not re-embedded

    (seed_copy / "extra.txt").write_text(EXTRA.replace("forty", "fifty"), encoding="utf-8")
    changed = Indexer(settings, embedder).build([seed_copy])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    assert changed.passages_embedded == len(_passage_ids(settings, "extra"))
    assert _lexical(settings, "forty") == set() and _lexical(settings, "fifty") == {"extra"}

    (seed_copy / "extra.txt").unlink()
    removed = Indexer(settings, embedder).build([seed_copy])
    assert (removed.removed, removed.unchanged, removed.passages_embedded) == (1, 2, 0)
    assert _passage_ids(settings, "extra") == []
    assert _lexical(settings, "schools", "flooded") == set()
    assert _lexical(settings, "kursk")
    searcher = Searcher.open(settings, embedder=embedder)
    hits = searcher.search("schools closed by floods", k=10).results
    searcher.close()
    assert all(hit.article_id != "extra" for hit in hits)


def test_rebuild_starts_from_scratch(tmp_path, seed_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    report = Indexer(settings, embedder).build([seed_copy], rebuild=True)
    assert (report.added, report.unchanged) == (2, 0)
    assert report.passages_embedded == report.passages


def test_old_builds_are_removed_after_a_swap(tmp_path, seed_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    Indexer(settings, embedder).build([seed_copy], rebuild=True)
    builds = list((settings.index_dir / "builds").iterdir())
    assert [b.name for b in builds] == [current_build_name(settings.index_dir)]


def test_killed_build_leaves_the_previous_index_usable(tmp_path, seed_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    live = current_build_name(settings.index_dir)

    big = tmp_path / "big"
    big.mkdir()
    sentence = "Officials in the capital discussed trade, security and the weather for a long time. "
    for i in range(400):
        (big / f"story{i}.txt").write_text(f"Story {i}\n\n" + sentence * 30, encoding="utf-8")
    env = {**os.environ, "NEWSDEX_INDEX_DIR": str(settings.index_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "newsdex.cli", "index", str(big), "--quiet"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    builds = settings.index_dir / "builds"
    deadline = time.time() + 120
    while time.time() < deadline and not any(p.name.endswith(".partial") for p in builds.iterdir()):
        time.sleep(0.05)
    time.sleep(3)  # well into embedding
    assert proc.poll() is None, proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert current_build_name(settings.index_dir) == live
    searcher = Searcher.open(settings, embedder=embedder)
    assert searcher.search("what did Kishida say", k=3).results
    searcher.close()
    # The next build clears the debris and succeeds.
    report = Indexer(settings, embedder).build([seed_copy])
    assert report.unchanged == 2
    assert not any(p.name.endswith(".partial") for p in builds.iterdir())


def test_interrupted_build_in_process_changes_nothing(tmp_path, seed_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    live = current_build_name(settings.index_dir)
    (seed_copy / "extra.txt").write_text(EXTRA, encoding="utf-8")

    class Boom(Embedder):
        def encode(self, texts, **kwargs):
            raise KeyboardInterrupt

    boom = Boom.__new__(Boom)
    boom.__dict__.update(embedder.__dict__)
    with pytest.raises(KeyboardInterrupt):
        Indexer(settings, boom).build([seed_copy])
    assert current_build_name(settings.index_dir) == live
    assert _passage_ids(settings, "extra") == []
    assert not any(p.name.endswith(".partial") for p in (settings.index_dir / "builds").iterdir())


def test_index_built_with_another_model_is_refused_with_advice(tmp_path, seed_copy, embedder):
    other_path = tmp_path / "other-model"
    shutil.copytree(resolve_model("all-MiniLM-L6-v2"), other_path)
    other = Embedder(str(other_path), backend="torch")  # torch: no ONNX export of the copy needed
    settings = Settings(index_dir=tmp_path / "index", model=str(other_path))
    Indexer(settings, other).build([seed_copy])

    with pytest.raises(IndexIncompatible, match="rebuild"):
        Searcher.open(Settings(index_dir=settings.index_dir), embedder=embedder)
    with pytest.raises(IndexIncompatible, match="--rebuild"):
        Indexer(Settings(index_dir=settings.index_dir), embedder).build([seed_copy])
    report = Indexer(Settings(index_dir=settings.index_dir), embedder).build([seed_copy], rebuild=True)
    assert report.added == 2


def test_missing_damaged_and_foreign_indexes_give_clear_errors(tmp_path, seed_copy, embedder):
    with pytest.raises(IndexNotFound, match="newsdex index"):
        IndexStore.open(tmp_path / "nothing-here")

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(IndexIncompatible, match="not a newsdex index"):
        IndexStore.open(foreign)
    with pytest.raises(IndexIncompatible, match="not a newsdex index"):
        Indexer(Settings(index_dir=foreign), embedder).build([seed_copy])
    assert (foreign / "notes.txt").read_text() == "mine"

    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    vectors = Path(os.path.realpath(settings.index_dir / "current")) / "vectors.faiss"
    vectors.write_bytes(b"garbage")
    with pytest.raises(IndexIncompatible, match="damaged"):
        IndexStore.open(settings.index_dir)
    # A damaged live build is replaced by the next build rather than patched.
    report = Indexer(settings, embedder).build([seed_copy])
    assert report.added == 2
    IndexStore.open(settings.index_dir).close()

    bm25 = Path(os.path.realpath(settings.index_dir / "current")) / "bm25"
    shutil.rmtree(bm25)
    with pytest.raises(IndexIncompatible, match="damaged"):
        IndexStore.open(settings.index_dir)
    assert Indexer(settings, embedder).build([seed_copy]).added == 2
    assert _lexical(settings, "kursk")


def test_bad_files_are_skipped_and_the_rest_indexed(tmp_path, seed_copy, embedder):
    (seed_copy / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00")
    (seed_copy / "empty.md").write_text("   \n")
    (seed_copy / "latin1.txt").write_bytes("Caf\xe9 news\n\nSomething happened.".encode("latin-1"))
    (seed_copy / "broken.json").write_text('{"id": "x", "text": ')
    settings = Settings(index_dir=tmp_path / "index")
    report = Indexer(settings, embedder).build([seed_copy])
    assert report.added == 2
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(skipped) == {"binary.txt", "empty.md", "latin1.txt", "broken.json"}
    assert all(reason for reason in skipped.values())


def test_rebuild_keeps_articles_posted_over_the_api(tmp_path, seed_copy, embedder):
    from newsdex.index.articles import article_from_record
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    posted = article_from_record({"id": "desk/floods", "title": "Floods close schools", "text": EXTRA})
    Indexer(settings, embedder).upsert([posted])
    report = Indexer(settings, embedder).build([seed_copy], rebuild=True)
    assert (report.added, report.api_articles_kept, report.articles) == (3, 1, 3)
    store = IndexStore.open(settings.index_dir)
    assert store.article("desk/floods").content_hash == posted.content_hash
    store.close()
    # An ordinary update leaves API articles alone: no file holds them, and none is missing.
    again = Indexer(settings, embedder).build([seed_copy])
    assert (again.removed, again.unchanged, again.articles) == (0, 2, 3)


def test_an_index_of_an_older_format_is_refused_then_rebuilt_by_the_next_build(tmp_path, seed_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([seed_copy])
    db = sqlite3.connect(Path(os.path.realpath(settings.index_dir / "current")) / "newsdex.db")
    db.execute("UPDATE manifest SET value = '1' WHERE key = 'format_version'")
    db.commit()
    db.close()
    with pytest.raises(IndexIncompatible, match="format 1.*--rebuild"):
        IndexStore.open(settings.index_dir)
    report = Indexer(settings, embedder).build([seed_copy])
    assert (report.added, report.unchanged) == (2, 0)
    assert _lexical(settings, "kursk")


def _record(n: int, text: str = "") -> str:
    body = text or f"Story number {n} says that the council met on day {n} and agreed on item {n}."
    return json.dumps({"id": f"r{n}", "title": f"Story {n}", "text": body}) + "\n"


class _Watched:
    """The real embedder, noting each model call in a shared log of events."""

    def __init__(self, embedder: Embedder, events: list[str]) -> None:
        self.inner, self.events = embedder, events

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode(self, texts):
        self.events.append(f"encode {len(texts)}")
        return self.inner.encode(texts)


def test_builds_embed_while_reading_instead_of_loading_everything_first(tmp_path, embedder, monkeypatch):
    import newsdex.index.build as build

    events: list[str] = []
    loader = build.load_articles

    def watched_loader(*args, **kwargs):
        for item in loader(*args, **kwargs):
            events.append(f"load {getattr(item, 'id', 'skipped')}")
            yield item

    monkeypatch.setattr(build, "_CHUNK", 2)
    monkeypatch.setattr(build, "load_articles", watched_loader)
    (tmp_path / "wires.jsonl").write_text("".join(_record(n) for n in range(6)), encoding="utf-8")
    indexer = Indexer(Settings(index_dir=tmp_path / "index"), _Watched(embedder, events))
    report = indexer.build([tmp_path / "wires.jsonl"])
    assert report.added == 6 and report.passages_embedded == 6
    assert events.index("encode 2") < events.index("load r5")  # the first chunk went to the model before the end
    assert all(int(e.split()[1]) <= 2 for e in events if e.startswith("encode"))


def test_streamed_builds_stay_incremental(tmp_path, embedder, monkeypatch):
    import newsdex.index.build as build

    monkeypatch.setattr(build, "_CHUNK", 2)
    wires = tmp_path / "articles" / "wires.jsonl"
    wires.parent.mkdir()
    wires.write_text("".join(_record(n) for n in range(5)), encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    assert Indexer(settings, embedder).build([wires.parent]).added == 5
    lines = [_record(n) for n in range(5)]
    lines[1] = _record(1, "Story one was corrected: the council met on a different day entirely.")
    del lines[3]
    wires.write_text("".join(lines), encoding="utf-8")
    report = Indexer(settings, embedder).build([wires.parent])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 3)
    assert report.passages_embedded == 1 and report.articles == 4
    # A file with an unreadable line may still hold the records missing from it: nothing is removed.
    wires.write_text(lines[0] + "{broken\n", encoding="utf-8")
    report = Indexer(settings, embedder).build([wires.parent])
    assert (report.removed, report.unchanged, report.articles) == (0, 1, 4)


def test_hostile_files_never_abort_a_build(tmp_path, seed_copy, embedder):
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside title\n\nThis file lives outside the folder being indexed.", encoding="utf-8")
    (seed_copy / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (seed_copy / "surrogate.jsonl").write_text('{"id": "s", "text": "\\ud800"}\n', encoding="utf-8")
    (seed_copy / "utf16.txt").write_text(EXTRA, encoding="utf-16")
    (seed_copy / "passwd.txt").symlink_to(outside)
    (seed_copy / "loop.txt").symlink_to(seed_copy / "loop.txt")
    settings = Settings(index_dir=tmp_path / "index")
    report = Indexer(settings, embedder).build([seed_copy])
    assert report.added == 3 and report.articles == 3  # the seeds and the UTF-16 file
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(skipped) == {"deep.json", "surrogate.jsonl:1", "passwd.txt", "loop.txt"}
    again = Indexer(Settings(index_dir=tmp_path / "index", follow_links=True), embedder).build([seed_copy])
    assert (again.added, again.unchanged, again.articles) == (1, 3, 4)


class _Failing(_Watched):
    """The real embedder, failing on its `fail_at`-th model call (in the build's model thread)."""

    def __init__(self, embedder: Embedder, fail_at: int) -> None:
        super().__init__(embedder, [])
        self.fail_at = fail_at

    def encode(self, texts):
        if len(self.events) + 1 == self.fail_at:
            raise RuntimeError("the model failed")
        return super().encode(texts)


def test_the_model_runs_in_its_own_thread_while_the_build_reads_and_writes(tmp_path, embedder, monkeypatch):
    import threading

    import newsdex.index.build as build

    threads: set[str] = set()

    class Noting(_Watched):
        def encode(self, texts):
            threads.add(threading.current_thread().name)
            return super().encode(texts)

    monkeypatch.setattr(build, "_CHUNK", 2)
    (tmp_path / "wires.jsonl").write_text("".join(_record(n) for n in range(7)), encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    report = Indexer(settings, Noting(embedder, [])).build([tmp_path / "wires.jsonl"])
    assert report.added == 7 and report.passages_embedded == 7 and report.passages == 7
    assert threads and all(name.startswith("newsdex-model") for name in threads)
    with IndexStore.open(settings.index_dir) as store:
        assert [row.id for row in store.articles(limit=10)] == [f"r{n}" for n in range(7)]


def test_a_model_failure_mid_build_leaves_the_live_index_as_it_was(tmp_path, embedder, monkeypatch):
    import newsdex.index.build as build

    monkeypatch.setattr(build, "_CHUNK", 2)
    wires = tmp_path / "wires.jsonl"
    wires.write_text("".join(_record(n) for n in range(3)), encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([wires])
    live = current_build_name(settings.index_dir)
    wires.write_text("".join(_record(n, f"Story {n} was rewritten: the vote is now on day {n + 9}.")
                             for n in range(8)), encoding="utf-8")
    with pytest.raises(RuntimeError, match="the model failed"):
        Indexer(settings, _Failing(embedder, fail_at=3)).build([wires], rebuild=True)
    assert current_build_name(settings.index_dir) == live
    with IndexStore.open(settings.index_dir) as store:
        assert store.article_count() == 3


def test_a_sentence_that_recurs_across_chunks_is_embedded_once(tmp_path, embedder, monkeypatch):
    import newsdex.index.build as build
    from newsdex.index.analysis import Analyser

    monkeypatch.setattr(build, "_CHUNK", 1)
    sign_off = "Reporting by Maria Lopez; editing by Tom Hale."
    (tmp_path / "wires.jsonl").write_text("".join(
        _record(n, f"The council met on day {n} and agreed on item {n}. {sign_off}") for n in range(4)),
        encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    sentences: list[str] = []
    indexer = Indexer(settings, embedder)
    indexer.analyser = Analyser(settings, embedder, sentence_embedder=_Watched(embedder, sentences))
    indexer.build([tmp_path / "wires.jsonl"])
    assert sentences == ["encode 2"] + ["encode 1"] * 3  # the sign-off once, then each article's own sentence

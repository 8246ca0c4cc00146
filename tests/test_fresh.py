"""Keeping an index fresh from files: a watched folder's changes reach search, an article's id does
not depend on how its file was named, and a rebuild never shrinks the index silently."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdex.cli import app
from newsdex.fresh import watch_folders
from newsdex.index.build import Indexer
from newsdex.index.stores import open_store
from newsdex.search.options import SearchOptions
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

BOUND_SECONDS = 30  # a change must be searchable within this long of being written


def _story(word: str) -> str:
    return (f"Harbour works in {word}\n\nThe council of {word} approved a new harbour wall on Monday, "
            f"saying the {word} fishing fleet had lost boats in three winters of storms.\n")


def _ids(settings: Settings) -> set[str]:
    with open_store(settings) as store:
        return {row.id for row in store.articles(limit=100)}


def _searchable(settings: Settings, embedder, word: str) -> bool:
    with Searcher.open(settings, embedder=embedder) as searcher:
        found = searcher.search(f"harbour wall {word}", SearchOptions(k=5, mode="lexical"))
    return any(word in result.title for result in found.results)


def _eventually(check, what: str) -> float:
    began = time.monotonic()
    while time.monotonic() - began < BOUND_SECONDS:
        if check():
            return time.monotonic() - began
        time.sleep(0.2)
    raise AssertionError(f"{what} not seen within {BOUND_SECONDS}s")


def test_a_watched_folder_is_reflected_in_search(tmp_path, embedder):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "first.txt").write_text(_story("Aberdeen"))
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)
    indexer.build([folder])
    stop = threading.Event()
    watcher = threading.Thread(target=watch_folders, args=([folder], lambda: indexer.build([folder])),
                               kwargs={"stop": stop, "debounce_ms": 300}, daemon=True)
    watcher.start()
    try:
        time.sleep(0.5)  # the watch is set up
        (folder / "second.txt").write_text(_story("Bergen"))
        _eventually(lambda: _searchable(settings, embedder, "Bergen"), "an added file")
        (folder / "first.txt").write_text(_story("Cork"))
        _eventually(lambda: _searchable(settings, embedder, "Cork") and
                    not _searchable(settings, embedder, "Aberdeen"), "a changed file")
        (folder / "second.txt").unlink()
        _eventually(lambda: _ids(settings) == {"first"}, "a deleted file")
        assert not _searchable(settings, embedder, "Bergen")
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()


@pytest.fixture()
def nested(tmp_path) -> Path:
    folder = tmp_path / "archive"
    (folder / "2025").mkdir(parents=True)
    (folder / "2025" / "new_story.txt").write_text(_story("Dundee"))
    (folder / "older.txt").write_text(_story("Esbjerg"))
    return folder


def test_a_file_keeps_its_id_named_through_its_folder_or_alone(nested, tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)
    indexer.build([nested])
    assert _ids(settings) == {"2025/new_story", "older"}
    again = indexer.build([nested / "2025" / "new_story.txt"])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 1)
    assert _ids(settings) == {"2025/new_story", "older"}


def test_a_file_first_named_alone_keeps_its_id_through_its_folder(nested, tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)
    indexer.build([nested / "2025" / "new_story.txt"])
    again = indexer.build([nested])
    assert (again.added, again.unchanged) == (1, 1)
    assert _ids(settings) == {"new_story", "older"}


def test_newsdex_root_sets_where_ids_start(nested, tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index", root=nested)
    Indexer(settings, embedder).build([nested / "2025" / "new_story.txt"])
    assert _ids(settings) == {"2025/new_story"}
    Indexer(settings, embedder).build([nested / "2025"])
    assert _ids(settings) == {"2025/new_story"}


def test_a_rebuild_that_drops_most_of_the_index_is_refused_off_a_terminal(nested, tmp_path, embedder):
    index = tmp_path / "index"
    (nested / "third.txt").write_text(_story("Faro"))
    Indexer(Settings(index_dir=index), embedder).build([nested])
    runner = CliRunner()
    refused = runner.invoke(app, ["index", str(nested / "older.txt"), "--rebuild", "--index", str(index), "-q"])
    assert refused.exit_code == 1
    assert "would remove 2 of the index's 3 articles" in refused.output and "--force" in refused.output
    assert _ids(Settings(index_dir=index)) == {"2025/new_story", "older", "third"}
    forced = runner.invoke(app, ["index", str(nested / "older.txt"), "--rebuild", "--force", "--index", str(index),
                                 "-q"])
    assert forced.exit_code == 0, forced.output
    assert _ids(Settings(index_dir=index)) == {"older"}

"""Shared fixtures: the real model is loaded once, the seed index built once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsdex.index.embedder import Embedder
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # bench/serving.py: how the benches and the tests start a server
from serving import free_port as free_port  # noqa: E402  (re-exported for tests that start other servers)
from serving import start_server  # noqa: E402

SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Questions about the two seed articles, each with words that the answering passage must contain.
SEED_QUESTIONS = [
    ("what did Kishida say", "Kishida told Yoon"),
    ("Where were North Korean troops deployed to fight Ukrainian forces?", "Kursk"),
    ("Which countries besides Japan and South Korea were invited to the NATO summit?", "Australia and New Zealand"),
    ("What anniversary will Tokyo and Seoul commemorate next year?", "60th anniversary"),
    ("What did Moscow and Pyongyang pledge under their treaty?", "extend military support"),
    ("What did Biden, Ishiba and Yoon agree to form in Lima?", "secretariat"),
    ("Who wants to keep the thaw in relations from Kishida's time?", "maintain the thaw"),
    ("Why is Tokyo seriously concerned about the Putin Kim summit?", "regional security surrounding Japan"),
    ("Which anniversary does NATO mark this year?", "75th anniversary"),
    ("Where did the leaders hold a trilateral summit with Biden last year?", "at Camp David"),
    ("How do the leaders describe the security challenges of Asia and Europe?", "increasingly indivisible"),
    ("When did Ishiba take office?", "took office in October"),
    ("Who reported the Lima meeting?", "Kyodo News agency"),
    ("What are the leaders worried about regarding Pyongyang's weapons?", "missile development"),
    ("In which areas besides politics will Japan and South Korea strengthen ties?", "culture"),
    ("Where did Yoon and Kishida meet in July?", "meeting in Washington"),
    ("What did Putin sign on his trip to Pyongyang?", "comprehensive partnership treaty"),
    ("What spirit guides cooperation between Japan, the US and South Korea?", "Spirit of Camp David"),
    ("Has Pyongyang confirmed that its soldiers are in Russia?", "has not confirmed"),
    ("What did the three leaders condemn about the war in Ukraine?", "dangerously expand"),
    ("Who will Seoul and Tokyo strengthen cooperation with?", "NATO and Indo-Pacific partners"),
    ("How many meetings have Yoon and Ishiba had?", "second meeting"),
]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


def _built(tmp_path_factory, embedder, name: str, folder: Path, **values) -> Settings:
    """Settings whose index (in a fresh temporary folder) holds the articles of `folder`."""
    from newsdex.index.build import Indexer

    settings = Settings(index_dir=tmp_path_factory.mktemp(name) / "index", **values)
    Indexer(settings, embedder).build([folder])
    return settings


def _opened(settings: Settings, embedder):
    from newsdex.search.searcher import Searcher

    searcher = Searcher.open(settings, embedder=embedder)
    yield searcher
    searcher.close()


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose index holds the two seed articles, built once."""
    return _built(tmp_path_factory, embedder, "seed-index", SEEDS, seeds_dir=SEEDS)


@pytest.fixture(scope="session")
def searcher(seed_settings, embedder):
    yield from _opened(seed_settings, embedder)


@pytest.fixture()
def seed_copy(tmp_path) -> Path:
    """A writable copy of seeds/ for tests that add, change and remove files."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def dated_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose index holds tests/data/dated: ten JSONL articles from 1962, 1963 and 2019, one undated."""
    return _built(tmp_path_factory, embedder, "dated-index", DATA / "dated")


@pytest.fixture(scope="session")
def dated_searcher(dated_settings, embedder):
    yield from _opened(dated_settings, embedder)


@pytest.fixture(scope="session")
def newsroom_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose index holds the seeds, tests/data/articles and the dated set: a small
    archive with sources, months, speakers and copies, for the newsroom features (issue 35)."""
    corpus = tmp_path_factory.mktemp("newsroom-corpus")
    shutil.copytree(SEEDS, corpus / "seeds")
    shutil.copytree(DATA / "articles", corpus / "articles")
    shutil.copy(DATA / "dated" / "articles.jsonl", corpus / "dated.jsonl")
    # A wire copy: another source carrying the night-trains story word for word ("also in").
    story = (DATA / "articles" / "madrid_night_trains.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    (corpus / "copies.jsonl").write_text(json.dumps({"id": "wire-copy-night-trains", "source": "AP",
                                                     "title": "Spain to revive sleeper trains", "text": story,
                                                     "date": "2024-11-05"}) + "\n", encoding="utf-8")
    return _built(tmp_path_factory, embedder, "newsroom-index", corpus)


@pytest.fixture(scope="session")
def language_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose index holds tests/data/languages: Turkish, Japanese, Korean and English articles."""
    return _built(tmp_path_factory, embedder, "language-index", DATA / "languages")


@pytest.fixture(scope="session")
def language_searcher(language_settings, embedder):
    yield from _opened(language_settings, embedder)


@contextmanager
def served(index_dir: Path, log: Path, args: tuple[str, ...] = (), **env: str):
    """A real `newsdex serve` process on 127.0.0.1 over `index_dir`, ready to answer; yields
    (base URL, the process). Started as the benches start it (bench/serving.py); stopped with
    SIGTERM at the end (SIGKILL after 20 s)."""
    try:
        process, base = start_server(index_dir, env, log=log, wait=120, args=args)
    except SystemExit as exc:
        pytest.fail(f"{exc}\n{log.read_text()}")
    try:
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

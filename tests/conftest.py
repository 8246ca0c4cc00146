"""Shared fixtures: the real model is loaded once, the seed index built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from index.embedder import Embedder
from index.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder) -> Settings:
    """Settings whose index holds the two seed articles, built once."""
    from index.build import build_index

    settings = Settings(index_dir=tmp_path_factory.mktemp("seed-index") / "index", seeds_dir=SEEDS)
    build_index([SEEDS], settings, embedder)
    return settings


@pytest.fixture(scope="session")
def searcher(seed_settings, embedder):
    from search.searcher import Searcher

    searcher = Searcher.open(seed_settings, embedder=embedder)
    yield searcher
    searcher.close()


@pytest.fixture()
def seed_copy(tmp_path) -> Path:
    """A writable copy of seeds/ for tests that add, change and remove files."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target

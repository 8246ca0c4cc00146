"""The Python API as docs/guide/python.md shows it (issue 36): `Searcher.open` takes a folder or
Settings and is a context manager, `newsdex.__version__`, `py.typed`, and the page's example
runs and prints what the page says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

import newsdex
from newsdex import Searcher
from newsdex.errors import IndexNotFound

PAGE = (ROOT / "docs" / "guide" / "python.md").read_text(encoding="utf-8")


def _python_api_section() -> str:
    match = re.search(r"^## An example\n(.*?)(?=^## )", PAGE, re.MULTILINE | re.DOTALL)
    assert match, "docs/guide/python.md has no '## An example' section"
    return match.group(1)


@pytest.mark.parametrize("kind", [str, Path])
def test_searcher_opens_a_folder(seed_settings, embedder, kind):
    with Searcher.open(kind(seed_settings.index_dir), embedder=embedder) as searcher:
        assert searcher.settings.index_dir == seed_settings.index_dir
        assert searcher.search("Kursk", k=1).results


def test_searcher_opens_settings_and_closes_at_the_end_of_the_block(seed_settings, embedder):
    with Searcher.open(seed_settings, embedder=embedder) as searcher:
        assert searcher.stats().articles == 2
        closed = []
        store_close = searcher.store.close
        searcher.store.close = lambda: (closed.append(True), store_close())  # type: ignore[method-assign]
    assert closed == [True]


def test_searcher_open_on_a_folder_without_an_index_says_so(tmp_path, embedder):
    with pytest.raises(IndexNotFound, match="no index at"):
        Searcher.open(tmp_path / "none", embedder=embedder)


def test_version_is_the_installed_distributions():
    assert newsdex.__version__ == version("newsdex")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{newsdex.__version__}"' in pyproject


def test_the_package_says_it_is_typed():
    assert files("newsdex").joinpath("py.typed").is_file()
    assert '"newsdex" = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()


def test_the_docs_example_runs_and_prints_what_the_page_shows(tmp_path):
    section = _python_api_section()
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    printed = re.search(r"^printed .*?```\n(.*?)```", section, re.MULTILINE | re.DOTALL).group(1)
    assert "with Searcher.open(" in code
    (tmp_path / "seeds").symlink_to(SEEDS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDEX_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    figures = re.compile(r"embedded in [\d.]+s \(\d+ passages/s\)")  # timings differ from run to run
    assert [figures.sub("", line) for line in done.stdout.splitlines()] == \
        [figures.sub("", line) for line in printed.splitlines()]
    assert (tmp_path / "my-index" / "current").exists()

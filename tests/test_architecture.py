"""The layers of docs/architecture.md, kept true: imports point one way, and what a user can
set (every Settings field, every CLI option) is in the hand-written docs pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
import typer
from conftest import ROOT

from newsdex.cli import app
from newsdex.settings import Settings

# Each layer's folder in the checkout, and the installed packages it must never import.
EDGES = ("newsdex.cli", "newsdex.flags", "newsdex.render")
LAYERS = {
    "index": ("newsdex.search", "newsdex.api", *EDGES),
    "search": ("newsdex.api", *EDGES),
    "api": EDGES,
}
# The leaves every layer may import: they import nothing of the project themselves.
LEAVES = ("newsdex/settings.py", "newsdex/errors.py")


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:  # a relative import: resolve against the file's installed package
                raise AssertionError(f"{path}: use absolute newsdex.* imports, not relative ones")
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in ("index", "search", "api"):
                found.append(f"{path.relative_to(ROOT)} imports {name} (import it as newsdex.{name})")
            elif name == "newsdex" or any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_imports_point_down_the_layers(folder):
    assert _violations(folder, LAYERS[folder]) == []


# What only a store may import: the Searcher and the API reach an index through
# newsdex.index.stores (the Store protocol and Filters), whichever store is selected.
STORE_INTERNALS = ("faiss", "sqlite3", "tantivy", "pymilvus", "milvus_lite", "newsdex.index.store",
                   "newsdex.index.milvus", "newsdex.index.embedded", "newsdex.index.bm25", "newsdex.index.vectors")


def _store_internals(folder: str) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}" for path in sorted((ROOT / folder).rglob("*.py"))
            for name in _imports(path) if any(name == f or name.startswith(f + ".") for f in STORE_INTERNALS)]


@pytest.mark.parametrize("folder", ["search", "api"])
def test_search_and_api_reach_an_index_only_through_the_store_seam(folder):
    assert _store_internals(folder) == []


def test_the_checker_sees_a_store_internal(tmp_path, monkeypatch):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "bad.py").write_text("import faiss\nfrom newsdex.index.store import IndexStore\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _store_internals("search") == ["search/bad.py imports faiss", "search/bad.py imports newsdex.index.store",
                                          "search/bad.py imports newsdex.index.store.IndexStore"]


# The model boundary (docs/architecture.md, module map): only index/embedder/ imports the model's
# libraries, each inside the function that needs it, so a process that loads an export directly,
# or never loads the model, does not pay for importing them.
MODEL_LIBRARIES = ("sentence_transformers", "transformers", "torch")
MODEL_BOUNDARY = "index/embedder/"


def _model_library_importers() -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}" for folder in ("newsdex", "index", "search", "api")
            for path in sorted((ROOT / folder).rglob("*.py"))
            if not path.relative_to(ROOT).as_posix().startswith(MODEL_BOUNDARY)
            for name in _imports(path) if any(name == f or name.startswith(f + ".") for f in MODEL_LIBRARIES)]


def test_only_the_model_boundary_imports_the_model_libraries():
    assert _model_library_importers() == []


def test_the_checker_sees_a_model_library_outside_the_boundary(tmp_path, monkeypatch):
    (tmp_path / "index" / "embedder").mkdir(parents=True)
    (tmp_path / "index" / "embedder" / "model.py").write_text("def f():\n    import torch\n")
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "bad.py").write_text("def f():\n    from sentence_transformers import SentenceTransformer\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _model_library_importers() == ["search/bad.py imports sentence_transformers",
                                          "search/bad.py imports sentence_transformers.SentenceTransformer"]


def test_the_embedded_store_is_a_store(searcher):
    from newsdex.index.store import IndexStore
    from newsdex.index.stores import Store

    assert isinstance(searcher.store, IndexStore) and isinstance(searcher.store, Store)
    assert not isinstance(object(), Store)


def test_settings_and_errors_are_leaves():
    for leaf in LEAVES:
        project = [n for n in _imports(ROOT / leaf) if n.split(".")[0] in ("newsdex", "index", "search", "api")]
        assert project == [], f"{leaf} imports {project}"


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The rule above can fail: a lazy import of the API from index/ is caught."""
    fake_root = tmp_path
    (fake_root / "index").mkdir()
    (fake_root / "index" / "bad.py").write_text("def f():\n    from newsdex.api.app import create_app\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", fake_root)
    assert _violations("index", LAYERS["index"]) == ["index/bad.py imports newsdex.api.app",
                                                     "index/bad.py imports newsdex.api.app.create_app"]


def _docs() -> str:
    """The README and the docs pages written by hand (docs/reference/ is generated from the code)."""
    pages = [ROOT / "README.md"] + [p for p in sorted((ROOT / "docs").rglob("*.md"))
                                    if p.relative_to(ROOT / "docs").parts[0] != "reference"]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def test_every_setting_is_in_the_docs():
    docs = _docs()
    missing = [f"NEWSDEX_{name.upper()}" for name in Settings.model_fields
               if f"NEWSDEX_{name.upper()}" not in docs]
    assert missing == []


def _cli_options() -> list[tuple[str, str]]:
    """(command, option) for every option of every command, as a user types them."""
    root = typer.main.get_command(app)
    found = []
    for name, command in root.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                found += [(name, opt) for opt in param.opts if opt.startswith("--")]
    return found


def test_every_cli_option_is_in_the_docs():
    docs = _docs()
    missing = [f"{command} {option}" for command, option in _cli_options()
               if not re.search(re.escape(option) + r"\b", docs)]
    assert missing == []


def test_the_docs_name_no_path_of_a_particular_machine():
    assert not re.search(r"/work/|/root/|/home/\w+|/tmp/\w", _docs())


# One reading of a question, one builder of a result (docs/architecture.md, "The life of a
# question"): the question's rules are applied only by search/question/, and a Result is made
# only by search/answers.py.
ONE_PLACE = {
    "Result": "search/answers.py",
    "read_dates": "search/question/",
    "speaker_question": "search/question/",
    "speaker_asked": "search/question/",
    "query_terms": "search/question/",
    "read_question": "search/searcher.py",  # Searcher.read, which every search goes through
}


def _callers(name: str) -> set[str]:
    """The project files (not tests or bench) that call `name`, as a function or a method."""
    found = set()
    for folder in ("newsdex", "index", "search", "api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Call) and name in (getattr(node.func, "id", None),
                                                           getattr(node.func, "attr", None)):
                    found.add(path.relative_to(ROOT).as_posix())
    return found


@pytest.mark.parametrize("name", sorted(ONE_PLACE))
def test_a_question_is_read_and_a_result_built_in_one_place(name):
    assert _callers(name) and [path for path in _callers(name) if not path.startswith(ONE_PLACE[name])] == []


def test_the_checker_sees_a_result_built_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "bad.py").write_text("def f(results):\n    return results.Result(rank=1)\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _callers("Result") == {"api/bad.py"}


def test_every_sub_package_is_packaged():
    """setuptools' `packages` list names each package: one missing is left out of the wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {"newsdex": "newsdex", "index": "newsdex.index", "search": "newsdex.search", "api": "newsdex.api"}
    found = {".".join([name, *init.parent.relative_to(ROOT / folder).parts])
             for folder, name in folders.items() for init in (ROOT / folder).rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"

"""The docs kept true by tests (as datasette's tests/test_docs.py does): every module is in
docs/architecture.md's module map, every error in its list of errors, and every setting in a
settings table of the hand-written docs pages and in architecture.md's "Where each setting is
read"; the README stays a front door whose links all lead somewhere and whose map names every
page of the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdex import errors
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def _handwritten_pages() -> dict[str, str]:
    """The pages of docs/ written by hand, by path below docs/ (docs/reference/ is generated
    from the code by newsdex/reference.py, and tests/test_reference.py checks it)."""
    return {path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(DOCS.rglob("*.md")) if path.relative_to(DOCS).parts[0] != "reference"}


def _section(text: str, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of the same level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/architecture.md has no section '## {heading}'"
    return match.group(1)


def _modules() -> list[str]:
    found = []
    for folder in ("newsdex", "index", "search", "api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name != "__init__.py" or path.parent != ROOT / folder:
                found.append(path.relative_to(ROOT).as_posix())
    return found


@pytest.mark.parametrize("module", _modules())
def test_every_module_is_in_the_module_map(module):
    if module.endswith("/__init__.py"):
        module = module.removesuffix("/__init__.py") + "/"  # a sub-package is named by its folder
    assert f"`{module}`" in _section(ARCHITECTURE, "Module map"), f"add {module} to docs/architecture.md's module map"


def test_the_module_map_names_no_module_that_is_gone():
    named = re.findall(r"^\| `((?:newsdex|index|search|api)/[\w/]+\.py)`", _section(ARCHITECTURE, "Module map"),
                       re.MULTILINE)
    assert named and [name for name in named if not (ROOT / name).exists()] == []


ERRORS = sorted(name for name, value in vars(errors).items()
                if isinstance(value, type) and issubclass(value, errors.NewsdexError)
                and value is not errors.NewsdexError)


@pytest.mark.parametrize("name", ERRORS)
def test_every_error_is_in_the_architecture_errors_list(name):
    row = next(line for line in _section(ARCHITECTURE, "Module map").splitlines() if "`newsdex/errors.py`" in line)
    assert f"`{name}`" in row, f"add {name} to the newsdex/errors.py row of docs/architecture.md"


def _setting_rows(text: str) -> set[str]:
    """The variables a table row of `text` names (`NEWSDEX_X`, with or without its flag beside it)."""
    rows = "\n".join(line for line in text.splitlines() if line.startswith("|"))
    return set(re.findall(r"`NEWSDEX_([A-Z0-9_]+)`", rows))


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_a_docs_settings_table(field):
    rows = _setting_rows("\n".join(_handwritten_pages().values()))
    assert field.upper() in rows, (f"add NEWSDEX_{field.upper()} to a settings table of the docs "
                                   "(docs/guide/settings.md, docs/http/serving.md or docs/tuning.md)")


def _slug(heading: str) -> str:
    """The anchor MkDocs (and GitHub) give a heading: lower case, punctuation dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_is_a_front_door():
    """At most about 250 lines (issue 36), with the two commands and (a) to (d) near the top."""
    assert len(README.splitlines()) <= 250
    for step in ("make ask Q=", "make test", "### (a) Index your own folder", "### (b) Ask",
                 "### (c) Serve it and call it with curl", "### (d) Keep it fresh"):
        assert step in README, step


def test_every_link_of_the_readme_leads_to_a_file_and_heading():
    links = re.findall(r"\]\(([^)#\s]+)(?:#([\w-]+))?\)", README)
    assert links
    for target, anchor in links:
        if target.startswith(("http://", "https://")):
            continue
        path = ROOT / target
        assert path.is_file(), f"README.md links to {target}, which is not there"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
            assert anchor in {_slug(h) for h in headings}, f"README.md links to {target}#{anchor}: no such heading"


def test_the_readmes_map_names_every_page_of_the_docs():
    linked = set(re.findall(r"\]\(docs/([\w/-]+\.md)(?:#[\w-]+)?\)", README))
    missing = sorted(set(_handwritten_pages()) - linked)
    assert missing == [], f"add {missing} to the documentation map of README.md"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_says_where_it_is_read(field):
    table = _section(ARCHITECTURE, "Where each setting is read")
    patterns = re.findall(r"`([a-z0-9_]+\*?)`", "\n".join(line.split("|")[1] for line in table.splitlines()
                                                           if line.startswith("| `")))
    assert any(field == p or (p.endswith("*") and field.startswith(p[:-1])) for p in patterns), \
        f"add {field} to docs/architecture.md's 'Where each setting is read'"

"""The docs kept true by tests (as datasette's tests/test_docs.py does): every module is in
docs/architecture.md's module map, every error in its list of errors, and every setting in
the README's settings tables and in architecture.md's "Where each setting is read"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdex import errors
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


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
def test_every_setting_is_in_a_readme_settings_table(field):
    assert field.upper() in _setting_rows(README), f"add NEWSDEX_{field.upper()} to a settings table in README.md"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_says_where_it_is_read(field):
    table = _section(ARCHITECTURE, "Where each setting is read")
    patterns = re.findall(r"`([a-z0-9_]+\*?)`", "\n".join(line.split("|")[1] for line in table.splitlines()
                                                           if line.startswith("| `")))
    assert any(field == p or (p.endswith("*") and field.startswith(p[:-1])) for p in patterns), \
        f"add {field} to docs/architecture.md's 'Where each setting is read'"

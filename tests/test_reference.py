"""The docs site's pages written from the code (newsdex/reference.py) hold everything the code
has, and every page of docs/ is in the site's navigation (`make docs` builds it with --strict)."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from newsdex import reference
from newsdex.settings import Settings, env_name


@pytest.fixture(scope="module")
def spec(embedder):
    return reference.openapi_schema(embedder)


def test_the_settings_page_has_every_setting_with_its_choices():
    page = reference.settings_page()
    for name in Settings.model_fields:
        assert f"| `{env_name(name)}` |" in page, name
    assert "| `NEWSDEX_BACKEND` | `torch`, `onnx`, `onnx-int8` | `onnx` |" in page


def test_the_http_page_has_every_operation_and_schema(spec):
    page = reference.http_page(spec)
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"## {method.upper()} `{path}`" in page, (method, path)
    for name in spec["components"]["schemas"]:
        assert f"### {name}\n" in page, name
    assert "`application/problem+json` [`Problem`](#problem)" in page


def test_write_makes_both_pages(tmp_path, embedder):
    written = reference.write(tmp_path, embedder)
    assert sorted(p.name for p in written) == [reference.HTTP_PAGE, reference.SETTINGS_PAGE]


def test_every_page_of_docs_is_in_the_sites_navigation():
    config = (ROOT / "mkdocs.yml").read_text()
    nav = set(re.findall(r":\s+([\w/-]+\.md)\s*$", config, re.MULTILINE))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")
             if not p.relative_to(ROOT / "docs").as_posix().startswith("reference/")}
    assert pages <= nav, f"add {sorted(pages - nav)} to mkdocs.yml's nav"
    assert {f"reference/{reference.HTTP_PAGE}", f"reference/{reference.SETTINGS_PAGE}"} <= nav

"""Milvus expressions: a `Filters` value (index.stores) as the boolean expression a Milvus
search or query takes, compared as the embedded store compares, and a value as a literal."""

from __future__ import annotations

from collections.abc import Iterable

from newsdex.index.stores import Filters

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _nocase(value: str) -> str:
    """As SQLite's NOCASE compares (ASCII letters only), so filters match the embedded store's."""
    return value.translate(_ASCII_LOWER)


def _literal(value: str) -> str:
    """A Milvus expression string literal (Milvus Lite takes no filter templates)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expression(filters: Filters) -> str:
    """`filters` as a Milvus boolean expression over the passage fields ("" when none)."""
    clauses = []
    if filters.source is not None:
        clauses.append(f"source_key == {_literal(_nocase(filters.source))}")
    if filters.since is not None:
        clauses.append(f'day != "" and day >= {_literal(filters.since)}')
    if filters.until is not None:
        clauses.append(f'day != "" and day <= {_literal(filters.until)}')
    if filters.article is not None:
        clauses.append(f"article_id == {_literal(filters.article)}")
    if filters.lang is not None:
        clauses.append(f"lang == {_literal(filters.lang)}")
    return " and ".join(f"({c})" for c in clauses)


def _in(field: str, values: Iterable[int | str]) -> str:
    items = [_literal(v) if isinstance(v, str) else str(int(v)) for v in values]
    return f"{field} in [{', '.join(items)}]"

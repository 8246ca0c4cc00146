"""The articles in one file: which file types are read, and each type's records or page read into
articles, each paired with where it was found (`read_file`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsdex.errors import BadArticle
from newsdex.index.articles.decoding import jsonl_lines, read_text, shown
from newsdex.index.articles.model import Article, Skipped
from newsdex.index.articles.sources import article_from_html, article_from_record, article_from_text

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json", ".jsonl")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES


def _json_error(error: ValueError) -> str:
    """A parse failure in words: json's own message, or the limits Python sets on JSON."""
    if isinstance(error, json.JSONDecodeError):
        return f"malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    return f"malformed JSON: {error}"


def _parse_json(text: str) -> Any:
    """json.loads, with every way it can fail on hostile input as BadArticle."""
    try:
        return json.loads(text)
    except RecursionError:  # e.g. 100,000 nested "[": more depth than Python's stack allows
        raise BadArticle("malformed JSON: nested too deeply to read") from None
    except ValueError as error:  # JSONDecodeError, and integers longer than Python converts
        raise BadArticle(_json_error(error)) from None


def _records_from_json(path: Path, where: str, origin: str) -> Iterator[tuple[str, Article | Skipped]]:
    """One article per object of a .json file holding an object or a list of objects."""
    data = _parse_json(read_text(path))
    if isinstance(data, dict):
        yield from _one_record(where, data, origin)
    elif isinstance(data, list):
        for number, record in enumerate(data, start=1):
            yield from _one_record(f"{where}:{number}", record, origin, label=f"record {number}: ")
    else:
        raise BadArticle("JSON must be an object or a list of objects")


def _records_from_jsonl(path: Path, where: str, origin: str) -> Iterator[tuple[str, Article | Skipped]]:
    """One article per line of a .jsonl file; a bad line is skipped alone, as "file.jsonl:LINE"."""
    any_line = False
    for number, line in jsonl_lines(path):
        any_line = True
        at = f"{where}:{number}"
        if isinstance(line, BadArticle):
            yield at, Skipped(at, str(line))
            continue
        try:
            record = _parse_json(line)
        except BadArticle as error:
            yield at, Skipped(at, str(error).replace("(line 1, ", "("))
            continue
        yield from _one_record(at, record, origin)
    if not any_line:
        raise BadArticle("empty file")


def _one_record(where: str, record: Any, origin: str, label: str = "") -> Iterator[tuple[str, Article | Skipped]]:
    try:
        yield where, article_from_record(record, origin)
    except BadArticle as error:
        yield where, Skipped(where, f"{label}{error}")


def _load_file(path: Path, article_id: str) -> Iterator[tuple[str, Article | Skipped]]:
    """Everything in one file of a supported type, each paired with where it was found."""
    where = shown(path)
    suffix = path.suffix.lower()
    try:
        if where != str(path):  # such a name cannot be stored (SQLite takes UTF-8) or printed as it is
            raise BadArticle("the file name is not UTF-8; rename the file")
        origin = str(path.resolve())
        if suffix == ".json":
            yield from _records_from_json(path, where, origin)
        elif suffix == ".jsonl":
            yield from _records_from_jsonl(path, where, origin)
        elif suffix in HTML_SUFFIXES:
            yield where, article_from_html(read_text(path), article_id=article_id, origin=origin)
        else:
            yield where, article_from_text(read_text(path), article_id=article_id, origin=origin)
    except BadArticle as error:
        yield where, Skipped(where, str(error))
    except OSError as error:  # a file that vanished or became unreadable while a .jsonl streamed
        yield where, Skipped(where, f"cannot read file: {error.strerror or error}")


def read_file(path: Path, article_id: str) -> Iterator[tuple[str, Article | Skipped]]:
    """Everything in one file `article_files` gave, each with where it was found ("a.jsonl:3")."""
    return _load_file(path, article_id)

"""Exports: an answer (or a person's statements) as rows ready to cite, in CSV, JSON Lines or
Markdown, for `ask --format` and GET /search, /quotes and /people with format=... (or Accept: text/csv).

One row per result with the same columns in every format: where it is from (title, source,
date, url), who said it (speaker, for a statement), the text (a statement's own words, else
the passage), and where it ranked. The values are the JSON's, so a row matches its result.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Literal

from newsdex.search.results import QuoteOut, Result

Format = Literal["csv", "jsonl", "md"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "md")
MEDIA_TYPES: dict[str, str] = {"csv": "text/csv", "jsonl": "application/x-ndjson", "md": "text/markdown"}
COLUMNS = ("rank", "relevance", "title", "source", "date", "url", "speaker", "text", "article_id", "passage_id")


def result_rows(results: Sequence[Result]) -> list[dict]:
    """One row per search result."""
    return [{"rank": r.rank, "relevance": r.relevance, "title": r.title, "source": r.source,
             "date": r.published[:10] if r.published else None, "url": r.url,
             "speaker": r.quote.speaker if r.quote is not None else None,
             "text": r.quote.text if r.quote is not None else r.text, "article_id": r.article_id,
             "passage_id": r.passage_id} for r in results]


def quote_rows(quotes: Sequence[QuoteOut], first: int = 1) -> list[dict]:
    """One row per statement of a person's listing; `first` is the first one's number."""
    return [{"rank": n, "relevance": None, "title": q.title, "source": q.source,
             "date": q.published[:10] if q.published else None, "url": q.url, "speaker": q.speaker, "text": q.text,
             "article_id": q.article_id, "passage_id": q.passage_id} for n, q in enumerate(quotes, start=first)]


def export(rows: Sequence[dict], format: str, title: str = "") -> str:
    """The rows as one text in `format` (FORMATS); `title` heads the Markdown."""
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")  # RFC 4180
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    if format == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return markdown(rows, title)


def markdown(rows: Sequence[dict], title: str) -> str:
    """Each row as a numbered citation: the text quoted, then title (linked), source and date."""
    lines = [f"# {title}", ""] if title else []
    for row in rows:
        cited = f"[{_md(row['title'])}]({row['url']})" if row["url"] else _md(row["title"])
        where = ", ".join(x for x in (row["source"], row["date"]) if x)
        who = f"{_md(row['speaker'])}: " if row["speaker"] else ""
        lines.append(f"{row['rank']}. {who}\"{_md(row['text'])}\"  ")
        lines.append(f"   {cited}" + (f" ({_md(where)})" if where else ""))
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text as Markdown shows it literally: one line, its brackets and emphasis escaped."""
    flat = " ".join(str(text).split())
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in flat)

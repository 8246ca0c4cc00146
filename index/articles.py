"""The Article type, and reading articles from files of each supported format.

`load_articles` walks files and folders and yields an `Article` for each readable
article and a `Skipped` (with the reason) for each one that is not, so one bad file
never stops a build. `article_from_record` is the one way a JSON record (from a file or
the HTTP API) becomes an article.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Any, Iterable, Iterator

from newsdex.index.clean import ParsedText, parse_body, parse_plain_text, split_paragraphs
from newsdex.errors import BadArticle

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json", ".jsonl")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES


@dataclass(frozen=True)
class Article:
    """One clean news article, ready to split into passages.

    `paragraphs` holds the article's own words with page furniture already removed;
    the title is kept apart because it is given to the model with every passage.
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    subtitle: str | None = None
    author: str | None = None
    dateline: str | None = None
    source: str | None = None
    published: str | None = None  # ISO 8601 date (YYYY-MM-DD) or datetime
    url: str | None = None
    origin: str | None = None  # the file it came from, or "api"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def content_hash(self) -> str:
        """Hash of everything that reaches the index, so an unchanged article is not embedded again."""
        payload = json.dumps(
            [self.title, list(self.paragraphs), self.subtitle, self.author, self.dateline,
             self.source, self.published, self.url],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file (or one record of a file) that could not be read, and why."""

    path: str
    reason: str


# --- Dates ------------------------------------------------------------------------------

# Written-out dates that news feeds use besides ISO 8601.
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%Y/%m/%d", "%d.%m.%Y")


def normalise_date(value: object) -> str | None:
    """ISO 8601 for a publication date: "YYYY-MM-DD", or a full datetime when a time is given.

    Returns None for a value that is no recognisable date (logged, since the article is
    still worth indexing without it).
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).isoformat()  # Unix seconds
        except (OverflowError, OSError, ValueError):
            pass
    elif isinstance(value, str):
        parsed = _parse_date(value.strip())
        if parsed:
            return parsed
    log.warning("ignoring unrecognised date %r", value)
    return None


def _parse_date(text: str) -> str | None:
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return datetime.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text).isoformat()  # RFC 2822, as in RSS feeds
    except (TypeError, ValueError, IndexError):
        return None


# --- One article from one source --------------------------------------------------------


def _article(article_id: str, parsed: ParsedText, **metadata: str | None) -> Article:
    """An Article from parsed text; metadata given explicitly wins over what the text implied."""
    if not parsed.paragraphs:
        raise BadArticle("no article text left after removing page furniture")
    if not parsed.title:
        raise BadArticle("no title")
    found = {"subtitle": parsed.subtitle, "author": parsed.author, "dateline": parsed.dateline,
             "source": parsed.source}
    merged = {name: metadata.get(name) or found.get(name) for name in
              ("subtitle", "author", "dateline", "source", "published", "url", "origin")}
    return Article(id=article_id, title=parsed.title, paragraphs=parsed.paragraphs, **merged)


def article_from_text(raw: str, *, article_id: str, origin: str | None = None) -> Article:
    """A .txt/.md article: title on the first line, then byline, standfirst and text."""
    return _article(article_id, parse_plain_text(raw), origin=origin)


# The <title> element, for pages whose metadata names no title.
_TITLE_ELEMENT = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def article_from_html(html: str, *, article_id: str, origin: str | None = None) -> Article:
    """A web page: trafilatura finds the main text and metadata, then furniture is cleaned."""
    try:
        import trafilatura  # imported here: only HTML needs it, and it is slow to import
    except ImportError as error:
        raise BadArticle(f"cannot read HTML: trafilatura is not importable ({error})") from error
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    if doc is None or not (doc.text or "").strip():
        raise BadArticle("no article text found in the HTML page")
    paragraphs = split_paragraphs(doc.text)
    element = _TITLE_ELEMENT.search(html)
    title = (doc.title or (unescape(element.group(1)).strip() if element else "")
             or (paragraphs[0] if paragraphs else ""))
    parsed = parse_body(title, paragraphs, subtitle=doc.description or None, guess_subtitle=False)
    return _article(article_id, parsed, author=doc.author, source=doc.sitename, url=doc.url,
                    published=normalise_date(doc.date), origin=origin)


def _record_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise BadArticle("record has no 'id' (a non-empty string or an integer)")


def _optional_text(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadArticle(f"field '{name}' must be a string, not {type(value).__name__}")
    return value.strip() or None


def article_from_record(record: dict[str, Any], origin: str = "api") -> Article:
    """An article from a JSON object with `id` and `text` (and optional title, date, source,
    url, author, subtitle); raises BadArticle saying what is missing or wrong.

    The text is cleaned like any scraped page. Without a title, the first line is the title.
    """
    if not isinstance(record, dict):
        raise BadArticle(f"expected a JSON object with 'id' and 'text', got {type(record).__name__}")
    article_id = _record_id(record)
    fields = {name: _optional_text(record, name)
              for name in ("title", "text", "source", "url", "author", "subtitle")}
    if not fields["text"]:
        raise BadArticle(f"record {article_id!r} has no 'text'")
    paragraphs = split_paragraphs(fields["text"])
    title = fields["title"] or paragraphs[0].lstrip("#").strip()
    parsed = parse_body(title, paragraphs, subtitle=fields["subtitle"], guess_subtitle=False)
    raw_date = record.get("date", record.get("published"))
    try:
        return _article(article_id, parsed, subtitle=fields["subtitle"], author=fields["author"],
                        source=fields["source"], url=fields["url"],
                        published=normalise_date(raw_date), origin=origin)
    except BadArticle as error:
        raise BadArticle(f"record {article_id!r}: {error}") from None


# --- Files and folders ------------------------------------------------------------------


def _read_text(path: Path) -> str:
    """The file's text, or BadArticle naming why it is not readable text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadArticle(f"cannot read file: {error.strerror or error}") from None
    if b"\x00" in data:
        raise BadArticle("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadArticle(f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
                         "save it as UTF-8") from None
    if not text.strip():
        raise BadArticle("empty file")
    return text


def _json_error(error: json.JSONDecodeError) -> str:
    return f"malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})"


def _records_from_json(path: Path, text: str, origin: str) -> Iterator[tuple[str, Article | Skipped]]:
    """One article per object of a .json file holding an object or a list of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        yield str(path), Skipped(str(path), _json_error(error))
        return
    if isinstance(data, dict):
        yield from _one_record(str(path), data, origin)
    elif isinstance(data, list):
        for number, record in enumerate(data, start=1):
            yield from _one_record(f"{path}:{number}", record, origin, label=f"record {number}: ")
    else:
        yield str(path), Skipped(str(path), "JSON must be an object or a list of objects")


def _records_from_jsonl(path: Path, text: str, origin: str) -> Iterator[tuple[str, Article | Skipped]]:
    """One article per line of a .jsonl file; a bad line is skipped alone, as "file.jsonl:LINE"."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield where, Skipped(where, _json_error(error).replace("(line 1, ", "("))
            continue
        yield from _one_record(where, record, origin)


def _one_record(where: str, record: Any, origin: str, label: str = "") -> Iterator[tuple[str, Article | Skipped]]:
    try:
        yield where, article_from_record(record, origin)
    except BadArticle as error:
        yield where, Skipped(where, f"{label}{error}")


def _load_file(path: Path, article_id: str) -> Iterator[tuple[str, Article | Skipped]]:
    """Everything in one file of a supported type, each paired with where it was found."""
    origin = str(path.resolve())
    suffix = path.suffix.lower()
    try:
        text = _read_text(path)
        if suffix == ".json":
            yield from _records_from_json(path, text, origin)
        elif suffix == ".jsonl":
            yield from _records_from_jsonl(path, text, origin)
        elif suffix in HTML_SUFFIXES:
            yield str(path), article_from_html(text, article_id=article_id, origin=origin)
        else:
            yield str(path), article_from_text(text, article_id=article_id, origin=origin)
    except BadArticle as error:
        yield str(path), Skipped(str(path), str(error))


def _walk(folder: Path) -> Iterator[Path]:
    """Supported files under `folder`, sorted, skipping hidden files and folders (.git, .DS_Store)."""
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.is_file() and entry.suffix.lower() in SUPPORTED_SUFFIXES:
            yield entry


def _load_path(path: Path) -> Iterator[tuple[str, Article | Skipped]]:
    if path.is_dir():
        for file in _walk(path):
            yield from _load_file(file, file.relative_to(path).with_suffix("").as_posix())
    elif not path.exists():
        yield str(path), Skipped(str(path), "no such file or folder")
    elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
        kind = f"'{path.suffix}'" if path.suffix else "without a suffix"
        yield str(path), Skipped(str(path), f"unsupported file type {kind}; newsdex reads "
                                 + ", ".join(SUPPORTED_SUFFIXES))
    else:
        yield from _load_file(path, path.stem)


def load_articles(paths: Iterable[Path]) -> Iterator[Article | Skipped]:
    """Every article in the given files and folders, in a stable order.

    Files that cannot be read, records that are not articles and repeated ids come out
    as `Skipped` with the reason; they never stop the rest. Ids are the file's path
    relative to the folder given, without suffix (or the file's stem when the file itself
    is given), and a JSON record's `id`.
    """
    first_seen: dict[str, str] = {}
    for path in paths:
        for where, item in _load_path(Path(path)):
            if isinstance(item, Article):
                if item.id in first_seen:
                    item = Skipped(where, f"duplicate id {item.id!r}: already loaded from {first_seen[item.id]}")
                else:
                    first_seen[item.id] = where
            yield item

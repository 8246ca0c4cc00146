"""The Article type, and reading articles from files of each supported format.

`load_articles` walks files and folders and yields an `Article` for each readable
article and a `Skipped` (with the reason) for each one that is not, so one bad file
never stops a build; it reads lazily (a .jsonl a line at a time), so a build can embed
as it goes. `article_from_record` is the one way a JSON record (from a file or
the HTTP API) becomes an article.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsdex.errors import BadArticle
from newsdex.index.clean import ParsedText, parse_body, parse_plain_text, split_paragraphs
from newsdex.index.languages import detect_language, language_code

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
    lang: str | None = None  # ISO 639-1: given, else detected (index.languages); None when unsure

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def content_hash(self) -> str:
        """Hash of everything that reaches the index, so an unchanged article is not embedded again."""
        payload = json.dumps(
            [self.title, list(self.paragraphs), self.subtitle, self.author, self.dateline,
             self.source, self.published, self.url, self.lang],
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
            return datetime.fromtimestamp(value, tz=UTC).isoformat()  # Unix seconds
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


# --- Links --------------------------------------------------------------------------------

# Anything a browser would strip or act on inside a URL (tabs and newlines vanish from
# "java\tscript:"), so such a value is never taken for a web address.
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def web_url(value: str | None) -> str | None:
    """`value` if it is an http(s) address, else None.

    Pages show an article's url as a link; a javascript: (or data:, vbscript:) one would
    run script in the page of whoever clicks it, so only web addresses are ever kept.
    """
    if value is None:
        return None
    text = value.strip()
    if _CONTROL.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


# --- One article from one source --------------------------------------------------------


def _article(article_id: str, parsed: ParsedText, **metadata: str | None) -> Article:
    """An Article from parsed text; metadata given explicitly wins over what the text implied."""
    if not parsed.paragraphs:
        raise BadArticle("no article text left after removing page furniture")
    if not parsed.title:
        raise BadArticle("no title")
    found = {"subtitle": parsed.subtitle, "author": parsed.author, "dateline": parsed.dateline,
             "source": parsed.source, "published": parsed.published}
    merged = {name: metadata.get(name) or found.get(name) for name in
              ("subtitle", "author", "dateline", "source", "published", "url", "origin", "lang")}
    if merged["lang"] is None:
        merged["lang"] = detect_language(f"{parsed.title}\n" + "\n".join(parsed.paragraphs))
    if merged["url"] is not None and web_url(merged["url"]) is None:
        log.warning("%s: dropping url %r: only http and https addresses are kept", article_id, merged["url"])
    merged["url"] = web_url(merged["url"])
    article = Article(id=article_id, title=parsed.title, paragraphs=parsed.paragraphs, **merged)
    try:
        article.content_hash  # noqa: B018 - everything stored must be encodable as UTF-8
    except UnicodeEncodeError as error:
        raise BadArticle(f"text holds a lone surrogate ({error.object[error.start]!a}), which is not text") from None
    return article


def article_from_text(raw: str, *, article_id: str, origin: str | None = None) -> Article:
    """A .txt/.md article: title on the first line, then byline, standfirst and text."""
    return _article(article_id, parse_plain_text(raw), origin=origin)


# The <title> element, for pages whose metadata names no title.
_TITLE_OPEN = re.compile(r"<title", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title>", re.IGNORECASE)


def _title_element(html: str) -> str | None:
    """The text of the page's first <title>...</title>, as written; None when there is none.

    Found by searching forward once from the first "<title": `<title[^>]*>(.*?)</title>` read
    the rest of the page again from every "<title" of one that never closes.
    """
    opening = _TITLE_OPEN.search(html)
    if opening is None:
        return None
    inner = html.find(">", opening.end())
    if inner < 0:
        return None
    closing = _TITLE_CLOSE.search(html, inner + 1)
    return html[inner + 1:closing.start()] if closing else None


def article_from_html(html: str, *, article_id: str, origin: str | None = None) -> Article:
    """A web page: trafilatura finds the main text and metadata, then furniture is cleaned."""
    try:
        import trafilatura  # imported here: only HTML needs it, and it is slow to import
        from trafilatura.settings import Document
    except ImportError as error:
        raise BadArticle(f"cannot read HTML: trafilatura is not importable ({error})") from error
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as error:  # noqa: BLE001 - lxml and trafilatura fail in many ways on hostile pages
        raise BadArticle(f"cannot parse the HTML page ({type(error).__name__}: {error})"[:300]) from None
    # A Document, since as_dict is left False; None when it found no article.
    if not isinstance(doc, Document) or doc.text is None or not doc.text.strip():
        raise BadArticle("no article text found in the HTML page")
    paragraphs = split_paragraphs(doc.text)
    element = _title_element(html)
    title = (doc.title or (unescape(element).strip() if element is not None else "")
             or (paragraphs[0] if paragraphs else ""))
    parsed = parse_body(title, paragraphs, subtitle=doc.description or None, guess_subtitle=False)
    return _article(article_id, parsed, author=doc.author, source=doc.sitename, url=doc.url,
                    published=normalise_date(doc.date), origin=origin)


def _utf8(value: str, name: str) -> str:
    """`value` if it can be stored: JSON's "\\ud800" escapes decode to lone surrogates, which are not text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadArticle(f"field '{name}' holds a lone surrogate ({value[error.start]!a}), which is not text") from None
    return value


def _readable(char: str) -> bool:
    """Neither space nor a control character: what cleaning keeps of a text."""
    return not char.isspace() and unicodedata.category(char) != "Cc"


def _record_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and any(_readable(c) for c in value):
        return _utf8(value.strip(), "id")
    raise BadArticle("record has no 'id' (a non-empty string or an integer)")


def _optional_text(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadArticle(f"field '{name}' must be a string, not {type(value).__name__}")
    return _utf8(value, name).strip() or None


def article_from_record(record: dict[str, Any], origin: str = "api", *, as_given: bool = False) -> Article:
    """An article from a JSON object with `id` and `text` (and optional title, date, source,
    url, author, subtitle); raises BadArticle saying what is missing or wrong.

    The text is cleaned like any scraped page. Without a title, the first line is the title.
    `as_given`: the caller handed this text over itself (the API, Indexer.upsert), so when
    every paragraph looks like page furniture ("0", "Read more") it is kept rather than refused.
    """
    if not isinstance(record, dict):
        raise BadArticle(f"expected a JSON object with 'id' and 'text', got {type(record).__name__}")
    article_id = _record_id(record)
    fields = {name: _optional_text(record, name)
              for name in ("title", "text", "source", "url", "author", "subtitle")}
    if not fields["text"]:
        raise BadArticle(f"record {article_id!r} has no 'text'")
    paragraphs = split_paragraphs(fields["text"])
    if not paragraphs:
        raise BadArticle(f"record {article_id!r} has no readable 'text'")
    title = fields["title"] or paragraphs[0].lstrip("#").strip()
    parsed = parse_body(title, paragraphs, subtitle=fields["subtitle"], guess_subtitle=False)
    if not parsed.paragraphs and as_given:
        parsed = dataclasses.replace(parsed, paragraphs=tuple(p for p in paragraphs if p.strip()))
    raw_date = record.get("date", record.get("published"))
    given_lang = _optional_text(record, "lang") or _optional_text(record, "language")
    lang = language_code(given_lang) if given_lang else None
    if given_lang and lang is None:
        log.warning("%s: ignoring language %r (not an ISO 639 code): detecting it", article_id, given_lang)
    try:
        return _article(article_id, parsed, subtitle=fields["subtitle"], author=fields["author"],
                        source=fields["source"], url=fields["url"],
                        published=normalise_date(raw_date), origin=origin, lang=lang)
    except BadArticle as error:
        raise BadArticle(f"record {article_id!r}: {error}") from None


# --- Files and folders ------------------------------------------------------------------

# A file read whole (.txt .md .html .json) may be this large; a .jsonl is read a line at a
# time, so only each of its lines is limited. Both keep one bad input from taking the memory
# of a whole build; the line limit matches the API's default request size.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 10 * 1024 * 1024

# A byte-order mark names the encoding; without one, a file is UTF-8. UTF-32's marks come
# first because UTF-32-LE's begins with UTF-16-LE's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF8, "utf-8-sig"))


def _encoding_of(head: bytes) -> str:
    return next((encoding for bom, encoding in _BOMS if head.startswith(bom)), "utf-8")


def _encoding_name(encoding: str) -> str:
    return encoding.upper().replace("-SIG", "")


def _decode(data: bytes) -> str:
    """Text of a whole file: UTF-8, or UTF-16/32 when a byte-order mark says so."""
    encoding = _encoding_of(data[:4])
    if encoding.startswith("utf-8") and b"\x00" in data:  # UTF-16/32 text is full of NULs
        raise BadArticle("binary file (contains NUL bytes), not text")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise BadArticle(f"not {_encoding_name(encoding)} text ({error.reason} at byte {error.start}); "
                         "save it as UTF-8") from None


def _read_text(path: Path) -> str:
    """The file's text, or BadArticle naming why it is not readable text."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadArticle(f"file too large ({size / 2**20:.0f} MiB; at most {MAX_FILE_BYTES // 2**20} MiB "
                             "is read from one file; a .jsonl is read a line at a time and has no such limit)")
        data = path.read_bytes()
    except OSError as error:
        raise BadArticle(f"cannot read file: {error.strerror or error}") from None
    text = _decode(data)
    if not text.strip():
        raise BadArticle("empty file")
    return text


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
    data = _parse_json(_read_text(path))
    if isinstance(data, dict):
        yield from _one_record(where, data, origin)
    elif isinstance(data, list):
        for number, record in enumerate(data, start=1):
            yield from _one_record(f"{where}:{number}", record, origin, label=f"record {number}: ")
    else:
        raise BadArticle("JSON must be an object or a list of objects")


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str | BadArticle]]:
    """(line number, text) of each non-blank line, streamed, or a BadArticle for a line that
    cannot be text; memory holds one line (at most MAX_LINE_BYTES) at a time."""
    with open(path, "rb") as file:
        head = file.read(8192)
        encoding = _encoding_of(head)
        file.seek(0)
        if not encoding.startswith("utf-8"):
            yield from _wide_lines(io.TextIOWrapper(file, encoding=encoding, newline=""), encoding)
            return
        if b"\x00" in head:
            raise BadArticle("binary file (contains NUL bytes), not text")
        number = 0
        while line := file.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := file.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # the rest of an overlong line is read past, never kept
                yield number, BadArticle(f"line longer than {MAX_LINE_BYTES // 2**20} MiB")
                continue
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            if not line.strip():
                continue
            if b"\x00" in line:
                yield number, BadArticle("binary data (contains NUL bytes), not text")
                continue
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, BadArticle(f"not UTF-8 text ({error.reason} at column {error.start + 1}); "
                                         "save the file as UTF-8")


def _wide_lines(stream: io.TextIOWrapper, encoding: str) -> Iterator[tuple[int, str | BadArticle]]:
    """Lines of a UTF-16/32 file; after an undecodable line nothing further can be trusted."""
    number = 0
    while True:
        number += 1
        try:
            line = stream.readline(MAX_LINE_BYTES // 2 + 1)
        except UnicodeDecodeError as error:
            raise BadArticle(f"not {_encoding_name(encoding)} text from line {number} on ({error.reason}); "
                             "save it as UTF-8") from None
        if not line:
            return
        if len(line) > MAX_LINE_BYTES // 2 and not line.endswith("\n"):
            while (rest := stream.readline(1 << 19)) and not rest.endswith("\n"):
                pass
            yield number, BadArticle(f"line longer than {MAX_LINE_BYTES // 2**20} MiB")
        elif line.strip():
            yield number, line.lstrip("\ufeff")


def _records_from_jsonl(path: Path, where: str, origin: str) -> Iterator[tuple[str, Article | Skipped]]:
    """One article per line of a .jsonl file; a bad line is skipped alone, as "file.jsonl:LINE"."""
    any_line = False
    for number, line in _jsonl_lines(path):
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


def _shown(path: Path | str) -> str:
    """A path as it can be printed: bytes of a file name that are not UTF-8 become \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _load_file(path: Path, article_id: str) -> Iterator[tuple[str, Article | Skipped]]:
    """Everything in one file of a supported type, each paired with where it was found."""
    where = _shown(path)
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
            yield where, article_from_html(_read_text(path), article_id=article_id, origin=origin)
        else:
            yield where, article_from_text(_read_text(path), article_id=article_id, origin=origin)
    except BadArticle as error:
        yield where, Skipped(where, str(error))
    except OSError as error:  # a file that vanished or became unreadable while a .jsonl streamed
        yield where, Skipped(where, f"cannot read file: {error.strerror or error}")


_LOOP = "symlink loop"


def _link_problem(link: Path, root: Path, follow_links: bool, walking: frozenset[Path]) -> str | None:
    """Why the symlink `link`, found under `root`, is not followed; None when it is."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return f"broken symlink (its target {os.readlink(link)} does not exist)"
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop, later ones OSError(ELOOP)
        return f"{_LOOP} (it leads back to itself)"
    if target in walking:
        return f"{_LOOP} (it leads back to {_shown(target)}, a folder above it)"
    if follow_links:
        return None
    if not target.is_relative_to(root):
        return (f"symlink to {_shown(target)}, outside {_shown(root)}; "
                "--follow-links (NEWSDEX_FOLLOW_LINKS=1) follows it")
    if target.is_dir():
        return "symlink to a folder; --follow-links (NEWSDEX_FOLLOW_LINKS=1) follows it"
    return None


def _walk(folder: Path, root: Path, follow_links: bool, walking: frozenset[Path]) -> Iterator[Path | Skipped]:
    """Supported files under `folder`, sorted, skipping hidden files and folders (.git, .DS_Store).

    Symlinks that leave `root` (the folder being indexed) or lead to folders are skipped with
    the reason unless `follow_links`; loops are skipped with the reason either way, since a
    followed link can lead back into a folder already being walked (`walking`).
    """
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        yield Skipped(_shown(folder), f"cannot list folder: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                problem = _link_problem(entry, root, follow_links, walking)
                if problem is not None:
                    # Said about anything that could have held articles; other links pass unmentioned,
                    # like other unsupported files.
                    if problem.startswith(_LOOP) or entry.is_dir() or entry.suffix.lower() in SUPPORTED_SUFFIXES:
                        yield Skipped(_shown(entry), problem)
                    continue
            if entry.is_dir():
                yield from _walk(entry, root, follow_links, walking | {entry.resolve()})
            elif entry.is_file() and entry.suffix.lower() in SUPPORTED_SUFFIXES:
                yield entry
        except OSError as error:
            yield Skipped(_shown(entry), f"cannot read: {error.strerror or error}")


def article_files(paths: Iterable[Path], *, follow_links: bool = False) -> Iterator[tuple[Path, str] | Skipped]:
    """What `load_articles` reads, in its order, without reading it: each supported file with
    the id its article takes (records in .json and .jsonl files bring their own), or why a
    path is skipped. A distributed build (index.engine) walks here and reads in its workers."""
    for path in map(Path, paths):
        if path.is_dir():
            root = path.resolve()
            for found in _walk(path, root, follow_links, frozenset({root})):
                if isinstance(found, Skipped):
                    yield found
                else:
                    yield found, found.relative_to(path).with_suffix("").as_posix()
        elif not path.exists():
            yield Skipped(_shown(path), "no such file or folder")
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            kind = f"'{path.suffix}'" if path.suffix else "without a suffix"
            yield Skipped(_shown(path), f"unsupported file type {kind}; newsdex reads " + ", ".join(SUPPORTED_SUFFIXES))
        else:
            yield path, path.stem


def read_file(path: Path, article_id: str) -> Iterator[tuple[str, Article | Skipped]]:
    """Everything in one file `article_files` gave, each with where it was found ("a.jsonl:3")."""
    return _load_file(path, article_id)


class FirstSeen:
    """The duplicate-id rule of a load: an id's first article is kept, later ones are skipped."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def check(self, where: str, item: Article | Skipped) -> Article | Skipped:
        if isinstance(item, Article):
            if item.id in self.first:
                return Skipped(where, f"duplicate id {item.id!r}: already loaded from {self.first[item.id]}")
            self.first[item.id] = where
        return item


def load_articles(paths: Iterable[Path], *, follow_links: bool = False) -> Iterator[Article | Skipped]:
    """Every article in the given files and folders, in a stable order, read lazily.

    Files that cannot be read, records that are not articles, repeated ids and symlinks
    that are not followed come out as `Skipped` with the reason; they never stop the rest.
    Ids are the file's path relative to the folder given, without suffix (or the file's
    stem when the file itself is given), and a JSON record's `id`. Files named explicitly
    are read wherever they are; inside a folder, symlinks are followed only to files within
    that folder, unless `follow_links`.
    """
    seen = FirstSeen()
    for found in article_files(paths, follow_links=follow_links):
        if isinstance(found, Skipped):
            yield found
            continue
        for where, item in read_file(*found):
            yield seen.check(where, item)

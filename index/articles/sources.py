"""One article from one source: parsed text, a plain-text page, an HTML page or a JSON record
becomes an `Article`, or `BadArticle` says why not.

`article_from_record` is the one way a JSON record (from a file or the HTTP API) becomes an article.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from html import unescape
from typing import Any

from newsdex.errors import BadArticle
from newsdex.index.articles.dates import normalise_date
from newsdex.index.articles.model import Article
from newsdex.index.articles.urls import web_url
from newsdex.index.clean import ParsedText, parse_body, parse_plain_text, split_paragraphs
from newsdex.index.languages import detect_language, language_code

log = logging.getLogger(__name__)


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

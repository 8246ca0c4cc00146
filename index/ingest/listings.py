"""What a listing names: an RSS 2.0 or Atom feed (feedparser), a sitemap or sitemap index (news
sitemaps included; lxml) or a plain list of addresses, read into `Entry` values, one per item.

`read_listing` tells the kinds apart by their content, not their name or media type (servers
label feeds as text/xml, application/rss+xml, text/html...). Both parsers read in time linear in
their input (tests/test_ingest.py has the growth test), and neither resolves entities or reaches
the network.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from newsdex.index.articles import web_url

# An item whose feed carries at least this many characters of text is taken from the feed as it
# is (content:encoded, Atom's <content>); a shorter one is a teaser, and its page is fetched.
FULL_TEXT_CHARS = 500
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Entry:
    """One item a listing names: its page's address, and what the listing says of it."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601
    author: str | None = None
    source: str | None = None  # the feed's or publication's name
    html: str | None = None  # the item's full text as HTML, when the feed carries it
    # True: a sitemap a sitemap index names, read as a listing; False: a page; None (a line of an
    # address list): whichever its content shows.
    listing: bool | None = False
    problem: str | None = None  # why it cannot be read, known already (its address failed as a listing)


@dataclass(frozen=True)
class Listing:
    """What one feed, sitemap or list holds (`kind` says which)."""

    kind: str  # "feed", "sitemap", "list"
    entries: tuple[Entry, ...]
    title: str | None = None


class NotAListing(ValueError):
    """The content is none of the kinds `read_listing` reads."""


def read_listing(body: bytes, base_url: str = "") -> Listing:
    """The entries of a feed, sitemap or address list; NotAListing (with why) for anything else."""
    head = body[:2048].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if b"<urlset" in head or b"<sitemapindex" in head:
        return _sitemap(body, base_url)
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return _feed(body, base_url)
    if head.startswith((b"<!doctype html", b"<html")):
        raise NotAListing("an HTML page, not a feed, sitemap or list of addresses")
    return _address_list(body, base_url)


def _feed(body: bytes, base_url: str) -> Listing:
    import feedparser  # imported on first use: it is slow to import and only ingest needs it

    parsed = feedparser.parse(body, response_headers={"content-location": base_url} if base_url else None,
                              resolve_relative_uris=True, sanitize_html=True)
    if parsed.get("bozo") and not parsed.entries:
        raise NotAListing(f"a feed that cannot be read ({parsed.get('bozo_exception')})"[:300])
    channel = parsed.feed.get("title") or None
    entries = []
    for item in parsed.entries:
        link = web_url(_absolute(base_url, item.get("link")))
        if link is None:
            continue
        html = None
        for content in item.get("content") or ():
            if "html" in (content.get("type") or "") and len(content.get("value") or "") >= FULL_TEXT_CHARS:
                html = content["value"]
                break
        entries.append(Entry(url=link, title=item.get("title") or None, published=_iso(_feed_date(item)),
                             author=item.get("author") or None, source=channel, html=html))
    return Listing("feed", tuple(entries), channel)


def _feed_date(item: Any) -> time.struct_time | None:
    return item.get("published_parsed") or item.get("updated_parsed")


def _iso(when: time.struct_time | None) -> str | None:
    if when is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(when)))


def _sitemap(body: bytes, base_url: str) -> Listing:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise NotAListing(f"a sitemap that cannot be read ({error})"[:300]) from None
    if root is None:
        raise NotAListing("an empty sitemap")
    index = etree.QName(root).localname == "sitemapindex"
    entries = []
    for node in root.iter(f"{SITEMAP_NS}sitemap" if index else f"{SITEMAP_NS}url"):
        link = web_url(_absolute(base_url, node.findtext(f"{SITEMAP_NS}loc")))
        if link is None:
            continue
        news = node.find(f"{NEWS_NS}news")
        title = published = source = None
        if news is not None:  # a Google News sitemap: the article's title, date and publication
            title = (news.findtext(f"{NEWS_NS}title") or "").strip() or None
            published = (news.findtext(f"{NEWS_NS}publication_date") or "").strip() or None
            source = (news.findtext(f"{NEWS_NS}publication/{NEWS_NS}name") or "").strip() or None
        published = published or (node.findtext(f"{SITEMAP_NS}lastmod") or "").strip() or None
        entries.append(Entry(url=link, title=title, published=published, source=source, listing=index))
    return Listing("sitemap", tuple(entries))


def _address_list(body: bytes, base_url: str) -> Listing:
    """One address a line; blank lines and lines starting with # are passed over."""
    text = body.decode("utf-8", errors="replace")
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        link = web_url(_absolute(base_url, line))
        if link is None:
            raise NotAListing(f"not a feed, sitemap or list of http(s) addresses (line {line[:80]!r})")
        entries.append(Entry(url=link, listing=None))
    return Listing("list", tuple(entries))


def _absolute(base_url: str, link: str | None) -> str | None:
    if not link:
        return None
    link = link.strip()
    return urljoin(base_url, link) if base_url else link

"""One ingest run (`ingest`): every feed, sitemap and address list read, each new or changed item's
page fetched and its article extracted, and what changed added through the `Indexer`.

The steps, timed apart in the report: listings are fetched (conditionally) and read; items whose
feed carries their full text are taken from it, the others' pages fetched (conditionally, in
parallel within the fetcher's per-host limits) and read by trafilatura (`article_from_html`); the
articles are upserted a batch at a time, each batch one build, its addresses remembered once that
build is live (index.ingest.memory). A listing or page that fails is a `Skipped` naming it and the
reason; the rest goes on.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from newsdex.errors import BadArticle
from newsdex.index.articles import Article, Skipped, article_from_html, normalise_date, web_url
from newsdex.index.build import WEB_ORIGIN, Indexer
from newsdex.index.ingest.canonical import canonical_url
from newsdex.index.ingest.fetch import Fetched, Fetcher, FetchFailed, Policy, Validators
from newsdex.index.ingest.listings import Entry, NotAListing, read_listing
from newsdex.index.ingest.memory import Memory

HTML_TYPES = ("text/html", "application/xhtml+xml")
BATCH = 200  # articles per build: a run killed midway keeps every batch already live
WORKERS = 8  # pages fetched and read at once, across hosts (Policy.host_concurrency bounds each host)


@dataclass
class IngestReport:
    listings: int = 0
    listings_unchanged: int = 0  # answered 304: nothing new in them
    listings_failed: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    passages_embedded: int = 0
    requests: int = 0
    conditional_requests: int = 0
    fetch_seconds: float = 0.0  # summed over the fetching threads
    extract_seconds: float = 0.0  # summed over the reading threads
    embed_seconds: float = 0.0  # the builds: splitting, embedding, storing, swapping in
    seconds: float = 0.0
    articles: int = 0  # the index after the run

    @property
    def items(self) -> int:
        return self.new + self.updated + self.unchanged + self.failed

    def summary(self) -> str:
        return (f"{self.listings} sources ({self.listings_unchanged} unchanged, {self.listings_failed} failed); "
                f"items: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed; "
                f"{self.passages_embedded} passages embedded; {self.requests} requests "
                f"({self.conditional_requests} conditional) in {self.seconds:.1f}s; "
                f"index: {self.articles} articles")

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["skipped"] = [{"what": s.path, "reason": s.reason} for s in self.skipped]
        return data


@dataclass
class _Page:
    """An item on its way in: the entry, what its fetch gave, the article read from it or why not."""

    entry: Entry
    fetched: Fetched | None = None
    article: Article | None = None
    problem: str | None = None


def ingest(indexer: Indexer, sources: Sequence[str | Path], *, policy: Policy | None = None,
           on_skip: Callable[[Skipped], None] | None = None,
           on_item: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Ingest `sources` (addresses or local files of feeds, sitemaps and address lists) into the
    index `indexer` writes. `on_skip` hears each failure as it happens, `on_item` each item done."""
    began = time.perf_counter()
    report = IngestReport()
    memory = Memory(indexer.settings.index_dir)
    try:
        with Fetcher(policy) as fetcher:
            run = _Run(indexer, fetcher, memory, report, on_skip, on_item)
            entries = run.listings(sources)
            run.items(entries)
            report.requests, report.conditional_requests = fetcher.requests, fetcher.conditional_requests
    finally:
        memory.close()
    report.seconds = time.perf_counter() - began
    return report


class _Run:
    def __init__(self, indexer: Indexer, fetcher: Fetcher, memory: Memory, report: IngestReport,
                 on_skip: Callable[[Skipped], None] | None, on_item: Callable[[IngestReport], None] | None) -> None:
        self.indexer, self.fetcher, self.memory, self.report = indexer, fetcher, memory, report
        self.on_skip, self.on_item = on_skip, on_item
        self.listing_validators: list[tuple[str, Validators]] = []
        self.prefetched: dict[str, Fetched] = {}  # pages given where a listing was expected: fetched once
        self.lock = threading.Lock()

    def timed(self, step: str, began: float) -> None:
        """Add the time since `began` to a step's total (from any thread)."""
        with self.lock:
            setattr(self.report, step, getattr(self.report, step) + time.perf_counter() - began)

    def skip(self, what: str, reason: str) -> None:
        skipped = Skipped(what, reason)
        self.report.skipped.append(skipped)
        if self.on_skip:
            self.on_skip(skipped)

    # -- listings ----------------------------------------------------------------------------

    def listings(self, sources: Iterable[str | Path]) -> list[Entry]:
        """The items of every listing, each address once (sitemap indexes followed one level)."""
        entries: dict[str, Entry] = {}
        todo = [(str(source), None) for source in sources]
        depth = 0
        while todo and depth < 2:
            more = []
            for source, _ in todo:
                for entry in self._listing(source, as_line=False):
                    if entry.listing is True and depth == 0:
                        more.append((entry.url, None))
                    elif entry.listing is not True:
                        entries.setdefault(entry.url, entry)
            todo, depth = more, depth + 1
        return list(entries.values())

    def _listing(self, source: str, *, as_line: bool) -> list[Entry]:
        """The entries of one listing. `as_line`: a line of an address list, which may be a page."""
        self.report.listings += 1
        path = Path(source)
        if web_url(source) is None:
            try:
                return self._expanded(read_listing(path.read_bytes()).entries)
            except OSError as error:
                self._listing_failed(source, f"cannot read: {error.strerror or error}")
            except NotAListing as error:
                self._listing_failed(source, str(error))
            return []
        began = time.perf_counter()
        try:
            fetched = self.fetcher.get(source, None if as_line else self._validators(source))
        except FetchFailed as error:
            if as_line:  # a page, as likely as a feed: said of it as an item
                self.report.listings -= 1
                return [Entry(url=source, problem=str(error))]
            self._listing_failed(source, str(error))
            return []
        finally:
            self.timed("fetch_seconds", began)
        if fetched.not_modified:
            self.report.listings_unchanged += 1
            return []
        try:
            listing = read_listing(fetched.body, fetched.url)
        except NotAListing as error:
            if as_line or fetched.media_type in HTML_TYPES:  # a page's address: the page itself, read once
                self.report.listings -= 1
                self.prefetched[source] = fetched
                return [Entry(url=source)]
            self._listing_failed(source, str(error))
            return []
        self.listing_validators.append((source, fetched.validators))
        return self._expanded(listing.entries)

    def _expanded(self, entries: Sequence[Entry]) -> list[Entry]:
        """A listing's entries, each line of an address list replaced by what it is: a feed's or
        sitemap's entries, or the page itself (fetched once, kept for reading)."""
        return [e for e in entries if e.listing is not None] + \
            [entry for line in entries if line.listing is None for entry in self._listing(line.url, as_line=True)]

    def _validators(self, url: str) -> Validators | None:
        with self.lock:
            return self.memory.validators(url)

    def _listing_failed(self, source: str, reason: str) -> None:
        self.report.listings_failed += 1
        self.skip(source, reason)

    # -- items -------------------------------------------------------------------------------

    def items(self, entries: list[Entry]) -> None:
        import trafilatura  # noqa: F401 - imported once here, so no reading thread's time is the import's
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="newsdex-fetch") as pool:
            for start in range(0, len(entries), BATCH):
                pages = list(pool.map(self._read, entries[start:start + BATCH]))
                self._store(pages)
        if self.report.failed == 0 and self.listing_validators:
            # Listings are remembered only when every item they gave is in: otherwise the next
            # run asks for them whole, so that a page that failed is tried again.
            self.memory.remember((url, v, None) for url, v in self.listing_validators)

    def _read(self, entry: Entry) -> _Page:
        page = _Page(entry)
        if entry.problem is not None:  # a line of an address list that could not be fetched
            page.problem = entry.problem
            return page
        if entry.html is not None:
            began = time.perf_counter()
            page.article, page.problem = _article(entry, _full_text_page(entry), entry.url)
            self.timed("extract_seconds", began)
            if page.article is not None:
                return page
        began = time.perf_counter()
        try:
            page.fetched = self.prefetched.pop(entry.url, None) or self.fetcher.get(entry.url,
                                                                                   self._validators(entry.url))
        except FetchFailed as error:
            page.problem = str(error)
            return page
        finally:
            self.timed("fetch_seconds", began)
        if page.fetched.not_modified:
            return page
        if page.fetched.media_type not in HTML_TYPES:
            page.problem = f"not an HTML page ({page.fetched.media_type or 'no content type'})"
            return page
        began = time.perf_counter()
        page.article, page.problem = _article(entry, _decode(page.fetched), page.fetched.url)
        self.timed("extract_seconds", began)
        return page

    def _store(self, pages: list[_Page]) -> None:
        """Upsert a batch's articles in one build, then remember its addresses."""
        articles: dict[str, Article] = {}
        remembered = []
        for page in pages:
            if page.problem is not None and page.article is None:
                self.report.failed += 1
                self.skip(page.entry.url, page.problem)
            elif page.article is None:  # 304: as it was
                self.report.unchanged += 1
            elif page.article.id in articles:  # two addresses, one canonical article
                self.report.unchanged += 1
            else:
                articles[page.article.id] = page.article
            if page.article is not None and page.fetched is not None:
                remembered.append((page.entry.url, page.fetched.validators, page.article.id))
            if self.on_item:
                self.on_item(self.report)
        began = time.perf_counter()
        built = self.indexer.upsert(articles.values())
        self.report.embed_seconds += time.perf_counter() - began
        self.report.new += built.added
        self.report.updated += built.updated
        self.report.unchanged += built.unchanged
        self.report.passages_embedded += built.passages_embedded
        self.report.articles = built.articles
        self.memory.remember(remembered)


def _decode(fetched: Fetched) -> str:
    """A page's bytes as text: the charset its server names, else trafilatura's guess."""
    if fetched.charset:
        try:
            return fetched.body.decode(fetched.charset, errors="replace")
        except LookupError:  # an unknown charset name
            pass
    from trafilatura.utils import decode_file

    return decode_file(fetched.body)


def _full_text_page(entry: Entry) -> str:
    """A feed item's full text as the page trafilatura reads: its title, then its HTML."""
    title = escape(entry.title or "")
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{entry.html}</article>"
            "</body></html>")


def _article(entry: Entry, html: str, fetched_url: str) -> tuple[Article | None, str | None]:
    """The article in a page (or a feed item's full text), its id its canonical address; else why not."""
    try:
        found = article_from_html(html, article_id=fetched_url, origin=WEB_ORIGIN)
    except BadArticle as error:
        return None, str(error)
    canonical = web_url(found.url) or fetched_url
    article_id = canonical_url(canonical)
    return dataclasses.replace(
        found, id=article_id, url=canonical,
        title=found.title if found.title and found.title != found.paragraphs[0] else (entry.title or found.title),
        published=found.published or normalise_date(entry.published),
        author=found.author or entry.author, source=found.source or entry.source), None

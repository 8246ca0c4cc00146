"""Incremental index builds: what changed since the live build is embedded, nothing else.

`Indexer` is the indexing half of the Python API (`Searcher` is the other). An article is
keyed by its id and compared by content hash. New and changed articles are split and
embedded; unchanged ones keep their vectors; articles whose file is gone (or whose record
left a file that was read in full) are removed. Every change produces a new build that
replaces the live one atomically (index.builds), so a failed or interrupted one changes
nothing.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from newsdex.errors import BadArticle, IndexIncompatible, IndexNotFound, IndexShrink
from newsdex.index.analysis import Analysed, Analyser, Loaded, PlacedStatement
from newsdex.index.articles import Article, Skipped, article_files, article_from_record, file_ids, load_articles
from newsdex.index.embedder import Embedder, TextEmbedder
from newsdex.index.manifest import Manifest
from newsdex.index.stores import Writer, live_int8_config, open_store, open_writer
from newsdex.settings import Settings

# The origin of articles given directly (over HTTP, or to Indexer.upsert) rather than read
# from a file: no file holds them, so a rebuild carries them over.
API_ORIGIN = "api"
# The origin of articles fetched from the web (`newsdex ingest`, index.ingest): like those given
# directly, no file holds them, so a build never removes them and a rebuild carries them over.
WEB_ORIGIN = "web"
GIVEN_ORIGINS = (API_ORIGIN, WEB_ORIGIN)
# A rebuild that would remove more than this share of the live index's articles must be confirmed.
SHRINK_SHARE = 0.5

# Passages are embedded in chunks of this many so memory stays flat on large corpora, and
# small enough that the model is busy with one chunk while the next is read and the last
# written from a build's first articles on (each chunk still fills the model's batches).
_CHUNK = 256


@dataclass
class BuildReport:
    index_dir: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    passages_embedded: int = 0
    seconds: float = 0.0
    articles: int = 0
    passages: int = 0
    api_articles_kept: int = 0  # rebuilds: articles given directly (no file holds them), re-embedded into the new build

    @property
    def passages_per_second(self) -> float:
        return self.passages_embedded / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped; "
            f"{self.passages_embedded} passages embedded in {self.seconds:.1f}s "
            f"({self.passages_per_second:.0f} passages/s); "
            f"index: {self.articles} articles, {self.passages} passages"
        )


def repeated_ids(articles: Sequence[Article]) -> list[tuple[int, str]]:
    """(position, id) of each article whose id an article before it has: one change cannot
    hold two versions of an article (which should win?)."""
    seen: set[str] = set()
    repeated = []
    for number, article in enumerate(articles):
        if article.id in seen:
            repeated.append((number, article.id))
        seen.add(article.id)
    return repeated


class Indexer:
    """Changes to the index at settings.index_dir, each one new build swapped in whole.

    Holds what every change needs: the settings, the model, and the manifest (how passages
    are cut and embedded) that the live build must share. Without an `embedder`, the model
    the settings name is loaded, quantized like the live build when it is onnx-int8.
    """

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None, *,
                 lock_timeout: float | None = None) -> None:
        """`lock_timeout`: how long a change waits for another build's write lock before
        IndexBusy (None: as long as it takes, as the CLI does; a server gives a bound)."""
        if embedder is None:
            embedder = Embedder.from_settings(settings, live_int8_config(settings))
        self.settings = settings
        self.embedder = embedder
        self.lock_timeout = lock_timeout
        self.analyser = Analyser(settings, embedder)
        self.manifest = Manifest(
            model=embedder.name,
            dimension=embedder.dimension,
            max_seq_length=embedder.max_seq_length,
            passage_tokens=self.analyser.passage_budget,
            title_tokens=settings.title_tokens,
            overlap_sentences=settings.overlap_sentences,
            backend=embedder.backend,
            int8_config=embedder.int8_config,
        )

    # -- the three changes -----------------------------------------------------------------

    def build(self, sources: Iterable[Path | str], *, rebuild: bool = False, progress: bool = False,
              on_skip: Callable[[Skipped], None] | None = None,
              confirm_shrink: Callable[[int, int], bool] | None = None) -> BuildReport:
        """Bring the index in line with the articles in `sources` (files and folders).

        With `rebuild`, start from nothing (articles given directly are carried over).
        Unreadable files and records are skipped, reported in the report and to `on_skip`.
        Articles stream from the loader to the model a chunk at a time; what is kept of
        every article until the end is its id and file, to decide which old ones to remove.
        A file keeps the id the live index has for it (index.articles.file_ids), so naming it
        alone or through its folder changes nothing.

        `confirm_shrink(going, live)`: asked when a rebuild would remove more than half of the
        live index's articles; False (or raising) keeps the index unchanged (IndexShrink). Without
        it, such a rebuild goes ahead, as the Python API always has.
        """
        began = time.perf_counter()
        paths = [Path(s) for s in sources]
        report = BuildReport(index_dir=str(self.settings.index_dir))
        with self._writer(rebuild=rebuild) as writer:
            # Read under the writer's lock: a write that committed while this build waited
            # for the lock is in the live build now, and none can commit until this one does.
            carried = self._api_articles() if rebuild else []
            known = writer.known_articles()
            live = self._live_origins() if rebuild else {i: origin for i, (_, origin) in known.items()}
            seen: set[str] = set()
            origins: set[str] = set()  # files that gave an article
            partly_read: set[str] = set()  # files with a part skipped: their missing records may be unreadable

            def take(article: Article, analysed: Analysed | None) -> None:
                seen.add(article.id)
                if article.origin is not None:
                    origins.add(article.origin)
                previous = known.get(article.id)
                if previous is None:
                    report.added += 1
                elif previous[0] != article.content_hash:
                    report.updated += 1
                else:
                    report.unchanged += 1
                    return
                if analysed is None:
                    embedding.add(article)
                else:
                    embedding.put(analysed)

            total = expected_articles(paths, self.settings) + len(carried) if progress else None
            with _Embedding(self, writer, progress, total=total) as embedding:
                for given, item, analysed in self._articles(paths, carried, known, file_ids(live)):
                    embedding.tick()
                    if isinstance(item, Skipped):
                        report.skipped.append(item)
                        partly_read.add(_origin_of(item))
                        if on_skip:
                            on_skip(item)
                    elif not given:
                        take(item, analysed)
                    elif item.id not in seen:  # an article given directly that no file holds now
                        report.api_articles_kept += 1
                        take(item, analysed)
            report.passages_embedded = embedding.embedded
            if rebuild and not seen and self._live_article_count():
                # Every file unreadable, or a wrong folder: a rebuild would empty a live index
                # that searches are answered from. Refused; nothing is swapped in.
                raise BadArticle(f"nothing readable in {', '.join(map(str, paths))} "
                                 f"({len(report.skipped)} skipped): a rebuild would empty the index, "
                                 "so it is unchanged")
            if rebuild and live:
                going = sum(1 for article_id in live if article_id not in seen)
                if going > SHRINK_SHARE * len(live) and confirm_shrink is not None \
                        and not confirm_shrink(going, len(live)):
                    raise IndexShrink(f"the rebuild would remove {going} of the index's {len(live)} articles "
                                      f"(keeping {len(live) - going}); the index is unchanged. "
                                      "Pass --force to rebuild anyway")

            fully_read = origins - partly_read
            for article_id, (_, origin) in known.items():
                if article_id in seen or not origin or origin in GIVEN_ORIGINS:
                    continue
                if not Path(origin).exists() or origin in fully_read:
                    writer.remove_article(article_id)
                    report.removed += 1
            self._commit(writer, report)
        report.seconds = time.perf_counter() - began
        return report

    def upsert(self, articles: Iterable[Article | dict[str, Any]]) -> BuildReport:
        """Add articles, or replace those whose id is indexed, in one new build; only changed
        ones are embedded. A dict is a record like a JSON article (`id`, `text`, optional
        `title`, `published`, `source`, `url`, `author`, `subtitle`), cleaned like one.
        Articles given here are in no file, so `build` never removes them and a rebuild keeps them.
        """
        began = time.perf_counter()
        given = [self._given(item) for item in articles]
        for _, article_id in repeated_ids(given)[:1]:
            raise BadArticle(f"id {article_id!r} appears twice (nothing was written)")
        report = BuildReport(index_dir=str(self.settings.index_dir))
        with self._writer() as writer:
            known = writer.known_articles()
            todo = []
            for article in given:
                previous = known.get(article.id)
                if previous is not None and previous[0] == article.content_hash:
                    report.unchanged += 1
                    continue
                report.added += previous is None
                report.updated += previous is not None
                todo.append(article)
            report.passages_embedded = self._write(writer, todo)
            self._commit(writer, report)
        report.seconds = time.perf_counter() - began
        return report

    def delete(self, article_ids: Iterable[str]) -> BuildReport:
        """Remove articles by id in one new build; an unknown id is ArticleNotFound and changes nothing."""
        began = time.perf_counter()
        report = BuildReport(index_dir=str(self.settings.index_dir))
        with self._writer() as writer:
            for article_id in article_ids:
                writer.remove_article(article_id)
                report.removed += 1
            self._commit(writer, report)
        report.seconds = time.perf_counter() - began
        return report

    # -- internals -------------------------------------------------------------------------

    def _articles(self, paths: Sequence[Path], carried: Sequence[Article],
                  known: dict[str, tuple[str, str | None]], ids: dict[str, str]) -> Iterator[Loaded]:
        """(given directly?, article or skip, the article analysed already or None), in load
        order: read here and analysed by the caller, or read and analysed by Ray workers."""
        if self.settings.engine == "ray":
            from newsdex.index.engine import ray_articles

            yield from ray_articles(self.settings, self.embedder.int8_config, paths, carried, known, ids)
            return
        for item in load_articles(paths, follow_links=self.settings.follow_links, root=self.settings.root, ids=ids):
            yield False, item, None
        for article in carried:
            yield True, article, None

    def _writer(self, *, rebuild: bool = False) -> Writer:
        """A change to the index of the store the settings name, made the way they say."""
        return open_writer(self.settings, self.manifest, rebuild=rebuild, lock_timeout=self.lock_timeout)

    def _commit(self, writer: Writer, report: BuildReport) -> None:
        report.articles, report.passages = writer.counts()
        writer.commit()

    def _write(self, writer: Writer, articles: Sequence[Article], *, progress: bool = False) -> int:
        """Split, embed and store `articles` in the writer's build; returns passages embedded."""
        with _Embedding(self, writer, progress) as embedding:
            for article in articles:
                embedding.add(article)
        return embedding.embedded

    def _live_article_count(self) -> int:
        try:
            with open_store(self.settings) as store:
                return store.article_count()
        except (IndexNotFound, IndexIncompatible):
            return 0

    def _api_articles(self) -> list[Article]:
        """Articles given directly or fetched: no file holds them, so a rebuild must carry them over."""
        try:
            with open_store(self.settings) as store:
                return [row.article() for origin in GIVEN_ORIGINS for row in store.articles_from(origin)]
        except (IndexNotFound, IndexIncompatible):
            return []

    def _live_origins(self) -> dict[str, str | None]:
        """id -> origin of every article in the live index (read a page at a time)."""
        found: dict[str, str | None] = {}
        try:
            with open_store(self.settings) as store:
                while page := store.articles(limit=1000, offset=len(found)):
                    found.update((row.id, row.origin) for row in page)
        except (IndexNotFound, IndexIncompatible):
            pass
        return found

    @staticmethod
    def _given(item: Article | dict[str, Any]) -> Article:
        if isinstance(item, Article):
            return item if item.origin else dataclasses.replace(item, origin=API_ORIGIN)
        return article_from_record(item, origin=API_ORIGIN, as_given=True)


def expected_articles(paths: Sequence[Path], settings: Settings) -> int:
    """How many articles the files under `paths` hold, for a progress bar's total, without
    reading them: one a file, the lines of a .jsonl file (counted in blocks)."""
    total = 0
    for found in article_files(paths, follow_links=settings.follow_links, root=settings.root):
        if isinstance(found, Skipped):
            continue
        path = found[0]
        if path.suffix.lower() != ".jsonl":
            total += 1
            continue
        try:
            with path.open("rb") as lines:
                total += sum(block.count(b"\n") for block in iter(lambda: lines.read(1 << 20), b""))
        except OSError:
            total += 1  # unreadable: skipped when read, with its reason
    return total


def _origin_of(skipped: Skipped) -> str:
    """The file a skipped record came from ("a.jsonl:12" -> "a.jsonl")."""
    head, sep, tail = skipped.path.rpartition(":")
    path = Path(head if sep and tail.isdigit() else skipped.path)
    try:
        return str(path.resolve())
    except RuntimeError:  # a symlink loop (Python 3.11): it names no file an article came from
        return str(path)


class _Embedding:
    """Articles waiting for the model, embedded and stored once they fill a chunk, so memory
    holds a few chunks of text however many articles a build reads. The model runs in a
    thread of its own (ONNX Runtime and torch release the GIL), one chunk queued behind the
    one it encodes, while this thread reads, splits, places statements and writes: the
    model waits for none of it. Leaving the block embeds and stores what is still waiting
    (unless it is left by an error: then nothing more is stored, and the build is dropped)."""

    def __init__(self, indexer: Indexer, writer: Writer, progress: bool, total: int | None = None) -> None:
        self.indexer, self.writer = indexer, writer
        self.waiting: list[tuple[Article, list[str]]] = []
        self.size = 0
        self.embedded = 0
        self.began = time.perf_counter()
        self.model = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdex-model")
        self.running: deque[_Chunk] = deque()
        # A build's bar moves per article read, out of those its files hold (tick); passages/s beside it.
        self.per_article = total is not None
        self.bar = tqdm(desc="indexing" if self.per_article else "embedding",
                        unit="article" if self.per_article else "passage", total=total, disable=not progress)

    def tick(self) -> None:
        """One article (or skipped record) read."""
        if self.bar.total is not None and self.bar.n >= self.bar.total:
            self.bar.total = self.bar.n + 1  # a .json array holds more than its one counted article
        self.bar.update(1)

    def _embedded(self, passages: int) -> None:
        self.embedded += passages
        if self.per_article:
            rate = self.embedded / max(time.perf_counter() - self.began, 1e-9)
            self.bar.set_postfix_str(f"{self.embedded} passages, {rate:.1f} passages/s", refresh=False)
        else:
            self.bar.update(passages)

    def __enter__(self) -> _Embedding:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.flush()
                while self.running:
                    self._store(self.running.popleft())
                if self.per_article and self.bar.total is not None and self.bar.n < self.bar.total:
                    self.bar.total = self.bar.n  # blank lines counted as articles: the bar ends full
                    self.bar.refresh()
        finally:
            # After an error, chunks not started are dropped and the one running is let finish.
            self.model.shutdown(wait=True, cancel_futures=True)
            self.bar.close()

    def add(self, article: Article) -> None:
        passages = self.indexer.analyser.passages_for(article)
        self.waiting.append((article, passages))
        self.size += len(passages)
        if self.size >= _CHUNK:
            self.flush()

    def put(self, analysed: Analysed) -> None:
        """Store an article analysed elsewhere (a Ray worker) as one analysed here is."""
        self.writer.put_article(analysed)
        self._embedded(len(analysed.passages))

    def flush(self) -> None:
        """Hand the waiting articles' passages to the model and place their statements while
        it runs; store the chunk before it once the model is done with it."""
        if not self.waiting:
            return
        analyser = self.indexer.analyser
        articles = [article for article, _ in self.waiting]
        passages = [texts for _, texts in self.waiting]
        vectors = self.model.submit(analyser.embed, articles, passages)
        self.running.append(_Chunk(articles, passages, analyser.statements(articles, passages), vectors))
        self.waiting, self.size = [], 0
        while len(self.running) > 1:  # the newest waits its turn behind the one the model runs
            self._store(self.running.popleft())

    def _store(self, chunk: _Chunk) -> None:
        vectors, kept = chunk.vectors.result()
        for analysed in self.indexer.analyser.assemble(chunk.articles, chunk.passages, vectors, kept,
                                                       chunk.statements):
            self.writer.put_article(analysed)
        self._embedded(sum(len(texts) for texts in chunk.passages))


@dataclass
class _Chunk:
    """Articles the model is embedding, with what was made of them meanwhile."""

    articles: list[Article]
    passages: list[list[str]]
    statements: list[list[PlacedStatement]]
    vectors: Future

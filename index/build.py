"""Incremental index builds: what changed since the live build is embedded, nothing else.

An article is keyed by its id and compared by content hash. New and changed articles are
split and embedded; unchanged ones keep their vectors; articles whose file is gone (or
whose record left a file that was read in full) are removed. Every run produces a new
build that replaces the live one atomically (see index.store).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from tqdm import tqdm

from newsdex.index.articles import Article, Skipped, load_articles
from newsdex.index.embedder import Embedder
from newsdex.index.passages import dedupe_passages, split_passages
from newsdex.settings import Settings
from newsdex.errors import IndexIncompatible, IndexNotFound
from newsdex.index.store import ArticleRow, IndexStore, IndexWriter, Manifest
from newsdex.index.vectors import VectorSpec

API_ORIGIN = "api"

# Passages are embedded in chunks of this many so memory stays flat on large corpora.
_CHUNK = 1024


@dataclass
class BuildReport:
    index_dir: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    passages_embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0
    articles: int = 0
    passages: int = 0
    api_articles_kept: int = 0  # rebuilds: articles posted over the API, re-embedded into the new build

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


def passage_budget(embedder: Embedder, settings: Settings) -> int:
    """Tokens a passage may have so that title + passage fit the model's window untruncated."""
    room = embedder.max_seq_length - 2 - settings.title_tokens - 1  # [CLS] [SEP] and the title break
    return max(16, min(settings.passage_tokens, room))


def manifest_for(embedder: Embedder, settings: Settings) -> Manifest:
    return Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        max_seq_length=embedder.max_seq_length,
        passage_tokens=passage_budget(embedder, settings),
        title_tokens=settings.title_tokens,
        overlap_sentences=settings.overlap_sentences,
        backend=embedder.backend,
        int8_config=embedder.int8_config,
    )


def _writer(settings: Settings, embedder: Embedder, *, rebuild: bool = False) -> IndexWriter:
    """A new build of the index the settings name, made the way they say."""
    return IndexWriter(settings.index_dir, manifest_for(embedder, settings), rebuild=rebuild,
                       spec=VectorSpec.from_settings(settings))


def passages_for(article: Article, embedder: Embedder, settings: Settings) -> list[str]:
    """The article's passages as users will read them: its own words, within budget."""
    budget = passage_budget(embedder, settings)
    passages = split_passages(article.paragraphs, embedder.count_tokens, budget, settings.overlap_sentences,
                              additive=embedder.tokens_add_up)
    return dedupe_passages(passages)


def embedding_inputs(article: Article, passages: Sequence[str], embedder: Embedder, settings: Settings) -> list[str]:
    """What the model reads for each passage: the title first, so "he said" knows whose article it is."""
    if settings.title_tokens == 0 or not article.title:
        return list(passages)
    title = embedder.truncate(article.title, settings.title_tokens)
    return [f"{title}\n{passage}" for passage in passages]


def _origin_of(skipped: Skipped) -> str:
    """The file a skipped record came from ("a.jsonl:12" -> "a.jsonl")."""
    head, sep, tail = skipped.path.rpartition(":")
    path = Path(head if sep and tail.isdigit() else skipped.path)
    try:
        return str(path.resolve())
    except RuntimeError:  # a symlink loop (Python 3.11): it names no file an article came from
        return str(path)


def _article_of(row: ArticleRow) -> Article:
    return Article(id=row.id, title=row.title, paragraphs=tuple(row.text.split("\n\n")), subtitle=row.subtitle,
                   author=row.author, dateline=row.dateline, source=row.source, published=row.published,
                   url=row.url, origin=row.origin)


def api_articles(index_dir: Path) -> list[Article]:
    """Articles posted over the HTTP API: no file holds them, so a rebuild must carry them over."""
    try:
        store = IndexStore.open(index_dir)
    except (IndexNotFound, IndexIncompatible):
        return []
    try:
        return [_article_of(row) for row in store.articles_from(API_ORIGIN)]
    finally:
        store.close()


def write_articles(writer: IndexWriter, articles: Sequence[Article], embedder: Embedder, settings: Settings,
                   *, progress: bool = False) -> int:
    """Split, embed and store `articles` in the writer's build; returns passages embedded."""
    planned = [(a, passages_for(a, embedder, settings)) for a in tqdm(
        articles, desc="splitting", unit="article", disable=not progress or len(articles) < 50, leave=False)]
    total = sum(len(p) for _, p in planned)
    bar = tqdm(total=total, desc="embedding", unit="passage", disable=not progress)
    try:
        start = 0
        while start < len(planned):
            chunk, size = [], 0
            while start < len(planned) and (size < _CHUNK or not chunk):
                chunk.append(planned[start])
                size += len(planned[start][1])
                start += 1
            _embed_chunk(writer, chunk, embedder, settings)
            bar.update(size)
    finally:
        bar.close()
    return total


def _embed_chunk(writer: IndexWriter, chunk: Sequence[tuple[Article, list[str]]], embedder: Embedder,
                 settings: Settings) -> None:
    """One model call for the passages of a few articles, then each article stored with its vectors."""
    inputs = [text for a, p in chunk for text in embedding_inputs(a, p, embedder, settings)]
    vectors = embedder.encode(inputs)
    offset = 0
    for article, passages in chunk:
        writer.put_article(article, passages, vectors[offset:offset + len(passages)])
        offset += len(passages)


class _Embedding:
    """Articles waiting for the model, embedded and stored once they fill a chunk, so memory
    holds one chunk of text however many articles a build reads."""

    def __init__(self, writer: IndexWriter, embedder: Embedder, settings: Settings, progress: bool) -> None:
        self.writer, self.embedder, self.settings = writer, embedder, settings
        self.waiting: list[tuple[Article, list[str]]] = []
        self.size = 0
        self.embedded = 0
        self.seconds = 0.0
        self.bar = tqdm(desc="embedding", unit="passage", disable=not progress)

    def add(self, article: Article) -> None:
        began = time.perf_counter()
        passages = passages_for(article, self.embedder, self.settings)
        self.waiting.append((article, passages))
        self.size += len(passages)
        self.seconds += time.perf_counter() - began
        if self.size >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.waiting:
            return
        began = time.perf_counter()
        _embed_chunk(self.writer, self.waiting, self.embedder, self.settings)
        self.embedded += self.size
        self.bar.update(self.size)
        self.waiting, self.size = [], 0
        self.seconds += time.perf_counter() - began

    def close(self) -> None:
        self.bar.close()


def build_index(sources: Iterable[Path], settings: Settings, embedder: Embedder, *, rebuild: bool = False,
                progress: bool = False, on_skip: Callable[[Skipped], None] | None = None) -> BuildReport:
    """Bring the index at settings.index_dir in line with the articles under `sources`.

    Articles stream from the loader to the model a chunk at a time; what is kept of every
    article until the end is its id and file, to decide which old articles to remove.
    """
    began = time.perf_counter()
    report = BuildReport(index_dir=str(settings.index_dir))
    # Read before the new build exists: the live one is the only place they are kept.
    carried = api_articles(settings.index_dir) if rebuild else []

    with _writer(settings, embedder, rebuild=rebuild) as writer:
        known = writer.known_articles()
        seen: set[str] = set()
        origins: set[str] = set()  # files that gave an article
        partly_read: set[str] = set()  # files with a part skipped: their missing records may just be unreadable
        embedding = _Embedding(writer, embedder, settings, progress)

        def take(article: Article) -> None:
            seen.add(article.id)
            origins.add(article.origin)
            previous = known.get(article.id)
            if previous is None:
                report.added += 1
            elif previous[0] != article.content_hash:
                report.updated += 1
            else:
                report.unchanged += 1
                return
            embedding.add(article)

        try:
            for item in load_articles([Path(s) for s in sources], follow_links=settings.follow_links):
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                    partly_read.add(_origin_of(item))
                    if on_skip:
                        on_skip(item)
                else:
                    take(item)
            for article in carried:
                if article.id not in seen:
                    report.api_articles_kept += 1
                    take(article)
            embedding.flush()
        finally:
            embedding.close()
        report.passages_embedded, report.embed_seconds = embedding.embedded, embedding.seconds

        fully_read = origins - partly_read
        for article_id, (_, origin) in known.items():
            if article_id in seen or not origin or origin == API_ORIGIN:
                continue
            if not Path(origin).exists() or origin in fully_read:
                writer.remove_article(article_id)
                report.removed += 1
        writer.commit()

    store = IndexStore.open(settings.index_dir)
    stats = store.stats()
    store.close()
    report.articles, report.passages = stats.articles, stats.passages
    report.seconds = time.perf_counter() - began
    return report


def upsert_articles(articles: Sequence[Article], settings: Settings, embedder: Embedder) -> BuildReport:
    """Add or replace articles given directly (the HTTP API), in one new build."""
    began = time.perf_counter()
    report = BuildReport(index_dir=str(settings.index_dir))
    with _writer(settings, embedder) as writer:
        known = writer.known_articles()
        todo = []
        for article in articles:
            previous = known.get(article.id)
            if previous is not None and previous[0] == article.content_hash:
                report.unchanged += 1
                continue
            report.added += previous is None
            report.updated += previous is not None
            todo.append(article)
        report.passages_embedded = write_articles(writer, todo, embedder, settings)
        writer.commit()
    report.seconds = time.perf_counter() - began
    return report


def delete_articles(article_ids: Sequence[str], settings: Settings, embedder: Embedder) -> BuildReport:
    """Remove articles by id in one new build; an unknown id is an error and changes nothing."""
    report = BuildReport(index_dir=str(settings.index_dir))
    with _writer(settings, embedder) as writer:
        for article_id in article_ids:
            writer.remove_article(article_id)
            report.removed += 1
        writer.commit()
    return report

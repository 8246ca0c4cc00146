"""The Milvus store: a build as Milvus collections, read through the same Store seam as the
embedded store (index.stores) and written with the same calls as index.writer, so the
Indexer, the Searcher and the API never know which one they have. The only code that talks
to Milvus.

A build is four collections sharing one name, `{alias}_{build}`:
- `{alias}_{build}`: a row per passage: its vector, text and BM25 terms, and the article's
  fields that filters and results need; the manifest is a property of this collection;
- `..._articles`: the articles, their text cut into parts (a VARCHAR holds 64 KB);
- `..._statements`: who said what (index.statements);
- `..._article_terms`: each article's BM25 terms as one document (whole-article BM25, fused
  in when results are grouped per article); an article of more terms than a VARCHAR holds
  (about 3,800) is cut into several documents, the article scored by its best one.
Milvus refuses a collection without a vector field, so the last three carry a 2-d placeholder.
A build made before the last collection existed gets it, filled from its articles, at its
next update.

The alias (settings.milvus_collection) names the live passages collection. `--rebuild` fills
new collections and then moves the alias in one call, so searches never see a half-built
index. An incremental build keeps its changes in memory and applies them in place at
commit: deletes first, then passages, statements and article terms, then the article rows, whose content
hash is what tells the next build an article is done. A commit cut short therefore leaves
articles the next build sees as changed and writes again; passage ids are deterministic
(article id and position), so writing them again is an upsert, never a duplicate.

BM25 must rank as the embedded store's does, and Milvus's analyzers are not tantivy's. So
passages and questions are analysed here, by index.bm25's own analyzers, and each (field,
term) is stored as a 16-letter code in a text field whose BM25 function Milvus runs with
tantivy's k1 and b. Letters only, so any Milvus tokenizer keeps a code whole. The corpus
statistics then match tantivy's (N counts every passage, df the passages with the term in
that language's field); tantivy's one-byte length buckets differ, and its average length is
per language field where this store has one. The BM25 parameters reach Milvus Lite only in
the form `_index_params` writes. docs/scale.md has the measured agreement.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import hashlib
import itertools
import json
import logging
import os
import secrets
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr

from newsdex.errors import ArticleNotFound, IndexIncompatible, IndexNotFound, NewsdexError, StoreUnavailable
from newsdex.index.analysis import Analysed
from newsdex.index.articles import Article
from newsdex.index.bm25 import passage_terms, question_terms
from newsdex.index.builds import MILVUS_LITE, WriteLock, storage_errors
from newsdex.index.manifest import Manifest, check_format, incompatibility
from newsdex.index.rows import ArticleRow, ArticleWithPassages, IndexStats, PassageRow, SpeakerRow, StatementRow
from newsdex.index.sentences import SentenceVectors, pack, unpack
from newsdex.index.stores import NO_FILTERS, Filters
from newsdex.settings import Settings

log = logging.getLogger(__name__)

MANIFEST_PROPERTY = "newsdex.manifest"
VERSION_PROPERTY = "newsdex.version"  # changes with every commit: a server's cue to reopen
ARTICLES_SUFFIX = "_articles"
STATEMENTS_SUFFIX = "_statements"
ARTICLE_TERMS_SUFFIX = "_article_terms"
PLACEHOLDER_DIM = 2
VARCHAR_BYTES = 65_535
TEXT_PART_CHARS = 16_000  # 16,000 characters of any script fit a VARCHAR's 65,535 bytes
ID_CHARS = 2_048
WRITE_BATCH = 512  # rows per upsert call
READ_BATCH = 1_000  # rows per page when a read walks a collection
CODES_PER_DOCUMENT = 3_800  # 17 bytes a code with its space: 64,600 of a VARCHAR's 65,535
LITE_LOCK = "LOCK"  # the file Milvus Lite flocks inside a .db folder while a process has it open
LITE_WAIT_SECONDS = 5.0  # how long to wait for a Lite file another process has open (_client)
LITE_POLL_SECONDS = 0.1
BM25_PARAMS = {"bm25_k1": 1.2, "bm25_b": 0.75}  # tantivy's (index.bm25)
# Search parameters per index type, near FAISS's defaults here (index.vectors).
SEARCH_PARAMS = {"HNSW": {"ef": 128}, "HNSW_SQ": {"ef": 128}, "IVF_FLAT": {"nprobe": 16}, "IVF_SQ8": {"nprobe": 16},
                 "IVF_PQ": {"nprobe": 16}, "DISKANN": {"search_list": 128}}
BUILD_PARAMS = {"HNSW": {"M": 32, "efConstruction": 200}, "HNSW_SQ": {"M": 32, "efConstruction": 200}}


@dataclass(frozen=True)
class MilvusSettings:
    """What this store reads of the settings, as one group: Settings' milvus_* fields
    (NEWSDEX_MILVUS_*, Settings.group("milvus")), and index_dir, which holds the write lock and
    Milvus Lite's file when no URI is set. A new milvus_* setting is a field here too."""

    uri: str | None
    token: SecretStr | None
    collection: str
    index: str
    index_dir: Path

    @classmethod
    def of(cls, settings: Settings) -> MilvusSettings:
        return cls(**settings.group("milvus"), index_dir=settings.index_dir)

    @property
    def target(self) -> str:
        """The Milvus URI in use: the setting, or a Milvus Lite file inside index_dir."""
        return self.uri or str(self.index_dir / MILVUS_LITE)

    @property
    def location(self) -> str:
        """The index as messages name it (index.stores.StoreKind.location)."""
        return f"{self.target} (collection {self.collection})"


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _hash63(*parts: object) -> int:
    """A deterministic, non-negative 64-bit id (INT64) for these parts."""
    digest = hashlib.blake2b("\x00".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def passage_id(article_id: str, position: int) -> int:
    """A passage's id: the same for the same article and position in every build and every retry."""
    return _hash63("p", article_id, position)


def term_code(field: str, term: str) -> str:
    """A BM25 term of one field, as 16 letters any Milvus tokenizer keeps whole."""
    return hashlib.blake2b(f"{field}\x00{term}".encode(), digest_size=8).hexdigest().translate(_LETTERS)


def term_codes(field: str, terms: Sequence[str]) -> str:
    """A passage's BM25 terms (index.analysis) as the codes its document holds."""
    return " ".join(term_code(field, term) for term in terms)


def article_code_parts(field: str, terms: Sequence[str]) -> list[str]:
    """A whole article's BM25 codes, in as few documents as VARCHARs hold ([] for no terms)."""
    codes = [term_code(field, term) for term in terms]
    return [" ".join(codes[i:i + CODES_PER_DOCUMENT]) for i in range(0, len(codes), CODES_PER_DOCUMENT)]


def question_codes(words: Sequence[str]) -> str:
    return " ".join(term_code(field, term) for field, terms in question_terms(words).items() for term in terms)


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


def _fits(value: str, limit: int = VARCHAR_BYTES) -> bool:
    return len(value.encode("utf-8", "surrogatepass")) <= limit


def _pack_sentences(item: SentenceVectors | None) -> str:
    """A passage's sentence spans and vectors in one VARCHAR ("" for none, or too many to fit:
    highlights then embed them at question time, as for builds made without them)."""
    if item is None:
        return ""
    spans, vectors = pack(item)
    text = base64.b64encode(struct.pack("<I", len(spans)) + spans + vectors).decode()
    return text if len(text) <= VARCHAR_BYTES else ""


def _unpack_sentences(text: str, dimension: int) -> SentenceVectors:
    raw = base64.b64decode(text)
    (length,) = struct.unpack_from("<I", raw)
    return unpack(raw[4:4 + length], raw[4 + length:], dimension)


# -- connecting ---------------------------------------------------------------------------


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise StoreUnavailable("the Milvus store needs the scale extra: pip install 'newsdex[scale]'") from None
    # pymilvus logs each failed call (a missing alias is one) and each Milvus Lite iterator; the
    # errors it raises say the same to the caller, which turns them into messages.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    return pymilvus


def _is_lite(uri: str) -> bool:
    """A file URI is Milvus Lite, served in this process; anything with a scheme is a server."""
    return "://" not in uri


def connect(settings: Settings | MilvusSettings):
    """A client for the Milvus the settings name, made once per process and URI."""
    config = settings if isinstance(settings, MilvusSettings) else MilvusSettings.of(settings)
    uri = config.target
    if _is_lite(uri):
        if not uri.endswith(".db"):
            raise StoreUnavailable(f"NEWSDEX_MILVUS_URI {uri!r}: a Milvus Lite file must end in .db "
                                   "(or give http://host:19530 for a server)")
        path = Path(uri).expanduser().resolve()
        with storage_errors(path.parent):
            path.parent.mkdir(parents=True, exist_ok=True)
        uri = str(path)
    token = config.token.get_secret_value() if config.token else ""
    return _client(uri, token)


@functools.lru_cache(maxsize=64)
def _client(uri: str, token: str):
    """A client for this URI. Milvus Lite opens a file in one process at a time (_lite_holder):
    one that another process has open is waited for a few seconds, then refused in one line
    that names the holder and the ways to share the file."""
    pymilvus = _pymilvus()
    if not _is_lite(uri):
        try:
            return pymilvus.MilvusClient(uri=uri, token=token, timeout=30, grpc_options=_grpc_options(uri))
        except Exception as exc:  # pymilvus raises its own and gRPC's errors for an unreachable server
            raise StoreUnavailable(f"cannot reach Milvus at {uri}: {_reason(exc)}") from exc
    _quiet_lite()
    deadline = time.monotonic() + LITE_WAIT_SECONDS
    held = False  # at the last failure, by another process
    for attempt in itertools.count():
        try:
            return pymilvus.MilvusClient(uri=uri, token=token, timeout=30, grpc_options=_grpc_options(uri))
        except Exception as exc:  # pymilvus says only "Open local milvus failed"; Lite logged why
            if attempt == 0:
                # Milvus Lite's in-process server can stop answering after telling an idle
                # client's keep-alive pings off (GOAWAY, too_many_pings): start it afresh.
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(uri)
                continue
            holder = _lite_holder(uri)  # this process holds it no more, after the release above
            if holder is None:
                if held:  # the holder let go since that failure: try the file again
                    held = False
                    continue
                raise StoreUnavailable(f"cannot reach Milvus at {uri}: {_reason(exc)}") from exc
            held = True
            if time.monotonic() >= deadline:
                raise StoreUnavailable(_held_message(uri, holder)) from exc
            # Another process has the file open: wait a little, as an ask or a small build lets
            # go within seconds (measured: docs/scale.md).
            time.sleep(LITE_POLL_SECONDS)
    raise AssertionError("unreachable")


def _lite_holder(path: str) -> str | None:
    """Which other process has this Milvus Lite file open, as messages name it ("process 812
    (newsdex)", or "another process" where /proc does not say); None when none has.

    Milvus Lite takes an exclusive flock on the file's LOCK (a .db "file" is a folder) when a
    process opens it, and keeps it until that process closes it or exits; newsdex keeps its
    client for the life of the process (connect). A shared flock for a moment is refused
    exactly while some other process holds it."""
    lock = Path(path) / LITE_LOCK
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:  # never opened: nobody holds it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _lock_owner(lock)
    finally:
        os.close(fd)  # and with it the shared lock, if taken
    return None


def _lock_owner(lock: Path) -> str:
    """The process holding a flock on `lock`, from /proc/locks (Linux): its pid and program name
    only, since the message may travel in an HTTP answer and a command line can carry secrets."""
    try:
        info = os.stat(lock)
        key = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
        with open("/proc/locks") as locks:
            # "1: FLOCK  ADVISORY  WRITE 5681 fe:00:2147445 0 EOF" (a waiter's line has "->" after the number)
            pid = next(parts[4] for parts in map(str.split, locks) if parts[1:2] == ["FLOCK"] and parts[5:6] == [key])
    except (OSError, StopIteration):
        return "another process"
    if not pid.isdigit() or pid == "0":  # a process of another PID namespace
        return "another process"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:  # another PID namespace, or gone meanwhile
        return f"process {pid}"
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and argv[1][:1] not in ("", "-"):
        argv = argv[1:]  # a console script's interpreter: name the script
    return f"process {pid} ({Path(argv[0]).name})" if argv[0] else f"process {pid}"


def _held_message(path: str, holder: str) -> str:
    return (f"Milvus Lite file {path} is open in {holder}, and Milvus Lite opens a file in one process at a "
            f"time (waited {LITE_WAIT_SECONDS:g}s): stop that process; or, if it is `newsdex serve`, go through "
            "its API (POST /search, POST /articles, POST /index/rebuild); or share the file: `milvus-lite server "
            f"--data-dir {path} --host 127.0.0.1 --port 19530`, then NEWSDEX_MILVUS_URI=http://127.0.0.1:19530 "
            "for every newsdex process")


def _grpc_options(uri: str) -> dict:
    """pymilvus pings its server every 10 s, which a Milvus server allows; Milvus Lite's
    in-process server keeps gRPC's default of one ping in 5 minutes without data, and answers
    the third early ping with GOAWAY (too_many_pings), logged on stderr in the middle of a
    build's progress bar (seen here while a build embedded). A file URI is Lite: ping it no
    more often than it allows."""
    return {"grpc.keepalive_time_ms": 300_000} if _is_lite(uri) else {}


def _quiet_lite() -> None:
    """Milvus Lite serves in this process and logs each failure it answers with a traceback on
    stderr; the caller gets the same failure as an RPC error, which the edges turn into one
    line (a build on an index type Lite cannot make, say)."""
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)


def _reason(exc: Exception) -> str:
    return (getattr(exc, "message", None) or str(exc)).splitlines()[0]


class _Names:
    """The collections of one build, from its passages collection's name."""

    def __init__(self, passages: str) -> None:
        self.passages = passages
        self.articles = passages + ARTICLES_SUFFIX
        self.statements = passages + STATEMENTS_SUFFIX
        self.article_terms = passages + ARTICLE_TERMS_SUFFIX

    def all(self) -> list[str]:
        return [self.passages, self.articles, self.statements, self.article_terms]


def _live_collection(client, alias: str) -> str | None:
    try:
        return client.describe_alias(alias)["collection_name"]
    except Exception:  # no such alias: pymilvus raises MilvusException
        return None


def _properties(client, collection: str) -> dict[str, str]:
    return dict(client.describe_collection(collection).get("properties") or {})


def live_build_name(settings: Settings) -> str | None:
    """The build answering now (its collection and commit), or None: a server reopens when it changes."""
    config = MilvusSettings.of(settings)
    client = connect(config)
    collection = _live_collection(client, config.collection)
    if collection is None:
        return None
    return f"{collection}@{_properties(client, collection).get(VERSION_PROPERTY, '0')}"


def live_manifest(settings: Settings) -> Manifest:
    return _live_build(MilvusSettings.of(settings))[2]


def _live_build(config: MilvusSettings) -> tuple[str, dict[str, str], Manifest]:
    """The live build's passages collection, its properties and its manifest, read once
    (IndexNotFound without one, IndexIncompatible for a collection newsdex did not make)."""
    client = connect(config)
    collection = _live_collection(client, config.collection)
    where = config.location
    if collection is None:
        raise IndexNotFound(f"no index at {where}: run `newsdex index --store milvus`")
    properties = _properties(client, collection)
    try:
        manifest = Manifest(**json.loads(properties[MANIFEST_PROPERTY]))
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexIncompatible(f"index at {where} is foreign or damaged (no newsdex manifest): run "
                                "`newsdex index --rebuild --store milvus`") from exc
    check_format(manifest, where)
    return collection, properties, manifest


def _scan(client, collection: str, expr: str, fields: list[str]) -> Iterator[dict]:
    """Every row matching `expr`, a page at a time (a query alone stops at 16,384 rows)."""
    iterator = client.query_iterator(collection, batch_size=READ_BATCH, filter=expr, output_fields=fields)
    try:
        while True:
            page = iterator.next()
            if not page:
                return
            yield from page
    finally:
        iterator.close()


def _count(client, collection: str, expr: str = "") -> int:
    return int(client.query(collection, filter=expr, output_fields=["count(*)"])[0]["count(*)"])


def _in(field: str, values: Iterable[int | str]) -> str:
    items = [_literal(v) if isinstance(v, str) else str(int(v)) for v in values]
    return f"{field} in [{', '.join(items)}]"


# -- the rows as Milvus keeps them --------------------------------------------------------

PASSAGE_OUTPUT = ["id", "article_id", "position", "text", "title", "source", "published", "url"]
ARTICLE_FIELDS = ["title", "subtitle", "author", "dateline", "source", "published", "url", "origin",
                  "content_hash", "indexed_at", "lang"]
STATEMENT_FIELDS = ["position", "speaker", "cue", "kind", "text", "text_start", "text_end", "passage_id",
                    "passage_start", "passage_end"]


def _schemas(pymilvus, client, dimension: int, index_type: str):
    """(schema, index params) of the three collections of a build."""
    DataType = pymilvus.DataType

    def text(schema, name: str, length: int = ID_CHARS, nullable: bool = False) -> None:
        schema.add_field(name, DataType.VARCHAR, max_length=length, nullable=nullable)

    passages = client.create_schema(auto_id=False, enable_dynamic_field=False)
    passages.add_field("id", DataType.INT64, is_primary=True)
    passages.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    text(passages, "article_id")
    passages.add_field("position", DataType.INT64)
    text(passages, "text", VARCHAR_BYTES)
    passage_index = client.prepare_index_params()
    _add_bm25(pymilvus, passages, passage_index)
    text(passages, "title", VARCHAR_BYTES)
    text(passages, "source", nullable=True)
    text(passages, "source_key")  # source as filters compare it; "" for none
    text(passages, "published", 64, nullable=True)
    text(passages, "day", 16)  # the publication date (YYYY-MM-DD), "" for none
    text(passages, "url", ID_CHARS * 4, nullable=True)
    text(passages, "lang", 16)  # "" for none
    text(passages, "sentences", VARCHAR_BYTES)
    passage_index.add_index("vector", index_type=index_type, metric_type="IP",
                             params=_index_params(BUILD_PARAMS.get(index_type, {})))

    articles = client.create_schema(auto_id=False, enable_dynamic_field=False)
    articles.add_field("key", DataType.INT64, is_primary=True)
    articles.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    text(articles, "article_id")
    articles.add_field("part", DataType.INT64)
    text(articles, "text", VARCHAR_BYTES)
    for name in ARTICLE_FIELDS:
        text(articles, name, ID_CHARS * 4 if name in ("title", "url", "origin") else ID_CHARS,
             nullable=name not in ("title", "content_hash", "indexed_at"))
    text(articles, "day", 16)

    statements = client.create_schema(auto_id=False, enable_dynamic_field=False)
    statements.add_field("id", DataType.INT64, is_primary=True)
    statements.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    text(statements, "article_id")
    for name in STATEMENT_FIELDS:
        if name in ("speaker", "cue", "kind"):
            text(statements, name, ID_CHARS, nullable=name == "speaker")
        elif name == "text":
            text(statements, name, VARCHAR_BYTES)
        else:
            statements.add_field(name, DataType.INT64, nullable=name.startswith("passage_"))
    for name in ("source_key", "day", "lang"):
        text(statements, name, ID_CHARS)

    placeholder_index = client.prepare_index_params()
    placeholder_index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    return [(passages, passage_index), (articles, placeholder_index), (statements, placeholder_index),
            _article_terms_schema(pymilvus, client)]


def _article_terms_schema(pymilvus, client):
    """(schema, index params) of a build's whole-article BM25 collection (see the module docstring)."""
    DataType = pymilvus.DataType
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    schema.add_field("article_id", DataType.VARCHAR, max_length=ID_CHARS)
    schema.add_field("lead", DataType.INT64)  # the article's lead passage, which stands for it
    for name in ("source_key", "day", "lang"):  # what filters read (expression)
        schema.add_field(name, DataType.VARCHAR, max_length=ID_CHARS)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    _add_bm25(pymilvus, schema, index)
    return schema, index


def _add_bm25(pymilvus, schema, index) -> None:
    """BM25 over a collection's coded terms (see the module docstring): the `terms` text,
    the `sparse` field Milvus's BM25 function fills from it, and that field's index."""
    schema.add_field("terms", pymilvus.DataType.VARCHAR, max_length=VARCHAR_BYTES, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", pymilvus.DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(pymilvus.Function(name="bm25", function_type=pymilvus.FunctionType.BM25,
                                          input_field_names=["terms"], output_field_names=["sparse"]))
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=_index_params(BM25_PARAMS))


def _create_collection(client, name: str, schema, index) -> None:
    """Create and load a collection with its indexes, without pymilvus's wait for each index:
    it sleeps half a second before asking whether the index is built, 3 s of every build's six
    indexes on collections that are empty (measured: most of a seed build into Milvus Lite).
    The CreateIndex call itself is still waited for, so loading finds every index defined."""
    client.create_collection(name, schema=schema)
    client.create_index(name, index, sync=False)
    client.load_collection(name)


def _index_params(values: dict) -> dict:
    """An index's build parameters in the form every Milvus reads: one JSON `params` entry.

    pymilvus sends a plain dict as one entry per key, which a Milvus server reads but Milvus
    Lite 3.2 drops, building with its defaults instead (BM25 with k1 = 1.5, not tantivy's
    1.2: measured, docs/scale.md). The server's proxy merges a `params` entry into the others
    (parseIndexParams), so this form means the same to both."""
    return {"params": values} if values else {}


def _article_terms_rows(article: Article, passages: int, terms: tuple[str, Sequence[str]]) -> list[dict]:
    """An article's whole-article BM25 documents ([] when it has no passage to stand for it)."""
    if not passages:
        return []
    parts = article_code_parts(*terms)
    common = {"placeholder": [0.0] * PLACEHOLDER_DIM, "article_id": article.id, "lead": passage_id(article.id, 0),
              "source_key": _nocase(article.source) if article.source else "", "day": _day(article.published),
              "lang": article.lang or ""}
    return [{"key": _hash63("w", article.id, n), "terms": part, **common} for n, part in enumerate(parts)]


def _day(published: str | None) -> str:
    return published[:10] if published else ""


def _article_rows(article: Article, indexed_at: str) -> list[dict]:
    text = article.text
    parts = [text[i:i + TEXT_PART_CHARS] for i in range(0, len(text), TEXT_PART_CHARS)] or [""]
    meta = {"title": article.title, "subtitle": article.subtitle, "author": article.author,
            "dateline": article.dateline, "source": article.source, "published": article.published,
            "url": article.url, "origin": article.origin, "content_hash": article.content_hash,
            "indexed_at": indexed_at, "lang": article.lang}
    rows = []
    for n, part in enumerate(parts):
        row = {"key": _hash63("a", article.id, n), "placeholder": [0.0] * PLACEHOLDER_DIM, "article_id": article.id,
               "part": n, "text": part, "day": _day(article.published)}
        # Later parts carry only text; their content hash stays empty so a scan of hashes reads part 0 alone.
        row.update(meta if n == 0 else {**{k: None for k in meta}, "title": "", "content_hash": "",
                                        "indexed_at": ""})
        rows.append(row)
    return rows


def _fields(row: dict, names: Sequence[str]) -> dict[str, Any]:
    return {name: row.get(name) for name in names}


def _article_of(rows: list[dict]) -> ArticleRow:
    rows = sorted(rows, key=lambda r: r["part"])
    head = rows[0]
    return ArticleRow(id=head["article_id"], text="".join(r["text"] for r in rows),
                      **_fields(head, ARTICLE_FIELDS))


def _whole_articles(client, collection: str, ids: Sequence[str]) -> list[ArticleRow]:
    """These articles whole (their parts joined), in the order of `ids`; unknown ids left out."""
    parts: dict[str, list[dict]] = {}
    for start in range(0, len(ids), READ_BATCH):
        chunk = ids[start:start + READ_BATCH]
        for row in _scan(client, collection, _in("article_id", chunk), ["article_id", "part", "text", *ARTICLE_FIELDS]):
            parts.setdefault(row["article_id"], []).append(row)
    return [_article_of(parts[i]) for i in ids if i in parts]


def _passage_of(row: dict) -> PassageRow:
    return PassageRow(id=int(row["id"]), article_id=row["article_id"], position=int(row["position"]),
                      text=row["text"], title=row["title"], source=row.get("source"),
                      published=row.get("published"), url=row.get("url"))


def _check_text(article: Article, passages: Sequence[str]) -> None:
    from newsdex.errors import BadArticle

    for name in ("title", "url", "origin"):
        value = getattr(article, name)
        if value is not None and not _fits(value, ID_CHARS * 4):
            raise BadArticle(f"article {article.id!r}: its {name} is too long for the Milvus store")
    if not _fits(article.id, ID_CHARS):
        raise BadArticle(f"article id {article.id[:40]!r}...: too long for the Milvus store ({ID_CHARS} bytes)")
    if any(not _fits(p) for p in passages):
        raise BadArticle(f"article {article.id!r}: a passage is longer than Milvus's 65,535-byte text field")


# -- reading ------------------------------------------------------------------------------


class MilvusStore:
    """The live build of a Milvus alias, as the Searcher and the API see a store (index.stores.Store).

    Opened on the build the alias names now and kept on it, as the embedded store keeps its
    build folder, so one search never mixes two builds; a server reopens when
    `live_build_name` changes.
    """

    def __init__(self, settings: Settings) -> None:
        self.config = MilvusSettings.of(settings)
        self.client = connect(self.config)
        self._where = self.config.location
        collection, properties, self.manifest = _live_build(self.config)
        self.names = _Names(collection)
        self.version = properties.get(VERSION_PROPERTY, "0")
        # A build made before whole articles were kept has no such collection (see the module docstring).
        self._has_article_terms = self.client.has_collection(self.names.article_terms)
        try:
            for name in self.names.all():
                if name != self.names.article_terms or self._has_article_terms:
                    self.client.load_collection(name)
        except Exception as exc:
            raise IndexIncompatible(f"index at {self._where} is damaged ({_reason(exc)}): run "
                                    "`newsdex index --rebuild --store milvus`") from exc
        index = self.client.describe_index(collection, "vector") or {}
        self.index_type = str(index.get("index_type", "AUTOINDEX"))
        self._search_params = {"metric_type": "IP", "params": SEARCH_PARAMS.get(self.index_type, {})}
        self._count_lock = threading.Lock()
        self._counts: dict[Filters, int] = {}

    @classmethod
    def open(cls, settings: Settings) -> MilvusStore:
        return cls(settings)

    @property
    def location(self) -> str:
        return self._where

    @property
    def build_name(self) -> str:
        return f"{self.names.passages}@{self.version}"

    def close(self) -> None:
        pass  # the client is the process's (connect), shared by every store opened on its URI

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- the two retrievers ---------------------------------------------------------------

    def search_vectors(self, queries: np.ndarray, k: int,
                       filters: Filters = NO_FILTERS) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        k = max(1, min(int(k), 16_384))
        hits = self.client.search(self.names.passages, data=queries.tolist(), anns_field="vector", limit=k,
                                  filter=expression(filters), search_params=self._search_params,
                                  output_fields=["id"])
        width = max((len(row) for row in hits), default=0)
        scores = np.zeros((len(queries), width), dtype=np.float32)
        ids = np.full((len(queries), width), -1, dtype=np.int64)
        for n, row in enumerate(hits):
            for m, hit in enumerate(row):
                scores[n, m], ids[n, m] = hit["distance"], hit["id"]
        return scores, ids

    def lexical_search(self, terms: Sequence[str], k: int,
                       filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        codes = question_codes(terms)
        if not codes or k < 1:
            return []
        hits = self.client.search(self.names.passages, data=[codes], anns_field="sparse", limit=min(int(k), 16_384),
                                  filter=expression(filters), search_params={"metric_type": "BM25"},
                                  output_fields=["id"])
        # BM25 scores are positive; Milvus Lite reports them negated, as distances.
        return [(int(hit["id"]), abs(float(hit["distance"]))) for hit in hits[0]]

    def article_lexical_search(self, terms: Sequence[str], k: int,
                               filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """(lead passage id, BM25 score) of the k articles best matching `terms` as a whole (index.stores.Store)."""
        codes = question_codes(terms)
        if not codes or k < 1 or not self._has_article_terms:
            return []
        # An article cut into several documents may fill more than one place: ask for more.
        hits = self.client.search(self.names.article_terms, data=[codes], anns_field="sparse",
                                  limit=min(2 * int(k), 16_384), filter=expression(filters),
                                  search_params={"metric_type": "BM25"}, output_fields=["lead"])
        best: dict[int, float] = {}
        for hit in hits[0]:
            lead = int(hit["entity"]["lead"] if "entity" in hit else hit["lead"])
            best[lead] = max(best.get(lead, 0.0), abs(float(hit["distance"])))  # negated by Lite, as above
        return sorted(best.items(), key=lambda pair: -pair[1])[:k]

    def passage_count(self, filters: Filters = NO_FILTERS) -> int:
        with self._count_lock:
            if filters not in self._counts:
                self._counts[filters] = _count(self.client, self.names.passages, expression(filters))
            return self._counts[filters]

    # -- rows -----------------------------------------------------------------------------

    def _passage_rows(self, ids: Sequence[int], fields: list[str]) -> list[dict]:
        if not len(ids):
            return []
        return self.client.query(self.names.passages, filter=_in("id", ids), output_fields=fields)

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]:
        return {int(row["id"]): _passage_of(row) for row in self._passage_rows(ids, PASSAGE_OUTPUT)}

    def places(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        return {int(row["id"]): (row["article_id"], int(row["position"]))
                for row in self._passage_rows(ids, ["id", "article_id", "position"])}

    def sentence_vectors(self, ids: Sequence[int]) -> dict[int, SentenceVectors]:
        rows = self._passage_rows(ids, ["id", "sentences"])
        return {int(row["id"]): _unpack_sentences(row["sentences"], self.manifest.dimension)
                for row in rows if row["sentences"]}

    def article(self, article_id: str) -> ArticleRow:
        rows = self.client.query(self.names.articles, filter=f"article_id == {_literal(article_id)}",
                                 output_fields=["article_id", "part", "text", *ARTICLE_FIELDS])
        if not rows:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return _article_of(rows)

    def article_passages(self, article_id: str) -> list[PassageRow]:
        rows = _scan(self.client, self.names.passages, f"article_id == {_literal(article_id)}", PASSAGE_OUTPUT)
        return sorted((_passage_of(row) for row in rows), key=lambda p: p.position)

    def article_with_passages(self, article_id: str) -> ArticleWithPassages:
        return ArticleWithPassages(self.article(article_id), self.article_passages(article_id))

    def _articles(self, expr: str) -> list[ArticleRow]:
        """Whole articles matching `expr` (on part 0's fields), by id."""
        ids = sorted(row["article_id"] for row in _scan(self.client, self.names.articles,
                                                       f"part == 0 and ({expr})" if expr else "part == 0",
                                                       ["article_id"]))
        return self._whole(ids)

    def _whole(self, ids: Sequence[str]) -> list[ArticleRow]:
        return _whole_articles(self.client, self.names.articles, ids)

    def articles(self, *, limit: int = 20, offset: int = 0) -> list[ArticleRow]:
        """Newest first; undated articles last, then by id. Milvus has no ORDER BY: the
        (id, date) pairs are read and sorted here, then only the page's articles are read."""
        pairs = [(row["article_id"], row.get("published")) for row in
                 _scan(self.client, self.names.articles, "part == 0", ["article_id", "published"])]
        dated = sorted((p for p in pairs if p[1]), key=lambda p: p[0])
        dated.sort(key=lambda p: p[1] or "", reverse=True)  # stable: ids ascending within one date
        order = [i for i, _ in dated] + sorted(i for i, published in pairs if not published)
        return self._whole(order[offset:offset + limit])

    def articles_from(self, origin: str) -> list[ArticleRow]:
        return self._articles(f"origin == {_literal(origin)}")

    def article_count(self, *, origin: str | None = None) -> int:
        expr = "part == 0" + (f" and origin == {_literal(origin)}" if origin is not None else "")
        return _count(self.client, self.names.articles, expr)

    # -- statements -----------------------------------------------------------------------

    def speakers(self) -> list[SpeakerRow]:
        """Everyone quoted, most statements first (then by name); counted here, as Milvus has no GROUP BY."""
        statements: Counter[str] = Counter()
        articles: dict[str, set[str]] = {}
        for row in _scan(self.client, self.names.statements, "speaker is not null", ["speaker", "article_id"]):
            statements[row["speaker"]] += 1
            articles.setdefault(row["speaker"], set()).add(row["article_id"])
        return [SpeakerRow(speaker=name, statements=count, articles=len(articles[name]))
                for name, count in sorted(statements.items(), key=lambda p: (-p[1], p[0]))]

    def statements_by(self, speakers: Sequence[str], *, limit: int | None = None, offset: int = 0,
                      filters: Filters = NO_FILTERS) -> list[StatementRow]:
        if not speakers:
            return []
        expr = _in("speaker", list(speakers))
        narrowed = expression(filters)
        if narrowed:
            expr = f"{expr} and {narrowed}"
        rows = list(_scan(self.client, self.names.statements, expr, ["id", "article_id", *STATEMENT_FIELDS]))
        heads = {a.id: a for a in self._article_heads({row["article_id"] for row in rows})}
        dated = sorted((r for r in rows if heads[r["article_id"]].published),
                       key=lambda r: (r["article_id"], r["position"]))
        dated.sort(key=lambda r: heads[r["article_id"]].published or "", reverse=True)
        undated = sorted((r for r in rows if not heads[r["article_id"]].published),
                         key=lambda r: (r["article_id"], r["position"]))
        ordered = dated + undated
        page = ordered[offset:] if limit is None else ordered[offset:offset + limit]
        return [StatementRow(id=int(r["id"]), article_id=r["article_id"],
                             **_fields(r, STATEMENT_FIELDS),
                             title=heads[r["article_id"]].title, source=heads[r["article_id"]].source,
                             published=heads[r["article_id"]].published, url=heads[r["article_id"]].url)
                for r in page]

    def _article_heads(self, ids: Iterable[str]) -> list[ArticleRow]:
        """Articles' fields without their text (part 0's row only)."""
        ids = sorted(ids)
        out = []
        for start in range(0, len(ids), READ_BATCH):
            chunk = ids[start:start + READ_BATCH]
            for row in _scan(self.client, self.names.articles, f"part == 0 and {_in('article_id', chunk)}",
                             ["article_id", "part", *ARTICLE_FIELDS]):
                out.append(ArticleRow(id=row["article_id"], text="", **_fields(row, ARTICLE_FIELDS)))
        return out

    def statement_count(self, speakers: Sequence[str]) -> int:
        if not speakers:
            return 0
        return _count(self.client, self.names.statements, _in("speaker", list(speakers)))

    def stats(self) -> IndexStats:
        m = self.manifest
        languages = Counter(row.get("lang") or "unknown" for row in
                            _scan(self.client, self.names.articles, "part == 0", ["lang"]))
        ordered = dict(sorted(languages.items(), key=lambda p: (-p[1], p[0])))
        return IndexStats(index=self._where, build=self.build_name, articles=self.article_count(),
                          passages=self.passage_count(), model=m.model, backend=m.backend, int8_config=m.int8_config,
                          dimension=m.dimension, passage_tokens=m.passage_tokens, faiss_index=m.faiss_index,
                          vectors=m.vectors, size_bytes=0, built_at=m.built_at, languages=ordered)


# -- writing ------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class MilvusWriter:
    """Changes to a Milvus-held index, made with index.writer.IndexWriter's calls.

    A rebuild (or a first build) writes new collections as it goes, invisible until `commit`
    moves the alias to them; an update keeps its changes until `commit` and then applies
    them in place (see the module docstring). Leaving the block by an exception drops the
    new collections, or the kept changes, and the live index is as it was.
    """

    def __init__(self, settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                 lock_timeout: float | None = None) -> None:
        self.pymilvus = _pymilvus()
        self.config = config = MilvusSettings.of(settings)
        self.manifest = manifest
        self.client = connect(config)
        self._where = config.location
        # One writer at a time on this machine, as for the embedded store (index.builds.WriteLock).
        with storage_errors(config.index_dir):
            config.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock: WriteLock | None = WriteLock(config.index_dir, timeout=lock_timeout)
        self.new = False
        # In place: what commit writes, per article: passage, statement, article-terms and article rows.
        self._put: dict[str, tuple[list[dict], list[dict], list[dict], list[dict]]] = {}
        self._removed: set[str] = set()
        self._waiting = 0  # passages kept in _put
        try:
            live = _live_collection(self.client, config.collection)
            missing = False  # a live build from before its article-terms collection existed
            if live is not None and not rebuild:
                old = _live_build(config)[2]
                problem = incompatibility(old, manifest.model, manifest.dimension, manifest.vector_family,
                                          passages=manifest)
                if problem:
                    raise IndexIncompatible(f"index at {self._where}: {problem}")
                self.names = _Names(live)
                missing = not self.client.has_collection(self.names.article_terms)
                if missing:
                    schema, index = _article_terms_schema(self.pymilvus, self.client)
                    _create_collection(self.client, self.names.article_terms, schema, index)
                for name in self.names.all():
                    self.client.load_collection(name)
            else:
                self.new = True
                build = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(3)
                self.names = _Names(f"{config.collection}_{build}")
                for name, (schema, index) in zip(self.names.all(), _schemas(
                        self.pymilvus, self.client, manifest.dimension, config.index)):
                    _create_collection(self.client, name, schema, index)
            self._known = self._read_known()
            self._passages = {} if self.new else self._passage_counts()
            if missing:
                self._fill_article_terms()
        except BaseException as exc:
            self.abort()
            if isinstance(exc, NewsdexError) or not isinstance(exc, Exception):
                raise
            raise StoreUnavailable(f"cannot write the index at {self._where}: {_reason(exc)}") from exc

    def _read_known(self) -> dict[str, tuple[str, str | None]]:
        if self.new:
            return {}
        return {row["article_id"]: (row["content_hash"], row.get("origin")) for row in
                _scan(self.client, self.names.articles, "part == 0", ["article_id", "content_hash", "origin"])}

    def _fill_article_terms(self) -> None:
        """Whole-article BM25 documents for every article of a build made before they were kept,
        from its stored articles: nothing is read or embedded again. Written at once, since
        no search reads a collection the live build never had before this writer made it."""
        rows: list[dict] = []
        for row in _whole_articles(self.client, self.names.articles, sorted(self._known)):
            article = row.article()
            rows += _article_terms_rows(article, self._passages.get(row.id, 0),
                                        passage_terms(article.title, article.text, article.lang))
        self._upsert(self.names.article_terms, rows)

    def _passage_counts(self) -> dict[str, int]:
        return Counter(row["article_id"] for row in _scan(self.client, self.names.passages, "", ["article_id"]))

    def __enter__(self) -> MilvusWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    # -- reads the build needs ------------------------------------------------------------

    def known_articles(self) -> dict[str, tuple[str, str | None]]:
        return dict(self._known)

    def counts(self) -> tuple[int, int]:
        return len(self._known), sum(self._passages.values())

    # -- changes --------------------------------------------------------------------------

    def put_article(self, analysed: Analysed) -> None:
        article, passages = analysed.article, analysed.passages
        _check_text(article, passages)
        self.remove_article(article.id, missing_ok=True)
        ids = [passage_id(article.id, n) for n in range(len(passages))]
        source_key = _nocase(article.source) if article.source else ""
        vectors = np.ascontiguousarray(analysed.vectors, dtype=np.float32)
        sentences = analysed.sentences
        passage_rows = [
            {"id": pid, "vector": vectors[n].tolist(), "article_id": article.id, "position": n, "text": text,
             "terms": term_codes(*analysed.passage_terms[n]), "title": article.title,
             "source": article.source, "source_key": source_key, "published": article.published,
             "day": _day(article.published), "url": article.url, "lang": article.lang or "",
             "sentences": _pack_sentences(sentences[n] if sentences is not None else None)}
            for n, (pid, text) in enumerate(zip(ids, passages))]
        statement_rows = []
        for position, placed in enumerate(analysed.statements):
            statement = placed.statement
            statement_rows.append({
                "id": _hash63("s", article.id, position), "placeholder": [0.0] * PLACEHOLDER_DIM,
                "article_id": article.id, "position": position, "speaker": statement.speaker, "cue": statement.cue,
                "kind": statement.kind, "text": statement.text, "text_start": statement.start,
                "text_end": statement.end, "passage_id": None if placed.passage is None else ids[placed.passage],
                "passage_start": placed.start, "passage_end": placed.end, "source_key": source_key,
                "day": _day(article.published), "lang": article.lang or ""})
        article_rows = _article_rows(article, _now())
        self._put[article.id] = (passage_rows, statement_rows,
                                 _article_terms_rows(article, len(passages), analysed.article_terms), article_rows)
        self._waiting += len(passage_rows)
        if self.new and self._waiting >= WRITE_BATCH:
            self._write_put()  # nothing reads a new build's collections before commit: write as it goes
        self._known[article.id] = (article.content_hash, article.origin)
        self._passages[article.id] = len(passages)

    def remove_article(self, article_id: str, *, missing_ok: bool = False) -> None:
        if article_id not in self._known:
            if missing_ok:
                return
            raise ArticleNotFound(f"no article with id {article_id!r}")
        del self._known[article_id]
        self._passages.pop(article_id, None)
        kept = self._put.pop(article_id, None)
        if kept is not None:
            self._waiting -= len(kept[0])
        if not self.new:
            self._removed.add(article_id)
        else:  # a new build's rows already written for it
            self._delete_article(article_id)

    def _delete_article(self, article_id: str) -> None:
        expr = f"article_id == {_literal(article_id)}"
        for name in self.names.all():
            self.client.delete(name, filter=expr)

    def _write_put(self) -> None:
        """Upsert the kept articles in batches: passages, statements and article terms, then the article rows."""
        for collection, part in ((self.names.passages, 0), (self.names.statements, 1), (self.names.article_terms, 2),
                                 (self.names.articles, 3)):
            self._upsert(collection, [row for rows in self._put.values() for row in rows[part]])
        self._put, self._waiting = {}, 0

    def _upsert(self, collection: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), WRITE_BATCH):
            self.client.upsert(collection, rows[start:start + WRITE_BATCH])

    # -- the swap -------------------------------------------------------------------------

    def commit(self) -> str:
        """Make the changes live: move the alias to a new build, or apply an update in place."""
        try:
            if not self.new:
                # Deletes first, then passages, statements and article terms, then articles: see the module docstring.
                for article_id in sorted(self._removed):
                    self._delete_article(article_id)
            self._write_put()
            manifest = Manifest(**{**self.manifest.__dict__, "built_at": _now(),
                                   "faiss_index": f"milvus {self.config.index}",
                                   "vectors": {"kind": "milvus", "index": self.config.index}})
            for name in self.names.all():
                self.client.flush(name)
            if self.new and _is_lite(self.config.target):
                # Milvus Lite builds an index at flush, in the background, and an index type it
                # cannot build (IVF_PQ, DISKANN in 3.2) only fails the next load: load it again
                # now, so the old build keeps serving and the error is the build's.
                self.client.release_collection(self.names.passages)
                self.client.load_collection(self.names.passages)
            self.client.alter_collection_properties(self.names.passages, properties={
                MANIFEST_PROPERTY: json.dumps(manifest.__dict__), VERSION_PROPERTY: f"{time.time_ns()}"})
            if self.new:
                self._swap_alias()
        except NewsdexError:
            self.abort()
            raise
        except Exception as exc:
            self.abort()
            raise StoreUnavailable(f"cannot write the index at {self._where}: {_reason(exc)}") from exc
        self._unlock()
        return self.names.passages

    def _swap_alias(self) -> None:
        alias = self.config.collection
        old = _live_collection(self.client, alias)
        if old is None:
            self.client.create_alias(self.names.passages, alias)
        else:
            self.client.alter_alias(self.names.passages, alias)
        self.new = False  # live now: an abort from here on must not drop it
        # The build just replaced stays for searches still reading it (as an embedded build's
        # open files do); builds older than that, and any a killed build left, go.
        keep = {self.names.passages, old}
        for name in self.client.list_collections():
            head = name.removesuffix(ARTICLES_SUFFIX).removesuffix(STATEMENTS_SUFFIX).removesuffix(ARTICLE_TERMS_SUFFIX)
            if head.startswith(f"{alias}_") and head[len(alias) + 1:].isalnum() and head not in keep:
                try:
                    self.client.drop_collection(name)
                except Exception as exc:  # a reader may still hold it; the next build tries again
                    log.warning("could not drop old build %s: %s", name, _reason(exc))

    def abort(self) -> None:
        """Drop a new build's collections, or an update's kept changes, and the lock; safe to repeat."""
        if self.new and hasattr(self, "names"):
            for name in self.names.all():
                try:
                    self.client.drop_collection(name)
                except Exception:  # never created, or Milvus gone: nothing is live from it either way
                    pass
            self.new = False
        self._put, self._removed, self._waiting = {}, set(), 0
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


# -- the store's entry in index.registry ---------------------------------------------------


class MilvusKind:
    """index.stores.StoreKind for Milvus (`--store milvus`): each call reads the Milvus group
    of the settings (MilvusSettings)."""

    def location(self, settings: Settings) -> str:
        return MilvusSettings.of(settings).location

    def open_store(self, settings: Settings) -> MilvusStore:
        return MilvusStore.open(settings)

    def open_writer(self, settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                    lock_timeout: float | None = None) -> MilvusWriter:
        return MilvusWriter(settings, manifest, rebuild=rebuild, lock_timeout=lock_timeout)

    def live_build_name(self, settings: Settings) -> str | None:
        return live_build_name(settings)

    def live_manifest(self, settings: Settings) -> Manifest:
        return live_manifest(settings)

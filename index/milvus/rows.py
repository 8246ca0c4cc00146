"""The rows as Milvus keeps them: an article made the rows written for it (its text in parts,
its whole-article BM25 documents, a passage's sentence vectors packed), rows read back as
index.rows' values, and the deterministic ids that make writing a row again an upsert."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Sequence
from typing import Any

from newsdex.index.articles import Article
from newsdex.index.milvus.filters import _nocase
from newsdex.index.milvus.schema import ARTICLE_FIELDS, ID_CHARS, PLACEHOLDER_DIM, VARCHAR_BYTES
from newsdex.index.milvus.terms import article_code_parts
from newsdex.index.rows import ArticleRow, PassageRow
from newsdex.index.sentences import SentenceVectors, pack, unpack

TEXT_PART_CHARS = 16_000  # 16,000 characters of any script fit a VARCHAR's 65,535 bytes


def _hash63(*parts: object) -> int:
    """A deterministic, non-negative 64-bit id (INT64) for these parts."""
    digest = hashlib.blake2b("\x00".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def passage_id(article_id: str, position: int) -> int:
    """A passage's id: the same for the same article and position in every build and every retry."""
    return _hash63("p", article_id, position)


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

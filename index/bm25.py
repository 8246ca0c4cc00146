"""The BM25 side of a build: a tantivy index of every passage, beside the SQLite file.

Why tantivy and not SQLite FTS5 (which newsdex used first): FTS5 scores every passage
that holds any word of the question, so its cost grows with the corpus, while tantivy's
block-max WAND stops scoring once the k best are settled (the figures: docs/performance.md,
"Figures behind the code").
It keeps postings per segment and marks deletions, so incremental builds change only what
changed, like the rest of a build.

Each passage is one document: its id (the SQLite and FAISS id) and one text field, the
article's title followed by the passage text. One field rather than two because BM25 over
the whole (one length, one IDF) ranks better than a sum of per-field BM25s on SciFact
(docs/performance.md, "Figures behind the code"). k1 = 1.2, b = 0.75.

That text goes into the field of its article's language (index.languages): English words are
lower-cased, folded to ASCII and Porter-stemmed (Snowball English) in `body`, as in every
build before languages; Turkish, German, ... get their own stemmer, Japanese, Chinese and
Korean character bigrams. A question is analysed by every field's analyzer and looked up in
each, so no one has to say (or guess from a few words) which language a question is in.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import tantivy

from newsdex.index.languages import BIGRAM_FIELD, ENGLISH_FIELD, PLAIN_FIELD, all_fields, field_for

log = logging.getLogger(__name__)

# Memory of the single indexing thread; tantivy writes a segment each time it fills.
WRITER_HEAP = 64_000_000
FIELDS = all_fields()


def _analyzer(field: str) -> tantivy.TextAnalyzer:
    """The analysis of one field: see the module's docstring and index.languages."""
    if field == BIGRAM_FIELD:
        return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(min_gram=2, max_gram=2, prefix_only=False))
                .filter(tantivy.Filter.lowercase())
                .build())
    builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
               .filter(tantivy.Filter.remove_long(40))
               .filter(tantivy.Filter.lowercase()))
    if field == ENGLISH_FIELD:
        return builder.filter(tantivy.Filter.ascii_fold()).filter(tantivy.Filter.stemmer("english")).build()
    if field == PLAIN_FIELD:
        return builder.filter(tantivy.Filter.ascii_fold()).build()
    return builder.filter(tantivy.Filter.stemmer(field.removeprefix("body_"))).build()


# Fields analysed in Python before tantivy sees them (tantivy then only splits on spaces):
# Turkish is stemmed, then cut to its first five letters. Snowball's Turkish stemmer alone
# is inconsistent across one word's forms ("deprem" -> "depre", "depremler" -> "deprem";
# "belediye" -> "beledi", "belediyeden" -> "belediye"); cutting stems to five letters, the
# prefix that Can et al. (JASIST 2008) found retrieves Turkish as well as a full
# morphological analysis, joins them (tests/test_languages.py). Dotted and dotless i are
# folded together after stemming, so "Istanbul" typed on any keyboard finds "İstanbul'da".
PREFIX_CHARS = {"body_turkish": 5}
_SPLIT_ONLY = "newsdex_words"


def _turkish_lower(text: str) -> str:
    return text.replace("İ", "i").replace("I", "ı").lower()


def pre_analyse(field: str, text: str) -> str:
    """`text` as the words a pre-analysed field stores (see PREFIX_CHARS); other fields' text as is."""
    if field not in PREFIX_CHARS:
        return text
    stems = _STEMMED[field].analyze(_turkish_lower(text))
    cut = PREFIX_CHARS[field]
    return " ".join(stem.replace("ı", "i").replace("\u0307", "")[:cut] for stem in stems)


def _tokenizer_name(field: str) -> str:
    return "newsdex_en" if field == ENGLISH_FIELD else f"newsdex_{field}"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    for field in FIELDS:
        name = _SPLIT_ONLY if field in PREFIX_CHARS else _tokenizer_name(field)
        builder.add_text_field(field, tokenizer_name=name, index_option="freq")
    return builder.build()


SCHEMA = _schema()
# The stemming half of a pre-analysed field's analysis.
_STEMMED = {field: _analyzer(field) for field in PREFIX_CHARS}


def _open(path: Path, *, create: bool) -> tantivy.Index:
    if create:
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(SCHEMA, path=str(path))
    else:
        index = tantivy.Index.open(str(path))
    # Analyzers are code, not data: every opening registers ours again.
    for field in FIELDS:
        index.register_tokenizer(_tokenizer_name(field), _analyzer(field))
    index.register_tokenizer(_SPLIT_ONLY, _split_only())
    return index


def _split_only() -> tantivy.TextAnalyzer:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


# Scripts written without spaces between words: kana, CJK ideographs, Hangul, Thai, Lao, Khmer, Burmese.
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u1100-\u11ff"
                       "\u3130-\u318f\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f]")


def _bigram_run(word: str) -> bool:
    """A word the bigram field can use: two characters at least, in a script written without spaces."""
    return len(word) > 1 and _UNSPACED.search(word) is not None


# Each field's analysis of a question's words: its own analyzer, or only a split on spaces
# where the words were analysed in Python (pre_analyse) before tantivy saw them.
_QUESTION_ANALYZERS = {field: _split_only() if field in PREFIX_CHARS else _analyzer(field) for field in FIELDS}
_PASSAGE_ANALYZERS = {field: _analyzer(field) for field in FIELDS if field not in PREFIX_CHARS}


def question_terms(words: Sequence[str]) -> dict[str, list[str]]:
    """Each field's terms for a question's words, once each: what a search looks up.

    Bigrams are made of the words' non-ASCII runs only: "Tokyo" or "2024" bigrammed would
    match every passage that spells some other word with "to" or "20" in it.
    """
    found: dict[str, list[str]] = {}
    for field, analyzer in _QUESTION_ANALYZERS.items():
        source = [word for word in words if _bigram_run(word)] if field == BIGRAM_FIELD else list(words)
        tokens = list(dict.fromkeys(token for word in source for token in analyzer.analyze(pre_analyse(field, word))))
        if tokens:
            found[field] = tokens
    return found


def passage_terms(title: str, text: str, lang: str | None) -> tuple[str, list[str]]:
    """The field a passage goes into and its terms there, as tantivy indexes them: for a store
    that takes terms already analysed (index.milvus), so that both rank alike."""
    field = field_for(lang)
    analysed = pre_analyse(field, f"{title}\n{text}")
    if field in PREFIX_CHARS:
        return field, analysed.split()
    return field, _PASSAGE_ANALYZERS[field].analyze(analysed)


class LexicalIndex:
    """A build's BM25 index, opened read-only (a live build never changes)."""

    def __init__(self, path: Path) -> None:
        self._copy: str | None = None
        try:
            self.index = _open(Path(path), create=False)
        except ValueError as exc:
            # tantivy writes a lock file even to read, which read-only storage refuses: read
            # a private copy instead (the BM25 files are a small part of a build).
            if "read-only file system" not in str(exc).lower():
                raise
            self._copy = tempfile.mkdtemp(prefix="newsdex-bm25-")
            shutil.copytree(path, self._copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
            log.warning("%s is on read-only storage: reading a copy of its BM25 index in %s", path, self._copy)
            self.index = _open(Path(self._copy), create=False)
        self.searcher = self.index.searcher()

    def close(self) -> None:
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None

    @property
    def count(self) -> int:
        return self.searcher.num_docs

    def search(self, words: Sequence[str], k: int, passage_ids: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, score) of the k best passages holding any of `words`, best first.

        Words go through the same analyzer as the passages and become term queries, never
        parsed query syntax, so nothing a user types is read as an operator.
        """
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, field, token, index_option="freq"))
                   for field, tokens in question_terms(words).items() for token in tokens]
        if not clauses or k < 1:
            return []
        query = tantivy.Query.boolean_query(clauses)
        if passage_ids is not None:
            if len(passage_ids) == 0:
                return []
            allowed = tantivy.Query.term_set_query(SCHEMA, "id", [int(i) for i in passage_ids])
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query),
                                                 (tantivy.Occur.Must, tantivy.Query.const_score_query(allowed, 0.0))])
        hits = self.searcher.search(query, int(k), count=False).hits
        ids = self.searcher.fast_field_values("id", [address for _, address in hits])
        # tantivy types any fast field's value as int | float | bool | None; "id" is a u64 every passage has.
        return [(int(pid), float(score)) for (score, _), pid in zip(hits, ids)]  # type: ignore[arg-type]


class LexicalWriter:
    """Changes to a new build's BM25 index, made durable by `commit`.

    A build starting from the live one links the live one's files rather than copying
    them: tantivy never rewrites a file (new segments, deletion files and a replaced
    meta.json are new files), so the live build cannot see the new one's changes.
    """

    def __init__(self, path: Path, previous: Path | None = None) -> None:
        self.path = Path(path)
        if previous is not None:
            shutil.copytree(previous, self.path, copy_function=_link_or_copy,
                            ignore=shutil.ignore_patterns(".tantivy-*.lock"))
            self.index = _open(self.path, create=False)
        else:
            self.index = _open(self.path, create=True)
        self._writer: tantivy.IndexWriter | None = None

    @property
    def writer(self) -> tantivy.IndexWriter:
        # Opened on first change: a build that changes nothing writes nothing.
        if self._writer is None:
            self._writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        return self._writer

    def add(self, passage_id: int, title: str, text: str, lang: str | None = None) -> None:
        document = tantivy.Document(id=int(passage_id))
        field = field_for(lang)
        document.add_text(field, pre_analyse(field, f"{title}\n{text}"))
        self.writer.add_document(document)

    def remove(self, passage_ids: Sequence[int]) -> None:
        for passage_id in passage_ids:
            self.writer.delete_documents_by_term("id", int(passage_id))

    def commit(self) -> None:
        """Publish the changes, wait for merges and drop files no segment uses (index.writer fsyncs them)."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.garbage_collect_files()
            self._writer.wait_merging_threads()
            self._writer = None

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)

"""BM25 terms as codes: a passage's, an article's and a question's terms as the 16-letter
codes Milvus's BM25 function reads.

BM25 must rank as the embedded store's does, and Milvus's analyzers are not tantivy's. So
passages and questions are analysed here, by index.bm25's own analyzers, and each (field,
term) is stored as a 16-letter code in a text field whose BM25 function Milvus runs with
tantivy's k1 and b. Letters only, so any Milvus tokenizer keeps a code whole. The corpus
statistics then match tantivy's (N counts every passage, df the passages with the term in
that language's field); tantivy's one-byte length buckets differ, and its average length is
per language field where this store has one. The BM25 parameters reach Milvus Lite only in
the form `_index_params` (index.milvus.schema) writes. docs/scale.md has the measured agreement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from newsdex.index.bm25 import question_terms

CODES_PER_DOCUMENT = 3_800  # 17 bytes a code with its space: 64,600 of a VARCHAR's 65,535
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


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

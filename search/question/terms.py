"""Turning a question into the plain words a BM25 search looks for.

Pure functions. The words go to the index store, which turns each into a term query for
tantivy (index.bm25), never into parsed query syntax, so nothing a user types is an operator.
"""

from __future__ import annotations

from newsdex.index.words import WORD

# Lucene's English stop words (what Anserini's BM25 baselines drop), plus question words
# that carry no topic. They match almost every passage, cost time on a large index, and
# add nothing to the ranking.
STOPWORDS = frozenset("""
a an and are as at be but by for if in into is it no not of on or such that the their then there these
they this to was will with
what which who whom whose when where why how did does do done has have had been being were
""".split())



def query_terms(question: str) -> list[str]:
    """The question's content words, lower-cased, once each, in order.

    Single letters are dropped ("Kishida's" -> "kishida"; the "s" is noise) but single
    digits are kept, as are numbers and ordinals like "75th".
    """
    seen: dict[str, None] = {}
    for word in WORD.findall(question.lower()):
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()) or word == "_" * len(word):
            continue
        seen.setdefault(word, None)
    return list(seen)


def term_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans [start, end) of the words of `text` that match a query term.

    A word matches when it equals a term or starts with one and differs only by a short
    ending ("summit" finds "summits", "meet" finds "meeting"), which is close to what the
    stemmer lets BM25 match.
    """
    if not terms:
        return []
    wanted = set(terms)
    spans = []
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in wanted or any(_same_stem(word, term) for term in wanted):
            spans.append((match.start(), match.end()))
    return spans


def _same_stem(word: str, term: str) -> bool:
    if len(term) < 4 or len(word) < 4:
        return False
    shorter, longer = (word, term) if len(word) <= len(term) else (term, word)
    return longer.startswith(shorter[:-1] if shorter.endswith("e") else shorter) and len(longer) - len(shorter) <= 3

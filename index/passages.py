"""Splitting a clean article into passages that the model reads whole.

Pure functions: the token counter is passed in (the model's own tokenizer in
practice), so the budget is measured in the units the model truncates by.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import sentencex

from newsdex.index.words import WORD

TokenCounter = Callable[[str], int]

# Fallback boundary: end punctuation (and closing quotes), white space, then a capital or quote.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


# Characters after which a sentence may end, and those that may close one ("...said.”).
_ENDS = re.compile(r"[.!?…;:]")
_CLOSERS = "\"'”’)]» \t"


# Japanese and Chinese sentences end in full-width marks, with no space after them.
_CJK_STOP = re.compile(r"[。！？]")
_CJK_SENTENCE = re.compile(r"[^。！？]*[。！？]+[」』”’）)]*|[^。！？]+$")


def sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, in order, stripped; abbreviations like "Nov. 15" stay whole.

    Wikimedia's sentencex does the splitting: rule-based like pysbd, which newsdex used
    first, as good on news (it keeps `said.”` whole, which pysbd cut after the full stop)
    and far faster (docs/performance.md, "Figures behind the code"). A paragraph with no end
    punctuation before its last word is one sentence without asking. Should the pieces ever
    not add up to the paragraph, a plain punctuation rule is used instead so that no word is
    lost.
    """
    if _CJK_STOP.search(paragraph):
        return [s.strip() for s in _CJK_SENTENCE.findall(paragraph) if s.strip()]
    body = paragraph.rstrip(_CLOSERS).rstrip(".!?…").rstrip(_CLOSERS)
    if not _ENDS.search(body):
        return [paragraph.strip()] if paragraph.strip() else []
    pieces = sentencex.segment("en", paragraph)
    if "".join(pieces) != paragraph:
        pieces = _BOUNDARY.split(paragraph)
    return [s.strip() for s in pieces if s.strip()]


def _split_long_sentence(sentence: str, count_tokens: TokenCounter, budget: int) -> list[str]:
    """Word windows of a sentence longer than the budget, so the model never truncates it."""
    pieces: list[str] = []
    current: list[str] = []
    for word in sentence.split():
        candidate = " ".join(current + [word])
        if current and count_tokens(candidate) > budget:
            pieces.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
    if current:
        pieces.append(" ".join(current))
    # A single "word" longer than the budget (a URL, a hash) is cut by characters.
    out: list[str] = []
    for piece in pieces:
        while count_tokens(piece) > budget:
            cut = max(1, len(piece) * budget // max(count_tokens(piece), 1) - 1)
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out


def _units(paragraphs: Sequence[str], count_tokens: TokenCounter, budget: int) -> list[list[str]]:
    """Paragraphs as lists of sentence-sized units, each within the budget."""
    result = []
    for paragraph in paragraphs:
        units: list[str] = []
        for sentence in sentences(paragraph):
            if count_tokens(sentence) > budget:
                units.extend(_split_long_sentence(sentence, count_tokens, budget))
            else:
                units.append(sentence)
        if units:
            result.append(units)
    return result


def _join(blocks: list[list[str]]) -> str:
    return "\n".join(" ".join(block) for block in blocks if block)


def split_passages(paragraphs: Sequence[str], count_tokens: TokenCounter, budget: int,
                   overlap: int = 1, *, additive: bool = False) -> list[str]:
    """Passages of at most `budget` tokens that break at paragraph ends where they can.

    Whole paragraphs are packed together while they fit; a paragraph that does not fit
    starts a new passage, and one longer than the budget is split between sentences.
    Each passage after the first repeats the last `overlap` sentences of the one before
    (when they leave room), so a fact spanning a boundary is still found whole.

    `additive`: the tokenizer splits at white space first (WordPiece does), so a joined
    text has the sum of its sentences' tokens, and each sentence is counted once instead
    of every growing passage again (which was most of the splitting's cost).
    """
    if budget < 1:
        raise ValueError("budget must be positive")
    if additive:
        count_tokens = functools.cache(count_tokens)  # a sentence is measured in every passage it may join
    passages: list[str] = []
    blocks: list[list[str]] = []  # the passage being built: sentences grouped by paragraph
    tail: list[str] = []  # sentences of the passage just closed, for the overlap

    def size(parts: list[list[str]]) -> int:
        if additive:
            return sum(count_tokens(sentence) for block in parts for sentence in block)
        return count_tokens(_join(parts))

    def close() -> None:
        nonlocal blocks, tail
        if not any(block for block in blocks):
            return
        passages.append(_join(blocks))
        tail = [s for block in blocks for s in block][-overlap:] if overlap else []
        blocks = []

    def open_with_overlap(first: str) -> None:
        nonlocal blocks
        carried = list(tail)
        # The overlap may take at most half the budget, so every passage says something new.
        while carried and size([carried]) > budget // 2:
            carried.pop(0)
        while carried and size([carried + [first]]) > budget:
            carried.pop(0)
        blocks = [carried] if carried else []

    for units in _units(paragraphs, count_tokens, budget):
        if blocks and size(blocks + [units]) <= budget:
            blocks.append(units)
            continue
        if blocks and size(blocks) >= budget // 2:
            close()
        if not blocks:
            open_with_overlap(units[0])
        blocks.append([])
        for unit in units:
            blocks[-1].append(unit)
            if size(blocks) > budget:
                blocks[-1].pop()
                close()
                open_with_overlap(unit)
                blocks.append([unit])
    close()
    return passages


def _words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in WORD.findall(text))


def dedupe_passages(passages: Sequence[str], threshold: float = 0.9) -> list[str]:
    """Passages with near-identical ones (same words, Jaccard >= threshold) kept only once.

    Scraped pages repeat blocks with tiny differences (a caption with and without its
    credit); indexing both would give the same hit twice.
    """
    kept: list[str] = []
    seen: list[frozenset[str]] = []
    for passage in passages:
        words = _words(passage)
        if any(_jaccard(words, other) >= threshold for other in seen):
            continue
        kept.append(passage)
        seen.append(words)
    return kept


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)

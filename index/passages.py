"""Splitting a clean article into passages that the model reads whole.

Pure functions: the token counter is passed in (the model's own tokenizer in
practice), so the budget is measured in the units the model truncates by.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Sequence

import sentencex

from newsdex.index.words import WORD

TokenCounter = Callable[[str], int]

# Fallback boundary: end punctuation (and closing quotes), white space, then a capital or quote.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


# Characters after which a sentence may end, and those that may close one ("...said.”).
_ENDS = re.compile(r"[.!?…;:]")
_CLOSERS = "\"'”’)]» \t"


# sentencex reads a paragraph in time that grows with the square of its length where quotation
# marks go unclosed (it looks ahead for each one's closing mark), and holds the interpreter while
# it does: a paragraph longer than this is given to it a window at a time (`_segment`). No
# paragraph of the test sets or the BBC and SciFact corpora is longer, so none is split otherwise.
_WINDOW_CHARS = 10_000

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
    pieces = _segment(paragraph)
    if "".join(pieces) != paragraph:
        pieces = _BOUNDARY.split(paragraph)
    return [s.strip() for s in pieces if s.strip()]


def _segment(paragraph: str) -> list[str]:
    """sentencex's pieces of `paragraph`, found a window of _WINDOW_CHARS at a time (`_kept`
    says where each window stops). The pieces join to the paragraph whenever sentencex's do,
    which the caller checks."""
    pieces: list[str] = []
    start = 0
    while len(paragraph) - start > _WINDOW_CHARS:
        window = paragraph[start:start + _WINDOW_CHARS]
        found = sentencex.segment("en", window)
        if "".join(found) != window:
            return found  # sentencex changed the text: the caller splits by rule instead
        kept = _kept(found)
        pieces.extend(kept)
        start += sum(len(piece) for piece in kept)
    return pieces + sentencex.segment("en", paragraph[start:])


def _kept(found: list[str]) -> list[str]:
    """The pieces of a window that the next window need not read again.

    The last piece may be a sentence the window cut, so the next window starts where it does
    (unless it is over half a window: a "sentence" that long is cut where the window ends).
    Better still, the next window starts outside any quotation, since sentencex reads a window
    that opens inside one with its quotation marks the wrong way round: at the last piece end,
    past a quarter of the window, where the marks before it pair up. So every window moves on
    by a quarter of one at least.
    """
    kept = len(found) - 1 if len(found) > 1 and len(found[-1]) <= _WINDOW_CHARS // 2 else len(found)
    done = straight = curly = angled = 0
    outside = 0
    for index, piece in enumerate(found[:kept]):
        done += len(piece)
        straight += piece.count('"')
        curly += piece.count("“") - piece.count("”")
        angled += piece.count("«") - piece.count("»")
        if straight % 2 == 0 and curly == angled == 0 and done >= _WINDOW_CHARS // 4:
            outside = index + 1
    return found[:outside or kept]


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
    # A single "word" longer than the budget (a URL, a hash) is cut by characters, measured a
    # stretch of _WORD_STRETCH characters at a time: measuring all that is left of a word of
    # megabytes before each cut would take time in the square of its length.
    out: list[str] = []
    for word in pieces:
        for at in range(0, len(word), _WORD_STRETCH):
            piece = word[at:at + _WORD_STRETCH]
            while count_tokens(piece) > budget:
                cut = max(1, len(piece) * budget // max(count_tokens(piece), 1) - 1)
                out.append(piece[:cut])
                piece = piece[cut:]
            out.append(piece)
    return out


# Long enough for any URL or hash a news text holds, so those are cut as a whole.
_WORD_STRETCH = 20_000


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


# Near-identical passages are looked for among this many kept before (identical words among all):
# comparing each passage with every other would take time in the square of an article's length.
_NEAR_WINDOW = 64


def dedupe_passages(passages: Sequence[str], threshold: float = 0.9) -> list[str]:
    """Passages with near-identical ones (same words, Jaccard >= threshold) kept only once.

    Scraped pages repeat blocks with tiny differences (a caption with and without its
    credit); indexing both would give the same hit twice. A passage with the very words of any
    kept before is dropped; one that is only near-identical, when it is near one of the last
    _NEAR_WINDOW kept (every one, in an article of fewer passages than that).
    """
    kept: list[str] = []
    seen: set[frozenset[str]] = set()
    recent: deque[frozenset[str]] = deque(maxlen=_NEAR_WINDOW)
    for passage in passages:
        words = _words(passage)
        if words in seen or any(_jaccard(words, other) >= threshold for other in recent):
            continue
        kept.append(passage)
        seen.add(words)
        recent.append(words)
    return kept


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)

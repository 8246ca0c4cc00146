"""How well a result answers its question, as a number a reader can compare across questions:
the calibrated relevance (0-1) of a result, the floor below which it is a weak match, and the
note an answer carries when even its best result is below the floor.

A fused score (reciprocal rank fusion) says only where a passage ranks for this question;
the dense cosine between the question and the passage says how close they are in meaning,
on one scale for every question. A logistic curve maps the cosine to the chance that a
result of that cosine answers its question, fitted by bench/relevance.py on SciFact and
tests/data/seed_eval (each collection, and relevant against non-relevant results, weighted
alike): 0.5 is where a result is as likely a match as not. docs/performance.md,
"Relevance calibration", has the run that produced the constants below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Below this a result is a weak match: less likely to answer the question than not.
FLOOR = 0.5
# How the page and the terminal say a relevance in words, from the top: (at least, word).
WORDS = ((0.8, "strong match"), (0.65, "good match"), (FLOOR, "match"), (0.0, "weak match"))


@dataclass(frozen=True)
class Calibration:
    """relevance = 1 / (1 + exp(-(a * cosine + b)))."""

    a: float
    b: float

    def relevance(self, cosine: float) -> float:
        """The calibrated relevance of a result whose dense cosine with the question is `cosine`."""
        z = self.a * cosine + self.b
        if z < -60:  # exp would overflow: relevance is 0 to any shown precision
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def cosine_at(self, relevance: float) -> float:
        """The cosine whose relevance is `relevance` (0 < relevance < 1)."""
        return (math.log(relevance / (1 - relevance)) - self.b) / self.a


# Fitted by `bench/relevance.py` (SciFact test: 300 questions, 3,000 results; seed_eval: 28 questions, 279
# results; 10 results each in dense mode): 0.5 at cosine 0.478.
CALIBRATION = Calibration(a=8.592, b=-4.103)


def relevance_of(cosine: float) -> float:
    """A result's calibrated relevance (0-1), three decimals."""
    return round(CALIBRATION.relevance(cosine), 3)


def as_shown(relevance: float) -> str:
    """A relevance with two decimals, rounded down, so a weak match never reads as the floor (0.499: 0.49)."""
    return f"{math.floor(relevance * 100) / 100:.2f}"


def in_words(relevance: float) -> str:
    """'strong match', 'good match', 'match' or 'weak match'."""
    return next(word for least, word in WORDS if relevance >= least)


def is_weak(relevance: float | None) -> bool:
    """Below the floor; a result whose relevance is unknown (lexical mode) is not called weak."""
    return relevance is not None and relevance < FLOOR


def floor_note(best: float | None, *, shown: int, narrowed: str | None) -> str | None:
    """What an answer says when even its best result is below the floor (None when it is not,
    or when relevance is unknown); `narrowed` names the filters or dates searched within."""
    if best is None or shown == 0 or best >= FLOOR:
        return None
    where = f" {narrowed}" if narrowed else " in the archive"
    return (f"Nothing{where} answers this well: the best result's relevance is {as_shown(best)} (a match is "
            f"{FLOOR:.2f} or more); "
            + ("it is shown, marked as a weak match." if shown == 1 else
               f"all {shown} found are shown, marked as weak matches."))

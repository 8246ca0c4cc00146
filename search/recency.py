"""Recency: the decay on an article's age that `--recency HALF_LIFE` multiplies fused scores by.

Pure functions. A candidate published `age` days before the reference day (today or
as_of) gets factor 0.5 ** (age / half_life): 1 when new, 0.5 one half-life old. An article
dated after the reference day (an archive searched as of its own time) decays by how far
after it lies, so as_of is the moment the search is about. An undated article gets the median
factor of the dated candidates: neutral, neither lifted above the new nor buried below
the old, since its date is unknown rather than old.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import date


def recency_factor(published: str | None, today: date, half_life_days: int) -> float | None:
    """0.5 ** (age in days / half-life) for a YYYY-MM-DD date; None when undated (or unreadable)."""
    if not published:
        return None
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return None
    age = abs((today - day).days)
    return float(0.5 ** (age / half_life_days))


def decay(ranking: Sequence[tuple[int, float]], published: Mapping[int, str | None], today: date,
          half_life_days: int) -> tuple[list[tuple[int, float]], dict[int, float]]:
    """`ranking`'s (id, score) pairs with scores times their factor, best first, and each id's factor.

    A negative score (a dense cosine can be one) is divided by the factor instead, so age
    still lowers it. Ties keep their former order.
    """
    factors: dict[int, float | None] = {pid: recency_factor(published.get(pid), today, half_life_days)
                                        for pid, _ in ranking}
    dated = [f for f in factors.values() if f is not None]
    neutral = statistics.median(dated) if dated else 1.0
    final = {pid: neutral if f is None else f for pid, f in factors.items()}
    scored = [(pid, score * final[pid] if score >= 0 else score / max(final[pid], 1e-12)) for pid, score in ranking]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
    return [scored[i] for i in order], final

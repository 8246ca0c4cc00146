"""Checking and tidying a question before it reaches the model."""

from __future__ import annotations

import re
import unicodedata

from newsdex.errors import InvalidQuery

_SPACE = re.compile(r"\s+")


def clean_query(query: str, max_chars: int) -> str:
    """The question with control characters dropped and white space folded; an error if unusable."""
    if not isinstance(query, str):
        raise InvalidQuery("the question must be text")
    # Control characters and lone surrogates go; format and private-use characters stay
    # (harmless to the model and BM25), so that the API schema can say what an empty
    # question is: one without a printable character (api.schemas.QUESTION_PATTERN).
    text = "".join(ch for ch in unicodedata.normalize("NFC", query)
                   if unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\t\n\r")
    text = _SPACE.sub(" ", text).strip()
    if not text:
        raise InvalidQuery("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuery(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text


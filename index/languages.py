"""Which language an article is written in, and how its words are analysed for BM25.

Detection is py3langid (langid.py's maintained fork: one model file in the wheel, no
network, about half a millisecond an article). An article whose language it is not sure
of (below MIN_CONFIDENCE) is stored with no language and analysed as English, which is
what every article was before languages existed; all 5,183 SciFact abstracts come out
"en" at 1.0, so the measured figures cannot move.

Each analysis is a BM25 field of its own (index.bm25), so a passage is scored only by the
analyzer of its language while a question is analysed by all of them:
- English (and unknown): Porter stemming, folded to ASCII, as before;
- the languages tantivy has a Snowball stemmer for: that stemmer, accents kept (Turkish
  "İstanbul'da" must not fold to "istanbul'da" before stemming);
- Japanese, Chinese, Korean, Thai, Lao, Khmer, Burmese, written without spaces between
  words (Korean between phrases, with particles attached): character bigrams, as Lucene's
  CJK analyzer does, since tantivy's word tokenizer would make each sentence one token;
- everything else: words lower-cased and folded, not stemmed.
"""

from __future__ import annotations

import functools
import re

# Below this normalised probability the language is not stored (and English analysis is used).
MIN_CONFIDENCE = 0.9
# Enough text to be sure, little enough to stay fast on long articles.
SAMPLE_CHARS = 2000

# ISO 639-1 code -> tantivy's (rust-stemmers') stemmer name.
STEMMERS = {
    "ar": "arabic", "da": "danish", "nl": "dutch", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hu": "hungarian", "it": "italian", "no": "norwegian", "nb": "norwegian", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
}
# Written without spaces between words: character bigrams.
BIGRAMS = frozenset({"ja", "zh", "ko", "th", "lo", "km", "my"})

ENGLISH_FIELD = "body"  # the field every build had before languages: English and unknown
PLAIN_FIELD = "body_plain"
BIGRAM_FIELD = "body_cjk"

_CODE = re.compile(r"^[a-z]{2,3}$")


def field_for(lang: str | None) -> str:
    """The BM25 field whose analyzer suits an article in `lang`."""
    if lang is None or lang == "en":
        return ENGLISH_FIELD
    if lang in STEMMERS:
        return f"body_{STEMMERS[lang]}"
    return BIGRAM_FIELD if lang in BIGRAMS else PLAIN_FIELD


def all_fields() -> list[str]:
    """Every BM25 text field, English first."""
    stemmed = sorted({f"body_{name}" for name in STEMMERS.values()})
    return [ENGLISH_FIELD, *stemmed, BIGRAM_FIELD, PLAIN_FIELD]


def language_code(value: str) -> str | None:
    """`value` as a stored language code ("TR", " ja " -> "tr", "ja"); None when it is not one."""
    code = value.strip().lower().split("-")[0].split("_")[0]
    return code if _CODE.match(code) else None


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # imported here: loading the model takes 0.1 s

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in; None when unsure."""
    sample = text[:SAMPLE_CHARS]
    if not sample.strip():
        return None
    lang, confidence = _identifier().classify(sample)
    return lang if confidence >= MIN_CONFIDENCE else None

"""The names of the months, the one vocabulary of newsdex's date readers.

Two readers name months: `index.clean` reads the written dates of article headers and
datelines (English only: a wrong date filters an article out of searches), and
`search.question.dates` picks out the date phrases of questions (English, German, French and
Spanish, the languages it gives dateparser). Each takes the named set it reads, so a spelling
added for one language never changes what a reader of another reads. (An article's own date
field, `index.articles.dates`, is read by `datetime.strptime`, which knows English months itself.)
"""

from __future__ import annotations

# A language's month names: twelve entries, January first, each the month's spellings (the
# usual one first; unaccented ones beside accented ones).
Months = tuple[tuple[str, ...], ...]


def _months(names: str) -> Months:
    """Twelve months from "january february ...", a month's other spellings joined by "|"."""
    months = tuple(tuple(spellings.split("|")) for spellings in names.split())
    assert len(months) == 12, names
    return months


ENGLISH = _months("january february march april may june july august september october november december")
ENGLISH_SHORT = _months("jan feb mar apr may jun jul aug sep|sept oct nov dec")
GERMAN = _months("januar februar märz april mai juni juli august september oktober november dezember")
FRENCH = _months("janvier février|fevrier mars avril mai juin juillet août|aout septembre octobre novembre "
                 "décembre|decembre")
SPANISH = _months("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre")


def spellings(*languages: Months) -> list[str]:
    """Every spelling of `languages`, month by month, each language in turn (repeats kept)."""
    return [spelling for months in languages for month in months for spelling in month]


def month_numbers(*languages: Months) -> dict[str, int]:
    """Each spelling of `languages` with its month's number (1 for January), in the order given."""
    return {spelling: number for months in languages
            for number, month in enumerate(months, start=1) for spelling in month}

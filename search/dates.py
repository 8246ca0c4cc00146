"""Reading the dates a question names ("in July 2024", "since October", "last week") as a since/until range.

A pure step of question understanding: `read_dates(question, as_of)` returns the question
without its date phrase and the range the phrase means. dateparser reads the date itself
(month names in many languages, "3 days ago"); this module decides what counts as a date
phrase at all. It is strict on purpose: a phrase is read only where a cue word ("in",
"since", "between ... and") or a year makes it plainly a date, since reading "Theresa May
said" or "the 1963 Test Ban Treaty" as a date would filter out every right answer, while
leaving a real date phrase alone only costs a little precision.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Month names and abbreviations dateparser reads in English, German, French and Spanish;
# a word is a candidate month only when it is one of these (dateparser then reads it).
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "januar februar märz mai juni juli oktober dezember "
    "janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre decembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
_MONTH = r"(?:" + "|".join(sorted({re.escape(m) for m in _MONTHS}, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:1[6-9]\d\d|20\d\d|21\d\d)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
# One absolute date: "22 November 1963", "November 22, 1963", "July 2024", "July", "1963", "2024-07-05".
_ABSOLUTE = (rf"(?:\d{{4}}-\d\d-\d\d|\d{{4}}-\d\d|{_DAY}\.?\s+{_MONTH}(?:,?\s+{_YEAR})?"
             rf"|{_MONTH}\s+{_DAY}(?:,\s*|\s+){_YEAR}|{_MONTH}(?:\s+{_YEAR})?|{_YEAR})")
_RELATIVE = (r"(?:yesterday|today|this\s+(?:week|month|year)|(?:last|past|previous)\s+(?:week|month|year)"
             r"|(?:the\s+)?(?:last|past)\s+\d{1,3}\s+(?:days?|weeks?|months?|years?)"
             r"|\d{1,3}\s+(?:days?|weeks?|months?|years?)\s+ago)")
# Cue words before a date, English first, then the German, French and Spanish ones.
_IN = r"(?:in|during|on|im|am|en|au|cours\s+de|durante)"
_SINCE = r"(?:since|from|seit|ab|depuis|desde)"
_AFTER = r"(?:after|nach|après|apres|después\s+de)"
_BEFORE = r"(?:before|vor|avant|antes\s+de)"
_UNTIL = r"(?:until|till|through|up\s+to|bis|jusqu'?à|jusqu'en|hasta)"
_AND = r"(?:and|to|until|through|und|bis|et|à|y|a|-|–)"
_BETWEEN = r"(?:between|from|zwischen|von|entre|de|du)"

_PATTERNS = [
    ("range", re.compile(rf"\b{_BETWEEN}\s+(?P<a>{_ABSOLUTE})\s+{_AND}\s+(?P<b>{_ABSOLUTE})(?!\w)", re.I)),
    ("since", re.compile(rf"\b{_SINCE}\s+(?P<a>{_ABSOLUTE}|{_RELATIVE})(?!\w)", re.I)),
    ("after", re.compile(rf"\b{_AFTER}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    ("before", re.compile(rf"\b{_BEFORE}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    ("until", re.compile(rf"\b{_UNTIL}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    ("in", re.compile(rf"\b(?:{_IN}\s+)?(?:the\s+)?(?P<a>{_RELATIVE})(?!\w)", re.I)),
    ("in", re.compile(rf"\b{_IN}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    # Without a cue only what is plainly a date: a day or a month with its year.
    ("in", re.compile(rf"(?<!\w)(?P<a>\d{{4}}-\d\d-\d\d|{_DAY}\.?\s+{_MONTH},?\s+{_YEAR}|{_MONTH}\s+{_DAY},?\s+{_YEAR}"
                      rf"|{_MONTH}\s+{_YEAR})(?!\w)", re.I)),
]
_SPACE = re.compile(r"\s+")
# What is left around a removed phrase: "Kursk , " reads "Kursk".
_DANGLING = re.compile(r"\s+([,.;:?!])|^[\s,;:]+|[\s,;:]+$")


@dataclass(frozen=True)
class DateReading:
    """A question's date phrase and the inclusive range (YYYY-MM-DD) it means; None where open."""

    query: str  # the question without the phrase: what the retrievers see
    phrase: str
    since: str | None
    until: str | None


def read_dates(question: str, as_of: date) -> DateReading | None:
    """The first date phrase of `question` read against `as_of` (for "last week", "October"), or None.

    A phrase dateparser cannot read is left in the question. A question that is nothing but
    its date ("yesterday") keeps its words, for the retrievers need some, and the range still applies.
    """
    found = None
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(question):
            reading = _read(kind, match, as_of)
            if reading is not None and (found is None or match.start() < found[0].start()):
                found = (match, reading)
                break
    if found is None:
        return None
    match, (since, until) = found
    rest = _DANGLING.sub(lambda m: m.group(1) or "", _SPACE.sub(" ", question[:match.start()] + " "
                                                                  + question[match.end():])).strip()
    if not any(ch.isalnum() for ch in rest):
        rest = question
    return DateReading(query=rest, phrase=match.group().strip(), since=since, until=until)


def _read(kind: str, match: re.Match, as_of: date) -> tuple[str | None, str | None] | None:
    first = _span(match.group("a"), as_of)
    if first is None:
        return None
    start, end = first
    if kind == "range":
        second = _span(match.group("b"), as_of)
        if second is None:
            return None
        if start > second[0] and not re.search(_YEAR, match.group("a")):
            # "between November and February 2024": the first month is the year before.
            start = _year_before(start)
        if re.search(_YEAR, match.group("b")) and not re.search(_YEAR, match.group("a")):
            year = second[0].year if start <= second[0] else second[0].year - 1
            start = start.replace(year=year)
        if start > second[1]:
            return None
        return start.isoformat(), second[1].isoformat()
    if kind == "since":
        return start.isoformat(), None
    if kind == "after":
        return (end + timedelta(days=1)).isoformat(), None
    if kind == "before":
        return None, (start - timedelta(days=1)).isoformat()
    if kind == "until":
        return None, end.isoformat()
    return start.isoformat(), end.isoformat()


def _span(text: str, as_of: date) -> tuple[date, date] | None:
    """The first and last day that `text` (one date, absolute or relative) covers."""
    words = _SPACE.sub(" ", text.lower().strip())
    relative = _relative(words, as_of)
    if relative is not None:
        return relative
    if re.fullmatch(r"\d{4}-\d\d-\d\d", words):
        try:
            day = date.fromisoformat(words)
        except ValueError:
            return None
        return day, day
    if re.fullmatch(_YEAR, words):
        return date(int(words), 1, 1), date(int(words), 12, 31)
    parsed = _parse(words, as_of)
    if parsed is None:
        return None
    when, period = parsed
    if period == "year":
        return date(when.year, 1, 1), date(when.year, 12, 31)
    if period == "month":
        return when.replace(day=1), when.replace(day=calendar.monthrange(when.year, when.month)[1])
    return when, when


def _relative(words: str, as_of: date) -> tuple[date, date] | None:
    if words == "today":
        return as_of, as_of
    if words == "yesterday":
        day = as_of - timedelta(days=1)
        return day, day
    match = re.fullmatch(r"this (week|month|year)", words)
    if match:
        unit = match.group(1)
        start = (as_of - timedelta(days=as_of.weekday()) if unit == "week"
                 else as_of.replace(day=1) if unit == "month" else as_of.replace(month=1, day=1))
        return start, as_of
    match = re.fullmatch(r"(?:last|past|previous) (week|month|year)", words)
    if match:
        unit = match.group(1)
        if unit == "week":  # the seven days before as_of
            return as_of - timedelta(days=7), as_of - timedelta(days=1)
        if unit == "month":  # the calendar month before as_of's
            last = as_of.replace(day=1) - timedelta(days=1)
            return last.replace(day=1), last
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    match = re.fullmatch(r"(?:the )?(?:last|past) (\d{1,3}) (day|week|month|year)s?", words)
    if match:
        return _back(as_of, int(match.group(1)), match.group(2)), as_of
    match = re.fullmatch(r"(\d{1,3}) (day|week|month|year)s? ago", words)
    if match:
        day = _back(as_of, int(match.group(1)), match.group(2))
        return day, day
    return None


def _back(as_of: date, count: int, unit: str) -> date:
    if unit == "day":
        return as_of - timedelta(days=count)
    if unit == "week":
        return as_of - timedelta(weeks=count)
    months = as_of.year * 12 + as_of.month - 1 - (count if unit == "month" else 12 * count)
    year, month = divmod(months, 12)
    return date(year, month + 1, min(as_of.day, calendar.monthrange(year, month + 1)[1]))


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))


def _parse(words: str, as_of: date) -> tuple[date, str] | None:
    """dateparser's reading of one date phrase: the date and its period (day, month or year)."""
    data = _parser(as_of).get_date_data(words.rstrip("."))
    if data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day"


@functools.lru_cache(maxsize=8)
def _parser(as_of: date):
    from dateparser.date import DateDataParser  # imported here: it takes a moment, and not every search reads dates

    base = datetime(as_of.year, as_of.month, as_of.day)
    # A month named without its year ("since October") is the last one before as_of.
    return DateDataParser(languages=["en", "de", "fr", "es"],
                          settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                    "PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": True})

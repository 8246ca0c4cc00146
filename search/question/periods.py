"""The periods a question names besides a plain day, month or year: seasons, the early, mid or
late part of a month or year, halves, quarters, weeks and numeric dates; each form's words and days.

Pure, and read without dateparser. `search.question.dates` finds a phrase (its cue words, its
ranges); each form here is one entry of FORMS: its pattern, which dates.py puts into its grammar
(so "since", "between ... and" and the rest take every form), the pattern it is read by without
a cue word (a form plain enough to be a date on its own: "summer 2024", "Q3 2023"), and the
reader of its days. A reader takes the phrase's words and returns its first and last day, or
None where the words name no day (a 53rd week of a year that has 52). A form written without
its year is the last one begun by the reference day, as dateparser reads a month without its year.

Seasons are the northern hemisphere's meteorological ones; a winter is the one that begins in
December of the year named ("winter 2022", "winter 2022/23": 2022-12-01 to 2023-02-28).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from newsdex.index.months import ENGLISH, ENGLISH_SHORT, FRENCH, GERMAN, SPANISH, month_numbers

# Month names and abbreviations dateparser reads in English, German, French and Spanish; a
# word is a candidate month only when it is one of these.
MONTH_NUMBER = month_numbers(ENGLISH, ENGLISH_SHORT, GERMAN, FRENCH, SPANISH)


def _either(words) -> str:
    """An alternation of `words`, longest first (so "ersten" is tried before "erste")."""
    return "(?:" + "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True)) + ")"


def _table(groups: dict) -> dict[str, int]:
    """{value: "word word ..."} as {word: value}."""
    return {word: value for value, words in groups.items() for word in words.split()}


MONTH = _either(MONTH_NUMBER) + r"\.?"
YEAR = r"(?:1[6-9]\d\d|20\d\d|21\d\d)"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er)?"

# The month each season begins with.
SEASONS = _table({3: "spring printemps frühling fruhling frühjahr fruhjahr primavera",
                  6: "summer été ete sommer verano",
                  9: "autumn fall automne herbst otoño otono",
                  12: "winter hiver invierno"})
# Early, mid, late: the first, second and last third of a month (days 1-10, 11-20, 21 on) or year.
PARTS = _table({0: "early début debut anfang principios comienzos inicios",
                1: "mid mi mitte mediados",
                2: "late fin ende finales fines"})
# Ordinal words; -1 is "last". German writes "1." (the digits are read with their dot).
ORDINALS = _table({1: "1 first 1st premier première premiere 1er 1re erste ersten erster erstes primer primera primero",
                   2: "2 second 2nd deuxième deuxieme 2e 2ème seconde zweite zweiten zweiter zweites segundo segunda",
                   3: "3 third 3rd troisième troisieme 3e 3ème dritte dritten dritter drittes tercer tercera tercero",
                   4: "4 fourth 4th quatrième quatrieme 4e 4ème vierte vierten vierter viertes cuarto cuarta",
                   -1: "last dernière derniere letzte letzten letzter última ultima"})

_ART = r"(?:(?:the|la|le|el|die|der|das)\s+|l['’]\s*)?"
_ORD = r"(?:" + _either(w for w in ORDINALS if not w.isdigit()) + r"|[1-4]\.)"
_OF = r"(?:(?:of|de|del|von|des)\s+|d['’]\s*)"
_WITH_YEAR = rf"(?:,?\s+(?:(?:of|de|del)\s+)?{YEAR})"
_SEASON = rf"{_ART}{_either(SEASONS)}"
# A season's year: "2023", "of 2023", "2022/23", or "of '63" (the two-digit year read as a numeric date's).
_SEASON_YEAR = rf"(?:\s+{_OF}?|\s*,\s*)(?:{YEAR}(?:\s*[/-]\s*(?:\d{{4}}|\d\d))?|['’]\d\d)"
# The part words with what may follow them: "early ", "mid-", "début de ", "à la mi-", "a principios de ".
_PART = (r"(?:(?:early|late|anfang|mitte|ende)\s+|mid(?:-|\s+)|(?:début|debut|fin)\s+(?:de\s+|d['’]\s*)?"
         r"|(?:[àa]\s+la\s+)?mi-|(?:a\s+)?(?:principios|comienzos|inicios|mediados|finales|fines)\s+del?\s+)")
_HALF = (rf"(?:{_ART}{_ORD}\s+(?:half|semestre|halbjahr|hälfte|haelfte|mitad|moitié|moitie)\s+{_OF}?{YEAR}"
         rf"|H[12]\s*{YEAR})")
_QUARTER = (rf"(?:Q[1-4](?:\s*[/-]\s*|\s+)?{YEAR}|{YEAR}\s*-?\s*Q[1-4]"
            rf"|{_ART}{_ORD}\s+(?:quarter|trimestre|quartal)\s+{_OF}?{YEAR})")
_WEEK = r"(?:week|semaine|woche|semana)"
_WEEK_OF_MONTH = rf"{_ART}{_ORD}\s+{_WEEK}\s+(?:(?:of|in|de|im|des|del|von)\s+|d['’]\s*){MONTH}{_WITH_YEAR}?"
# A dotted date with a two-digit year writes day and month with two digits ("18.01.23"), so that
# "version 1.2.23" stays words.
NUMERIC = r"(?:\d{1,2}/\d{1,2}/(?:\d{4}|\d\d)|\d{1,2}\.\d{1,2}\.\d{4}|\d\d\.\d\d\.\d\d)(?![./]?\d)"
_ONE_DAY = (rf"(?:\d{{4}}-\d\d-\d\d|{NUMERIC}|{DAY}\.?\s+(?:de\s+)?{MONTH}(?:,?\s+(?:de\s+)?{YEAR})?"
            rf"|{MONTH}\s+{DAY}(?:,?\s+{YEAR})?)")
_WEEK_FROM_DAY = rf"{_ART}{_WEEK}\s+(?:of|du|vom|del|de)\s+{_ONE_DAY}"
_ISO_WEEK = rf"{YEAR}-?W(?:0[1-9]|[1-4]\d|5[0-3])"

# The calendar a date can hold, as ordinals: a period is cut to it.
FIRST_DAY, LAST_DAY = date.min.toordinal(), date.max.toordinal()
_WORD = re.compile(r"\w+")


class OffCalendar(Exception):
    """A date phrase whose range holds no day from 0001-01-01 to 9999-12-31 ("before 0001-01-01")."""


@dataclass(frozen=True)
class Form:
    """One way of naming a period: its pattern, its pattern without a cue word, and its reader."""

    name: str  # what `interpreted.rule` calls it
    pattern: str  # within a cue's phrase ("in the spring of 2023", "since early November")
    bare: str | None  # on its own, with no cue word (None: only after one)
    read: Callable[[list[str], str, date, str], tuple[date, date] | None]  # (words, text, as_of, order)
    whole: re.Pattern = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "whole", re.compile(self.pattern, re.I))


def days(first: int, last: int) -> tuple[date, date]:
    """The days from ordinal `first` to `last` that a date can hold; OffCalendar where it holds none."""
    first, last = max(first, FIRST_DAY), min(last, LAST_DAY)
    if first > last:
        raise OffCalendar
    return date.fromordinal(first), date.fromordinal(last)


def month_span(year: int, first: int, last: int = 0) -> tuple[date, date]:
    """Months `first` to `last` (default: `first` alone) of `year`, `last` past 12 running into the next year."""
    last = last or first
    end_year, end_month = year + (last - 1) // 12, (last - 1) % 12 + 1
    if not (date.min.year <= year and end_year <= date.max.year):
        raise OffCalendar
    return date(year, first, 1), date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])


def _year(words: list[str]) -> int | None:
    return next((int(w) for w in words if len(w) == 4 and w.isdigit()), None)


def _month(words: list[str]) -> int | None:
    return next((MONTH_NUMBER[w] for w in words if w in MONTH_NUMBER), None)


def _ordinal(words: list[str]) -> int | None:
    return next((ORDINALS[w] for w in words if w in ORDINALS), None)


def _anchored(month: int, as_of: date) -> int:
    """The year of the last `month` begun by as_of (this year's, or last year's if it is yet to come)."""
    year = as_of.year if month <= as_of.month else as_of.year - 1
    if year < date.min.year:
        raise OffCalendar
    return year


def _season(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    start = next(SEASONS[w] for w in words if w in SEASONS)
    year = _year(words)
    short = re.search(r"['’](\d\d)$", text)
    if short:
        year = century(int(short.group(1)), as_of)
    numbers = [w for w in words if w.isdigit()]
    if len(numbers) > 1:  # "winter 2022/23": only a winter spans two years, the next one
        if start != 12 or int(numbers[1]) not in (int(numbers[0]) + 1, (int(numbers[0]) + 1) % 100):
            return None
    return month_span(year if year is not None else _anchored(start, as_of), start, start + 2)


def _part(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    third = next(PARTS[w] for w in words if w in PARTS)
    month, year = _month(words), _year(words)
    if month is None:  # a part of a year: January-April, May-August, September-December
        assert year is not None
        return month_span(year, 4 * third + 1, 4 * third + 4)
    first, last = month_span(year if year is not None else _anchored(month, as_of), month)
    return first.replace(day=(1, 11, 21)[third]), (last if third == 2 else first.replace(day=(10, 20)[third]))


def _half(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    short = re.match(r"h([12])", text, re.I)
    half = int(short.group(1)) if short else _ordinal(words)
    year = int(re.findall(YEAR, text)[-1])
    if half not in (1, 2, -1):
        return None
    return month_span(year, 1, 6) if half == 1 else month_span(year, 7, 12)


def _quarter(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    short = re.search(r"q([1-4])", text, re.I)
    quarter = int(short.group(1)) if short else _ordinal(words)
    year = int(re.findall(YEAR, text)[-1])
    if quarter is None:
        return None
    quarter = 4 if quarter == -1 else quarter
    return month_span(year, 3 * quarter - 2, 3 * quarter)


def _week_of_month(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    week, month, year = _ordinal(words), _month(words), _year(words)
    if week is None or month is None:
        return None
    first, last = month_span(year if year is not None else _anchored(month, as_of), month)
    if week == -1:
        return last.replace(day=last.day - 6), last
    return first.replace(day=7 * week - 6), first.replace(day=7 * week)


def _week_from_day(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    day = one_day(text[re.search(r"\s(?:of|du|vom|del|de)\s", text, re.I).end():], as_of, order)  # type: ignore[union-attr]
    if day is None:
        return None
    return days(day.toordinal(), day.toordinal() + 6)


def _iso_week(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    year, week = (int(n) for n in re.findall(r"\d+", text))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:  # a 53rd week of a year that has 52
        return None
    return days(monday.toordinal(), monday.toordinal() + 6)


def _numeric(words: list[str], text: str, as_of: date, order: str) -> tuple[date, date] | None:
    day = numeric_day(text, as_of, order)
    return None if day is None else (day, day)


def numeric_first(text: str, order: str) -> str:
    """Which number of a numeric date is the month ("month" or "day" first), by the setting `order`:
    auto reads "/" month first (1/18/23) and "." day first (18.01.2023)."""
    if order == "auto":
        return "month" if "/" in text else "day"
    return order.split("-")[0]


def century(year: int, as_of: date) -> int:
    """A two-digit year as the one from 89 years before to 10 after the reference day's."""
    return year + (as_of.year + 10 - year) // 100 * 100


def numeric_day(text: str, as_of: date, order: str) -> date | None:
    """The day a numeric date names; a two-digit year is the one from 89 years before to 10
    after the reference day's ("1/18/23" as of 2024 is 2023; "05.06.63" as of 1963 is 1963)."""
    a, b, year = (int(n) for n in re.findall(r"\d+", text))
    month, day = (a, b) if numeric_first(text, order) == "month" else (b, a)
    if year < 100:
        year = century(year, as_of)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def one_day(text: str, as_of: date, order: str) -> date | None:
    """The day `text` names (ISO, numeric, or a day and month with or without its year); None
    where there is no such day. Without a year: the last such day by the reference day."""
    text = text.strip()
    if re.fullmatch(NUMERIC, text):
        return numeric_day(text, as_of, order)
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return date.fromisoformat(text)
        words = _WORD.findall(text.lower())
        month, year = _month(words), _year(words)
        day = next(int(re.match(r"\d+", w).group()) for w in words if w[0].isdigit() and len(w) != 4)  # type: ignore[union-attr]
        if month is None:
            return None
        if year is None:
            year = as_of.year if (month, day) <= (as_of.month, as_of.day) else as_of.year - 1
        return date(year, month, day)
    except (ValueError, StopIteration):
        return None


MONTH_PART = rf"{_PART}{MONTH}{_WITH_YEAR}?"
FORMS = [
    # Form(name, in a cue's phrase, on its own, reader); dates.py tries them in this order.
    Form("ISO week (Monday to Sunday)", _ISO_WEEK, _ISO_WEEK, _iso_week),
    Form("quarter of a year", _QUARTER, _QUARTER, _quarter),
    Form("half of a year", _HALF, _HALF, _half),
    Form("part of a year (early: January-April, mid: May-August, late: September-December)",
         rf"{_PART}{YEAR}", rf"{_PART}{YEAR}", _part),
    Form("part of a month (early: days 1-10, mid: 11-20, late: 21 to the end)", MONTH_PART, MONTH_PART, _part),
    Form("season, northern hemisphere (spring: March-May, summer: June-August, autumn: September-November, "
         "winter: December to February)", rf"{_SEASON}(?:{_SEASON_YEAR})?",
         rf"{_SEASON}{_SEASON_YEAR}", _season),
    Form("week of a month (first: days 1-7, second: 8-14, third: 15-21, fourth: 22-28, last: the last seven)",
         _WEEK_OF_MONTH, _WEEK_OF_MONTH,
         _week_of_month),
    Form("week of a day (that day and the six after it)", _WEEK_FROM_DAY, _WEEK_FROM_DAY, _week_from_day),
    Form("numeric date", NUMERIC, NUMERIC, _numeric),
]


def read_period(text: str, as_of: date, order: str) -> tuple[Form, tuple[date, date] | None] | None:
    """The form `text` is written in and the days it covers (None: no such days); None where
    `text` is in none of FORMS (a plain day, month or year, for dateparser)."""
    for form in FORMS:
        if form.whole.fullmatch(text):
            return form, form.read(_WORD.findall(text.lower()), text, as_of, order)
    return None

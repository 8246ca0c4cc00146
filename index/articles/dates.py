"""An article's publication date: `normalise_date` makes what a record or a page gives ISO 8601."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

log = logging.getLogger(__name__)

# Written-out dates that news feeds use besides ISO 8601.
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%Y/%m/%d", "%d.%m.%Y")


def normalise_date(value: object) -> str | None:
    """ISO 8601 for a publication date: "YYYY-MM-DD", or a full datetime when a time is given.

    Returns None for a value that is no recognisable date (logged, since the article is
    still worth indexing without it).
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC).isoformat()  # Unix seconds
        except (OverflowError, OSError, ValueError):
            pass
    elif isinstance(value, str):
        parsed = _parse_date(value.strip())
        if parsed:
            return parsed
    log.warning("ignoring unrecognised date %r", value)
    return None


def _parse_date(text: str) -> str | None:
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return datetime.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text).isoformat()  # RFC 2822, as in RSS feeds
    except (TypeError, ValueError, IndexError):
        return None

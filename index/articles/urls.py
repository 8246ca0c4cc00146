"""Which addresses an article keeps as its url: `web_url`, http(s) only, so a link shown never runs script."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Anything a browser would strip or act on inside a URL (tabs and newlines vanish from
# "java\tscript:"), so such a value is never taken for a web address.
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def web_url(value: str | None) -> str | None:
    """`value` if it is an http(s) address, else None.

    Pages show an article's url as a link; a javascript: (or data:, vbscript:) one would
    run script in the page of whoever clicks it, so only web addresses are ever kept.
    """
    if value is None:
        return None
    text = value.strip()
    if _CONTROL.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None

"""An article's id on the web: its canonical address (`canonical_url`), so that one article reached
through a feed, a sitemap, a share link or a redirect is one article.

The page's own <link rel="canonical"> wins (trafilatura reads it, with og:url after it); without
one, the address fetched, with tracking parameters, the fragment and the default port taken off
and the scheme and host in lower case.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that say how a reader arrived, not what they read. Prefixes end in "_".
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "at_", "hsa_")
TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "_hsenc", "_hsmi", "ref_src", "ref_url", "cmpid", "ocid", "smid", "sr_share", "s_cid", "ito",
    "guccounter", "guce_referrer", "guce_referrer_sig", "oly_enc_id", "oly_anon_id", "vero_id", "wt_mc",
})
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_NAMES or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """`url` as an id: tracking parameters, fragment and default port gone, scheme and host lower case,
    an empty path as "/", a user name and password left out; the other parameters kept in their order."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)])
    return urlunsplit((scheme, host, parts.path or "/", query, ""))

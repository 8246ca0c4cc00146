"""Articles from the web: feeds, sitemaps and address lists followed, pages fetched politely and
read by trafilatura, each article's id its canonical address (`newsdex ingest`).

Its modules, each one job: `fetch` (HTTP within limits: robots.txt, per-host delay and concurrency,
timeouts, sizes, redirects, conditional requests), `listings` (what a feed, sitemap or list names),
`canonical` (an address as an id), `memory` (what was fetched, for the next run's conditional
requests) and `run` (one ingest run through the `Indexer`, `ingest`).
"""

from newsdex.index.ingest.canonical import canonical_url
from newsdex.index.ingest.fetch import USER_AGENT, Fetcher, FetchFailed, Policy
from newsdex.index.ingest.listings import Entry, Listing, read_listing
from newsdex.index.ingest.run import IngestReport, ingest

__all__ = ["USER_AGENT", "Entry", "FetchFailed", "Fetcher", "IngestReport", "Listing", "Policy", "canonical_url",
           "ingest", "read_listing"]

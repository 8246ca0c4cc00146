"""The Article type, and reading articles from files of each supported format: what the rest of
newsdex imports from this package.

`load_articles` walks files and folders and yields an `Article` for each readable
article and a `Skipped` (with the reason) for each one that is not, so one bad file
never stops a build; it reads lazily (a .jsonl a line at a time), so a build can embed
as it goes. `article_from_record` is the one way a JSON record (from a file or
the HTTP API) becomes an article.

Its modules, each one job: `model` (the types), `sources` (one article from one page or
record), `files` (the articles in one file), `decoding` (a file's bytes as text), `folders`
(walking, symlinks, duplicate ids), `dates` (publication dates) and `urls` (which urls are kept).
"""

from newsdex.index.articles.dates import normalise_date
from newsdex.index.articles.decoding import MAX_FILE_BYTES, MAX_LINE_BYTES
from newsdex.index.articles.files import (
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    read_file,
)
from newsdex.index.articles.folders import FirstSeen, article_files, file_ids, load_articles
from newsdex.index.articles.model import Article, Skipped
from newsdex.index.articles.sources import (
    _title_element as _title_element,  # for tests/test_linear.py's growth test
)
from newsdex.index.articles.sources import (
    article_from_html,
    article_from_record,
    article_from_text,
)
from newsdex.index.articles.urls import web_url

__all__ = [
    "HTML_SUFFIXES", "JSON_SUFFIXES", "MAX_FILE_BYTES", "MAX_LINE_BYTES", "SUPPORTED_SUFFIXES", "TEXT_SUFFIXES",
    "Article", "FirstSeen", "Skipped", "article_files", "article_from_html", "article_from_record",
    "article_from_text", "file_ids", "load_articles", "normalise_date", "read_file", "web_url",
]

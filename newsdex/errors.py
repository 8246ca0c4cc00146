"""The few named errors newsdex raises deep inside and turns into messages at the edges.

The CLI prints `error: <message>` and exits non-zero; the API maps each type to an
HTTP status. Messages are written for the person at the keyboard: they say what went
wrong and what to do about it.
"""


class NewsdexError(Exception):
    """Base of every error a user should see as a one-line message, not a traceback."""


class IndexNotFound(NewsdexError):
    """No index exists where one was expected."""


class IndexIncompatible(NewsdexError):
    """The index exists but cannot be used as is: other model, other format, damaged."""


class BadArticle(NewsdexError):
    """One input file or record cannot be read as an article; the others still can."""


class ModelUnavailable(NewsdexError):
    """The embedding model cannot be loaded (unknown name, no weights offline)."""


class InvalidQuery(NewsdexError):
    """A question or a search option is out of bounds (empty, too long, k out of range)."""


class ArticleNotFound(NewsdexError):
    """An article id that is not in the index."""


class IndexBusy(NewsdexError):
    """Another build holds the index's write lock, and waiting for it timed out (HTTP 503 + Retry-After)."""


class IndexUnwritable(NewsdexError):
    """The index's storage refuses the write: read-only, no permission, or full. Nothing was changed."""


class StoreUnavailable(NewsdexError):
    """The store the settings name cannot be used here: its server does not answer, or the
    extra it needs (pip install 'newsdex[scale]') is not installed."""


class IndexShrink(NewsdexError):
    """A rebuild would remove most of the live index's articles and was not confirmed (--force); nothing changed."""

"""Listings of who said what: a person's statements (`newsdex quotes`, GET /quotes) and the
people quoted (`newsdex speakers`, GET /speakers), one page at a time, without the model.

Statements as answers to a question are the speaker route's (search.speaker_route).
"""

from __future__ import annotations

from collections.abc import Sequence

from newsdex.index.articles import web_url
from newsdex.index.rows import StatementRow
from newsdex.index.stores import Store
from newsdex.search.question.speakers import matching_speakers
from newsdex.search.results import QuoteOut, QuotePage, SpeakerOut, SpeakerPage


def quote_out(row: StatementRow) -> QuoteOut:
    return QuoteOut(speaker=row.speaker, text=row.text, cue=row.cue, kind=row.kind, start=row.text_start,
                    end=row.text_end, article_id=row.article_id, title=row.title, source=row.source,
                    published=row.published, url=web_url(row.url), passage_id=row.passage_id)


def quote_page(store: Store, speaker: str, *, limit: int = 20, offset: int = 0,
               known: Sequence[str] | None = None) -> QuotePage:
    """A person's statements (any form of the name), newest first, one page at a time.

    Needs no model, so `newsdex quotes` answers without loading one; `known` is the
    build's speakers when the caller has read them already.
    """
    names = matching_speakers(speaker, known if known is not None else [row.speaker for row in store.speakers()])
    total = store.statement_count(names)
    rows = store.statements_by(names, limit=limit, offset=offset)
    return QuotePage(asked=speaker, speakers=names, quotes=[quote_out(row) for row in rows], total=total,
                     limit=limit, offset=offset, next_offset=offset + limit if offset + limit < total else None)


def speaker_page(store: Store, *, limit: int = 50, offset: int = 0) -> SpeakerPage:
    """The people quoted, with how many statements (and articles) each, most first."""
    rows = store.speakers()
    page = rows[offset:offset + limit]
    return SpeakerPage(speakers=[SpeakerOut(**row.__dict__) for row in page], total=len(rows), limit=limit,
                       offset=offset, next_offset=offset + limit if offset + limit < len(rows) else None)

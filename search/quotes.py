"""Listings of who said what: a person's statements (`newsdex quotes`, GET /quotes) and the
people quoted, each once with the forms the articles use (`newsdex speakers`, GET /speakers),
one page at a time, without the model.

Statements as answers to a question are the speaker route's (search.speaker_route).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsdex.index.articles import web_url
from newsdex.index.people import merge_speakers
from newsdex.index.rows import StatementRow
from newsdex.index.stores import Store
from newsdex.search.question.speakers import matching_speakers
from newsdex.search.results import PersonMonth, PersonPage, QuoteOut, QuotePage, SpeakerOut, SpeakerPage


def quote_out(row: StatementRow) -> QuoteOut:
    return QuoteOut(speaker=row.speaker, text=row.text, cue=row.cue, kind=row.kind, start=row.text_start,
                    end=row.text_end, article_id=row.article_id, title=row.title, source=row.source,
                    published=row.published, url=web_url(row.url), passage_id=row.passage_id)


def quote_page(store: Store, speaker: str, *, limit: int = 20, offset: int = 0,
               known: Mapping[str, Sequence[str]] | None = None) -> QuotePage:
    """A person's statements (any form of the name: "Mr Blair", "the prime minister"), newest
    first, one page at a time.

    Needs no model, so `newsdex quotes` answers without loading one; `known` is the build's
    speakers and their forms when the caller has read them already.
    """
    names = matching_speakers(speaker, known if known is not None
                              else {row.speaker: row.forms for row in store.speakers()})
    total = store.statement_count(names)
    rows = store.statements_by(names, limit=limit, offset=offset)
    return QuotePage(asked=speaker, speakers=names, quotes=[quote_out(row) for row in rows], total=total,
                     limit=limit, offset=offset, next_offset=offset + limit if offset + limit < total else None)


def speaker_page(store: Store, *, limit: int = 50, offset: int = 0) -> SpeakerPage:
    """The people quoted, each once (every stored name of one person merged: index.people),
    with how many statements (and articles) each and the forms the articles use, most first."""
    people = merge_speakers(store.speakers())
    page = people[offset:offset + limit]
    return SpeakerPage(speakers=[SpeakerOut(speaker=p.name, statements=p.statements, articles=p.articles,
                                            names=list(p.names), forms=list(p.forms)) for p in page],
                       total=len(people), limit=limit, offset=offset,
                       next_offset=offset + limit if offset + limit < len(people) else None)


def person_page(page: QuotePage, known: Mapping[str, Sequence[str]]) -> PersonPage:
    """A page of a person's statements (newest first) grouped by month, with their forms."""
    months: list[PersonMonth] = []
    for quote in page.quotes:
        month = quote.published[:7] if quote.published else "undated"
        if not months or months[-1].month != month:
            months.append(PersonMonth(month=month, quotes=[]))
        months[-1].quotes.append(quote)
    return PersonPage(asked=page.asked, name=page.speakers[0] if page.speakers else None, speakers=page.speakers,
                      forms=_forms(page.speakers, known), statements=page.total, months=months, limit=page.limit,
                      offset=page.offset, next_offset=page.next_offset)


def _forms(names: Sequence[str], known: Mapping[str, Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(form for name in names for form in known.get(name, ()) if form not in names))

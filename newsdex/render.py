"""The terminal: how the CLI prints an answer, a listing, the index's stats and an eval report.

Every function here takes what a command got (a `SearchResponse`, a page, a dict) and prints
it with rich markup, escaping whatever came from an article or a user. `ask --json` and the
other `--json` outputs do not come through here: they print the API's JSON as is.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one-line errors stay one line


def print_skipped(skipped) -> None:
    """A file an index build skipped, and why: a warning, never silence."""
    err.print(f"[yellow]warning:[/yellow] skipped {escape(skipped.path)}: {escape(skipped.reason)}")


# -- ask ----------------------------------------------------------------------------------------


def print_results(response, explain: bool = False) -> None:
    """`ask`'s answer: the dates read from the question, then each result with its highlights."""
    if explain:
        _print_route(response)
    line = _dates_line(response.interpreted)
    if line:
        out.print(f"[dim]{escape(line)}[/dim]")
    if explain and response.interpreted is not None and response.interpreted.phrase:
        # Which words were the date, and the rule that read them (search.question.dates).
        read = f"date phrase: {response.interpreted.phrase!r}, read as {response.interpreted.rule}"
        out.print(f"[magenta]{escape(read)}[/magenta]")
    if not response.results:
        out.print("no results" if not response.offset else f"--offset {response.offset} is past the last result")
        return
    if response.note:
        out.print(f"[yellow]{escape(response.note)}[/yellow]")
        out.print()
    from newsdex.search.relevance import as_shown

    for result in response.results:
        meta = " · ".join(x for x in (result.source, result.published, result.article_id) if x)
        score = f"{result.score:.4f}" if result.score >= 0.1 else f"{result.score:.6f}"
        shown = score if result.relevance is None else f"{as_shown(result.relevance)} {result.match}"
        colour = "yellow" if result.match == "weak match" else "cyan"
        out.print(f"[bold]{result.rank}.[/bold] [{colour}]{shown}[/{colour}]  [bold]{escape(result.title)}[/bold]")
        out.print(f"   [dim]{escape(meta)}[/dim]")
        if result.also_in:
            out.print(f"   [dim]also in: {escape(', '.join(result.also_in))}[/dim]")
        if result.explain is not None:
            out.print(f"   [magenta]{escape(_explain_line(result.explain))}[/magenta]")
        if result.quote is not None:
            quote = result.quote
            out.print(f"   [green]{escape(quote.speaker or 'unnamed speaker')} ({quote.cue}, {quote.kind}):[/green] "
                      f"{escape(_quoted(quote))}")
        start = 0
        for line in result.text.split("\n"):
            out.print(f"   {_marked_line(line, start, result.highlights)}", soft_wrap=True)
            start += len(line) + 1
        out.print()
    if response.facets:
        for name, counts in response.facets.items():
            shown = ", ".join(f"{c.value} {c.count}" for c in counts) or "none"
            out.print(f"[dim]{escape(name)}: {escape(shown)}[/dim]")
    if response.next_offset is not None:
        out.print(f"[dim]more: --offset {response.next_offset}[/dim]")


def _print_route(response) -> None:
    """--explain: whether and why the question was answered with someone's statements."""
    if response.speaker is not None:
        out.print(f"[magenta]speaker route: {escape(response.speaker.reason)}[/magenta]")
    else:
        out.print("[magenta]speaker route: not taken (the question does not ask what someone said)[/magenta]")
    out.print()


def _dates_line(interpreted) -> str | None:
    """"dates: 2024-07-01 to 2024-07-31" for the range read from a question; None when none was."""
    if interpreted is None:
        return None
    if interpreted.since and interpreted.until:
        span = interpreted.since if interpreted.since == interpreted.until else (
            f"{interpreted.since} to {interpreted.until}")
    else:
        span = f"since {interpreted.since}" if interpreted.since else f"until {interpreted.until}"
    return f"dates: {span}" + ("" if interpreted.applied else " (no article in that range: all dates searched)")


def _explain_line(explain) -> str:
    def part(name: str, rank, score) -> str:
        return f"{name} #{rank} ({score:.4f})" if rank is not None else f"{name} -"

    parts = [part("dense", explain.dense_rank, explain.dense_score),
             part("lexical", explain.lexical_rank, explain.lexical_score)]
    if explain.article_rank is not None:  # whole-article BM25, fused in with --per-article
        parts.append(part("article", explain.article_rank, explain.article_score))
    if explain.fused_score is not None:
        parts.append(f"fused {explain.fused_score:.6f}")
    if explain.recency_factor is not None:
        parts.append(f"recency x{explain.recency_factor:.4f}")
    return "   ".join(parts)


def _marked_line(text: str, start: int, highlights) -> str:
    """One line of a passage as rich markup: best sentences bold, query terms underlined in yellow."""
    end = start + len(text)
    styles: list[set[str]] = [set() for _ in range(len(text))]
    for h in highlights:
        style = "bold" if h.kind == "sentence" else "underline yellow"
        for i in range(max(h.start, start), min(h.end, end)):
            styles[i - start].add(style)
    pieces, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and styles[j] == styles[i]:
            j += 1
        chunk = escape(text[i:j])
        pieces.append(f"[{' '.join(sorted(styles[i]))}]{chunk}[/]" if styles[i] else chunk)
        i = j
    return "".join(pieces)


def _quoted(quote) -> str:
    """A statement as printed: quoted words in quotation marks, reported ones as they are."""
    return f"“{quote.text}”" if quote.kind == "direct" else quote.text


# -- listings -----------------------------------------------------------------------------------


def print_quotes(page, name: str, offset: int) -> None:
    """`newsdex quotes`: a page of one person's statements, newest first."""
    if not page.speakers:
        out.print(f"nobody named {escape(name)!r} is quoted in the index (see `newsdex speakers`)")
        return
    statements = f"{page.total} statement{'s' if page.total != 1 else ''} by {escape(', '.join(page.speakers))}"
    if not page.quotes:
        out.print(f"--offset {offset} is past the end: {statements}")
        return
    out.print(statements
              + (f" (showing {offset + 1}-{offset + len(page.quotes)})" if page.total > len(page.quotes) else ""))
    for number, quote in enumerate(page.quotes, start=offset + 1):
        meta = " · ".join(x for x in (quote.source, quote.published, quote.article_id) if x)
        out.print(f"[bold]{number}.[/bold] [green]{escape(quote.speaker or '')}[/green] ({quote.cue}, {quote.kind})"
                  f"  [bold]{escape(quote.title)}[/bold]")
        out.print(f"   [dim]{escape(meta)}[/dim]")
        out.print(f"   {escape(_quoted(quote))}")
    _print_more(page)


def print_speakers(page, offset: int) -> None:
    """`newsdex speakers`: a page of the people quoted, each once, with their counts and forms."""
    if not page.total:
        out.print("nobody is quoted in the index")
        return
    if not page.speakers:
        out.print(f"--offset {offset} is past the end: {page.total} "
                  f"{'people are' if page.total != 1 else 'person is'} quoted in the index")
        return
    width = max(len(s.speaker) for s in page.speakers)
    out.print(f"{'speaker':<{width}}  statements  articles  forms")
    for row in page.speakers:
        forms = ", ".join(form for form in row.forms if form != row.speaker)
        out.print(f"{escape(row.speaker):<{width}}  {row.statements:>10}  {row.articles:>8}  "
                  f"[dim]{escape(forms)}[/dim]")
    _print_more(page)


def _print_more(page) -> None:
    if page.next_offset is not None:
        out.print(f"[dim]more: --offset {page.next_offset}[/dim]")


# -- reports ------------------------------------------------------------------------------------


def print_stats(data: dict) -> None:
    """`newsdex stats`: one aligned line per figure (`IndexStats.as_dict()`)."""
    data = {k: v for k, v in data.items() if v is not None}  # int8_config only where there is one
    width = max(len(k) for k in data)
    for key, value in data.items():
        shown = human_size(value) if key == "size_bytes" else value
        if isinstance(value, dict):
            shown = ", ".join(f"{k}={v}" for k, v in value.items())
        out.print(f"{key.replace('_', ' '):<{width}}  {shown}")


def human_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def print_eval(data: dict, k: int) -> None:
    """`newsdex eval`: one backend's scores per mode, with its indexing speed."""
    info = data["index"]
    speed = (f"; indexed in {info['seconds']:.1f}s ({info['passages_per_second']:.0f} passages/s)"
             if info["seconds"] is not None else "; existing index")
    backend = data["backend"] + (f" {data['int8_config']}" if data.get("int8_config") else "")
    out.print(f"{data['dataset']} ({data['split']}, {backend}): {data['queries']} queries, "
              f"{info['articles']} articles, {info['passages']} passages{speed}")
    columns = [f"ndcg@{k}", f"recall@{k}", "recall@100", f"mrr@{k}", "latency_ms_p50", "latency_ms_p95"]
    heads = [c.replace("latency_ms_", "ms ") for c in columns]
    out.print(f"{'mode':<8}" + "".join(f"{h:>12}" for h in heads))
    for mode, row in data["modes"].items():
        cells = "".join(f"{row[c]:>12.1f}" if c.startswith("latency") else f"{row[c]:>12.4f}" for c in columns)
        out.print(f"{mode:<8}" + cells)
    for mode, row in data["modes"].items():  # per kind of question, where the queries say (metadata.type)
        for kind, scores in row.get("by_type", {}).items():
            out.print(f"  {mode} {escape(kind)} ({scores['queries']}): " + ", ".join(
                f"{c} {scores[c]:.4f}" for c in columns if not c.startswith("latency")))
    dates = data.get("dates")
    if dates is not None:  # a dated collection: the date ranges read from its questions
        out.print(f"date ranges: {dates['right']} of {dates['questions']} questions read as expected")
        for miss in dates["misses"]:
            out.print(f"  {escape(miss['id'])} {escape(repr(miss['text']))}: expected {miss['expected']}, "
                      f"read {miss['read']}")

"""The command line: `ask QUESTION` and `newsdex index|stats|ask|...`.

This is an edge: it builds the Settings from flags and environment, calls the index and
search packages, and turns every NewsdexError into a one-line message and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from newsdex.errors import IndexNotFound, InvalidQuery, NewsdexError
from newsdex.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    name="newsdex",
    help="Semantic search for news articles: index articles, then ask questions.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one-line errors stay one line

IndexOpt = typer.Option(None, "--index", help="Index directory [env: NEWSDEX_INDEX_DIR; default: .newsdex]")
ModelOpt = typer.Option(None, "--model", help="sentence-transformers model name or path [env: NEWSDEX_MODEL]")
StoreOpt = typer.Option(None, "--store", help="Where the index lives: faiss (under --index), milvus "
                                              "(NEWSDEX_MILVUS_URI), or a store class of your own, "
                                              "package.module:Class [env: NEWSDEX_STORE; default: faiss]")
BackendOpt = typer.Option(None, "--backend", help="Encoder backend: torch, onnx or onnx-int8 [env: NEWSDEX_BACKEND; "
                                                  "default: onnx]")


def make_settings(**overrides) -> Settings:
    """Flags win over NEWSDEX_* variables, which win over defaults."""
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:  # pydantic's ValidationError: a bad NEWSDEX_* value
        first = str(exc).splitlines()
        raise NewsdexError(f"bad setting: {' '.join(first[1:3]).strip() or first[0]}") from exc
    from newsdex.index.registry import store_kind

    store_kind(settings.store)  # an unknown store, or a path that does not import: one line now, before a model loads
    return settings


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; known errors become `error: ...` on stderr and exit status 1."""
    try:
        return action()
    except NewsdexError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted; the index is unchanged")
        raise typer.Exit(130) from None


def _progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def _load_embedder(settings: Settings, *, rebuild: bool = False):
    """The model for settings.index_dir: an onnx-int8 index keeps the quantization it was
    built with (unless NEWSDEX_INT8_CONFIG forces one, or the index is being rebuilt)."""
    from newsdex.index.stores import live_int8_config

    recorded = None if rebuild or settings.backend != "onnx-int8" else live_int8_config(settings)
    return _embedder(settings.model, settings.device, settings.batch_size, settings.offline,
                     settings.backend, settings.model_cache, settings.int8_config, recorded)


@lru_cache(maxsize=2)
def _embedder(model: str, device: str, batch_size: int, offline: bool, backend: str, cache_dir,
              int8_config: str, recorded_int8_config: str | None):
    """One model per process: commands run in-process (tests, a shell) need not reload it."""
    from newsdex.index.embedder import Embedder, resolve_int8_config

    return Embedder(model, device=device, batch_size=batch_size, offline=offline, backend=backend,
                    cache_dir=cache_dir, int8_config=resolve_int8_config(int8_config, recorded_int8_config))


def _build(settings: Settings, paths: list[Path], *, rebuild: bool, quiet: bool):
    from newsdex.index.build import Indexer

    def warn(skipped) -> None:
        err.print(f"[yellow]warning:[/yellow] skipped {escape(skipped.path)}: {escape(skipped.reason)}")

    indexer = Indexer(settings, _load_embedder(settings, rebuild=rebuild))
    return indexer.build(paths, rebuild=rebuild, progress=_progress(quiet), on_skip=warn)


@app.command("index")
def index_command(
    paths: list[Path] | None = typer.Argument(None, help="Files or folders of articles (default: seeds/)"),
    rebuild: bool = typer.Option(False, "--rebuild", help="Start from scratch instead of updating"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, summary only"),
    follow_links: bool = typer.Option(
        False, "--follow-links",
        help="Follow symlinks that leave the folder, or lead to folders [env: NEWSDEX_FOLLOW_LINKS]"),
    engine: str | None = typer.Option(None, "--engine", help="Build in this process (local) or as a Ray Data "
                                                             "pipeline (ray) [env: NEWSDEX_ENGINE; default: local]"),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster to join (auto: this machine's); default: a local Ray "
                                    "[env: NEWSDEX_RAY_ADDRESS]"),
    workers: int | None = typer.Option(None, "--workers", help="Ray model workers, each loading the model once "
                                                               "[env: NEWSDEX_WORKERS]"),
) -> None:
    """Index articles (.txt .md .html .json .jsonl), updating only what changed."""

    def body() -> int:
        settings = make_settings(index_dir=index, store=store_name, model=model, backend=backend,
                                 follow_links=True if follow_links else None, engine=engine,
                                 ray_address=ray_address, workers=workers)
        sources = list(paths) if paths else [settings.seeds_dir]
        for source in sources:
            if not source.exists():
                raise NewsdexError(f"no such file or folder: {source}")
        report = _build(settings, sources, rebuild=rebuild, quiet=quiet)
        out.print(report.summary())
        return 1 if report.skipped and not (report.added or report.updated or report.unchanged) else 0

    code = guarded(body)
    if code:
        raise typer.Exit(code)


@app.command("stats")
def stats_command(
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Show what the index holds and how it was built."""
    from newsdex.index.stores import open_store

    def body() -> None:
        settings = make_settings(index_dir=index, store=store_name)
        with open_store(settings) as store:
            data = store.stats().as_dict()
        if as_json:
            print(json.dumps(data))
            return
        data = {k: v for k, v in data.items() if v is not None}  # int8_config only where there is one
        width = max(len(k) for k in data)
        for key, value in data.items():
            shown = _human_size(value) if key == "size_bytes" else value
            if isinstance(value, dict):
                shown = ", ".join(f"{k}={v}" for k, v in value.items())
            out.print(f"{key.replace('_', ' '):<{width}}  {shown}")

    guarded(body)


def _human_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def _ensure_index(settings: Settings, quiet: bool) -> None:
    """Build the seed index when settings.index_dir holds none; a foreign or damaged one is
    reported here, before the model loads."""
    from newsdex.index.stores import live_manifest

    try:
        live_manifest(settings)
    except IndexNotFound:
        err.print(f"no index at {_where(settings)}; building one from {settings.seeds_dir} first")
        err.print(_build(settings, [settings.seeds_dir], rebuild=False, quiet=quiet).summary())


def _where(settings: Settings) -> str:
    from newsdex.index.stores import index_location

    return index_location(settings)


def _open_searcher(settings: Settings, quiet: bool):
    """The searcher for settings.index_dir, building the seed index first when there is none."""
    from newsdex.search.searcher import Searcher

    _ensure_index(settings, quiet)
    return Searcher.open(settings, embedder=_load_embedder(settings))


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


def _quoted(quote) -> str:
    """A statement as printed: quoted words in quotation marks, reported ones as they are."""
    return f"“{quote.text}”" if quote.kind == "direct" else quote.text


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


def _print_results(response, explain: bool = False) -> None:
    if explain:
        _print_route(response)
    line = _dates_line(response.interpreted)
    if line:
        out.print(f"[dim]{escape(line)}[/dim]")
    if not response.results:
        out.print("no results")
        return
    for result in response.results:
        meta = " · ".join(x for x in (result.source, result.published, result.article_id) if x)
        score = f"{result.score:.4f}" if result.score >= 0.1 else f"{result.score:.6f}"
        out.print(f"[bold]{result.rank}.[/bold] [cyan]{score}[/cyan]  [bold]{escape(result.title)}[/bold]")
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


# Where each search option comes from on the command line, for error messages.
ASK_FLAGS = {"k": "--k", "mode": "--mode", "per_article": "--per-article", "source": "--source", "since": "--since",
             "until": "--until", "article": "--article", "lang": "--lang", "speaker": "--speaker",
             "explain": "--explain", "highlight": "--highlight",
             "dense_weight": "--dense-weight", "lexical_weight": "--lexical-weight",
             "article_weight": "--article-weight", "rrf_k": "--rrf-k",
             "candidates": "--candidates", "as_of": "--as-of", "dates": "--no-dates", "recency": "--recency"}


def search_options_from_flags(**flags):
    """The SearchOptions the flags ask for (unset flags left out); a bad one is an error naming its flag."""
    from pydantic import ValidationError

    from newsdex.search.options import SearchOptions, describe

    try:
        return SearchOptions(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as exc:
        raise InvalidQuery(describe(exc, names=ASK_FLAGS)) from None


def ask_command(
    question: str = typer.Argument(..., help="The question, in plain words"),
    k: int = typer.Option(5, "--k", "-k", help="How many passages to return (1-100)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: {query, interpreted, results}"),
    mode: str = typer.Option("hybrid", "--mode", help="dense (meaning), lexical (BM25 words) or hybrid (both, fused)"),
    explain: bool = typer.Option(False, "--explain", help="Show each result's dense, lexical and fused rank and score"),
    highlight: bool = typer.Option(True, "--highlight/--no-highlight",
                                   help="Mark the best-answering sentences and the query terms (off: faster)"),
    per_article: int | None = typer.Option(None, "--per-article", help="At most N passages of one article"),
    source: str | None = typer.Option(None, "--source", help="Only articles from this source"),
    since: str | None = typer.Option(None, "--since", help="Only articles published on or after YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="Only articles published on or before YYYY-MM-DD"),
    article: str | None = typer.Option(None, "--article", help="Only passages of the article with this id"),
    as_of: str | None = typer.Option(None, "--as-of", help="Read 'last week' and ages as of YYYY-MM-DD, not today"),
    dates: bool = typer.Option(True, "--dates/--no-dates",
                               help="Read a date phrase in the question ('in July 2024') as --since/--until"),
    recency: str | None = typer.Option(None, "--recency", help="Favour new articles: score x 0.5^(age/HALF_LIFE), "
                                                               "e.g. 30d, 2w, 6m, 1y [default: off]"),
    lang: str | None = typer.Option(None, "--lang", help="Only articles in this language (ISO 639-1: en, tr, ja)"),
    speaker: str | None = typer.Option(
        None, "--speaker", help="This person's statements first, best first for the question (any form of the "
                                "name: Kishida, 'Fumio Kishida')"),
    dense_weight: float | None = typer.Option(
        None, "--dense-weight", help="Weight of the dense ranking in hybrid fusion [default: NEWSDEX_DENSE_WEIGHT, "
                                     "1.0]"),
    lexical_weight: float | None = typer.Option(
        None, "--lexical-weight", help="Weight of the BM25 ranking in hybrid fusion [default: NEWSDEX_LEXICAL_WEIGHT, "
                                       "1.0]"),
    article_weight: float | None = typer.Option(
        None, "--article-weight", help="With --per-article, weight of whole-article BM25 in hybrid fusion; 0: off "
                                       "[default: NEWSDEX_ARTICLE_WEIGHT, 1.0]"),
    rrf_k: int | None = typer.Option(
        None, "--rrf-k", help="Fusion constant: score = sum weight / (rrf_k + rank) [default: NEWSDEX_RRF_K, 60]"),
    candidates: int | None = typer.Option(
        None, "--candidates", help="Passages each retriever hands to the fusion [default: NEWSDEX_CANDIDATES, 100]"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
) -> None:
    """Answer a question with the best passages from the index."""
    from newsdex.search.query import clean_query

    def body() -> None:
        settings = make_settings(index_dir=index, store=store_name, model=model, backend=backend)
        # Checked before the model loads (or a seed index is built), so a typo costs nothing.
        clean_query(question, settings.max_query_chars)
        options = search_options_from_flags(
            k=k, mode=mode, per_article=per_article, source=source, since=since, until=until, article=article,
            lang=lang, speaker=speaker, explain=explain, highlight=highlight, dense_weight=dense_weight,
            lexical_weight=lexical_weight, article_weight=article_weight, rrf_k=rrf_k, candidates=candidates,
            as_of=as_of, dates=dates,
            recency=recency)
        searcher = _open_searcher(settings, quiet)
        try:
            response = searcher.search(question, options)
        finally:
            searcher.close()
        if as_json:
            print(response.model_dump_json())
        else:
            _print_results(response, explain=explain)

    guarded(body)


def _open_store(settings: Settings, quiet: bool):
    """The live build, read without the model (the seed index is built first when there is none)."""
    from newsdex.index.stores import open_store

    _ensure_index(settings, quiet)
    return open_store(settings)


LimitOpt = typer.Option(20, "--limit", help="How many to list (1-100)")
OffsetOpt = typer.Option(0, "--offset", help="How many to skip first")
PAGE_FLAGS = {"limit": "--limit", "offset": "--offset"}


def page_from_flags(limit: int, offset: int):
    """The page --limit and --offset ask for, checked as the API checks it (search.options.Page)."""
    from newsdex.search.options import check_page

    return check_page(limit, offset, names=PAGE_FLAGS)


@app.command("quotes")
def quotes_command(
    name: str = typer.Argument(..., help="The speaker, in any form of the name: Kishida, 'Fumio Kishida'"),
    limit: int = LimitOpt,
    offset: int = OffsetOpt,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (the same as GET /quotes)"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
) -> None:
    """List a person's statements, newest first."""
    from newsdex.search.quotes import quote_page

    def body() -> None:
        if not name.strip():
            raise InvalidQuery("the speaker's name is empty")
        asked = page_from_flags(limit, offset)  # checked before any index is opened or built
        settings = make_settings(index_dir=index, store=store_name)
        with _open_store(settings, quiet) as store:
            page = quote_page(store, name, limit=asked.limit, offset=asked.offset)
        if as_json:
            print(page.model_dump_json())
            return
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
        if page.next_offset is not None:
            out.print(f"[dim]more: --offset {page.next_offset}[/dim]")

    guarded(body)


@app.command("speakers")
def speakers_command(
    limit: int = typer.Option(50, "--limit", help="How many to list (1-100)"),
    offset: int = OffsetOpt,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (the same as GET /speakers)"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
) -> None:
    """List the people quoted in the index, with how many statements each."""
    from newsdex.search.quotes import speaker_page

    def body() -> None:
        asked = page_from_flags(limit, offset)
        settings = make_settings(index_dir=index, store=store_name)
        with _open_store(settings, quiet) as store:
            page = speaker_page(store, limit=asked.limit, offset=asked.offset)
        if as_json:
            print(page.model_dump_json())
            return
        if not page.total:
            out.print("nobody is quoted in the index")
            return
        if not page.speakers:
            out.print(f"--offset {offset} is past the end: {page.total} "
                      f"{'people are' if page.total != 1 else 'person is'} quoted in the index")
            return
        width = max(len(s.speaker) for s in page.speakers)
        out.print(f"{'speaker':<{width}}  statements  articles")
        for row in page.speakers:
            out.print(f"{escape(row.speaker):<{width}}  {row.statements:>10}  {row.articles:>8}")
        if page.next_offset is not None:
            out.print(f"[dim]more: --offset {page.next_offset}[/dim]")

    guarded(body)


STOP_SECONDS = 5  # how long `serve` lets requests in flight finish once told to stop


@app.command("serve")
def serve_command(
    host: str | None = typer.Option(None, "--host", help="Address to bind [env: NEWSDEX_HOST; default: 127.0.0.1]"),
    port: int | None = typer.Option(None, "--port", help="Port to listen on [env: NEWSDEX_PORT; default: 8000]"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
) -> None:
    """Serve the HTTP API and the search page (building the seed index first when there is none)."""

    def body() -> None:
        import uvicorn

        from newsdex.api.app import create_app  # the API is an edge over search: imported only to serve
        from newsdex.index.manifest import check_searchable
        from newsdex.index.stores import live_manifest

        settings = make_settings(index_dir=index, store=store_name, model=model, backend=backend, host=host, port=port)
        _ensure_index(settings, quiet)
        embedder = _load_embedder(settings)
        # Refuse an index this model cannot search now, rather than serve 503s.
        check_searchable(live_manifest(settings), embedder, _where(settings))
        has_key = settings.api_key is not None and settings.api_key.get_secret_value()
        writes = "enabled" if has_key else "disabled (set NEWSDEX_API_KEY)"
        err.print(f"serving {_where(settings)} on http://{settings.host}:{settings.port}/ ; writes {writes}")
        # On SIGTERM, requests in flight get a few seconds, then the server stops: a write still
        # running is then not acknowledged, and its build is never swapped in.
        uvicorn.run(create_app(settings, embedder=embedder), host=settings.host, port=settings.port,
                    log_level="warning" if quiet else "info", timeout_graceful_shutdown=STOP_SECONDS)

    guarded(body)


app.command("ask")(ask_command)


@app.command("eval")
def eval_command(
    data_dir: Path = typer.Argument(..., help="Test collection: corpus.jsonl, queries.jsonl, qrels.tsv (or BEIR's "
                                              "qrels/test.tsv)"),
    modes: str = typer.Option("dense,lexical,hybrid", "--modes", help="Comma-separated modes to score"),
    k: int = typer.Option(10, "--k", help="Cut-off of nDCG, Recall and MRR (Recall@100 is always given)"),
    split: str = typer.Option("test", "--split", help="Which judgments: test, or e.g. train for tuning"),
    index: Path | None = typer.Option(None, "--index", help="Use (or build and keep) the corpus index here instead of "
                                                            "a temporary one"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backends: str | None = typer.Option(
        None, "--backend", help="Encoder backend(s), comma-separated, each scored on its own index: torch, onnx, "
                                "onnx-int8"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar while indexing"),
) -> None:
    """Score retrieval on a test collection: nDCG, Recall, MRR per mode, with speed."""
    from newsdex.search.eval import evaluate

    def body() -> None:
        settings = make_settings(model=model, store=store_name)
        if not data_dir.is_dir():
            raise NewsdexError(f"no such folder: {data_dir}")
        chosen = [m.strip() for m in modes.split(",") if m.strip()]
        names = [b.strip() for b in (backends or settings.backend).split(",") if b.strip()]
        if index is not None and len(names) > 1:
            raise NewsdexError("--index holds one backend's vectors: give one --backend with it")

        def warn(skipped) -> None:
            err.print(f"[yellow]warning:[/yellow] skipped {escape(skipped.path)}: {escape(skipped.reason)}")

        reports = []
        for name in names:
            backend_settings = make_settings(model=model, backend=name, store=store_name)
            reports.append(evaluate(data_dir, backend_settings, _load_embedder(backend_settings), modes=chosen, k=k,
                                    split=split, index_dir=index, progress=_progress(quiet), on_skip=warn).to_json())
        if as_json:
            print(json.dumps(reports[0] if len(reports) == 1 else
                             {"dataset": reports[0]["dataset"], "backends": {r["backend"]: r for r in reports}}))
            return
        for data in reports:
            _print_eval(data, k)

    guarded(body)


def _print_eval(data: dict, k: int) -> None:
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


ask_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
ask_app.command()(ask_command)


def main() -> None:
    app()


def ask_main() -> None:
    ask_app()


if __name__ == "__main__":
    main()

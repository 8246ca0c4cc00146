"""The command line: `ask QUESTION` and `newsdex index|stats|ask|...`.

This is an edge: each command builds the Settings from flags and environment
(`newsdex/flags.py`), calls the index and search packages, and prints what they return
(`newsdex/render.py`); every NewsdexError becomes a one-line message and a non-zero exit
status, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from newsdex.commands import CONTEXT, Command, Commands, free_port_or_error, needs_extra, version_option
from newsdex.errors import IndexNotFound, InvalidQuery, NewsdexError
from newsdex.flags import (
    BackendOpt,
    IndexOpt,
    LimitOpt,
    ModelOpt,
    OffsetOpt,
    StoreOpt,
    guarded,
    make_settings,
    option,
    page_from_flags,
    search_flags,
    search_options_from_flags,
)
from newsdex.render import err, out, print_eval, print_quotes, print_results, print_skipped, print_speakers, print_stats
from newsdex.settings import Settings

app = typer.Typer(
    name="newsdex",
    cls=Commands,
    help="Semantic search for news articles: index articles, then ask questions.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)


@app.callback()
def _newsdex(version: bool = version_option()) -> None:
    """Semantic search for news articles: index articles, then ask questions."""


# -- the model and the index a command works on ---------------------------------------------------


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


def _build(settings: Settings, paths: list[Path], *, rebuild: bool, quiet: bool, force: bool = False):
    from newsdex.index.build import Indexer

    indexer = Indexer(settings, _load_embedder(settings, rebuild=rebuild))
    return indexer.build(paths, rebuild=rebuild, progress=_progress(quiet), on_skip=print_skipped,
                         confirm_shrink=lambda going, live: _confirm_shrink(going, live, force))


def _confirm_shrink(going: int, live: int, force: bool) -> bool:
    """A rebuild that would remove most of the index goes ahead with --force, or when the person
    at the terminal says so; never silently from a script."""
    if force:
        return True
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    return typer.confirm(f"the rebuild would remove {going} of the index's {live} articles "
                         f"(keeping {live - going}); rebuild anyway?", default=False, err=True)


def _ensure_index(settings: Settings, quiet: bool) -> None:
    """Build the seed index when the default location holds none. An index asked for by name
    (--index, NEWSDEX_INDEX_DIR, NEWSDEX_MILVUS_URI) that is not there is an error: a typo must
    not quietly answer from two seed articles. A foreign or damaged one is reported here,
    before the model loads."""
    from newsdex.index.stores import live_manifest

    try:
        live_manifest(settings)
    except IndexNotFound:
        named = {"index_dir", "milvus_uri"} & settings.model_fields_set
        if named or not settings.seeds_dir.is_dir():
            where = f" --index {settings.index_dir}" if "index_dir" in named else ""
            raise IndexNotFound(f"no index at {_where(settings)}; build one with newsdex index PATH{where}") from None
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


def _open_store(settings: Settings, quiet: bool):
    """The live build, read without the model (the seed index is built first when there is none)."""
    from newsdex.index.stores import open_store

    _ensure_index(settings, quiet)
    return open_store(settings)


# -- the commands -------------------------------------------------------------------------------


@app.command("index", cls=Command)
def index_command(
    paths: list[Path] | None = typer.Argument(None, metavar="[PATH]...",
                                              help="Files or folders of articles (default: seeds/)"),
    rebuild: bool = option(False, "--rebuild", help="Start from scratch instead of updating"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    quiet: bool = option(False, "--quiet", "-q", help="No progress bar, summary only"),
    follow_links: bool = option(
        False, "--follow-links",
        help="Follow symlinks that leave the folder, or lead to folders [env: NEWSDEX_FOLLOW_LINKS]"),
    engine: str | None = option(None, "--engine", metavar="[local|ray]",
                                help="Build in this process (local) or as a Ray Data pipeline (ray) "
                                     "[env: NEWSDEX_ENGINE; default: local]"),
    ray_address: str | None = option(
        None, "--ray-address", metavar="ADDRESS",
        help="Ray cluster to join (auto: this machine's); default: a local Ray [env: NEWSDEX_RAY_ADDRESS]"),
    workers: int | None = option(None, "--workers", metavar="N", help="Ray model workers, each loading the model once "
                                                         "[env: NEWSDEX_WORKERS]"),
    watch: bool = option(False, "--watch", help="Keep running: apply each burst of changes under the paths as an "
                                                "incremental build (Ctrl-C stops; nothing applied is lost)"),
    force: bool = option(False, "--force", help="Let --rebuild remove more than half of the index's articles "
                                                "without asking"),
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
        report = _build(settings, sources, rebuild=rebuild, quiet=quiet, force=force)
        out.print(report.summary())
        if watch:
            from newsdex.fresh import watch_folders

            with needs_extra("ingest", "newsdex index --watch"):
                import watchfiles  # noqa: F401
            err.print(f"watching {', '.join(map(str, sources))} for changes (Ctrl-C to stop)")
            with _stopped_cleanly():
                watch_folders(sources, _kept_going(
                    lambda: out.print(_build(settings, sources, rebuild=False, quiet=True).summary())))
            return 0
        return 1 if report.skipped and not (report.added or report.updated or report.unchanged) else 0

    code = guarded(body)
    if code:
        raise typer.Exit(code)


@app.command("ingest", cls=Command)
def ingest_command(
    sources: list[str] = typer.Argument(..., metavar="SOURCE",
                                        help="Feeds (RSS, Atom), sitemaps or address lists: addresses or files"),
    every: str | None = option(None, "--every", metavar="INTERVAL",
                               help="Keep running: ingest again this long after each run ends (30s, 15m, 2h)"),
    ignore_robots: bool = option(False, "--ignore-robots", help="Fetch pages robots.txt forbids newsdex"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    as_json: bool = option(False, "--json", help="Print each run's report as one JSON object"),
    quiet: bool = option(False, "--quiet", "-q", help="No progress line, summary only"),
) -> None:
    """Fetch new articles from feeds, sitemaps and address lists into the index."""

    def body() -> None:
        with needs_extra("ingest", "newsdex ingest"):
            from newsdex.index.ingest import Policy, ingest
        from newsdex.fresh import every as every_loop
        from newsdex.fresh import interval_seconds

        seconds = interval_seconds(every) if every is not None else None
        settings = make_settings(index_dir=index, store=store_name, model=model, backend=backend)
        from newsdex.index.build import Indexer

        indexer = Indexer(settings, _load_embedder(settings))
        policy = Policy(respect_robots=not ignore_robots)

        def run() -> None:
            progress = _IngestProgress(enabled=_progress(quiet))
            report = ingest(indexer, sources, policy=policy, on_skip=print_skipped, on_item=progress.update)
            progress.close()
            if as_json:
                print(json.dumps(report.as_dict()))
            else:
                out.print(report.summary())

        if seconds is None:
            run()
        else:
            with _stopped_cleanly():
                every_loop(seconds, _kept_going(run))

    guarded(body)


def _keepers(watch: list[Path], feeds: list[str], every: str) -> list:
    """The loops `serve --watch/--feeds` runs inside the server (api.keepers)."""
    from newsdex.fresh import FeedKeeper, FolderKeeper

    keepers: list = []
    if watch:
        missing = [str(path) for path in watch if not path.is_dir()]
        if missing:
            raise NewsdexError(f"--watch {', '.join(missing)}: no such folder")
        with needs_extra("ingest", "newsdex serve --watch"):
            import watchfiles  # noqa: F401
        keepers.append(FolderKeeper(watch))
    if feeds:
        with needs_extra("ingest", "newsdex serve --feeds"):
            from newsdex.index.ingest import Policy
        keepers.append(FeedKeeper(feeds, every, Policy()))
    return keepers


@contextmanager
def _stopped_cleanly() -> Iterator[None]:
    """Ctrl-C ends a loop: the change in progress is dropped whole, every one reported before stays."""
    try:
        yield
    except KeyboardInterrupt:
        err.print("stopped; every change reported above is in the index, the one in progress was dropped whole")


def _kept_going(action):
    """`action` for a loop that must outlive one failed run (the index busy, a full disk): its error
    is a warning, and the loop tries again at the next change or interval."""

    def attempt() -> None:
        try:
            action()
        except NewsdexError as exc:
            err.print(f"[yellow]warning:[/yellow] {escape(str(exc))}; trying again at the next change")

    return attempt


class _IngestProgress:
    """ingest's progress line on a terminal: items new/updated/unchanged/failed as they come."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def update(self, report) -> None:
        if self.enabled:
            err.print(f"items: {report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
                      f"{report.failed} failed", end="\r")

    def close(self) -> None:
        if self.enabled:
            err.print()


@app.command("stats", cls=Command)
def stats_command(
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    as_json: bool = option(False, "--json", help="Print one JSON object"),
) -> None:
    """Show what the index holds and how it was built."""
    from newsdex.index.stores import open_store

    def body() -> None:
        settings = make_settings(index_dir=index, store=store_name)
        with open_store(settings) as store:
            data = store.stats().as_dict()
        if as_json:
            print(json.dumps(data))
        else:
            print_stats(data)

    guarded(body)


@search_flags  # --k, --mode, ... --recency: one flag per SearchOptions field (newsdex/flags.py)
def ask_command(
    question: str = typer.Argument(..., metavar="QUESTION", help="The question, in plain words"),
    as_json: bool = option(False, "--json", help="Print one JSON object: {query, interpreted, results}"),
    export_as: str | None = option(None, "--format", metavar="[csv|jsonl|md]",
                                   help="Print the results as rows to cite (title, source, date, url, speaker, "
                                        "text): CSV, JSON Lines or Markdown"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    quiet: bool = option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
    version: bool = version_option(),
    **flags: Any,
) -> None:
    """Answer a question with the best passages from the index."""
    from newsdex.search.export import FORMATS, export, result_rows
    from newsdex.search.query import clean_query

    def body() -> None:
        settings = make_settings(index_dir=index, store=store_name, model=model, backend=backend)
        # Checked before the model loads (or a seed index is built), so a typo costs nothing.
        clean_query(question, settings.max_query_chars)
        options = search_options_from_flags(**flags)
        if export_as is not None and export_as not in FORMATS:
            raise InvalidQuery(f"--format must be one of {', '.join(FORMATS)}, got {export_as!r}")
        searcher = _open_searcher(settings, quiet)
        try:
            response = searcher.search(question, options)
        finally:
            searcher.close()
        if export_as is not None:
            sys.stdout.write(export(result_rows(response.results), export_as, response.query))
        elif as_json:
            print(response.model_dump_json())
        else:
            print_results(response, explain=options.explain)

    guarded(body)


app.command("ask", cls=Command)(ask_command)


@app.command("quotes", cls=Command)
def quotes_command(
    name: str = typer.Argument(..., metavar="NAME",
                               help="The speaker, in any form of the name: Kishida, 'Fumio Kishida'"),
    limit: int = LimitOpt,
    offset: int = OffsetOpt,
    as_json: bool = option(False, "--json", help="Print one JSON object (the same as GET /quotes)"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    quiet: bool = option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
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
        else:
            print_quotes(page, name, offset)

    guarded(body)


@app.command("speakers", cls=Command)
def speakers_command(
    limit: int = option(50, "--limit", metavar="N", help="How many to list (1-100)"),
    offset: int = OffsetOpt,
    as_json: bool = option(False, "--json", help="Print one JSON object (the same as GET /speakers)"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    quiet: bool = option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
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
        else:
            print_speakers(page, offset)

    guarded(body)


STOP_SECONDS = 5  # how long `serve` lets requests in flight finish once told to stop


@app.command("serve", cls=Command)
def serve_command(
    host: str | None = option(None, "--host", metavar="ADDRESS",
                              help="Address to bind [env: NEWSDEX_HOST; default: 127.0.0.1]"),
    port: int | None = option(None, "--port", metavar="N", help="Port to listen on [env: NEWSDEX_PORT; default: 8000]"),
    index: Path | None = IndexOpt,
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backend: str | None = BackendOpt,
    quiet: bool = option(False, "--quiet", "-q", help="No progress bar when building the seed index"),
    watch: list[Path] | None = option(None, "--watch", metavar="DIR",
                                      help="Keep the index in line with this folder while serving (repeatable)"),
    feeds: list[str] | None = option(None, "--feeds", metavar="SOURCE",
                                     help="Ingest this feed, sitemap or address list while serving (repeatable)"),
    every: str = option("15m", "--every", metavar="INTERVAL", help="How often --feeds are ingested (30s, 15m, 2h)"),
) -> None:
    """Serve the HTTP API and the search page (building the seed index first when there is none)."""

    def body() -> None:
        with needs_extra("server", "newsdex serve"):
            import uvicorn

            from newsdex.api.app import create_app  # the API is an edge over search: imported only to serve
        from newsdex.index.manifest import check_searchable
        from newsdex.index.stores import live_manifest

        settings = make_settings(index_dir=index, store=store_name, model=model, backend=backend, host=host, port=port,
                                 server=True)
        keepers = _keepers(watch or [], feeds or [], every)  # a bad interval or a missing folder: now, not later
        free_port_or_error(settings.host, settings.port)  # before a seed build or the model: seconds, not minutes
        _ensure_index(settings, quiet)
        embedder = _load_embedder(settings)
        # Refuse an index this model cannot search now, rather than serve 503s.
        check_searchable(live_manifest(settings), embedder, _where(settings))
        has_key = settings.api_key is not None and settings.api_key.get_secret_value()
        writes = "enabled" if has_key else "disabled (set NEWSDEX_API_KEY)"
        err.print(f"serving {_where(settings)} on http://{settings.host}:{settings.port}/ ; writes {writes}")
        # On SIGTERM, requests in flight get a few seconds, then the server stops: a write still
        # running is then not acknowledged, and its build is never swapped in.
        for keeper in keepers:
            err.print(f"keeping the index fresh: {keeper.name}")
        uvicorn.run(create_app(settings, embedder=embedder, keepers=keepers), host=settings.host, port=settings.port,
                    log_level="warning" if quiet else "info", timeout_graceful_shutdown=STOP_SECONDS)

    guarded(body)



@app.command("eval", cls=Command)
def eval_command(
    data_dir: Path = typer.Argument(..., metavar="FOLDER", help="Test collection: corpus.jsonl, queries.jsonl, "
                                                                "qrels.tsv (or BEIR's qrels/test.tsv)"),
    modes: str = option("dense,lexical,hybrid", "--modes", metavar="MODES", help="Comma-separated modes to score"),
    k: int = option(10, "--k", metavar="N", help="Cut-off of nDCG, Recall and MRR (Recall@100 is always given)"),
    split: str = option("test", "--split", metavar="NAME", help="Which judgments: test, or e.g. train for tuning"),
    index: Path | None = option(None, "--index", metavar="DIR",
                                help="Use (or build and keep) the corpus index here instead of a temporary one"),
    as_json: bool = option(False, "--json", help="Print one JSON object"),
    store_name: str | None = StoreOpt,
    model: str | None = ModelOpt,
    backends: str | None = option(
        None, "--backend", metavar="NAMES",
        help="Encoder backend(s), comma-separated, each scored on its own index: torch, onnx, onnx-int8"),
    quiet: bool = option(False, "--quiet", "-q", help="No progress bar while indexing"),
) -> None:
    """Score retrieval on a test collection: nDCG, Recall, MRR per mode, with speed."""

    def body() -> None:
        with needs_extra("eval", "newsdex eval"):
            from newsdex.search.eval import evaluate

        settings = make_settings(model=model, store=store_name)
        if not data_dir.is_dir():
            raise NewsdexError(f"no such folder: {data_dir}")
        chosen = [m.strip() for m in modes.split(",") if m.strip()]
        names = [b.strip() for b in (backends or settings.backend).split(",") if b.strip()]
        if index is not None and len(names) > 1:
            raise NewsdexError("--index holds one backend's vectors: give one --backend with it")

        reports = []
        for name in names:
            backend_settings = make_settings(model=model, backend=name, store=store_name, warn_unknown=False)
            reports.append(evaluate(data_dir, backend_settings, _load_embedder(backend_settings), modes=chosen, k=k,
                                    split=split, index_dir=index, progress=_progress(quiet),
                                    on_skip=print_skipped).to_json())
        if as_json:
            print(json.dumps(reports[0] if len(reports) == 1 else
                             {"dataset": reports[0]["dataset"], "backends": {r["backend"]: r for r in reports}}))
            return
        for data in reports:
            print_eval(data, k)

    guarded(body)


ask_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, context_settings=CONTEXT)
ask_app.command(cls=Command)(ask_command)


def main() -> None:
    app()


def ask_main() -> None:
    ask_app()


if __name__ == "__main__":
    main()

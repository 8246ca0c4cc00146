"""The HTTP API and the search page: `create_app(settings)` returns the FastAPI app.

A thin edge over the Python API: routes check who may call them, hand the request to the
Searcher or to the Indexer, and turn newsdex's named errors into HTTP statuses. Searching
and indexing block (model, FAISS, SQLite), so every route that does either is a plain
`def`, which FastAPI runs in its thread pool, never on the event loop.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import anyio
import swagger_ui_bundle
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsdex.api.keepers import Keeper, Keeping
from newsdex.api.live import LiveIndex
from newsdex.api.middleware import REDACT_SECRETS, BodyLimit, Figures, Metrics, RecordMetrics
from newsdex.api.problems import ProblemResponse, as_problems, problem
from newsdex.api.schemas import (
    ArticleDetail,
    ArticlePage,
    ArticlesIn,
    ArticlesQuery,
    ArticleSummary,
    BatchSearchResponse,
    Health,
    KeeperOut,
    PassageOut,
    PersonQuery,
    Problem,
    QuotesQuery,
    Ready,
    SearchAnswer,
    SearchBody,
    SearchQuery,
    SpeakersQuery,
    WriteReport,
)
from newsdex.errors import (
    ArticleNotFound,
    BadArticle,
    IndexBusy,
    IndexIncompatible,
    IndexNotFound,
    IndexUnwritable,
    InvalidQuery,
    ModelUnavailable,
    NewsdexError,
    StoreUnavailable,
)
from newsdex.index.articles import Article, article_from_record
from newsdex.index.batching import BatchingEmbedder
from newsdex.index.build import API_ORIGIN, BuildReport, Indexer, repeated_ids
from newsdex.index.embedder import Embedder, TextEmbedder
from newsdex.index.stores import live_int8_config
from newsdex.search.export import MEDIA_TYPES, export, quote_rows, result_rows
from newsdex.search.results import PersonPage, QuotePage, SearchResponse, SpeakerPage
from newsdex.settings import Settings

log = logging.getLogger(__name__)

VERSION = version("newsdex")  # pyproject.toml's, as installed (newsdex.__version__ reads the same)

STATIC = Path(__file__).resolve().parent / "static"
OPENAPI_URL = "/openapi.json"  # FastAPI's default, named for /docs to load

# Where each named error lands; anything else a NewsdexError says is the server's fault.
ERROR_STATUS: list[tuple[type[NewsdexError], int]] = [
    (InvalidQuery, 422), (BadArticle, 422), (ArticleNotFound, 404),
    (IndexNotFound, 503), (IndexIncompatible, 503), (ModelUnavailable, 503), (IndexBusy, 503),
    (StoreUnavailable, 503),
    (IndexUnwritable, 507),
]
# Seconds a client is asked to wait before retrying a write refused with IndexBusy.
RETRY_AFTER_SECONDS = 5
# Threads kept for /ready and /metrics, apart from the pool that serves searches.
OPERATION_THREADS = 4
# What FastAPI says of a body it could not decode as JSON (bad UTF-8, nested too deeply).
UNREADABLE_BODY = "There was an error parsing the body"

DESCRIPTION = """\
Semantic search over a news archive: ask in plain words, get the passages that answer.

Searches and article reads are open unless the server sets `NEWSDEX_READ_KEY`. Writes
(`POST /articles`, `DELETE /articles/{id}`, `POST /index/rebuild`) need
`Authorization: Bearer <NEWSDEX_API_KEY>`; a server without that key refuses them (403).
Every error is RFC 9457 problem details (`application/problem+json`: `type`, `title`,
`status`, and a `detail` sentence saying what to do).
"""

bearer = HTTPBearer(auto_error=False, description="NEWSDEX_API_KEY for writes; NEWSDEX_READ_KEY for reads when set.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem} for status in (401, 403, 404, 409, 413, 422, 503, 507)
}
# What a browser page from another origin may send, when NEWSDEX_CORS_ORIGINS lets it call.
CORS_METHODS = ["GET", "POST", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type"]


def create_app(settings: Settings, embedder: TextEmbedder | None = None, keepers: Sequence[Keeper] = ()) -> FastAPI:
    """The app for one index directory; pass an already loaded `embedder` to share it, and the
    `keepers` that keep the index fresh while it serves (api.keepers)."""
    if embedder is None:
        embedder = Embedder.from_settings(settings, live_int8_config(settings))
    batcher = None
    if settings.batch_window_ms > 0:
        # Requests run on pool threads; their model calls meet here and go out as one batch.
        embedder = batcher = BatchingEmbedder(embedder, settings.batch_window_ms, settings.max_batch)
    live = LiveIndex(settings, embedder)
    indexer = Indexer(settings, embedder, lock_timeout=settings.write_wait_seconds)
    metrics = Metrics({"version": VERSION, "model": settings.model, "backend": settings.backend,
                       "store": settings.store})
    keeping = Keeping(keepers)
    metrics.watch(lambda: _figures(live, batcher, keeping))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # uvicorn has set up its loggers by now; its access log names every request's URL.
        logging.getLogger("uvicorn.access").addFilter(REDACT_SECRETS)
        app.state.operations = anyio.CapacityLimiter(OPERATION_THREADS)
        embedder.encode(["warm up"])  # the first real question should not pay for lazy initialisation
        try:
            live.reload()
        except NewsdexError as exc:  # /ready says so, and every search answers 503 until an index appears
            log.warning("no index to serve yet: %s", exc)
        keeping.start(indexer, live.write_now)
        yield
        keeping.stop()
        live.close()
        if batcher is not None:
            batcher.close()

    # docs_url=None: /docs is served below from the swagger-ui-bundle package, not a CDN,
    # so the interactive docs work on a machine with no internet.
    app = FastAPI(title="newsdex", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, openapi_url=OPENAPI_URL)
    app.state.settings = settings
    app.state.live = live
    app.state.indexer = indexer
    app.state.metrics = metrics
    app.state.batcher = batcher
    app.state.keeping = keeping
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        # Outside the body limit, so a preflight (OPTIONS) is answered before anything else.
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=CORS_METHODS,
                           allow_headers=CORS_HEADERS, expose_headers=["Retry-After"])
    app.add_middleware(RecordMetrics, metrics=metrics)  # added last, so it also times the 413s
    # Starlette types every handler as taking any Exception; it calls each only with its own kind.
    app.add_exception_handler(NewsdexError, _newsdex_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(router)
    app.include_router(reads, dependencies=[Depends(require_read_key)] if _secret(settings.read_key) else [])
    app.include_router(writes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="newsdex API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = as_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _figures(live: LiveIndex, batcher: BatchingEmbedder | None, keeping: Keeping) -> Figures:
    """What /metrics reads at each scrape."""
    try:
        with live.searcher() as searcher:
            stats = searcher.stats()
        index: tuple[int, int, int] | None = (stats.articles, stats.passages, stats.size_bytes)
    except NewsdexError:
        index = None
    return Figures(index, live.swaps, (batcher.batches, batcher.texts) if batcher is not None else None,
                   keeping.snapshot())


# -- shared state and access ---------------------------------------------------------------


def get_live(request: Request) -> LiveIndex:
    return request.app.state.live


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_indexer(request: Request) -> Indexer:
    return request.app.state.indexer


Live = Annotated[LiveIndex, Depends(get_live)]
Indexing = Annotated[Indexer, Depends(get_indexer)]


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _check_key(credentials: HTTPAuthorizationCredentials | None, accepted: list[str], what: str) -> None:
    if credentials is None:
        raise HTTPException(401, f"{what} need a key: send Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    given = credentials.credentials.encode("utf-8")
    if not any(hmac.compare_digest(given, key.encode("utf-8")) for key in accepted if key):
        raise HTTPException(401, "wrong key in Authorization: Bearer <key>", headers={"WWW-Authenticate": "Bearer"})


def require_write_key(credentials: Credentials, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    key = _secret(settings.api_key)
    if not key:
        raise HTTPException(403, "writes are disabled on this server: start it with NEWSDEX_API_KEY=<key> set, "
                                 "then send Authorization: Bearer <key>")
    _check_key(credentials, [key], "writes")


def require_read_key(credentials: Credentials, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    """Reads are open unless NEWSDEX_READ_KEY is set; the write key reads too."""
    read_key = _secret(settings.read_key)
    if read_key:
        _check_key(credentials, [read_key, _secret(settings.api_key)], "reads")


router = APIRouter()
# Reads are guarded (and the schema says so) only on a server with NEWSDEX_READ_KEY: see create_app.
reads = APIRouter(responses=ERRORS)
writes = APIRouter(dependencies=[Depends(require_write_key)], responses=ERRORS)


# -- searches ------------------------------------------------------------------------------


# The exports a read may answer with (search.export), as the schema lists them.
EXPORTS: dict[int | str, dict[str, Any]] = {200: {"content": {f"{media}; charset=utf-8": {}
                                                              for media in MEDIA_TYPES.values()}}}


def _export_format(asked: str, request: Request) -> str | None:
    """The export a request asks for: its `format`, or csv for `Accept: text/csv`; None: JSON."""
    if asked != "json":
        return asked
    accept = request.headers.get("accept", "")
    return "csv" if "text/csv" in accept and "application/json" not in accept else None


def _exported(rows: list[dict], format: str, name: str, title: str) -> Response:
    """Rows as a download (Content-Disposition names the file)."""
    return Response(export(rows, format, title), media_type=f"{MEDIA_TYPES[format]}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'})


@reads.get("/search", response_model=SearchResponse, tags=["search"], responses=EXPORTS)
def search(params: Annotated[SearchQuery, Query()], request: Request, live: Live) -> SearchResponse | Response:
    """The k passages that best answer `q`: the same JSON as `ask --json`; `format=csv`
    (or Accept: text/csv), `jsonl` or `md`: the results as rows to cite."""
    with live.searcher() as searcher:
        answer = searcher.search(params.q, params)
    wanted = _export_format(params.format, request)
    if wanted is None:
        return answer
    return _exported(result_rows(answer.results), wanted, "newsdex-search", answer.query)


@reads.post("/search", response_model=SearchAnswer, tags=["search"])
def search_post(body: SearchBody, live: Live) -> SearchResponse | BatchSearchResponse:
    """One question (`q`), answered like GET /search, or a batch (`queries`) embedded in one model call."""
    with live.searcher() as searcher:
        if body.queries is not None:
            return BatchSearchResponse(responses=searcher.search_many(body.queries, body))
        assert body.q is not None  # SearchBody holds q or queries, never neither
        return searcher.search(body.q, body)


# -- who said what -------------------------------------------------------------------------


@reads.get("/quotes", response_model=QuotePage, tags=["quotes"], responses=EXPORTS)
def list_quotes(params: Annotated[QuotesQuery, Query()], request: Request, live: Live) -> QuotePage | Response:
    """A person's statements (any form of the name), newest first, one page at a time: the same
    JSON as `newsdex quotes NAME --json`. A name nobody quoted has: an empty page, `speakers` [].
    `format=csv` (or Accept: text/csv), `jsonl` or `md`: the page as rows to cite."""
    with live.searcher() as searcher:
        page = searcher.quotes(params.speaker, limit=params.limit, offset=params.offset)
    wanted = _export_format(params.format, request)
    if wanted is None:
        return page
    return _exported(quote_rows(page.quotes, params.offset + 1), wanted, "newsdex-quotes", f"Statements: {page.asked}")


@reads.get("/people/{name}", response_model=PersonPage, tags=["quotes"], responses=EXPORTS)
def get_person(name: Annotated[str, PathParam(min_length=1, max_length=200, description="Any form of the name.")],
               params: Annotated[PersonQuery, Query()], request: Request, live: Live) -> PersonPage | Response:
    """A person's page: every statement, newest first, grouped by month, with its article;
    with `q`, those that best answer it. A name nobody quoted has: `name` null, no months."""
    with live.searcher() as searcher:
        person = searcher.person(name, params.q, limit=params.limit, offset=params.offset)
    wanted = _export_format(params.format, request)
    if wanted is None:
        return person
    quotes = [quote for month in person.months for quote in month.quotes]
    return _exported(quote_rows(quotes, params.offset + 1), wanted, "newsdex-person", f"Statements: {person.asked}")


@reads.get("/speakers", response_model=SpeakerPage, tags=["quotes"])
def list_speakers(params: Annotated[SpeakersQuery, Query()], live: Live) -> SpeakerPage:
    """The people quoted in the index, most statements first, with counts."""
    with live.searcher() as searcher:
        return searcher.speakers(limit=params.limit, offset=params.offset)


# -- articles ------------------------------------------------------------------------------

ArticleId = Annotated[str, PathParam(description="The article's id; ids from folders contain '/'.")]


@reads.get("/articles", response_model=ArticlePage, tags=["articles"])
def list_articles(page: Annotated[ArticlesQuery, Query()], live: Live) -> ArticlePage:
    """Articles, newest first (undated last), one page at a time."""
    limit, offset = page.limit, page.offset
    with live.searcher() as searcher:
        rows = searcher.articles(limit=limit, offset=offset)
        total = searcher.article_count()
    return ArticlePage(articles=[ArticleSummary.model_validate(row, from_attributes=True) for row in rows],
                       total=total, limit=limit, offset=offset,
                       next_offset=offset + limit if offset + limit < total else None)


@reads.get("/articles/{article_id:path}", response_model=ArticleDetail, tags=["articles"])
def get_article(article_id: ArticleId, live: Live) -> ArticleDetail:
    """One article: its clean text, its metadata and the passages it was split into."""
    with live.searcher() as searcher:
        found = searcher.article(article_id)
    fields = {k: v for k, v in found.article.__dict__.items() if k in ArticleDetail.model_fields}
    fields["origin"] = shown_origin(found.article.origin, live.settings.seeds_dir)
    return ArticleDetail(**fields, passages=[PassageOut(id=p.id, position=p.position, text=p.text)
                                             for p in found.passages])


def shown_origin(origin: str | None, folder: Path) -> str | None:
    """Where an article came from, as a client may see it: the file's path below the server's
    article folder (NEWSDEX_SEEDS_DIR), else its name alone; never a path on the server."""
    if origin is None or origin == "api":
        return origin
    path = Path(origin)
    try:
        return path.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.name


@writes.post("/articles", response_model=WriteReport, tags=["writes"])
async def post_articles(body: ArticlesIn, live: Live, indexer: Indexing) -> WriteReport:
    """Add articles, or replace those whose id is already indexed; only changed ones are embedded."""
    # Reading the articles is analysis too (cleaning untrusted text): it runs on the writer thread.
    return await live.write(lambda: indexer.upsert(_articles_in(body)), lambda report: _write_report(report, live))


def _articles_in(body: ArticlesIn) -> list[Article]:
    read: list[tuple[int, Article]] = []  # (position in the request, article)
    problems = []
    for number, item in enumerate(body.articles):
        try:
            read.append((number, article_from_record(item.model_dump(exclude_none=True), origin=API_ORIGIN,
                                                     as_given=True)))
        except BadArticle as exc:
            problems.append(f"articles[{number}]: {exc}")
    articles = [article for _, article in read]
    repeated = [f"articles[{read[at][0]}]: id {article_id!r} appears twice in this request"
                for at, article_id in repeated_ids(articles)]
    if problems or repeated:
        # Two versions of one article in one request conflict (which should win?); each is
        # valid on its own, as the schema says, hence 409 rather than 422.
        raise HTTPException(422 if problems else 409, "; ".join(problems + repeated) + " (nothing was written)")
    return articles


@writes.delete("/articles/{article_id:path}", response_model=WriteReport, tags=["writes"])
async def delete_article(article_id: ArticleId, live: Live, indexer: Indexing) -> WriteReport:
    """Remove one article and its passages."""
    return await live.write(lambda: indexer.delete([article_id]), lambda report: _write_report(report, live))


@writes.post("/index/rebuild", response_model=WriteReport, tags=["writes"])
async def rebuild_index(live: Live, indexer: Indexing) -> WriteReport:
    """Rebuild from scratch from the server's article folder (NEWSDEX_SEEDS_DIR), like
    `newsdex index --rebuild`. Articles posted over the API are in no file, so they are
    carried over and re-embedded (`api_articles_kept` says how many). Searches are answered
    from the old build until the new one is swapped in."""
    sources = live.settings.seeds_dir
    if not sources.exists():
        raise HTTPException(409, f"nothing to rebuild from: {sources} does not exist; set NEWSDEX_SEEDS_DIR "
                                 "to the server's article folder")
    return await live.write(lambda: indexer.build([sources], rebuild=True),
                            lambda report: _write_report(report, live, api_articles_kept=report.api_articles_kept))


def _write_report(report: BuildReport, live: LiveIndex, **extra) -> WriteReport:
    """What the write changed, and what the build now served holds."""
    with live.searcher() as searcher:
        stats = searcher.stats()
    return WriteReport(added=report.added, updated=report.updated, unchanged=report.unchanged,
                       removed=report.removed, passages_embedded=report.passages_embedded,
                       seconds=round(report.seconds, 3), build=stats.build,
                       articles=stats.articles, passages=stats.passages,
                       skipped=[f"{s.path}: {s.reason}" for s in report.skipped], **extra)


# -- operations ----------------------------------------------------------------------------


# /health answers on the event loop itself; /ready and /metrics read the index on threads of
# their own, so neither waits behind searches that fill the shared thread pool.
@router.get("/health", response_model=Health, tags=["operations"])
async def health() -> Health:
    """The process is up and answering (says nothing about the index)."""
    return Health()


@router.get("/ready", response_model=Ready, responses={503: {"model": Problem}}, tags=["operations"])
async def ready(request: Request, live: Live) -> Ready:
    """An index is loaded and searchable: what it holds and when it was built, and what each loop
    keeping it fresh (`serve --watch`, `--feeds`) has done; 503 with the reason if not searchable."""
    return await anyio.to_thread.run_sync(_ready, live, request.app.state.keeping,
                                          limiter=request.app.state.operations)


def _ready(live: LiveIndex, keeping: Keeping) -> Ready:
    with live.searcher() as searcher:
        stats = searcher.stats().as_dict()
    # The index directory's name only: a client has no business knowing the server's paths.
    return Ready(**{**stats, "index": Path(stats["index"]).name},
                 keeping=[KeeperOut(**status) for status in keeping.snapshot()])


@router.get("/metrics", tags=["operations"], response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
async def metrics(request: Request) -> Response:
    """Requests and latency per route, the served index's size, swaps and model batches, the
    build, and the process and Python runtime (Prometheus text; scrapes are not counted)."""
    return await anyio.to_thread.run_sync(_metrics, request, limiter=request.app.state.operations)


def _metrics(request: Request) -> Response:
    m: Metrics = request.app.state.metrics  # reads the index as it collects: on this thread
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """Browsers ask for it whatever the page links; the page's own icon, not a 404."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")




# -- errors --------------------------------------------------------------------------------


async def _newsdex_error(request: Request, exc: NewsdexError) -> ProblemResponse:
    status = next((code for kind, code in ERROR_STATUS if isinstance(exc, kind)), 500)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if isinstance(exc, IndexBusy) else None
    return problem(status, str(exc), headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    """422 with one readable sentence per problem ("k: Input should be less than or equal to 100")."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path"))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            message = f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'cannot parse')})"
            where = ""
        elif error.get("type") == "model_attributes_type" and not where:
            message = "the body must be a JSON object, sent with Content-Type: application/json"
        problems.append(f"{where}: {message}" if where else message)
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type")}
              for e in exc.errors()]
    return problem(422, "; ".join(problems) or "invalid request", errors=errors)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """A body FastAPI could not decode is a bad request body like any other: 422, saying why."""
    if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:
        cause = exc.__cause__
        if isinstance(cause, UnicodeDecodeError):
            detail = "the body is not valid JSON (it is not UTF-8 text)"
        elif isinstance(cause, RecursionError):
            detail = "the body is not valid JSON (nested too deeply to read)"
        else:
            detail = f"the body is not valid JSON ({type(cause).__name__ if cause else 'cannot parse'})"
        return problem(422, detail)
    if exc.status_code in (204, 304):  # no body, as Starlette's own handler sends them
        return Response(status_code=exc.status_code, headers=exc.headers)
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, f"internal error ({type(exc).__name__}); the server log has the details")

"""The command line's flags: what they become (Settings, SearchOptions, a Page) and how a
command's errors come back to the user (one line, `guarded`).

`ask`'s search flags are not declared one by one: `search_flags` gives a command one flag per
`SearchOptions` field, named after it (`per_article` is `--per-article`), of its type, with its
default and its description as the help. An option added to SearchOptions is a flag of `ask`
at once, checked by the same model as the API's; only a short name (`-k`) is the CLI's own.
Flags that are not search options (`--index`, `--store`, ...) are declared here by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import typer
from annotated_types import Ge, Le
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from rich.markup import escape

from newsdex.errors import InvalidQuery, NewsdexError
from newsdex.render import err
from newsdex.search.options import SearchOptions, check_page, describe
from newsdex.settings import Settings

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def option(default: Any, *names: str, help: str, **kwargs: Any) -> Any:
    """`typer.Option`, its help shown as written: rich would take "[env: ...]" for markup and drop it."""
    return typer.Option(default, *names, help=escape(help), **kwargs)


IndexOpt = option(None, "--index", help="Index directory [env: NEWSDEX_INDEX_DIR; default: .newsdex]")
ModelOpt = option(None, "--model", help="sentence-transformers model name or path [env: NEWSDEX_MODEL]")
StoreOpt = option(None, "--store", help="Where the index lives: faiss (under --index), milvus (NEWSDEX_MILVUS_URI), "
                                        "or a store class of your own, package.module:Class [env: NEWSDEX_STORE; "
                                        "default: faiss]")
BackendOpt = option(None, "--backend", help="Encoder backend: torch, onnx or onnx-int8 [env: NEWSDEX_BACKEND; "
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


# -- search options: one flag per SearchOptions field -------------------------------------------

SEARCH_PANEL = "Search options"  # where `ask --help` lists them, apart from --index, --json, ...
SHORT_NAMES = {"k": ("-k",)}

# The flag of each search option, as error messages name it (see describe).
ASK_FLAGS = {name: "--" + name.replace("_", "-") for name in SearchOptions.model_fields}


def search_flags(command: F) -> F:
    """`command` with a flag for each search option: typer reads the signature set here, and the
    flags reach the command's `**flags` under the options' names (`search_options_from_flags`)."""
    own = inspect.signature(command, eval_str=True).parameters.values()
    clash = {p.name for p in own} & set(SearchOptions.model_fields)
    assert not clash, f"{command.__name__} has parameters named like search options: {clash}"
    parameters = [p for p in own if p.kind is not inspect.Parameter.VAR_KEYWORD]
    parameters += [_search_flag(name, field) for name, field in SearchOptions.model_fields.items()]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return command


def _search_flag(name: str, field: FieldInfo) -> inspect.Parameter:
    """One option's flag. A yes/no option that is on by default is turned off with --no-NAME;
    an option whose default is None stays None unless given, so it takes its setting's value."""
    flag = ASK_FLAGS[name]
    kind = _flag_type(field.annotation)
    declared = f"{flag}/--no-{flag[2:]}" if field.default is True else flag
    info = typer.Option(field.default, declared, *SHORT_NAMES.get(name, ()), help=_help(field),
                        rich_help_panel=SEARCH_PANEL)
    annotation = kind if field.default is not None else kind | None
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


def _flag_type(annotation: Any) -> type:
    """What typer converts a flag's text to: the field's type, less None. A choice (a Literal,
    `mode`) is read as text, so that a wrong one gets SearchOptions' message, as over HTTP."""
    if get_origin(annotation) in (Union, UnionType):
        (annotation,) = [arg for arg in get_args(annotation) if arg is not type(None)]
    return str if get_origin(annotation) is Literal else annotation


def _help(field: FieldInfo) -> str:
    """The field's description, and its range where it has both ends ("(1-100)")."""
    low = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in field.metadata if isinstance(m, Le)), None)
    bounds = f" ({low:,}-{high:,})" if low is not None and high is not None else ""
    return escape((field.description or "").removesuffix(".") + bounds)


def search_options_from_flags(**flags: Any) -> SearchOptions:
    """The SearchOptions the flags ask for (unset flags left out); a bad one is an error naming its flag."""
    try:
        return SearchOptions(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as exc:
        raise InvalidQuery(describe(exc, names=ASK_FLAGS)) from None


# -- pages of a listing -------------------------------------------------------------------------

LimitOpt = option(20, "--limit", help="How many to list (1-100)")
OffsetOpt = option(0, "--offset", help="How many to skip first")
PAGE_FLAGS: Mapping[str, str] = {"limit": "--limit", "offset": "--offset"}


def page_from_flags(limit: int, offset: int):
    """The page --limit and --offset ask for, checked as the API checks it (search.options.Page)."""
    return check_page(limit, offset, names=PAGE_FLAGS)

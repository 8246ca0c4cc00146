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
import os
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
from newsdex.settings import SERVER_FIELDS, Settings, env_name, unknown_variables

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def option(default: Any, *names: str, help: str, **kwargs: Any) -> Any:
    """`typer.Option`, its help shown as written: rich would take "[env: ...]" for markup and drop
    it. A yes/no flag shows no type beside it (`<bool>` says nothing a reader needs)."""
    if isinstance(default, bool):
        kwargs.setdefault("metavar", "")
    return typer.Option(default, *names, help=escape(help), **kwargs)


def choices(values: Any) -> str:
    """A choice's metavar in help, from a Literal: `[torch|onnx|onnx-int8]`."""
    return "[" + "|".join(get_args(values)) + "]"


IndexOpt = option(None, "--index", metavar="DIR",
                  help="Index directory, which must hold an index [env: NEWSDEX_INDEX_DIR; default: .newsdex in a "
                       "checkout, else ~/.local/share/newsdex/index; built from the seeds on first use]")
ModelOpt = option(None, "--model", metavar="NAME", help="sentence-transformers model name or path "
                                                        "[env: NEWSDEX_MODEL; default: all-MiniLM-L6-v2]")
StoreOpt = option(None, "--store", metavar="NAME",
                  help="Where the index lives: faiss (under --index), milvus (NEWSDEX_MILVUS_URI), or a store class "
                       "of your own, package.module:Class [env: NEWSDEX_STORE; default: faiss]")
BackendOpt = option(None, "--backend", metavar=choices(Settings.model_fields["backend"].annotation),
                    help="Encoder backend [env: NEWSDEX_BACKEND; default: onnx]")

# The flag that sets each setting, as a bad value's message names it (else its variable).
SETTING_FLAGS = {"index_dir": "--index", "store": "--store", "model": "--model", "backend": "--backend",
                 "host": "--host", "port": "--port", "follow_links": "--follow-links", "engine": "--engine",
                 "ray_address": "--ray-address", "workers": "--workers"}


def make_settings(*, server: bool = False, warn_unknown: bool = True, **overrides: Any) -> Settings:
    """Flags win over NEWSDEX_* variables, which win over defaults. A bad value is one line naming
    its flag or variable and what it accepts; the server's own settings (SERVER_FIELDS) are checked
    only when `server`, so a bad NEWSDEX_PORT does not stop `ask`."""
    if warn_unknown:
        warn_unknown_variables()
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        problems = [e for e in exc.errors() if server or not e["loc"] or e["loc"][0] not in SERVER_FIELDS]
        if problems:
            raise NewsdexError(setting_problem(problems[0], given)) from None
        # Only settings this command never reads are bad: they keep their defaults here.
        ignored = {str(e["loc"][0]) for e in exc.errors()}
        settings = Settings(**given, **{name: Settings.model_fields[name].get_default(call_default_factory=True)
                                        for name in ignored})
    from newsdex.index.registry import store_kind

    store_kind(settings.store)  # an unknown store, or a path that does not import: one line now, before a model loads
    return settings


def setting_problem(error: Any, given: Mapping[str, Any]) -> str:
    """One pydantic error on a setting as one line: `NEWSDEX_BACKEND='onxx' is not one of: torch,
    onnx, onnx-int8` (or `--backend 'onxx' ...` when a flag gave the value)."""
    field = str(error["loc"][0]) if error["loc"] else ""
    where = f"{SETTING_FLAGS[field]} " if field in given and field in SETTING_FLAGS else f"{env_name(field)}="
    info = Settings.model_fields.get(field)
    kind, ctx = error["type"], error.get("ctx") or {}
    low = next((m.ge for m in (info.metadata if info else ()) if isinstance(m, Ge)), None)
    high = next((m.le for m in (info.metadata if info else ()) if isinstance(m, Le)), None)
    if kind == "literal_error":
        wanted = "is not one of: " + ", ".join(get_args(info.annotation)) if info else error["msg"]
    elif kind == "bool_parsing":
        wanted = "is not true or false (true/false, 1/0, yes/no, on/off)"
    elif kind in ("int_parsing", "int_from_float", "float_parsing", "greater_than_equal", "less_than_equal",
                  "greater_than", "less_than"):
        number = "a whole number" if kind.startswith("int") or (info and info.annotation in (int, "int")) else \
            "a number"
        bounds = (f" between {low} and {high}" if low is not None and high is not None else
                  f" of at least {low}" if low is not None else f" of at most {high}" if high is not None else "")
        wanted = f"must be {number}{bounds}"
    elif kind == "string_pattern_mismatch":
        wanted = f"must match {ctx.get('pattern')}"
    else:
        wanted = str(error["msg"]).removeprefix("Value error, ")
        wanted = wanted.removeprefix(repr(str(error.get("input")))).lstrip()  # the message may name the value too
    shown = "[hidden]" if field in Settings.secret_fields() else repr(str(error.get("input")))
    return f"{where}{shown} {wanted}"


def warn_unknown_variables() -> None:
    """A NEWSDEX_* variable that is no setting is a warning naming the closest one, not silence."""
    for name, close in unknown_variables(os.environ):
        hint = f"; did you mean {close}?" if close else " (it is ignored)"
        err.print(f"[yellow]warning:[/yellow] {escape(name)} is not a newsdex setting{escape(hint)}")


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
    info = typer.Option(field.default, declared, *SHORT_NAMES.get(name, ()), help=_help(name, field),
                        metavar=_metavar(field.annotation, kind), rich_help_panel=SEARCH_PANEL)
    annotation = kind if field.default is not None else kind | None
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


def _flag_type(annotation: Any) -> type:
    """What typer converts a flag's text to: the field's type, less None. A choice (a Literal,
    `mode`) is read as text, so that a wrong one gets SearchOptions' message, as over HTTP."""
    if get_origin(annotation) in (Union, UnionType):
        (annotation,) = [arg for arg in get_args(annotation) if arg is not type(None)]
    return str if get_origin(annotation) is Literal else annotation


def _metavar(annotation: Any, kind: type) -> str:
    """What help shows beside a flag: its choices (`[dense|lexical|hybrid]`), N, NUMBER or TEXT;
    nothing beside a yes/no flag."""
    if get_origin(annotation) in (Union, UnionType):
        (annotation,) = [arg for arg in get_args(annotation) if arg is not type(None)]
    if get_origin(annotation) is Literal:
        return choices(annotation)
    return {bool: "", int: "N", float: "NUMBER"}.get(kind, "TEXT")


def _help(name: str, field: FieldInfo) -> str:
    """The field's description, its range where it has both ends ("(1-100)"), and the variable of
    the setting it overrides, if any."""
    low = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in field.metadata if isinstance(m, Le)), None)
    bounds = f" ({low:,}-{high:,})" if low is not None and high is not None else ""
    text = (field.description or "").removesuffix(".")
    env = f" [env: {env_name(name)}]" if name in Settings.model_fields and env_name(name) not in text else ""
    return escape(text + bounds + env)


def search_options_from_flags(**flags: Any) -> SearchOptions:
    """The SearchOptions the flags ask for (unset flags left out); a bad one is an error naming its flag."""
    try:
        return SearchOptions(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as exc:
        raise InvalidQuery(describe(exc, names=ASK_FLAGS)) from None


# -- pages of a listing -------------------------------------------------------------------------

LimitOpt = option(20, "--limit", metavar="N", help="How many to list (1-100)")
OffsetOpt = option(0, "--offset", metavar="N", help="How many to skip first")
PAGE_FLAGS: Mapping[str, str] = {"limit": "--limit", "offset": "--offset"}


def page_from_flags(limit: int, offset: int):
    """The page --limit and --offset ask for, checked as the API checks it (search.options.Page)."""
    return check_page(limit, offset, names=PAGE_FLAGS)

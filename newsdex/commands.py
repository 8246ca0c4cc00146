"""What every command shares before its own work starts: -h, --version, a "did you mean" for a
mistyped command, a missing extra named with the pip line that installs it, and `serve`'s
check that its port is free before the model loads."""

from __future__ import annotations

import difflib
import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup

from newsdex.errors import NewsdexError
from newsdex.render import err

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

# Words people type for a command that has another name here.
SYNONYMS = {"search": "ask", "query": "ask", "find": "ask", "question": "ask", "build": "index", "add": "index",
            "server": "serve", "run": "serve", "start": "serve", "status": "stats", "info": "stats",
            "quote": "quotes", "speaker": "speakers", "evaluate": "eval"}


class _PlainHelp:
    """-h/--help listed without a `<bool>` beside it."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class Command(_PlainHelp, TyperCommand):
    """Each newsdex command (`app.command(cls=Command)`): an argument is listed by its name
    (QUESTION), without a `<str>` beside it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                param.display_type_rich = _no_type  # type: ignore[method-assign]


class Commands(_PlainHelp, TyperGroup):
    """The `newsdex` group: an unknown command is one line with the closest one, and exit status 2."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if not name or name in self.commands or name.startswith("-"):
            return super().resolve_command(ctx, args)
        err.print(f"[red]error:[/red] {escape(unknown_command(name, list(self.commands)))}")
        raise typer.Exit(2)


def _no_type(ctx: Any) -> None:
    return None


def unknown_command(name: str, commands: list[str]) -> str:
    """"no command 'serach'; did you mean 'ask'?" (a question given without `ask` gets the line to run)."""
    if " " in name.strip():
        return f"no command {name!r}; to ask it: newsdex ask {name!r}"
    words = {**{command: command for command in commands}, **SYNONYMS}
    close = difflib.get_close_matches(name.lower(), list(words), n=1, cutoff=0.6)
    hint = f"did you mean '{words[close[0]]}'?" if close else f"the commands are: {', '.join(commands)}"
    return f"no command {name!r}; {hint}"


def _print_version(value: bool) -> None:
    if value:
        import newsdex

        typer.echo(f"newsdex {newsdex.__version__}")
        raise typer.Exit()


def version_option() -> Any:
    return typer.Option(False, "--version", callback=_print_version, is_eager=True, metavar="",
                        help="Print newsdex's version and exit")


@contextmanager
def needs_extra(extra: str, command: str) -> Iterator[None]:
    """A command whose packages come with an extra: one line with the pip command, not an ImportError."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] == "newsdex":
            raise
        raise NewsdexError(f"{command} needs the {extra} extra ({exc.name} is not installed): "
                           f"pip install 'newsdex[{extra}]'") from None


REASONS = {errno.EADDRINUSE: "something else is listening there",
           errno.EACCES: "permission denied (ports below 1024 need root)",
           errno.EADDRNOTAVAIL: "this machine has no such address"}


def free_port_or_error(host: str, port: int) -> None:
    """Bind host:port as uvicorn will (SO_REUSEADDR) and let go: a busy port is one line now,
    not uvicorn's error after the model has loaded. (Something may still take the port in the
    moment between; uvicorn then says so itself.)"""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise NewsdexError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror}); "
                           "set --host or NEWSDEX_HOST") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = REASONS.get(exc.errno or 0, exc.strerror or str(exc))
            raise NewsdexError(f"cannot listen on {host}:{port}: {reason}; choose another port with --port or "
                               "NEWSDEX_PORT") from None

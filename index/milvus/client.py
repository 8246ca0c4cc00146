"""Reaching Milvus: `MilvusSettings`, what the store reads of the settings, and `connect`, one
client per process and URI; the only module that makes a client. For Milvus Lite, the wait
for a file another process has open (`_client`, `_lite_holder`) and the gRPC keep-alive it
allows (`_grpc_options`). pymilvus is imported on first use (`_pymilvus`), never at import."""

from __future__ import annotations

import fcntl
import functools
import itertools
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from newsdex.errors import StoreUnavailable
from newsdex.index.builds import MILVUS_LITE, storage_errors
from newsdex.settings import Settings

LITE_LOCK = "LOCK"  # the file Milvus Lite flocks inside a .db folder while a process has it open
LITE_WAIT_SECONDS = 5.0  # how long to wait for a Lite file another process has open (_client)
LITE_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class MilvusSettings:
    """What this store reads of the settings, as one group: Settings' milvus_* fields
    (NEWSDEX_MILVUS_*, Settings.group("milvus")), and index_dir, which holds the write lock and
    Milvus Lite's file when no URI is set. A new milvus_* setting is a field here too."""

    uri: str | None
    token: SecretStr | None
    collection: str
    index: str
    index_dir: Path

    @classmethod
    def of(cls, settings: Settings) -> MilvusSettings:
        return cls(**settings.group("milvus"), index_dir=settings.index_dir)

    @property
    def target(self) -> str:
        """The Milvus URI in use: the setting, or a Milvus Lite file inside index_dir."""
        return self.uri or str(self.index_dir / MILVUS_LITE)

    @property
    def location(self) -> str:
        """The index as messages name it (index.stores.StoreKind.location)."""
        return f"{self.target} (collection {self.collection})"


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise StoreUnavailable("the Milvus store needs the scale extra: pip install 'newsdex[scale]'") from None
    # pymilvus logs each failed call (a missing alias is one) and each Milvus Lite iterator; the
    # errors it raises say the same to the caller, which turns them into messages.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    return pymilvus


def _is_lite(uri: str) -> bool:
    """A file URI is Milvus Lite, served in this process; anything with a scheme is a server."""
    return "://" not in uri


def connect(settings: Settings | MilvusSettings):
    """A client for the Milvus the settings name, made once per process and URI."""
    config = settings if isinstance(settings, MilvusSettings) else MilvusSettings.of(settings)
    uri = config.target
    if _is_lite(uri):
        if not uri.endswith(".db"):
            raise StoreUnavailable(f"NEWSDEX_MILVUS_URI {uri!r}: a Milvus Lite file must end in .db "
                                   "(or give http://host:19530 for a server)")
        path = Path(uri).expanduser().resolve()
        with storage_errors(path.parent):
            path.parent.mkdir(parents=True, exist_ok=True)
        uri = str(path)
    token = config.token.get_secret_value() if config.token else ""
    return _client(uri, token)


@functools.lru_cache(maxsize=64)
def _client(uri: str, token: str):
    """A client for this URI. Milvus Lite opens a file in one process at a time (_lite_holder):
    one that another process has open is waited for a few seconds, then refused in one line
    that names the holder and the ways to share the file."""
    pymilvus = _pymilvus()
    if not _is_lite(uri):
        try:
            return pymilvus.MilvusClient(uri=uri, token=token, timeout=30, grpc_options=_grpc_options(uri))
        except Exception as exc:  # pymilvus raises its own and gRPC's errors for an unreachable server
            raise StoreUnavailable(f"cannot reach Milvus at {uri}: {_reason(exc)}") from exc
    _quiet_lite()
    deadline = time.monotonic() + LITE_WAIT_SECONDS
    held = False  # at the last failure, by another process
    for attempt in itertools.count():
        try:
            return pymilvus.MilvusClient(uri=uri, token=token, timeout=30, grpc_options=_grpc_options(uri))
        except Exception as exc:  # pymilvus says only "Open local milvus failed"; Lite logged why
            if attempt == 0:
                # Milvus Lite's in-process server can stop answering after telling an idle
                # client's keep-alive pings off (GOAWAY, too_many_pings): start it afresh.
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(uri)
                continue
            holder = _lite_holder(uri)  # this process holds it no more, after the release above
            if holder is None:
                if held:  # the holder let go since that failure: try the file again
                    held = False
                    continue
                raise StoreUnavailable(f"cannot reach Milvus at {uri}: {_reason(exc)}") from exc
            held = True
            if time.monotonic() >= deadline:
                raise StoreUnavailable(_held_message(uri, holder)) from exc
            # Another process has the file open: wait a little, as an ask or a small build lets
            # go within seconds (measured: docs/scale.md).
            time.sleep(LITE_POLL_SECONDS)
    raise AssertionError("unreachable")


def _lite_holder(path: str) -> str | None:
    """Which other process has this Milvus Lite file open, as messages name it ("process 812
    (newsdex)", or "another process" where /proc does not say); None when none has.

    Milvus Lite takes an exclusive flock on the file's LOCK (a .db "file" is a folder) when a
    process opens it, and keeps it until that process closes it or exits; newsdex keeps its
    client for the life of the process (connect). A shared flock for a moment is refused
    exactly while some other process holds it."""
    lock = Path(path) / LITE_LOCK
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:  # never opened: nobody holds it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _lock_owner(lock)
    finally:
        os.close(fd)  # and with it the shared lock, if taken
    return None


def _lock_owner(lock: Path) -> str:
    """The process holding a flock on `lock`, from /proc/locks (Linux): its pid and program name
    only, since the message may travel in an HTTP answer and a command line can carry secrets."""
    try:
        info = os.stat(lock)
        key = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
        with open("/proc/locks") as locks:
            # "1: FLOCK  ADVISORY  WRITE 5681 fe:00:2147445 0 EOF" (a waiter's line has "->" after the number)
            pid = next(parts[4] for parts in map(str.split, locks) if parts[1:2] == ["FLOCK"] and parts[5:6] == [key])
    except (OSError, StopIteration):
        return "another process"
    if not pid.isdigit() or pid == "0":  # a process of another PID namespace
        return "another process"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:  # another PID namespace, or gone meanwhile
        return f"process {pid}"
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and argv[1][:1] not in ("", "-"):
        argv = argv[1:]  # a console script's interpreter: name the script
    return f"process {pid} ({Path(argv[0]).name})" if argv[0] else f"process {pid}"


def _held_message(path: str, holder: str) -> str:
    return (f"Milvus Lite file {path} is open in {holder}, and Milvus Lite opens a file in one process at a "
            f"time (waited {LITE_WAIT_SECONDS:g}s): stop that process; or, if it is `newsdex serve`, go through "
            "its API (POST /search, POST /articles, POST /index/rebuild); or share the file: `milvus-lite server "
            f"--data-dir {path} --host 127.0.0.1 --port 19530`, then NEWSDEX_MILVUS_URI=http://127.0.0.1:19530 "
            "for every newsdex process")


def _grpc_options(uri: str) -> dict:
    """pymilvus pings its server every 10 s, which a Milvus server allows; Milvus Lite's
    in-process server keeps gRPC's default of one ping in 5 minutes without data, and answers
    the third early ping with GOAWAY (too_many_pings), logged on stderr in the middle of a
    build's progress bar (seen here while a build embedded). A file URI is Lite: ping it no
    more often than it allows."""
    return {"grpc.keepalive_time_ms": 300_000} if _is_lite(uri) else {}


def _quiet_lite() -> None:
    """Milvus Lite serves in this process and logs each failure it answers with a traceback on
    stderr; the caller gets the same failure as an RPC error, which the edges turn into one
    line (a build on an index type Lite cannot make, say)."""
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)


def _reason(exc: Exception) -> str:
    return (getattr(exc, "message", None) or str(exc)).splitlines()[0]

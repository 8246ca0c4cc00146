"""`newsdex serve` for the bench scripts: started on a free port of 127.0.0.1 and waited for
until `/ready` answers. Imported by the scripts beside it (run as `python bench/NAME.py`, so
this folder is on the path); the tests start the server with their own fixture (conftest.served)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

NEWSDEX = Path(sys.executable).parent / "newsdex"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index_dir: Path, env: dict[str, str] | None = None, log: Path | None = None,
                 wait: float = 180, args: Sequence[str] = ()) -> tuple[subprocess.Popen, str]:
    """The server process and its base URL, once ready; its output goes to `log` (else its
    stderr is kept for the message if it dies first). SystemExit when it does not get ready."""
    port = free_port()
    out = open(log, "w") if log else None
    try:
        process = subprocess.Popen(
            [str(NEWSDEX), "serve", "--index", str(index_dir), "--port", str(port), "--quiet", *args],
            stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT if out else subprocess.PIPE,
            env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})
    finally:
        if out:
            out.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text() if log else process.stderr.read().decode()  # type: ignore[union-attr]
            raise SystemExit(f"newsdex serve exited with {process.returncode}: {said[-2000:]}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"newsdex serve did not get ready in {wait:g} s")

"""Chaos: what builds killed at random points and writes racing rebuilds do to an index.

A load script, not a test: it prints counts and asserts nothing, so a user can run it
against their own machine and data. Everything it starts listens on 127.0.0.1 only, and
every loop is bounded in count and time.

    .venv/bin/python bench/chaos.py                    # both parts, on the seeds + tests/data
    .venv/bin/python bench/chaos.py --kills 30         # more kill -9 rounds
    .venv/bin/python bench/chaos.py --seconds 60       # a longer mixed-load run
    .venv/bin/python bench/chaos.py --kills 1 --kill-within 1 --seconds 3   # seconds: what the suite runs

Part 1, kills: `newsdex index` (alternately `--rebuild` and incremental, over alternating
article sets) is started and killed with SIGKILL after a random delay (0.5 s to --kill-within,
10 s by default); after each kill the index must open with the article count of the build
before or of the build that was killed, and the next, uninterrupted build must finish with
the right count.

Part 2, mixed load: `newsdex serve` answers searches on several connections while API
writes (POST /articles), API rebuilds (POST /index/rebuild) and `newsdex index --rebuild`
run from the CLI go on beside it.
At the end every article the server acknowledged with 200 must be in the index.
Counted: searches answered, failed (not 200), empty (200 without results); writes
acknowledged, refused with 503 (busy; retried by the client), lost. The last line is the
counts of both parts as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from serving import start_server

from newsdex.errors import NewsdexError
from newsdex.index.store import IndexStore

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEEDS = ROOT / "seeds"
DATA = ROOT / "tests" / "data" / "articles"
KEY = "chaos-key"


def article_count(index_dir: Path) -> int | None:
    try:
        with IndexStore.open(index_dir) as store:
            return store.article_count()
    except NewsdexError:
        return None


def newsdex(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "newsdex"), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})


def kills(work: Path, rounds: int, seed: int, within: float) -> dict:
    """kill -9 at random points of builds; the index must stay whole."""
    rng = random.Random(seed)
    index_dir = work / "kills-index"
    folder = work / "articles"  # the seeds always; tests/data/articles in odd rounds

    def arrange(large: bool) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(SEEDS, folder / "seeds")
        if large:
            shutil.copytree(DATA, folder / "data")

    full = {}
    for large in (False, True):  # how many articles each state of the folder makes
        arrange(large)
        probe = work / f"probe-{large}"
        subprocess.run([str(BIN / "newsdex"), "index", str(folder), "--index", str(probe), "-q"],
                       capture_output=True)
        full[large] = article_count(probe)
    counts = {"rounds": rounds, "killed_mid_build": 0, "finished_before_kill": 0, "opened_whole": 0,
              "damaged": 0, "recovered": 0, "not_recovered": 0}
    for n in range(rounds):
        large = bool(n % 2)
        arrange(large)
        before = article_count(index_dir)
        args = ["index", str(folder), "--index", str(index_dir), "-q"] + (["--rebuild"] if n % 3 == 0 else [])
        process = newsdex(*args)
        time.sleep(rng.uniform(0.5, max(0.5, within)))  # model load, reading, embedding, commit: all are hit
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            counts["killed_mid_build"] += 1
        else:
            counts["finished_before_kill"] += 1
        process.wait()
        after = article_count(index_dir)
        if after in {before, full[large]} or (before is None and after is None):
            counts["opened_whole"] += 1
        else:
            counts["damaged"] += 1
            print(f"  round {n}: {after} articles after the kill, expected {before} or {full[large]}")
        done = subprocess.run([str(BIN / "newsdex"), *args], capture_output=True, text=True)
        if article_count(index_dir) == full[large] and "Traceback" not in done.stderr:
            counts["recovered"] += 1
        else:
            counts["not_recovered"] += 1
            print(f"  round {n}: the next build failed: {done.stderr.strip()[-300:]}")
    leftovers = list((index_dir / "builds").glob("*.partial")) + list(index_dir.glob(".current.*"))
    counts["leftovers_after_last_build"] = len(leftovers)
    return counts


def mixed_load(work: Path, seconds: float, searchers: int) -> dict:
    """Searches, API writes and CLI rebuilds at once; nothing acknowledged may be lost."""
    index_dir = work / "served-index"
    articles = work / "served-articles"
    shutil.copytree(SEEDS, articles)
    subprocess.run([str(BIN / "newsdex"), "index", str(articles), "--index", str(index_dir), "-q"], check=True,
                   capture_output=True)
    server, base = start_server(index_dir, {"NEWSDEX_API_KEY": KEY, "NEWSDEX_SEEDS_DIR": str(articles)})

    stop = time.monotonic() + seconds
    lock = threading.Lock()
    counts = {"searches": 0, "search_failed": 0, "search_empty": 0, "writes_acknowledged": 0, "writes_busy": 0,
              "writes_failed": 0, "cli_rebuilds": 0, "cli_rebuilds_failed": 0, "api_rebuilds": 0,
              "api_rebuilds_busy": 0, "api_rebuilds_failed": 0}
    acknowledged: list[str] = []

    def add(key: str, n: int = 1) -> None:
        with lock:
            counts[key] += n

    def search_loop(slot: int) -> None:
        questions = ["what did Kishida say", "Kursk troops", "NATO summit", "Camp David", "secretariat Lima"]
        with httpx.Client(timeout=60) as client:
            n = 0
            while time.monotonic() < stop:
                response = client.get(f"{base}/search", params={"q": questions[(slot + n) % len(questions)], "k": 3})
                n += 1
                add("searches")
                if response.status_code != 200:
                    add("search_failed")
                elif not response.json()["results"]:
                    add("search_empty")

    def write_loop() -> None:
        with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {KEY}"}) as client:
            n = 0
            while time.monotonic() < stop:
                article_id = f"chaos-{n}"
                body = {"articles": [{"id": article_id, "title": f"Chaos report {n}",
                                      "text": f"Report {n}: dock workers in port {n} stopped work for a day."}]}
                response = client.post(f"{base}/articles", json=body)
                if response.status_code == 200:
                    add("writes_acknowledged")
                    with lock:
                        acknowledged.append(article_id)
                    n += 1
                elif response.status_code == 503:
                    add("writes_busy")
                    time.sleep(float(response.headers.get("Retry-After", "1")) / 5)
                else:
                    add("writes_failed")
                    n += 1

    def api_rebuild_loop() -> None:
        with httpx.Client(timeout=300, headers={"Authorization": f"Bearer {KEY}"}) as client:
            while time.monotonic() < stop:
                response = client.post(f"{base}/index/rebuild")
                add("api_rebuilds" if response.status_code == 200 else
                    "api_rebuilds_busy" if response.status_code == 503 else "api_rebuilds_failed")
                time.sleep(1)

    def rebuild_loop() -> None:
        while time.monotonic() < stop:
            done = subprocess.run([str(BIN / "newsdex"), "index", str(articles), "--index", str(index_dir),
                                   "--rebuild", "-q"], capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            add("cli_rebuilds" if done.returncode == 0 else "cli_rebuilds_failed")

    threads = ([threading.Thread(target=search_loop, args=(i,)) for i in range(searchers)]
               + [threading.Thread(target=write_loop), threading.Thread(target=rebuild_loop),
                  threading.Thread(target=api_rebuild_loop)])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 600)
    server.terminate()
    server.wait(30)
    with IndexStore.open(index_dir) as store:
        present = {row.id for row in store.articles_from("api")}
    counts["writes_lost"] = len([a for a in acknowledged if a not in present])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=12, help="kill -9 rounds (default 12)")
    parser.add_argument("--kill-within", type=float, default=10,
                        help="longest wait before a kill, seconds from the build's start (default 10)")
    parser.add_argument("--seconds", type=float, default=30, help="length of the mixed-load run (default 30)")
    parser.add_argument("--searchers", type=int, default=4, help="search connections in the mixed load (default 4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the last line always is
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdex-chaos-") as tmp:
        work = Path(tmp)
        results = {"machine": f"{os.cpu_count()} cores, {sys.platform}"}
        if args.kills:
            print(f"part 1: {args.kills} builds killed with SIGKILL at random points ...", flush=True)
            results["kills"] = kills(work, args.kills, args.seed, args.kill_within)
            print(json.dumps(results["kills"]), flush=True)
        if args.seconds:
            print(f"part 2: {args.seconds:g}s of searches, API writes and CLI rebuilds at once ...", flush=True)
            results["mixed_load"] = mixed_load(work, args.seconds, args.searchers)
            print(json.dumps(results["mixed_load"]), flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""Red team: adversarial articles and question floods against newsdex's own analysis and server.

A load script, not a test: it prints figures and asserts nothing. Everything it starts
listens on 127.0.0.1 only, and every loop is bounded in count and time.

    .venv/bin/python bench/redteam.py                      # all parts, full size
    .venv/bin/python bench/redteam.py --parts flood --clients 64 --seconds 30
    .venv/bin/python bench/redteam.py --tiny               # seconds: what the suite runs

Part `articles`: for each adversarial article (a name followed by "had previously" repeated,
a quote and its attribution repeated, quotation marks nested ever deeper, one endless
sentence, date-like tokens), the time to read it as an article and find its statements at
1x, 2x, 4x and 8x its size: ms per KB and the growth ratio t(8x)/t(1x), which is 8 for linear
work and 64 for quadratic. Then `newsdex index` on the three inputs of issue 30 (the 609-byte
article, 20,000 quote-and-attribution pairs of 580 KB, 5 MB of nested quotation marks): wall
seconds each, and whether the build warned that it cut the article.

Part `flood`: `newsdex serve` on the seeds; `--clients` connections (64) send adversarial
questions (date-phrase floods, repeated names and cue words, 1,000-character noise) for
`--seconds`, while this process probes `/health` and `/ready` every 100 ms: question p50/p99,
and each probe's p50/p99/max (the goal: every probe within 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from serving import start_server

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEEDS = ROOT / "seeds"


# -- part 1: adversarial articles ----------------------------------------------------------------

def _had_previously(n: int) -> str:
    return "Test article\n\nThe minister said talks would go on.\n\nKishida " + "had previously " * n + "gone home."


def _quote_pairs(n: int) -> str:
    return "T\n\nThe leaders met.\n\n" + '"Hello there." Kishida said. ' * n


def _nested_quotes(n: int) -> str:
    return "T\n\nThe leaders met.\n\n" + ('“He said “she said ' * n) + "no" + ("” she added”" * n)


def _endless_sentence(n: int) -> str:
    return "T\n\n" + "Prime Minister Jane Roe, 58, MP for Northtown, who told reporters, " * n + "said so."


def _date_tokens(n: int) -> str:
    return "T\n\n" + "On 31 Nov, 2024 in March 1963 since 12/31 " * n


ARTICLES: dict[str, tuple[Callable[[int], str], int]] = {  # name -> (maker, repetitions at 1x)
    "had_previously": (_had_previously, 30),
    "quote_pairs": (_quote_pairs, 2_500),
    "nested_quotes": (_nested_quotes, 2_000),
    "endless_sentence": (_endless_sentence, 400),
    "date_tokens": (_date_tokens, 2_000),
}


def _analyse(text: str) -> None:
    """What a build does to an article's text before the model sees it."""
    from newsdex.index.articles import article_from_text
    from newsdex.index.statements import statements_in

    article = article_from_text(text, article_id="redteam")
    statements_in(article.paragraphs)


def _best_of(runs: int, work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best


def articles_part(scale: float, builds: bool, work: Path) -> dict:
    results: dict = {}
    for name, (make, base) in ARTICLES.items():
        n = max(1, round(base * scale))
        times = {}
        for factor in (1, 2, 4, 8):
            text = make(n * factor)
            seconds = _best_of(3, lambda text=text: _analyse(text))
            times[factor] = (len(text.encode()), seconds)
        size, seconds = times[8]
        results[name] = {"bytes_8x": size, "seconds_8x": round(seconds, 4),
                         "ms_per_kb": round(seconds * 1000 / (size / 1024), 4),
                         "growth_8x": round(times[8][1] / max(times[1][1], 1e-9), 1)}
        print(f"  {name}: {json.dumps(results[name])}", flush=True)
    if builds:
        inputs = {"609_byte_article": _had_previously(30), "580_kb_quotes": _quote_pairs(20_000),
                  "5_mb_nested_quotes": _nested_quotes(round(5_000_000 / 30))}
        for name, text in inputs.items():
            folder = work / name
            folder.mkdir()
            (folder / "a.txt").write_text(text)
            began = time.monotonic()
            done = subprocess.run([str(BIN / "newsdex"), "index", str(folder), "--index", str(work / f"{name}-index"),
                                   "-q"], capture_output=True, text=True, timeout=1800)
            results[name] = {"bytes": len(text.encode()), "seconds": round(time.monotonic() - began, 2),
                             "exit": done.returncode, "cut_warning": "statements" in done.stderr}
            print(f"  newsdex index {name}: {json.dumps(results[name])}", flush=True)
    return results


# -- part 2: question floods ---------------------------------------------------------------------

# Each at most 1,000 characters, the longest question the API reads (longer ones are 422 at once).
FLOOD_QUESTIONS = [question[:1000] for question in (
    "in 31 nov, 2024 " * 62,
    "what did Kishida " + "had previously " * 60 + "say",
    "since " + "March 2024 and April 2023 between " * 30,
    "what did " + "Mr President Prime Minister " * 40 + "say",
    "news " + "last week yesterday 999 days ago " * 30,
    "x" * 1000,
)]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def _flood(base: str, clients: int, seconds: float, out: multiprocessing.Queue) -> None:
    """Runs in a process of its own, so its clients do not share this process's interpreter with the probes."""
    async def run() -> dict:
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        deadline = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            async def one(slot: int) -> None:
                i = slot
                while time.monotonic() < deadline:
                    question = FLOOD_QUESTIONS[i % len(FLOOD_QUESTIONS)]
                    i += 1
                    began = time.monotonic()
                    try:
                        answer = await client.get("/search", params={"q": question, "as_of": "2024-12-01"})
                        key = str(answer.status_code)
                    except httpx.HTTPError as exc:
                        key = type(exc).__name__
                    latencies.append(time.monotonic() - began)
                    statuses[key] = statuses.get(key, 0) + 1
            await asyncio.gather(*(one(slot) for slot in range(clients)))
        return {"questions": len(latencies), "statuses": statuses,
                "question_p50_s": round(_percentile(latencies, 50), 3),
                "question_p99_s": round(_percentile(latencies, 99), 3)}
    out.put(asyncio.run(run()))


def flood_part(clients: int, seconds: float, work: Path) -> dict:
    index_dir = work / "flood-index"
    built = subprocess.run([str(BIN / "newsdex"), "index", str(SEEDS), "--index", str(index_dir), "-q"],
                           capture_output=True, text=True)
    if built.returncode:
        raise SystemExit(f"could not build the seed index: {built.stderr}")
    server, base = start_server(index_dir, log=work / "server.log")
    try:
        out: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
        flood = multiprocessing.get_context("spawn").Process(target=_flood, args=(base, clients, seconds, out))
        flood.start()
        probes: dict[str, list[float]] = {"/health": [], "/ready": []}
        failed = 0
        with httpx.Client(base_url=base, timeout=30) as client:
            time.sleep(min(1.0, seconds / 4))  # let the flood fill the server first
            while flood.is_alive():
                for path, waits in probes.items():
                    began = time.monotonic()
                    try:
                        failed += client.get(path).status_code != 200
                    except httpx.HTTPError:
                        failed += 1
                    waits.append(time.monotonic() - began)
                time.sleep(0.1)
        result = out.get(timeout=60)
        flood.join(60)
    finally:
        server.terminate()
        server.wait(30)
    for path, waits in probes.items():
        name = path.strip("/")
        result[f"{name}_probes"] = len(waits)
        result[f"{name}_p50_s"] = round(_percentile(waits, 50), 3)
        result[f"{name}_p99_s"] = round(_percentile(waits, 99), 3)
        result[f"{name}_max_s"] = round(max(waits, default=float("nan")), 3)
        result[f"{name}_over_1s"] = sum(w > 1.0 for w in waits)
    result["probes_failed"] = failed
    result["clients"] = clients
    result["seconds"] = seconds
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="articles,flood", help="comma-separated: articles, flood")
    parser.add_argument("--clients", type=int, default=64, help="concurrent question connections (default 64)")
    parser.add_argument("--seconds", type=float, default=30, help="length of the flood (default 30)")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the adversarial articles (default 1)")
    parser.add_argument("--no-builds", action="store_true", help="skip `newsdex index` on issue 30's three inputs")
    parser.add_argument("--tiny", action="store_true", help="a few seconds in all: what the test suite runs")
    args = parser.parse_args()
    if args.tiny:
        args.clients, args.seconds, args.scale, args.no_builds = 4, 2.0, 0.05, True
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    unknown = parts - {"articles", "flood"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}; choose from articles, flood")
    results: dict = {"machine": f"{os.cpu_count()} cores, {sys.platform}"}
    work = Path(tempfile.mkdtemp(prefix="newsdex-redteam-"))
    try:
        if "articles" in parts:
            print(f"part articles: adversarial articles at 1x-8x (scale {args.scale:g}) ...", flush=True)
            results["articles"] = articles_part(args.scale, not args.no_builds, work)
        if "flood" in parts:
            print(f"part flood: {args.clients} connections of adversarial questions for {args.seconds:g}s ...",
                  flush=True)
            results["flood"] = flood_part(args.clients, args.seconds, work)
            print(f"  {json.dumps(results['flood'])}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

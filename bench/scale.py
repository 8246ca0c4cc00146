"""A Ray build against a local build of the same articles, in one run: wall time and CPU seconds.

    .venv/bin/python bench/scale.py ../shared/eval/scifact --docs 1000

Each build is `newsdex index --rebuild` in its own process (the Ray one starts its own local
Ray on every CPU, as a user's would). CPU seconds are the whole machine's, read from
/proc/stat before and after, because Ray's workers are not this process's children: run it
on an otherwise idle machine. Sentence vectors are off in both (NEWSDEX_SENTENCE_VECTORS), so
the figure is the pipeline's, not the highlights'. The last line is both builds and their
ratios as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def machine_cpu_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def build(folder: Path, index: Path, engine: str, store: str) -> dict:
    env = {**os.environ, "NEWSDEX_SENTENCE_VECTORS": "false", "NEWSDEX_INDEX_DIR": str(index)}
    cpu, wall = machine_cpu_seconds(), time.perf_counter()
    done = subprocess.run([str(BIN / "newsdex"), "index", str(folder), "--rebuild", "--quiet", "--engine", engine,
                           "--store", store], env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, machine_cpu_seconds() - cpu
    if done.returncode:
        raise SystemExit(done.stderr)
    return {"engine": engine, "store": store, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "summary": done.stdout.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", type=Path, help="a folder with corpus.jsonl (BEIR layout)")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--store", default="faiss", choices=["faiss", "milvus"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "articles"
        folder.mkdir()
        with open(args.collection / "corpus.jsonl") as source, open(folder / "corpus.jsonl", "w") as out:
            for n, line in enumerate(source):
                if n == args.docs:
                    break
                record = json.loads(line)
                out.write(json.dumps({"id": record.get("_id", record.get("id")), "title": record.get("title", ""),
                                      "text": record["text"]}) + "\n")
        rows = [build(folder, Path(scratch) / engine, engine, args.store) for engine in ("local", "ray")]
    for row in rows:
        print(json.dumps(row))
    local, ray = rows
    ratios = {"wall": round(ray["wall_s"] / local["wall_s"], 2), "cpu": round(ray["cpu_s"] / local["cpu_s"], 2)}
    print(f"ray / local: wall {ratios['wall']:.2f}x, CPU seconds {ratios['cpu']:.2f}x")
    print(json.dumps({"docs": args.docs, "store": args.store, "local": local, "ray": ray, "ray_over_local": ratios}))


if __name__ == "__main__":
    main()

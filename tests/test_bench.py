"""Each bench/ script runs here at a tiny size, so that none can rot unseen: it must finish
and print its JSON. The figures themselves are the scripts' business (docs/*.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _last_json(*args: str) -> dict:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_redteam_bench_runs_and_health_answers_under_its_flood():
    results = _last_json("bench/redteam.py", "--tiny")
    assert set(results["articles"]) >= {"had_previously", "quote_pairs", "nested_quotes"}
    flood = results["flood"]
    assert flood["questions"] > 0 and flood["health_probes"] > 0
    assert flood["probes_failed"] == 0
    assert set(flood["statuses"]) <= {"200"}, flood["statuses"]

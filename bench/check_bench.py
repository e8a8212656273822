"""How long `run_checks` takes on a 5,000-character draft, and what it finds on the corpus.

Prints: the first (cold) check in a fresh process, the median of 5 warm checks of a
5,000-character draft (with and without a brief), findings per rule and severity over all
corpus speeches, and the recall on the seeded slips of the dev and held-out fixtures.
Run: PYTHONPATH=src python bench/check_bench.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def draft_of(chars: int) -> str:
    """A speech of about ``chars`` characters: a corpus speech with its body repeated."""
    from assistant.intake.loaders import load_path

    text = load_path(ROOT / "corpus" / "project_delay-01.md").text
    lines = text.split("\n")
    head, body = lines[:6], lines[6:]
    out = list(head)
    while len("".join(out)) < chars:
        out += body
    return "\n".join(out)[:chars]


def main() -> None:
    t = time.perf_counter()
    from assistant.review.checks import run_checks

    text = draft_of(5000)
    run_checks(text)
    print(f"cold: import + first check of a 5,000-character draft: {time.perf_counter() - t:.2f} s")

    from tests.unit.test_checks import BRIEF, recall

    for label, kw in (("without brief", {}), ("with brief", {"brief": BRIEF})):
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            run_checks(text, **kw)
            runs.append(time.perf_counter() - t)
        print(f"warm, {label}: median of 5 = {statistics.median(runs) * 1000:.0f} ms "
              f"(runs: {', '.join(f'{r * 1000:.0f}' for r in runs)})")

    from assistant.intake.loaders import load_path

    counts: Counter[tuple[str, str]] = Counter()
    files = sorted((ROOT / "corpus").glob("*-*.md"))
    for path in files:
        for f in run_checks(load_path(path).text).findings:
            counts[(f.rule, f.severity)] += 1
    print(f"corpus ({len(files)} speeches): " + ", ".join(f"{r}/{s} {n}" for (r, s), n in sorted(counts.items())))
    for name, folder in (("docsite_water", "dev"), ("gov_safety", "held_out")):
        hits, total = recall(name, folder)
        print(f"recall {folder}/{name}: {hits}/{total}")


if __name__ == "__main__":
    main()

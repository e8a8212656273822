"""Offline drafts of the briefs in tests/fixtures/offline_briefs: subject, repetition and length.

For every brief at 1,500 / 3,000 / 6,000 / 10,000 characters, over the bundled corpus embedded
with the bundled model (as a first start builds it), prints the off-topic sentences (see
tests/fixtures/offline_topic.py for the definition), set phrases used more than twice, repeats
in a row, repeated sentences and the length deviation, then totals.
    .venv/bin/python bench/offline_subject.py [-v] [--lengths 1500,3000] [--library DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from assistant.domain.brief import parse_brief  # noqa: E402
from assistant.domain.models import Draft, speech_chars  # noqa: E402
from assistant.domain.plan import make_plan  # noqa: E402
from assistant.library.embeddings import make_embedder  # noqa: E402
from assistant.library.store import Library  # noqa: E402
from assistant.writing.offline import compose_offline  # noqa: E402
from tests.fixtures.offline_topic import (  # noqa: E402
    meeting_words,
    off_topic,
    overused_phrases,
    repeated_sentences,
    repeats_in_a_row,
)
from tests.shared import CORPUS, KINDS, build_library, isolated_settings  # noqa: E402

BRIEFS = REPO / "tests" / "fixtures" / "offline_briefs"


def allowed_text(data: dict, kind_id: str) -> str:
    """This meeting's own wording (see tests/fixtures/offline_topic.meeting_words)."""
    return meeting_words(data, KINDS[kind_id])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--lengths", default="1500,3000,6000,10000")
    ap.add_argument("--library", default="", help="an existing library dir (built if empty)")
    ap.add_argument("--dump", default="", help="write the drafts to this JSON file")
    ap.add_argument("--load", default="", help="measure the drafts of a --dump file instead")
    ap.add_argument("--briefs", default=str(BRIEFS), help="a folder of brief JSON files (default: the test briefs)")
    args = ap.parse_args()
    saved = json.loads(Path(args.load).read_text(encoding="utf-8")) if args.load else {}
    dumped: dict[str, dict] = {}
    lengths = [int(x) for x in args.lengths.split(",")]
    data_dir = Path(args.library or tempfile.mkdtemp(prefix="offline-subject-"))
    settings = isolated_settings(
        data_dir=data_dir, cache_dir=data_dir / "cache", embedding_backend="bundled"
    )
    if saved:
        lib = None
    elif not (data_dir / "chroma").exists():
        lib = build_library(settings, [p.name for p in sorted(CORPUS.glob("*-*.md"))])
    else:
        lib = Library(settings, make_embedder(settings))
    totals: dict[str, int] = defaultdict(int)
    devs: dict[int, list[float]] = defaultdict(list)
    t0 = time.time()
    briefs = Path(args.briefs)
    for path in sorted(briefs.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for length in lengths:
            plan = make_plan(parse_brief({**data, "length": length}), KINDS)
            key = f"{path.stem}@{length}"
            draft = Draft.model_validate(saved[key]) if saved else compose_offline(plan, lib, KINDS)
            dumped[key] = draft.model_dump()
            text = draft.text
            off = off_topic(text, allowed_text(data, plan.kind.id))
            over = overused_phrases(text, "\n".join(str(v) for v in data.values()))
            row = repeats_in_a_row(text)
            rep = repeated_sentences(text)
            dev = speech_chars(draft) / length - 1
            devs[length].append(dev)
            totals["off_topic"] += len(off)
            totals["overused"] += len(over)
            totals["in_a_row"] += len(row)
            totals["repeated"] += len(rep)
            print(
                f"{path.stem:28} {length:6} {speech_chars(draft):6} {dev:+6.1%} "
                f"off={len(off)} over={len(over)} row={len(row)} rep={len(rep)} "
                f"warn={len(draft.warnings)}"
            )
            if args.v:
                for o in off:
                    print(f"    OFF {o.words} [{o.source}] {o.sentence}")
                for p, n in over.items():
                    print(f"    OVER {p} ×{n}")
                for r in row:
                    print(f"    ROW {r}")
                for r in rep:
                    print(f"    REP {r}")
                for w in draft.warnings:
                    print(f"    WARN {w}")
    if args.dump:
        Path(args.dump).write_text(json.dumps(dumped, ensure_ascii=False), encoding="utf-8")
    print(f"\n{len(list(briefs.glob('*.json')))} briefs, {time.time() - t0:.0f} s")
    for k, v in totals.items():
        print(f"{k}: {v}")
    for length, d in devs.items():
        worst = max(d, key=abs)
        within = sum(abs(x) <= 0.15 for x in d)
        print(f"length {length}: mean {sum(d) / len(d):+.1%}, worst {worst:+.1%}, within ±15%: {within}/{len(d)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

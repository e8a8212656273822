"""How well cleaning, titles and kinds hold up on the real-world fixtures (tests/fixtures/real_world).

Prints, per fixture: exact match, speech lines lost, junk lines kept, title and kind right.
    .venv/bin/python bench/cleaning_eval.py [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from assistant.intake.parsing import split_paragraphs  # noqa: E402
from assistant.intake.prepare import prepare_bytes  # noqa: E402
from assistant.support.config import get_settings  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / (sys.argv[sys.argv.index("--set") + 1] if "--set" in sys.argv else "real_world")


def main() -> None:
    verbose = "-v" in sys.argv
    settings = get_settings(data_dir=Path("/tmp/cleaning-eval"))
    rows = []
    for meta_path in sorted(FIXTURES.glob("*.meta.yaml")):
        name = meta_path.name.removesuffix(".meta.yaml")
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        raw = (FIXTURES / f"{name}.input.txt").read_bytes()
        expected = split_paragraphs((FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8"))
        prepared = prepare_bytes(raw, f"{name}.txt", settings)
        got = split_paragraphs(prepared.cleaned.text)
        lost = [line for line in expected if line not in got]
        junk = [line for line in got if line not in expected]
        title_ok = prepared.speech.title == meta["title"]
        kind_ok = prepared.speech.kind == meta["kind"]
        rows.append((name, got == expected, len(lost), len(junk), title_ok, kind_ok))
        if verbose and (lost or junk or not title_ok or not kind_ok):
            print(f"--- {name}: title {prepared.speech.title!r} (want {meta['title']!r}), kind {prepared.speech.kind}")
            for line in lost:
                print("  LOST ", line[:70])
            for line in junk:
                print("  JUNK ", line[:70])
    print("| fixture | exact | speech lines lost | junk lines kept | title | kind |")
    print("|---|---|---|---|---|---|")
    for name, exact, lost, junk, t, k in rows:
        print(f"| {name} | {'yes' if exact else 'no'} | {lost} | {junk} | {'ok' if t else 'WRONG'} | {'ok' if k else 'WRONG'} |")
    n = len(rows)
    print(f"\nexact {sum(r[1] for r in rows)}/{n}, lines lost {sum(r[2] for r in rows)}, "
          f"junk kept {sum(r[3] for r in rows)}, titles {sum(r[4] for r in rows)}/{n}, kinds {sum(r[5] for r in rows)}/{n}")


if __name__ == "__main__":
    main()

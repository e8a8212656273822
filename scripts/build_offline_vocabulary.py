"""Regenerate src/assistant/data/offline_vocabulary.txt from the bundled corpus."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.writing.offline.vocabulary import (
    VOCABULARY_FILE,
    build_vocabulary,
    phrase_words,
    render_vocabulary,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def main() -> int:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*-*.md"))]
    words = build_vocabulary(texts, phrase_words())
    VOCABULARY_FILE.write_text(render_vocabulary(words), encoding="utf-8")
    print(f"已写入 {VOCABULARY_FILE}：{len(texts)} 篇范文，{len(words)} 个常用词")
    return 0


if __name__ == "__main__":
    sys.exit(main())

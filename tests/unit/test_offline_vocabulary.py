"""The offline composer's common-word list is generated from the corpus and the phrase file."""

from __future__ import annotations

from assistant.writing.offline.vocabulary import (
    VOCABULARY_FILE,
    build_vocabulary,
    phrase_words,
    render_vocabulary,
)
from tests.shared import CORPUS


def test_vocabulary_matches_the_corpus():
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*-*.md"))]
    expected = render_vocabulary(build_vocabulary(texts, phrase_words()))
    assert VOCABULARY_FILE.read_text(encoding="utf-8") == expected, (
        "corpus/ 或离线组稿用语已修改：请运行 make offline-vocabulary 重新生成常用词表"
    )

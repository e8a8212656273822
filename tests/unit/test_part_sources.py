"""References per part: which passages fed a part, and excluding or pinning them for a rewrite."""

from __future__ import annotations

import pytest

from assistant.domain.brief import parse_brief
from assistant.writing.part_sources import part_sources
from assistant.writing.revision import Reviser
from assistant.writing.writer import LLMWriter
from tests.scenario import BRIEF, OUTLINE, part_replies
from tests.shared import KINDS, PROMPTS


@pytest.fixture
def drafted(chat, library):
    chat.queue(OUTLINE, *part_replies())
    return LLMWriter(chat, PROMPTS, KINDS).write(parse_brief(BRIEF), library)


def _pos(draft, role: str) -> int:
    return next(i for i, p in enumerate(draft.parts) if p.role == role)


def test_sources_of_a_part_are_readable_and_scored(drafted, library):
    titles = {d.title for d in library.list_documents()}
    for role in ("opening", "harm", "rectification"):
        pos = _pos(drafted, role)
        assert drafted.parts[pos].sources, role
        sources = part_sources(library, drafted, pos, KINDS)
        assert sources and all(s.hit.title in titles and s.hit.text for s in sources)
        assert all(s.scored and s.hit.score > 0 for s in sources)
        assert [s.hit.score for s in sources] == sorted((s.hit.score for s in sources), reverse=True)
        assert set(drafted.parts[pos].sources) <= {k for s in sources for k in s.keys}
        assert len({s.hit.unit for s in sources}) == len(sources)  # one entry per point


def test_sources_of_removed_documents_are_left_out(drafted, library, lib_settings):
    pos = _pos(drafted, "harm")
    gone = drafted.model_copy(deep=True)
    gone.parts[pos].sources = ["0000000000000000-0001", *gone.parts[pos].sources[:1]]
    sources = part_sources(library, gone, pos, KINDS)
    assert [s.hit.chunk_id for s in sources] == gone.parts[pos].sources[1:]
    assert part_sources(None, drafted, pos, KINDS) == []


def _shown(hit, refs: str) -> bool:
    """Whether the model was given this passage (references are cut to whole sentences around the match)."""
    return hit.matched[:24] in refs


def _reference_blocks(chat) -> str:
    text = chat.user_texts()[-1]
    return text[text.find("<参考资料") : text.rfind("</参考资料>")]


def test_excluded_passages_are_not_given_and_pinned_ones_are(drafted, library, chat):
    pos = _pos(drafted, "harm")
    reviser = Reviser(chat, PROMPTS, KINDS)
    # Rewritten once without choices: the passages it is given are exactly its sources then.
    bare = drafted.model_copy(deep=True)
    bare.parts[pos].sources = []
    chat.queue("（一）问题必须正视。\n（二）责任必须压实。")
    first = reviser.part(bare, 1, "重新撰写", library=library)
    given = part_sources(library, first.draft, pos, KINDS)
    assert given and all(_shown(g.hit, _reference_blocks(chat)) for g in given)
    excluded = next(s for s in given if s.hit.chunk_id == first.draft.parts[pos].sources[0])
    # Pin a passage it was not given: a point another part was written from.
    other = next(
        s for s in part_sources(library, drafted, _pos(drafted, "rectification"), KINDS)
        if s.hit.unit not in {g.hit.unit for g in given}
    )
    chat.queue("（一）问题必须正视。\n（二）责任必须压实。")
    result = reviser.part(first.draft, 1, "重新撰写", library=library, exclude=excluded.keys, pinned=[other.hit])
    refs = _reference_blocks(chat)
    assert _shown(other.hit, refs)
    assert not _shown(excluded.hit, refs)
    new_sources = result.draft.parts[pos].sources
    assert other.hit.chunk_id in new_sources
    assert not set(excluded.keys) & set(new_sources)
    # The other parts are untouched.
    for i, p in enumerate(first.draft.parts):
        if i != pos:
            assert result.draft.parts[i] == p


def test_without_choices_the_revision_uses_found_references(drafted, library, chat):
    chat.queue("（一）问题必须正视。\n（二）责任必须压实。")
    Reviser(chat, PROMPTS, KINDS).part(drafted, 1, "更严厉", library=library)
    assert "<参考资料" in chat.user_texts()[-1]

"""Offline composer: structure, full coverage of the brief, no leaked reference facts, length,
determinism, library-less drafting, and the parser reading the draft back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.domain.brief import Brief, load_brief, parse_brief
from assistant.domain.models import count_chars
from assistant.domain.plan import make_plan
from assistant.intake.parsing import cn_to_int, parse_speech
from assistant.library.store import Library
from assistant.writing.offline import (
    OFFLINE_LABEL,
    compose_offline,
    is_generic_sentence,
    load_phrases,
    speaker_org,
)
from tests.shared import BRIEFS, CORPUS, KINDS, STRUCTURES, build_library, isolated_settings

DOCS = ["work_safety-01.md", "project_delay-01.md", "integrity-01.md"]
BRIEF_FILES = ["work_safety.json", "project_delay.yaml", "integrity.yaml"]


def compose(brief: Brief, library, created_at: str = ""):
    """The offline draft of a brief (its plan resolved as the writer resolves it)."""
    return compose_offline(make_plan(brief, KINDS), library, KINDS, created_at)

_CN = "一二三四五六七八九十"
HEADING_RE = re.compile(rf"^([{_CN}]{{1,3}})、")
PLACEHOLDER_RE = re.compile(r"XX|xx|××|＿|_{2,}|【|】|\[\s*\]|某某|\{|\}")
MARKDOWN_RE = re.compile(r"^\s*(#|>|[-*+]\s|\d+\.\s)|\*\*|`|__")
HALF_WIDTH_RE = re.compile(r"[,;:!?()]")


def _build_library(data_dir: Path, cache_dir: Path) -> Library:
    """A library over DOCS with the bundled embedding model, as a first start builds it."""
    settings = isolated_settings(data_dir=data_dir, cache_dir=cache_dir, embedding_backend="bundled")
    return build_library(settings, DOCS)


@pytest.fixture(scope="module")
def bundled_library(tmp_path_factory, vector_cache) -> Library:
    """The module's library over DOCS, embedded with the bundled model (see _build_library)."""
    return _build_library(tmp_path_factory.mktemp("offline-lib"), vector_cache)


def _brief(name: str, **update) -> Brief:
    brief = load_brief(BRIEFS / name)
    return brief.model_copy(update=update) if update else brief


@pytest.fixture(scope="module")
def drafts(bundled_library):
    """One draft per fixture brief (composed once, shared by several tests)."""
    return {name: compose(_brief(name), bundled_library) for name in BRIEF_FILES}


def _clause(s: str) -> str:
    return s.strip().rstrip("。；;，,.．、 ")


def _brief_text(brief: Brief) -> str:
    kind = make_plan(brief, KINDS).kind
    return "\n".join(
        [
            *brief.all_facts(),
            *kind.names,
            kind.topic,
            *kind.keywords,
            *(r.heading_for(kind.topic) for r in kind.roles),
        ]
    )


# ---------------------------------------------------------------- structure and coverage


@pytest.mark.parametrize("name", BRIEF_FILES)
def test_structure(drafts, name):
    brief = _brief(name)
    kind = make_plan(brief, KINDS).kind
    draft = drafts[name]
    lines = draft.text.split("\n")
    assert lines[0] == (brief.title or f"在{brief.meeting}上的讲话") == draft.title
    assert lines[1] == "同志们："
    numbers = [cn_to_int(m.group(1)) for line in lines if (m := HEADING_RE.match(line))]
    assert numbers == list(range(1, len(kind.body_roles) + 1))
    first_heading = next(i for i, line in enumerate(lines) if HEADING_RE.match(line))
    assert re.search(r"下面，我(代表\S+)?讲几点意见。$", lines[first_heading - 1])
    assert lines[-1].startswith("同志们，")
    assert [p.role for p in draft.parts] == [
        "title",
        "salutation",
        *(r.role for r in kind.roles),
    ]
    assert [p.number for p in draft.sections()] == numbers
    assert draft.mode == "offline" and draft.label == OFFLINE_LABEL
    assert draft.kind == kind.id and draft.brief == brief.model_dump()


@pytest.mark.parametrize("name", BRIEF_FILES)
def test_markers_consecutive_per_section(drafts, name):
    kind = make_plan(_brief(name), KINDS).kind
    patterns = {
        "一是": re.compile(rf"^([{_CN}]{{1,3}})是"),
        "一要": re.compile(rf"^([{_CN}]{{1,3}})要"),
        "（一）": re.compile(rf"^（([{_CN}]{{1,3}})）"),
    }
    body = [r for r in kind.roles if r.is_body]
    for spec, part in zip(body, drafts[name].sections(), strict=True):
        assert part.role == spec.role
        assert part.heading == spec.heading_for(kind.topic)
        found = [
            cn_to_int(m.group(1))
            for line in part.text.split("\n")[1:]
            if (m := patterns[spec.markers].match(line))
        ]
        assert found == list(range(1, len(found) + 1))


@pytest.mark.parametrize("name", BRIEF_FILES)
def test_every_brief_item_verbatim(drafts, name):
    brief = _brief(name)
    text = drafts[name].text
    for field in ("targets", "issues", "facts", "decisions", "requirements"):
        for item in getattr(brief, field):
            assert _clause(item) in text, f"{field}: {item}"
    # Decisions and requirements sit in their own sections, in order.
    parts = {p.role: p.text for p in drafts[name].sections()}
    positions = [parts["decisions"].index(_clause(d)) for d in brief.decisions]
    assert positions == sorted(positions)
    positions = [parts["rectification"].index(_clause(r)) for r in brief.requirements]
    assert positions == sorted(positions)


def test_sources_are_library_chunks(drafts, bundled_library):
    known = {c.chunk_id for d in bundled_library.list_documents() for c in bundled_library.get_chunks(d.doc_id)}
    used = [cid for draft in drafts.values() for p in draft.parts for cid in p.sources]
    assert used, "the library should feed at least one part"
    assert set(used) <= known


# ---------------------------------------------------------------- no leaked reference facts

_QTY = (
    r"(?:[一二三四五六七八九十百千万两]*[二三四五六七八九十百千万两][一二三四五六七八九十百千万两]*)"
    r"(?:个|名|家|条|起|次|项|年|月|日|天|人|户|亩|元|成|倍|层|栋|座|辆|吨)"
)
_UNIT = r"[\u4e00-\u9fff]{2}(?:市|县|区|镇|乡|村|街道|局|公司|集团|中心|项目|工程)"


def _reference_tokens(text: str) -> set[str]:
    tokens = set(re.findall(r"\d+(?:\.\d+)?", text))
    tokens |= set(re.findall(_QTY, text))
    tokens |= set(re.findall(_UNIT, text))
    tokens |= set(re.findall(r"《[^》]{1,30}》", text))
    tokens |= {q for q in re.findall(r"“[^”]{1,15}”", text) if re.search(r"\d|·", q)}
    return tokens


@pytest.mark.parametrize("name", BRIEF_FILES)
def test_no_reference_facts_leak(drafts, name):
    brief = _brief(name)
    allowed = _brief_text(brief)
    text = drafts[name].text
    library_text = "\n".join(
        (CORPUS / d).read_text(encoding="utf-8").split("---", 2)[2] for d in DOCS
    )
    leaked = sorted(t for t in _reference_tokens(library_text) if t not in allowed and t in text)
    assert not leaked
    # Every number in the draft is a number of the brief.
    brief_numbers = set(re.findall(r"\d+(?:\.\d+)?", allowed))
    assert set(re.findall(r"\d+(?:\.\d+)?", text)) <= brief_numbers


@pytest.mark.parametrize("name", BRIEF_FILES)
def test_plain_text_without_placeholders(drafts, name):
    text = drafts[name].text
    assert not PLACEHOLDER_RE.search(text)
    assert not HALF_WIDTH_RE.search(text)
    assert not any(MARKDOWN_RE.search(line) for line in text.split("\n"))
    assert "\n\n" not in text and all(line.strip() == line for line in text.split("\n"))


# ---------------------------------------------------------------- length


@pytest.mark.parametrize(
    ("name", "length"),
    [("work_safety.json", 3000), ("project_delay.yaml", 1500), ("integrity.yaml", 3000)],
)
def test_length_within_15_percent(bundled_library, drafts, name, length):
    brief = _brief(name, length=length)
    draft = (
        drafts[name]
        if brief.length == _brief(name).length
        else compose(brief, bundled_library)
    )
    n = count_chars(draft.text)
    print(f"{name}: {n} characters for a target of {length} ({(n - length) / length:+.1%})")
    assert abs(n - length) <= 0.15 * length


@pytest.mark.parametrize(("name", "length"), [("work_safety.json", 1500), ("integrity.yaml", 3000)])
def test_length_without_library(name, length):
    brief = _brief(name, length=length)
    n = count_chars(compose(brief, None).text)
    print(f"{name} (no library): {n} characters for a target of {length}")
    assert abs(n - length) <= 0.15 * length


def test_facts_win_over_length():
    facts = [
        f"第{i}项核查发现的情况：青石县云溪镇有关台账与实际情况不符，涉及资金{i}万元"
        for i in range(1, 16)
    ]
    brief = parse_brief(
        {
            "kind": "general",
            "meeting": "青石县专项核查问题约谈会",
            "targets": ["云溪镇人民政府"],
            "issues": ["台账管理混乱"],
            "facts": facts,
            "decisions": ["对云溪镇人民政府予以通报批评"],
            "requirements": ["10月31日前完成全部整改"],
            "length": 500,
        },
    )
    text = compose(brief, None).text
    assert all(f in text for f in facts)
    assert count_chars(text) > 500 * 1.15  # the facts alone are longer than the target


# ---------------------------------------------------------------- determinism and no library


def test_deterministic_with_same_and_fresh_library(drafts, bundled_library, tmp_path, vector_cache):
    brief = _brief("work_safety.json")
    again = compose(brief, bundled_library)
    assert again.text == drafts["work_safety.json"].text
    assert again.model_dump() == drafts["work_safety.json"].model_dump()
    fresh = _build_library(tmp_path / "fresh", vector_cache)
    assert compose(brief, fresh).text == again.text


def test_without_library():
    brief = _brief("project_delay.yaml")
    draft = compose(brief, None)
    assert draft.mode == "offline" and draft.label == OFFLINE_LABEL
    assert all(not p.sources for p in draft.parts)
    assert compose(brief, None).text == draft.text
    for item in (*brief.targets, *brief.decisions, *brief.requirements):
        assert _clause(item) in draft.text


def test_excluded_documents_are_not_used(bundled_library):
    doc_ids = [d.doc_id for d in bundled_library.list_documents()]
    brief = _brief("project_delay.yaml", exclude_docs=doc_ids)
    draft = compose(brief, bundled_library)
    assert all(not p.sources for p in draft.parts)
    assert draft.text == compose(brief, None).text


def test_created_at_is_a_parameter():
    brief = _brief("integrity.yaml")
    assert compose(brief, None).created_at == ""
    stamped = compose(brief, None, created_at="2025-07-01T09:00:00")
    assert stamped.created_at == "2025-07-01T09:00:00"


# ---------------------------------------------------------------- parser round trip


@pytest.mark.parametrize("name", BRIEF_FILES)
def test_parser_reads_draft_back(drafts, name):
    kind = make_plan(_brief(name), KINDS).kind
    doc = parse_speech(drafts[name].text, structures_dir=STRUCTURES)
    assert doc.title == drafts[name].title
    assert doc.salutation == "同志们："
    assert re.search(r"下面，我(代表\S+)?讲几点意见。$", doc.opening)
    assert [s.role for s in doc.sections] == [r.role for r in kind.body_roles]
    assert doc.closing.startswith("同志们，")


def _generic_brief(kind_id: str, **extra) -> Brief:
    data = {
        "kind": kind_id,
        "meeting": "白沙县有关单位工作约谈会",
        "speaker": "白沙县人民政府副县长",
        "targets": ["白沙县甲单位", "白沙县乙单位"],
        "issues": ["工作推进明显滞后", "群众反映的问题长期得不到解决"],
        "facts": ["上半年有关指标完成率为41%"],
        "decisions": ["对白沙县甲单位予以通报批评"],
        "requirements": ["11月30日前报送整改报告"],
        "length": 1800,
    }
    data.update(extra)
    return parse_brief(data)


@pytest.mark.parametrize("kind_id", sorted(KINDS))
def test_every_kind_round_trips(kind_id):
    kind = KINDS[kind_id]
    draft = compose(_generic_brief(kind_id), None)
    doc = parse_speech(draft.text, structures_dir=STRUCTURES)
    assert [s.role for s in doc.sections] == [r.role for r in kind.body_roles]
    assert [s.heading for s in doc.sections] == [r.heading_for(kind.topic) for r in kind.body_roles]
    assert re.search(r"下面，我(代表\S+)?讲几点意见。$", doc.opening) and doc.closing.startswith("同志们，")
    assert "经白沙县人民政府研究决定" in draft.text


def test_empty_decisions_or_requirements():
    for extra in ({"decisions": []}, {"requirements": []}):
        brief = _generic_brief("general", **extra)
        draft = compose(brief, None)
        doc = parse_speech(draft.text, structures_dir=STRUCTURES)
        assert [s.role for s in doc.sections] == ["harm", "causes", "decisions", "rectification"]
        assert not PLACEHOLDER_RE.search(draft.text)


# ---------------------------------------------------------------- the sentence filter


@pytest.mark.parametrize(
    "sentence",
    [
        "东湖区要在6月10日前完成排查。",
        "市政府将组织验收，验收不合格的要再约谈。",
        "恒筑集团的安全管理越往下越稀。",
        "两名作业人员随架体坠落。",
        "全县有三成企业没有建立台账。",
        "今天把大家请来，不是来听解释的。",
        "二是暴露出隐患排查走了过场。",
        "这说明安全规程停留在纸面上。",
        "我和有关部门的同志赶到了现场。",
        "要把《安全生产责任清单》落到实处。",
        "区住建局要调整检查方式。",
        "对整改不到位的，暂停其投标资格。",
        "某某单位要抓好整改。",
        "网格员每周至少进一次工地。",
        # Findings of one example speech, told in words only that speech (or one more) uses.
        "部分工单回复套用模板，不回应企业具体诉求。",
        "合规的钱不敢花，本身就是不担当。",
        "评价结果不是凭空打出来的，每一个分数后面都有企业的真实经历。",
    ],
)
def test_filter_rejects_specifics(sentence):
    assert not is_generic_sentence(sentence, "临江宏远建设工程有限公司")


@pytest.mark.parametrize(
    "sentence",
    [
        "考核排名是一面镜子，照出的是工作状态，照出的是责任担当。",
        "是真的没看见，还是看见了不说，还是根本没去看？",
        "整改不能只满足于表面上销号，更要看实际效果。",
        "约谈不是目的，目的是把问题找准、把责任压实、把形势扭转过来。",
    ],
)
def test_filter_keeps_rhetoric(sentence):
    assert is_generic_sentence(sentence)


def test_filter_allows_names_from_the_brief():
    sentence = "东湖区必须把安全放在首位，决不能有丝毫松懈。"
    assert not is_generic_sentence(sentence, "")
    assert is_generic_sentence(sentence, "东湖区人民政府")


def test_fallback_phrases_pass_the_filter():
    phrases = load_phrases()
    for role in ("opening", "harm", "causes", "decisions", "rectification", "closing"):
        items = phrases[role]["fallback"]
        assert len(items) >= 6
        for s in items:
            assert is_generic_sentence(s), f"{role}: {s}"


def test_speaker_org():
    assert speaker_org("临江市人民政府副市长") == "临江市人民政府"
    assert speaker_org("青石县纪委书记、县监委主任") == "青石县纪委"
    assert speaker_org("东湖区人民政府区长") == "东湖区人民政府"
    assert speaker_org("王建国") == ""
    assert speaker_org("") == ""


@pytest.mark.parametrize(
    ("meeting", "title"),
    [
        ("在全市安全生产约谈会", "在全市安全生产约谈会上的讲话"),
        ("在全市安全生产约谈会上", "在全市安全生产约谈会上的讲话"),
        ("全市安全生产约谈会", "在全市安全生产约谈会上的讲话"),
    ],
)
def test_offline_title_has_one_zai(meeting, title):
    # The offline composer used to build its own title: "在在全市安全生产约谈会上的讲话".
    brief = parse_brief(
        {
            "kind": "work_safety",
            "meeting": meeting,
            "targets": ["临江市应急管理局"],
            "issues": ["事故隐患排查不到位"],
            "requirements": ["9月30日前完成整改"],
        }
    )
    draft = compose(brief, None)
    assert draft.title == title and draft.parts[0].text == title
    assert draft.text.count("在在") == 0

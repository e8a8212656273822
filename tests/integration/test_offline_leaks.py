"""The offline composer never carries a fact of the reference speeches into a draft: for every
kind, three briefs and three lengths, no place or unit name, number or date word of the corpus
that the brief does not contain, and no sentence twice."""

from __future__ import annotations

import re

import pytest

from assistant.domain.brief import parse_brief
from assistant.domain.plan import make_plan
from assistant.intake.chunking import split_sentences
from assistant.writing.offline import compose_offline
from tests.shared import CORPUS, KINDS, build_library

LENGTHS = (1500, 3000, 6000)
# Fictional places that are not in the corpus.
BRIEFS = [
    {
        "meeting": "杏林县{topic}问题约谈会",
        "speaker": "杏林县人民政府副县长",
        "targets": ["杏林县相关主管部门", "桐溪镇人民政府"],
        "issues": ["{topic}工作推进不力，群众反映强烈", "整改不到位，问题反复出现"],
        "facts": ["近两个月共发现问题17个，已整改6个"],
        "decisions": ["对桐溪镇人民政府予以通报批评"],
        "requirements": ["10月31日前完成全部整改并书面报告"],
        "tone": "严肃",
    },
    {
        "meeting": "澄湖区{topic}工作集体约谈会",
        "speaker": "澄湖区委副书记、区长",
        "targets": ["澄湖区三个街道办事处"],
        "issues": ["{topic}存在明显短板", "责任落实层层衰减"],
        "decisions": ["责成三个街道作出书面检查"],
        "requirements": ["一个月内拿出整改方案", "建立周调度制度"],
        "tone": "严肃中有鼓励",
    },
    {
        "meeting": "翠溪市{topic}专项约谈会",
        "targets": ["翠溪市有关部门"],
        "issues": ["{topic}排名全省靠后"],
        "facts": ["综合得分下降4.5分"],
        "requirements": ["年内扭转被动局面"],
    },
]
# The fictional places of the bundled corpus (from its titles and speakers), and their stems.
CORPUS_PLACES = ("东湖区", "临江市", "云溪乡", "南屏县", "柳塘镇", "白沙镇", "翠湖街道", "西山区", "青石县")
CORPUS_NAMES = {*CORPUS_PLACES, *(p[:-2] if p.endswith("街道") else p[:-1] for p in CORPUS_PLACES)}
TIME_WORDS = re.compile(r"月底|年底|本月|本周|下周|下月|上半年|下半年|年内|今年|去年|明年")


@pytest.fixture(scope="module")
def corpus_library(lib_settings):
    return build_library(lib_settings, [p.name for p in sorted(CORPUS.glob("*-*.md"))])


@pytest.mark.parametrize("kind_id", sorted(KINDS))
def test_no_reference_fact_at_any_length(corpus_library, kind_id):
    kind = KINDS[kind_id]
    for n, template in enumerate(BRIEFS):
        data = {
            k: (v.format(topic=kind.topic) if isinstance(v, str) else [x.format(topic=kind.topic) for x in v])
            for k, v in template.items()
        }
        brief_text = "\n".join(str(v) for v in data.values())
        for length in LENGTHS:
            brief = parse_brief({**data, "kind": kind_id, "length": length})
            draft = compose_offline(make_plan(brief, KINDS), corpus_library, KINDS)
            text = draft.text
            where = f"{kind_id} brief {n} at {length}"
            leaked = {name for name in CORPUS_NAMES if name in text and name not in brief_text}
            # Generic words that happen to be unit-like (区域, 市场 …) are not names.
            assert not leaked, (where, leaked)
            numbers = set(re.findall(r"\d+(?:\.\d+)?", text)) - set(re.findall(r"\d+(?:\.\d+)?", brief_text))
            assert not numbers, (where, numbers)
            times = {m.group(0) for m in TIME_WORDS.finditer(text)} - {
                m.group(0) for m in TIME_WORDS.finditer(brief_text)
            }
            assert not times, (where, times)
            sentences = [s for s in split_sentences(text) if len(s) >= 8]
            assert len(sentences) == len(set(sentences)), (where, "a sentence is repeated")
            _reads_as_one_speech(draft, data, make_plan(brief, KINDS).tone, where)


# How each brief's requirements must read after their marker (一要……): a verb first.
REQUIREMENTS_AS_SAID = {
    "10月31日前完成全部整改并书面报告": "确保10月31日前完成全部整改并书面报告",
    "一个月内拿出整改方案": "要确保一个月内拿出整改方案",
    "建立周调度制度": "要建立周调度制度",
    "年内扭转被动局面": "确保年内扭转被动局面",
}
STERN = "将依规依纪严肃追责问责"
ENCOURAGING = "组织上对大家是信任的"


def _reads_as_one_speech(draft, data, tone, where):
    """Not a collage: issues stated once, requirements as sentences, no echoes, speaker and tone."""
    text = draft.text
    for issue in data["issues"]:
        # A one-clause issue is its own short form; a longer one is stated in full once.
        expected = 1 if "，" in issue else text.count(issue)
        assert text.count(issue) == expected >= 1, (where, "issue stated in full more than once", issue)
    for req in data["requirements"]:
        assert REQUIREMENTS_AS_SAID[req] in text, (where, req)
    brief_bits = [clause for v in data.values() for x in ([v] if isinstance(v, str) else v)
                  for clause in re.split(r"[，。；]", x) if len(clause) >= 4]
    body = "\n".join(line for line in text.split("\n") if not re.match(r"^[一二三四五六七八九十]+、", line))
    connectives = [
        s for s in split_sentences(body) if len(s) >= 12 and not any(b in s for b in brief_bits)
    ]
    grams = [{s[i : i + 2] for i in range(len(s) - 1)} for s in connectives]
    for i in range(len(connectives)):
        for j in range(i):
            shared = len(grams[i] & grams[j])
            assert shared < 0.6 * min(len(grams[i]), len(grams[j])), (
                where, "near-duplicate", connectives[j], connectives[i])
    if "speaker" in data:
        assert re.search(r"我代表\S+讲几点意见", text), (where, "speaker not used")
    closing = draft.parts[-1].text
    assert (STERN in closing) == ("严肃" in tone), (where, tone)
    assert (ENCOURAGING in closing) == ("鼓励" in tone), (where, tone)

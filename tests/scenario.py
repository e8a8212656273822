"""The speech every drafting test writes: its brief, outline, scripted replies and final text.

test_drafting.py, test_cli_draft.py and test_app_draft.py script the fake model with it.
"""

from __future__ import annotations

from tests.fakes.server import Reply

# The corpus speeches in the library the drafting tests search (conftest.py `library`).
DOCS = ["project_delay-01.md", "work_safety-01.md", "petition-02.md"]

BRIEF = {
    "kind": "project_delay",
    "meeting": "青石县二季度重点项目推进滞后单位集体约谈会",
    "speaker": "青石县人民政府县长",
    "title": "在青石县二季度重点项目推进滞后单位集体约谈会上的讲话",
    "targets": ["青石县交通运输局", "青石县水利局", "云溪镇人民政府"],
    "issues": ["县城东环路改造工程进度严重滞后", "云溪水库除险加固工程征地迟迟未完成"],
    "facts": [
        "二季度全县42个县级重点项目完成投资18.6亿元，占年度计划的38.2%",
        "县城东环路改造工程形象进度仅完成计划的35%",
    ],
    "decisions": ["对青石县交通运输局予以全县通报批评"],
    "requirements": ["8月10日前，各被约谈单位报送整改方案", "9月30日前完成全部征地签约"],
    "length": 800,
}

OUTLINE = """在青石县二季度重点项目推进滞后单位集体约谈会上的讲话
同志们：
开场：说明约谈缘由，点明青石县交通运输局等三家单位进度滞后。
一、正视差距，清醒认识项目推进滞后的严重性
（一）全县重点项目完成投资占年度计划的38.2%，低于时序进度。
（二）县城东环路改造工程形象进度仅完成计划的35%。
二、深挖根源，剖析进度滞后背后的症结
一是责任传导层层递减。
二是前期工作不实，要素保障协同不够。
三、严肃约谈纪律，宣布约谈意见和处理决定
（一）对青石县交通运输局予以全县通报批评。
（二）要求端正态度。
四、压实责任，全力抓好整改落实
一要8月10日前报送整改方案。
二要9月30日前完成全部征地签约。
同志们，时不我待，要以项目建设的实际成效检验约谈成果。"""

HEADINGS = [
    "正视差距，清醒认识项目推进滞后的严重性",
    "深挖根源，剖析进度滞后背后的症结",
    "严肃约谈纪律，宣布约谈意见和处理决定",
    "压实责任，全力抓好整改落实",
]
SENTENCES = [
    "必须以对人民高度负责的态度抓好每一项工作。",
    "各单位要把压力变成动力，拿出过硬的举措。",
    "问题就是命令，时间就是效率。",
    "决不允许推诿扯皮、敷衍塞责。",
    "要把责任压实到岗位、落实到个人。",
]


def prose(n: int, lead: str = "") -> str:
    """About n characters of plain Chinese prose (no corpus or brief strings)."""
    out = lead
    i = 0
    while len(out) < n:
        out += SENTENCES[i % len(SENTENCES)]
        i += 1
    return out[:n].rstrip("，、") + ("" if out[:n].endswith("。") else "。")


def section_body(
    n: int, markers: tuple[str, str] = ("（一）", "（二）"), leads: tuple[str, str] = ("", "")
) -> str:
    """Two marked paragraphs of about n characters; each starts with its lead (the brief's facts)."""
    half = max(10, n // 2)
    # A part asked to be very short (the length tests) has no room for the facts.
    leads = leads if half - 3 >= max(len(x) for x in leads) + 4 else ("", "")
    first = prose(half - 3, leads[0])
    second = prose(n - half - 3, leads[1])
    return f"{markers[0]}{first}\n{markers[1]}{second}"


# What a model that follows the brief writes in each part (the facts the brief gives it).
OPENING_LEAD = "今天召开约谈会，约谈青石县交通运输局、青石县水利局、云溪镇人民政府。"
HARM_LEADS = (
    "县城东环路改造工程进度严重滞后，形象进度仅完成计划的35%。",
    "二季度全县42个县级重点项目完成投资18.6亿元，占年度计划的38.2%。云溪水库除险加固工程征地迟迟未完成。",
)
DECISION_LEADS = ("对青石县交通运输局予以全县通报批评。", "")
REQUIREMENT_LEADS = ("8月10日前，各被约谈单位报送整改方案。", "9月30日前完成全部征地签约。")


def part_replies(lengths: dict[str, int] | None = None) -> list[Reply]:
    """Replies for opening, 4 sections and closing; section 1 repeats its heading in Markdown.

    ``lengths`` sets, by role, about how many characters of body text the model writes.
    """
    lengths = {"opening": 64, "harm": 170, "causes": 140, "decisions": 110, "rectification": 190, "closing": 58, **(lengths or {})}
    return [
        Reply(text=prose(lengths["opening"], OPENING_LEAD) + "下面，我讲几点意见。", chunk_size=50),
        Reply(
            text=f"### **一、{HEADINGS[0]}**\n\n{section_body(lengths['harm'], leads=HARM_LEADS)}",
            chunk_size=50,
        ),
        Reply(text=section_body(lengths["causes"], ("一是", "二是")), chunk_size=50),
        Reply(
            text=f"三、{HEADINGS[2]}\n- {section_body(lengths['decisions'], leads=DECISION_LEADS)}",
            chunk_size=50,
        ),
        Reply(text=section_body(lengths["rectification"], ("一要", "二要"), REQUIREMENT_LEADS), chunk_size=50),
        Reply(text="同志们，" + prose(lengths["closing"] - 4), chunk_size=50),
    ]


def script(fake, outline: str = OUTLINE, lengths: dict[str, int] | None = None) -> None:
    """Queue the outline and the six parts on the HTTP fake or the in-process fake chat model."""
    fake.queue(Reply(text=outline, chunk_size=50), *part_replies(lengths))


SPEECH = f"""{BRIEF["title"]}
同志们：
今天召开约谈会，约谈青石县交通运输局、青石县水利局、云溪镇人民政府。下面，我讲几点意见。
一、{HEADINGS[0]}
（一）二季度全县42个县级重点项目完成投资18.6亿元，占年度计划的38.2%。
（二）县城东环路改造工程形象进度仅完成计划的35%。
二、{HEADINGS[1]}
一是责任传导层层递减。
二是前期工作不实。
三、{HEADINGS[2]}
（一）对青石县交通运输局予以全县通报批评。
（二）各单位要端正态度。
四、{HEADINGS[3]}
一要8月10日前，各被约谈单位报送整改方案。
二要9月30日前完成全部征地签约。
同志们，时不我待，要以实际成效检验约谈成果。"""

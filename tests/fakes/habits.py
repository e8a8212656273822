"""A model at its worst: reply builders for the habits real chat models show when drafting.

Each builder returns the text (or :class:`Reply`) such a model streams for one request; queue
them on the fake OpenAI server (``FakeOpenAI.queue``) or the in-process ``ScriptedChatModel``.
The speech they write is the gas-safety meeting of issue 19 (fictional county, fictional units):
``GAS_BRIEF``, ``GAS_HEADINGS`` (the gas_fire kind's own headings) and ``gas_parts`` (what a
model that follows the brief writes, every brief fact in its part, no sentence told twice).
"""

from __future__ import annotations

from tests.fakes.server import Reply

GAS_MEETING = "全县燃气安全专项整治工作约谈会"
GAS_TITLE = f"在{GAS_MEETING}上的讲话"
GAS_BRIEF = {
    "meeting": GAS_MEETING,
    "speaker": "青石县人民政府副县长",
    "targets": ["县住房和城乡建设局", "城关镇人民政府", "县燃气有限公司"],
    "issues": [
        "老旧小区燃气管道改造完成率仅37%",
        "3家餐饮企业未安装可燃气体报警器",
        "11月发生1起燃气泄漏致2人轻伤事故",
    ],
    "facts": ["改造任务128公里，已完成47公里"],
    "decisions": ["对县燃气有限公司予以通报批评", "责成县住建局作出书面检查"],
    "requirements": ["12月20日前完成全部餐饮企业报警器安装", "2027年6月底前完成老旧管道改造"],
    "length": 600,
}
#: The gas_fire kind's standard headings ({topic}: 燃气和消防安全隐患).
GAS_HEADINGS = [
    "认清形势，深刻认识燃气和消防安全隐患的严重危害",
    "查摆症结，找准隐患屡查屡有的原因",
    "通报约谈意见，明确问责措施",
    "举一反三，限期落实整治任务",
]
#: The opening sentence a model that restarts (or repeats itself) tells again in every part.
RESTATED_OPENING = (
    "今天召开全县燃气安全专项整治工作约谈会，约谈县住房和城乡建设局、城关镇人民政府和县燃气有限公司三家单位。"
)

# Body text of each part (no heading): plain prose of a model that follows the brief.
_GAS_BODIES = {
    "opening": RESTATED_OPENING + "这次约谈经县政府研究决定，目的是推动燃气安全隐患整改到位。下面，我讲几点意见。",
    "harm": (
        "一是管道改造严重滞后。老旧小区燃气管道改造完成率仅37%，改造任务128公里，已完成47公里。\n"
        "二是隐患排查流于形式。3家餐饮企业未安装可燃气体报警器，检查时屡查屡有。\n"
        "三是事故教训十分深刻。11月发生1起燃气泄漏致2人轻伤事故，群众反映强烈。"
    ),
    "causes": (
        "一是企业主体责任悬空，燃气公司对用户端的入户安检敷衍了事。\n"
        "二是属地网格管理缺位，镇里对餐饮场所的巡查只看台账不看现场。\n"
        "三是行业监管失之于宽，发现问题后跟踪督办不及时。"
    ),
    "decisions": (
        "（一）对县燃气有限公司予以通报批评。\n"
        "（二）责成县住建局作出书面检查。\n"
        "（三）各被约谈单位要端正态度，正视问题，不找客观理由。"
    ),
    "rectification": (
        "一要立即开展集中攻坚，12月20日前完成全部餐饮企业报警器安装。\n"
        "二要倒排改造计划，2027年6月底前完成老旧管道改造。\n"
        "三要建立常态化巡查机制，隐患发现一处、整改一处、销号一处。"
    ),
    "closing": "同志们，燃气安全没有旁观者，请各单位以整改的实际成效回应群众期盼。",
}
GAS_ROLES = ("opening", "harm", "causes", "decisions", "rectification", "closing")


def gas_outline(title: str = GAS_TITLE, headings: list[str] | None = None) -> str:
    """An outline of the gas-safety speech (a model that follows the brief, unless told otherwise)."""
    h = headings or GAS_HEADINGS
    return "\n".join(
        [
            title,
            "同志们：",
            "开场：说明约谈缘由，点明三家被约谈单位。",
            f"一、{h[0]}",
            "一是老旧小区燃气管道改造完成率仅37%。",
            f"二、{h[1]}",
            "一是企业主体责任悬空。",
            f"三、{h[2]}",
            "（一）对县燃气有限公司予以通报批评。",
            f"四、{h[3]}",
            "一要12月20日前完成报警器安装。",
            "同志们，以整改实效回应群众期盼。",
        ]
    )


def gas_body(role: str) -> str:
    """What a well-behaved model writes in one part (no heading: the pipeline adds it)."""
    return _GAS_BODIES[role]


def gas_parts(chunk_size: int = 40) -> list[Reply]:
    """Replies for the six parts, opening to closing, of a model that follows the brief."""
    return [Reply(text=gas_body(r), chunk_size=chunk_size) for r in GAS_ROLES]


# ---------------------------------------------------------------- the habits


def ignores_brief_outline() -> str:
    """An outline about another subject (project delays) under a title naming no meeting of the brief."""
    return "\n".join(
        [
            "在县政府集体约谈会上的讲话提纲",
            "同志们：",
            "开场：说明重点项目推进滞后的情况。",
            "一、正视差距，清醒认识项目推进滞后的严重性",
            "一是部分项目开工率偏低。",
            "二、深挖根源，剖析进度滞后背后的症结",
            "一是前期工作不扎实。",
            "三、严肃约谈纪律，宣布约谈意见和处理决定",
            "（一）对项目单位予以通报批评。",
            "四、压实责任，全力抓好整改落实",
            "一要倒排工期，确保项目按期完工。",
            "同志们，要以项目建设的实际成效检验约谈成果。",
        ]
    )


def restarts_every_part(number: int, heading: str, body: str) -> str:
    """A part written as if the speech began again: 同志们：, a sentence of opening, then its own heading."""
    numeral = "一二三四五六七八九十"[number - 1]
    return f"同志们：\n{RESTATED_OPENING}\n{numeral}、{heading}\n{body}"


def repeats_itself(body: str, sentence: str = RESTATED_OPENING) -> str:
    """A part that starts with the same sentence as every other part, then its own content."""
    return f"{sentence}\n{body}"


def chatty_closing(body: str = "", same_line: bool = False) -> str:
    """A closing with chatter around it and a second 同志们： (on its own line, or before the text)."""
    body = body or "燃气安全没有旁观者，请各单位以整改的实际成效回应群众期盼。"
    core = f"同志们：{body}" if same_line else f"同志们：\n{body}"
    return f"好的，结束语如下：\n{core}\n希望对您有帮助！"


def restarts_after_cut(rest: str, greeting: bool = True, heading: str = "") -> str:
    """A resumed answer that starts over: a greeting (and the part's heading line) before ``rest``."""
    return ("同志们：" if greeting else "") + (f"{heading}\n" if heading else "") + rest

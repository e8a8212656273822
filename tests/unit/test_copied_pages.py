"""Speeches copied from real kinds of pages come out of intake exactly as they were written.

Every source speech (tests/fixtures/copied_pages/s*.source.txt) is wrapped the way a 360doc
article, a document viewer (百度文库 style), a WeChat article, a Discuz! thread and a PDF viewer
(hard-wrapped, saved as GBK) would hand it to a user (tests/fixtures/copied_pages/wrap.py, seeded
variants); the cleaned text must be the speech, character for character, and the parse the same.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pytest

from assistant.intake.cleaning import clean_text
from assistant.intake.prepare import PreparedDoc, prepare_bytes
from assistant.support.config import get_settings
from tests.fixtures.copied_pages import wrap

SEEDS = range(4)
SOURCES = [p.name for p in wrap.SOURCES]


@cache
def _reference(name: str) -> PreparedDoc:
    """The source saved as a clean .txt: what the copy must come back to."""
    return prepare_bytes((wrap.HERE / name).read_bytes(), name, get_settings())


def _shape(prepared: PreparedDoc) -> tuple:
    speech = prepared.speech
    sections = [(s.heading, len(s.points)) for s in speech.sections]
    return (
        speech.title,
        speech.title_derived,
        speech.kind,
        speech.salutation,
        sections,
        bool(speech.closing),
    )


@pytest.mark.parametrize("name", SOURCES)
def test_the_sources_are_clean_speeches(name):
    ref = _reference(name)
    assert ref.cleaned.text.split("\n") == (wrap.HERE / name).read_text(
        encoding="utf-8"
    ).strip().split("\n")
    assert not ref.cleaned.removed and not ref.cleaned.changed
    assert len(ref.speech.sections) >= 3 and not ref.speech.title_derived
    # 讲话提纲 run short: s6 (an outline of three brief sections) has about 740 characters;
    # the bound still keeps out a fragment that would not span a wenku page or a wrapped page.
    assert 700 <= len(ref.cleaned.text.replace("\n", "")) <= 2500


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family", list(wrap.FAMILIES))
@pytest.mark.parametrize("name", SOURCES)
def test_a_copied_page_gives_back_exactly_the_speech(name, family, seed):
    ref = _reference(name)
    data, filename = wrap.build(family, wrap.read_source(wrap.HERE / name), seed)
    got = prepare_bytes(data, filename, get_settings())
    want = ref.cleaned.text.split("\n")
    lines = got.cleaned.text.split("\n")
    missing = [x for x in want if x not in lines]
    extra = [x for x in lines if x not in want]
    assert (missing, extra) == ([], [])
    assert lines == want
    assert _shape(got) == _shape(ref)
    assert all(r.reason for r in got.cleaned.removed)
    assert all(c.reason for c in got.cleaned.changed)


# --- the strings the tester found, one at a time ----------------------------------------------

TITLE = "在南港区燃气安全隐患整治约谈会上的讲话"
OPENING = "今天召开燃气安全隐患整治约谈会，约谈整改不力的2个街道和3家燃气企业。下面，我讲几点意见。"
HEAD1 = "一、正视问题，认清燃气隐患的危害"
P1 = "一是隐患底数不清。全区排查出的1236处隐患中，有318处至今没有整改到位。"
P2 = "二是整改质量不高。有的企业只更换了软管，没有安装报警装置。"
HEAD2 = "二、压实责任，确保整改落到实处"
P3 = "一要限期整改。各街道要在11月30日前完成全部隐患整改，整改结果报区安委办。"
P4 = "二要加强宣传。要通过社区公众号分享安全用气常识，提醒群众关注燃气报警器的使用。"
CLOSING = "同志们，燃气安全无小事。希望大家以这次约谈为契机，坚决守住安全底线！"


def _speech(*, head=(), between=(), after_heading=(), tail=(), heading1=HEAD1) -> str:
    return "\n".join(
        [
            *head,
            TITLE,
            *between,
            "同志们：",
            OPENING,
            heading1,
            *after_heading,
            P1,
            P2,
            HEAD2,
            P3,
            P4,
            CLOSING,
            *tail,
        ]
    )


def _clean(text: str) -> list[str]:
    return clean_text(text).text.split("\n")


WANT = [TITLE, "同志们：", OPENING, HEAD1, P1, P2, HEAD2, P3, P4, CLOSING]


@pytest.mark.parametrize(
    "strip", ["转藏全屏打印分享献花（0）", "转藏全屏打印分享献花(0)", "转藏 全屏 打印 分享 献花(3)"]
)
def test_the_360doc_button_strip_is_not_a_byline(strip):
    result = clean_text(_speech(between=(strip,)))
    assert result.text.split("\n") == WANT
    assert [r.reason for r in result.removed if r.line == strip] == ["页面按钮"]


def test_the_document_viewer_rating_line_is_not_a_byline():
    line = "内容提供者：东湖小文书 4.6（128）· 2.3万阅读· 156下载"
    assert _clean(_speech(between=(line,))) == WANT


@pytest.mark.parametrize(
    "footer",
    [
        "文档来源为：从网络收集整理.word版本可编辑。欢迎下载支持。",
        "文档来源为:从网络收集整理.word版本可编辑.欢迎下载支持.",
        "文档来源为：从网络收集整理。word版本可编辑。欢迎下载支持。",
    ],
)
@pytest.mark.parametrize("glued", [False, True])
def test_page_furniture_inside_a_split_paragraph_is_removed_and_the_paragraph_rejoined(
    footer, glued
):
    head, tail = P1[:20], P1[20:]
    middle = [head + footer, "精品文档", tail] if glued else [head, footer, "2", "精品文档", tail]
    text = _speech().replace(P1, "\n".join(middle))
    result = clean_text(text)
    assert result.text.split("\n") == WANT
    assert [r.reason for r in result.removed if "文档来源为" in r.line] == ["页眉页脚"]


def test_wechat_promo_block_caption_and_end_block_go():
    text = (
        _speech(
            head=("🔥【讲话提纲】" + TITLE, "原创 南港应急 南港应急 2024-11-02 08:30 浙江"),
            after_heading=(),
            tail=("━━━", "本期编辑：小林", "喜欢就点个“在看”吧", "赞赏"),
        )
        .replace(TITLE + "\n同志们", "同志们", 1)
        .replace(HEAD2, "▼ 往期推荐 ▼\n约谈讲话稿汇编（30篇）\n点击下方卡片关注\n" + HEAD2)
        .replace(P2, "▲3月8日，检查人员在东湖区一家餐馆检查燃气管道（图源：南港应急）\n" + P2)
    )
    assert _clean(text) == WANT


def test_a_forum_watermark_glued_to_a_heading_is_cut_off():
    glued = HEAD1 + "l- D* C, 2% S= J, H. T, 0> -h"
    result = clean_text(_speech(heading1=glued))
    assert result.text.split("\n") == WANT
    assert any(c.reason == "防采集水印" for c in result.changed)


POINTS = (
    "1.冷链台账不全。抽查的23家冷库中，有9家没有按要求记录进出库温度。",
    "2.过期原料未清理。东湖区2家中央厨房的仓库里仍存放过期调味料46公斤。",
    "3.健康证明过期。北岸镇3家餐馆共有14名员工的健康证明已过有效期。",
)


@pytest.mark.parametrize(
    "jammers",
    [
        # The watermark's last token glued straight onto the point's marker.
        ('k; R@ v N E" p] Z? D W+', "t A~ g X? 2* 6 m} 7! j=", "Q( 4\\ 8_ h@ U` f V}"),
        # A last token that is a digit ("…9" + "2." reads "92.") or ends like a marker itself.
        ("u& c 5 b* r@ 9", "x$ c 5 b* 9", "d) e~ 8 q? h 3"),
    ],
)
def test_a_forum_watermark_glued_before_a_numbered_point_is_cut_and_the_number_kept(jammers):
    glued = [jam + point for jam, point in zip(jammers, POINTS, strict=True)]
    result = clean_text(_speech(after_heading=glued))
    assert result.text.split("\n") == [*WANT[:4], *POINTS, *WANT[4:]]
    assert sum(c.reason == "防采集水印" for c in result.changed) == 3


@pytest.mark.parametrize("jam", ["k$ w 7 p! 3.", "b= 2 n{ a 0", "s% q 4 y^ 2."])
def test_watermark_digits_glued_before_an_unnumbered_paragraph_are_not_taken_for_its_number(jam):
    # The salutation, a "一是" point and a plain paragraph have no "1." marker of their own.
    text = _speech().replace("同志们：", jam + "同志们：").replace(P2, jam + P2)
    text = text.replace(OPENING, jam + OPENING)
    assert _clean(text) == WANT


def test_the_forum_footer_after_a_speech_without_closing_goes():
    footer = (
        "回复",
        "举报",
        "您需要登录后才可以回帖 登录 | 立即注册",
        "本版积分规则",
        "快速回复 返回顶部 返回列表",
        "GMT+8, 2024-5-9 21:37 , Processed in 0.061245 second(s), 26 queries .",
        "Powered by Discuz! X3.4",
    )
    text = _speech(tail=footer).replace("\n" + CLOSING, "")
    assert _clean(text) == [x for x in WANT if x != CLOSING]


# Speech sentences with the words page junk uses must stay.
NEGATIVE = [
    "三要推广经验。要把北岸镇的做法在全区分享，推荐2个街道在全市会上交流。",
    "四要畅通渠道。群众可以下载“南港应急”APP，登录后上传隐患照片，区里安排专人编辑整理。",
    "（三）关注群众反映强烈的问题",
    "关注群众反映强烈的问题",
    "分享经验做法",
    "下载安装报警装置",
    "本期整改任务",
    "点赞不如点实事。",
    "（三）让群众点个赞",
    "回复群众关切",
]


@pytest.mark.parametrize("line", NEGATIVE)
def test_speech_lines_with_junk_words_stay(line):
    text = _speech().replace(P4, P4 + "\n" + line)
    assert line in _clean(text)


LONG = (
    "今年以来，全区共排查燃气用户3.2万户，发现隐患1236处，已整改918处，整改率为74.3%。"
    "其中，餐饮场所隐患占到六成以上，主要是软管老化、未装报警器、气瓶与灶具间距不足。"
    "有的企业对整改通知置若罔闻，一拖再拖；有的街道检查时只看台账，不进后厨。"
    "这些问题如果不及时解决，随时可能酿成事故，后果不堪设想。",
    "从检查情况看，问题的根子在责任。有的企业负责人认为燃气事故是小概率事件，安全投入能省则省。"
    "有的街道把检查任务层层下派，最后落到网格员一个人身上，网格员不懂技术，只能看看表面。"
    "有的部门之间信息不通，同一家餐馆一个月被查了三次，真正的隐患却没有人指出来。",
)


def _wrap(paragraph: str, width: int) -> list[str]:
    return [paragraph[i : i + width] for i in range(0, len(paragraph), width)]


def test_hard_wrapped_lines_ending_a_sentence_at_the_margin_are_joined():
    paras = [OPENING, *LONG, P1, P2, P3, P4]
    # A width where a sentence ends right at the margin inside a paragraph, and every
    # paragraph's last line is visibly short (so where a paragraph ends is plain to a reader).
    width = next(
        w
        for w in range(18, 40)
        if any(x.endswith(("。", "。”")) for p in paras for x in _wrap(p, w)[:-1])
        and all(len(_wrap(p, w)[-1]) <= w - 4 for p in paras)
    )
    lines = [TITLE, "同志们："]
    for p in paras[:3]:
        lines += _wrap(p, width)
    lines += [
        HEAD1,
        *_wrap(P1, width),
        *_wrap(P2, width),
        HEAD2,
        *_wrap(P3, width),
        *_wrap(P4, width),
        CLOSING,
    ]
    assert _clean("\n".join(lines)) == [
        TITLE,
        "同志们：",
        OPENING,
        *LONG,
        HEAD1,
        P1,
        P2,
        HEAD2,
        P3,
        P4,
        CLOSING,
    ]


def test_a_short_line_ending_a_sentence_still_ends_its_paragraph_in_hard_wrapped_text():
    width = 24
    short = "这个问题必须解决。"
    lines = [
        TITLE,
        "同志们：",
        *_wrap(OPENING, width),
        *_wrap(LONG[0], width),
        short,
        *_wrap(LONG[1], width),
    ]
    lines += [HEAD1, P1, CLOSING]
    got = _clean("\n".join(lines))
    assert short in got and LONG[1] in got


# A paragraph thick with figures: dates, counts and percentages in half-width digits.
FIGURES = (
    "今年1月至9月，青石县发生较大生产安全事故3起、死亡11人，同比分别上升50%和83.3%。"
    "8月17日，北岸镇一家石材加工厂发生粉尘爆炸，造成4人死亡、2人重伤，直接经济损失约1260万元；"
    "9月3日，东湖工业园区一处在建厂房坍塌，2名工人被埋，经过6小时搜救才全部救出。"
    "截至9月30日，全县排查出的2417项隐患中，仍有386项没有整改到位，其中重大隐患17项，"
    "涉及企业52家，整改率只有84.0%，比全市平均水平低9.6个百分点。"
)


def _columns(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _wrap_page(paragraph: str, columns: int) -> list[str]:
    """Break a paragraph the way a PDF viewer does: at a page width in display columns, where
    a digit takes half a Chinese character; closing punctuation hangs on its line."""
    lines, cur = [], ""
    for ch in paragraph:
        if cur and _columns(cur + ch) > columns and ch not in "，。、；：”）%":
            lines.append(cur)
            cur = ""
        cur += ch
    return [*lines, cur]


PAGE_PARAS = [OPENING, FIGURES, LONG[0], P1, P2]


@pytest.mark.parametrize(
    "columns",
    # Page widths where every paragraph's last line is visibly short (so a reader can tell).
    [c for c in range(64, 90, 2) if all(_columns(_wrap_page(p, c)[-1]) <= c - 8 for p in PAGE_PARAS)],
)
def test_a_page_wrapped_text_with_figures_in_its_lines_is_joined(columns):
    # Lines of equal width hold more characters where digits are: the line length to look for
    # is the width on the page, not the count of characters.
    lines = [TITLE, "同志们："]
    for p in PAGE_PARAS[:3]:
        lines += _wrap_page(p, columns)
    lines += [HEAD1, *_wrap_page(P1, columns), *_wrap_page(P2, columns), HEAD2, P3, P4, CLOSING]
    assert _clean("\n".join(lines)) == [
        TITLE,
        "同志们：",
        OPENING,
        FIGURES,
        LONG[0],
        HEAD1,
        P1,
        P2,
        HEAD2,
        P3,
        P4,
        CLOSING,
    ]

"""Web-page noise removal and punctuation normalisation (assistant.intake.cleaning)."""

from __future__ import annotations

import pytest

from assistant.intake.cleaning import clean_text
from assistant.intake.noise_patterns import load_patterns
from assistant.intake.normalize import normalise_line
from tests.fixtures.make_files import noisy_names, read_noisy

KNOWN_REASONS = {
    "导航",
    "面包屑",
    "来源信息",
    "推广语",
    "重复标题",
    "页脚",
    "网址",
    "版权信息",
    "备案信息",
    "页面按钮",
    "站点名称",
    "页码",
    "分隔符",
    "页眉",
    "防采集水印",
    "正文之外",
}

TITLE = "在东湖区重点项目推进约谈会上的讲话"
OPENING = "今天召开约谈会，专门约谈进度滞后的三个单位的主要负责同志。下面，我讲几点意见。"
HEADING = "一、正视问题，认清危害"
POINT = "一是拖累全区发展大局。上半年固定资产投资增速排名全市倒数第二，必须引起高度重视。"
CLOSING = "同志们，项目建设只有进行时，没有完成时。希望大家知耻后勇、奋起直追！"


def speech(
    head: tuple[str, ...] = (), body: tuple[str, ...] = (), tail: tuple[str, ...] = ()
) -> str:
    """A short speech with extra lines at the head (before the title), body or tail."""
    return "\n".join([*head, TITLE, "同志们：", OPENING, HEADING, *body, POINT, CLOSING, *tail])


# --- whole noisy pages ------------------------------------------------------------------


@pytest.mark.parametrize("name", noisy_names())
def test_noisy_page_cleans_to_expected(name):
    noisy, expected = read_noisy(name)
    result = clean_text(noisy)
    assert result.text == expected
    assert {r.reason for r in result.removed} <= KNOWN_REASONS
    kept = set(expected.split("\n"))
    for removed in result.removed:
        # A duplicate title is also kept once; nothing else removed is in the speech.
        assert removed.line not in kept or removed.reason == "重复标题"


@pytest.mark.parametrize("name", noisy_names())
def test_expected_text_is_stable(name):
    _, expected = read_noisy(name)
    result = clean_text(expected)
    assert result.text == expected
    assert result.removed == []


def test_fixture_reports_every_kind_of_noise():
    reasons = set()
    for name in noisy_names():
        reasons |= {r.reason for r in clean_text(read_noisy(name)[0]).removed}
    assert {"导航", "面包屑", "来源信息", "推广语", "重复标题", "页脚", "站点名称"} <= reasons


# --- one rule at a time: a junk line goes, a similar speech line stays -------------------

RULE_CASES = [
    # (where, junk line, reason, similar real line that must stay)
    (
        "head",
        "首页 | 范文大全 | 工作总结 | 工作计划 | 讲话稿",
        "导航",
        "项目名称　责任单位　完成时限",
    ),
    ("head", "登录  注册  会员中心", "导航", "东湖区人民政府　2025年7月8日"),
    (
        "head",
        "当前位置：首页 > 讲话稿 > 正文",
        "面包屑",
        "当前，我区项目建设正处在爬坡过坎的关键阶段。",
    ),
    (
        "head",
        "您现在的位置：首页>领导讲话>约谈讲话",
        "面包屑",
        "我们现在的位置，在全市是倒数第二。",
    ),
    ("head", "文库首页 > 党政司法 > 讲话致辞", "面包屑", "一、首页工程要抓紧"),
    (
        "head",
        "时间：2025-03-12  来源：范文网  浏览次数：1024",
        "来源信息",
        "时间紧、任务重，来源于群众的期盼，也来源于我们作出的承诺。",
    ),
    ("head", "来源：东湖区生态环境分局", "来源信息", "问题来源：群众来信来访和媒体曝光。"),
    ("head", "本文已影响3万人", "来源信息", "这起事故影响恶劣，3万人的饮水安全受到威胁。"),
    (
        "head",
        "原创 东湖发布 东湖发布 2025-03-02 08:00 发表于江苏",
        "来源信息",
        "东湖区人民政府　2025年3月2日",
    ),
    (
        "head",
        "发布日期：2025-05-20 信息来源：临江市人民政府办公室 字号：大 中 小",
        "来源信息",
        "时间：2025年3月5日　地点：区政府三楼会议室",
    ),
    (
        "head",
        "文档页数：4页  下载积分：5  上传时间：2025-04-02",
        "来源信息",
        "全县共排查企业4家，下载整改通知5份。",
    ),
    (
        "head",
        "以下是小编为大家分享的约谈讲话范文，欢迎阅读与借鉴。",
        "推广语",
        "以下是我讲的几点意见，请大家认真抓好落实。",
    ),
    ("tail", "下载文档", "推广语", "相关表格可在系统内下载填报，不得要求基层重复报送。"),
    ("tail", "免费下载本文  复制全文", "推广语", "要把整改方案全文复制给每一个责任单位。"),
    (
        "tail",
        "（本文来源于网络，仅供参考，如有侵权请联系删除）",
        "推广语",
        "要坚决打击侵权行为，及时删除违法信息。",
    ),
    ("tail", "本文由范文网整理发布", "推广语", "本文件由区委办公室整理印发。"),
    ("head", "点击蓝字关注我们", "推广语", "群众关注我们的每一项承诺，我们必须说到做到。"),
    ("tail", "扫码关注公众号", "推广语", "要通过“东湖发布”公众号及时公开整改进展。"),
    (
        "head",
        "字号：大 中 小  打印本页  关闭窗口",
        "页面按钮",
        "大中小企业都要落实安全生产主体责任。",
    ),
    ("tail", "【打印本页】【关闭窗口】", "页面按钮", "关闭窗口期一过，项目就要全面开工。"),
    ("tail", "阅读原文", "页面按钮", "希望大家回去以后认真阅读原文件。"),
    ("tail", "上一篇：在全区安全生产工作会议上的讲话", "导航", "上一阶段的工作，总体是好的。"),
    ("tail", "本文标签：约谈讲话 安全生产", "导航", "标签化管理要落实到每一个网格。"),
    (
        "tail",
        "https://www.fanwen.example.com/jianghua/123.html",
        "网址",
        "办理进度可在 www.linjiang.example.gov.cn 上查询，做到公开透明。",
    ),
    ("tail", "本文链接：https://www.fanwen.example.com/123.html", "网址", "链接群众的纽带不能断。"),
    (
        "tail",
        "Copyright © 2012-2025 范文网 版权所有",
        "版权信息",
        "要依法保护版权所有人的合法权益。",
    ),
    ("tail", "苏ICP备12345678号-2", "备案信息", "要加快ICP许可和备案审批改革。"),
    ("tail", "浙公网安备 33110202000123号", "备案信息", "公安机关要做好网络安全备案工作。"),
    ("tail", "— 3 —", "页码", "3.加强组织领导。"),
    ("tail", "第 2 页 共 5 页", "页码", "第二，依法依规严肃追责。"),
    ("tail", "————————————", "分隔符", "——这是我们必须回答的问题。"),
    ("head", "范文网 - 免费范文下载站", "站点名称", "（2025年5月16日）"),
    ("head", "临江市人民政府门户网站", "站点名称", "临江市人民政府副市长"),
    (
        "tail",
        "主办：临江市人民政府办公室　承办：临江市大数据发展中心",
        "页脚",
        "主办单位要落实安全责任，承办单位要配合做好保障。",
    ),
    ("tail", "首页 | 关于我们 | 联系我们 | 网站地图", "页脚", "各位领导、同志们："),
    ("tail", "在看", "页面按钮", "谢谢大家！"),
    ("tail", "扫一扫在手机打开当前页", "页面按钮", "要用手机扫一扫就能打开办事指南。"),
    ("tail", "【我要纠错】【复制链接】", "页面按钮", "发现问题要及时纠错。"),
]


@pytest.mark.parametrize(("where", "junk", "reason", "keep"), RULE_CASES)
def test_rule_removes_junk_and_keeps_similar_speech_line(where, junk, reason, keep):
    text = speech(head=(junk,)) if where == "head" else speech(tail=(junk,))
    result = clean_text(text)
    # Removed lines are reported with their inner space runs collapsed.
    assert [r.reason for r in result.removed if r.line.split() == junk.split()] == [reason]
    assert junk not in result.text

    # The real line in the body of a speech survives, whatever it resembles.
    kept = clean_text(speech(body=(keep,)))
    assert normalise_line(keep) in kept.text.split("\n")
    assert kept.removed == []


REAL_LINES = (
    "下面是几点要求，希望大家认真落实。",
    "如有侵权行为，要依法严肃查处。",
    "平台信息内容由用户提供，平台要履行审核责任。",
    "要免费下载安装“临江通”。",
    "扫描二维码即可办理。",
    "下一条措施是严格考核",
    "关于我们的作风问题",
    "全文阅读量超过十万",
    "更多问题请关注后续通报。",
    "原创性成果要加强保护，首发式要简朴。",
    "分享经验",
    "举报电话：12345",
    "主持人：现在开会",
    "附件：整改任务清单",
    "现在开会。",
    "特此通报。",
    "谢谢大家！",
    "正视问题",
    "查找原因",
    "整改要求",
    "时间：2025年3月5日　地点：区政府三楼会议室",
    "（2025年3月5日）",
)


def test_real_speech_lines_survive_in_the_body():
    result = clean_text(speech(body=REAL_LINES))
    assert result.removed == []
    lines = result.text.split("\n")
    for line in REAL_LINES:
        assert line in lines


def test_after_the_closing_only_speaking_lines_stay():
    sentences = tuple(line for line in REAL_LINES if line.endswith(("。", "！")))
    result = clean_text(speech(tail=(*sentences, "（2025年3月5日）")))
    assert result.removed == []
    # The first line that is not the speaker speaking ends the speech; the rest is page text.
    page = ("（完）", "本文仅代表作者观点", "北湖区要闻", "北湖区召开防汛工作会议。", "举报/反馈")
    result = clean_text(speech(tail=("谢谢大家！", *page)))
    assert result.text.endswith(CLOSING + "\n谢谢大家！")
    assert {r.line for r in result.removed} == set(page)


def test_banji_after_the_speech_is_removed_and_reported():
    banji = ("抄送：市纪委监委，市人大常委会办公室。", "临江市人民政府办公室　2025年3月5日印发")
    result = clean_text(speech(tail=banji))
    assert [r.reason for r in result.removed] == ["版记", "版记"]
    assert all(line not in result.text for line in banji)
    # The same words inside the speech are speech.
    inside = clean_text(speech(body=("要把整改情况抄送：市纪委监委。",)))
    assert inside.removed == []


def test_structure_lines_are_never_removed():
    body = (
        "一、正视问题",
        "（一）关于进度",
        "1.加强领导",
        "一是压实责任。",
        "第一，立即开展隐患大排查。",
        "各位领导、同志们：",
    )
    result = clean_text(speech(body=body))
    for line in body:
        assert line in result.text.split("\n")
    assert result.removed == []


def test_prose_with_navigation_words_is_kept():
    prose = "首页、范文、工作总结等栏目要及时更新内容，确保信息准确权威，方便群众查阅。"
    result = clean_text(speech(head=("首页 | 范文大全 | 讲话稿",), body=(prose,)))
    assert prose in result.text
    assert [r.reason for r in result.removed] == ["导航"]


def test_vertical_menu_is_removed_but_title_kept():
    menu = ("首页", "范文大全", "工作总结", "入党申请", "讲话稿", "心得体会")
    result = clean_text(speech(head=menu))
    lines = result.text.split("\n")
    assert lines[0] == TITLE
    assert [r.line for r in result.removed] == list(menu)
    assert {r.reason for r in result.removed} == {"导航"}


def test_short_speech_lines_are_not_a_menu():
    body = ("谢谢大家！", "散会。", "特此通报")
    result = clean_text(speech(body=body))
    for line in body:
        assert line in result.text
    assert result.removed == []


def test_duplicate_titles_at_top_keep_one():
    head = (
        f"{TITLE}_公文写作网",
        "首页 > 公文写作 > 讲话稿",
        TITLE,
        "本文已影响3万人",
        TITLE,
    )
    result = clean_text(speech(head=head))
    assert result.text.split("\n")[0] == TITLE
    assert result.text.count(TITLE) == 1
    assert [r.reason for r in result.removed].count("重复标题") == 3


def test_title_site_suffix_is_stripped():
    result = clean_text(speech().replace(TITLE, f"{TITLE}_范文网", 1))
    assert result.text.split("\n")[0] == TITLE
    assert ("范文网", "站点名称") in [(r.line, r.reason) for r in result.removed]


def test_title_repeated_later_in_the_body_is_kept():
    result = clean_text(speech(body=(TITLE,)))
    assert result.text.count(TITLE) == 2


def test_footer_block_after_related_header_is_cut():
    tail = ("相关推荐", "在全区安全生产工作会议上的讲话", "1.在青石县营商环境大会上的表态发言")
    result = clean_text(speech(tail=tail))
    assert result.text.split("\n")[-1] == CLOSING
    assert [(r.line, r.reason) for r in result.removed] == [(line, "页脚") for line in tail]


def test_related_header_in_the_middle_does_not_cut_the_speech():
    body = ("热门文章", "在全区安全生产工作会议上的讲话", "二、查找原因，剖析根源")
    result = clean_text(speech(body=body))
    assert "二、查找原因，剖析根源" in result.text
    assert CLOSING in result.text
    assert [r.line for r in result.removed] == ["热门文章", "在全区安全生产工作会议上的讲话"]


def test_related_header_late_but_followed_by_long_paragraphs_does_not_cut():
    paragraph = (
        "要把这次约谈作为改进作风的契机，逐项对照问题清单抓好整改，做到问题不查清不放过、"
        "整改不到位不放过、责任不落实不放过，确保每一项整改任务都有人抓、有人管、有结果。"
    )
    text = "\n".join([TITLE, "同志们：", OPENING, POINT, "推荐阅读", paragraph, paragraph])
    result = clean_text(text)
    assert result.text.count(paragraph) == 2
    assert [r.line for r in result.removed] == ["推荐阅读"]


def test_every_removed_line_has_a_reason():
    noisy, _ = read_noisy("fanwen_nav")
    result = clean_text(noisy)
    assert result.removed_count == len(result.removed) > 10
    assert all(r.reason and r.line for r in result.removed)


# --- whitespace ---------------------------------------------------------------------------


def test_whitespace_is_normalised_to_one_paragraph_per_line():
    text = "　　标题行  \r\n\r\n\r\n\t同志们：\r\n    第一段内容。 \n\n\n\u3000\u3000第二段　内容。\n\n"
    assert clean_text(text).text == "标题行\n同志们：\n第一段内容。\n第二段　内容。"


def test_spaces_inside_chinese_are_removed_but_not_around_latin():
    assert normalise_line("今天  我们 召开 约谈会") == "今天我们召开约谈会"
    assert normalise_line("使用 Python 3.5 处理") == "使用 Python 3.5 处理"


def test_zero_width_and_nbsp_entities_are_whitespace():
    assert (
        clean_text("同志们：\u200b\n今天&nbsp;&nbsp;召开会议。").text == "同志们：\n今天召开会议。"
    )


def test_empty_text():
    result = clean_text("  \n\n\u3000 \n")
    assert result.text == ""
    assert result.removed == []


# --- punctuation ------------------------------------------------------------------------

CHANGED = [
    ("同志们:", "同志们："),
    ("今天,我们召开约谈会;会议很重要!", "今天，我们召开约谈会；会议很重要！"),
    ("为什么会这样?", "为什么会这样？"),
    ("(一)压实责任", "（一）压实责任"),
    ("37件信访积案(含2023年结转的8件)", "37件信访积案（含2023年结转的8件）"),
    ("要抓好落实.二要强化督查.", "要抓好落实。二要强化督查。"),
    ("“未发现问题”.", "“未发现问题”。"),
    ("为什么要跑五六趟? 根子在作风!", "为什么要跑五六趟？根子在作风！"),
    ("附件1:整改清单", "附件1：整改清单"),
    ("时间:10:30", "时间：10:30"),
    (
        "详见www.linjiang.example.gov.cn(市政府网站).",
        "详见www.linjiang.example.gov.cn（市政府网站）。",
    ),
    ("网址是https://a.example.cn/x,请查看.", "网址是https://a.example.cn/x，请查看。"),
]

UNCHANGED = [
    "1.加强领导",
    "2.依法分类处置。",
    "完成投资3.5亿元，完成率为62.5%。",
    "自2025.3启动以来",
    "资金1,000万元已到位。",
    "按照1:1的比例配套。",
    "会议10:30开始。",
    "一.正视问题",
    "可登录 https://www.linjiang.example.gov.cn/a?b=1,c=2 查询。",
    "可登录www.example.com查询。",
    "联系邮箱 office@linjiang.example.cn，欢迎监督。",
    "采用PPP模式，引入ESG理念。",
    "Hello, world. Is it (really) fine? Yes!",
    "f(x) = 2",
    "这件事……还要再议……",
    "这件事...还要再议",
    "Python 3.5 版本",
]


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_half_width_punctuation_in_chinese_becomes_full_width(before, after):
    assert normalise_line(before) == after


@pytest.mark.parametrize("line", UNCHANGED)
def test_punctuation_that_must_not_change(line):
    assert normalise_line(line) == line


def test_cleaning_never_changes_wording():
    noisy, expected = read_noisy("docshare_halfwidth")
    strip = str.maketrans("", "", "，。；：？！（）,.;:?!() \u3000\n")
    assert clean_text(noisy).text.translate(strip) == expected.translate(strip)


# --- rules are data -----------------------------------------------------------------------


def test_rules_come_from_yaml_and_can_be_extended(tmp_path):
    import yaml

    from assistant.intake.noise_patterns import DEFAULT_PATTERNS_FILE

    raw = yaml.safe_load(DEFAULT_PATTERNS_FILE.read_text(encoding="utf-8"))
    raw["line_rules"].insert(
        0, {"id": "new_site", "reason": "推广语", "max_length": 40, "patterns": ["^新站专享福利"]}
    )
    custom = tmp_path / "rules.yaml"
    custom.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    # Inside the speech, where only line rules can remove it (around it, the page is cut anyway).
    text = speech(body=("新站专享福利，点此领取",))
    assert "新站专享福利" in clean_text(text).text
    result = clean_text(text, patterns=load_patterns(custom))
    assert "新站专享福利" not in result.text
    assert result.removed[-1].reason == "推广语"


def test_default_rules_compile():
    pats = load_patterns()
    assert pats.line_rules
    assert "首页" in pats.nav_words

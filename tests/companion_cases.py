"""Briefs and speeches the companion-document tests write from (all original; places and units fictional)."""

from __future__ import annotations

from assistant.domain.brief import Brief, parse_brief
from assistant.domain.models import Draft
from assistant.drafts.draft_io import draft_from_text

UNITS = ["东湖区住房和城乡建设局", "东湖区自然资源局", "北岸街道办事处"]

BRIEF = {
    "kind": "project_delay",
    "meeting": "东湖区城市更新项目推进滞后单位约谈会",
    "speaker": "东湖区人民政府区长",
    "title": "在东湖区城市更新项目推进滞后单位约谈会上的讲话",
    "measure": "通报批评",
    "meeting_time": "2026年7月15日上午9:00",
    "place": "东湖区人民政府三楼第一会议室",
    "chair": "东湖区人民政府副区长",
    "attendees": ["各被约谈单位主要负责人", "分管负责人", "项目负责人"],
    "materials": ["整改情况书面说明", "项目推进台账"],
    "targets": UNITS,
    "issues": [
        "北岸老旧小区改造项目开工率仅为40%，低于全区平均水平25个百分点",
        "滨江片区安置房项目用地报批滞后3个月",
        "东湖区住房和城乡建设局牵头的燃气管道更新工程完成投资1.2亿元，仅占年度计划的30%",
    ],
    "facts": [
        "全区12个城市更新项目上半年完成投资4.6亿元，占年度计划的41.5%",
        "北岸老旧小区改造项目计划改造小区18个，已开工7个",
    ],
    "decisions": ["对东湖区住房和城乡建设局予以全区通报批评", "责成北岸街道办事处向区政府作出书面检查"],
    "requirements": [
        "7月31日前，各被约谈单位向区政府报送整改方案",
        "8月31日前北岸老旧小区改造项目开工率达到80%以上",
        "9月30日前完成滨江片区安置房项目用地报批",
        "燃气管道更新工程年底前完成年度投资计划",
    ],
    "length": 1200,
}

SPEECH = """在东湖区城市更新项目推进滞后单位约谈会上的讲话
同志们：
今天，区政府召开约谈会，约谈东湖区住房和城乡建设局、东湖区自然资源局、北岸街道办事处。下面，我讲几点意见。
一、正视差距，认清城市更新项目推进滞后的严重性
（一）全区12个城市更新项目上半年完成投资4.6亿元，占年度计划的41.5%，与时序进度差距明显。
（二）北岸老旧小区改造项目开工率仅为40%，低于全区平均水平25个百分点；计划改造小区18个，已开工7个。
（三）滨江片区安置房项目用地报批滞后3个月，群众翘首以盼的安置房迟迟不能动工。
（四）东湖区住房和城乡建设局牵头的燃气管道更新工程完成投资1.2亿元，仅占年度计划的30%。
二、深挖根源，找准进度滞后的症结
一是责任压得不实，层层传导递减。
二是统筹协调不够，部门之间各管一段。
三、严明纪律，宣布约谈处理决定
（一）对东湖区住房和城乡建设局予以全区通报批评。
（二）责成北岸街道办事处向区政府作出书面检查。
四、压实责任，限期抓好整改
一要7月31日前，各被约谈单位向区政府报送整改方案。
二要8月31日前北岸老旧小区改造项目开工率达到80%以上。
三要9月30日前完成滨江片区安置房项目用地报批。
四要燃气管道更新工程年底前完成年度投资计划。
同志们，城市更新是民生工程，必须以实打实的成效回应群众期盼。"""


def brief(**changes) -> Brief:
    """The brief above, with some fields changed."""
    return parse_brief({**BRIEF, **changes})


def speech(text: str = SPEECH) -> Draft:
    """A speech text as the Draft `assistant draft` would have saved (parts by the parser)."""
    return draft_from_text(text)


#: Briefs of other kinds and lengths: with and without time/place/chair, one unit or many.
VARIED_BRIEFS: list[dict] = [
    {
        "kind": "work_safety",
        "meeting": "临江市安全生产工作提醒谈话",
        "measure": "提醒谈话",
        "targets": ["临江市石桥建材有限公司"],
        "issues": ["企业粉尘防爆隐患整改不到位"],
        "requirements": ["15日内完成隐患整改并书面报告"],
    },
    {
        "meeting": "青石县信访积案化解约谈会",
        "measure": "诫勉谈话",
        "meeting_time": "2026年9月3日下午3:00",
        "targets": ["北岸镇人民政府", "云溪镇人民政府", "青石县人力资源和社会保障局"],
        "issues": ["北岸镇3件信访积案超期未化解", "云溪镇重复信访率达到18%", "欠薪类信访事项办结率仅为62%"],
        "facts": ["全县信访积案共27件，已化解15件"],
        "decisions": ["对北岸镇人民政府主要负责人进行诫勉谈话"],
        "requirements": ["10月底前北岸镇化解全部积案", "各单位每周报送化解进度"],
    },
    {
        "kind": "ecology",
        "meeting": "东湖区生态环境问题整改问责会",
        "measure": "问责",
        "place": "区委第二会议室",
        "chair": "区委副书记",
        "targets": ["东湖区生态环境分局", "东湖区城市管理局", "白沙街道办事处", "东湖区水务局"],
        "issues": ["白沙河入河排污口整治滞后", "建筑工地扬尘投诉同比上升40%", "城区垃圾中转站渗滤液外溢"],
        "decisions": ["对东湖区城市管理局分管负责人予以问责"],
        "requirements": [],
    },
    {
        "meeting": "云溪镇营商环境约谈",
        "targets": ["云溪镇便民服务中心"],
        "issues": ["企业开办平均用时5.5个工作日，超出承诺时限"],
        "decisions": ["对云溪镇便民服务中心进行约谈"],
        "length": 600,
    },
    {
        "meeting": "临江市重点项目集中约谈会",
        "meeting_time": "2026年8月20日",
        "place": "市政府常务会议室",
        "chair": "临江市人民政府秘书长",
        "attendees": ["主要负责人"],
        "materials": ["项目推进台账"],
        "targets": [f"临江市第{n}建设指挥部" for n in "一二三四五六七八"],
        "issues": [f"第{n}标段工程形象进度落后计划{10 + i}个百分点" for i, n in enumerate("一二三四五六七八")],
        "facts": ["全市38个重点项目完成投资占年度计划的44.7%"],
        "decisions": ["对进度排名末位的3家指挥部予以全市通报"],
        "requirements": ["8月31日前第一标段追回滞后进度", "9月15日前第二标段追回滞后进度", "各指挥部每周报送进度"],
    },
    {
        "meeting": "北岸镇安全生产约谈会",
        "targets": ["北岸镇应急管理办公室"],
        "issues": ["辖区小作坊违规使用液化气，安全隐患突出"],
        "requirements": ["立即开展拉网式排查"],
    },
]

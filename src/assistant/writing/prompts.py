"""Prompt templates (prompts/*.md) and the messages built from them.

The system message holds only the rules (system.md). Everything about this meeting goes into
the user message: the brief as a labelled block, and each reference inside its own
<参考资料 编号=… 来源=…>…</参考资料> block whose text cannot close the block.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from assistant.brief import Brief
from assistant.kinds import MeetingKind, RoleSpec
from assistant.models import ROLE_LABELS

#: Each required template and exactly the variables it must use.
REQUIRED_VARIABLES: dict[str, frozenset[str]] = {
    "system": frozenset(),
    "outline": frozenset(
        {"kind_name", "emphasis", "tone", "length", "brief", "structure", "references"}
    ),
    "section": frozenset(
        {
            "part_label",
            "kind_name",
            "emphasis",
            "tone",
            "outline",
            "written",
            "role_label",
            "heading",
            "must_contain",
            "markers",
            "target_chars",
            "layout",
            "facts",
            "references",
        }
    ),
    "revise": frozenset(
        {"kind_name", "tone", "instruction", "brief", "draft", "part", "references"}
    ),
    "polish": frozenset({"kind_name", "tone", "brief", "draft"}),
}

#: The message builders `build_messages` dispatches to.
TASKS: tuple[str, ...] = ("outline", "section", "revise", "polish")

PRESETS_FILE = "revise_presets.yaml"
REFERENCE_TAG = "参考资料"
NO_REFERENCES = "（本次没有检索到参考资料，请按标准结构和本类约谈的写法撰写。）"
NOT_PROVIDED = "（未提供。不得编造，需要时用概括性表述）"
DEFAULT_REFERENCE_CHARS = 1200
DEFAULT_WRITTEN_CHARS = 3000

# Block tags used in the templates; user text must not be able to open or close them.
_BLOCK_TAGS = (REFERENCE_TAG, "约谈要素", "讲话提纲", "前文", "讲话全文", "待改写部分", "讲话稿")
_TAG_RE = re.compile(r"<(\s*/?\s*(?:" + "|".join(_BLOCK_TAGS) + r"))")

#: Which brief fields each part of the speech is given.
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    "opening": ("meeting", "speaker", "targets", "issues", "facts"),
    "harm": ("meeting", "targets", "issues", "facts"),
    "causes": ("meeting", "targets", "issues", "facts"),
    "decisions": ("meeting", "targets", "issues", "decisions"),
    "rectification": ("meeting", "targets", "issues", "facts", "requirements"),
    "closing": ("meeting", "speaker", "targets", "requirements"),
}
ALL_BRIEF_FIELDS: tuple[str, ...] = (
    "meeting",
    "speaker",
    "title",
    "targets",
    "issues",
    "facts",
    "decisions",
    "requirements",
)

_BRIEF_LABELS: dict[str, str] = {
    "meeting": "会议",
    "speaker": "讲话人",
    "title": "标题",
    "targets": "约谈对象",
    "issues": "存在问题",
    "facts": "有关事实和数据",
    "decisions": "约谈决定",
    "requirements": "整改要求",
}

MARKER_RULES: dict[str, str] = {
    "一是": "段首用“一是……二是……三是……”分层，本部分不用“（一）”",
    "一要": "段首用“一要……二要……三要……”分层，本部分不用“（一）”",
    "（一）": "用“（一）”“（二）”“（三）”分层，每层先用一句话点明要点再展开；如需再分层，用“1.”“2.”",
    "": "不分层次序号，写成连贯的自然段",
}

#: What each part is for, as told to the model.
ROLE_PURPOSES: dict[str, str] = {
    "opening": "开场白——说明为什么开会、约谈谁、依据谁的研究决定，引出正文",
    "harm": "正视问题、认清危害——用事实和数据摆出问题，讲清问题的严重性和危害",
    "causes": "查找原因、剖析根源——客观原因简要带过，重点剖析主观原因和责任",
    "decisions": "宣布约谈意见和处理决定——逐项宣布决定，要求被约谈单位端正态度",
    "rectification": "整改落实——提出具体整改要求、责任和完成时限",
    "closing": "结束语——简短有力地提出希望和要求",
    "other": "围绕本部分标题展开论述，与提纲和前文保持一致",
}

_CN_DIGITS = "零一二三四五六七八九"


class PromptError(ValueError):
    """A template is missing, malformed, or rendered with missing/unexpected values."""

    def __init__(self, message: str, template: str = "", variable: str = ""):
        super().__init__(message)
        self.template = template
        self.variable = variable


# ---------------------------------------------------------------- templates


class PromptTemplate:
    """A prompt file with str.format-style `{variable}` placeholders (literal braces doubled)."""

    def __init__(self, name: str, text: str, path: Path | None = None):
        self.name = name
        self.text = text
        self.path = path
        self.variables: frozenset[str] = self._parse()

    @property
    def label(self) -> str:
        """How error messages name this template (file name when loaded from a file)."""
        return self.path.name if self.path else self.name

    @classmethod
    def from_file(cls, path: Path | str, name: str | None = None) -> PromptTemplate:
        """Load a template from a UTF-8 file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as e:
            raise PromptError(f"无法读取提示词模板 {p}：{e.strerror or e}", template=p.name) from None
        return cls(name or p.stem, text, p)

    def _parse(self) -> frozenset[str]:
        names: set[str] = set()
        try:
            parsed = list(string.Formatter().parse(self.text))
        except ValueError as e:
            raise PromptError(
                f"提示词模板 {self.label} 中的花括号不成对（{e}）；如需输出花括号本身，请写成 {{{{ 或 }}}}",
                template=self.label,
            ) from None
        for _, field, spec, conv in parsed:
            if field is None:
                continue
            if not field.isidentifier() or spec or conv:
                shown = "{" + field + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
                raise PromptError(
                    f"提示词模板 {self.label} 中的占位符 {shown} 无效：只能使用 {{变量名}} 形式；"
                    "如需输出花括号本身，请写成 {{ 或 }}",
                    template=self.label,
                    variable=field,
                )
            names.add(field)
        return frozenset(names)

    def render(self, **values: Any) -> str:
        """Fill every placeholder; a missing or unexpected variable → PromptError naming it."""
        missing = sorted(self.variables - values.keys())
        if missing:
            raise PromptError(
                f"提示词模板 {self.label} 缺少变量 {{{missing[0]}}} 的值"
                + (f"（另缺：{'、'.join(missing[1:])}）" if len(missing) > 1 else ""),
                template=self.label,
                variable=missing[0],
            )
        extra = sorted(values.keys() - self.variables)
        if extra:
            raise PromptError(
                f"提示词模板 {self.label} 没有使用变量 {{{extra[0]}}}，不能为它传值"
                f"（模板使用的变量：{'、'.join(sorted(self.variables)) or '无'}）",
                template=self.label,
                variable=extra[0],
            )
        return self.text.format(**{k: str(v) for k, v in values.items()})

    def __repr__(self) -> str:
        return f"PromptTemplate({self.label!r}, variables={sorted(self.variables)})"


def load_prompts(prompts_dir: Path | str) -> dict[str, PromptTemplate]:
    """Load every required template from a directory, checking each uses exactly its variables."""
    d = Path(prompts_dir)
    out: dict[str, PromptTemplate] = {}
    for name, expected in REQUIRED_VARIABLES.items():
        path = d / f"{name}.md"
        if not path.is_file():
            raise PromptError(f"缺少提示词模板文件 {path}", template=f"{name}.md")
        tpl = PromptTemplate.from_file(path, name)
        missing = sorted(expected - tpl.variables)
        if missing:
            raise PromptError(
                f"提示词模板 {path} 缺少变量 {{{missing[0]}}}"
                + (f"（另缺：{'、'.join(missing[1:])}）" if len(missing) > 1 else "")
                + f"；该模板应使用的变量：{'、'.join(sorted(expected)) or '无'}",
                template=path.name,
                variable=missing[0],
            )
        unknown = sorted(tpl.variables - expected)
        if unknown:
            raise PromptError(
                f"提示词模板 {path} 含有未知变量 {{{unknown[0]}}}；该模板可用的变量："
                f"{'、'.join(sorted(expected)) or '无'}（如需输出花括号本身，请写成 {{{{ 或 }}}}）",
                template=path.name,
                variable=unknown[0],
            )
        out[name] = tpl
    return out


_CACHE: dict[tuple, dict[str, PromptTemplate]] = {}


def default_prompts(prompts_dir: Path | str | None = None) -> dict[str, PromptTemplate]:
    """Templates from the given dir or the settings' prompts dir (cached until files change)."""
    if prompts_dir is None:
        from assistant.config import get_settings

        prompts_dir = get_settings().prompts_dir
    d = Path(prompts_dir).resolve()
    stamps = []
    for name in REQUIRED_VARIABLES:
        f = d / f"{name}.md"
        st = f.stat() if f.is_file() else None
        stamps.append((name, st.st_mtime_ns if st else 0, st.st_size if st else -1))
    key = (str(d), tuple(stamps))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_prompts(d)
    return _CACHE[key]


def _join_cjk_lines(text: str) -> str:
    # YAML folding joins lines with a space; Chinese text must not get one.
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text).strip()


def load_revise_presets(prompts_dir: Path | str | None = None) -> dict[str, str]:
    """Revision presets (label → instruction) from prompts/revise_presets.yaml; {} if absent."""
    if prompts_dir is None:
        from assistant.config import get_settings

        prompts_dir = get_settings().prompts_dir
    path = Path(prompts_dir) / PRESETS_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise PromptError(f"修改预设文件 {path} 不是有效的 YAML：{e}", template=PRESETS_FILE) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PromptError(f"修改预设文件 {path} 应为“名称: 修改要求”的映射", template=PRESETS_FILE)
    out: dict[str, str] = {}
    for k, v in data.items():
        if not isinstance(v, str) or not v.strip():
            raise PromptError(f"修改预设文件 {path} 中“{k}”的修改要求应为非空文字", template=PRESETS_FILE)
        out[str(k).strip()] = _join_cjk_lines(v)
    return out


def resolve_instruction(instruction: str, presets: Mapping[str, str] | None = None) -> str:
    """A preset label becomes its instruction text; anything else is used as written."""
    text = (instruction or "").strip()
    if not text:
        raise PromptError("修改要求不能为空", template="revise.md", variable="instruction")
    if presets and text in presets:
        return presets[text]
    return text


# ---------------------------------------------------------------- formatting helpers


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (1–99)."""
    if n < 1 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def heading_line(number: int, heading: str) -> str:
    """The first line of a top-level section: "一、heading"."""
    return f"{cn_number(number)}、{heading.strip()}"


def neutralize_tags(text: str) -> str:
    """Turn '<参考资料', '</约谈要素' … in user-supplied text into full-width '＜…' so blocks stay closed."""
    return _TAG_RE.sub(r"＜\1", str(text))


def _escape_reference(text: str) -> str:
    return str(text).replace("<", "＜").replace(">", "＞")


def _escape_attr(text: str) -> str:
    return _escape_reference(text).replace('"', "”").replace("\n", " ").strip()


def _items(values: Sequence[str]) -> str:
    if not values:
        return NOT_PROVIDED
    return "\n".join(f"（{i}）{neutralize_tags(v)}" for i, v in enumerate(values, 1))


def format_brief(
    brief: Brief,
    kind: MeetingKind | None = None,
    fields: Iterable[str] | None = None,
    with_meta: bool = True,
) -> str:
    """The brief as a labelled Chinese block inside <约谈要素>…</约谈要素>."""
    kind = kind or brief.meeting_kind()
    chosen = tuple(fields) if fields is not None else ALL_BRIEF_FIELDS
    lines = ["<约谈要素>"]
    if with_meta:
        lines.append(f"会议类型：{kind.name}")
    for name in ALL_BRIEF_FIELDS:
        if name not in chosen:
            continue
        label = _BRIEF_LABELS[name]
        value = getattr(brief, name)
        if isinstance(value, list):
            lines.append(f"{label}：")
            lines.append(_items(value))
        elif name == "title":
            lines.append(f"{label}：{neutralize_tags(value) if value else '（未提供，由你拟定）'}")
        else:
            lines.append(f"{label}：{neutralize_tags(value) if value else NOT_PROVIDED}")
    if with_meta:
        lines.append(f"语气：{neutralize_tags(brief.effective_tone(kind))}")
        lines.append(f"篇幅：约 {brief.length} 字")
    lines.append("</约谈要素>")
    return "\n".join(lines)


def _get(ref: Any, name: str) -> str:
    value = ref.get(name, "") if isinstance(ref, Mapping) else getattr(ref, name, "")
    return "" if value is None else str(value)


def reference_source(ref: Any) -> str:
    """'《title》 正视问题部分' for a reference (its section heading when the role is unknown)."""
    title = _get(ref, "title").strip()
    role = _get(ref, "role")
    section = _get(ref, "section").strip()
    if role in ROLE_LABELS and role != "other":
        part = f"{ROLE_LABELS[role]}部分"
    elif section:
        part = f"“{section}”部分"
    else:
        part = ""
    src = f"《{title}》" if title else "范文"
    return f"{src} {part}".strip()


def format_references(refs: Iterable[Any], max_chars: int = DEFAULT_REFERENCE_CHARS) -> str:
    """Each reference inside <参考资料 编号="n" 来源="《…》 …部分">…</参考资料>, text escaped."""
    blocks = []
    for i, ref in enumerate(refs, 1):
        text = _get(ref, "text").strip()
        if max_chars and len(text) > max_chars:
            text = text[:max_chars] + "……"
        blocks.append(
            f'<{REFERENCE_TAG} 编号="{i}" 来源="{_escape_attr(reference_source(ref))}">\n'
            f"{_escape_reference(text)}\n"
            f"</{REFERENCE_TAG}>"
        )
    return "\n".join(blocks) if blocks else NO_REFERENCES


def format_structure(kind: MeetingKind, length: int, topic: str | None = None) -> str:
    """The kind's parts as numbered lines: heading pattern, must-contain, markers, target length."""
    lines = []
    number = 0
    for spec, chars in zip(kind.roles, kind.part_lengths(length), strict=True):
        must = "；".join(spec.must_contain)
        share = f"约占 {spec.share:.0%}，约 {chars} 字"
        if spec.is_body:
            number += 1
            lines.append(
                f"{cn_number(number)}、{spec.heading_for(topic or kind.topic)}"
                f"（{spec.label}部分，{share}）：必须包含：{must}。层次序号：{MARKER_RULES[spec.markers]}。"
            )
        else:
            name = "开场白" if spec.role == "opening" else "结束语"
            lines.append(f"{name}（{share}，不写标题）：必须包含：{must}。")
    return "\n".join(lines)


def bound_text(text: str, max_chars: int = DEFAULT_WRITTEN_CHARS) -> str:
    """The last `max_chars` characters of a text, cut at a line start, with a note when cut."""
    text = (text or "").strip()
    if len(text) <= max_chars:
        return text
    tail = text[-max_chars:]
    nl = tail.find("\n")
    if 0 <= nl < max_chars // 2:
        tail = tail[nl + 1 :]
    return "……（前文较长，此处只保留末尾部分）\n" + tail


# ---------------------------------------------------------------- messages


def _messages(prompts: Mapping[str, PromptTemplate], user: str) -> list[dict]:
    return [
        {"role": "system", "content": prompts["system"].render()},
        {"role": "user", "content": user},
    ]


def _context(
    brief: Brief,
    meeting_kind: MeetingKind | None,
    prompts: Mapping[str, PromptTemplate] | None,
) -> tuple[MeetingKind, Mapping[str, PromptTemplate]]:
    return meeting_kind or brief.meeting_kind(), prompts or default_prompts()


def outline_messages(
    brief: Brief,
    *,
    references: Iterable[Any] = (),
    meeting_kind: MeetingKind | None = None,
    prompts: Mapping[str, PromptTemplate] | None = None,
    topic: str | None = None,
) -> list[dict]:
    """Messages asking for an outline: title, 同志们：, opening gist, 一、二、… with points, closing gist."""
    kind, prompts = _context(brief, meeting_kind, prompts)
    user = prompts["outline"].render(
        kind_name=kind.name,
        emphasis=kind.emphasis or "按标准结构撰写",
        tone=neutralize_tags(brief.effective_tone(kind)),
        length=brief.length,
        brief=format_brief(brief, kind),
        structure=format_structure(kind, brief.length, topic),
        references=format_references(references),
    )
    return _messages(prompts, user)


def section_messages(
    brief: Brief,
    *,
    role: str,
    outline: str,
    written: str = "",
    references: Iterable[Any] = (),
    heading: str | None = None,
    number: int | None = None,
    target_chars: int | None = None,
    must_contain: Sequence[str] | None = None,
    markers: str | None = None,
    meeting_kind: MeetingKind | None = None,
    prompts: Mapping[str, PromptTemplate] | None = None,
    topic: str | None = None,
    max_written_chars: int = DEFAULT_WRITTEN_CHARS,
) -> list[dict]:
    """Messages asking for ONE part (opening, a numbered section, or closing) of the speech.

    `heading`/`number` override the kind's heading pattern and position (e.g. from the
    outline); `role` "other" is allowed for extra sections and then needs a heading.
    The opening part is written without the title and 同志们： (those come from the outline).
    """
    kind, prompts = _context(brief, meeting_kind, prompts)
    spec: RoleSpec | None = kind.role_spec(role)
    if spec is None and role != "other":
        valid = "、".join([*(r.role for r in kind.roles), "other"])
        raise PromptError(f"未知的讲话部分 {role}，可用：{valid}", template="section.md", variable="role")
    is_body = role not in ("opening", "closing")
    role_label = ROLE_LABELS.get(role, role)
    musts = list(must_contain) if must_contain is not None else (
        list(spec.must_contain) if spec else ["围绕本部分标题展开，与提纲和前文保持一致"]
    )
    mark = markers if markers is not None else (spec.markers if spec else "一是")
    if mark not in MARKER_RULES:
        raise PromptError(
            f"层次序号 {mark} 无效，可用：一是、一要、（一）", template="section.md", variable="markers"
        )
    chars = target_chars or (
        kind.target_chars(role, brief.length) if spec else max(200, round(brief.length * 0.15))
    )

    if is_body:
        if number is None:
            body_roles = [r.role for r in kind.body_roles]
            number = body_roles.index(role) + 1 if role in body_roles else len(body_roles) + 1
        text = (heading or (spec.heading_for(topic or kind.topic) if spec else "")).strip()
        if not text:
            raise PromptError("“other”部分需要给出标题", template="section.md", variable="heading")
        text = re.sub(r"^[一二三四五六七八九十]+、", "", text)
        heading_line = f"{cn_number(number)}、{neutralize_tags(text)}（提纲中对应的一级标题已确定的，以提纲为准）"
        part_label = f"第{cn_number(number)}部分（{role_label}）"
        layout = f"第一行单独写一级标题“{cn_number(number)}、……”，末尾不加句号；从第二行起写正文，每段一行"
    elif role == "opening":
        heading_line = "开场白不写标题"
        part_label = "开场白"
        layout = "不写标题，也不写“同志们：”，直接写开场白，一至三个自然段，最后以“下面，我讲几点意见。”之类的话结束"
    else:
        heading_line = "结束语不写标题"
        part_label = "结束语"
        layout = "不写标题，以“同志们，”开头，一至两个自然段，简短有力"

    fields = ROLE_FIELDS.get(role, ALL_BRIEF_FIELDS)
    user = prompts["section"].render(
        part_label=part_label,
        kind_name=kind.name,
        emphasis=kind.emphasis or "按标准结构撰写",
        tone=neutralize_tags(brief.effective_tone(kind)),
        outline=neutralize_tags(outline.strip()) or "（无提纲，请按标准结构撰写）",
        written=neutralize_tags(bound_text(written, max_written_chars)) or "（尚无，本部分是第一部分）",
        role_label=ROLE_PURPOSES.get(role, ROLE_PURPOSES["other"]),
        heading=heading_line,
        must_contain="\n".join(f"（{i}）{m}" for i, m in enumerate(musts, 1)),
        markers=MARKER_RULES[mark],
        target_chars=chars,
        layout=layout,
        facts=format_brief(brief, kind, fields=fields, with_meta=False),
        references=format_references(references),
    )
    return _messages(prompts, user)


def revise_messages(
    brief: Brief,
    *,
    draft: str,
    part: str,
    instruction: str,
    references: Iterable[Any] = (),
    meeting_kind: MeetingKind | None = None,
    prompts: Mapping[str, PromptTemplate] | None = None,
    presets: Mapping[str, str] | None = None,
) -> list[dict]:
    """Messages asking to rewrite one part of a draft by an instruction (or a preset label)."""
    kind, prompts = _context(brief, meeting_kind, prompts)
    if presets is None:
        presets = load_revise_presets()
    if not (part or "").strip():
        raise PromptError("待改写部分不能为空", template="revise.md", variable="part")
    user = prompts["revise"].render(
        kind_name=kind.name,
        tone=neutralize_tags(brief.effective_tone(kind)),
        instruction=neutralize_tags(resolve_instruction(instruction, presets)),
        brief=format_brief(brief, kind),
        draft=neutralize_tags((draft or part).strip()),
        part=neutralize_tags(part.strip()),
        references=format_references(references),
    )
    return _messages(prompts, user)


def polish_messages(
    brief: Brief,
    *,
    draft: str,
    meeting_kind: MeetingKind | None = None,
    prompts: Mapping[str, PromptTemplate] | None = None,
) -> list[dict]:
    """Messages asking to polish a whole draft, keeping every fact and the structure."""
    kind, prompts = _context(brief, meeting_kind, prompts)
    if not (draft or "").strip():
        raise PromptError("讲话稿不能为空", template="polish.md", variable="draft")
    user = prompts["polish"].render(
        kind_name=kind.name,
        tone=neutralize_tags(brief.effective_tone(kind)),
        brief=format_brief(brief, kind),
        draft=neutralize_tags(draft.strip()),
    )
    return _messages(prompts, user)


def build_messages(kind: str, brief: Brief, **kwargs: Any) -> list[dict]:
    """Messages for a task: kind is 'outline', 'section', 'revise' or 'polish' (see the *_messages)."""
    builders = {
        "outline": outline_messages,
        "section": section_messages,
        "revise": revise_messages,
        "polish": polish_messages,
    }
    if kind not in builders:
        raise PromptError(f"未知的提示词任务 {kind}，可用：{'、'.join(TASKS)}", variable="kind")
    return builders[kind](brief, **kwargs)


def to_langchain(messages: Sequence[Mapping[str, str]]) -> list:
    """Convert role/content dicts to langchain SystemMessage/HumanMessage/AIMessage."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    types = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [types[m["role"]](content=m["content"]) for m in messages]


__all__ = [
    "PromptError",
    "PromptTemplate",
    "build_messages",
    "format_brief",
    "format_references",
    "load_prompts",
    "load_revise_presets",
    "outline_messages",
    "polish_messages",
    "revise_messages",
    "section_messages",
]

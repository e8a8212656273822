"""The brief: the facts of this meeting, filled in by the user (JSON/YAML or the UI form)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from assistant.domain.kinds import (
    GENERAL_KIND,
    KindError,
    MeetingKind,
    detect_kind,
    resolve_kind,
)
from assistant.domain.measures import find_measure
from assistant.support.errors import LoadError, UserError
from assistant.support.safe_parse import ParseProblem, parse_text
from assistant.support.safe_read import read_file
from assistant.support.validation import TYPE_NAMES, format_validation_errors

#: Speaking pace used to turn `minutes` into a length in characters.
CHARS_PER_MINUTE = 220
MIN_LENGTH = 500
MAX_LENGTH = 20000
#: A brief is a page of facts; anything larger is not a brief (and is refused before it is read).
MAX_BRIEF_BYTES = 1024 * 1024

#: Chinese labels of the brief's fields (error messages, forms, the prompt block).
FIELD_LABELS: dict[str, str] = {
    "kind": "会议类型",
    "meeting": "会议名称",
    "speaker": "讲话人",
    "targets": "约谈对象",
    "issues": "存在问题",
    "facts": "有关事实和数据",
    "decisions": "约谈决定",
    "requirements": "整改要求",
    "tone": "语气",
    "length": "篇幅字数",
    "minutes": "讲话时长，分钟",
    "title": "标题",
    "prefer_docs": "优先参考的范文",
    "exclude_docs": "不参考的范文",
    "measure": "问责层级",
    "meeting_time": "约谈时间",
    "place": "约谈地点",
    "chair": "主持人",
    "attendees": "参加人员",
    "materials": "需携带材料",
}

_LIST_FIELDS = ("targets", "issues", "facts", "decisions", "requirements", "prefer_docs", "exclude_docs",
                "attendees", "materials")


class BriefError(UserError, ValueError):
    """A brief file or form could not be read; the message is Chinese and lists every problem."""

    def __init__(self, message: str, problems: list[str] | None = None, source: str = ""):
        super().__init__(message)
        self.problems = problems or []
        self.source = source


class Brief(BaseModel):
    """What this meeting is about: who is summoned, what went wrong, what was decided."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(
        default="", description="会议类型：类型标识（如 work_safety）或中文名称、别名；不填则自动识别"
    )
    meeting: str = Field(min_length=1, description="会议名称")
    speaker: str = Field(default="", description="讲话人，如 临江市人民政府副市长")
    targets: list[str] = Field(min_length=1, description="约谈对象")
    issues: list[str] = Field(min_length=1, description="存在问题")
    facts: list[str] = Field(default_factory=list, description="有关事实和数据")
    decisions: list[str] = Field(default_factory=list, description="约谈决定")
    requirements: list[str] = Field(default_factory=list, description="整改要求（含时限）")
    tone: str = Field(default="严肃", description="语气")
    length: int = Field(default=3000, ge=MIN_LENGTH, le=MAX_LENGTH, description="篇幅（字数）")
    minutes: float | None = Field(
        default=None,
        gt=0,
        exclude=True,
        description=f"讲话时长（分钟），按每分钟 {CHARS_PER_MINUTE} 字折算为篇幅，与 length 二选一",
    )
    title: str | None = Field(default=None, description="标题（不填则自动拟定）")
    measure: str = Field(
        default="", description="问责层级：提醒谈话、约谈、通报批评、诫勉谈话、问责（不填为约谈；见 data/measures.yaml）"
    )
    meeting_time: str = Field(default="", description="约谈时间，如 2026年7月15日上午9:00（通知、纪要用）")
    place: str = Field(default="", description="约谈地点（通知、纪要用）")
    chair: str = Field(default="", description="主持人（纪要用）")
    attendees: list[str] = Field(default_factory=list, description="参加人员要求（通知用），如 各单位主要负责人")
    materials: list[str] = Field(default_factory=list, description="需携带的材料（通知用）")
    prefer_docs: list[str] = Field(default_factory=list, description="优先参考的范文 doc_id")
    exclude_docs: list[str] = Field(default_factory=list, description="不参考的范文 doc_id")

    @model_validator(mode="before")
    @classmethod
    def _length_or_minutes(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("minutes") is not None and data.get("length") is not None:
            raise ValueError("length（篇幅字数）和 minutes（讲话时长）只能填写其中一个")
        return data

    @field_validator(*_LIST_FIELDS, mode="before")
    @classmethod
    def _as_list(cls, v: Any) -> Any:
        # A single string is one item; blank items are dropped.
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            return [x for x in v if not (isinstance(x, str) and not x.strip())]
        return v

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, v: str) -> str:
        return find_measure(v).name if v else ""

    @field_validator("title", mode="before")
    @classmethod
    def _blank_title(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("minutes")
    @classmethod
    def _minutes_range(cls, v: float | None) -> float | None:
        if v is not None:
            chars = round(v * CHARS_PER_MINUTE)
            if not MIN_LENGTH <= chars <= MAX_LENGTH:
                raise ValueError(
                    f"{v:g} 分钟约合 {chars} 字，篇幅应在 {MIN_LENGTH}–{MAX_LENGTH} 字之间"
                    f"（约 {MIN_LENGTH / CHARS_PER_MINUTE:.1f}–{MAX_LENGTH / CHARS_PER_MINUTE:.0f} 分钟）"
                )
        return v

    @model_validator(mode="after")
    def _check(self) -> Brief:
        if not self.decisions and not self.requirements:
            raise ValueError("decisions（约谈决定）和 requirements（整改要求）至少要填写一项")
        if self.minutes is not None:
            self.length = round(self.minutes * CHARS_PER_MINUTE)
        return self

    def all_facts(self) -> list[str]:
        """Every fact-bearing string of the brief (meeting, speaker, title and all list items)."""
        out = [self.meeting, self.speaker, self.title or ""]
        for name in ("targets", "issues", "facts", "decisions", "requirements"):
            out.extend(getattr(self, name))
        return [s for s in out if s]


@dataclass(frozen=True)
class KindChoice:
    """The meeting kind a brief is written for, and a notice when it was not given as a known kind."""

    kind: MeetingKind
    notice: str = ""


def choose_kind(brief: Brief, kinds: dict[str, MeetingKind]) -> KindChoice:
    """The brief's kind by id, name or alias; missing or unknown → detected from its meeting and issues."""
    given = brief.kind.strip()
    if given:
        with contextlib.suppress(KindError):
            return KindChoice(resolve_kind(given, kinds))
    text = "\n".join([brief.meeting, brief.title or "", *brief.issues, *brief.facts])
    found = detect_kind(text, kinds) or GENERAL_KIND
    kind = kinds.get(found) or next(iter(kinds.values()))
    if given:
        notice = f"“{given}”不是已有的约谈类型，已按会议名称和问题识别为“{kind.name}”。"
    else:
        notice = f"未填写约谈类型，已按会议名称和问题识别为“{kind.name}”。"
    return KindChoice(kind, notice)


def _allowed(_loc: tuple) -> list[str]:
    return [f"{n}（{FIELD_LABELS[n]}）" for n in FIELD_LABELS]


def labels_only(problem: str) -> str:
    """A problem as the page's form says it: fields by their Chinese labels, no field names."""
    for name, label in FIELD_LABELS.items():
        problem = problem.replace(f"{name}（{label}）", f"“{label}”")
    return problem.removeprefix("字段 ").replace("必填字段 ", "必填项")


def parse_brief(data: Any, source: str = "", *, form: bool = False) -> Brief:
    """Validate a mapping as a Brief; problems → BriefError with one Chinese line per problem.

    ``form``: the problems name fields by their labels only, as the page's form shows them
    (a brief file needs the field names, which are what its author typed).
    """
    where = f"约谈要素文件 {source} " if source else "约谈要素"
    if not isinstance(data, dict):
        msg = f"{where.strip()}的内容应为键值对象（JSON 对象或 YAML 映射），实际为{TYPE_NAMES.get(type(data).__name__, type(data).__name__)}"
        raise BriefError(msg, [msg], source)
    try:
        return Brief.model_validate(data)
    except ValidationError as e:
        problems = format_validation_errors(e, FIELD_LABELS, _allowed)
        if form:
            problems = [labels_only(p) for p in problems]
        message = f"{where}有 {len(problems)} 处问题：\n" + "\n".join(
            f"{i}. {p}" for i, p in enumerate(problems, 1)
        )
        raise BriefError(message, problems, source) from None


def _brief_too_large(name: str, size: int, max_bytes: int) -> LoadError:
    return LoadError(
        f"《{name}》文件过大（{size / 1048576:.1f} MB），约谈要素文件不能超过 {max_bytes / 1048576:g} MB。"
        "约谈要素只需填写会议名称、约谈对象、问题、决定和要求等，请删去无关内容。",
        name,
    )


def load_brief(path: Path | str) -> Brief:
    """Read a brief from .json, .yaml or .yml; any problem → BriefError naming the file."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        msg = f"约谈要素文件 {p} 的类型不受支持（{suffix or '无扩展名'}），请使用 .json、.yaml 或 .yml"
        raise BriefError(msg, [msg], str(p))
    try:
        raw = read_file(p, MAX_BRIEF_BYTES, too_large=_brief_too_large)
    except LoadError as e:
        reason = e.message.removeprefix(f"《{e.filename}》")
        msg = f"无法读取约谈要素文件 {p}：{reason}"
        raise BriefError(msg, [msg], str(p)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            msg = f"约谈要素文件 {p} 的编码无法识别，请保存为 UTF-8"
            raise BriefError(msg, [msg], str(p)) from None
    try:
        data = parse_text(text, "json" if suffix == ".json" else "yaml")
    except ParseProblem as e:
        msg = f"约谈要素文件 {p} {e}"
        raise BriefError(msg, [msg], str(p)) from None
    if data is None:
        msg = f"约谈要素文件 {p} 是空的"
        raise BriefError(msg, [msg], str(p))
    return parse_brief(data, str(p))

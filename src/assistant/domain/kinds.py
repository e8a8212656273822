"""Meeting kinds as data: one YAML file per kind under prompts/structures/."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.domain.models import BODY_ROLES, PART_ROLES, ROLE_LABELS
from assistant.domain.numbering import MARKER_STYLES
from assistant.support.errors import UserError
from assistant.support.filecache import FolderCache
from assistant.support.validation import format_validation_errors

#: The id of the fallback kind.
GENERAL_KIND = "general"
#: Heading placeholders a kind file may use.
HEADING_VARIABLES = frozenset({"topic"})
SHARE_TOLERANCE = 0.02

RoleName = Literal[PART_ROLES]  # type: ignore[valid-type]  # the order is written once, in models

KIND_FIELD_LABELS: dict[str, str] = {
    "id": "类型标识",
    "name": "类型名称",
    "aliases": "别名",
    "keywords": "识别关键词",
    "topic": "问题概称",
    "emphasis": "侧重点",
    "tone": "默认语气",
    "roles": "结构",
    "role": "部分角色",
    "heading": "标题样式",
    "must_contain": "必须包含的内容",
    "share": "篇幅占比",
    "markers": "层次序号",
}

class KindError(UserError, ValueError):
    """A meeting-kind file is invalid, or a kind name cannot be resolved."""


class RoleSpec(BaseModel):
    """One part of a speech of a given kind: its role, typical heading and what it must say."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: RoleName
    heading: str = ""
    must_contain: list[str] = Field(min_length=1)
    share: float = Field(gt=0, lt=1)
    markers: Literal[MARKER_STYLES] = ""  # type: ignore[valid-type]

    @field_validator("heading")
    @classmethod
    def _heading_placeholders(cls, v: str) -> str:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(v) if f is not None}
        except ValueError as e:
            raise ValueError(f"标题样式中的花括号不成对（{e}）") from None
        bad = names - HEADING_VARIABLES
        if bad:
            raise ValueError(
                f"标题样式只能使用占位符 {{topic}}，不能使用 {', '.join('{' + b + '}' for b in sorted(bad))}"
            )
        return v

    @property
    def label(self) -> str:
        """Chinese name of the role (正视问题, 整改落实 …)."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_body(self) -> bool:
        """True for the numbered top-level sections (not opening/closing)."""
        return self.role in BODY_ROLES

    def heading_for(self, topic: str) -> str:
        """The heading with {topic} filled in."""
        return self.heading.format(topic=topic) if self.heading else ""


class MeetingKind(BaseModel):
    """A meeting kind: names for detection plus the ordered parts of its speech."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    topic: str = "存在问题"
    emphasis: str = ""
    tone: str = "严肃"
    roles: list[RoleSpec] = Field(min_length=2)

    @field_validator("aliases", "keywords", mode="before")
    @classmethod
    def _numbers_as_text(cls, v: Any) -> Any:
        # YAML reads a bare keyword like 12345 as a number; keep it as text.
        if isinstance(v, list):
            return [str(x) if isinstance(x, int | float) and not isinstance(x, bool) else x for x in v]
        return v

    @model_validator(mode="after")
    def _check_roles(self) -> MeetingKind:
        names = [r.role for r in self.roles]
        if names[0] != "opening" or names.count("opening") != 1:
            raise ValueError("roles 第一项必须是 opening（开场），且只能有一个")
        if names[-1] != "closing" or names.count("closing") != 1:
            raise ValueError("roles 最后一项必须是 closing（结束语），且只能有一个")
        missing = [r for r in BODY_ROLES if r not in names]
        if missing:
            raise ValueError(
                "roles 缺少以下部分：" + "、".join(f"{r}（{ROLE_LABELS[r]}）" for r in missing)
            )
        order = [PART_ROLES.index(n) for n in names]
        if order != sorted(order):
            raise ValueError(
                "roles 顺序应为 opening → harm → causes → decisions → rectification → closing，"
                f"实际为 {' → '.join(names)}"
            )
        for r in self.roles:
            if r.is_body and not r.heading:
                raise ValueError(f"roles 中 {r.role}（{r.label}）缺少 heading（标题样式）")
            if r.is_body and not r.markers:
                raise ValueError(f"roles 中 {r.role}（{r.label}）缺少 markers（层次序号）")
        total = sum(r.share for r in self.roles)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"roles 各部分 share（篇幅占比）之和应为 1，实际为 {total:.3f}")
        return self

    @property
    def body_roles(self) -> list[RoleSpec]:
        """The numbered top-level sections, in order."""
        return [r for r in self.roles if r.is_body]

    @property
    def names(self) -> list[str]:
        """The Chinese name followed by the aliases."""
        return [self.name, *self.aliases]

    def role_spec(self, role: str) -> RoleSpec | None:
        """The first part with this role, or None."""
        return next((r for r in self.roles if r.role == role), None)

    def part_lengths(self, total: int) -> list[int]:
        """Target characters of each part (aligned with `roles`) for a speech of `total` chars."""
        s = sum(r.share for r in self.roles)
        return [max(60, round(total * r.share / s)) for r in self.roles]

    def target_chars(self, role: str, total: int) -> int:
        """Target characters for the first part with this role."""
        for spec, n in zip(self.roles, self.part_lengths(total), strict=True):
            if spec.role == role:
                return n
        return max(200, round(total * 0.15))

    def headings(self, topic: str | None = None) -> list[str]:
        """The typical top-level headings, with {topic} filled in."""
        return [r.heading_for(topic or self.topic) for r in self.body_roles]


# ---------------------------------------------------------------- loading


def _kind_allowed(loc: tuple) -> Sequence[str]:
    if loc and loc[0] == "roles":
        return list(RoleSpec.model_fields)
    return list(MeetingKind.model_fields)


def load_kind_file(path: Path | str) -> MeetingKind:
    """Load and validate one kind file; any problem → KindError naming the file and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise KindError(f"无法读取会议类型文件 {path}：{e}") from None
    except yaml.YAMLError as e:
        raise KindError(f"会议类型文件 {path} 不是有效的 YAML：{e}") from None
    if not isinstance(data, dict):
        raise KindError(f"会议类型文件 {path} 的内容应为键值映射（id、name、roles 等字段）")
    data.setdefault("id", path.stem)
    try:
        kind = MeetingKind.model_validate(data)
    except ValidationError as e:
        problems = format_validation_errors(e, KIND_FIELD_LABELS, _kind_allowed)
        raise KindError(
            f"会议类型文件 {path} 有误：\n" + "\n".join(f"  - {p}" for p in problems)
        ) from None
    if kind.id != path.stem:
        raise KindError(
            f"会议类型文件 {path} 有误：\n  - 字段 id（类型标识）应与文件名一致，"
            f"应为“{path.stem}”，实际为“{kind.id}”"
        )
    return kind


def load_kinds(structures_dir: Path | str) -> dict[str, MeetingKind]:
    """Load every `*.yaml`/`*.yml` kind file in a directory (general last), validating each."""
    d = Path(structures_dir)
    if not d.is_dir():
        raise KindError(f"会议类型目录不存在：{d}")
    files = sorted([*d.glob("*.yaml"), *d.glob("*.yml")], key=lambda p: (p.stem == GENERAL_KIND, p.name))
    if not files:
        raise KindError(f"会议类型目录 {d} 中没有任何 .yaml 文件")
    kinds: dict[str, MeetingKind] = {}
    seen_names: dict[str, str] = {}
    for f in files:
        kind = load_kind_file(f)
        if kind.id in kinds:
            raise KindError(f"会议类型文件 {f} 有误：类型标识“{kind.id}”与其他文件重复")
        for n in kind.names:
            other = seen_names.get(n)
            if other and other != kind.id:
                raise KindError(
                    f"会议类型文件 {f} 有误：名称或别名“{n}”已被类型 {other} 使用"
                )
            seen_names[n] = kind.id
        kinds[kind.id] = kind
    return kinds


def _kind_files(d: Path) -> list[Path]:
    return [*d.glob("*.yaml"), *d.glob("*.yml")] if d.is_dir() else []


_KINDS = FolderCache(load_kinds, _kind_files)


def default_kinds(structures_dir: Path | str) -> dict[str, MeetingKind]:
    """Kinds from a structures directory (cached until a file there changes)."""
    return _KINDS.get(structures_dir)


def kind_choices(kinds: dict[str, MeetingKind]) -> str:
    """Valid kinds as Chinese text: 'work_safety（安全生产约谈）、…'."""
    return "、".join(f"{k.id}（{k.name}）" for k in kinds.values())


def _compact(s: str) -> str:
    s = "".join(s.split()).lower()
    for suffix in ("约谈会", "谈话会", "约谈", "谈话", "会议"):
        if s.endswith(suffix) and len(s) > len(suffix):
            return s[: -len(suffix)]
    return s


def resolve_kind(name_or_id: str, kinds: dict[str, MeetingKind]) -> MeetingKind:
    """Find a kind by id, Chinese name or alias; unknown → KindError listing valid kinds."""
    q = str(name_or_id or "").strip()
    if not q:
        raise KindError("未填写会议类型，可用类型：" + kind_choices(kinds))
    if q in kinds:
        return kinds[q]
    low = q.lower()
    for k in kinds.values():
        if k.id.lower() == low or q in k.names:
            return k
    cq = _compact(q)
    found = [k for k in kinds.values() if any(_compact(n) == cq for n in k.names)]
    if not found:
        # "食品安全" for "食品安全/市场监管约谈": compare against the '/'-separated parts of names.
        found = [
            k
            for k in kinds.values()
            if any(_compact(p) == cq for n in k.names for p in n.split("/"))
        ]
    if len(found) == 1:
        return found[0]
    raise KindError(f"未知的会议类型“{q}”，可用类型：" + kind_choices(kinds))


def kinds_for_reading(structures_dir: Path | str | None) -> Mapping[str, MeetingKind]:
    """The kinds to recognise an uploaded speech by; none when the folder is missing or a kind file is broken.

    A speech must be readable all the same: only drafting refuses a broken kind file.
    """
    try:
        return default_kinds(structures_dir) if structures_dir is not None and Path(structures_dir).is_dir() else {}
    except KindError:
        return {}


def detect_kind(text: str, kinds: Mapping[str, MeetingKind]) -> str:
    """Id of the kind whose names and keywords best match a text ("" when none matches well)."""
    best, best_score = "", 0.0
    for kind in kinds.values():
        score = sum(3 for n in kind.names if n in text) + sum(text.count(k) for k in kind.keywords)
        if score > best_score:
            best, best_score = kind.id, score
    return best if best_score >= 2 else ""

"""Prompt files (prompts/*.md, parts.yaml, revise_presets.yaml): loaded, validated, cached.

A template uses exactly the variables listed in REQUIRED_VARIABLES; a missing or unknown one is
an error when the file is loaded, not when a draft is half written.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.domain.models import PART_ROLES
from assistant.domain.numbering import MARKER_STYLES
from assistant.support.errors import UserError
from assistant.support.filecache import FolderCache
from assistant.support.safe_read import os_error_message

#: Each required template and exactly the variables it must use.
REQUIRED_VARIABLES: dict[str, frozenset[str]] = {
    "system": frozenset(),
    "outline": frozenset(
        {"kind_name", "emphasis", "tone", "measure", "length", "brief", "structure", "references"}
    ),
    "section": frozenset(
        {
            "part_label",
            "kind_name",
            "emphasis",
            "tone",
            "measure",
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
        {"kind_name", "tone", "measure", "instruction", "brief", "draft", "part", "references"}
    ),
    "polish": frozenset({"kind_name", "tone", "measure", "brief", "draft"}),
}

PRESETS_FILE = "revise_presets.yaml"
PARTS_FILE = "parts.yaml"

#: Each group of parts.yaml: the keys it must have and the placeholders its texts may use.
PART_GROUPS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "purposes": ((*PART_ROLES, "other"), frozenset()),
    "markers": (tuple(m or "none" for m in MARKER_STYLES), frozenset()),
    "labels": (("section", "opening", "closing"), frozenset({"number", "role"})),
    "headings": (("section", "opening", "closing"), frozenset({"number", "heading"})),
    "layouts": (("section", "opening", "closing"), frozenset({"number"})),
    "texts": (
        ("no_references", "not_provided", "title_not_provided", "no_outline", "nothing_written", "written_cut"),
        frozenset(),
    ),
    "requests": (
        ("outline_again", "expand", "condense", "fix_part"),
        frozenset({"problems", "count", "last", "current", "wanted"}),
    ),
    "measure": (
        ("level", "beyond", "top", "left_out", "announce", "announce_blank"),
        frozenset({"name", "tone", "must", "beyond", "decision", "blank", "parts"}),
    ),
}


class PromptError(UserError, ValueError):
    """A template is missing, malformed, or rendered with missing/unexpected values."""

    def __init__(self, message: str, template: str = "", variable: str = ""):
        super().__init__(message)
        self.template = template
        self.variable = variable



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
            raise PromptError(f"无法读取提示词模板 {p}：{os_error_message(e)}", template=p.name) from None
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


def _join_cjk_lines(text: str) -> str:
    # YAML folding joins lines with a space; Chinese text must not get one.
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text).strip()


def load_revise_presets(prompts_dir: Path | str) -> dict[str, str]:
    """Revision presets (label → instruction) from prompts/revise_presets.yaml; {} if absent."""
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


def load_parts(prompts_dir: Path | str) -> dict[str, dict[str, PromptTemplate]]:
    """parts.yaml as templates by group and key; a missing group, key or bad placeholder → PromptError."""
    path = Path(prompts_dir) / PARTS_FILE
    if not path.is_file():
        raise PromptError(f"缺少提示词文件 {path}", template=PARTS_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as e:
        raise PromptError(f"提示词文件 {path} 不是有效的 YAML：{e}", template=PARTS_FILE) from None
    out: dict[str, dict[str, PromptTemplate]] = {}
    for group, (keys, allowed) in PART_GROUPS.items():
        items = data.get(group)
        if not isinstance(items, dict):
            raise PromptError(f"提示词文件 {path} 缺少“{group}”一节", template=PARTS_FILE, variable=group)
        out[group] = {}
        for key in keys:
            text = items.get(key)
            if not isinstance(text, str) or not text.strip():
                raise PromptError(
                    f"提示词文件 {path} 的“{group}”一节缺少“{key}”的文字", template=PARTS_FILE, variable=key
                )
            tpl = PromptTemplate(f"{PARTS_FILE} {group}.{key}", text.strip())
            unknown = sorted(tpl.variables - allowed)
            if unknown:
                raise PromptError(
                    f"提示词文件 {path} 中“{group}.{key}”含有未知变量 {{{unknown[0]}}}；可用的变量："
                    f"{'、'.join(sorted(allowed)) or '无'}",
                    template=PARTS_FILE,
                    variable=unknown[0],
                )
            out[group][key] = tpl
    return out


@dataclass(frozen=True)
class PromptSet:
    """Everything prompt-like from one prompts folder: templates, part texts, revision presets."""

    templates: Mapping[str, PromptTemplate]
    parts: Mapping[str, Mapping[str, PromptTemplate]]
    presets: Mapping[str, str]

    def __getitem__(self, name: str) -> PromptTemplate:
        """A template by name (system, outline, section, revise, polish)."""
        return self.templates[name]

    def part(self, group: str, key: str, **values: Any) -> str:
        """A text of parts.yaml, with only the placeholders it uses filled in."""
        tpl = self.parts[group][key]
        return tpl.render(**{k: v for k, v in values.items() if k in tpl.variables})


def load_prompt_set(prompts_dir: Path | str) -> PromptSet:
    """Load and validate every prompt file of a folder."""
    return PromptSet(load_prompts(prompts_dir), load_parts(prompts_dir), load_revise_presets(prompts_dir))


def _prompt_files(d: Path) -> list[Path]:
    return [d / f"{n}.md" for n in REQUIRED_VARIABLES] + [d / PARTS_FILE, d / PRESETS_FILE]


_PROMPTS = FolderCache(load_prompt_set, _prompt_files)


def default_prompts(prompts_dir: Path | str) -> PromptSet:
    """The prompt set of a folder (cached until one of its files changes)."""
    return _PROMPTS.get(prompts_dir)

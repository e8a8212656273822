"""Fitting an offline draft to its target length: shares per part, top-up, then trimming."""

from __future__ import annotations

from typing import Protocol

from assistant.domain.models import count_chars
from assistant.writing.offline.layout import SALUTATION, Part, total

#: The draft is topped up while shorter than this fraction of the target length.
TOP_UP_BELOW = 0.97
#: Rounds of top-up: a part with material left takes its share of the deficit each round, so
#: when the others have run out it needs several rounds to cover theirs.
TOP_UP_ROUNDS = 40
#: ... and trimmed while longer than this fraction.
TRIM_ABOVE = 1.05
#: A draft further than this from its target length says so (a warning the clerk reads).
TOLERANCE = 0.15


class Filler(Protocol):
    """What balancing needs of the composer: grow a part toward a target, or trim its newest connective."""

    def fill(self, part: Part, target: int, tier: int = 1) -> bool: ...

    def trim(self, part: Part) -> bool: ...


def balance(composer: Filler, title: str, parts: list[Part], total_target: int) -> None:
    """Distribute the target over the parts by share, fill, then top up or trim the whole."""
    fixed = count_chars(title) + count_chars(SALUTATION)
    shares = [p.spec.share for p in parts]
    s = sum(shares) or 1.0
    targets = [max(0.0, (total_target - fixed) * sh / s) for sh in shares]
    cores = [p.length() for p in parts]
    # Parts whose facts exceed their share keep them; the others give up the difference.
    over = sum(max(0.0, c - t) for c, t in zip(cores, targets, strict=True))
    slack = [max(0.0, t - c) for c, t in zip(cores, targets, strict=True)]
    room = sum(slack)
    for i, (c, t) in enumerate(zip(cores, targets, strict=True)):
        if c >= t:
            targets[i] = float(c)
        elif room > 0:
            targets[i] = max(float(c), t - over * slack[i] / room)
    for p, t in zip(parts, targets, strict=True):
        p.target = round(t)
        composer.fill(p, p.target)

    # Top up: parts that ran out of material leave a deficit the others may cover; material
    # from other kinds of meetings (tier 2) only when nothing else is left.
    for tier in (1, 2):
        for _ in range(TOP_UP_ROUNDS):
            deficit = total_target - total(title, parts)
            if deficit <= total_target * (1 - TOP_UP_BELOW):
                break
            grew = False
            for p in parts:
                p.target = p.length() + round(deficit * p.spec.share / s) + 1
                grew = composer.fill(p, p.target, tier) or grew
            if not grew:
                break

    # Trim: newest connectives first, from the part furthest above its target.
    while total(title, parts) > total_target * TRIM_ABOVE:
        candidates = [p for p in parts if p.history]
        if not candidates:
            break
        worst = max(candidates, key=lambda p: (p.length() - p.target, -parts.index(p)))
        composer.trim(worst)


def length_notice(reached: int, wanted: int, has_library: bool) -> str:
    """A Chinese warning when the draft is off its target length by more than TOLERANCE, else ""."""
    if not wanted or abs(reached - wanted) <= wanted * TOLERANCE:
        return ""
    share = round(100 * reached / wanted)
    if reached > wanted:
        return (
            f"篇幅超出要求：要求约 {wanted} 字，离线组稿写出约 {reached} 字（{share}%）。"
            "约谈要素中的问题、事实、决定和整改要求全部保留，仅这些内容已超过所要求的篇幅；"
            "如需压缩，请精简约谈要素或调高篇幅后重新生成。"
        )
    where = (
        "范文库中与本次约谈主题相符的通用表述和内置通用表述已全部用完"
        if has_library
        else "范文库不可用，内置通用表述已全部用完"
    )
    return (
        f"篇幅未达要求：要求约 {wanted} 字，离线组稿只写出约 {reached} 字（{share}%）。"
        f"离线组稿只使用约谈要素中的事实和不涉及其他会议主题的通用表述，{where}，"
        "没有用重复或离题的句子凑字数。如需达到篇幅，请配置大模型后重新生成"
        "（设置 OPENAI_API_KEY，或在“设置”页填写），或在约谈要素中补充问题、事实和整改要求。"
    )

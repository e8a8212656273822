"""Fitting an offline draft to its target length: shares per part, top-up, then trimming."""

from __future__ import annotations

from typing import Protocol

from assistant.domain.models import count_chars
from assistant.writing.offline.layout import SALUTATION, Part, total

#: The draft is topped up while shorter than this fraction of the target length.
TOP_UP_BELOW = 0.97
#: ... and trimmed while longer than this fraction.
TRIM_ABOVE = 1.05


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
        for _ in range(6):
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

"""Outputs without retyping: the places a board card or group can be promoted to.

The core does not know the apps above it. `systemmap` and `actionplans` register their targets here from their
`AppConfig.ready()` (a finding, a vision statement, a priority, a plan item); the board's promote operation looks
them up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Promoted:
    """What a target made: its id, a label to show on the board, and where to find it."""

    id: int
    label: str
    url: str


@dataclass(frozen=True)
class Source:
    """What is being promoted, with the text it carries, and where it came from."""

    board: Any
    title: str
    detail: str  # a group's cards, one per line; empty for a single card
    card: Any | None
    group: Any | None


@dataclass(frozen=True)
class PromotionTarget:
    name: str  # "priority", "finding"…
    label: str  # "Priority", shown in the board's promote menu
    # Creates the output for `actor` (a User) from `source`, inside the promote service's transaction. It checks
    # the actor's rights through the access policy and raises a DomainError when it cannot.
    create: Callable[..., Promoted]


_targets: dict[str, PromotionTarget] = {}


def register_target(target: PromotionTarget) -> None:
    _targets[target.name] = target


def target_named(name: str) -> PromotionTarget | None:
    return _targets.get(name)


def available_targets() -> list[PromotionTarget]:
    return sorted(_targets.values(), key=lambda t: t.label)

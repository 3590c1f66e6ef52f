"""Test data for the action plan, built through the services so every row is one the product could have made.
Ashford's (ours) plan is edited by the world's facilitator; Brindle's (theirs) by the outsider, who facilitates there.
"""

from __future__ import annotations

import itertools

from actionplans import services
from actionplans.models import StrategyKind
from subgroups.plan_items import plan_item_owner_set

_numbers = itertools.count(1)


def editor_of(world, collaborative):
    return world.people["facilitator"] if collaborative == world.ours else world.people["outsider"]


def item(world, collaborative=None, *, title=None, subgroup=None, **fields):
    collaborative = collaborative or world.ours
    actor = editor_of(world, collaborative)
    made = services.plan_item_create(
        actor=actor, collaborative=collaborative, title=title or f"Transitions pilot {next(_numbers)}", **fields
    )
    if subgroup is not None:
        plan_item_owner_set(actor=actor, item=made, subgroup=subgroup)
    return made


def strategy(world, collaborative=None, *, title=None, objectives=("Fewer suspensions",)):
    collaborative = collaborative or world.ours
    actor = editor_of(world, collaborative)
    made = services.strategy_create(
        actor=actor,
        collaborative=collaborative,
        kind=StrategyKind.LOCAL,
        title=title or f"SEND and inclusion strategy {next(_numbers)}",
    )
    for i, text in enumerate(objectives, start=1):
        services.objective_create(actor=actor, strategy=made, title=text, reference=str(i))
    return made


def objective(world, collaborative=None, title="Fewer suspensions"):
    return strategy(world, collaborative, objectives=(title,)).objectives.get()


def align(world, item_, objective_, note="It serves it."):
    return services.alignment_set(
        actor=editor_of(world, item_.collaborative), item=item_, objective=objective_, note=note
    )[0]

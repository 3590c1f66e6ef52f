"""Test data for system maps, built through the services so every row is one the product could have made.

Maps of Ashford (ours) are made by the world's facilitator; maps of Brindle (theirs) by the outsider, who facilitates
there. Labels are numbered so that several can be built in one test.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from systemmap import services
from systemmap.models import ConnectionType, ElementType, EvidenceKind, Polarity, SourceKind

KUMU_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "kumu" / "us-financial-inclusion.json"
_numbers = itertools.count(1)


def editor_of(world, collaborative):
    return world.people["facilitator"] if collaborative == world.ours else world.people["outsider"]


def a_map(world, collaborative=None, *, title=None):
    collaborative = collaborative or world.ours
    return services.map_create(
        actor=editor_of(world, collaborative), collaborative=collaborative, title=title or f"Map {next(_numbers)}"
    )


def their_map(world):
    return a_map(world, world.theirs)


def _actor(world, map_):
    return editor_of(world, map_.collaborative)


def element(world, map_, label=None, *, type=ElementType.SERVICE, **fields):
    return services.element_create(
        actor=_actor(world, map_), map=map_, label=label or f"Element {next(_numbers)}", type=type, **fields
    )


def connect(world, map_, source, target, *, polarity=Polarity.SAME, type=ConnectionType.INFLUENCE, **fields):
    return services.connection_create(
        actor=_actor(world, map_), map=map_, source=source, target=target, polarity=polarity, type=type, **fields
    )


def quote(world, map_, *, element=None, connection=None, finding=None, sensitive=False, **fields):
    values = {
        "kind": EvidenceKind.QUOTE,
        "source_kind": SourceKind.PARENT,
        "attribution": "Parent of a Year 7 pupil",
        "text": "We waited eleven months for CAMHS.",
        **fields,
    }
    return services.evidence_create(
        actor=_actor(world, map_),
        map=map_,
        element=element,
        connection=connection,
        finding=finding,
        sensitive=sensitive,
        **values,
    )


def data_point(world, map_, *, element, count, sensitive=False):
    return services.evidence_create(
        actor=_actor(world, map_),
        map=map_,
        element=element,
        kind=EvidenceKind.DATA_POINT,
        source_kind=SourceKind.DATA,
        attribution="Council inclusion team",
        text="Pupils permanently excluded this year",
        count=count,
        sensitive=sensitive,
    )


def finding(world, map_, title=None, **fields):
    return services.finding_create(
        actor=_actor(world, map_), map=map_, title=title or f"Finding {next(_numbers)}", **fields
    )


def small_map(world, collaborative=None):
    """Three elements in a loop (two + and one −: balancing) and one element on its own."""
    map_ = a_map(world, collaborative)
    a, b, c = (element(world, map_, label) for label in ("Waiting lists", "Suspensions", "Early help"))
    lonely = element(world, map_, "Youth service")
    ab = connect(world, map_, a, b)
    bc = connect(world, map_, b, c)
    ca = connect(world, map_, c, a, polarity=Polarity.OPPOSITE)
    return map_, (a, b, c, lonely), (ab, bc, ca)

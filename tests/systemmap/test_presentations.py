"""Presentations of a map (present mode): who may prepare them, how steps are ordered and checked, and the audit."""

import pytest

from collab.errors import DomainError, Forbidden, NotFound
from collab.models import AuditEvent
from systemmap import selectors, services
from systemmap.models import Presentation, PresentationStep
from tests.systemmap import builders as b


@pytest.fixture
def small(world):
    return b.small_map(world)


@pytest.fixture
def presentation(world, small):
    return services.presentation_create(actor=world.people["facilitator"], map=small[0], title="First workshop")


def steps_of(presentation):
    return [(s.position, s.title) for s in PresentationStep.objects.filter(presentation=presentation)]


def test_facilitators_and_anchors_prepare_presentations_and_each_write_is_audited(world, small):
    map_ = small[0]
    made = services.presentation_create(actor=world.people["anchor"], map=map_, title="  Second workshop ")
    assert made.title == "Second workshop"
    services.presentation_update(actor=world.people["facilitator"], presentation=made, title="Renamed")
    services.presentation_delete(actor=world.people["facilitator"], presentation=made)
    assert not Presentation.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="systemmap.presentation")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "systemmap.presentation.create",
        "systemmap.presentation.update",
        "systemmap.presentation.delete",
    ]


@pytest.mark.parametrize("who", ["member", "observer"])
def test_members_and_observers_may_not_prepare_them(world, small, presentation, who):
    with pytest.raises(Forbidden):
        services.presentation_create(actor=world.people[who], map=small[0], title="Mine")
    with pytest.raises(Forbidden):
        services.step_create(actor=world.people[who], presentation=presentation, title="Mine")
    assert not PresentationStep.objects.exists()


def test_another_locality_cannot_see_or_change_them(world, presentation):
    outsider = world.people["outsider"]
    with pytest.raises(NotFound):
        services.step_create(actor=outsider, presentation=presentation, title="Theirs")
    with pytest.raises(NotFound):
        selectors.presentation_get(outsider, presentation.map, presentation.pk)


def test_a_step_without_elements_shows_what_the_one_before_showed(world, small, presentation):
    _, (a, b_, c, lonely), _ = small
    facilitator = world.people["facilitator"]
    services.step_create(actor=facilitator, presentation=presentation, title="One", elements=[a.pk, b_.pk])
    second = services.step_create(actor=facilitator, presentation=presentation, title="Two")
    assert second.elements == [a.pk, b_.pk] and second.position == 2


def test_steps_hold_only_elements_of_their_map_and_zoom_in_on_one_they_show(world, small, presentation):
    _, (a, b_, c, lonely), _ = small
    facilitator = world.people["facilitator"]
    elsewhere = b.element(world, b.a_map(world), "Elsewhere")
    with pytest.raises(DomainError) as error:
        services.step_create(actor=facilitator, presentation=presentation, title="X", elements=[a.pk, elsewhere.pk])
    assert "elements" in error.value.fields
    with pytest.raises(DomainError) as error:
        services.step_create(actor=facilitator, presentation=presentation, title="X", elements=[a.pk], focus=c.pk)
    assert error.value.fields == {"focus": ["Zoom in on one of the elements this step shows."]}
    with pytest.raises(DomainError):
        services.step_create(actor=facilitator, presentation=presentation, title="  ", elements=[a.pk])
    assert not PresentationStep.objects.exists()


def test_moving_and_removing_steps_keeps_them_numbered_from_one(world, small, presentation):
    facilitator = world.people["facilitator"]
    one, two, three = (
        services.step_create(actor=facilitator, presentation=presentation, title=title, elements=[])
        for title in ("One", "Two", "Three")
    )
    services.step_move(actor=facilitator, step=three, direction="up")
    assert steps_of(presentation) == [(1, "One"), (2, "Three"), (3, "Two")]
    with pytest.raises(DomainError):
        services.step_move(actor=facilitator, step=one, direction="up")
    with pytest.raises(DomainError):
        services.step_move(actor=facilitator, step=one, direction="sideways")
    services.step_delete(actor=facilitator, step=one)
    assert steps_of(presentation) == [(1, "Three"), (2, "Two")]


def test_changing_a_step_and_removing_an_element_it_showed(world, small, presentation):
    _, (a, b_, c, lonely), _ = small
    facilitator = world.people["facilitator"]
    step = services.step_create(
        actor=facilitator, presentation=presentation, title="One", elements=[a.pk, b_.pk], focus=b_
    )
    services.step_update(actor=facilitator, step=step, caption="Say this.", elements=[a.pk])
    step.refresh_from_db()
    assert (step.caption, step.elements, step.focus_id) == ("Say this.", [a.pk], None), "no longer shown: no focus"
    services.element_delete(actor=facilitator, element=a)
    shown = selectors.presentation_steps(world.people["observer"], presentation)
    assert shown == [
        {"id": step.pk, "number": 1, "title": "One", "caption": "Say this.", "elements": [], "focus": None}
    ]
    assert AuditEvent.objects.filter(action="systemmap.presentation.step.update").count() == 1

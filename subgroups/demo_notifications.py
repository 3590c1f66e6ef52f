"""Demo data for reminders: the demo lead's sub-group gets a milestone due in a few days, so that after
`manage.py send_due_notifications` (which `make run` runs) the lead's notification centre shows a reminder next to
the weekly digest everyone gets. Registered after the sub-groups' own demo extension, so it finds their rows."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from collab.demo import DemoExtension
from collab.models import Programme
from subgroups.demo import LEAD_EMAIL
from subgroups.models import Milestone, SubGroupMember, SubGroupRole

TITLE = "Share the pilot's first findings with the Collaborative"


def _build(programme: Programme, with_demo_logins: bool) -> str:
    part = (
        SubGroupMember.objects.active()
        .filter(user__email=LEAD_EMAIL, role=SubGroupRole.LEAD, subgroup__collaborative__programme=programme)
        .select_related("subgroup")
        .first()
    )
    if part is None or Milestone.objects.filter(subgroup=part.subgroup, title=TITLE).exists():
        return ""
    Milestone.objects.create(
        subgroup=part.subgroup, title=TITLE, due_on=timezone.localdate() + timedelta(days=3), created_by=part.user
    )
    return ""


DEMO_EXTENSION = DemoExtension(name="subgroups.notifications", build=_build, logins=lambda p: [], delete=lambda p: None)

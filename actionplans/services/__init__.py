"""Writes of the action-plan app, one module per area: the vision and priorities (`vision`), the action plan, its
items, the outcome framework, strategies and alignment (`plans`). Import them from here."""

from actionplans.services.plans import *  # noqa: F403
from actionplans.services.vision import *  # noqa: F403
from actionplans.services.vision import DRAFT_MAX  # noqa: F401

"""Reads of the action-plan app, one module per area: the vision and priorities (`vision`), the action plan, its
items, outcomes, strategies and alignment (`plans`). Import them from here."""

from actionplans.selectors.plans import *  # noqa: F403
from actionplans.selectors.vision import *  # noqa: F403
from actionplans.selectors.vision import RESPONSES, SECTOR_ORDER  # noqa: F401

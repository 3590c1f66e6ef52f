"""The REST API of the action-plan app, one module per area: the vision and priorities (`vision`), the action plan,
its items, outcomes, strategies, objectives and alignment (`plans`)."""

from rest_framework.routers import BaseRouter

from actionplans.api.plans import register_plans
from actionplans.api.vision import register_vision


def register(router: BaseRouter) -> None:
    register_vision(router)
    register_plans(router)

"""The core's REST API, one module per area. `register(router)` mounts every viewset of the core."""

from rest_framework.routers import BaseRouter

from collab.api.people import *  # noqa: F403
from collab.api.people import register as register_people
from collab.api.tokens import register as register_tokens
from collab.api.tokens import token_view  # noqa: F401
from collab.api.workshops import register as register_workshops


def register(router: BaseRouter) -> None:
    register_people(router)
    register_tokens(router)
    register_workshops(router)

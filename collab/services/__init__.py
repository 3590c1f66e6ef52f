"""Every write of the core, one module per area. Import from `collab.services`."""

from collab.services.notifications import *  # noqa: F403
from collab.services.people import *  # noqa: F403
from collab.services.people import INVITATION_SALT  # noqa: F401
from collab.services.tokens import *  # noqa: F403
from collab.services.workshops import *  # noqa: F403

"""Every scoped read of the core, one module per area. Import from `collab.selectors`."""

from collab.selectors.notifications import *  # noqa: F403
from collab.selectors.people import *  # noqa: F403
from collab.selectors.tokens import *  # noqa: F403
from collab.selectors.workshops import *  # noqa: F403

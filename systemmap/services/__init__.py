"""Every write of system maps, one module per area. Import from `systemmap.services`.

Each service is keyword-only and runs in one transaction: it checks the access policy, validates, saves, records the
change in the audit trail and emits a live event on the map's stream (broadcast after commit), so the API, the
websocket and the pages all change maps the same way.
"""

from systemmap.services.common import KIND, UNSET
from systemmap.services.elements import (
    connection_create,
    connection_delete,
    connection_update,
    element_create,
    element_delete,
    element_update,
    elements_move,
)
from systemmap.services.evidence import (
    comment_create,
    comment_delete,
    evidence_create,
    evidence_delete,
    evidence_update,
    sees_sensitive,
)
from systemmap.services.findings import finding_create, finding_delete, finding_update
from systemmap.services.importing import ImportResult, map_import, map_import_new
from systemmap.services.maps import map_create, map_delete, map_snapshot, map_update, version_create
from systemmap.services.presentations import (
    presentation_create,
    presentation_delete,
    presentation_update,
    step_create,
    step_delete,
    step_move,
    step_update,
)

__all__ = [
    "KIND",
    "UNSET",
    "ImportResult",
    "comment_create",
    "comment_delete",
    "connection_create",
    "connection_delete",
    "connection_update",
    "element_create",
    "element_delete",
    "element_update",
    "elements_move",
    "evidence_create",
    "evidence_delete",
    "evidence_update",
    "finding_create",
    "finding_delete",
    "finding_update",
    "map_create",
    "map_delete",
    "map_import",
    "map_import_new",
    "map_snapshot",
    "map_update",
    "presentation_create",
    "presentation_delete",
    "presentation_update",
    "sees_sensitive",
    "step_create",
    "step_delete",
    "step_move",
    "step_update",
    "version_create",
]

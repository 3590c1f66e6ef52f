"""Permission rows for the action-plan pages."""

from tests.permissions.matrix import Case, expect

CASES = [
    Case(
        "get",
        expect(302, 404, 200, 200, 200, 200, 200),
        page="collaborative-priorities",
        kwargs=lambda w: {"slug": w.ours.slug},
    ),
]

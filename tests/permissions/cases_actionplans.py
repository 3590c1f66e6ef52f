"""Permission rows for the action-plan pages and API: the priorities, and the shared vision (the current version and
responses to it, the draft, publishing, earlier versions).

Columns: anonymous, outsider (facilitator of another locality), observer, member, anchor, facilitator, programme
team; `lead` is a plain member here. Facilitators and anchors draft and publish; everyone who may contribute and is a
member of the collaborative responds (so not the programme team, who read); observers read.
"""

from actionplans import services
from tests.actionplans import builders as b
from tests.permissions.matrix import Case, everyone, expect

READ = expect(302, 404, 200, 200, 200, 200, 200)  # a page of our collaborative: everyone who can see it
EDIT = expect(302, 404, 403, 403, 200, 200, 200)  # facilitators, anchors and the programme team
EDIT_WRITE = expect(302, 404, 403, 403, 302, 302, 302)
RESPOND_WRITE = expect(302, 404, 403, 302, 302, 302, 403)  # members of the collaborative who may contribute

API_SIGNED_IN = {**everyone(200), "anonymous": 401}
API_READ = expect(401, 404, 200, 200, 200, 200, 200)
API_EDIT = expect(401, 404, 403, 403, 200, 200, 200)
# Creating something in a collaborative given by id: to an outsider our collaborative does not exist (a field error).
API_EDIT_CREATE = expect(401, 400, 403, 403, 201, 201, 201)


def _slug(w):
    return {"slug": w.ours.slug}


def _statement(w):
    return {"slug": w.ours.slug, "pk": b.statement(w).pk}


def _second_statement(w):
    """Two statements: the row moves the second one up."""
    b.statement(w, "First.")
    return {"slug": w.ours.slug, "pk": b.statement(w, "Second.").pk}


def _with_draft(w):
    b.statement(w)
    return {"slug": w.ours.slug}


def _published(w):
    b.publish(w)
    return {"slug": w.ours.slug}


def _version_page(w):
    return {"slug": w.ours.slug, "number": b.publish(w).number}


def _api_statement(w):
    return {"id": b.statement(w).pk}


def _api_version(w):
    return {"id": b.publish(w).pk}


def _members_response(w):
    return {"id": b.endorse(w, b.publish(w), "member").pk}


def _our_priority(w):
    return services.priority_create(actor=w.people["facilitator"], collaborative=w.ours, title="Transitions")


CASES = [
    # --- Pages: priorities --------------------------------------------------------------------------------------------
    Case("get", READ, page="collaborative-priorities", kwargs=_slug),
    # --- Pages: the shared vision -------------------------------------------------------------------------------------
    Case("get", READ, page="vision", kwargs=_published),
    Case(
        "post",
        RESPOND_WRITE,
        page="vision-endorse",
        kwargs=_published,
        data=lambda w: {"version": 1, "response": "agree", "comment": "A vision we can work towards."},
        note="the programme team read the responses but are not members who give one",
    ),
    Case("get", READ, page="vision-drafts", kwargs=_slug, note="everyone reads the draft; its forms are for editors"),
    Case("post", EDIT_WRITE, page="vision-drafts", kwargs=_slug, data=lambda w: {"text": "Every child belongs."}),
    Case("get", EDIT, page="vision-statement-edit", kwargs=_statement),
    Case(
        "post",
        EDIT_WRITE,
        page="vision-statement-edit",
        kwargs=_statement,
        data=lambda w: {"text": "Every child is known and welcomed.", "note": ""},
    ),
    Case(
        "post", EDIT_WRITE, page="vision-statement-move", kwargs=_second_statement, data=lambda w: {"direction": "up"}
    ),
    Case("get", EDIT, page="vision-statement-remove", kwargs=_statement, note="the confirmation"),
    Case("post", EDIT_WRITE, page="vision-statement-remove", kwargs=_statement),
    Case("get", EDIT, page="vision-publish", kwargs=_with_draft, note="the confirmation, with what will be published"),
    Case("post", EDIT_WRITE, page="vision-publish", kwargs=_with_draft, data=lambda w: {"note": "First version."}),
    Case("get", READ, page="vision-versions", kwargs=_published),
    Case("get", READ, page="vision-version", kwargs=_version_page),
    # --- API: draft statements ----------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/vision-statements/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/vision-statements/",
        data=lambda w: {"collaborative": w.ours.pk, "text": "Every child belongs."},
    ),
    Case("get", API_READ, api="/api/v1/vision-statements/{id}/", kwargs=_api_statement),
    Case(
        "patch",
        API_EDIT,
        api="/api/v1/vision-statements/{id}/",
        kwargs=_api_statement,
        data=lambda w: {"text": "Every child is known and welcomed."},
    ),
    Case(
        "delete",
        expect(401, 404, 403, 403, 204, 204, 204),
        api="/api/v1/vision-statements/{id}/",
        kwargs=_api_statement,
    ),
    Case(
        "post",
        expect(401, 400, 403, 403, 200, 200, 200),
        api="/api/v1/vision-statements/reorder/",
        data=lambda w: {"collaborative": w.ours.pk, "order": [b.statement(w, "B.").pk, b.statement(w, "A.").pk]},
    ),
    # --- API: published versions --------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/vision-versions/"),
    Case("get", API_READ, api="/api/v1/vision-versions/{id}/", kwargs=_api_version),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/vision-versions/publish/",
        data=lambda w: {"collaborative": b.statement(w).collaborative_id},
    ),
    # --- API: responses -----------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/endorsements/"),
    Case(
        "post",
        expect(401, 400, 403, 201, 201, 201, 403),
        api="/api/v1/endorsements/",
        data=lambda w: {"version": b.publish(w).pk, "response": "agree_with_reservations", "comment": "Capacity."},
        note="the programme team are not members of the collaborative",
    ),
    Case("get", API_READ, api="/api/v1/endorsements/{id}/", kwargs=_members_response),
    Case(
        "patch",
        expect(401, 404, 403, 200, 403, 403, 403, lead=403),
        api="/api/v1/endorsements/{id}/",
        kwargs=_members_response,
        data=lambda w: {"response": "disagree"},
        note="the member's own response: only they change it",
    ),
    # --- API: priorities (read only) ----------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/priorities/"),
    Case("get", API_READ, api="/api/v1/priorities/{id}/", kwargs=lambda w: {"id": _our_priority(w).pk}),
]


def _statements(w):
    return {b.statement(w).pk}, {b.statement(w, collaborative=w.theirs).pk}


def _versions(w):
    return {b.publish(w).pk}, {b.publish(w, collaborative=w.theirs).pk}


def _endorsements(w):
    ours = b.endorse(w, b.publish(w), "member")
    theirs = b.endorse(w, b.publish(w, collaborative=w.theirs), "outsider")
    return {ours.pk}, {theirs.pk}


def _priorities(w):
    theirs = services.priority_create(actor=w.people["outsider"], collaborative=w.theirs, title="Data")
    return {_our_priority(w).pk}, {theirs.pk}


# Lists hold only what each may see. For the outsider (a facilitator of the other locality): (our rows, absent; their
# rows, present).
LIST_SCOPING = {
    "/api/v1/vision-statements/": _statements,
    "/api/v1/vision-versions/": _versions,
    "/api/v1/endorsements/": _endorsements,
    "/api/v1/priorities/": _priorities,
}

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


# --- The action plan, strategies, the anchor's dashboard and the programme view -------------------------------------
# Everyone who can see the Collaborative reads the plan and its strategies (an anchor sees their own authority's; the
# programme team every locality's; another locality's are 404). Facilitators, anchors and the programme team edit.
# The dashboard (and its drill-down and exports) is for anchors, facilitators and the programme team. The programme
# view shows each person the localities where they are anchor or facilitator (the outsider facilitates Brindle, so
# sees Brindle), and everything to the programme team; members and observers are refused.

DASHBOARD = expect(302, 404, 403, 403, 200, 200, 200)
CONTRIBUTE_WRITE = expect(302, 404, 403, 302, 302, 302, 302)


def _plan_item(w):
    from tests.plans import builders as pb

    return {"slug": w.ours.slug, "pk": pb.item(w).pk}


def _with_item(w):
    from tests.plans import builders as pb

    pb.item(w)
    return {"slug": w.ours.slug}


def _alignment(w):
    from tests.plans import builders as pb

    item = pb.item(w)
    alignment = pb.align(w, item, pb.objective(w))
    return {"slug": w.ours.slug, "pk": item.pk, "alignment_pk": alignment.pk}


def _strategy(w):
    from tests.plans import builders as pb

    return {"slug": w.ours.slug, "pk": pb.strategy(w).pk}


def _objective(w):
    from tests.plans import builders as pb

    strategy = pb.strategy(w)
    return {"slug": w.ours.slug, "pk": strategy.pk, "objective_pk": strategy.objectives.get().pk}


def _align_data(w):
    from tests.plans import builders as pb

    return {"objective": pb.objective(w).pk, "note": "Shares exclusion data early."}


def _programme(w):
    return {"slug": w.programme.slug}


ITEM_DATA = {"title": "Headteachers' network", "theme": "peer_networks", "status": "planned"}

CASES += [
    Case("get", READ, page="plan", kwargs=_slug),
    Case("get", EDIT, page="plan-record", kwargs=_with_item),
    Case("post", EDIT_WRITE, page="plan-record", kwargs=_with_item, data=lambda w: {"status": "revised", "note": "Y2"}),
    Case("get", EDIT, page="plan-item-new", kwargs=_slug),
    Case("post", EDIT_WRITE, page="plan-item-new", kwargs=_slug, data=lambda w: ITEM_DATA),
    Case("get", READ, page="plan-item", kwargs=_plan_item),
    Case("get", EDIT, page="plan-item-edit", kwargs=_plan_item),
    Case("post", EDIT_WRITE, page="plan-item-edit", kwargs=_plan_item, data=lambda w: ITEM_DATA),
    Case("get", EDIT, page="plan-item-remove", kwargs=_plan_item, note="the confirmation"),
    Case("post", EDIT_WRITE, page="plan-item-remove", kwargs=_plan_item),
    Case("post", EDIT_WRITE, page="plan-item-align", kwargs=_plan_item, data=_align_data),
    Case("post", EDIT_WRITE, page="plan-item-unalign", kwargs=_alignment),
    Case(
        "post",
        CONTRIBUTE_WRITE,
        page="learning-note-new",
        kwargs=_slug,
        data=lambda w: {"title": "Start early", "body": "Year 5 is not too soon."},
    ),
    Case("get", READ, page="strategies", kwargs=_slug),
    Case(
        "post",
        EDIT_WRITE,
        page="strategies",
        kwargs=_slug,
        data=lambda w: {"kind": "local_authority", "title": "SEND and inclusion strategy"},
    ),
    Case("get", READ, page="strategy", kwargs=_strategy),
    Case(
        "post",
        EDIT_WRITE,
        page="strategy",
        kwargs=_strategy,
        data=lambda w: {"form": "objective", "title": "Fewer suspensions", "reference": "2.1"},
    ),
    Case("post", EDIT_WRITE, page="objective-remove", kwargs=_objective),
    Case("get", DASHBOARD, page="dashboard", kwargs=_with_item),
    Case("get", DASHBOARD, page="dashboard-items", kwargs=_with_item),
    Case("get", DASHBOARD, page="dashboard-csv", kwargs=_with_item),
    Case("get", DASHBOARD, page="dashboard-pdf", kwargs=_with_item),
    Case(
        "get",
        expect(302, 200, 403, 403, 200, 200, 200),
        page="programme-view",
        kwargs=_programme,
        note="the outsider facilitates Brindle, in the same programme: they see Brindle only",
    ),
    Case("get", expect(302, 200, 200, 200, 200, 200, 200), page="programme-outcomes", kwargs=_programme),
    Case(
        "post",
        expect(302, 403, 403, 403, 403, 403, 302),
        page="programme-outcomes",
        kwargs=_programme,
        data=lambda w: {"level": "system", "title": "Shared data on managed moves"},
    ),
]


# --- API: the action plan, outcomes, strategies, objectives, alignment, owners, priorities' links --------------------

API_DELETE = expect(401, 404, 403, 403, 204, 204, 204)


def _pb():
    from tests.plans import builders as pb

    return pb


def _api_item(w):
    return {"id": _pb().item(w).pk}


def _api_plan(w):
    return {"id": _pb().item(w).plan_id}


def _api_strategy(w):
    return {"id": _pb().strategy(w).pk}


def _api_objective(w):
    return {"id": _pb().objective(w).pk}


def _api_alignment(w):
    pb = _pb()
    return {"id": pb.align(w, pb.item(w), pb.objective(w)).pk}


def _api_outcome(w):
    from actionplans.models import Outcome

    return {"id": Outcome.objects.filter(framework__programme=w.programme).first().pk}


def _our_subgroup(w):
    from tests.subgroups import builders as sb

    return sb.subgroup(w, name="Transitions pilot")


def _api_owner(w):
    from subgroups.models import PlanItemOwner

    _pb().item(w, subgroup=_our_subgroup(w))
    return {"id": PlanItemOwner.objects.get().pk}


def _api_priority(w):
    return {"id": _our_priority(w).pk}


CASES += [
    Case("get", API_SIGNED_IN, api="/api/v1/action-plans/"),
    Case("get", API_READ, api="/api/v1/action-plans/{id}/", kwargs=_api_plan),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/action-plans/record/",
        kwargs=lambda w: _with_item(w) and {},
        data=lambda w: {"collaborative": w.ours.pk, "status": "revised", "note": "Year-2 review"},
    ),
    Case("get", API_SIGNED_IN, api="/api/v1/plan-items/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/plan-items/",
        data=lambda w: {"collaborative": w.ours.pk, "title": "Drop-in clinics", "partners": ["early_help"]},
    ),
    Case("get", API_READ, api="/api/v1/plan-items/{id}/", kwargs=_api_item),
    Case("patch", API_EDIT, api="/api/v1/plan-items/{id}/", kwargs=_api_item, data=lambda w: {"status": "in_progress"}),
    Case("delete", API_DELETE, api="/api/v1/plan-items/{id}/", kwargs=_api_item),
    Case("get", API_SIGNED_IN, api="/api/v1/outcomes/"),
    Case(
        "get",
        everyone(200) | {"anonymous": 401},
        api="/api/v1/outcomes/{id}/",
        kwargs=_api_outcome,
        note="the programme's framework: everyone in the programme reads it",
    ),  # fmt: skip
    Case("get", API_SIGNED_IN, api="/api/v1/strategies/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/strategies/",
        data=lambda w: {"collaborative": w.ours.pk, "kind": "local_authority", "title": "SEND strategy"},
    ),
    Case("get", API_READ, api="/api/v1/strategies/{id}/", kwargs=_api_strategy),
    Case("patch", API_EDIT, api="/api/v1/strategies/{id}/", kwargs=_api_strategy, data=lambda w: {"period": "2025"}),
    Case("delete", API_DELETE, api="/api/v1/strategies/{id}/", kwargs=_api_strategy),
    Case("get", API_SIGNED_IN, api="/api/v1/objectives/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/objectives/",
        data=lambda w: {"strategy": _pb().strategy(w).pk, "title": "Fewer suspensions"},
        note="to an outsider our strategy does not exist (a field error)",
    ),
    Case("get", API_READ, api="/api/v1/objectives/{id}/", kwargs=_api_objective),
    Case("patch", API_EDIT, api="/api/v1/objectives/{id}/", kwargs=_api_objective, data=lambda w: {"title": "Fewer"}),
    Case("delete", API_DELETE, api="/api/v1/objectives/{id}/", kwargs=_api_objective),
    Case("get", API_SIGNED_IN, api="/api/v1/alignments/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/alignments/",
        data=lambda w: {"item": _pb().item(w).pk, "objective": _pb().objective(w).pk, "note": "Shares data early."},
    ),
    Case("get", API_READ, api="/api/v1/alignments/{id}/", kwargs=_api_alignment),
    Case("delete", API_DELETE, api="/api/v1/alignments/{id}/", kwargs=_api_alignment),
    Case("get", API_SIGNED_IN, api="/api/v1/plan-item-owners/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/plan-item-owners/",
        data=lambda w: {"item": _pb().item(w).pk, "subgroup": _our_subgroup(w).pk},
    ),
    Case("get", API_READ, api="/api/v1/plan-item-owners/{id}/", kwargs=_api_owner),
    Case("delete", API_DELETE, api="/api/v1/plan-item-owners/{id}/", kwargs=_api_owner),
    Case("patch", API_EDIT, api="/api/v1/priorities/{id}/", kwargs=_api_priority, data=lambda w: {"findings": []}),
]


def _items_scoping(w):
    return {_pb().item(w).pk}, {_pb().item(w, w.theirs).pk}


def _strategies_scoping(w):
    return {_pb().strategy(w).pk}, {_pb().strategy(w, w.theirs).pk}


def _objectives_scoping(w):
    return {_pb().objective(w).pk}, {_pb().objective(w, w.theirs).pk}


def _alignments_scoping(w):
    pb = _pb()
    ours = pb.align(w, pb.item(w), pb.objective(w))
    theirs = pb.align(w, pb.item(w, w.theirs), pb.objective(w, w.theirs))
    return {ours.pk}, {theirs.pk}


def _plans_scoping(w):
    return {_pb().item(w).plan_id}, {_pb().item(w, w.theirs).plan_id}


LIST_SCOPING.update(
    {
        "/api/v1/plan-items/": _items_scoping,
        "/api/v1/strategies/": _strategies_scoping,
        "/api/v1/objectives/": _objectives_scoping,
        "/api/v1/alignments/": _alignments_scoping,
        "/api/v1/action-plans/": _plans_scoping,
    }
)

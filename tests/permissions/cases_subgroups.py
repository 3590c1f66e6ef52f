"""Permission rows for sub-groups: the leads' view and every sub-group page, the concerns route, and the API of
sub-groups, their people, milestones, updates, comments, support log, links, reviews and concerns.

Columns: anonymous, outsider (facilitator of another locality), observer, member, anchor, facilitator, programme
team; and `lead`, a plain member of ours who leads the sub-group each row is about (built in the row's kwargs).
Concerns are the exception to "whoever can see the collaborative reads it": the row's concern was raised by the
`member`, and only they and the programme team see it.
"""

from subgroups.models import Milestone, ProgressUpdate, Review, SubGroup, SubGroupMember, SupportEntry, UpdateComment
from tests.permissions.matrix import Case, everyone, expect
from tests.subgroups import builders as b

SIGNED_IN = {**everyone(200), "anonymous": 302}
API_SIGNED_IN = {**everyone(200), "anonymous": 401}
READ = expect(302, 404, 200, 200, 200, 200, 200)  # a page of our collaborative: everyone who can see it
LEAD = expect(302, 404, 403, 403, 403, 200, 200, lead=200)  # its leads, facilitators and the programme team
LEAD_WRITE = expect(302, 404, 403, 403, 403, 302, 302, lead=302)
FACILITATE = expect(302, 404, 403, 403, 403, 200, 200)  # facilitators and the programme team (not leads)
FACILITATE_WRITE = expect(302, 404, 403, 403, 403, 302, 302)
CONTRIBUTE = expect(302, 404, 403, 200, 200, 200, 200)  # everyone who may contribute: not observers
CONTRIBUTE_WRITE = expect(302, 404, 403, 302, 302, 302, 302)
RAISER = expect(302, 404, 404, 200, 404, 404, 200, lead=404)  # the member who raised it and the programme team
RAISER_WRITE = expect(302, 404, 404, 302, 404, 404, 302, lead=404)

API_READ = expect(401, 404, 200, 200, 200, 200, 200)
API_LEAD = expect(401, 404, 403, 403, 403, 200, 200, lead=200)
# Creating something in a sub-group given by id: to an outsider our sub-group does not exist, so it is a field error.
API_LEAD_CREATE = expect(401, 400, 403, 403, 403, 201, 201, lead=201)
API_FACILITATE = expect(401, 404, 403, 403, 403, 200, 200)
API_FACILITATE_CREATE = expect(401, 400, 403, 403, 403, 201, 201)
API_CONTRIBUTE_CREATE = expect(401, 400, 403, 201, 201, 201, 201)


def _sub(w):
    return b.subgroup(w)


def _in_sub(make):
    """kwargs of a page about something inside a sub-group led by the `lead` actor."""

    def kwargs(w):
        s = _sub(w)
        return {"slug": w.ours.slug, "pk": s.pk, **make(w, s)}

    return kwargs


def _page(w):
    return {"slug": w.ours.slug, "pk": _sub(w).pk}


def _update_data(w):
    return {
        "action": "post",
        "status": "at_risk",
        "done": "Met the pilot schools.",
        "next_steps": "Share the checklist.",
        "blockers": "Waiting for the data-sharing agreement.",
        "children_voice": "Parents reviewed the letter.",
    }


def _our_concern(w):
    return b.concern(w, "member")


def _api_update(w):
    return {
        "subgroup": _sub(w).pk,
        "status": "on_track",
        "done": "Met the schools.",
        "next_steps": "Share the checklist.",
        "children_voice_not_yet": True,
    }


CASES = [
    # --- Pages: sub-groups -------------------------------------------------------------------------------------------
    Case("get", READ, page="subgroup-list", kwargs=lambda w: {"slug": w.ours.slug}, note="the leads' view"),
    Case("get", FACILITATE, page="subgroup-create", kwargs=lambda w: {"slug": w.ours.slug}),
    Case(
        "post",
        FACILITATE_WRITE,
        page="subgroup-create",
        kwargs=lambda w: {"slug": w.ours.slug},
        data=lambda w: {
            "name": "Therapies advice line",
            "aims": "Advice while pupils wait.",
            "mandate": "self_appointed",
        },
    ),
    Case("get", READ, page="subgroup-detail", kwargs=_page),
    Case("get", LEAD, page="subgroup-edit", kwargs=_page),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-edit",
        kwargs=_page,
        data=lambda w: {"name": "Transitions pilot (phase 2)", "aims": "Extend the pilot."},
    ),
    Case("get", LEAD, page="subgroup-update", kwargs=_page, note="the progress update form"),
    Case("post", LEAD_WRITE, page="subgroup-update", kwargs=_page, data=_update_data),
    Case(
        "post",
        CONTRIBUTE_WRITE,
        page="subgroup-comment",
        kwargs=_in_sub(lambda w, s: {"update_pk": b.update(w, s).pk}),
        data=lambda w: {"body": "Could the clinics take referrals from your schools?"},
    ),
    Case("get", LEAD, page="subgroup-people", kwargs=_page),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-people",
        kwargs=_page,
        data=lambda w: {"user": b.member_of(w, w.ours).pk, "role": "member"},
    ),
    Case("get", LEAD, page="subgroup-person", kwargs=_in_sub(lambda w, s: {"part_pk": b.part_of(w, s).pk})),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-person",
        kwargs=_in_sub(lambda w, s: {"part_pk": b.part_of(w, s).pk}),
        data=lambda w: {"role": "co_lead", "mandate": "self_appointed"},
    ),
    Case("post", LEAD_WRITE, page="subgroup-person-end", kwargs=_in_sub(lambda w, s: {"part_pk": b.part_of(w, s).pk})),
    Case("get", LEAD, page="subgroup-handover", kwargs=_page),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-handover",
        kwargs=_page,
        data=lambda w: {"to_user": b.member_of(w, w.ours).pk, "previous_lead": "member", "mandate": "self_appointed"},
    ),
    Case("get", LEAD, page="subgroup-milestone-new", kwargs=_page),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-milestone-new",
        kwargs=_page,
        data=lambda w: {"title": "Pilot schools signed up", "due_on": "2027-03-31", "state": "planned"},
    ),
    Case(
        "get",
        LEAD,
        page="subgroup-milestone-edit",
        kwargs=_in_sub(lambda w, s: {"milestone_pk": b.milestone(w, s).pk}),
    ),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-milestone-edit",
        kwargs=_in_sub(lambda w, s: {"milestone_pk": b.milestone(w, s).pk}),
        data=lambda w: {"title": "Pilot schools signed up", "due_on": "2027-03-31", "state": "done"},
    ),
    Case("get", LEAD, page="subgroup-support", kwargs=_page, note="leads request support, facilitators log it"),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-support",
        kwargs=_page,
        data=lambda w: {"kind": "coaching", "description": "Help to plan the evaluation."},
    ),
    Case(
        "get",
        FACILITATE,
        page="subgroup-support-change",
        kwargs=_in_sub(lambda w, s: {"entry_pk": b.support_request(w, s).pk}),
    ),
    Case(
        "post",
        FACILITATE_WRITE,
        page="subgroup-support-change",
        kwargs=_in_sub(lambda w, s: {"entry_pk": b.support_request(w, s).pk}),
        data=lambda w: {"state": "done", "notes": "Introduced them."},
    ),
    Case("get", LEAD, page="subgroup-link-new", kwargs=_page),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-link-new",
        kwargs=_page,
        data=lambda w: {"to_subgroup": b.subgroup(w, lead=b.member_of(w, w.ours)).pk, "note": "Same checklist."},
    ),
    Case(
        "post",
        LEAD_WRITE,
        page="subgroup-link-remove",
        kwargs=_in_sub(lambda w, s: {"link_pk": b.link(w, s, b.subgroup(w, lead=b.member_of(w, w.ours))).pk}),
    ),
    Case("get", FACILITATE, page="subgroup-review", kwargs=_page),
    Case(
        "post",
        FACILITATE_WRITE,
        page="subgroup-review",
        kwargs=_page,
        data=lambda w: {"decision": "taper", "reasons": "Met its aims.", "forward_plan": "Light-touch support."},
    ),
    # --- Pages: concerns -------------------------------------------------------------------------------------------
    Case("get", CONTRIBUTE, page="concern-new", kwargs=lambda w: {"slug": w.ours.slug}),
    Case(
        "post",
        CONTRIBUTE_WRITE,
        page="concern-new",
        kwargs=lambda w: {"slug": w.ours.slug},
        data=lambda w: {"subject": "Attendance is falling", "details": "Fewer schools come each time."},
    ),
    Case("get", SIGNED_IN, page="concern-list", note="each sees the concerns they raised; the team sees all"),
    Case("get", RAISER, page="concern-detail", kwargs=lambda w: {"pk": _our_concern(w).pk}),
    Case(
        "post",
        RAISER_WRITE,
        page="concern-detail",
        kwargs=lambda w: {"pk": _our_concern(w).pk},
        data=lambda w: {"action": "note", "body": "Any news?"},
    ),
    # --- API: sub-groups -------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/subgroups/"),
    Case(
        "post",
        API_FACILITATE_CREATE,
        api="/api/v1/subgroups/",
        data=lambda w: {"collaborative": w.ours.pk, "name": "Fair Access panel", "lead": w.people["lead"].pk},
    ),
    Case("get", API_READ, api="/api/v1/subgroups/{id}/", kwargs=lambda w: {"id": _sub(w).pk}),
    Case(
        "patch",
        API_LEAD,
        api="/api/v1/subgroups/{id}/",
        kwargs=lambda w: {"id": _sub(w).pk},
        data=lambda w: {"aims": "Extend the pilot to every primary."},
    ),
    Case(
        "post",
        API_LEAD,
        api="/api/v1/subgroups/{id}/handover/",
        kwargs=lambda w: {"id": _sub(w).pk},
        data=lambda w: {"to_user": b.member_of(w, w.ours).pk},
    ),
    # --- API: people in sub-groups ---------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/subgroup-members/"),
    Case(
        "post",
        API_LEAD_CREATE,
        api="/api/v1/subgroup-members/",
        data=lambda w: {"subgroup": _sub(w).pk, "user": b.member_of(w, w.ours).pk, "role": "member"},
    ),
    Case(
        "get",
        API_READ,
        api="/api/v1/subgroup-members/{id}/",
        kwargs=lambda w: {"id": b.part_of(w, _sub(w)).pk},
    ),
    Case(
        "patch",
        API_LEAD,
        api="/api/v1/subgroup-members/{id}/",
        kwargs=lambda w: {"id": b.part_of(w, _sub(w)).pk},
        data=lambda w: {"role": "co_lead"},
    ),
    Case(
        "post",
        API_LEAD,
        api="/api/v1/subgroup-members/{id}/end/",
        kwargs=lambda w: {"id": b.part_of(w, _sub(w)).pk},
        data=lambda w: {},
    ),
    # --- API: milestones -------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/milestones/"),
    Case(
        "post",
        API_LEAD_CREATE,
        api="/api/v1/milestones/",
        data=lambda w: {"subgroup": _sub(w).pk, "title": "First clinic held", "due_on": "2027-01-31"},
    ),
    Case("get", API_READ, api="/api/v1/milestones/{id}/", kwargs=lambda w: {"id": b.milestone(w, _sub(w)).pk}),
    Case(
        "patch",
        API_LEAD,
        api="/api/v1/milestones/{id}/",
        kwargs=lambda w: {"id": b.milestone(w, _sub(w)).pk},
        data=lambda w: {"state": "done"},
    ),
    # --- API: progress updates and comments ------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/progress-updates/"),
    Case("post", API_LEAD_CREATE, api="/api/v1/progress-updates/", data=_api_update),
    Case("get", API_READ, api="/api/v1/progress-updates/{id}/", kwargs=lambda w: {"id": b.update(w, _sub(w)).pk}),
    Case("get", API_SIGNED_IN, api="/api/v1/update-comments/"),
    Case(
        "post",
        API_CONTRIBUTE_CREATE,
        api="/api/v1/update-comments/",
        data=lambda w: {"update": b.update(w, _sub(w)).pk, "body": "Useful, thank you."},
    ),
    Case(
        "get",
        API_READ,
        api="/api/v1/update-comments/{id}/",
        kwargs=lambda w: {"id": b.comment(w, b.update(w, _sub(w))).pk},
    ),
    # --- API: support log ------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/support-entries/"),
    Case(
        "post",
        API_LEAD_CREATE,
        api="/api/v1/support-entries/",
        data=lambda w: {"subgroup": _sub(w).pk, "type": "request", "kind": "coaching", "description": "Coaching."},
        note="a request: leads (and facilitators for them)",
    ),
    Case(
        "get", API_READ, api="/api/v1/support-entries/{id}/", kwargs=lambda w: {"id": b.support_request(w, _sub(w)).pk}
    ),
    Case(
        "patch",
        API_FACILITATE,
        api="/api/v1/support-entries/{id}/",
        kwargs=lambda w: {"id": b.support_request(w, _sub(w)).pk},
        data=lambda w: {"state": "in_progress"},
    ),
    # --- API: links ------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/subgroup-links/"),
    Case(
        "post",
        API_LEAD_CREATE,
        api="/api/v1/subgroup-links/",
        data=lambda w: {"from_subgroup": _sub(w).pk, "to_subgroup": b.subgroup(w, lead=b.member_of(w, w.ours)).pk},
    ),
    Case(
        "get",
        API_READ,
        api="/api/v1/subgroup-links/{id}/",
        kwargs=lambda w: {"id": b.link(w, _sub(w), b.subgroup(w, lead=b.member_of(w, w.ours))).pk},
    ),
    Case(
        "post",
        expect(401, 404, 403, 403, 403, 204, 204, lead=204),
        api="/api/v1/subgroup-links/{id}/remove/",
        kwargs=lambda w: {"id": b.link(w, _sub(w), b.subgroup(w, lead=b.member_of(w, w.ours))).pk},
    ),
    # --- API: reviews ----------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/reviews/"),
    Case(
        "post",
        API_FACILITATE_CREATE,
        api="/api/v1/reviews/",
        data=lambda w: {
            "subgroup": _sub(w).pk,
            "decision": "continue",
            "reasons": "On track.",
            "forward_plan": "More.",
        },
    ),
    Case("get", API_READ, api="/api/v1/reviews/{id}/", kwargs=lambda w: {"id": b.review(w, _sub(w)).pk}),
    Case(
        "patch",
        API_FACILITATE,
        api="/api/v1/reviews/{id}/",
        kwargs=lambda w: {"id": b.review(w, _sub(w)).pk},
        data=lambda w: {"decision": "taper"},
    ),
    # --- API: concerns ---------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/concerns/"),
    Case(
        "post",
        API_CONTRIBUTE_CREATE,
        api="/api/v1/concerns/",
        data=lambda w: {"collaborative": w.ours.pk, "subject": "Attendance", "details": "Fewer schools come."},
    ),
    Case(
        "get",
        expect(401, 404, 404, 200, 404, 404, 200, lead=404),
        api="/api/v1/concerns/{id}/",
        kwargs=lambda w: {"id": _our_concern(w).pk},
        note="confidential: not even the locality's facilitators or anchor",
    ),
    Case(
        "patch",
        expect(401, 404, 404, 403, 404, 404, 200, lead=404),
        api="/api/v1/concerns/{id}/",
        kwargs=lambda w: {"id": _our_concern(w).pk},
        data=lambda w: {"state": "in_progress"},
        note="the person who raised it may not move it on themselves",
    ),
    Case(
        "post",
        expect(401, 404, 404, 201, 404, 404, 201, lead=404),
        api="/api/v1/concerns/{id}/notes/",
        kwargs=lambda w: {"id": _our_concern(w).pk},
        data=lambda w: {"body": "Any news?"},
    ),
]


def _ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def _scoping(model, field, build):
    def rows(w):
        build(w, b.subgroup(w))
        build(w, b.their_subgroup(w))
        ours = _ids(model.objects.filter(**{field: w.ours}))
        theirs = _ids(model.objects.filter(**{field: w.theirs}))
        return ours, theirs

    return rows


def _links(w):
    ours = b.link(w, b.subgroup(w), b.subgroup(w, lead=b.member_of(w, w.ours)))
    theirs = b.link(w, b.their_subgroup(w), b.their_subgroup(w))
    return {ours.pk}, {theirs.pk}


def _concerns(w):
    ours = b.concern(w, "member")
    theirs = b.concern(w, "outsider", w.theirs)
    return {ours.pk}, {theirs.pk}


# Lists hold only what each may see. For the outsider (a facilitator of the other locality): (our rows, absent; their
# rows, present).
LIST_SCOPING = {
    "/api/v1/subgroups/": _scoping(SubGroup, "collaborative", lambda w, s: None),
    "/api/v1/subgroup-members/": _scoping(SubGroupMember, "subgroup__collaborative", lambda w, s: b.part_of(w, s)),
    "/api/v1/milestones/": _scoping(Milestone, "subgroup__collaborative", lambda w, s: b.milestone(w, s)),
    "/api/v1/progress-updates/": _scoping(ProgressUpdate, "subgroup__collaborative", lambda w, s: b.update(w, s)),
    "/api/v1/update-comments/": _scoping(
        UpdateComment, "update__subgroup__collaborative", lambda w, s: b.comment(w, b.update(w, s))
    ),
    "/api/v1/support-entries/": _scoping(SupportEntry, "subgroup__collaborative", lambda w, s: b.support_request(w, s)),
    "/api/v1/subgroup-links/": _links,
    "/api/v1/reviews/": _scoping(Review, "subgroup__collaborative", lambda w, s: b.review(w, s)),
    "/api/v1/concerns/": _concerns,
}

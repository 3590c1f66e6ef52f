"""Permission rows for the system map API: maps (their page data, analysis, export and imports), versions and their
comparison, elements, connections, evidence, findings and comments.

Columns: anonymous, outsider (facilitator of another locality), observer, member, anchor, facilitator, programme
team; `lead` is a plain member here (in the comment rows, one who did not write the comment). Facilitators, anchors
and the programme team edit maps; members read and comment; observers read. Sensitive evidence is for facilitators
and the programme team only: to everyone else it does not exist (404), anchors included.
"""

from systemmap import services
from systemmap.models import Connection, Element, Evidence, Finding, MapComment, MapVersion
from tests.permissions.matrix import Case, everyone, expect
from tests.systemmap import builders as b

API_SIGNED_IN = {**everyone(200), "anonymous": 401}
API_READ = expect(401, 404, 200, 200, 200, 200, 200)
API_EDIT = expect(401, 404, 403, 403, 200, 200, 200)
API_REMOVE = expect(401, 404, 403, 403, 204, 204, 204)
# Creating something on a map given by id in the body: to an outsider our map does not exist (a field error).
API_EDIT_CREATE = expect(401, 400, 403, 403, 201, 201, 201)
API_EDIT_POST = expect(401, 400, 403, 403, 200, 200, 200)
API_COMMENT_CREATE = expect(401, 400, 403, 201, 201, 201, 201)
API_SENSITIVE = expect(401, 404, 404, 404, 404, 200, 200)


def _map(w):
    return b.small_map(w)[0]


def _id(make):
    return lambda w: {"id": make(w).pk}


def _element(w):
    return Element.objects.filter(map=_map(w)).first()


def _connection(w):
    return Connection.objects.filter(map=_map(w)).first()


def _evidence(w, **fields):
    map_ = _map(w)
    return b.quote(w, map_, element=map_.elements.first(), **fields)


def _finding(w):
    map_ = _map(w)
    return b.finding(w, map_, "Support stops while children wait", elements=[map_.elements.first()])


def _version(w):
    return services.version_create(actor=w.people["facilitator"], map=_map(w), label="Year 1 map")


def _comment(w):
    return services.comment_create(actor=w.people["member"], map=_map(w), body="Same in KS2?")


def _map_body(extra):
    return lambda w: {"map": _map(w).pk, **extra}


def _connection_body(w):
    map_ = _map(w)
    first, second = map_.elements.all()[:2]
    return {"map": map_.pk, "source": second.pk, "target": first.pk, "polarity": "-"}


def _move_body(w):
    map_ = _map(w)
    return {"map": map_.pk, "positions": [{"id": map_.elements.first().pk, "x": 1, "y": 2}]}


CSV = "Label,Type\nSchool nursing,Service\n"

CASES = [
    # --- Maps ----------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/maps/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/maps/",
        data=lambda w: {"collaborative": w.ours.pk, "title": "Year 1 map"},
    ),
    Case("get", API_READ, api="/api/v1/maps/{id}/", kwargs=_id(_map)),
    Case("patch", API_EDIT, api="/api/v1/maps/{id}/", kwargs=_id(_map), data=lambda w: {"title": "Renamed"}),
    Case("post", API_REMOVE, api="/api/v1/maps/{id}/remove/", kwargs=_id(_map)),
    Case("get", API_READ, api="/api/v1/maps/{id}/data/", kwargs=_id(_map)),
    Case("get", API_READ, api="/api/v1/maps/{id}/analysis/", kwargs=_id(_map)),
    Case("get", API_READ, api="/api/v1/maps/{id}/export/", kwargs=_id(_map), data=lambda w: {"format": "kumu"}),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/maps/import/",
        data=lambda w: {"collaborative": w.ours.pk, "content": CSV, "format": "csv"},
        note="the file's text in a JSON body; multipart uploads are tested in tests/systemmap",
    ),
    Case(
        "post",
        API_EDIT,
        api="/api/v1/maps/{id}/import/",
        kwargs=_id(_map),
        data=lambda w: {"content": CSV, "format": "csv"},
    ),
    # --- Versions --------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/map-versions/"),
    Case("post", API_EDIT_CREATE, api="/api/v1/map-versions/", data=_map_body({"label": "Year 2 review"})),
    Case("get", API_READ, api="/api/v1/map-versions/{id}/", kwargs=_id(_version)),
    Case("get", API_READ, api="/api/v1/map-versions/{id}/compare/", kwargs=_id(_version)),
    # --- Elements ----------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/map-elements/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/map-elements/",
        data=_map_body({"label": "School nursing", "type": "service"}),
    ),
    Case(
        "post",
        API_EDIT_POST,
        api="/api/v1/map-elements/move/",
        data=_move_body,
    ),
    Case("get", API_READ, api="/api/v1/map-elements/{id}/", kwargs=_id(_element)),
    Case("patch", API_EDIT, api="/api/v1/map-elements/{id}/", kwargs=_id(_element), data=lambda w: {"x": 12.5}),
    Case("post", API_REMOVE, api="/api/v1/map-elements/{id}/remove/", kwargs=_id(_element)),
    # --- Connections -------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/map-connections/"),
    Case("post", API_EDIT_CREATE, api="/api/v1/map-connections/", data=_connection_body),
    Case("get", API_READ, api="/api/v1/map-connections/{id}/", kwargs=_id(_connection)),
    Case(
        "patch", API_EDIT, api="/api/v1/map-connections/{id}/", kwargs=_id(_connection), data=lambda w: {"strength": 5}
    ),
    Case("post", API_REMOVE, api="/api/v1/map-connections/{id}/remove/", kwargs=_id(_connection)),
    # --- Evidence ----------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/evidence/"),
    Case(
        "post",
        API_EDIT_CREATE,
        api="/api/v1/evidence/",
        data=lambda w: {
            "element": _element(w).pk,
            "kind": "quote",
            "source_kind": "child",
            "attribution": "Year 9 pupil",
            "text": "Nobody asked me what was going on at home.",
        },
    ),
    Case("get", API_READ, api="/api/v1/evidence/{id}/", kwargs=_id(_evidence)),
    Case(
        "get",
        API_SENSITIVE,
        api="/api/v1/evidence/{id}/",
        kwargs=_id(lambda w: _evidence(w, sensitive=True)),
        note="sensitive evidence",
    ),
    Case(
        "patch",
        API_EDIT,
        api="/api/v1/evidence/{id}/",
        kwargs=_id(_evidence),
        data=lambda w: {"reference": "Interview notes"},
    ),
    Case("post", API_REMOVE, api="/api/v1/evidence/{id}/remove/", kwargs=_id(_evidence)),
    # --- Findings ----------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/findings/"),
    Case("post", API_EDIT_CREATE, api="/api/v1/findings/", data=_map_body({"title": "Referrals lose the story"})),
    Case("get", API_READ, api="/api/v1/findings/{id}/", kwargs=_id(_finding)),
    Case("patch", API_EDIT, api="/api/v1/findings/{id}/", kwargs=_id(_finding), data=lambda w: {"position": 3}),
    Case("post", API_REMOVE, api="/api/v1/findings/{id}/remove/", kwargs=_id(_finding)),
    # --- Comments ----------------------------------------------------------------------------------------------------
    Case("get", API_SIGNED_IN, api="/api/v1/map-comments/"),
    Case("post", API_COMMENT_CREATE, api="/api/v1/map-comments/", data=_map_body({"body": "Is this the same in KS2?"})),
    Case("get", API_READ, api="/api/v1/map-comments/{id}/", kwargs=_id(_comment)),
    Case(
        "post",
        expect(401, 404, 403, 204, 204, 204, 204, lead=403),
        api="/api/v1/map-comments/{id}/remove/",
        kwargs=_id(_comment),
        note="the member wrote it; the lead is another member",
    ),
]


def _scoping(model, make):
    """(ours, theirs): ids of rows on a map of Ashford and on a map of Brindle."""

    def rows(w):
        for collaborative in (w.ours, w.theirs):
            map_, elements, _ = b.small_map(w, collaborative)
            make(w, map_, elements)
        ours = set(model.objects.filter(map__collaborative=w.ours).values_list("pk", flat=True))
        theirs = set(model.objects.filter(map__collaborative=w.theirs).values_list("pk", flat=True))
        return ours, theirs

    return rows


def _maps(w):
    ours, theirs = _map(w), b.their_map(w)
    return {ours.pk}, {theirs.pk}


def _nothing(w, map_, elements):
    return None


def _evidence_on(w, map_, elements):
    b.quote(w, map_, element=elements[0])


def _finding_on(w, map_, elements):
    b.finding(w, map_, "A finding", elements=[elements[0]])


def _version_of(w, map_, elements):
    services.version_create(actor=b.editor_of(w, map_.collaborative), map=map_, label="Year 1")


def _comment_on(w, map_, elements):
    services.comment_create(actor=b.editor_of(w, map_.collaborative), map=map_, body="A comment")


# --- Pages: the maps list, the map, the table view and its forms, presentations and present mode ---------------------

PAGE_READ = expect(302, 404, 200, 200, 200, 200, 200)
PAGE_EDIT = expect(302, 404, 403, 403, 200, 200, 200)
PAGE_EDIT_WRITE = expect(302, 404, 403, 403, 302, 302, 302)
PAGE_COMMENT_WRITE = expect(302, 404, 403, 302, 302, 302, 302)


def _slug(w):
    return {"slug": w.ours.slug}


def _page_map(w):
    return {"slug": w.ours.slug, "pk": _one_map(w).pk}


def _one_map(w):
    """The same map for a row's address and its body (`_map` builds a new one each time)."""
    if not hasattr(w, "page_map"):
        w.page_map = _map(w)
    return w.page_map


def _page_element(w):
    element = Element.objects.filter(map=_one_map(w)).first()
    return {"slug": w.ours.slug, "pk": element.map_id, "element_pk": element.pk}


def _page_connection(w):
    connection = Connection.objects.filter(map=_one_map(w)).first()
    return {"slug": w.ours.slug, "pk": connection.map_id, "connection_pk": connection.pk}


def _presentation(w, steps=0):
    map_ = _map(w)
    presentation = services.presentation_create(actor=w.people["facilitator"], map=map_, title="First workshop")
    made = [
        services.step_create(
            actor=w.people["facilitator"],
            presentation=presentation,
            title=f"Step {n}",
            elements=[map_.elements.first().pk],
        )
        for n in range(1, steps + 1)
    ]
    return presentation, made


def _page_presentation(w):
    presentation, _ = _presentation(w, steps=1)
    return {"slug": w.ours.slug, "pk": presentation.map_id, "presentation_pk": presentation.pk}


def _page_step(w, *, which=0, steps=1):
    presentation, made = _presentation(w, steps=steps)
    return {
        "slug": w.ours.slug,
        "pk": presentation.map_id,
        "presentation_pk": presentation.pk,
        "step_pk": made[which].pk,
    }


def _new_connection(w):
    map_ = _one_map(w)
    first, second = map_.elements.all()[:2]
    return {"source": second.pk, "target": first.pk, "type": "support", "polarity": "-", "strength": "2"}


PAGE_CASES = [
    Case("get", PAGE_READ, page="systemmap-maps", kwargs=_slug),
    Case("post", PAGE_EDIT_WRITE, page="systemmap-maps", kwargs=_slug, data=lambda w: {"title": "Year 2 map"}),
    Case("get", PAGE_READ, page="systemmap-map", kwargs=_page_map),
    Case("get", PAGE_READ, page="systemmap-table", kwargs=_page_map),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-element-add",
        kwargs=_page_map,
        data=lambda w: {"label": "School nursing", "type": "service"},
    ),
    Case("get", PAGE_EDIT, page="systemmap-element-edit", kwargs=_page_element),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-element-edit",
        kwargs=_page_element,
        data=lambda w: {"label": "Renamed", "type": "pressure"},
    ),
    Case("get", PAGE_EDIT, page="systemmap-element-remove", kwargs=_page_element, note="the confirmation"),
    Case("post", PAGE_EDIT_WRITE, page="systemmap-element-remove", kwargs=_page_element),
    Case("post", PAGE_EDIT_WRITE, page="systemmap-connection-add", kwargs=_page_map, data=_new_connection),
    Case("get", PAGE_EDIT, page="systemmap-connection-edit", kwargs=_page_connection),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-connection-edit",
        kwargs=_page_connection,
        data=lambda w: {**_new_connection(w), "strength": "5"},
    ),
    Case("get", PAGE_EDIT, page="systemmap-connection-remove", kwargs=_page_connection, note="the confirmation"),
    Case("post", PAGE_EDIT_WRITE, page="systemmap-connection-remove", kwargs=_page_connection),
    Case(
        "post",
        PAGE_COMMENT_WRITE,
        page="systemmap-comment-add",
        kwargs=_page_map,
        data=lambda w: {"body": "Is this the same in KS2?"},
    ),
    Case("get", PAGE_READ, page="systemmap-presentations", kwargs=_page_map),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-presentations",
        kwargs=_page_map,
        data=lambda w: {"title": "Second workshop"},
    ),
    Case("get", PAGE_READ, page="systemmap-presentation", kwargs=_page_presentation),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-presentation",
        kwargs=_page_presentation,
        data=lambda w: {"title": "The pressures"},
    ),
    Case("get", PAGE_READ, page="systemmap-present", kwargs=_page_presentation),
    Case("post", PAGE_EDIT_WRITE, page="systemmap-presentation-remove", kwargs=_page_presentation),
    Case("get", PAGE_EDIT, page="systemmap-step-edit", kwargs=_page_step),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-step-edit",
        kwargs=_page_step,
        data=lambda w: {"title": "Renamed step", "caption": "What to say."},
    ),
    Case(
        "post",
        PAGE_EDIT_WRITE,
        page="systemmap-step-move",
        kwargs=lambda w: _page_step(w, which=1, steps=2),
        data=lambda w: {"direction": "up"},
    ),
    Case("post", PAGE_EDIT_WRITE, page="systemmap-step-remove", kwargs=_page_step),
]
CASES += PAGE_CASES


# Lists hold only what each may see. For the outsider (a facilitator of the other locality): (our rows, absent; their
# rows, present).
LIST_SCOPING = {
    "/api/v1/maps/": _maps,
    "/api/v1/map-elements/": _scoping(Element, _nothing),
    "/api/v1/map-connections/": _scoping(Connection, _nothing),
    "/api/v1/evidence/": _scoping(Evidence, _evidence_on),
    "/api/v1/findings/": _scoping(Finding, _finding_on),
    "/api/v1/map-versions/": _scoping(MapVersion, _version_of),
    "/api/v1/map-comments/": _scoping(MapComment, _comment_on),
}

"""Live workshop boards in the browser: the board page (for signed-in people and for guests, who see their one board
and nothing else), guest links and joining as a guest, making a board from a template, and the workshop record
(printable page, Markdown and CSV).

The board page renders its shell here; frontend/static/frontend/board.js takes over, speaking the protocol of
collab.board_protocol over /ws/live/board/<id>/. Reads go through collab.selectors.boards, writes through
collab.services.boards."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab import selectors
from collab.access import Action, require_workshop
from collab.errors import DomainError, Forbidden, NotFound
from collab.guests import GUEST_COOKIE, GUEST_COOKIE_MAX_AGE, guest_cookie_value, guest_for_request
from collab.models import Board, CardColour, GuestLink, Phase, Workshop
from collab.promotion import available_targets
from collab.selectors import boards as board_selectors
from collab.services import boards as board_services
from frontend.board_record import made_on, promotion_words, ranked_rows, record_csv, record_markdown, where_and_when
from frontend.forms import add_domain_error
from frontend.forms_boards import BoardForm, GuestLinkForm, GuestNameForm, JoinCodeForm
from frontend.templatetags.workshops import workshop_when
from frontend.views import PROBLEM_TITLES, page, shows_domain_errors

GUEST_LINK_CLOSED = "The facilitator has closed this guest link, or it has expired. Ask them for a new code."


# --- The board -------------------------------------------------------------------------------------------------------


def _workshop_url(workshop: Workshop) -> str:
    return reverse("workshop-detail", kwargs={"pk": workshop.pk})


def _join_url(request: HttpRequest, link: GuestLink) -> str:
    return request.build_absolute_uri(reverse("guest-join-name", kwargs={"code": link.code}))


def _board_response(
    request: HttpRequest,
    board: Board,
    viewer: Any,
    *,
    guest_form: GuestLinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    state = board_selectors.board_state(viewer, board)
    may_run = bool(viewer.extra.get("may_take_over"))
    now = timezone.now()
    links = []
    if may_run:
        links = [link for link in board_selectors.guest_links(request.user, board) if link.is_usable]
    config = {
        "socket": f"/ws/live/board/{board.pk}/",
        "page": reverse("board", kwargs={"pk": board.pk}),
        "now": now.isoformat(),
        "facilitator_name": board.facilitator.display_name,
        "targets": [{"name": t.name, "label": t.label} for t in available_targets()],
        "is_guest": viewer.guest_id is not None,
        "ended": board.workshop.ended_at is not None,
        "colours": [{"value": value, "label": label} for value, label in CardColour.choices],
        "phases": [{"value": value, "label": label} for value, label in Phase.choices],
        "card_max": board_services.CARD_TEXT_MAX,
        "timer_max_minutes": board_services.MAX_TIMER_SECONDS // 60,
    }
    context = {
        "board": board,
        "workshop": board.workshop,
        "when": workshop_when(board.workshop),
        "viewer": viewer,
        "is_guest": viewer.guest_id is not None,
        "ended": board.workshop.ended_at is not None,
        "may_run": may_run,
        "state": state,
        "config": config,
        "zones": state["zones"],
        "phases": Phase.choices,
        "colours": CardColour.choices,
        "workshop_url": None if viewer.guest_id else _workshop_url(board.workshop),
        "guest_links": [(link, _join_url(request, link)) for link in links],
        "join_url": request.build_absolute_uri(reverse("guest-join")),
        "guest_form": guest_form or GuestLinkForm(),
    }
    return render(request, "frontend/boards/board.html", context, status=status)


@shows_domain_errors
@require_GET
def board_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The board, for a signed-in person who can see its workshop, or for a guest who joined this board."""
    if request.user.is_authenticated:
        board, viewer = board_selectors.board_get(request.user, pk)
        return _board_response(request, board, viewer)
    guest = guest_for_request(request)
    if guest is None:
        return redirect_to_login(request.get_full_path())
    if guest.board_id == pk and not guest.can_take_part:
        return _join_problem(request, Forbidden(GUEST_LINK_CLOSED))
    board, viewer = board_selectors.board_get(guest, pk)
    return _board_response(request, board, viewer)


def _board_for_running(request: HttpRequest, pk: int) -> tuple[Board, Any]:
    """A board the person can see, and may run (invite guests to): NotFound or Forbidden otherwise."""
    board, viewer = board_selectors.board_get(request.user, pk)
    require_workshop(request.user, Action.RUN_WORKSHOPS, board.workshop, what="invite guests")
    return board, viewer


@page
@require_POST
def guest_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    board, viewer = _board_for_running(request, pk)
    form = GuestLinkForm(request.POST)
    if form.is_valid():
        try:
            link = board_services.guest_link_create(actor=request.user, board=board, hours=form.cleaned_data["hours"])
        except DomainError as error:
            if isinstance(error, (NotFound, Forbidden)):
                raise
            add_domain_error(form, error)
        else:
            until = timezone.localtime(link.expires_at)
            messages.success(
                request, f"Guests can join with the code {link.code} until {until:%H:%M} on {until.day} {until:%B}."
            )
            return redirect(reverse("board", kwargs={"pk": board.pk}) + "#guests")
    return _board_response(request, board, viewer, guest_form=form, status=400)


def _link_of(request: HttpRequest, board: Board, link_pk: int) -> GuestLink:
    link = next((link for link in board_selectors.guest_links(request.user, board) if link.pk == link_pk), None)
    if link is None:
        raise NotFound()
    return link


@page
@require_POST
def guest_link_revoke(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    board, _ = _board_for_running(request, pk)
    link = _link_of(request, board, link_pk)
    board_services.guest_link_revoke(actor=request.user, link=link)
    messages.success(request, f"The code {link.code} no longer works. Guests who joined with it have left the board.")
    return redirect(reverse("board", kwargs={"pk": board.pk}) + "#guests")


@page
@require_GET
def guest_link_show(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    """The code, large, for a projector or a shared screen."""
    board, _ = _board_for_running(request, pk)
    link = _link_of(request, board, link_pk)
    context = {
        "board": board,
        "link": link,
        "join_url": request.build_absolute_uri(reverse("guest-join")),
        "direct_url": _join_url(request, link),
        "usable": link.is_usable,
    }
    return render(request, "frontend/boards/guest_code.html", context)


# --- Joining as a guest ----------------------------------------------------------------------------------------------


def _join_problem(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = error.status if error.status in PROBLEM_TITLES else 400
    context = {"title": "This code does not work", "message": error.message, "status": status}
    return render(request, "frontend/boards/join_problem.html", context, status=status)


@require_http_methods(["GET", "POST"])
def guest_join(request: HttpRequest) -> HttpResponse:
    """Type the code from the facilitator's screen; a code that works leads straight on to giving a name."""
    form = JoinCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                link = board_services.guest_link_by_code(form.cleaned_data["code"])
            except DomainError as error:
                form.add_error("code", error.message)
                status = error.status
            else:
                return _name_page(request, link, GuestNameForm())
    return render(request, "frontend/boards/join.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def guest_join_name(request: HttpRequest, code: str) -> HttpResponse:
    """Give the name others will see, and take part on the board."""
    try:
        link = board_services.guest_link_by_code(code)
    except DomainError as error:
        return _join_problem(request, error)
    if request.method == "GET":
        return _name_page(request, link, GuestNameForm())
    signed_in = _signed_in_answer(request, link, joining=True)
    if signed_in is not None:
        return signed_in
    form = GuestNameForm(request.POST)
    if form.is_valid():
        try:
            guest = board_services.guest_join(code=link.code, display_name=form.cleaned_data["display_name"])
        except DomainError as error:
            if not error.fields:
                return _join_problem(request, error)
            add_domain_error(form, error)
        else:
            # 303: the join is done; the browser fetches the board with a GET.
            response = redirect("board", pk=link.board_id)
            response.status_code = 303
            response.set_cookie(
                GUEST_COOKIE,
                guest_cookie_value(guest),
                max_age=GUEST_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    return _name_page(request, link, form, status=400)


def _signed_in_answer(request: HttpRequest, link: GuestLink, *, joining: bool = False) -> HttpResponse | None:
    """Someone signed in does not become a guest: they go to the board if it is theirs to see; otherwise they are
    told to sign out first (joining as a guest needs a browser that is not signed in)."""
    if not request.user.is_authenticated:
        return None
    try:
        board_selectors.board_get(request.user, link.board_id)
    except NotFound:
        status = 403 if joining else 200
        context = {"board": link.board, "link": link}
        return render(request, "frontend/boards/join_signed_in.html", context, status=status)
    return redirect("board", pk=link.board_id)


def _name_page(request: HttpRequest, link: GuestLink, form: GuestNameForm, *, status: int = 200) -> HttpResponse:
    signed_in = _signed_in_answer(request, link)
    if signed_in is not None:
        return signed_in
    context = {"form": form, "board": link.board, "link": link}
    return render(request, "frontend/boards/join_name.html", context, status=status)


# --- Making a board --------------------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def board_create(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(request.user, pk)
    require_workshop(request.user, Action.RUN_WORKSHOPS, workshop, what="make boards")
    form = BoardForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                board = board_services.board_create(actor=request.user, workshop=workshop, **form.cleaned_data)
            except DomainError as error:
                if isinstance(error, (NotFound, Forbidden)):
                    raise
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, f"“{board.title}” is ready. Share this page, or a guest code, to start.")
                return redirect("board", pk=board.pk)
    context = {"workshop": workshop, "form": form, "when": workshop_when(workshop)}
    return render(request, "frontend/boards/create.html", context, status=status)


# --- The workshop record ---------------------------------------------------------------------------------------------


def _record(request: HttpRequest, pk: int):
    workshop = selectors.workshop_get(request.user, pk)
    return board_selectors.workshop_record(request.user, workshop)


@page
@require_GET
def workshop_record(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    boards = [
        {
            "record": board_record,
            "rows": ranked_rows(board_record),
            "promotions": [promotion_words(p) for p in board_record.promotions],
        }
        for board_record in record.boards
    ]
    context = {
        "record": record,
        "workshop": record.workshop,
        "boards": boards,
        "where_and_when": where_and_when(record),
        "made_on": made_on(),
        "workshop_url": _workshop_url(record.workshop),
    }
    return render(request, "frontend/boards/record.html", context)


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@page
@require_GET
def workshop_record_markdown(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    return _download(record_markdown(record), "text/markdown; charset=utf-8", f"workshop-{pk}-record.md")


@page
@require_GET
def workshop_record_csv(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    return _download(record_csv(record), "text/csv; charset=utf-8", f"workshop-{pk}-record.csv")

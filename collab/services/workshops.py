"""Workshops: scheduling them (one at a time, or the year's dates in one go), changing, cancelling and ending them,
places (registrations) and attendance.

Times are UK times. Pages and the API take a local date and time (Europe/London); `local_datetime` turns them into
aware datetimes and refuses a time the clocks skip. Workshops are stored in UTC and shown in UK time, so a workshop
at 10:00 on 29 March 2027, after the clocks have gone forward, is stored as 09:00 UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from collab.access import PERMISSIONS, Action, programme_role, require, require_workshop, workshop_role
from collab.audit import audit_record, changes_between, snapshot
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import (
    Collaborative,
    Membership,
    Programme,
    Registration,
    Role,
    User,
    Workshop,
    WorkshopFormat,
    WorkshopLength,
)

__all__ = [
    "ATTENDANCE_MAX",
    "MAX_DATES_PER_SCHEDULE",
    "SCHEDULE_AHEAD",
    "WORKSHOP_EDITABLE",
    "attendance_mark",
    "local_datetime",
    "registration_cancel",
    "registration_register",
    "uk_date",
    "workshop_cancel",
    "workshop_create",
    "workshop_end",
    "workshop_ended",
    "workshop_schedule_year",
    "workshop_update",
]

# Sent after the transaction that ends a workshop commits, with `workshop_id`: the workshop record (votes, groups,
# attendance) is put together by whoever listens.
workshop_ended = Signal()

MAX_DATES_PER_SCHEDULE = 24  # two a month for a year is already a lot
SCHEDULE_AHEAD = timedelta(days=3 * 366)  # the length of a programme
LONGEST_WORKSHOP = timedelta(hours=12)
HALF_DAY_AT_MOST = timedelta(hours=4, minutes=30)
ATTENDANCE_MAX = 1000  # people in one attendance call: more than the largest cross-locality workshop

TEXT_LIMITS = {"title": 200, "venue": 300, "accessibility_notes": 2000, "agenda": 10000}
WORKSHOP_EDITABLE = ["title", "starts_at", "ends_at", "format", "length", *TEXT_LIMITS]
ACCESS_NEEDS_MAX = 500
_WHAT = {
    "title": "The title",
    "venue": "The venue",
    "accessibility_notes": "The accessibility notes",
    "agenda": "The agenda",
}


# --- UK time -----------------------------------------------------------------------------------------------------


def uk_date(day: date) -> str:
    """“Tuesday 12 January 2027”."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def local_datetime(day: date, at: time, *, field: str = "starts_at") -> datetime:
    """The moment a UK wall-clock time happens on a day. A time the clocks skip (the night they go forward) is
    refused; a time that happens twice (the night they go back) is the first of the two."""
    zone = timezone.get_default_timezone()
    wall = datetime.combine(day, at.replace(tzinfo=None))
    moment = wall.replace(tzinfo=zone)
    try:
        round_trip = moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        raise DomainError.for_field(field, f"{uk_date(day)} is too far away to schedule a workshop.") from None
    if round_trip != wall:
        raise DomainError.for_field(
            field,
            f"{at:%H:%M} does not exist in the UK on {uk_date(day)}: the clocks go forward an hour that night. "
            "Choose another time.",
        )
    return moment


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.get_default_timezone())


# --- Workshops ---------------------------------------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *,
    actor: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    collaborative: Collaborative | None = None,
    programme: Programme | None = None,
    format: str = WorkshopFormat.IN_PERSON,
    length: str | None = None,
    venue: str = "",
    accessibility_notes: str = "",
    agenda: str = "",
) -> Workshop:
    """Schedule one workshop of a collaborative or, with no collaborative, a cross-locality workshop of the programme.
    Without a `length`, a workshop of up to four and a half hours is a half day."""
    programme = _programme_for(actor, collaborative, programme)
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    errors: dict[str, list[str]] = {}
    texts = _clean_texts(
        {"title": title, "venue": venue, "accessibility_notes": accessibility_notes, "agenda": agenda}, errors
    )
    _check_choices(format, length, errors)
    _check_times(starts_at, ends_at, errors, now=timezone.now())
    if errors:
        raise DomainError("The workshop was not scheduled: please correct the details below.", fields=errors)
    _check_no_clash(programme, collaborative, starts_at, ends_at)
    workshop = Workshop.objects.create(
        programme=programme,
        collaborative=collaborative,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        length=length or _length_for(starts_at, ends_at),
        created_by=actor,
        **texts,
    )
    _audit_created(actor, workshop)
    return workshop


@transaction.atomic
def workshop_schedule_year(
    *,
    actor: User,
    dates: Sequence[date],
    start_time: time,
    end_time: time,
    title: str,
    collaborative: Collaborative | None = None,
    programme: Programme | None = None,
    format: str = WorkshopFormat.IN_PERSON,
    length: str | None = None,
    venue: str = "",
    accessibility_notes: str = "",
    agenda: str = "",
) -> list[Workshop]:
    """Set the year's workshop dates in one go: one workshop per date, all at the same UK times and with the same
    details. Either every workshop is scheduled or none is, and the error lists every date at fault."""
    programme = _programme_for(actor, collaborative, programme)
    errors: dict[str, list[str]] = {}
    texts = _clean_texts(
        {"title": title, "venue": venue, "accessibility_notes": accessibility_notes, "agenda": agenda}, errors
    )
    _check_choices(format, length, errors)
    dates = list(dates)
    if not dates:
        errors.setdefault("dates", []).append("Give at least one date.")
    if len(dates) > MAX_DATES_PER_SCHEDULE:
        errors.setdefault("dates", []).append(
            f"Schedule at most {MAX_DATES_PER_SCHEDULE} workshops at once ({len(dates)} dates were given)."
        )
        dates = []  # nothing more to say about them
    if end_time.replace(tzinfo=None) <= start_time.replace(tzinfo=None):
        errors.setdefault("end_time", []).append("The end time must be after the start time.")
    repeated = sorted(day for day, count in Counter(dates).items() if count > 1)
    if repeated:
        listed = "This date is" if len(repeated) == 1 else "These dates are"
        errors.setdefault("dates", []).append(f"{listed} listed twice: {_days(repeated)}.")
    if dates and (max(dates) - min(dates)).days > 366:
        errors.setdefault("dates", []).append(
            f"Schedule one year at a time: {uk_date(min(dates))} to {uk_date(max(dates))} is more than a year."
        )
    now = timezone.now()
    times: dict[date, tuple[datetime, datetime]] = {}
    for day in sorted(set(dates)):
        try:
            times[day] = (
                local_datetime(day, start_time, field="start_time"),
                local_datetime(day, end_time, field="end_time"),
            )
        except DomainError as error:
            for name, messages in error.fields.items():
                errors.setdefault(name, []).extend(messages)
    past = [day for day, (starts, _) in times.items() if starts <= now]
    if past:
        errors.setdefault("dates", []).append(
            f"{'This date has' if len(past) == 1 else 'These dates have'} passed: {_days(past)}. "
            "Choose dates in the future."
        )
    too_far = [day for day, (starts, _) in times.items() if starts > now + SCHEDULE_AHEAD]
    if too_far:
        listed = "This date is" if len(too_far) == 1 else "These dates are"
        errors.setdefault("dates", []).append(f"{listed} more than three years away: {_days(too_far)}.")
    taken = _days_taken(programme, collaborative, [day for day in times if day not in past and day not in too_far])
    if taken:
        where = collaborative.name if collaborative else f"{programme.name} (all localities)"
        listed = "; ".join(f"{uk_date(day)} (“{name}”)" for day, name in sorted(taken.items()))
        errors.setdefault("dates", []).append(f"{where} already has a workshop on: {listed}.")
    if errors:
        raise DomainError(
            "No workshops were scheduled: please correct the details below, then schedule them again.", fields=errors
        )
    workshops = Workshop.objects.bulk_create(
        [
            Workshop(
                programme=programme,
                collaborative=collaborative,
                starts_at=starts,
                ends_at=ends,
                format=format,
                length=length or _length_for(starts, ends),
                created_by=actor,
                **texts,
            )
            for starts, ends in times.values()
        ]
    )
    for workshop in workshops:
        _audit_created(actor, workshop)
    return workshops


@transaction.atomic
def workshop_update(*, actor: User, workshop: Workshop, **fields: Any) -> Workshop:
    """Change a workshop's title, times, format, length, venue, accessibility notes or agenda."""
    workshop = _lock(workshop)
    require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="change the details")
    unknown = sorted(set(fields) - set(WORKSHOP_EDITABLE))
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(unknown)}.")
    if workshop.cancelled_at:
        raise Conflict("This workshop has been cancelled; it can no longer be changed.")
    errors: dict[str, list[str]] = {}
    texts = _clean_texts({name: fields[name] for name in TEXT_LIMITS if name in fields}, errors)
    _check_choices(fields.get("format", workshop.format), fields.get("length", workshop.length), errors)
    starts_at = _aware(fields.get("starts_at", workshop.starts_at))
    ends_at = _aware(fields.get("ends_at", workshop.ends_at))
    moved = starts_at != workshop.starts_at or ends_at != workshop.ends_at
    if moved:
        if workshop.ended_at:
            raise Conflict("This workshop has ended; its date and times can no longer change.")
        now = timezone.now()
        _check_times(starts_at, ends_at, errors, now=now, past_start_ok=starts_at == workshop.starts_at)
    if errors:
        raise DomainError("The workshop was not changed: please correct the details below.", fields=errors)
    if moved:
        _check_no_clash(workshop.programme, workshop.collaborative, starts_at, ends_at, exclude=workshop.pk)
    changed = {**fields, **texts, "starts_at": starts_at, "ends_at": ends_at}
    names = [name for name in WORKSHOP_EDITABLE if name in changed]
    before = snapshot(workshop, names)
    for name in names:
        setattr(workshop, name, changed[name])
    workshop.save()
    audit_record(
        actor=actor,
        action="workshop.update",
        target=workshop,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes=changes_between(before, snapshot(workshop, names)),
    )
    return workshop


@transaction.atomic
def workshop_cancel(*, actor: User, workshop: Workshop) -> Workshop:
    """Call a workshop off. It stays listed as cancelled, with its registrations."""
    workshop = _lock(workshop)
    require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="cancel workshops")
    if workshop.cancelled_at:
        raise Conflict("This workshop has already been cancelled.")
    if workshop.ended_at:
        raise Conflict("This workshop has already taken place, so it cannot be cancelled.")
    workshop.cancelled_at = timezone.now()
    workshop.save(update_fields=["cancelled_at"])
    audit_record(
        actor=actor,
        action="workshop.cancel",
        target=workshop,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes={"cancelled_at": [None, workshop.cancelled_at.isoformat()]},
    )
    return workshop


@transaction.atomic
def workshop_end(*, actor: User, workshop: Workshop) -> Workshop:
    """The facilitator closes the workshop: its record (boards, votes, attendance) can then be put together."""
    workshop = _lock(workshop)
    require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="end workshops")
    if workshop.cancelled_at:
        raise Conflict("This workshop was cancelled, so it cannot be ended.")
    if workshop.ended_at:
        raise Conflict("This workshop has already ended.")
    now = timezone.now()
    if workshop.starts_at > now:
        raise Conflict("This workshop has not started yet; it can be ended once it has.")
    workshop.ended_at = now
    workshop.save(update_fields=["ended_at"])
    audit_record(
        actor=actor,
        action="workshop.end",
        target=workshop,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes={"ended_at": [None, now.isoformat()]},
    )
    pk = workshop.pk
    transaction.on_commit(lambda: workshop_ended.send(sender=Workshop, workshop_id=pk))
    return workshop


# --- Places and attendance ---------------------------------------------------------------------------------------


@transaction.atomic
def registration_register(
    *, actor: User, workshop: Workshop, user: User | None = None, access_needs: str = ""
) -> Registration:
    """Book a place: for yourself, or (facilitators) for someone else who could come."""
    person = user or actor
    workshop = _lock(workshop)
    if person.pk != actor.pk:
        require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="book places for other people")
        if workshop_role(person, workshop) is None:
            raise DomainError.for_field("user", f"{person} is not a member who could come to this workshop.")
    else:
        require_workshop(actor, Action.VIEW, workshop)
    _check_open(workshop)
    access_needs = (access_needs or "").strip()
    if len(access_needs) > ACCESS_NEEDS_MAX:
        raise DomainError.for_field(
            "access_needs", f"Access needs must be {ACCESS_NEEDS_MAX} characters or fewer (it has {len(access_needs)})."
        )
    if Registration.objects.filter(workshop=workshop, user=person).exists():
        who = "You already have" if person.pk == actor.pk else f"{person} already has"
        raise Conflict(f"{who} a place at this workshop.")
    registration = Registration.objects.create(workshop=workshop, user=person, access_needs=access_needs)
    audit_record(
        actor=actor,
        action="registration.create",
        target=registration,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes=changes_between({}, snapshot(registration, ["user", "access_needs"])),
    )
    return registration


@transaction.atomic
def registration_cancel(*, actor: User, workshop: Workshop, user: User | None = None) -> Workshop:
    """Give up a place: your own, or (facilitators) someone else's. Once the workshop has taken place the place stays,
    as the record of who was expected."""
    person = user or actor
    workshop = _lock(workshop)
    if person.pk != actor.pk:
        require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="cancel other people's places")
    else:
        require_workshop(actor, Action.VIEW, workshop)
    registration = Registration.objects.filter(workshop=workshop, user=person).select_related("user").first()
    if registration is None:
        who = "You do not have" if person.pk == actor.pk else f"{person} does not have"
        raise Conflict(f"{who} a place at this workshop.")
    if workshop.ended_at or workshop.ends_at <= timezone.now():
        raise Conflict("This workshop has already taken place; places are kept as the record of who was expected.")
    audit_record(
        actor=actor,
        action="registration.cancel",
        target=registration,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes={"user": [registration.user_id, None]},
    )
    registration.delete()
    return workshop


@transaction.atomic
def attendance_mark(*, actor: User, workshop: Workshop, attendance: dict[int, bool]) -> list[Registration]:
    """Record who came (True) and who did not (False), by person id, in one go. Someone who came without a place is
    given one, marked as having come. People not mentioned keep what was recorded for them."""
    workshop = _lock(workshop)
    require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="take attendance")
    if workshop.cancelled_at:
        raise Conflict("This workshop was cancelled; there is no attendance to take.")
    now = timezone.now()
    if workshop.starts_at > now:
        raise Conflict("Attendance can be taken once the workshop has started.")
    if not attendance:
        raise DomainError.for_field("attendance", "Say who came.")
    if len(attendance) > ATTENDANCE_MAX:
        raise DomainError.for_field("attendance", f"Record at most {ATTENDANCE_MAX} people at once.")
    registrations = {
        r.user_id: r
        for r in Registration.objects.select_for_update(of=("self",)).filter(workshop=workshop).select_related("user")
    }
    unregistered = [pk for pk in attendance if pk not in registrations]
    could_come = _people_who_could_come(workshop, unregistered)
    strangers = sorted(pk for pk in unregistered if pk not in could_come)
    if strangers:
        ids = ("ids " if len(strangers) > 1 else "id ") + ", ".join(str(pk) for pk in strangers)
        raise DomainError.for_field("attendance", f"There is no one with the {ids} who could come to this workshop.")
    changed: list[tuple[Registration, bool | None]] = []
    for pk, came in attendance.items():
        registration = registrations.get(pk)
        if registration is None:
            if not came:
                continue  # no place, did not come: nothing to record
            registration = Registration(workshop=workshop, user=could_come[pk], registered_at=now)
            registrations[pk] = registration
        elif registration.attended is came:
            continue
        changed.append((registration, registration.attended))
        registration.attended = came
        registration.attendance_marked_by = actor
        registration.attendance_marked_at = now
    for registration, before in changed:
        registration.save()
        audit_record(
            actor=actor,
            action="registration.attendance",
            target=registration,
            collaborative=workshop.collaborative,
            programme=workshop.programme,
            changes={"attended": [before, registration.attended]},
        )
    return sorted(registrations.values(), key=lambda r: (r.user.display_name.lower(), r.user.email))


# --- Helpers -----------------------------------------------------------------------------------------------------


def _programme_for(actor: User, collaborative: Collaborative | None, programme: Programme | None) -> Programme:
    """The programme a new workshop belongs to, once the person is known to be allowed to schedule it there."""
    if collaborative is not None:
        require(actor, Action.RUN_WORKSHOPS, collaborative, what="schedule workshops")
        if programme is not None and programme.pk != collaborative.programme_id:
            raise DomainError.for_field("programme", f"{collaborative.name} is not part of {programme.name}.")
        return collaborative.programme
    if programme is None:
        raise DomainError.for_field(
            "collaborative", "Choose the collaborative, or the programme for a cross-locality workshop."
        )
    role = programme_role(actor, programme)
    if role is None:
        raise NotFound()
    if Action.RUN_WORKSHOPS not in PERMISSIONS[role]:
        raise Forbidden("Only facilitators and the programme team can schedule cross-locality workshops.")
    return programme


def _lock(workshop: Workshop) -> Workshop:
    return (
        Workshop.objects.select_for_update(of=("self",))
        .select_related("programme", "collaborative")
        .get(pk=workshop.pk)
    )


def _clean_texts(values: dict[str, str | None], errors: dict[str, list[str]]) -> dict[str, str]:
    cleaned = {}
    for name, value in values.items():
        value = (value or "").strip()
        limit = TEXT_LIMITS[name]
        if name == "title" and not value:
            errors.setdefault(name, []).append("Give the workshop a title, for example “Agreeing our priorities”.")
        elif len(value) > limit:
            errors.setdefault(name, []).append(
                f"{_WHAT[name]} must be {limit:,} characters or fewer (it has {len(value):,})."
            )
        cleaned[name] = value
    return cleaned


def _check_choices(format: str, length: str | None, errors: dict[str, list[str]]) -> None:
    if format not in WorkshopFormat.values:
        errors.setdefault("format", []).append("Choose in person, online or hybrid.")
    if length is not None and length not in WorkshopLength.values:
        errors.setdefault("length", []).append("Choose half day or full day.")


def _check_times(
    starts_at: datetime, ends_at: datetime, errors: dict[str, list[str]], *, now: datetime, past_start_ok: bool = False
) -> None:
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append("The workshop must end after it starts.")
    elif ends_at - starts_at > LONGEST_WORKSHOP:
        errors.setdefault("ends_at", []).append("A workshop lasts a day at most: end it within 12 hours of the start.")
    if starts_at <= now and not past_start_ok:
        errors.setdefault("starts_at", []).append("That time has passed: choose a time in the future.")
    elif starts_at > now + SCHEDULE_AHEAD:
        errors.setdefault("starts_at", []).append("Workshops can be scheduled up to three years ahead.")


def _length_for(starts_at: datetime, ends_at: datetime) -> str:
    return WorkshopLength.HALF_DAY if ends_at - starts_at <= HALF_DAY_AT_MOST else WorkshopLength.FULL_DAY


def _same_place(programme: Programme, collaborative: Collaborative | None) -> Q:
    """Workshops that compete for the same people's diaries: the collaborative's, or the programme's cross-locality
    ones."""
    if collaborative is not None:
        return Q(collaborative=collaborative)
    return Q(collaborative__isnull=True, programme=programme)


def _check_no_clash(
    programme: Programme,
    collaborative: Collaborative | None,
    starts_at: datetime,
    ends_at: datetime,
    *,
    exclude: int | None = None,
) -> None:
    clash = (
        Workshop.objects.filter(_same_place(programme, collaborative), cancelled_at__isnull=True)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=exclude)
        .first()
    )
    if clash is not None:
        when = timezone.localtime(clash.starts_at)
        raise DomainError.for_field(
            "starts_at",
            f"It would overlap “{clash.title}” on {uk_date(when.date())} at {when:%H:%M}. Choose another time.",
        )


def _days_taken(programme: Programme, collaborative: Collaborative | None, days: list[date]) -> dict[date, str]:
    """Which of these UK dates already have a workshop (not cancelled) in the same place, and its title."""
    if not days:
        return {}
    zone = timezone.get_default_timezone()
    first = datetime.combine(min(days), time.min).replace(tzinfo=zone)
    after = datetime.combine(max(days) + timedelta(days=1), time.min).replace(tzinfo=zone)
    wanted = set(days)
    taken: dict[date, str] = {}
    rows = Workshop.objects.filter(
        _same_place(programme, collaborative), cancelled_at__isnull=True, starts_at__gte=first, starts_at__lt=after
    ).values_list("starts_at", "title")
    for starts_at, title in rows:
        day = timezone.localtime(starts_at).date()
        if day in wanted:
            taken.setdefault(day, title)
    return taken


def _days(days: list[date]) -> str:
    return ", ".join(uk_date(day) for day in sorted(days))


def _check_open(workshop: Workshop) -> None:
    if workshop.cancelled_at:
        raise Conflict("This workshop has been cancelled.")
    if workshop.ended_at or workshop.ends_at <= timezone.now():
        raise Conflict("This workshop has already taken place.")


def _people_who_could_come(workshop: Workshop, user_ids: list[int]) -> dict[int, User]:
    """Of these people, those with a part in the workshop's collaborative (or, for a cross-locality workshop, its
    programme), by id."""
    if not user_ids:
        return {}
    memberships = Membership.objects.active().filter(user_id__in=user_ids)
    if workshop.collaborative_id is None:
        memberships = memberships.filter(programme_id=workshop.programme_id)
    else:
        memberships = memberships.filter(
            Q(collaborative_id=workshop.collaborative_id)
            | Q(collaborative__isnull=True, programme_id=workshop.programme_id, role=Role.PROGRAMME_TEAM)
        )
    return {m.user_id: m.user for m in memberships.select_related("user")}


def _audit_created(actor: User, workshop: Workshop) -> None:
    audit_record(
        actor=actor,
        action="workshop.create",
        target=workshop,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes=changes_between({}, snapshot(workshop, ["title", "starts_at", "ends_at", "format", "length", "venue"])),
    )

"""Notifications: posting a message to its recipients, delivering it (in-app and by email), the person's
preferences, reading and the one-click unsubscribe.

Guarantees, each held by the database rather than by luck:
- one delivery per (person, kind, key): a message's key names its subject and period, so posting it again, beat
  firing twice or a task being retried adds nothing;
- a delivery is sent while its row is locked and marked sent in the same transaction, so two workers never send it
  both; a failed email is recorded (attempts, last error, when to try next) and retried with back-off;
- nothing goes to a person who has left (no active membership where the message is about) or unsubscribed;
- an email that can never be sent as it is (a header the mail library refuses, an address it cannot read, a mailbox
  the mail server refuses for good) fails at once instead of being retried.

Every email of the workspace is put together by `email_compose`, the one place that cleans what goes into a header
(line breaks and other control characters become a space) and renders plain text without HTML escaping.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from smtplib import SMTPDataError, SMTPRecipientsRefused
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from collab.audit import audit_record, changes_between, snapshot
from collab.errors import DomainError, NotFound
from collab.models import (
    DIGEST_KINDS,
    Delivery,
    DeliveryState,
    DigestFrequency,
    Membership,
    Message,
    Notification,
    NotificationKind,
    NotificationPreference,
    Role,
    User,
)

log = logging.getLogger(__name__)

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryFailed",
    "deliveries_enqueue",
    "deliveries_pending_due",
    "deliveries_requeue",
    "delivery_send",
    "email_compose",
    "header_text",
    "message_post",
    "notification_mark_read",
    "notifications_mark_all_read",
    "preference_update",
    "run_due",
    "unsubscribe",
    "unsubscribe_token",
    "unsubscribe_from_token",
]

UNSUBSCRIBE_SALT = "collab.notifications.unsubscribe"
UNSUBSCRIBE_ALL = "all"
PREFERENCE_FIELDS = ["digest_frequency", "email", "in_app", "email_muted_kinds"]
REQUEUE_AFTER = timedelta(minutes=30)  # a delivery still waiting this long has lost its task: queue it again
MAX_ATTEMPTS = 6  # the first try and five retries, over about an hour and a half
RETRY_BASE = timedelta(seconds=60)


class DeliveryFailed(Exception):
    """An email could not be sent; the attempt is recorded and the task retries with back-off."""


# --- Posting -----------------------------------------------------------------------------------------------------


def message_post(
    *,
    kind: str,
    key: str,
    programme_id: int,
    collaborative_id: int | None,
    recipient_ids: Iterable[int],
    subject: str,
    summary: str,
    template: str,
    context: dict[str, Any],
    link: str = "",
    attachment: tuple[str, str, str] | None = None,
    enqueue: bool = True,
) -> list[int]:
    """Post a message to people, once: the message is found by its key if it was posted before, and each person
    gets one delivery per (kind, key). Returns the ids of the deliveries this call added; they are queued for
    sending once the transaction commits (unless `enqueue` is false)."""
    recipients = sorted(set(recipient_ids))
    if not recipients:
        return []
    with transaction.atomic():
        message = Message.objects.filter(key=key).first()
        if message is None:
            name, mime, content = attachment or ("", "", "")
            message, _ = Message.objects.get_or_create(
                key=key,
                defaults={
                    "kind": kind,
                    "programme_id": programme_id,
                    "collaborative_id": collaborative_id,
                    "subject": subject[:300],
                    "summary": summary[:500],
                    "template": template,
                    "context": context,
                    "link": link,
                    "attachment_name": name,
                    "attachment_type": mime,
                    "attachment": content,
                },
            )
        already = set(
            Delivery.objects.filter(kind=kind, key=key, user_id__in=recipients).values_list("user_id", flat=True)
        )
        Delivery.objects.bulk_create(
            [Delivery(user_id=pk, kind=kind, key=key, message=message) for pk in recipients if pk not in already],
            ignore_conflicts=True,  # another run may have added some since: the unique constraint keeps one
            batch_size=1000,
        )
        added = list(
            Delivery.objects.filter(kind=kind, key=key, state=DeliveryState.PENDING, user_id__in=recipients)
            .exclude(user_id__in=already)
            .values_list("pk", flat=True)
        )
        if enqueue and added:
            transaction.on_commit(lambda: deliveries_enqueue(added))
    return added


def deliveries_enqueue(delivery_ids: Iterable[int]) -> None:
    """One task per delivery. In the embedded default (tasks inline) each is sent here and now, once: a failure is
    recorded and left for the next `send_due_notifications`, rather than retried at once in a loop."""
    from collab.tasks import deliver

    inline = bool(deliver.app.conf.task_always_eager)
    for pk in delivery_ids:
        if inline:
            try:
                delivery_send(delivery_id=pk)
            except DeliveryFailed:
                log.warning("delivery %s failed; it will be tried again", pk)
        else:
            deliver.delay(pk)


def deliveries_pending_due(
    *, now: datetime | None = None, older_than: timedelta = REQUEUE_AFTER, limit: int = 5000
) -> list[int]:
    """Deliveries still waiting whose next try is due: after a worker was killed between posting and sending, or a
    retry that never came back. Re-queuing them is safe: sending is idempotent."""
    now = now or timezone.now()
    waiting = Q(next_attempt_at__isnull=True, created_at__lte=now - older_than) | Q(next_attempt_at__lte=now)
    return list(
        Delivery.objects.filter(waiting, state=DeliveryState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_requeue(*, older_than: timedelta = REQUEUE_AFTER) -> list[int]:
    """Queue again the deliveries still waiting, and give each another REQUEUE_AFTER before the next sweep picks it
    up again, so a long queue (thousands of digests behind a slow mail server) is not doubled every sweep."""
    now = timezone.now()
    with transaction.atomic():
        ids = deliveries_pending_due(now=now, older_than=older_than)
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).update(next_attempt_at=now + REQUEUE_AFTER)
        transaction.on_commit(lambda: deliveries_enqueue(ids))
    return ids


def run_due(*, now: datetime | None = None) -> dict[str, int]:
    """Run every registered due check (see `collab.notify`): how many deliveries each added."""
    from collab.notify import due_checks

    now = now or timezone.now()
    added: dict[str, int] = {}
    for name, check in sorted(due_checks().items()):
        try:
            added[name] = check(now)
        except Exception:  # one broken check must not stop the others; it is logged and runs again next hour
            log.exception("notification check %s failed", name)
            added[name] = 0
    return added


# --- Delivering --------------------------------------------------------------------------------------------------


def delivery_send(*, delivery_id: int) -> str:
    """Deliver one message to one person: in the notification centre and by email, as they chose. Returns the
    delivery's state. Raises DeliveryFailed (after recording the attempt) when the email could not be sent and
    there are attempts left."""
    error: str | None = None
    permanent = False
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("message", "user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return delivery.state if delivery else "missing"
        message, person = delivery.message, delivery.user
        preference = _preference(person)
        reason = _why_not(person, message, preference)
        if reason:
            delivery.state = DeliveryState.SKIPPED
            delivery.last_error = reason
            delivery.save(update_fields=["state", "last_error"])
            return delivery.state
        delivery.attempts += 1
        if preference.wants_in_app(message.kind):
            Notification.objects.get_or_create(
                delivery=delivery,
                defaults={
                    "user": person,
                    "kind": message.kind,
                    "title": message.subject,
                    "body": message.summary,
                    "link": message.link,
                },
            )
        if preference.wants_email(message.kind) and not delivery.emailed:
            try:
                build_email(message, person).send()
                delivery.emailed = True
            except Exception as exc:  # SMTP and backend errors of every kind: recorded, then retried
                error = f"{type(exc).__name__}: {exc}"[:500]
                permanent = _never_sendable(exc)
        if error is None:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
        else:
            delivery.last_error = error
            if permanent or delivery.attempts >= MAX_ATTEMPTS:
                delivery.state = DeliveryState.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = timezone.now() + RETRY_BASE * 2 ** (delivery.attempts - 1)
        delivery.save(update_fields=["state", "sent_at", "last_error", "next_attempt_at", "attempts", "emailed"])
        state = delivery.state
    if error is not None and state == DeliveryState.PENDING:
        raise DeliveryFailed(error)
    if state == DeliveryState.FAILED and permanent:
        log.error("delivery %s can never be sent as it is, not retried: %s", delivery_id, error)
    elif state == DeliveryState.FAILED:
        log.error("gave up sending delivery %s after %s attempts: %s", delivery_id, MAX_ATTEMPTS, error)
    return state


def _never_sendable(exc: Exception) -> bool:
    """Whether an email failed for a reason that trying again cannot cure: a header the mail library refuses
    (BadHeaderError), an address it cannot read (Django raises ValueError), or the mail server refusing every
    recipient or the message itself for good (a 5xx reply). A server that is down, slow, greylisting (4xx) or
    refusing our own sign-in or sender address is worth trying again: those are cured on the server's side."""
    if isinstance(exc, (BadHeaderError, ValueError)):
        return True
    if isinstance(exc, SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, SMTPDataError) and exc.smtp_code >= 500


def _preference(person: User) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=person).first() or NotificationPreference(user=person)


def _why_not(person: User, message: Message, preference: NotificationPreference) -> str:
    """Why this person must not get this message now, or an empty string."""
    if not person.is_active:
        return "The account is switched off."
    memberships = Membership.objects.active().filter(user=person)
    if message.collaborative_id is not None:
        active = (
            memberships.filter(collaborative_id=message.collaborative_id).exists()
            or memberships.filter(role=Role.PROGRAMME_TEAM, programme_id=message.programme_id).exists()
        )
    else:
        active = memberships.filter(programme_id=message.programme_id).exists()
    if not active:
        return "The person has left."
    if not preference.wants_email(message.kind) and not preference.wants_in_app(message.kind):
        return "The person unsubscribed."
    return ""


def absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def build_email(message: Message, person: User) -> EmailMultiAlternatives:
    """The email of a message for one person: plain text and HTML, with a one-click unsubscribe (RFC 8058)."""
    unsubscribe_url = absolute(
        reverse("notification-unsubscribe", kwargs={"token": unsubscribe_token(person, message.kind)})
    )
    context = {
        **message.context,
        "subject": message.subject,
        "site_url": settings.SITE_URL.rstrip("/"),
        "person": person.display_name or person.email,
        "link_url": absolute(message.link),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("notification-preferences")),
        "kind_label": NotificationKind(message.kind).label.lower() if message.kind in NotificationKind.values else "",
        "is_digest": message.kind in DIGEST_KINDS,
    }
    email = email_compose(
        subject=message.subject,
        to=[person.email],
        template=message.template,
        context=context,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Collab-Delivery": message.key,
        },
    )
    if message.attachment:
        email.attach(message.attachment_name, message.attachment, message.attachment_type)
    return email


# Line breaks (CR, LF, NEL, the Unicode line and paragraph separators) and every other control character.
_NOT_IN_A_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_text(value: object) -> str:
    """Text fit for one email header line: control characters (CR and LF among them) become a space, runs of
    spaces one space. A title or a person's name with a line break in it then reads as one line, and cannot start a
    header of its own or make the mail library refuse the email."""
    return " ".join(_NOT_IN_A_HEADER.sub(" ", str(value)).split())


def email_compose(
    *, subject: str, to: list[str], template: str, context: dict[str, Any], headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """Every email of the workspace, put together in this one place: the subject, the sender's display name and
    any other header cleaned with `header_text`; `<template>.txt` rendered as plain text, never HTML-escaped (a
    name like `Sam "Sid" & <Co>` reads as typed); `<template>.html` rendered with escaping as any page."""
    email = EmailMultiAlternatives(
        subject=header_text(subject),
        body=get_template(f"{template}.txt").template.render(Context(context, autoescape=False)),
        from_email=header_text(settings.DEFAULT_FROM_EMAIL),
        to=to,
        headers={name: header_text(value) for name, value in (headers or {}).items()},
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


# --- Preferences, reading, unsubscribing -------------------------------------------------------------------------


@transaction.atomic
def preference_update(
    *,
    actor: User,
    digest_frequency: str,
    email: bool,
    in_app: bool,
    email_muted_kinds: Iterable[str] = (),
) -> NotificationPreference:
    if digest_frequency not in DigestFrequency.values:
        raise DomainError.for_field("digest_frequency", "Choose weekly, every two weeks or never.")
    muted = sorted(set(email_muted_kinds))
    unknown = [kind for kind in muted if kind not in NotificationKind.values]
    if unknown:
        raise DomainError.for_field("email_muted_kinds", "Choose from the kinds of notification listed.")
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    before = snapshot(preference, PREFERENCE_FIELDS)
    preference.digest_frequency = digest_frequency
    preference.email = email
    preference.in_app = in_app
    preference.email_muted_kinds = muted
    preference.save()
    _audit_preference(actor, preference, before)
    return preference


def _audit_preference(actor: User, preference: NotificationPreference, before: dict[str, Any]) -> None:
    changes = changes_between(before, snapshot(preference, PREFERENCE_FIELDS))
    if changes:
        audit_record(actor=actor, action="notification_preference.update", target=preference, changes=changes)


@transaction.atomic
def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    notification = Notification.objects.select_for_update().filter(pk=notification_id, user_id=actor.pk).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


def unsubscribe_token(person: User, kind: str) -> str:
    """A signed token for one person and one kind (or "all"). It carries no timestamp and does not expire: an
    unsubscribe link must keep working in an old email, and the same email always carries the same link."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": person.pk, "k": kind}, compress=True)


def unsubscribe_from_token(token: str) -> tuple[User, str]:
    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        raise NotFound("This unsubscribe link is not valid. Check that you copied all of it.") from None
    person = User.objects.filter(pk=payload.get("u")).first()
    kind = payload.get("k")
    if person is None or (kind != UNSUBSCRIBE_ALL and kind not in NotificationKind.values):
        raise NotFound("This unsubscribe link is not valid. Check that you copied all of it.")
    return person, kind


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[User, str]:
    """One click from an email: stop that kind of email (digests stop altogether), or every email for "all"."""
    person, kind = unsubscribe_from_token(token)
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=person)
    before = snapshot(preference, PREFERENCE_FIELDS)
    if kind == UNSUBSCRIBE_ALL:
        preference.email = False
    elif kind in DIGEST_KINDS:
        preference.digest_frequency = DigestFrequency.OFF
    elif kind not in preference.email_muted_kinds:
        preference.email_muted_kinds = sorted([*preference.email_muted_kinds, kind])
    preference.save()
    _audit_preference(person, preference, before)
    return person, kind

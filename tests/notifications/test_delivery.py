"""The delivery machinery: exactly once per person and key, nobody who left or unsubscribed, failures recorded and
retried with back-off, and every email with plain text, HTML and a one-click unsubscribe."""

from datetime import date, timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail import BadHeaderError
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from collab.models import Delivery, DeliveryState, DigestFrequency, Message, Notification, NotificationPreference
from collab.services import notifications as services
from collab.tasks import deliver

pytestmark = pytest.mark.django_db


def post(
    world, recipients, *, key="test:1", kind="milestone_due", subject="Milestone due tomorrow: Pilot launched", **extra
):
    return services.message_post(
        kind=kind,
        key=key,
        programme_id=world.programme.pk,
        collaborative_id=world.ours.pk,
        recipient_ids=[p.pk for p in recipients],
        subject=subject,
        summary="Transitions pilot: due on Tuesday 1 December 2026.",
        template="collab/email/reminder",
        context={"heading": "Milestone due tomorrow", "paragraphs": ["It is due <soon>."], "items": ["one"]},
        link="/c/ashford/subgroups/",
        **extra,
    )


def test_posting_twice_delivers_once(world, django_capture_on_commit_callbacks):
    member, lead = world.people["member"], world.people["lead"]
    with django_capture_on_commit_callbacks(execute=True):
        first = post(world, [member, lead])
    with django_capture_on_commit_callbacks(execute=True):
        second = post(world, [member, lead])  # beat fired again
    assert len(first) == 2 and second == []
    assert Message.objects.count() == 1
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, lead.email])
    assert Notification.objects.filter(user=member).count() == 1


def test_a_task_run_twice_sends_once(world):
    (pk,) = post(world, [world.people["member"]], enqueue=False)
    assert deliver.apply(args=[pk], throw=False).get() == DeliveryState.SENT
    assert deliver.apply(args=[pk], throw=False).get() == DeliveryState.SENT  # a redelivered message after a crash
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_the_database_refuses_a_second_delivery_of_the_same_key(world):
    from django.db import IntegrityError, transaction

    post(world, [world.people["member"]], enqueue=False)
    message = Message.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(user=world.people["member"], kind=message.kind, key=message.key, message=message)


def test_email_has_text_html_and_one_click_unsubscribe(world, client, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://collab.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        post(world, [world.people["member"]])
    (email,) = mail.outbox
    assert email.subject == "Milestone due tomorrow: Pilot launched"
    url = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://collab.example.org/unsubscribe/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "It is due <soon>." in email.body  # plain text is not HTML-escaped
    assert f"Stop these emails: {url}" in email.body
    html, mime = email.alternatives[0]
    assert mime == "text/html"
    assert "It is due &lt;soon&gt;." in html and f'href="{url}"' in html
    # A mail program's one-click POST, with no session and no CSRF token.
    path = url.removeprefix("https://collab.example.org")
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=world.people["member"])
    assert preference.email_muted_kinds == ["milestone_due"]
    # The next one of that kind goes to the notification centre only.
    with django_capture_on_commit_callbacks(execute=True):
        post(world, [world.people["member"]], key="test:2")
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=world.people["member"]).count() == 2


def test_nothing_for_someone_who_left(world, django_capture_on_commit_callbacks):
    from collab.models import Membership

    member = world.people["member"]
    Membership.objects.filter(user=member).update(left_on=date.today())
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = post(world, [member])
    delivery = Delivery.objects.get(pk=pk)
    assert delivery.state == DeliveryState.SKIPPED and delivery.last_error == "The person has left."
    assert mail.outbox == [] and not Notification.objects.exists()


def test_nothing_for_someone_who_stopped_digests(world, django_capture_on_commit_callbacks):
    member = world.people["member"]
    NotificationPreference.objects.create(user=member, digest_frequency=DigestFrequency.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        post(world, [member], kind="digest", key="digest:x")
    assert Delivery.objects.get().state == DeliveryState.SKIPPED
    assert mail.outbox == [] and not Notification.objects.exists()


def test_in_app_only_when_email_is_off(world, django_capture_on_commit_callbacks):
    member = world.people["member"]
    NotificationPreference.objects.create(user=member, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        post(world, [member])
    assert mail.outbox == []
    assert Notification.objects.get(user=member).title == "Milestone due tomorrow: Pilot launched"


class Flaky(EmailBackend):
    failures = 0

    def send_messages(self, messages):
        if Flaky.failures:
            Flaky.failures -= 1
            raise ConnectionRefusedError("SMTP server not answering")
        return super().send_messages(messages)


def test_a_failed_send_is_recorded_then_retried(world, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.Flaky"
    Flaky.failures = 2
    (pk,) = post(world, [world.people["member"]], enqueue=False)
    with pytest.raises(services.DeliveryFailed):
        services.delivery_send(delivery_id=pk)
    delivery = Delivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert delivery.last_error == "ConnectionRefusedError: SMTP server not answering"
    assert delivery.next_attempt_at is not None
    assert Notification.objects.count() == 1  # the in-app copy is there already, and only once
    # The task retries with back-off until it goes through (inline here: the countdown is not waited for).
    assert deliver.apply(args=[pk], throw=False).get() == DeliveryState.SENT
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 3, "")
    assert len(mail.outbox) == 1 and Notification.objects.count() == 1


def test_gives_up_after_the_last_attempt(world, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.Flaky"
    Flaky.failures = 100
    (pk,) = post(world, [world.people["member"]], enqueue=False)
    for _ in range(services.MAX_ATTEMPTS - 1):  # each retry the task makes, with back-off in between
        with pytest.raises(services.DeliveryFailed):
            services.delivery_send(delivery_id=pk)
    assert services.delivery_send(delivery_id=pk) == DeliveryState.FAILED  # the last: recorded, no more retries
    delivery = Delivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, services.MAX_ATTEMPTS)
    Flaky.failures = 0


def test_the_task_retries_with_backoff():
    assert deliver.autoretry_for == (services.DeliveryFailed,)
    assert deliver.retry_backoff and deliver.max_retries == services.MAX_ATTEMPTS - 1
    assert deliver.acks_late


def test_unsubscribe_page_confirms_before_unsubscribing(world, client):
    member = world.people["member"]
    url = reverse("notification-unsubscribe", args=[services.unsubscribe_token(member, "digest")])
    response = client.get(url)
    assert response.status_code == 200 and b"Stop the digests?" in response.content
    assert not NotificationPreference.objects.filter(user=member).exists()  # a link scanner's GET changes nothing
    response = client.post(url)
    assert response.status_code == 200 and b"no more the digests" in response.content
    assert NotificationPreference.objects.get(user=member).digest_frequency == DigestFrequency.OFF


def test_a_tampered_unsubscribe_link_is_a_clear_404(client, world):
    token = services.unsubscribe_token(world.people["member"], "digest")
    response = client.post(reverse("notification-unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert b"This unsubscribe link is not valid" in response.content


def test_waiting_deliveries_are_requeued_once_per_sweep(world, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    (pk,) = post(world, [world.people["member"]], enqueue=False)  # as if its task died with a worker
    Delivery.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue() == [pk]
    assert Delivery.objects.get(pk=pk).state == DeliveryState.SENT
    (other,) = post(world, [world.people["lead"]], key="test:3", enqueue=False)
    Delivery.objects.filter(pk=other).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False):
        assert services.deliveries_requeue() == [other]  # queued (the task has not run yet)…
    assert services.deliveries_requeue() == []  # …so the next sweep leaves it to that task


class Refusing(EmailBackend):
    """A mail server that refuses a message for good (or, with a 4xx code, for now)."""

    error: Exception = Exception()

    def send_messages(self, messages):
        raise Refusing.error


@pytest.mark.parametrize(
    "error",
    [
        BadHeaderError("Header values can't contain newlines"),
        SMTPRecipientsRefused({"member@example.org": (550, b"5.1.1 No such mailbox")}),
        ValueError("Invalid address; only member@example.org could be parsed"),
    ],
    ids=["bad header", "mailbox refused", "invalid address"],
)
def test_an_email_that_can_never_be_sent_fails_at_once_and_is_not_retried(world, settings, error):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.Refusing"
    Refusing.error = error
    (pk,) = post(world, [world.people["member"]], enqueue=False)
    assert deliver.apply(args=[pk], throw=False).get() == DeliveryState.FAILED
    delivery = Delivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (DeliveryState.FAILED, 1, None)
    assert delivery.last_error.startswith(type(error).__name__)
    assert services.deliveries_pending_due(older_than=timedelta(0)) == []  # no sweep picks it up again
    assert Notification.objects.filter(user=world.people["member"]).count() == 1  # the in-app copy still arrives


def test_a_mailbox_refused_for_now_is_tried_again(world, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.Refusing"
    Refusing.error = SMTPRecipientsRefused({"member@example.org": (451, b"4.7.1 Greylisted, try again later")})
    (pk,) = post(world, [world.people["member"]], enqueue=False)
    with pytest.raises(services.DeliveryFailed):
        services.delivery_send(delivery_id=pk)
    assert Delivery.objects.get(pk=pk).state == DeliveryState.PENDING


def test_line_breaks_and_control_characters_never_reach_an_email_header(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = post(
            world, [world.people["member"]], subject="Milestone due\r\nBcc: someone@elsewhere.example\x1b\u2028!"
        )
    assert Delivery.objects.get(pk=pk).state == DeliveryState.SENT
    (email,) = mail.outbox
    assert email.subject == "Milestone due Bcc: someone@elsewhere.example !"
    headers = email.message()
    assert headers["Bcc"] is None and headers["Subject"] == email.subject

"""Sending recorded alerts through Apprise (a periodic job, ``runtime/periodic.py``).

- Once per target: each target that took a notification is remembered on its row
  (``delivered``), so a retry goes only to the targets that failed.
- Rate limited: at most ``rate_per_minute`` notifications a minute; the rest wait their turn.
- Retried with exponential backoff while a target is down (``backoff_base`` doubling up to
  ``backoff_max``), ``max_attempts`` times; then the row is marked failed and the alert logged
  as an error. An alert still unsent after ``max_age`` seconds is given up the same way (an
  old "printer offline" helps nobody).
- One sender at a time (``remote.locks.exclusive``), so two workers never send the same row.

The text is written when it is sent, in the site's language, from the rows as they are then
(a failure's reason, read a few seconds after the failure, is usually there by then).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import apprise
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Notification, Printer, PrintJob, PrintQueue
from ..remote import locks

logger = logging.getLogger(__name__)

LOCK_NAME = "simpleprint-notify"


def config() -> dict[str, Any]:
    return settings.PRINTFARM_NOTIFY


def targets(urls: str | None = None) -> list[Any]:
    """The Apprise services of ``urls`` (default: ``PRINTFARM_NOTIFY_URLS``)."""
    services = apprise.Apprise()
    text = config()["urls"] if urls is None else urls
    if text.strip() and not services.add(text):
        logger.error("PRINTFARM_NOTIFY_URLS has a URL Apprise does not understand; see "
                     "https://github.com/caronc/apprise/wiki for the URL of each service")
    return list(services)


def target_id(service: Any) -> str:
    return hashlib.sha256(service.url(privacy=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _printer_name(sp_id: int | None) -> str:
    printer = Printer.objects.filter(sp_id=sp_id).first() if sp_id is not None else None
    return printer.name if printer is not None and printer.name else f"#{sp_id}"


def compose(notification: Notification) -> Message:
    """The title and text of an alert, from the rows as they are now."""
    kind = Notification.Kind
    with translation.override(settings.LANGUAGE_CODE):
        if notification.kind in (kind.FAILED, kind.AI_FLAGGED):
            job = PrintJob.objects.select_related("printer").filter(sp_id=notification.ref).first()
            printer = job.printer.name if job and job.printer else _("unknown printer")
            file = job.file_name if job else f"#{notification.ref}"
            link = f"\n{job.panel_url}" if job and job.panel_url else ""
            if notification.kind == kind.FAILED:
                reason = job.end_reason if job and job.end_reason else _("no reason given")
                return Message(_("❌ Print failed on %(printer)s") % {"printer": printer},
                               _("%(file)s failed: %(reason)s.") % {"file": file,
                                                                   "reason": reason} + link)
            confidence = round((job.ai_confidence or 0) * 100) if job else 0
            image = f"\n{job.ai_image_url}" if job and job.ai_image_url else ""
            return Message(_("⚠️ AI flagged the print on %(printer)s") % {"printer": printer},
                           _("%(file)s: %(type)s, %(confidence)s %% confidence.") % {
                               "file": file, "type": (job.ai_type if job else "") or _("failure"),
                               "confidence": confidence} + image + link)
        if notification.kind == kind.OFFLINE:
            printer_row = Printer.objects.select_related("current_job").filter(
                sp_id=notification.ref).first()
            name = _printer_name(notification.ref)
            running = printer_row.current_job if printer_row is not None else None
            body = (_("It was printing %(file)s.") % {"file": running.file_name}
                    if running is not None else _("It was not printing."))
            return Message(_("🔌 %(printer)s is offline") % {"printer": name}, body)
        item = PrintQueue.objects.filter(sp_id=notification.ref).first()
        file = item.filename if item else f"#{notification.ref}"
        who = item.added_by_name if item and item.added_by_name else _("someone")
        return Message(_("⏳ Awaiting approval: %(file)s") % {"file": file},
                       _("Added to the queue by %(who)s.") % {"who": who})


def _backoff(attempts: int) -> float:
    cfg = config()
    return float(min(cfg["backoff_base"] * 2 ** max(attempts - 1, 0), cfg["backoff_max"]))


def send_due(now: datetime | None = None) -> int:
    """Send the alerts whose time has come, within the rate limit; returns how many went out
    to every target."""
    services = targets()
    if not services:
        return 0
    with locks.exclusive(LOCK_NAME, 300) as held:
        if not held:
            return 0
        return _send_due(services, now or timezone.now())


def _send_due(services: list[Any], now: datetime) -> int:
    cfg = config()
    _give_up_old(now)
    recent = Notification.objects.filter(sent_at__gte=now - timedelta(seconds=60)).count()
    room = max(0, int(cfg["rate_per_minute"]) - recent)
    due = list(Notification.objects.filter(
        status=Notification.Status.PENDING, next_attempt_at__lte=now).order_by("id")[:room])
    sent = 0
    for notification in due:
        message = compose(notification)
        delivered = set(notification.delivered)
        errors = []
        for service in services:
            ident = target_id(service)
            if ident in delivered:
                continue
            if service.notify(body=message.body, title=message.title):
                delivered.add(ident)
            else:
                errors.append(service.url(privacy=True))
        notification.delivered = sorted(delivered)
        notification.attempts += 1
        if not errors:
            notification.status, notification.sent_at = Notification.Status.SENT, now
            notification.last_error = ""
            sent += 1
        else:
            notification.last_error = "not delivered to " + ", ".join(errors)
            if notification.attempts >= cfg["max_attempts"]:
                notification.status = Notification.Status.FAILED
                logger.error("alert %s given up after %d attempts (%s): %s — %s",
                             notification.key, notification.attempts, notification.last_error,
                             message.title, message.body)
            else:
                notification.next_attempt_at = now + timedelta(
                    seconds=_backoff(notification.attempts))
                logger.warning("alert %s not delivered (%s); retry at %s", notification.key,
                               notification.last_error, notification.next_attempt_at)
        notification.save()
    return sent


def _give_up_old(now: datetime) -> None:
    """Alerts pending longer than ``max_age`` are given up, and logged."""
    cutoff = now - timedelta(seconds=config()["max_age"])
    for notification in Notification.objects.filter(status=Notification.Status.PENDING,
                                                    created_at__lt=cutoff):
        message = compose(notification)
        logger.error("alert %s given up, unsent for longer than %s s: %s — %s",
                     notification.key, config()["max_age"], message.title, message.body)
        notification.status = Notification.Status.FAILED
        notification.last_error = notification.last_error or "too old to send"
        notification.save(update_fields=["status", "last_error"])


def prune(keep_days: int = 7) -> int:
    """Forget sent and failed alerts older than ``keep_days``."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _rows = Notification.objects.exclude(status=Notification.Status.PENDING).filter(
        created_at__lt=cutoff).delete()
    return deleted


def send_test(urls: str | None = None) -> list[tuple[str, bool]]:
    """Send a test notification to every target; ``(target, delivered)`` each."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("printfarm: test notification")
        body = _("Alerts from printfarm reach this channel.")
    return [(service.url(privacy=True), bool(service.notify(body=body, title=title)))
            for service in targets(urls)]

"""`flask send-reminders`: queue the reminders that are due and deliver the outbox (for cron or a systemd timer)."""

import click
from flask_babel import gettext, ngettext

from grocery.notifications import bp
from grocery.notifications.producers import kind_label
from grocery.notifications.runner import run_reminders


@bp.cli.command("send-reminders")
def send_reminders_command():
    """Queue the reminders that are due, then send the messages of the outbox. Safe to run often and twice."""
    report = run_reminders()
    if report.too_early:
        click.echo(gettext("Before the hour set for reminders: nothing new was queued."))
    for kind, count in sorted(report.queued.items()):
        click.echo(ngettext("Queued: %(num)d message (%(kind)s).", "Queued: %(num)d messages (%(kind)s).", count,
                            kind=kind_label(kind)))
    if not report.queued and not report.too_early:
        click.echo(gettext("Queued: nothing new."))
    delivered = report.delivered
    click.echo(gettext("Sent: %(sent)d. Failed, tried again later: %(retry)d. Given up: %(failed)d. "
                       "Cancelled: %(cancelled)d.", sent=delivered["sent"], retry=delivered["retry"],
                       failed=delivered["failed"], cancelled=delivered["cancelled"]))
    waiting = {gettext(reason): count for reason, count in report.waiting.items()}  # stored in English
    for reason, count in sorted(waiting.items()):
        click.echo(ngettext("%(num)d message waits: %(reason)s", "%(num)d messages wait: %(reason)s", count,
                            reason=reason))
    if report.smtp_missing and report.smtp_missing not in waiting:
        click.echo(gettext("E-mail is not set up: %(reason)s", reason=report.smtp_missing))
    if report.forgotten:
        click.echo(ngettext("%(num)d old message deleted from the outbox.",
                            "%(num)d old messages deleted from the outbox.", report.forgotten))

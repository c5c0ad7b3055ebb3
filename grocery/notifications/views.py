"""The Reminders page (each member of the social staff's own address) and the outbox page (managers)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grocery.auth.roles import MANAGERS, SOCIAL, roles_required
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error
from grocery.notifications import bp
from grocery.notifications.delivery import SmtpSettings
from grocery.notifications.forms import StaffAddressForm
from grocery.notifications.models import STATUSES, OutboxMessage
from grocery.notifications.producers import kind_label
from grocery.notifications.runner import RunReport, deliver_due_messages
from grocery.notifications.services import (
    cancel_message,
    outbox_counts,
    outbox_messages,
    retry_message,
    set_staff_address,
    staff_address,
)
from grocery.timeutil import utcnow

STATUS_LABELS = {"pending": _l("Waiting"), "failed": _l("Failed"), "sent": _l("Sent"), "cancelled": _l("Cancelled")}


@bp.route("/", methods=["GET", "POST"])
@roles_required(SOCIAL)
def mine():
    form = StaffAddressForm(data={"email": staff_address(current_user)})
    if form.validate_on_submit():
        try:
            changed = set_staff_address(current_user, current_user, form.email.data)
        except ValidationError as error:
            db.session.rollback()
            if not apply_service_error(form, error):
                flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Your address is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("notifications.mine"))
    return render_template("notifications/mine.html", form=form,
                           can_manage=current_user.role in {role.value for role in MANAGERS})


@bp.route("/outbox")
@roles_required(MANAGERS)
def outbox():
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    settings = SmtpSettings.current()
    return render_template("notifications/outbox.html", status=status, statuses=STATUSES,
                           status_labels=STATUS_LABELS, counts=outbox_counts(),
                           messages=outbox_messages(status or None), kind_label=kind_label,
                           smtp_missing=settings.missing(), smtp=settings, reason_text=_)


def _message_or_404(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return message


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@roles_required(MANAGERS)
def retry(message_id: int):
    message = _message_or_404(message_id)
    try:
        retry_message(current_user, message)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("notifications.outbox", status="failed"))
    db.session.commit()
    report = RunReport()
    deliver_due_messages(utcnow(), report, only=[message_id])
    db.session.refresh(message)
    if message.status == "sent":
        flash(_("The message is sent."), "success")
    else:
        flash(_("The message could not be sent: %(error)s", error=message.last_error), "error")
    return redirect(url_for("notifications.outbox", status=message.status))


@bp.route("/outbox/<int:message_id>/cancel", methods=["POST"])
@roles_required(MANAGERS)
def cancel(message_id: int):
    message = _message_or_404(message_id)
    try:
        cancel_message(current_user, message)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The message is cancelled: it will not be sent."), "success")
    return redirect(url_for("notifications.outbox", status=request.args.get("status", "")))

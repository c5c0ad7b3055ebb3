"""Report pages: the dashboard, the activity report and the FEAD / FSE+ report, with their CSV exports."""

from flask import render_template, request
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from grocery.auth.roles import MANAGERS, roles_required
from grocery.errors import ValidationError
from grocery.money import format_money
from grocery.reports import bp
from grocery.reports.charts import bar_chart, column_chart
from grocery.reports.exports import activity_rows, csv_response, programme_rows
from grocery.reports.labels import engagement_label, source_label, waste_label
from grocery.reports.services import PRESET_LABELS, activity_report, parse_period, programme_report
from grocery.reports.services import dashboard as dashboard_data


def _kg(grams: float) -> str:
    return f"{format_decimal(grams / 1000, format='#,##0.0')} kg"


def _hours(hours: float) -> str:
    return _("%(hours)s h", hours=format_decimal(hours, format="#,##0.0"))


def _period_from_request():
    """(period, error): the period asked for in the query string, or the message of why it is refused."""
    try:
        return parse_period(request.args.get("preset"), request.args.get("start"), request.args.get("end")), None
    except ValidationError as error:
        return None, error


def _form_context(error) -> dict:
    return {"presets": PRESET_LABELS, "error": error, "args": request.args}


@bp.route("/")
@roles_required(MANAGERS)
def dashboard():
    data = dashboard_data()
    daily = [(format_date(period.start, "d/M"), sales) for period, sales, _h in data["daily"]]
    monthly = [(format_date(period.start, "MMM"), households) for period, _s, households in data["monthly"]]
    daily_title, monthly_title = _("Sales per day, last 30 days"), _("Households served per month")
    charts = {
        "daily": column_chart(daily, title=daily_title, label_every=5),
        "monthly": column_chart(monthly, title=monthly_title),
        # Narrower drawings for a phone: the same figures, letters that stay readable at 360 px wide.
        "daily_phone": column_chart(daily, title=daily_title, width=360, height=240, label_every=10),
        "monthly_phone": column_chart(monthly, title=monthly_title, width=360, height=240, label_every=2),
    }
    return render_template("reports/dashboard.html", data=data, charts=charts)


def _activity_charts(report: dict) -> dict:
    distribution = report["distribution"]
    return {
        "ages": bar_chart(list(report["persons"]["bands"].items()), title=_("Persons reached by age band")),
        "categories": bar_chart([(name, q.grams) for name, q in distribution["by_category"].items()],
                                title=_("Kilograms distributed by category"), fmt=_kg),
        "sources": bar_chart([(source_label(s), q.grams) for s, q in distribution["by_source"].items()],
                             title=_("Kilograms distributed by source"), fmt=_kg),
        "donations": bar_chart([(source_label(s), q.grams) for s, q in report["donations"]["by_source"].items()],
                               title=_("Kilograms received by source"), fmt=_kg),
        "waste": bar_chart([(waste_label(r), q.grams) for r, q in report["waste"]["by_reason"].items()],
                           title=_("Kilograms wasted by reason"), fmt=_kg),
        "hours": bar_chart([(row["activity"], row["minutes"] / 60) for row in report["volunteering"]["by_activity"]],
                           title=_("Volunteer hours by activity"), fmt=_hours),
    }


@bp.route("/activity")
@roles_required(MANAGERS)
def activity():
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/activity.html", report=None, **_form_context(error)), 400
    report = activity_report(period)
    return render_template("reports/activity.html", report=report, charts=_activity_charts(report),
                           source_label=source_label, waste_label=waste_label, engagement_label=engagement_label,
                           money=format_money, **_form_context(None))


@bp.route("/activity.csv")
@roles_required(MANAGERS)
def activity_csv():
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/activity.html", report=None, **_form_context(error)), 400
    return csv_response(activity_rows(activity_report(period)), f"rapport-activite_{period.slug}.csv")


@bp.route("/fead")
@roles_required(MANAGERS)
def fead():
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/fead.html", report=None, **_form_context(error)), 400
    report = programme_report(period)
    top = sorted((row for row in report["rows"] if row.distributed), key=lambda row: -(row.grams(row.distributed) or 0))
    chart = bar_chart([(row.name, row.grams(row.distributed) or 0) for row in top[:15]],
                      title=_("Most distributed products (kg)"), fmt=_kg)
    return render_template("reports/fead.html", report=report, chart=chart, **_form_context(None))


@bp.route("/fead.csv")
@roles_required(MANAGERS)
def fead_csv():
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/fead.html", report=None, **_form_context(error)), 400
    return csv_response(programme_rows(programme_report(period)), f"rapport-fse_{period.slug}.csv")

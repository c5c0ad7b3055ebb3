"""Report pages: the dashboard, the activity report and the FEAD / FSE+ report, with their CSV exports."""

from dataclasses import dataclass, field

from flask import abort, render_template, request
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from grocery.auth.roles import MANAGERS, roles_required
from grocery.errors import ValidationError
from grocery.forms import parse_int
from grocery.money import format_money
from grocery.reports import bp
from grocery.reports.charts import bar_chart, column_chart
from grocery.reports.exports import activity_rows, csv_response, programme_rows
from grocery.reports.labels import engagement_label, source_label, waste_label
from grocery.reports.services import PRESET_LABELS, activity_report, parse_period, programme_report
from grocery.reports.services import dashboard as dashboard_data
from grocery.sites.context import current_site_id
from grocery.sites.services import active_sites, site_ids_with_role


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


@dataclass
class Scope:
    """The sites a report covers. `sites`: the filter given to the services (None: the whole installation);
    `value`: the `site` query argument that names it ("all", a site id, or "" on a one-site installation, where no
    site is ever shown); `choices`: (value, label) of the scope selector, empty when the user has nothing to choose;
    `label`: the scope's name, shown in the title when the installation has several sites."""
    sites: tuple[int, ...] | None = None
    value: str = ""
    label: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def query_args(self) -> dict:
        return {"site": self.value} if self.value else {}

    def url_args(self, period) -> dict:
        """The query arguments of this scope and `period` (the CSV link of a report)."""
        return {**period.query_args(), **self.query_args}


def _scope_from_request() -> Scope:
    """The scope asked for by the `site` query argument, among those the user may see: each site where they are a
    coordinator or an administrator, and "all sites" only when that is every active site (an administrator: always).
    Without the argument: the current site. A site the user does not manage is not found (404), "all sites" for a
    user who does not manage them all is refused (403). One site in the installation: the installation, no choice."""
    sites = active_sites()
    if len(sites) <= 1:
        return Scope()
    names = {site.id: site.name for site in sites}
    allowed = [site_id for site_id in site_ids_with_role(current_user, MANAGERS) if site_id in names]
    if not allowed:
        abort(403)
    may_all = set(allowed) == set(names)
    choices = [(str(site_id), names[site_id]) for site_id in allowed]
    if may_all:
        choices.append(("all", _("All sites (consolidated)")))
    if len(choices) == 1:
        choices = []
    asked = (request.args.get("site") or "").strip()
    if asked == "all":
        if not may_all:
            abort(403)
        return Scope(None, "all", _("All sites (consolidated)"), choices)
    if asked:
        site_id = parse_int(asked)
        if site_id not in allowed:
            abort(404)
    else:
        site_id = current_site_id()
        if site_id not in allowed:
            site_id = allowed[0]
    return Scope((site_id,), str(site_id), names[site_id], choices)


def _form_context(error, scope: Scope | None = None) -> dict:
    return {"presets": PRESET_LABELS, "error": error, "args": request.args, "scope": scope or Scope()}


@bp.route("/")
@roles_required(MANAGERS)
def dashboard():
    # The current site's figures, like its stock tiles; the whole installation when it has one site.
    sites = active_sites()
    scope = Scope()
    if len(sites) > 1:
        site_id = current_site_id()
        scope = Scope((site_id,), "", next((site.name for site in sites if site.id == site_id), ""))
    data = dashboard_data(sites=scope.sites)
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
    return render_template("reports/dashboard.html", data=data, charts=charts, scope=scope)


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
    scope = _scope_from_request()
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/activity.html", report=None, **_form_context(error, scope)), 400
    report = activity_report(period, scope.sites)
    return render_template("reports/activity.html", report=report, charts=_activity_charts(report),
                           source_label=source_label, waste_label=waste_label, engagement_label=engagement_label,
                           money=format_money, **_form_context(None, scope))


@bp.route("/activity.csv")
@roles_required(MANAGERS)
def activity_csv():
    scope = _scope_from_request()
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/activity.html", report=None, **_form_context(error, scope)), 400
    return csv_response(activity_rows(activity_report(period, scope.sites), scope.label),
                        f"rapport-activite_{period.slug}{_slug(scope)}.csv")


@bp.route("/fead")
@roles_required(MANAGERS)
def fead():
    scope = _scope_from_request()
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/fead.html", report=None, **_form_context(error, scope)), 400
    report = programme_report(period, sites=scope.sites)
    top = sorted((row for row in report["rows"] if row.distributed), key=lambda row: -(row.grams(row.distributed) or 0))
    chart = bar_chart([(row.name, row.grams(row.distributed) or 0) for row in top[:15]],
                      title=_("Most distributed products (kg)"), fmt=_kg)
    return render_template("reports/fead.html", report=report, chart=chart, **_form_context(None, scope))


@bp.route("/fead.csv")
@roles_required(MANAGERS)
def fead_csv():
    scope = _scope_from_request()
    period, error = _period_from_request()
    if error is not None:
        return render_template("reports/fead.html", report=None, **_form_context(error, scope)), 400
    return csv_response(programme_rows(programme_report(period, sites=scope.sites), scope.label),
                        f"rapport-fse_{period.slug}{_slug(scope)}.csv")


def _slug(scope: Scope) -> str:
    """The file name's mark of the scope: "_site-3", "_all-sites", or nothing on a one-site installation."""
    if scope.value == "all":
        return "_all-sites"
    return f"_site-{scope.value}" if scope.value else ""

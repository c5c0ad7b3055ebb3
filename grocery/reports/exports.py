"""CSV exports of the reports for Excel, in the user's language: UTF-8 with BOM, semicolons, decimal commas."""

import csv
import io
from decimal import Decimal

from babel.numbers import format_decimal, get_decimal_symbol
from flask import Response
from flask_babel import gettext as _

from grocery.i18n import formatting_locale
from grocery.money import format_amount
from grocery.reports.labels import engagement_label, source_label, waste_label
from grocery.timeutil import format_local_date


def euros(cents: int) -> str:
    """1250 -> "12,50" with the decimal sign of the reader's language (no currency sign, no thousands separator:
    Excel reads it as a number)."""
    return format_amount(cents)


def kilos(grams: int | None) -> str:
    """12345 -> "12,345"."""
    if grams is None:
        return ""
    return format_decimal(Decimal(grams) / 1000, format="0.000", locale=formatting_locale())


def csv_response(rows: list[list], filename: str) -> Response:
    """UTF-8 with BOM; semicolons where the language writes decimals with a comma (Excel's list separator then)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    delimiter = ";" if get_decimal_symbol(formatting_locale()) == "," else ","
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Type": "text/csv; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="{filename}"'})


def _period_rows(title: str, period, scope_label: str = "") -> list[list]:
    """The title, the scope (the site or "all sites", only on an installation with several) and the period."""
    rows = [[title]]
    if scope_label:
        rows.append([_("Site"), scope_label])
    return [*rows, [_("From"), format_local_date(period.start), _("To"), format_local_date(period.end)], []]


def activity_rows(report: dict, scope_label: str = "") -> list[list]:
    """The activity report as CSV rows: one block per table, separated by an empty row."""
    sales, persons = report["sales"], report["persons"]
    rows = _period_rows(_("Activity report"), report["period"], scope_label)
    rows += [[_("Figure"), _("Value")],
             [_("Households served"), sales["households"]],
             [_("Persons reached"), persons["total"]],
             [_("Visits"), sales["visits"]],
             [_("Amount paid (€)"), euros(sales["paid_cents"])],
             [_("Retail value distributed (€)"), euros(sales["retail_cents"])],
             [_("Savings for households (€)"), euros(sales["savings_cents"])], []]
    rows += [[_("Age band"), _("Persons")], *[[band, count] for band, count in persons["bands"].items()], []]
    rows += [[_("Category"), _("Units"), _("kg")],
             *[[name, q.pieces, kilos(q.grams)] for name, q in report["distribution"]["by_category"].items()], []]
    rows += [[_("Source"), _("Units"), _("kg")],
             *[[source_label(s), q.pieces, kilos(q.grams)] for s, q in report["distribution"]["by_source"].items()],
             []]
    rows += [[_("Donor type"), _("Donor"), _("Receptions"), _("Units"), _("kg"), _("Value (€)")],
             *[[source_label(row["source"]), row["donor"] or "", row["donations"], row["quantities"].pieces,
                kilos(row["quantities"].grams), euros(row["quantities"].retail_cents)]
               for row in report["donations"]["by_donor"]], []]
    rows += [[_("Waste reason"), _("Units"), _("kg"), _("Value (€)")],
             *[[waste_label(r), q.pieces, kilos(q.grams), euros(q.retail_cents)]
               for r, q in report["waste"]["by_reason"].items()], []]
    rows += [[_("Stock at the end of the period"), _("Units"), _("kg"), _("Value (€)")],
             *[[name, q.pieces, kilos(q.grams), euros(q.retail_cents)]
               for name, q in report["stock"]["by_category"].items()], []]
    volunteering = report["volunteering"]
    rows += [[_("Activity"), _("Hours"), _("Participants")],
             *[[row["activity"], hours(row["minutes"]), row["participants"]] for row in volunteering["by_activity"]],
             []]
    rows += [[_("Engagement type"), _("Active participants"), _("With hours")],
             *[[engagement_label(kind), counts["active"], counts["with_hours"]]
               for kind, counts in volunteering["by_engagement"].items()], []]
    rows += [[_("Attestations issued"), volunteering["attestations"]]]
    return rows


def hours(minutes: int) -> str:
    """Minutes as decimal hours with a comma: 90 -> "1,50"."""
    return euros(round(minutes * 100 / 60))


def programme_rows(report: dict, scope_label: str = "") -> list[list]:
    rows = _period_rows(_("FEAD / FSE+ programme report"), report["period"], scope_label)
    rows += [[_("Households reached"), report["households"]], [_("Persons reached"), report["persons"]["total"]],
             *[[band, count] for band, count in report["persons"]["bands"].items()], []]
    rows.append([_("Product"), _("Unit"), _("Received"), _("Distributed"), _("Wasted"), _("In stock"),
                 _("kg received"), _("kg distributed"), _("kg wasted"), _("kg in stock"), _("Households"),
                 _("Persons")])
    for row in report["rows"]:
        unit = {"piece": _("pieces"), "kg": "g", "litre": "ml"}[row.unit_kind]
        rows.append([row.name, unit, row.received, row.distributed, row.wasted, row.in_stock,
                     kilos(row.grams(row.received)), kilos(row.grams(row.distributed)), kilos(row.grams(row.wasted)),
                     kilos(row.grams(row.in_stock)), row.households, row.persons])
    indicators = report["indicators"]
    rows += [[], [_("ESF+ indicators: end recipients of food support"), _("Persons"), _("Unknown")],
             [_("Persons reached (total)"), indicators["total"], ""],
             [_("of which children under 18"), indicators["children"], ""],
             [_("of which young people aged 18 to 29"), indicators["young"], ""],
             [_("of which persons aged 65 and over"), indicators["seniors"], ""],
             [_("of which women"), indicators["women"], indicators["sex_not_stated"]],
             [_("of which persons with disabilities"), indicators["disability"]["yes"],
              indicators["disability"]["unknown"]],
             [_("of which homeless persons"), indicators["homeless"]["yes"], indicators["homeless"]["unknown"]],
             [_("of which persons with a migrant or foreign background"), indicators["migrant_background"]["yes"],
              indicators["migrant_background"]["unknown"]], []]
    rows.append([_("Delivery received on"), _("Donor"), _("Programme"), _("kg distributed"), _("Value distributed")])
    for delivery in report["deliveries"]["deliveries"]:
        rows.append([delivery["received_on"].isoformat() if delivery["received_on"] else "", delivery["donor"] or "",
                     delivery["programme"], kilos(delivery["grams"]), euros(delivery["value_cents"])])
    return rows

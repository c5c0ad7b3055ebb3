"""The attestation PDF (fpdf2, pure Python): hours by activity, competences, the participant's words, signatures.

It is written in the participant's language (Participant.preferred_language), whatever the language of the social
worker who prints it.

The PDF uses fpdf2's core Helvetica font (no font file to ship). Core fonts cover Latin-1, which has every French
accent and the middle dot of "assistant·e"; the few typographic characters outside it (’ “ ” œ – …) are replaced
by their plain equivalents before printing (« » are Latin-1 and stay).
"""

import re
import unicodedata

from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from grocery.i18n import in_language
from grocery.settings.services import get_setting
from grocery.sites.documents import draw_document_header
from grocery.timeutil import format_local_date
from grocery.volunteers.allowances import attestation_line
from grocery.volunteers.models import AttestationIssue, Participant

_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                        "…": "...", "œ": "oe", "Œ": "OE", "€": "EUR", "\u202f": " ", "\u00a0": " "})


def plain(text: str) -> str:
    """Text that the core PDF fonts can print (Latin-1), keeping accents and the middle dot."""
    return str(text).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


# Words (and names) whose initial h is aspirated: no elision before them ("de Hugo", "que Hollande").
_ASPIRATED_H = frozenset({"hache", "haine", "hall", "halte", "hamac", "hameau", "hanche", "handicap", "hangar",
                          "hareng", "haricot", "harpe", "hasard", "hausse", "haut", "haute", "hauteur", "héros",
                          "hibou", "hockey", "hollande", "homard", "honte", "hors", "houblon", "hugo", "hugues",
                          "hurlement", "hutte"})
_ELIDED = {"que": "qu'", "Que": "Qu'", "de": "d'", "De": "D'", "le": "l'", "Le": "L'", "la": "l'", "La": "L'"}


def elides_before(word: str) -> bool:
    """True when French elides a preceding que/de/le/la before this word: it starts with a vowel (accented and
    capital vowels included, "Élise", "Ìsa") or a mute h ("Hélène"); an aspirated h ("Hugo", "haut") does not."""
    word = word.strip()
    if not word:
        return False
    base = unicodedata.normalize("NFD", word[0])[0].lower()
    if base in "aeiouyœæ":
        return True
    if base == "h":
        head = re.split(r"[\s'’-]", word, maxsplit=1)[0].lower()
        return head not in _ASPIRATED_H
    return False


def elide(text: str, *values: str) -> str:
    """French elision in a sentence built from a template: "que Élise" → "qu'Élise", "de Hélène" → "d'Hélène",
    only before the inserted values given (a name, an organisation), whose first letter the template cannot know.
    Other languages are returned unchanged."""
    if str(get_locale() or "")[:2] != "fr":
        return text
    for value in values:
        if not value or not elides_before(value):
            continue
        pattern = re.compile(r"\b(que|Que|de|De|le|Le|la|La) (" + re.escape(value) + ")")
        text = pattern.sub(lambda match: _ELIDED[match.group(1)] + match.group(2), text)
    return text


def _hours(minutes: int) -> str:
    return _("%(hours)d h %(minutes)02d", hours=minutes // 60, minutes=minutes % 60)


def statement(participant: Participant, issue: AttestationIssue) -> tuple[str, str]:
    """Title and opening sentence, worded by engagement type: article 60 is employment ("prestations de
    travail"), never volunteering; in French with elision before the name ("atteste qu'Élise")."""
    title, opening = _statement(participant, issue)
    return title, elide(opening, participant.full_name, get_setting("org.name"))


def _statement(participant: Participant, issue: AttestationIssue) -> tuple[str, str]:
    org = get_setting("org.name")
    period = {"name": participant.full_name, "org": org, "start": format_local_date(issue.period_from, "long"),
              "end": format_local_date(issue.period_to, "long")}
    if participant.engagement_type == "article60":
        return (_("Attestation of work performed"),
                _("%(org)s certifies that %(name)s, employed under article 60 §7 of the organic law on CPAS, "
                  "performed work at the social grocery from %(start)s to %(end)s, as detailed below.", **period))
    if participant.engagement_type == "social_activation":
        return (_("Attestation of participation"),
                _("%(org)s certifies that %(name)s took part in social activation activities at the social grocery "
                  "from %(start)s to %(end)s, as detailed below.", **period))
    if participant.engagement_type == "internship":
        return (_("Attestation of internship"),
                _("%(org)s certifies that %(name)s did an internship or training at the social grocery from "
                  "%(start)s to %(end)s, as detailed below.", **period))
    if participant.engagement_type == "other":
        return (_("Attestation of participation"),
                _("%(org)s certifies that %(name)s took part in the activities of the social grocery from "
                  "%(start)s to %(end)s, as detailed below.", **period))
    return (_("Attestation of volunteering"),
            _("%(org)s certifies that %(name)s volunteered at the social grocery, without pay or obligation "
              "(law of 3 July 2005), from %(start)s to %(end)s, as detailed below.", **period))


def attestation_text(participant: Participant, issue: AttestationIssue, summary: dict) -> list[str]:
    """Every line the PDF prints, in order (what tests read), in the participant's language."""
    with in_language(participant.preferred_language):
        return _attestation_text(participant, issue, summary)


def render_attestation(participant: Participant, issue: AttestationIssue, summary: dict) -> bytes:
    """The attestation as a PDF, in the participant's language."""
    with in_language(participant.preferred_language) as language:
        return _render_attestation(participant, issue, summary, language)


def _attestation_text(participant: Participant, issue: AttestationIssue, summary: dict) -> list[str]:
    title, opening = statement(participant, issue)
    lines = [get_setting("org.name"), title, _("Reference: %(ref)s", ref=issue.reference), opening,
             _("Hours by activity")]
    lines += [f"{name}: {_hours(minutes)}" for name, minutes in summary["by_activity"].items()]
    lines.append(_("Total: %(hours)s", hours=_hours(summary["total_minutes"])))
    if summary.get("allowances"):
        lines.append(attestation_line(summary["allowances"]))
    if summary["competences"]:
        lines.append(_("Competences practised"))
        for row in summary["competences"]:
            lines.append(_("%(name)s: %(hours)s, confirmed %(sup)d times by the supervisor and %(par)d times by "
                           "the participant", name=row["competence"].name, hours=_hours(row["minutes"]),
                           sup=row["supervisor"], par=row["participant"]))
    if summary.get("own_words"):
        lines += [_("In the participant's own words"), summary["own_words"]]
    lines += [_("Delivered on %(day)s", day=format_local_date(issue.issued_at, "long")),
              get_setting("volunteers.attestation_signatory"), _("The participant")]
    return [plain(line) for line in lines]


def _render_attestation(participant: Participant, issue: AttestationIssue, summary: dict, language: str) -> bytes:
    title, opening = (plain(text) for text in statement(participant, issue))
    pdf = FPDF(format="A4")
    pdf.set_lang(language)
    pdf.set_title(plain(title))
    pdf.set_author(plain(get_setting("org.name")))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(width, 7, plain(get_setting("org.name")), new_x="LMARGIN", new_y="NEXT")
    address = get_setting("org.address")
    pdf.set_font("Helvetica", "", 9)
    if address:
        pdf.multi_cell(width, 4.5, plain(address), new_x="LMARGIN", new_y="NEXT")
    draw_document_header(pdf, width, plain)
    pdf.cell(width, 5, plain(_("Reference: %(ref)s", ref=issue.reference)), align="R", new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(width, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(width, 6, opening, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(width, 8, plain(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)

    heading(_("Hours by activity"))
    for name, minutes in summary["by_activity"].items():
        pdf.cell(width - 35, 7, plain(name), border="B")
        pdf.cell(35, 7, _hours(minutes), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(width - 35, 8, plain(_("Total")))
    pdf.cell(35, 8, _hours(summary["total_minutes"]), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    if summary.get("allowances"):
        pdf.multi_cell(width, 6, plain(attestation_line(summary["allowances"])), new_x="LMARGIN", new_y="NEXT")

    if summary["competences"]:
        heading(_("Competences practised"))
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(width - 75, 6, plain(_("Competence")), border="B")
        pdf.cell(25, 6, plain(_("Hours")), border="B", align="R")
        pdf.cell(25, 6, plain(_("Supervisor")), border="B", align="R")
        pdf.cell(25, 6, plain(_("Participant")), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for row in summary["competences"]:
            pdf.cell(width - 75, 6.5, plain(row["competence"].name), border="B")
            pdf.cell(25, 6.5, _hours(row["minutes"]), border="B", align="R")
            pdf.cell(25, 6.5, str(row["supervisor"]), border="B", align="R")
            pdf.cell(25, 6.5, str(row["participant"]), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "I", 8.5)
        pdf.multi_cell(width, 4.5, plain(_("Hours: time spent on activities that practise the competence. "
                                           "Supervisor / participant: number of confirmations after a shift.")),
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)

    if summary.get("own_words"):
        heading(_("In the participant's own words"))
        pdf.set_font("Helvetica", "I", 11)
        pdf.multi_cell(width, 6, plain(f"« {summary['own_words']} »"), new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)

    pdf.ln(6)
    pdf.cell(width, 6, plain(_("Delivered on %(day)s", day=format_local_date(issue.issued_at, "long"))),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    column = (width - 10) / 2
    y = pdf.get_y()
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_xy(pdf.l_margin, y)
    pdf.cell(column, 6, plain(get_setting("volunteers.attestation_signatory")))
    pdf.set_xy(pdf.l_margin + column + 10, y)
    pdf.cell(column, 6, plain(_("The participant")))
    pdf.set_font("Helvetica", "", 9)
    for offset, label in ((8, _("Name and function:")), (30, _("Signature:"))):
        pdf.set_xy(pdf.l_margin, y + offset)
        pdf.cell(column, 5, plain(label))
        pdf.set_xy(pdf.l_margin + column + 10, y + offset)
        pdf.cell(column, 5, plain(_("Signature:") if offset == 30 else participant.full_name))
    pdf.line(pdf.l_margin, y + 45, pdf.l_margin + column, y + 45)
    pdf.line(pdf.l_margin + column + 10, y + 45, pdf.l_margin + width, y + 45)
    return bytes(pdf.output())

"""French elision on attestations: "atteste qu'Élise", "d'Hélène", never "que Élise"; other languages untouched."""

from datetime import timedelta

import pytest

from grocery.i18n import in_language
from grocery.settings.services import update_settings
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.attestation import attestation_text, elide, elides_before, render_attestation
from tests.factories import make_activity, make_participant, make_shift


@pytest.mark.parametrize(("word", "expected"), [
    ("Élise", True), ("élise", True), ("Anne", True), ("Ìsa", True), ("Yves", True), ("Œdipe", True),
    ("Hélène", True), ("Hugo", False), ("haut", False), ("Marc", False), ("", False), ("  Ugo", True),
])
def test_elides_before_vowels_and_mute_h(word, expected):
    """Does French elide before a vowel (accented capitals included) or a mute h, and not before a consonant or an
    aspirated h?"""
    assert elides_before(word) is expected


def test_elide_only_before_the_inserted_values_and_only_in_french(app):
    with app.test_request_context(), in_language("fr"):
        assert elide("X atteste que Élise Dubois a presté", "Élise Dubois") == "X atteste qu'Élise Dubois a presté"
        assert elide("la signature de Hélène Roy", "Hélène Roy") == "la signature d'Hélène Roy"
        assert elide("X atteste que Marc Roy a presté", "Marc Roy") == "X atteste que Marc Roy a presté"
        assert elide("que Hugo Roy", "Hugo Roy") == "que Hugo Roy"
        # Only before the value: the template's own words stay as written.
        assert elide("de une que Élise", "Élise") == "de une qu'Élise"
    with app.test_request_context(), in_language("nl"):
        assert elide("verklaart dat Élise", "Élise") == "verklaart dat Élise"


def _issues(*people):
    """Each person worked yesterday; the day is validated; one attestation each."""
    day = local_today() - timedelta(days=1)
    shift = make_shift(held_on=day, activity=make_activity("Caisse"), capacity=len(people))
    for person in people:
        services.mark_attendance(None, services.book_shift(None, shift, person), "present")
    services.validate_day(None, day)
    return [services.issue_attestation(None, person, day - timedelta(days=5), day) for person in people]


@pytest.mark.parametrize("engagement", ["volunteer", "article60", "social_activation", "internship", "other"])
def test_attestation_says_qu_elise_in_french(app, db, engagement):
    """Does the attestation of Élise say "atteste qu'Élise", whatever the engagement type, in the text and the
    PDF, while Marc's keeps "que Marc"?"""
    update_settings(None, {"org.name": "Épicerie du Coin"})
    elise = make_participant(first_name="Élise", last_name="Dubois", engagement_type=engagement,
                             preferred_language="fr")
    marc = make_participant(first_name="Marc", last_name="Roy", engagement_type=engagement, preferred_language="fr")
    with app.test_request_context():
        (issue, summary), (marc_issue, marc_summary) = _issues(elise, marc)
        text = " ".join(attestation_text(elise, issue, summary))
        assert "atteste qu'Élise Dubois" in text and "que Élise" not in text
        assert render_attestation(elise, issue, summary).startswith(b"%PDF")
        issue, summary = marc_issue, marc_summary
        assert "atteste que Marc Roy" in " ".join(attestation_text(marc, issue, summary))


def test_attestation_in_dutch_is_not_elided(app, db):
    elise = make_participant(first_name="Élise", last_name="Dubois", preferred_language="nl")
    with app.test_request_context():
        [(issue, summary)] = _issues(elise)
        text = " ".join(attestation_text(elise, issue, summary))
        assert "Élise Dubois" in text and "qu'" not in text

"""On a 390 px phone the volunteers' lists read as stacked rows: no sideways scroll, neither of the page nor of the
table inside its card (headless Chromium)."""

import pytest

from grocery.auth.roles import Role
from tests.factories import make_participant, make_user
from tests.foundation.test_layout import WIDTHS, _log_in, browser  # noqa: F401 - the browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
#: The widest box inside the main content that scrolls sideways, if any: (its width, the width of its content).
SCROLLING = """() => [...document.querySelectorAll('main *')]
  .filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1
                && !el.closest('nav'))
  .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${el.clientWidth} -> ${el.scrollWidth}`)"""


def test_participants_list_fits_a_phone(db, live_server, browser):  # noqa: F811
    coordinator = make_user(Role.COORDINATOR)
    referent = make_user(Role.SOCIAL_WORKER, display_name="Sophie Assistante sociale de Namur")
    for n in range(3):
        make_participant(first_name=f"Marie-Christine{n}", last_name="Van den Bossche-Lemaire",
                         rhythm="Deux demi-journées par semaine", referent_id=referent.id,
                         engagement_type="article60")
    db.session.commit()
    page = _log_in(browser, live_server, coordinator, 390, 844)
    page.goto(live_server + "/volunteers/participants")
    assert page.evaluate(WIDTHS)[0] <= 390
    assert page.evaluate(SCROLLING) == []
    # each value keeps its column's name beside it
    assert page.locator("td[data-label='Référent·e']").first.is_visible()
    page.set_viewport_size({"width": 1024, "height": 768})
    assert page.locator("thead").is_visible()  # a table again at a desk
    page.context.close()

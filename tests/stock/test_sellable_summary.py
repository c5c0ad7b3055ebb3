"""sellable_summary: what the till's catalogue shows as available, and the source of the next FEFO lot."""

from datetime import timedelta

from grocery.stock.services import allocate_fefo, sellable_summary
from grocery.timeutil import local_today
from tests.factories import make_lot, make_product


def test_totals_and_next_source_follow_fefo(db):
    """Several lots: the total counts only sellable lots, and the source is the one FEFO would sell first."""
    today = local_today()
    several = make_product()
    make_lot(several, 4, source="fead", best_before_on=today + timedelta(days=30))
    sooner = make_lot(several, 3, source="supermarket", use_by_on=today + timedelta(days=2))
    make_lot(several, 5, source="food_bank", use_by_on=today - timedelta(days=1))  # past use-by: not sellable
    single = make_product()
    make_lot(single, 2, source="fead")
    empty = make_product()
    make_lot(empty, 0)
    summary = sellable_summary(today)
    assert summary[several.id] == (7, "supermarket")
    assert allocate_fefo(several, 1, today)[0].lot.id == sooner.id  # the same lot FEFO takes
    assert summary[single.id] == (2, "fead")
    assert empty.id not in summary

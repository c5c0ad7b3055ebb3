"""The composition of a household on a day: adults, children, age bands, each person weighted by presence."""

from __future__ import annotations

from datetime import date

from grocery.households.models import Household
from grocery.households.services.common import age_on

AGE_BANDS = (("0-2", 0, 2), ("3-14", 3, 14), ("15-17", 15, 17), ("18-24", 18, 24), ("25-64", 25, 64),
             ("65+", 65, 200))
ADULT_AGE = 18


def composition(household: Household, day: date) -> dict:
    """Counts of the household's active members on a day: adults (18+), children, children under 3, age bands."""
    bands = {name: 0 for name, _low, _high in AGE_BANDS}
    adults = children = under_3 = 0
    for member in household.active_members:
        if member.birth_on > day:
            continue
        age = age_on(member.birth_on, day)
        if age >= ADULT_AGE:
            adults += 1
        else:
            children += 1
            if age < 3:
                under_3 += 1
        for name, low, high in AGE_BANDS:
            if low <= age <= high:
                bands[name] += 1
    return {"adults": adults, "children": children, "children_under_3": under_3, "age_bands": bands}


def weighted_composition(household: Household, day: date) -> dict:
    """The active members born by the day, each weighted by their presence share (shared custody: a child there
    half of the time counts 0,5), in hundredths of a person: the composition of the budget scale and of the reste
    à vivre. The till's quota basis (composition) counts heads and is not changed by it."""
    adults = children = 0
    for member in household.active_members:
        if member.birth_on > day:
            continue
        share = getattr(member, "presence_percent", 100) or 100
        if age_on(member.birth_on, day) >= ADULT_AGE:
            adults += share
        else:
            children += share
    return {"adults_hundredths": adults, "children_hundredths": children, "persons_hundredths": adults + children}


def hundredths_text(value: int) -> str:
    """2,5 for 250, 3 for 300: a weighted number of persons as people read it."""
    whole, rest = divmod(value, 100)
    if not rest:
        return str(whole)
    return f"{whole},{rest:02d}".rstrip("0")

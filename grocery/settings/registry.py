"""The registry of setting definitions; each domain package registers its own values and sections here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from grocery.errors import ValidationError
from grocery.money import cents_to_input, parse_money

KINDS = {"text", "multiline", "int", "cents", "percent", "bool", "choice", "email"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SettingDef:
    """One configurable value: its key, type, default and how the settings page shows it."""

    key: str
    kind: str
    default: Any
    label: Any
    section: str
    help: Any = None
    min: int | None = None
    max: int | None = None
    choices: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    required: bool = False
    #: Called (without arguments, settings already changed and flushed) after a change of this value, to bring the
    #: data that depends on it up to date, in the same transaction: the owning domain registers it, so settings
    #: imports no domain.
    on_change: Callable[[], Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown setting kind {self.kind!r}")

    @property
    def field_name(self) -> str:
        return self.key.replace(".", "__")

    def parse(self, raw: Any) -> Any:
        """Turn what a person typed into the stored value, or raise ValidationError for this setting."""
        if self.kind == "bool":
            return raw in (True, "y", "on", "1", "true", "True")
        text = "" if raw is None else str(raw).strip()
        if not text:
            if self.required or self.kind in {"int", "cents", "percent", "choice"}:
                raise ValidationError(self.key, _l("This value is required."))
            return ""
        if self.kind in {"text", "multiline"}:
            limit = 2000 if self.kind == "multiline" else 200
            if len(text) > limit:
                raise ValidationError(self.key, _l("At most %(n)d characters.", n=limit))
            return text
        if self.kind == "email":
            if not _EMAIL.match(text):
                raise ValidationError(self.key, _l("This is not an e-mail address."))
            return text
        if self.kind == "choice":
            if text not in {value for value, _label in self.choices}:
                raise ValidationError(self.key, _l("Choose one of the proposed values."))
            return text
        if self.kind == "cents":
            value = parse_money(text, field=self.key)
        else:
            if not re.fullmatch(r"-?[0-9]{1,12}", text):  # ASCII digits, never 5,000 of them
                raise ValidationError(self.key, _l("Enter a whole number."))
            value = int(text)
        low = 0 if self.kind == "percent" and self.min is None else self.min
        high = 100 if self.kind == "percent" and self.max is None else self.max
        if low is not None and value < low:
            raise ValidationError(self.key, _l("The value must be at least %(n)s.", n=self.display(low)))
        if high is not None and value > high:
            raise ValidationError(self.key, _l("The value must be at most %(n)s.", n=self.display(high)))
        return value

    def display(self, value: Any) -> str:
        """The value as it is put back into the form field."""
        if self.kind == "cents":
            return cents_to_input(value)
        return "" if value is None else str(value)


SECTIONS: dict[str, tuple[int, Any]] = {}
DEFINITIONS: dict[str, SettingDef] = {}
#: section key -> function giving lines shown under the section's values (what the page cannot edit, e.g. whether
#: a password is set in the server's environment); each domain registers its own.
SECTION_NOTES: dict[str, Callable[[], list[str]]] = {}


def register_section_notes(key: str, notes: Callable[[], list[str]]) -> None:
    SECTION_NOTES[key] = notes


def register_section(key: str, label: Any, order: int) -> None:
    SECTIONS[key] = (order, label)


def register(*definitions: SettingDef) -> None:
    for definition in definitions:
        if definition.section not in SECTIONS:
            raise ValueError(f"register the section {definition.section!r} first")
        DEFINITIONS[definition.key] = definition


def sections() -> list[tuple[str, Any, list[SettingDef]]]:
    """Sections in display order, each with its definitions in registration order."""
    ordered = sorted(SECTIONS.items(), key=lambda item: item[1][0])
    return [
        (key, label, [d for d in DEFINITIONS.values() if d.section == key])
        for key, (_order, label) in ordered
        if any(d.section == key for d in DEFINITIONS.values())
    ]


register_section("organisation", _l("Organisation"), 0)
register(
    SettingDef("org.name", "text", "Épicerie sociale", _l("Name"), "organisation", required=True,
               help=_l("Shown on cards, receipts, attestations and reports.")),
    SettingDef("org.address", "multiline", "", _l("Address"), "organisation"),
    SettingDef("org.phone", "text", "", _l("Phone"), "organisation"),
    SettingDef("org.email", "email", "", _l("E-mail"), "organisation"),
)

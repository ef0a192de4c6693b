"""Select options as WTForms 3.3 wants them (tuples are deprecated there)."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]

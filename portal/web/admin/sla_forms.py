"""Forms of the SLA settings pages: the business calendar, holidays, targets and overrides."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.domain.sla import Unit
from portal.web.choices import choices

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday")]
UNIT_LABELS = {Unit.BUSINESS_HOURS.value: _l("business hours"),
               Unit.WORKING_DAYS.value: _l("working days")}
ZONES = sorted(available_timezones())


def _time_field(label) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=5)],
                       render_kw={"placeholder": "08:00", "inputmode": "numeric",
                                  "pattern": "[0-2][0-9]:[0-5][0-9]"})


class _CalendarBase(FlaskForm):
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in ZONES),
                           validate_choice=False)  # the service checks it (and says so)

    def day_fields(self, day: int):
        return (getattr(self, f"closed_{day}"), getattr(self, f"opens_{day}"),
                getattr(self, f"closes_{day}"))

    def hours(self) -> dict[int, tuple[str, str] | None]:
        result: dict[int, tuple[str, str] | None] = {}
        for day in range(7):
            closed, opens, closes = self.day_fields(day)
            result[day] = None if closed.data else (opens.data or "", closes.data or "")
        return result


def _calendar_form_class() -> type[_CalendarBase]:
    fields = {}
    for day, name in enumerate(WEEKDAYS):
        fields[f"closed_{day}"] = BooleanField(_l("%(day)s: closed", day=name))
        fields[f"opens_{day}"] = _time_field(_l("%(day)s opens at", day=name))
        fields[f"closes_{day}"] = _time_field(_l("%(day)s closes at", day=name))
    return type("CalendarForm", (_CalendarBase,), fields)


CalendarForm = _calendar_form_class()


def calendar_form_data(timezone: str, hours: dict[int, tuple[str, str] | None]) -> dict:
    data: dict[str, object] = {"timezone": timezone}
    for day in range(7):
        window = hours.get(day)
        data[f"closed_{day}"] = window is None
        data[f"opens_{day}"], data[f"closes_{day}"] = window or ("", "")
    return data


class HolidayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter a date."))])
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter a name.")),
                                               Length(max=120)])


def _unit_field(label) -> SelectField:
    return SelectField(label, choices=choices(UNIT_LABELS.items()))


def _amount_field(label) -> IntegerField:
    return IntegerField(label, validators=[
        InputRequired(_l("Enter a whole number.")),
        NumberRange(min=1, max=2000, message=_l("Use a whole number from 1 to 2000."))])


class TargetsForm(FlaskForm):
    first_response_value = _amount_field(_l("First response within"))
    first_response_unit = _unit_field(_l("First response unit"))
    resolution_value = _amount_field(_l("Resolution within"))
    resolution_unit = _unit_field(_l("Resolution unit"))


def _category_id(value):
    return int(value) if value not in (None, "", "None") else None


class OverrideForm(TargetsForm):
    category_id = SelectField(_l("Complaint type"), coerce=_category_id)
    priority = SelectField(_l("Priority"))

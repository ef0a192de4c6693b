"""The form of the survey settings pages (the default, or one complaint type's own)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.services.survey_settings import DELAY_RANGE, REMINDER_RANGE, SurveyValues

NOT_HOURS = _l("Enter a whole number of hours.")


class HoursField(IntegerField):
    """A whole number of hours; anything else gets our words, not WTForms' generic ones."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(NOT_HOURS)) from None


def _hours_field(label, bounds: tuple[int, int]) -> HoursField:
    low, high = bounds
    return HoursField(label, validators=[
        InputRequired(NOT_HOURS),
        NumberRange(min=low, max=high, message=_l("Use a whole number from %(low)s to %(high)s.",
                                                  low=low, high=high))],
        render_kw={"inputmode": "numeric", "min": low, "max": high})


class SurveySettingsForm(FlaskForm):
    enabled = BooleanField(_l("Send a satisfaction survey when a ticket is resolved"))
    delay_hours = _hours_field(_l("Send it after (hours)"), DELAY_RANGE)
    reminder = BooleanField(_l("Send one reminder if there is no answer"))
    reminder_after_hours = _hours_field(_l("Remind after (hours)"), REMINDER_RANGE)

    def values(self) -> SurveyValues:
        return SurveyValues(enabled=bool(self.enabled.data), delay_hours=self.delay_hours.data,
                            reminder=bool(self.reminder.data),
                            reminder_after_hours=self.reminder_after_hours.data)

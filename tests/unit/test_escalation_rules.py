"""The escalation rules from tables: which matrix row applies, which steps are due, the
simulator's path, the manual rules and what the customer may read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.domain import escalation as esc
from portal.domain.errors import DomainError
from portal.domain.escalation import Kind, RuleSpec, Step, TicketSnapshot
from portal.domain.sla import BusinessCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = BusinessCalendar()


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A moment in Ho Chi Minh City, late 2026 (Mon 30 Nov … no holidays)."""
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


CREATED = at(30, 8, month=11)            # Monday 08:00
FR_DUE = at(2, 14)                       # 24 business hours later: Wednesday 14:00
RES_DUE = at(4, 17)                      # Friday 17:00
WARN = at(1, 17)                         # 75 % = 18 business hours: Tuesday 17:00
L3 = at(7, 16)                           # 8 business hours after Friday 17:00: Monday 16:00


def ticket(**changes) -> TicketSnapshot:
    values = {"id": 7, "created_at": CREATED, "first_response_due": FR_DUE,
              "first_response_at": None, "resolution_due": RES_DUE}
    values.update(changes)
    return TicketSnapshot(**values)


# --- rule_for -----------------------------------------------------------------------------------

ANY = RuleSpec(None, None)
CAT = RuleSpec(1, None)
PRIO = RuleSpec(None, "urgent")
BOTH = RuleSpec(1, "urgent")


@pytest.mark.parametrize(("rules", "category", "priority", "expected"), [
    ([ANY, CAT, PRIO, BOTH], 1, "urgent", BOTH),
    ([ANY, CAT, PRIO], 1, "urgent", CAT),           # category+any beats any+priority
    ([ANY, PRIO], 1, "urgent", PRIO),
    ([ANY, PRIO], 1, "normal", ANY),
    ([ANY, CAT, PRIO, BOTH], 2, "normal", ANY),
    ([ANY, CAT, PRIO, BOTH], 2, "urgent", PRIO),
    ([ANY, CAT, PRIO, BOTH], None, "urgent", PRIO),  # no category: never a category row
    ([CAT, BOTH], 2, "urgent", None),               # nothing matches: no automatic steps
    ([], 1, "urgent", None),
    ([BOTH, CAT], 1, "low", CAT),
])
def test_rule_for_takes_the_most_specific_row(rules, category, priority, expected):
    assert esc.rule_for(rules, category, priority) is expected


# --- due steps ----------------------------------------------------------------------------------

NO_L2 = RuleSpec(level2_tier=None, level2_team_id=None)


@pytest.mark.parametrize(("snapshot", "rule", "now", "expected"), [
    (ticket(), ANY, at(1, 16, 59), []),
    (ticket(), ANY, WARN, [(Step.WARNING, WARN)]),
    (ticket(), ANY, at(2, 9), [(Step.WARNING, WARN)]),
    (ticket(), ANY, FR_DUE, [(Step.LEVEL1, FR_DUE)]),                 # no warning once breached
    (ticket(first_response_at=at(2, 13)), ANY, at(2, 15), []),        # answered in time
    (ticket(first_response_at=at(1, 9)), ANY, at(2, 9), []),          # answered: no warning
    (ticket(escalation_level=1), ANY, at(3, 9), []),                  # level 1 happened
    (ticket(escalation_level=1), ANY, RES_DUE, [(Step.LEVEL2, RES_DUE)]),
    (ticket(), ANY, RES_DUE, [(Step.LEVEL1, FR_DUE), (Step.LEVEL2, RES_DUE)]),
    (ticket(first_response_at=at(1, 9)), ANY, RES_DUE, [(Step.LEVEL2, RES_DUE)]),
    (ticket(escalation_level=2), ANY, at(7, 15, 59), []),
    (ticket(escalation_level=2), ANY, L3, [(Step.LEVEL3, L3)]),
    (ticket(), ANY, L3, [(Step.LEVEL1, FR_DUE), (Step.LEVEL2, RES_DUE), (Step.LEVEL3, L3)]),
    (ticket(escalation_level=3), ANY, at(20, 9), []),
    (ticket(paused=True), ANY, at(20, 9), []),                        # waiting for the customer
    (ticket(active=False), ANY, at(20, 9), []),                       # resolved
    (ticket(), None, at(20, 9), []),                                  # no matrix row
    (ticket(), RuleSpec(warning_percent=None), at(2, 9), []),
    (ticket(), RuleSpec(warning_percent=50), at(1, 11), [(Step.WARNING, at(1, 11))]),
    (ticket(), RuleSpec(level1_enabled=False), at(2, 15), []),
    (ticket(escalation_level=1), NO_L2, RES_DUE, []),
    (ticket(escalation_level=1), NO_L2, L3, [(Step.LEVEL3, L3)]),
    (ticket(escalation_level=1), RuleSpec(level3_after_hours=None), L3, [(Step.LEVEL2, RES_DUE)]),
    (ticket(escalation_level=1), RuleSpec(level2_tier=None, level2_team_id=4), RES_DUE,
     [(Step.LEVEL2, RES_DUE)]),
    (ticket(first_response_due=None), ANY, at(3, 9), []),             # no clock: nothing due
])
def test_due_steps(snapshot, rule, now, expected):
    steps = esc.due_steps(snapshot, rule, CAL, now)
    assert [(s.step, s.due) for s in steps] == expected
    assert all(s.key == esc.step_key(7, s.step, s.due) for s in steps)


def test_step_keys_are_stable_and_name_ticket_step_and_due():
    assert esc.step_key(5, "level1", FR_DUE) == "auto:5:level1:2026-12-02T07:00:00+00:00"
    assert esc.step_key(5, Step.LEVEL1, FR_DUE.astimezone(UTC)) == esc.step_key(5, "level1",
                                                                                 FR_DUE)
    assert esc.risk_key(5) == "risk:5"
    assert len(esc.step_key(2**31, Step.WARNING, FR_DUE)) <= 120


def test_warning_at_counts_business_time_over_a_weekend():
    friday = at(4, 13)  # 4 h left on Friday, then the weekend
    due = at(8, 13)     # 18 business hours: Fri 4 + Mon 9 + Tue 5
    assert esc.warning_at(CAL, friday, due, 50) == at(7, 13).astimezone(UTC)  # Fri 4 + Mon 5


# --- the simulator's path -----------------------------------------------------------------------

def test_plan_path_lists_every_step_in_time_order():
    path = esc.plan_path(ANY, CAL, created_at=CREATED, first_response_due=FR_DUE,
                         resolution_due=RES_DUE)
    assert [(p.step, p.at) for p in path] == [
        (Step.WARNING, WARN), (Step.LEVEL1, FR_DUE), (Step.LEVEL2, RES_DUE), (Step.LEVEL3, L3)]


@pytest.mark.parametrize(("rule", "steps"), [
    (None, []),
    (RuleSpec(warning_percent=None, level1_enabled=False), [Step.LEVEL2, Step.LEVEL3]),
    (NO_L2, [Step.WARNING, Step.LEVEL1, Step.LEVEL3]),
    (RuleSpec(level3_after_hours=None), [Step.WARNING, Step.LEVEL1, Step.LEVEL2]),
])
def test_plan_path_leaves_out_what_the_row_switches_off(rule, steps):
    path = esc.plan_path(rule, CAL, created_at=CREATED, first_response_due=FR_DUE,
                         resolution_due=RES_DUE)
    assert [p.step for p in path] == steps


# --- manual rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "code"), [
    ("", "reason_required"), ("   \n ", "reason_required"), (None, "reason_required"),
    ("x" * (esc.REASON_MAX + 1), "reason_too_long"),
])
def test_a_reason_is_required_and_capped(reason, code):
    with pytest.raises(DomainError) as error:
        esc.check_reason(reason)
    assert (error.value.code, error.value.field) == (code, "reason")


def test_a_good_reason_is_trimmed():
    assert esc.check_reason("  Needs a refund decision. ") == "Needs a refund decision."
    assert esc.check_reason("x" * esc.REASON_MAX) == "x" * esc.REASON_MAX


@pytest.mark.parametrize(("current", "to", "active", "code"), [
    (1, 2, True, None),
    (None, 2, True, None),
    (1, 1, True, "same_team"),
    (1, 2, False, "team_not_found"),
    (1, None, False, "team_not_found"),
])
def test_functional_goes_to_another_active_team(current, to, active, code):
    if code is None:
        esc.check_functional(current, to, active)
        return
    with pytest.raises(DomainError) as error:
        esc.check_functional(current, to, active)
    assert error.value.code == code


@pytest.mark.parametrize(("tier", "to_tier", "to_user", "supervisor", "code"), [
    (1, 2, None, False, None),
    (1, 3, None, False, None),
    (2, 3, None, False, None),
    (1, None, 9, True, None),
    (3, None, 9, True, None),                 # tier 3 may still go to a named supervisor
    (3, 3, None, False, "no_higher_tier"),
    (2, 2, None, False, "tier_not_higher"),
    (2, 1, None, False, "tier_not_higher"),
    (1, 4, None, False, "tier_not_higher"),
    (1, None, None, False, "target_required"),
    (1, 2, 9, True, "target_required"),       # one target, not both
    (1, None, 9, False, "supervisor_not_found"),
])
def test_hierarchical_goes_up_or_to_a_named_supervisor(tier, to_tier, to_user, supervisor, code):
    def check():
        esc.check_hierarchical(tier, to_tier=to_tier, to_user_id=to_user,
                               to_user_is_supervisor=supervisor)
    if code is None:
        check()
        return
    with pytest.raises(DomainError) as error:
        check()
    assert error.value.code == code


@pytest.mark.parametrize(("current", "expected"), [(1, 2), (2, 3), (3, None)])
def test_next_tier(current, expected):
    assert esc.next_tier(current) == expected


# --- what the customer reads --------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"kind": Kind.FUNCTIONAL, "to_team": "Billing"},
     {"kind": "functional", "to": "team", "to_team": "Billing"}),
    ({"kind": Kind.HIERARCHICAL, "to_tier": 2}, {"kind": "hierarchical", "to": "senior"}),
    ({"kind": Kind.HIERARCHICAL, "to_tier": 3}, {"kind": "hierarchical", "to": "manager"}),
    ({"kind": Kind.HIERARCHICAL, "to_manager": True},
     {"kind": "hierarchical", "to": "manager"}),
    ({"kind": Kind.AUTOMATIC, "level": 1}, {"kind": "automatic", "level": 1, "to": "lead"}),
    ({"kind": Kind.AUTOMATIC, "level": 2, "to_tier": 2},
     {"kind": "automatic", "level": 2, "to": "senior"}),
])
def test_public_data_holds_only_what_the_customer_may_read(kwargs, expected):
    assert esc.public_data(**kwargs) == expected

"""A rule pack: the rules of one jurisdiction, as data (R-SIG-7). Validated here, loaded by services."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jiancha.domain.evaluation import EvaluationRules
from jiancha.domain.logs import LogMapping
from jiancha.domain.public.complaints import ComplaintRules
from jiancha.domain.rules.families import FAMILIES, WATCHES, monitors, procurement, sequence, vehicles
from jiancha.domain.rules.model import Colour, Rule
from jiancha.domain.supervision.notices import NoticeRules
from jiancha.domain.supervision.patrols import PatrolRules

RuleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    family: str
    colour: Colour
    article: Annotated[str, Field(min_length=1)]
    message_zh: Annotated[str, Field(min_length=1)]
    message_en: Annotated[str, Field(min_length=1)]
    params: dict[str, Any] = Field(default_factory=dict)
    escalates: bool = True  # false for an early warning, whose deadline has its own red rule

    @model_validator(mode="after")
    def _family(self) -> RuleSpec:
        if self.family not in FAMILIES and self.family not in WATCHES:
            raise ValueError(
                f"未知的规则族 {self.family} | unknown rule family {self.family}; "
                f"known: {', '.join(sorted({*FAMILIES, *WATCHES}))}"
            )
        return self

    def rule(self) -> Rule:
        return Rule(
            self.id,
            self.family,
            self.colour,
            self.article,
            self.message_zh,
            self.message_en,
            self.params,
            self.escalates,
        )


class NotCheckable(BaseModel):
    """An article the pack maps to no rule, with the reason a machine cannot check it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    article: str
    reason_zh: str
    reason_en: str


class Escalation(BaseModel):
    """R-SIG-2: a yellow still unresolved N working days after it was raised becomes red; and,
    when `repeat` is set, the same category yellow in `repeat` cases in a row becomes red.

    Category: one power item at one department (the same 事项 handled by the same 部门).
    In a row: the last `repeat` cases of that category, in the order they were received, each
    with at least one yellow signal; one case of the category without a yellow breaks the row.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    after_working_days: Annotated[int, Field(ge=0, le=60)]
    article: Annotated[str, Field(min_length=1)]
    message_zh: Annotated[str, Field(min_length=1)]
    message_en: Annotated[str, Field(min_length=1)]
    repeat: Annotated[int, Field(ge=2, le=20)] | None = None
    repeat_message_zh: str = "事项 {item} 在 {department} 连续 {count} 个办件出现黄色纠错，转为红色纠错"
    repeat_message_en: str = "item {item} at {department} had yellow signals in {count} cases in a row: red"


# The families a pack may take from another (`include`): the monitors of other supervised areas,
# whose rules are national (trading, vehicles, spending, …) — a region's approval rules are its own.
INCLUDABLE = frozenset({procurement.FAMILY, vehicles.FAMILY, "unequal_treatment", *monitors.FAMILIES})


class Include(BaseModel):
    """Rules of some families taken from another pack (a shipped one, by name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pack: RuleId
    families: Annotated[tuple[str, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _includable(self) -> Include:
        wrong = sorted(set(self.families) - INCLUDABLE)
        if wrong:
            raise ValueError(
                f"不能引入规则族 {', '.join(wrong)} | families {', '.join(wrong)} cannot be included; "
                f"a pack may include {', '.join(sorted(INCLUDABLE))}"
            )
        return self


class Pack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pack: RuleId
    title_zh: str
    title_en: str
    source: str = ""
    rules: tuple[RuleSpec, ...]
    not_checkable: tuple[NotCheckable, ...] = ()
    escalation: Escalation | None = None
    notices: NoticeRules = NoticeRules()  # supervision notices (督办, R-SUP-2)
    complaints: ComplaintRules = ComplaintRules()  # complaints from the public (R-PUB-1)
    patrols: PatrolRules = PatrolRules()  # how often each level of agency patrols (R-PAT-1)
    evaluation: EvaluationRules = EvaluationRules()  # the monthly scores' scheme (R-EVA-1)
    # What the red flags of public resource trading share (R-MON-2): see families/procurement.py.
    procurement: dict[str, Any] = Field(default_factory=dict)
    # Families whose rules come from another pack, and those rules (`included`: filled in by the
    # loader from `include`, never written in a file; `rules` keeps the pack's own).
    include: tuple[Include, ...] = ()
    included: tuple[RuleSpec, ...] = ()
    # How an event log kept elsewhere becomes this pack's cases (R-ING-2): see domain/logs.py.
    log: LogMapping | None = None

    @property
    def every_rule(self) -> tuple[RuleSpec, ...]:
        """The pack's own rules and those it includes."""
        return self.rules + self.included

    @model_validator(mode="after")
    def _unique(self) -> Pack:
        ids = [r.id for r in self.every_rule]
        if len(set(ids)) != len(ids):
            raise ValueError("规则编号重复 | rule ids repeat")
        return self

    @model_validator(mode="after")
    def _procurement(self) -> Pack:
        procurement.settings_of(self.procurement, self.red_flags())  # raises what is wrong
        return self

    @model_validator(mode="after")
    def _vehicles(self) -> Pack:
        for rule in self.vehicle_rules():
            vehicles.settings_of(rule)  # raises what is wrong
        return self

    @model_validator(mode="after")
    def _sequences(self) -> Pack:
        for r in self.rules:
            if r.family == "sequence":
                sequence.check_params(r.rule())  # raises what is wrong
        return self

    @model_validator(mode="after")
    def _monitors(self) -> Pack:
        for r in self.every_rule:
            if r.family in monitors.FAMILIES:
                monitors.settings_of(r.rule())  # raises what is wrong
        return self

    def vehicle_rules(self) -> tuple[Rule, ...]:
        """The checks of official vehicles (R-MON-3), one a rule."""
        return tuple(r.rule() for r in self.every_rule if r.family == vehicles.FAMILY)

    def red_flags(self) -> tuple[Rule, ...]:
        """The rules of public resource trading (R-MON-2), one an indicator."""
        return tuple(r.rule() for r in self.every_rule if r.family == procurement.FAMILY)

    def compiled(self) -> tuple[Rule, ...]:
        return tuple(r.rule() for r in self.every_rule)

    def warnings(self) -> tuple[tuple[str, int], ...]:
        """(limit, working days ahead) at which a warning rule fires: the clock must wake then."""
        found = {
            (str(r.params.get("limit", "legal")), int(r.params.get("days_before", 3)))
            for r in self.rules
            if r.family == "time_limit" and r.params.get("stage") == "warn"
        }
        return tuple(sorted(found))

    def overdue_rules(self) -> frozenset[str]:
        """The rules that say a case passed its legal limit unfinished: an overdue case (R-EVA-1)."""
        return frozenset(
            r.id
            for r in self.rules
            if r.family == "time_limit"
            and r.params.get("stage") == "overdue"
            and r.params.get("limit", "legal") == "legal"
        )

    def warnings_only(self) -> tuple[str, ...]:
        """Rules whose yellows never escalate: they count for no repeat either."""
        return tuple(r.id for r in self.every_rule if not r.escalates)

    def disclosure(self) -> tuple[int, ...]:
        """Working days after a result by which it must be public: the clock wakes when they pass."""
        return tuple(
            sorted({int(r.params.get("working_days", 7)) for r in self.rules if r.family == "disclosure"})
        )


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: dict[str, Any]) -> str:
    """Fill a message template; a name the finding lacks stays visible instead of failing."""
    return template.format_map(_Keep(values))

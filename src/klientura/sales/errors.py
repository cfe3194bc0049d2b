"""The sales domain's codes of refusals."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

COMPANY_NOT_FOUND = code("company.not_found", N_("company %(id)s not found"))
COMPANY_ELSEWHERE = code("company.inn.elsewhere", N_("INN %(value)s belongs to a company you do not see"))
COMPANY_NAME_NEEDED = code("company.name_needed", N_("a company needs a name"))
OWNER_FORBIDDEN = code("company.owner.forbidden", N_("a manager cannot hand a company to someone else"))
PIPELINE_NOT_FOUND = code("pipeline.not_found", N_("pipeline %(id)s not found"))
PIPELINE_NAME_TAKEN = code("pipeline.name_taken", N_("there is a pipeline named '%(value)s' already"))
PIPELINE_NEEDS = code(
    "pipeline.stages", N_("a pipeline needs at least one open stage, one won and one lost (it has %(kinds)s)")
)
STAGE_FOREIGN = code("pipeline.stage.foreign", N_("stage %(id)s is not one of this pipeline's"))
STAGE_NAMES_REPEAT = code("pipeline.stage.names_repeat", N_("two stages are named '%(value)s'"))
DEAL_NOT_FOUND = code("deal.not_found", N_("deal %(id)s not found"))
LOST_REASON_NEEDED = code("deal.lost_reason_needed", N_("a lost deal needs the reason it was lost"))
STAGE_ELSEWHERE = code("deal.stage.elsewhere", N_("stage %(id)s is not a live stage of the deal's pipeline"))
DEAL_NEEDS_PARTY = code("deal.party_needed", N_("a deal needs a customer or a company"))
NO_OPEN_STAGE = code("deal.no_open_stage", N_("pipeline %(id)s has no open stage to start in"))
LOST_REASON_UNKNOWN = code("deal.lost_reason_unknown", N_("'%(value)s' is not one of the lost reasons: %(allowed)s"))
LEAD_NOT_FOUND = code("lead.not_found", N_("lead %(id)s not found"))
LEAD_NOT_OPEN = code("lead.not_open", N_("lead %(id)s is no longer open: only an open lead is converted or closed"))
LEAD_NEEDS_PERSON = code("lead.person_needed", N_("a request needs the person: customer_id or their identities"))
TASK_NOT_FOUND = code("task.not_found", N_("task %(id)s not found"))
TASK_DONE = code("task.done", N_("task %(id)s is done already"))
TASK_NOT_DONE = code("task.not_done", N_("task %(id)s is not done"))
ASSIGNEE_UNKNOWN = code("task.assignee_unknown", N_("user %(id)s cannot be given tasks (unknown or deactivated)"))
DEAL_HANDOVER_FORBIDDEN = code("deal.owner.forbidden", N_("a manager cannot hand over or take a deal"))
CLOSE_FORBIDDEN = code(
    "deal.close.forbidden", N_("in this pipeline your role may not close deals (won or lost); ask a head of sales")
)
REOPEN_FORBIDDEN = code(
    "deal.reopen.forbidden", N_("in this pipeline your role may not reopen or change closed deals; ask a head of sales")
)
ORDER_ELSEWHERE = code("deal.order.elsewhere", N_("order %(id)s is linked to deal %(deal)s already"))
ORDER_NOT_THEIRS = code(
    "deal.order.not_theirs", N_("order %(id)s is not the deal's customer's nor one of its company's contacts'")
)
ORDER_NOT_LINKED = code("deal.order.not_linked", N_("order %(id)s is not linked to this deal"))
DEAL_LOST = code("deal.lost", N_("deal %(id)s is lost: reopen it first"))
FEED_FOR_USERS = code("calendar.feed_for_users", N_("a calendar address belongs to a user, not to an API key"))
IMPORT_OWNER_UNKNOWN = code(
    "import.owner_unknown", N_("no active user is '%(value)s' (by e-mail or name): add them or map the column away")
)
IMPORT_PIPELINE_UNKNOWN = code("import.pipeline_unknown", N_("there is no pipeline named '%(value)s'"))
IMPORT_STAGE_UNKNOWN = code(
    "import.stage_unknown", N_("'%(value)s' is not a stage of the pipeline (its stages: %(allowed)s)")
)
NO_PIPELINE = code("import.no_pipeline", N_("there is no pipeline yet: an administrator creates one first"))

ROUTING_TEAM = code("routing.team_unknown", N_("team %(id)s does not exist"))
DUTY_HOURS = code(
    "duty.hours", N_("working hours are written like 'mon-fri 09:00-18:00; sat 10:00-15:00' (days: mon … sun)")
)
DUTY_FORBIDDEN = code(
    "duty.forbidden", N_("a manager sets their own working time and days off, a head of sales their team's")
)
SELLER_NOT_FOUND = code("duty.seller_not_found", N_("user %(id)s does not sell (not a manager or a head of sales)"))


class Fallback(Exception):
    """A fast path (:mod:`.fast_move`, :mod:`.fast_lead`) does not take this request; nothing was written, and the
    ORM path, the reference, answers it."""


AD_COST_SOURCE_NEEDED = code(
    "ad_costs.source_needed",
    N_("the file does not say which advertising system it comes from: add a 'Source' column or give the source"),
)
AD_COST_COLUMNS = code(
    "ad_costs.columns", N_("no date and cost columns found (a date like 'Дата' or 'День', a cost like 'Расход')")
)
AD_COST_NOT_FOUND = code("ad_costs.not_found", N_("no advertising cost %(id)s"))
AD_COST_NOT_A_NUMBER = code("ad_costs.not_a_number", N_("'%(value)s' is not a whole number"))
AD_COST_NO_FILE = code("ad_costs.no_file", N_("choose the export file to upload"))
PLAN_PERIOD = code(
    "plan.period", N_("a plan starts on the first day of a month, a quarter's on 1 January, April, July or October")
)
PLAN_SCOPE = code("plan.scope", N_("there is no %(scope)s %(id)s to plan for"))
PLAN_FORBIDDEN = code("plan.forbidden", N_("plans are set by heads of sales (for their teams) and administrators"))
PLAN_NOT_FOUND = code("plan.not_found", N_("no plan %(id)s"))

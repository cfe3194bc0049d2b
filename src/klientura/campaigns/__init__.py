"""Campaigns and triggered scenarios: audiences, control groups, templates, the outbox every message goes through,
and the report of what each earned."""

from klientura.campaigns.audience import Choice, bucket, choose_channel, in_share
from klientura.campaigns.content import Content, compose
from klientura.campaigns.delivery_receipts import DeliveryReceipt
from klientura.campaigns.delivery_receipts import apply as apply_receipts
from klientura.campaigns.delivery_receipts import parse as parse_receipts
from klientura.campaigns.errors import LINK_OTHER_PROVIDER, NO_PUBLIC_URL, RECEIPT_NOT_JSON
from klientura.campaigns.hooks import addresses as hook_addresses
from klientura.campaigns.hooks import admitted as admit_hook
from klientura.campaigns.hooks import check_signature as check_hook_signature
from klientura.campaigns.hooks import rotate as rotate_hook
from klientura.campaigns.keeping import erase_messages, forget_message_bodies, messages_to
from klientura.campaigns.launch import Decision, Sending, decide, launch, preview
from klientura.campaigns.links import SAMPLE, SURVEYS, Links, survey_payload
from klientura.campaigns.models import (
    SCENARIOS,
    Campaign,
    ControlPeriod,
    OutboxEvent,
    OutboxMessage,
    Recipient,
    Scenario,
    ScenarioEntry,
)
from klientura.campaigns.outbox import (
    LEASE,
    Draft,
    claim,
    enqueue,
    enqueue_many,
    history,
    outgoing,
    record_delivery,
    statuses,
    stop,
)
from klientura.campaigns.report import (
    CampaignReport,
    Comparison,
    Figures,
    progress,
    report,
    report_out,
    scenario_report,
)
from klientura.campaigns.scenarios import ScenarioIn, get_scenario, list_scenarios, update_scenario
from klientura.campaigns.scenarios import run as run_scenarios
from klientura.campaigns.schemas import (
    CampaignIn,
    CampaignPage,
    CampaignRead,
    GlobalControlIn,
    Preview,
    ReportOut,
    ScenarioRead,
    ScheduleIn,
    TestSendIn,
    Variant,
)
from klientura.campaigns.service import (
    cancel,
    create_campaign,
    due,
    get_campaign,
    global_control,
    list_campaigns,
    require_write,
    schedule,
    set_global_control,
    stop_global_control,
    update_campaign,
)
from klientura.campaigns.stats import Difference, proportions, welch
from klientura.campaigns.timing import over_cap, send_at, zone_of
from klientura.campaigns.tracking import clicked, opened, tracked, unsubscribe
from klientura.campaigns.trial import test_send

__all__ = [
    "LEASE",
    "LINK_OTHER_PROVIDER",
    "NO_PUBLIC_URL",
    "RECEIPT_NOT_JSON",
    "SAMPLE",
    "SCENARIOS",
    "SURVEYS",
    "Campaign",
    "CampaignIn",
    "CampaignPage",
    "CampaignRead",
    "CampaignReport",
    "Choice",
    "Comparison",
    "Content",
    "ControlPeriod",
    "Decision",
    "DeliveryReceipt",
    "Difference",
    "Draft",
    "Figures",
    "GlobalControlIn",
    "Links",
    "OutboxEvent",
    "OutboxMessage",
    "Preview",
    "Recipient",
    "ReportOut",
    "Scenario",
    "ScenarioEntry",
    "ScenarioIn",
    "ScenarioRead",
    "ScheduleIn",
    "Sending",
    "TestSendIn",
    "Variant",
    "admit_hook",
    "apply_receipts",
    "bucket",
    "cancel",
    "check_hook_signature",
    "choose_channel",
    "claim",
    "clicked",
    "compose",
    "create_campaign",
    "decide",
    "due",
    "enqueue",
    "enqueue_many",
    "erase_messages",
    "forget_message_bodies",
    "get_campaign",
    "get_scenario",
    "global_control",
    "history",
    "hook_addresses",
    "in_share",
    "launch",
    "list_campaigns",
    "list_scenarios",
    "messages_to",
    "opened",
    "outgoing",
    "over_cap",
    "parse_receipts",
    "preview",
    "progress",
    "proportions",
    "record_delivery",
    "report",
    "report_out",
    "require_write",
    "rotate_hook",
    "run_scenarios",
    "scenario_report",
    "schedule",
    "send_at",
    "set_global_control",
    "statuses",
    "stop",
    "stop_global_control",
    "survey_payload",
    "test_send",
    "tracked",
    "unsubscribe",
    "update_campaign",
    "update_scenario",
    "welch",
    "zone_of",
]

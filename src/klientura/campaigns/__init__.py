"""Campaigns and triggered scenarios: audiences, control groups, templates, the outbox every message goes through,
and the report of what each earned."""

from klientura.campaigns.audience import Choice, bucket, choose_channel, in_share
from klientura.campaigns.content import Content, compose
from klientura.campaigns.launch import Decision, Sending, decide, launch, preview, test_send
from klientura.campaigns.links import Links
from klientura.campaigns.models import Campaign, ControlPeriod, OutboxEvent, OutboxMessage, Recipient
from klientura.campaigns.outbox import LEASE, Draft, claim, enqueue, enqueue_many, history, outgoing, record, stop
from klientura.campaigns.report import Comparison, Figures, Report, progress, report, report_out
from klientura.campaigns.schemas import (
    CampaignIn,
    CampaignRead,
    GlobalControlIn,
    Preview,
    ReportOut,
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
    schedule,
    set_global_control,
    stop_global_control,
    update_campaign,
)
from klientura.campaigns.stats import Difference, proportions, welch
from klientura.campaigns.timing import over_cap, send_at, zone_of
from klientura.campaigns.tracking import clicked, opened, tracked, unsubscribe

__all__ = [
    "LEASE",
    "Campaign",
    "CampaignIn",
    "CampaignRead",
    "Choice",
    "Comparison",
    "Content",
    "ControlPeriod",
    "Decision",
    "Difference",
    "Draft",
    "Figures",
    "GlobalControlIn",
    "Links",
    "OutboxEvent",
    "OutboxMessage",
    "Preview",
    "Recipient",
    "Report",
    "ReportOut",
    "ScheduleIn",
    "Sending",
    "TestSendIn",
    "Variant",
    "bucket",
    "cancel",
    "choose_channel",
    "claim",
    "clicked",
    "compose",
    "create_campaign",
    "decide",
    "due",
    "enqueue",
    "enqueue_many",
    "get_campaign",
    "global_control",
    "history",
    "in_share",
    "launch",
    "list_campaigns",
    "opened",
    "outgoing",
    "over_cap",
    "preview",
    "progress",
    "proportions",
    "record",
    "report",
    "report_out",
    "schedule",
    "send_at",
    "set_global_control",
    "stop",
    "stop_global_control",
    "test_send",
    "tracked",
    "unsubscribe",
    "update_campaign",
    "welch",
    "zone_of",
]

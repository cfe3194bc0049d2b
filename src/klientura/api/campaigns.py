"""Campaigns over the API: draft, preview, test send, schedule, launch, cancel, report; the global control group."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response

from klientura import campaigns
from klientura.campaigns import (
    CampaignIn,
    CampaignPage,
    CampaignRead,
    GlobalControlIn,
    Preview,
    ReportOut,
    ScenarioRead,
    ScheduleIn,
    TestSendIn,
)
from klientura.deps import (
    ActorDep,
    PreviewingDep,
    PublicHookSignerDep,
    SendingDep,
    SessionDep,
    SettingsDep,
    ShopDep,
    new_router,
)
from klientura.kit.bounds import Code, Cursor, Id, JsonBody

router = new_router(read="campaigns:read", write="campaigns:write", tags=["campaigns"])
Status = Literal["draft", "scheduled", "launched", "cancelled"]


@router.post("/campaigns", status_code=201, response_model=CampaignRead, summary="A campaign (a draft, or scheduled)")
def create(data: CampaignIn, session: SessionDep, actor: ActorDep) -> CampaignRead:
    c = campaigns.create_campaign(session, actor, data)
    return CampaignRead.model_validate(c)


@router.get("/campaigns", response_model=CampaignPage, summary="Campaigns, newest first (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    status: Status | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CampaignPage:
    rows, nxt = campaigns.list_campaigns(session, actor, status, cursor=cursor, limit=limit)
    return CampaignPage(items=[CampaignRead.model_validate(c) for c in rows], next_cursor=nxt)


@router.get("/campaigns/{campaign_id}", response_model=CampaignRead, summary="A campaign; after launch, its plan")
def get(campaign_id: Id, session: SessionDep, actor: ActorDep) -> CampaignRead:
    return CampaignRead.model_validate(campaigns.get_campaign(session, actor, campaign_id))


@router.put("/campaigns/{campaign_id}", response_model=CampaignRead, summary="Change a draft or scheduled campaign")
def update(campaign_id: Id, data: CampaignIn, session: SessionDep, actor: ActorDep) -> CampaignRead:
    c = campaigns.update_campaign(session, actor, campaign_id, data)
    return CampaignRead.model_validate(c)


@router.get(
    "/campaigns/{campaign_id}/preview",
    response_model=Preview,
    summary="What a customer would receive now, rendered with their data (or why nothing)",
)
def preview(
    campaign_id: Id,
    customer_id: Annotated[Id, Query()],
    session: SessionDep,
    actor: ActorDep,
    sending: PreviewingDep,
    shop: ShopDep,
    variant: Code | None = None,
) -> Preview:
    return campaigns.preview(session, actor, campaign_id, customer_id, shop.now(), sending, variant)


@router.post("/campaigns/{campaign_id}/test", status_code=202, summary="Send a customer's message to your address")
def test_send(
    campaign_id: Id, data: TestSendIn, session: SessionDep, actor: ActorDep, sending: SendingDep, shop: ShopDep
) -> dict[str, int]:
    message_id = campaigns.test_send(
        session,
        actor,
        campaign_id,
        data.customer_id,
        data.to,
        data.channel,
        shop.now(),
        sending,
        shop.region,
        data.variant,
    )
    return {"message_id": message_id}


@router.post("/campaigns/{campaign_id}/schedule", response_model=CampaignRead, summary="Launch later (or unschedule)")
def schedule(campaign_id: Id, data: ScheduleIn, session: SessionDep, actor: ActorDep) -> CampaignRead:
    c = campaigns.schedule(session, actor, campaign_id, data.at)
    return CampaignRead.model_validate(c)


@router.post(
    "/campaigns/{campaign_id}/launch",
    response_model=CampaignRead,
    summary="Freeze the audience and write every message to the outbox, in one transaction",
)
def launch(campaign_id: Id, session: SessionDep, actor: ActorDep, sending: SendingDep, shop: ShopDep) -> CampaignRead:
    c = campaigns.launch(session, actor, campaign_id, shop.now(), sending)
    return CampaignRead.model_validate(c)


@router.post(
    "/campaigns/{campaign_id}/cancel", response_model=CampaignRead, summary="Stop: messages not yet sent are not sent"
)
def cancel(campaign_id: Id, session: SessionDep, actor: ActorDep, shop: ShopDep) -> CampaignRead:
    c = campaigns.cancel(session, actor, campaign_id, shop.now())
    return CampaignRead.model_validate(c)


@router.get(
    "/campaigns/{campaign_id}/report",
    response_model=ReportOut,
    summary="Delivery and the effect against the control group, with intervals",
)
def report(campaign_id: Id, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep) -> ReportOut:
    r = campaigns.report(session, actor, campaign_id, shop.now(), settings.channel_costs, shop.timezone)
    return campaigns.report_out(r)


@router.put("/global-control", summary="Draw a new global control group: a share of the base left out of marketing")
def set_global_control(data: GlobalControlIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> dict[str, object]:
    period = campaigns.set_global_control(session, actor, data.model_dump(), shop.now())
    return {"share": period.share, "starts_at": period.starts_at, "ends_at": period.ends_at}


@router.delete("/global-control", status_code=204, summary="No global control group from now on")
def stop_global_control(session: SessionDep, actor: ActorDep, shop: ShopDep) -> Response:
    campaigns.stop_global_control(session, actor, shop.now())
    return Response(status_code=204)


@router.get("/scenarios", response_model=list[ScenarioRead], summary="Triggered scenarios, each off until switched on")
def scenarios(session: SessionDep, actor: ActorDep) -> list[ScenarioRead]:
    found = campaigns.list_scenarios(session, actor)
    return [ScenarioRead.model_validate(s) for s in found]


@router.put(
    "/scenarios/{key}",
    response_model=ScenarioRead,
    summary="Change a scenario (fields left out keep their values); switched on, it starts from now",
)
def update_scenario(key: Code, data: JsonBody, session: SessionDep, actor: ActorDep, shop: ShopDep) -> ScenarioRead:
    s = campaigns.update_scenario(session, actor, key, data, shop.now())
    return ScenarioRead.model_validate(s)


@router.get(
    "/scenarios/{key}/report",
    response_model=ReportOut,
    summary="A scenario's entries, target against control, each in its own attribution window",
)
def scenario_report(
    key: Code, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep, since: datetime | None = None
) -> ReportOut:
    campaigns.get_scenario(session, actor, key)
    return campaigns.report_out(
        campaigns.scenario_report(session, actor, key, shop.now(), settings.channel_costs, since)
    )


@router.get(
    "/delivery-hooks",
    summary="Where each provider sends its delivery status callbacks (signed addresses)",
    openapi_extra={"x-permission": "campaigns:write"},
)
def delivery_hooks(session: SessionDep, actor: ActorDep, signer: PublicHookSignerDep) -> dict[str, dict[str, str]]:
    """Each provider's address and, for the generic format, the secret its requests are signed with."""
    campaigns.require_write(actor)
    return campaigns.hook_addresses(session, signer)


@router.post(
    "/delivery-hooks/{provider}/rotate",
    summary="A new address for a provider (the previous one works for a day more)",
    openapi_extra={"x-permission": "campaigns:write"},
)
def rotate_delivery_hook(
    provider: Literal["smsru", "smsc", "generic"],
    session: SessionDep,
    actor: ActorDep,
    signer: PublicHookSignerDep,
    shop: ShopDep,
) -> dict[str, str]:
    campaigns.require_write(actor)
    return campaigns.rotate_hook(session, actor, signer, provider, shop.now())

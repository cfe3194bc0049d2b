from __future__ import annotations

import math
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from klientura import dedup
from klientura.api import idempotency
from klientura.api.schemas import (
    ComparisonOut,
    DedupModelOut,
    LevelOut,
    MergeIn,
    MergeOut,
    PairIn,
    ScanOut,
    ScanRequestOut,
    SuggestionOut,
    ThresholdIn,
    ThresholdOut,
)
from klientura.deps import ActorDep, MergeHooksDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.kit.bounds import Id
from klientura.kit.errors import NotFound

router = new_router(read="customers:read", write="dedup:write", tags=["duplicates"])


@router.get("/duplicates", response_model=list[SuggestionOut], summary="Cards that look like one person, best first")
def list_duplicates(
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[SuggestionOut]:
    rows = dedup.list_suggestions(session, actor, limit=limit, offset=offset)
    return [SuggestionOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/duplicates/scan",
    summary="Rescan the whole base for duplicate suggestions (a base over 100,000 cards: queued for the worker, 202)",
    response_model=ScanOut,
    responses={202: {"model": ScanRequestOut, "description": "queued: follow the Location"}},
)
def scan(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    shop: ShopDep,
    learn: Annotated[bool | None, Query(description="true: learn the model again; false: the stored one")] = None,
) -> ScanOut | JSONResponse:
    """With the model learned from this base: learned first when there is none, or a tenth of the cards is new or
    changed since (or ``learn=true``). A base over 100,000 cards takes minutes: the scan is handed to the worker's
    next round and the answer is 202 with the request, to be followed at ``GET /duplicates/scans/{id}``; there
    ``learn=true`` is kept, otherwise the worker learns only when the model is stale (as the page's rescan)."""
    if not dedup.inline(session):
        return _queued(dedup.ask(session, actor, shop.now(), learn=bool(learn)))
    found = dedup.scan(session, actor, shop.now(), precision=settings.dedup_precision, learn=learn)
    return ScanOut(suggestions=found)


@router.get(
    "/duplicates/scans/{request_id}",
    response_model=ScanRequestOut,
    summary="A scan handed to the worker: queued, or done with what it found",
)
def scan_request(request_id: Id, session: SessionDep, actor: ActorDep) -> ScanRequestOut:
    return _request_out(dedup.scan_request(session, actor, request_id))


def _request_out(row: dedup.DedupScanRequest) -> ScanRequestOut:
    status = "done" if row.done_at is not None else "queued"
    return ScanRequestOut.model_validate({**{k: getattr(row, k) for k in ScanRequestOut.model_fields if k != "status"},
                                          "status": status})  # fmt: skip


def _queued(row: dedup.DedupScanRequest, **more: object) -> JSONResponse:
    body = {**_request_out(row).model_dump(mode="json"), **more}
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/duplicates/scans/{row.id}"})


@router.get(
    "/duplicates/model",
    response_model=DedupModelOut,
    summary="The duplicate model learned from this base: levels, weights, expected quality per threshold",
)
def model(session: SessionDep, actor: ActorDep) -> DedupModelOut:
    row = dedup.current_model(session)
    if row is None:
        raise NotFound(dedup.NO_MODEL)
    comparisons = [
        ComparisonOut(
            name=c["name"],
            levels=[LevelOut(**lv, weight=math.log2(lv["m"] / lv["u"])) for lv in c["levels"]],
        )
        for c in row.comparisons
    ]
    return DedupModelOut.model_validate(
        {**{k: getattr(row, k) for k in DedupModelOut.model_fields if k != "comparisons"}, "comparisons": comparisons}
    )


@router.put(
    "/duplicates/threshold",
    summary="Choose the threshold (null: back to the default) and rescan with the stored model",
    response_model=ThresholdOut,
    responses={202: {"model": ScanRequestOut, "description": "kept; the rescan queued for the worker"}},
    openapi_extra={"x-permission": "dedup:write"},
)
def threshold(
    data: ThresholdIn, session: SessionDep, actor: ActorDep, shop: ShopDep, settings: SettingsDep
) -> ThresholdOut | JSONResponse:
    """The threshold is kept at once; on a base over 100,000 cards the rescan with it is the worker's (202)."""
    row = dedup.choose_threshold(session, actor, data.threshold)
    if not dedup.inline(session):
        return _queued(dedup.ask(session, actor, shop.now(), learn=False), threshold=row.threshold)
    found = dedup.scan(session, actor, shop.now(), precision=settings.dedup_precision, learn=False)
    return ThresholdOut(threshold=row.threshold, suggestions=found)


@router.post(
    "/duplicates/explain",
    response_model=SuggestionOut,
    summary="Score any two cards and say why",
    openapi_extra={"x-permission": "customers:read"},
)
def explain(data: PairIn, session: SessionDep, actor: ActorDep) -> SuggestionOut:
    s = dedup.explain_pair(session, actor, data.a_id, data.b_id)
    return SuggestionOut(
        low_id=s.low_id,
        high_id=s.high_id,
        probability=s.probability,
        reasons=[r["text"] if isinstance(r, dict) else str(r) for r in s.reasons],
    )


@router.post("/duplicates/dismiss", status_code=204, summary="Not the same person: never suggest this pair again")
def dismiss(data: PairIn, session: SessionDep, actor: ActorDep) -> Response:
    dedup.dismiss(session, actor, data.a_id, data.b_id)
    return Response(status_code=204)


@router.post("/merges", status_code=201, response_model=MergeOut, summary="Merge one card into another")
def merge(data: MergeIn, request: Request, session: SessionDep, actor: ActorDep, hooks: MergeHooksDep) -> Response:
    def action() -> tuple[int, MergeOut]:
        rec = dedup.merge(session, actor, data.survivor_id, data.merged_id, hooks=hooks)
        return 201, MergeOut.model_validate(rec, from_attributes=True)

    return idempotency.run(request, session, actor, data, action)


@router.post(
    "/merges/{merge_id}/undo",
    response_model=MergeOut,
    summary="Unmerge: restore both cards exactly",
    openapi_extra={"x-permission": "dedup:write"},
)
def unmerge(merge_id: Id, session: SessionDep, actor: ActorDep, hooks: MergeHooksDep) -> MergeOut:
    rec = dedup.unmerge(session, actor, merge_id, hooks=hooks)
    return MergeOut.model_validate(rec, from_attributes=True)

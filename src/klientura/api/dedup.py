from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from klientura import dedup
from klientura.api import idempotency
from klientura.api.schemas import MergeIn, MergeOut, PairIn, SuggestionOut
from klientura.deps import ActorDep, MergeHooksDep, SessionDep, SettingsDep, new_router
from klientura.kit.bounds import Id

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


@router.post("/duplicates/scan", summary="Rescan the whole base for duplicate suggestions")
def scan(session: SessionDep, actor: ActorDep, settings: SettingsDep) -> dict[str, int]:
    found = dedup.scan(session, actor, settings.dedup_threshold)
    return {"suggestions": found}


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

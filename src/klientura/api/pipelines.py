"""Pipelines and their stages over HTTP: read by anyone on the sales side, edited by an administrator."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from klientura import sales
from klientura.deps import ActorDep, SessionDep, new_router
from klientura.kit.bounds import Id
from klientura.sales import PipelineIn, PipelineRead

router = new_router(read="sales:read", write="users:admin", prefix="/pipelines", tags=["pipelines"])


@router.get("", response_model=list[PipelineRead], summary="Pipelines with their stages in order")
def list_all(session: SessionDep, actor: ActorDep) -> list[PipelineRead]:
    return sales.list_pipelines(session, actor)


@router.post("", status_code=201, response_model=PipelineRead, summary="A pipeline: stages open, won and lost")
def create(data: PipelineIn, session: SessionDep, actor: ActorDep) -> PipelineRead:
    return sales.read_pipeline(session, sales.create_pipeline(session, actor, data))


@router.get("/{pipeline_id}", response_model=PipelineRead)
def get(pipeline_id: Id, session: SessionDep, actor: ActorDep) -> PipelineRead:
    return sales.read_pipeline(session, sales.get_pipeline(session, actor, pipeline_id))


@router.put(
    "/{pipeline_id}", response_model=PipelineRead, summary="Rename, reorder, add stages (left out ones are archived)"
)
def update(pipeline_id: Id, data: PipelineIn, session: SessionDep, actor: ActorDep) -> PipelineRead:
    return sales.read_pipeline(session, sales.update_pipeline(session, actor, pipeline_id, data))


class ReasonsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reasons: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(max_length=100)


reasons_router = new_router(read="sales:read", write="users:admin", prefix="/lost-reasons", tags=["pipelines"])


@reasons_router.get("", response_model=list[str], summary="The reasons a deal can be lost for, in order")
def get_reasons(session: SessionDep, actor: ActorDep) -> list[str]:
    return sales.list_lost_reasons(session, actor)


@reasons_router.put("", response_model=list[str], summary="Set the list (left out reasons become inactive)")
def put_reasons(data: ReasonsIn, session: SessionDep, actor: ActorDep) -> list[str]:
    return sales.set_lost_reasons(session, actor, data.reasons)

"""Pipelines and their stages: created and edited by an administrator without losing history — a stage keeps its
id when renamed or moved, and one taken out is archived (the deals' history still names it), never deleted."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.sales.errors import (
    PIPELINE_NAME_TAKEN,
    PIPELINE_NEEDS,
    PIPELINE_NOT_FOUND,
    STAGE_FOREIGN,
    STAGE_NAMES_REPEAT,
)
from klientura.sales.models import Pipeline, Stage
from klientura.sales.schemas import PipelineIn, PipelineRead, StageRead

DEFAULT_PROBABILITY = {"won": 100, "lost": 0}


def _check(data: PipelineIn) -> None:
    kinds = Counter(s.kind for s in data.stages)
    if not all(kinds[k] for k in ("open", "won", "lost")):
        raise ValidationFailed(PIPELINE_NEEDS, field="stages", kinds=", ".join(f"{k} {n}" for k, n in kinds.items()))
    names = Counter(" ".join(s.name.split()).lower() for s in data.stages)
    if repeated := [n for n, c in names.items() if c > 1]:
        raise ValidationFailed(STAGE_NAMES_REPEAT, field="stages", value=repeated[0])


def read_pipeline(session: Session, pipeline: Pipeline) -> PipelineRead:
    stages = session.scalars(
        select(Stage).where(Stage.pipeline_id == pipeline.id, Stage.archived.is_(False)).order_by(Stage.position)
    )
    return PipelineRead(
        id=pipeline.id,
        name=pipeline.name,
        stages=[StageRead.model_validate(s) for s in stages],
        close_roles=pipeline.close_roles,
        reopen_roles=pipeline.reopen_roles,
    )


def list_pipelines(session: Session, actor: Actor) -> list[PipelineRead]:
    require(actor, "sales:read")
    rows = session.scalars(
        select(Pipeline).where(Pipeline.archived.is_(False)).order_by(Pipeline.position, Pipeline.id)
    )
    return [read_pipeline(session, p) for p in rows]


def get_pipeline(session: Session, actor: Actor, pipeline_id: int) -> Pipeline:
    require(actor, "sales:read")
    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None or pipeline.archived:
        raise NotFound(PIPELINE_NOT_FOUND, id=pipeline_id)
    return pipeline


def create_pipeline(session: Session, actor: Actor, data: PipelineIn) -> Pipeline:
    require(actor, "users:admin")
    _check(data)
    if any(s.id is not None for s in data.stages):
        raise ValidationFailed(STAGE_FOREIGN, field="stages", id=next(s.id for s in data.stages if s.id))
    pipeline = Pipeline(name=" ".join(data.name.split()), close_roles=data.close_roles, reopen_roles=data.reopen_roles)
    try:
        with session.begin_nested():
            session.add(pipeline)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(PIPELINE_NAME_TAKEN, value=pipeline.name) from exc
    _place(session, pipeline, data)
    record(
        session, actor, "pipeline.create", "pipeline", pipeline.id, None, read_pipeline(session, pipeline).model_dump()
    )
    return pipeline


def update_pipeline(session: Session, actor: Actor, pipeline_id: int, data: PipelineIn) -> Pipeline:
    """Rename, reorder, add stages; a stage left out is archived. The deals in it stay where they are."""
    require(actor, "users:admin")
    pipeline = get_pipeline(session, actor, pipeline_id)
    _check(data)
    before = read_pipeline(session, pipeline).model_dump()
    pipeline.name = " ".join(data.name.split())
    pipeline.close_roles = list(data.close_roles) if data.close_roles is not None else None
    pipeline.reopen_roles = list(data.reopen_roles) if data.reopen_roles is not None else None
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(PIPELINE_NAME_TAKEN, value=pipeline.name) from exc
    _place(session, pipeline, data)
    record(
        session,
        actor,
        "pipeline.update",
        "pipeline",
        pipeline.id,
        before,
        read_pipeline(session, pipeline).model_dump(),
    )
    return pipeline


def _place(session: Session, pipeline: Pipeline, data: PipelineIn) -> None:
    mine = {s.id: s for s in session.scalars(select(Stage).where(Stage.pipeline_id == pipeline.id))}
    kept: set[int] = set()
    for position, given in enumerate(data.stages):
        if given.id is not None:
            stage = mine.get(given.id)
            if stage is None:
                raise ValidationFailed(STAGE_FOREIGN, field="stages", id=given.id)
        else:
            stage = Stage(pipeline_id=pipeline.id)
            session.add(stage)
        stage.name, stage.kind, stage.position, stage.archived = (
            " ".join(given.name.split()),
            given.kind,
            position,
            False,
        )
        stage.probability = (
            given.probability if given.probability is not None else DEFAULT_PROBABILITY.get(given.kind, 10)
        )
        session.flush()
        kept.add(stage.id)
    for stage in mine.values():
        if stage.id not in kept:
            stage.archived = True
    session.flush()


def stage_of(session: Session, stage_id: int) -> Stage | None:
    return session.get(Stage, stage_id)


def stage_names(session: Session, pipeline_id: int) -> dict[int, str]:
    """Every stage's name, archived ones too (a deal's history names them)."""
    return {
        row.id: row.name
        for row in session.execute(select(Stage.id, Stage.name).where(Stage.pipeline_id == pipeline_id))
    }

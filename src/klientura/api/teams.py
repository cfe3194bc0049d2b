"""Teams of users under heads of sales: listed for everyone in sales, made and staffed by administrators."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from klientura import auth
from klientura.deps import ActorDep, SessionDep, new_router
from klientura.kit.bounds import Id

router = new_router(read="sales:read", write="users:admin", prefix="/teams", tags=["teams"])


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    head_id: Id | None = Field(default=None, description="a user with the role 'head'")


class TeamSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    head_id: Id | None = None
    members: list[Id] = Field(default_factory=list, max_length=500, description="exactly these users (ids)")


class TeamRead(BaseModel):
    id: int
    name: str
    head_id: int | None
    members: list[int]


@router.get("", response_model=list[TeamRead])
def list_all(session: SessionDep, actor: ActorDep) -> list[TeamRead]:
    auth.require(actor, "sales:read")
    return [TeamRead(id=t.id, name=t.name, head_id=t.head_id, members=m) for t, m in auth.list_teams(session)]


@router.post("", status_code=201, response_model=TeamRead)
def create(data: TeamIn, session: SessionDep, actor: ActorDep) -> TeamRead:
    team = auth.create_team(session, actor, data.name, data.head_id)
    return TeamRead(id=team.id, name=team.name, head_id=team.head_id, members=[])


@router.put("/{team_id}", response_model=TeamRead, summary="Its head and exactly these members")
def put(team_id: Id, data: TeamSet, session: SessionDep, actor: ActorDep) -> TeamRead:
    team, members = auth.set_team(session, actor, team_id, head_id=data.head_id, members=data.members)
    return TeamRead(id=team.id, name=team.name, head_id=team.head_id, members=members)

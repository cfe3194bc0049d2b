from __future__ import annotations

from sqlalchemy import delete, select

from klientura.audit import Actor, record
from klientura.customers.errors import BAD_TAG
from klientura.customers.models import CustomerTag, Tag
from klientura.db import Session
from klientura.kit.errors import ValidationFailed


def _clean(name: str) -> str:
    value = " ".join(name.split()).lower()
    if not value or len(value) > 64:
        raise ValidationFailed(BAD_TAG, value=name)
    return value


def ensure_tags(session: Session, names: list[str]) -> dict[str, int]:
    wanted = {_clean(n) for n in names}
    have = {t.name: t.id for t in session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    for name in sorted(wanted - have.keys()):
        tag = Tag(name=name)
        session.add(tag)
        session.flush()
        have[name] = tag.id
    return have


def add_tags(session: Session, actor: Actor, customer_id: int, names: list[str]) -> list[str]:
    ids = ensure_tags(session, names)
    current = set(session.scalars(select(CustomerTag.tag_id).where(CustomerTag.customer_id == customer_id)))
    added = [name for name, tid in sorted(ids.items()) if tid not in current]
    for name in added:
        session.add(CustomerTag(customer_id=customer_id, tag_id=ids[name]))
    if added:
        session.flush()
        record(session, actor, "tag.add", "customer", customer_id, None, {"tags": added})
    return added


def remove_tag(session: Session, actor: Actor, customer_id: int, name: str) -> bool:
    tag = session.scalars(select(Tag).where(Tag.name == _clean(name))).first()
    if tag is None:
        return False
    res = session.execute(
        delete(CustomerTag).where(CustomerTag.customer_id == customer_id, CustomerTag.tag_id == tag.id)
    )
    if getattr(res, "rowcount", 0):
        record(session, actor, "tag.remove", "customer", customer_id, {"tags": [tag.name]}, None)
        return True
    return False


def tags_of(session: Session, customer_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(CustomerTag.customer_id, Tag.name)
        .join(Tag, Tag.id == CustomerTag.tag_id)
        .where(CustomerTag.customer_id.in_(customer_ids))
        .order_by(Tag.name)
    ).all()
    out: dict[int, list[str]] = {cid: [] for cid in customer_ids}
    for cid, name in rows:
        out[cid].append(name)
    return out


def all_tags(session: Session) -> list[str]:
    return list(session.scalars(select(Tag.name).order_by(Tag.name)))

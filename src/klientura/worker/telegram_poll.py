"""Telegram by long polling, for a server the Bot API cannot reach (no public address): ``getUpdates`` with the
next offset, each update stored as the webhook stores it (once per ``update_id``) and committed, then the offset
moved on — a crash before that only brings the same updates again, which land once."""

from __future__ import annotations

import logging
from typing import Any

import httpx2 as httpx

from klientura import conversations
from klientura.db import SessionFactory
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop

log = logging.getLogger("klientura.inbound")


class PollRefused(Exception):
    """The Bot API refused to give updates (a webhook is set for the bot, a wrong token): the reason, its words."""


def poll_once(
    factory: SessionFactory,
    client: httpx.Client,
    *,
    base_url: str,
    token: str,
    offset: int | None,
    shop: Shop,
    repeat_days: int,
    sla: conversations.Sla | None,
    wait: int = 25,
    account: int | None = None,
) -> tuple[int | None, int]:
    """One ``getUpdates`` (waiting up to ``wait`` seconds for one); the next offset and how many messages landed.
    ``account``: a bot configured in the UI (its messages land in its own conversations)."""
    body: dict[str, Any] = {"timeout": wait, "allowed_updates": ["message"]}
    if offset is not None:
        body["offset"] = offset
    try:
        response = client.post(f"{base_url.rstrip('/')}/bot{token}/getUpdates", json=body, timeout=wait + 10)
    except httpx.HTTPError as exc:
        log.warning("telegram: getUpdates failed: %s", type(exc).__name__)  # the URL holds the token
        return offset, 0
    answer = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if not answer.get("ok"):
        raise PollRefused(f"Telegram {response.status_code}: {answer.get('description', response.text[:200])}")
    landed = 0
    for update in answer.get("result") or []:
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            continue
        inbound = conversations.read_update(update)
        if inbound is not None and account is not None:
            inbound = conversations.of_account(inbound, account)
        if inbound is not None:
            with factory() as session:
                try:
                    conversations.receive(session, shop, inbound, repeat_days=repeat_days, sla=sla)
                    session.commit()
                    landed += 1
                except KlienturaError as exc:
                    session.rollback()
                    log.warning("telegram: update %s refused: %s", update["update_id"], exc.detail)
        offset = max(offset or 0, update["update_id"] + 1)
    return offset, landed

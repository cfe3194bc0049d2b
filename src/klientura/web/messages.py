"""What recipients and providers reach without logging in: the unsubscribe page (and RFC 8058's one-click POST),
the open pixel, the click tracker, and the providers' delivery status callbacks (signed addresses)."""

from __future__ import annotations

import base64
import contextlib
import json

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from klientura import campaigns
from klientura.campaigns import RECEIPT_NOT_JSON
from klientura.deps import HookSignerDep, LinkReaderDep, SessionDep, ShopDep, new_router
from klientura.kit.errors import ValidationFailed
from klientura.web.render import gettext_for, render

router = new_router(read="public", write="public")  # recipients and providers: no login; tokens
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
CHANNELS = {"email": "e-mail", "sms": "SMS", "telegram": "Telegram", "webhook": "webhook"}


def _page(request: Request, title: str, message: str, *, token: str | None = None, status: int = 200) -> HTMLResponse:
    return render(
        request, "campaigns/unsubscribe.html", {"title": title, "message": message, "token": token}, status=status
    )


def _sample(request: Request) -> HTMLResponse:
    _ = gettext_for(request)
    return _page(
        request,
        _("A sample link"),
        _(
            "This unsubscribe link is from a preview or a test message: nobody was unsubscribed. "
            "In a message a customer receives, it unsubscribes them."
        ),
    )


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, links: LinkReaderDep) -> HTMLResponse:
    _ = gettext_for(request)
    if token == campaigns.SAMPLE:
        return _sample(request)
    try:
        _cid, channel = links.unsubscriber(token)
    except ValidationFailed:
        return _page(request, _("Not found"), _("This link is not valid"), status=404)
    return _page(
        request,
        _("Unsubscribe"),
        _("Stop receiving our messages by %(channel)s?") % {"channel": CHANNELS.get(channel, channel)},
        token=token,
    )


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, request: Request, session: SessionDep, links: LinkReaderDep, shop: ShopDep) -> HTMLResponse:
    """The page's button and a mail client's one-click POST (``List-Unsubscribe=One-Click``) both land here."""
    _ = gettext_for(request)
    if token == campaigns.SAMPLE:
        return _sample(request)
    try:
        _cid, channel = campaigns.unsubscribe(session, links, token, shop.now())
    except ValidationFailed:
        return _page(request, _("Not found"), _("This link is not valid"), status=404)
    return _page(
        request,
        _("You are unsubscribed"),
        _("We will not write to you by %(channel)s any more.") % {"channel": CHANNELS.get(channel, channel)},
    )


@router.get("/t/o/{token}")
def opened(token: str, session: SessionDep, links: LinkReaderDep, shop: ShopDep) -> Response:
    # a damaged pixel still gets its image: a mail client shows nothing either way
    with contextlib.suppress(ValidationFailed):
        campaigns.opened(session, links, token, shop.now())
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@router.get("/t/c/{token}")
def clicked(token: str, request: Request, session: SessionDep, links: LinkReaderDep, shop: ShopDep) -> Response:
    try:
        url = campaigns.clicked(session, links, token, shop.now())
    except ValidationFailed:
        _ = gettext_for(request)
        return _page(request, _("Not found"), _("This link is not valid"), status=404)
    return RedirectResponse(url, status_code=302)


@router.post("/hooks/{provider}/{token}")
async def delivery_receipts(
    provider: str, token: str, request: Request, session: SessionDep, signer: HookSignerDep, shop: ShopDep
) -> Response:
    """A provider's delivery status callback (its live address from GET /api/v1/delivery-hooks; a generic request
    signed and fresh: klientura.campaigns.hooks). SMS.ru wants ``100`` back; the others any 2xx."""
    now = shop.now()
    try:
        generation = campaigns.admit_hook(session, signer, provider, token, now)
        fields: dict[str, list[str]] = {}
        body = None
        if provider == "generic":
            raw = await request.body()
            stamp, signature = (
                request.headers.get("x-klientura-timestamp"),
                request.headers.get("x-klientura-signature"),
            )
            campaigns.check_hook_signature(signer, provider, generation, raw, stamp, signature, now)
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise ValidationFailed(RECEIPT_NOT_JSON) from exc
        else:
            form = await request.form()
            fields = {k: [str(v) for v in form.getlist(k)] for k in form}
        found = campaigns.apply_receipts(session, campaigns.parse_receipts(provider, fields, body), now)
    except ValidationFailed as exc:
        return JSONResponse(
            {"title": "Bad receipt", "detail": exc.detail, "status": 422, "code": exc.key},
            status_code=422,
            media_type="application/problem+json",
        )
    if provider == "smsru":
        return PlainTextResponse("100")
    return JSONResponse({"messages": found})

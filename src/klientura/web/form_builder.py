"""Web forms in the UI: the live forms with their address and the snippet a site embeds, and a new form made from
the usual fields (each shown or not, required or not), up to three of the marketer's own, the consent box's words
and version, the thank-you words or a redirect, and the sites allowed to post it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import conversations
from klientura.deps import SessionDep
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.render import WebActorDep, gettext_for, page_router, render
from klientura.web.sales import build

router = page_router(read="campaigns:read", write="campaigns:write")
STANDARD = [  # name, label, kind, maps_to
    ("name", N_("First and last name"), "text", "full_name"),
    ("phone", N_("Phone"), "phone", "phone"),
    ("email", N_("E-mail"), "email", "email"),
    ("city", N_("City"), "text", "city"),
    ("comment", N_("Comment"), "textarea", "comment"),
]
KINDS = {"text": N_("a line"), "textarea": N_("a text"), "checkbox": N_("a box to tick")}


def _base(request: Request) -> str:
    return (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")


@router.get("/forms", response_class=HTMLResponse)
def forms_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    base = _base(request)
    rows = [
        {"form": f, "url": f"{base}/f/{f.key}", "script": f"{base}/static/form-embed.js"}
        for f in conversations.list_forms(session, actor)
    ]
    message, kind = flash.pop(request)
    context = {"nav": "forms", "rows": rows, "standard": STANDARD, "kinds": KINDS, "flash": message}
    return render(request, "conversations/forms.html", {**context, "flash_kind": kind}, actor=actor)


@router.post("/forms")
async def create(request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    form = await request.form()
    got = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        fields: list[dict[str, Any]] = [
            {"name": name, "label": _(label), "kind": kind, "maps_to": maps, "required": bool(got.get(f"req_{name}"))}
            for name, label, kind, maps in STANDARD
            if got.get(f"use_{name}")
        ]
        for n in range(1, 4):
            label = got.get(f"custom_{n}", "").strip()
            if label:
                kind = got.get(f"custom_{n}_kind", "text")
                fields.append({"name": f"extra_{n}", "label": label, "kind": kind, "required": False})
        origins = [o.strip() for o in got.get("origins", "").replace(",", " ").split() if o.strip()]
        data = build(
            conversations.FormIn,
            name=got.get("name", "").strip(),
            fields=fields,
            consent_text=got.get("consent_text", "").strip(),
            consent_version=got.get("consent_version", "").strip(),
            thanks=got.get("thanks", "").strip(),
            redirect_url=got.get("redirect_url", "").strip(),
            origins=origins,
        )
        made = conversations.create_form(session, actor, data)
        return f"/forms#form-{made.id}", _("The form is ready: put its snippet on your site")

    return flash.perform(request, session, work, "/forms")

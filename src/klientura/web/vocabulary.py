"""Words the pages show through variables - identity kinds, channels, roles, statuses, kinds of ledger entries,
field names (the ``field`` of a refusal is translated through them), the usual acquisition sources, flash messages made elsewhere - marked here so that Babel's extract puts them in the catalogue; the
templates translate them where they are shown (``_(kind)``)."""

from __future__ import annotations

from klientura.kit.i18n import N_

SHOWN = (
    N_("phone"), N_("email"), N_("card"), N_("telegram"), N_("vk"), N_("external"), N_("sms"), N_("push"),
    N_("admin"), N_("marketer"), N_("manager"), N_("analyst"),
    N_("customers"), N_("orders"), N_("site_visit"), N_("cart_abandoned"), N_("placed_at"), N_("full_name"),
    N_("Saved."), N_("Contact added."), N_("Contact removed."), N_("Consent updated."), N_("Tag added."),
    N_("Tag removed."),
    N_("draft"), N_("scheduled"), N_("launched"), N_("cancelled"),
    N_("day"), N_("week"), N_("month"),
    N_("acquisition_source"), N_("birth_date"), N_("call"), N_("cart_add"), N_("channel"), N_("city"), N_("completed"), N_("consent_email"), N_("consent_sms"), N_("custom"), N_("customer_external_id"), N_("external_id"), N_("first_name"), N_("form_submitted"), N_("gender"), N_("last_name"), N_("line_discount"), N_("message_clicked"), N_("message_opened"), N_("middle_name"), N_("outlet"), N_("pending"), N_("product_view"), N_("promo_code"), N_("qty"), N_("review"), N_("sku"), N_("status"), N_("subscribed"), N_("tags"), N_("total"), N_("unsubscribed"),
    N_("whatsapp"), N_("store"), N_("eshop"), N_("app"), N_("referral"), N_("ads"),
    N_("spend"), N_("holdout_share"), N_("cap_days"), N_("attribution_days"), N_("delay_hours"), N_("price"),
    N_("qty"), N_("discount"), N_("line_discount"), N_("earning"), N_("spending"), N_("expiry"), N_("reversal"), N_("adjustment"),
)  # fmt: skip

"""Names and one-line explanations of every group, in English; the UI translates them (Babel)."""

from __future__ import annotations

from klientura.kit.i18n import N_

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "temperature": {
        "hot": (N_("Hot"), N_("Has bought at least once")),
        "warm": (N_("Warm"), N_("Engaged (visits, forms, carts, messages) but has not bought yet")),
        "cold": (N_("Cold"), N_("A known contact with no interaction yet")),
    },
    "lifecycle": {
        "new": (N_("New"), N_("First purchase within the last days set for new customers")),
        "active": (N_("Active"), N_("Buying at their own usual rhythm")),
        "reactivated": (N_("Reactivated"), N_("Came back after a pause longer than the lost threshold")),
        "sleeping": (N_("Sleeping"), N_("Quiet for longer than their usual interval allows, not lost yet")),
        "lost_regular": (N_("Lost regular"), N_("A regular buyer who stopped buying")),
        "lost_new": (N_("Lost new"), N_("Bought once and never came back")),
        "lost_random": (N_("Random loss"), N_("Bought a few times without a habit, then stopped")),
    },
    "rfm_segment": {
        "champions": (N_("Champions"), N_("Bought recently, buy often and spend the most")),
        "loyal": (N_("Loyal"), N_("Buy regularly; respond to loyalty offers")),
        "new": (N_("New"), N_("Bought recently for the first time")),
        "promising": (N_("Promising"), N_("Recent one-time buyers, not yet frequent")),
        "potential_loyalists": (N_("Potential loyalists"), N_("Recent customers with a second purchase")),
        "cant_lose_them": (N_("Can't lose them"), N_("Used to buy often and a lot, but not for a long time")),
        "at_risk": (N_("At risk"), N_("Bought often, but long ago")),
        "need_attention": (N_("Need attention"), N_("Average recency and frequency: slipping")),
        "about_to_sleep": (N_("About to sleep"), N_("One purchase a while ago")),
        "hibernating": (N_("Hibernating"), N_("Few purchases, long ago")),
        "lost": (N_("Lost"), N_("One purchase, long ago")),
        "other": (N_("Other"), N_("Outside every named cell of the current rules")),
    },
    "behaviour": {
        "promo_hunter": (N_("Promo hunter"), N_("Buy mostly with promo codes")),
        "discount_lover": (N_("Discount lover"), N_("Most purchases are discounted")),
        "frequent_thrifty": (N_("Frequent thrifty"), N_("Among the most frequent buyers with a low average check")),
        "irregular": (N_("Irregular buyer"), N_("Intervals between purchases vary widely")),
        "regular": (N_("No marked behaviour"), N_("Enough purchases, none of the patterns above")),
    },
}
FAMILY_NAMES = {
    "temperature": N_("Temperature"),
    "lifecycle": N_("Lifecycle"),
    "rfm_segment": N_("RFM segment"),
    "behaviour": N_("Behaviour"),
}


UNJUDGED = {
    "lifecycle": (N_("No purchases"), N_("Has not bought yet")),
    "rfm_segment": (N_("No purchases"), N_("Has not bought yet")),
    "behaviour": (N_("Not judged yet"), N_("Fewer purchases than a behaviour needs")),
}


def label(family: str, value: str | None) -> tuple[str, str]:
    if value is None:
        return UNJUDGED.get(family, ("—", ""))
    return LABELS.get(family, {}).get(value, (value, ""))

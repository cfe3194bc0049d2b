"""Names and one-line explanations of every group, in English; the UI translates them (Babel)."""

from __future__ import annotations

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "temperature": {
        "hot": ("Hot", "Has bought at least once"),
        "warm": ("Warm", "Engaged (visits, forms, carts, messages) but has not bought yet"),
        "cold": ("Cold", "A known contact with no interaction yet"),
    },
    "lifecycle": {
        "new": ("New", "First purchase within the last days set for new customers"),
        "active": ("Active", "Buying at their own usual rhythm"),
        "reactivated": ("Reactivated", "Came back after a pause longer than the lost threshold"),
        "sleeping": ("Sleeping", "Quiet for longer than their usual interval allows, not lost yet"),
        "lost_regular": ("Lost regular", "A regular buyer who stopped buying"),
        "lost_new": ("Lost new", "Bought once and never came back"),
        "lost_random": ("Random loss", "Bought a few times without a habit, then stopped"),
    },
    "rfm_segment": {
        "champions": ("Champions", "Bought recently, buy often and spend the most"),
        "loyal": ("Loyal", "Buy regularly; respond to loyalty offers"),
        "new": ("New", "Bought recently for the first time"),
        "promising": ("Promising", "Recent one-time buyers, not yet frequent"),
        "potential_loyalists": ("Potential loyalists", "Recent customers with a second purchase"),
        "cant_lose_them": ("Can't lose them", "Used to buy often and a lot, but not for a long time"),
        "at_risk": ("At risk", "Bought often, but long ago"),
        "need_attention": ("Need attention", "Average recency and frequency: slipping"),
        "about_to_sleep": ("About to sleep", "One purchase a while ago"),
        "hibernating": ("Hibernating", "Few purchases, long ago"),
        "lost": ("Lost", "One purchase, long ago"),
        "other": ("Other", "Outside every named cell of the current rules"),
    },
    "behaviour": {
        "promo_hunter": ("Promo hunter", "Buy mostly with promo codes"),
        "discount_lover": ("Discount lover", "Most purchases are discounted"),
        "frequent_thrifty": ("Frequent thrifty", "Among the most frequent buyers with a low average check"),
        "irregular": ("Irregular buyer", "Intervals between purchases vary widely"),
        "regular": ("No marked behaviour", "Enough purchases, none of the patterns above"),
    },
}
FAMILY_NAMES = {"temperature": "Temperature", "lifecycle": "Lifecycle", "rfm_segment": "RFM segment",
                "behaviour": "Behaviour"}  # fmt: skip


UNJUDGED = {
    "lifecycle": ("No purchases", "Has not bought yet"),
    "rfm_segment": ("No purchases", "Has not bought yet"),
    "behaviour": ("Not judged yet", "Fewer purchases than a behaviour needs"),
}


def label(family: str, value: str | None) -> tuple[str, str]:
    if value is None:
        return UNJUDGED.get(family, ("—", ""))
    return LABELS.get(family, {}).get(value, (value, ""))

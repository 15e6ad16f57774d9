"""`{% offers_panel %}`: the signed-in citizen's open offers (为您推荐), for 我的提醒 and the portal home."""

from django import template

from yimen.proactive import selectors

register = template.Library()


@register.inclusion_tag("proactive/_offers_panel.html", takes_context=True)
def offers_panel(context, limit: int = 6, compact: bool = False):
    user = getattr(context.get("request"), "user", None)
    groups = selectors.offers_of(user, limit=limit) if getattr(user, "is_authenticated", False) else []
    total = selectors.open_offer_count(user) if groups else 0
    shown = sum(len(g.rows) for g in groups)
    return {
        "groups": groups,
        "total": total,
        "more": total - shown,
        "compact": compact,
        "request": context.get("request"),
    }

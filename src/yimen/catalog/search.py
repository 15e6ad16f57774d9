"""Item search over published versions: plain `icontains` lookups (SQLite and PostgreSQL alike) ranked
by where the text matched. With ~1,000 published items a scan is a few milliseconds; a trigram index
(pg_trgm) is the step to take if the catalog grows by orders of magnitude.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length

MAX_TERMS = 5
MAX_QUERY_LENGTH = 100
# What people add to an item name when they type it: "优待证办理", "低保怎么申请".
_FILLER_SUFFIXES = ("怎么办理", "如何办理", "怎么申请", "如何申请", "怎么办", "办理", "申请", "申领", "手续")


def _terms(q: str) -> list[str]:
    return q.strip()[:MAX_QUERY_LENGTH].split()[:MAX_TERMS]


def _stem(term: str) -> str:
    for suffix in _FILLER_SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 2:
            return term[: -len(suffix)]
    return term


def _term_q(term: str) -> Q:
    q = Q()
    for variant in {term, _stem(term)}:
        q |= (
            Q(name__icontains=variant)
            | Q(result_name__icontains=variant)
            | Q(keywords__icontains=variant)
            | Q(department__name__icontains=variant)
            | Q(conditions__icontains=variant)
        )
    return q


def search_filter(q: str) -> Q:
    """Every term (whitespace-separated, at most five) must match somewhere."""
    condition = Q()
    for term in _terms(q):
        condition &= _term_q(term)
    return condition


def search_rank(qs: QuerySet, q: str) -> QuerySet:
    """Order matches: name equal, name starts with, name contains the phrase, all terms in the name,
    result name, keywords, then the rest; shorter names first within a rank."""
    terms = [_stem(t) for t in _terms(q)]
    if not terms:
        return qs
    phrase = " ".join(terms)
    all_in_name = Q()
    for term in terms:
        all_in_name &= Q(name__icontains=term)
    rank = Case(
        When(name__iexact=phrase, then=Value(0)),
        When(name__istartswith=phrase, then=Value(1)),
        When(name__icontains=phrase, then=Value(2)),
        When(all_in_name, then=Value(3)),
        When(result_name__icontains=phrase, then=Value(4)),
        When(keywords__icontains=phrase, then=Value(5)),
        default=Value(6),
        output_field=IntegerField(),
    )
    return qs.annotate(search_rank=rank, name_length=Length("name")).order_by(
        "search_rank", "name_length", "name", "item__implementation_code"
    )

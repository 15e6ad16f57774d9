"""Target-group expressions (精准服务): tags and divisions combined with AND / OR / NOT.

    tag:age_80_plus AND tag:living_alone AND div:440604012013 AND NOT tag:deceased
    80岁及以上 且 独居 且 祖庙街道培德社区
    (tag:new_parent OR tag:pregnant) AND div:440604011

Grammar (NOT binds tighter than AND, AND tighter than OR; operators are case-insensitive words):

    expr   := or
    or     := and  (("OR" | "或") and)*
    and    := not  (("AND" | "且" | "并且") not)*
    not    := ("NOT" | "非" | "不") not | atom
    atom   := "(" expr ")" | term
    term   := "tag:" NAME | "div:" NAME | NAME          NAME: a word, or "quoted words"

A `tag:` names a person tag by code or Chinese name; a `div:` a division (district, street, area or
village) by code, full name, short name (培德社区) or street + village (祖庙街道培德社区). A bare NAME is
tried as a tag, then as a division. Every error names its position (1-based character) and the problem.

Evaluation is bitmap algebra (pyroaring) over the cached index (bitmaps.py), inside the universe of
living persons (limited to the user's division when they have one): NOT x is universe - x, and
`a AND NOT b` is computed as a - b. `segment_q` builds the same set as an ORM query (tests compare both).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from pyroaring import BitMap

from yimen.common.errors import ValidationFailed
from yimen.proactive import bitmaps
from yimen.proactive.segment_names import Names, names, resolver

OPERATORS = {
    "and": "AND",
    "且": "AND",
    "并且": "AND",
    "or": "OR",
    "或": "OR",
    "not": "NOT",
    "非": "NOT",
    "不": "NOT",
}
MAX_LENGTH = 2_000
MAX_DEPTH = 50


@dataclass(frozen=True)
class Token:
    kind: str  # ( ) AND OR NOT TERM END
    pos: int  # 1-based
    text: str = ""
    prefix: str = ""


@dataclass(frozen=True)
class Term:
    kind: str  # tag | div
    key: str  # the code
    label: str
    pos: int


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


def _error(pos: int, message: str) -> ValidationFailed:
    text = _("位置 %(pos)d：%(problem)s") % {"pos": pos, "problem": message}
    return ValidationFailed(text, errors={"expression": [text]})


_WORD_END = re.compile(r"[\s()（）]")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "(（":
            tokens.append(Token("(", i + 1))
            i += 1
            continue
        if ch in ")）":
            tokens.append(Token(")", i + 1))
            i += 1
            continue
        start = i
        prefix = ""
        m = re.match(r"([A-Za-z]+)[:：]", text[i:])
        if m:
            prefix = m.group(1).lower()
            i += len(m.group(0))
        if i < n and text[i] in '"“':
            close = "”" if text[i] == "“" else '"'
            end = text.find(close, i + 1)
            if end < 0:
                raise _error(i + 1, _("引号没有闭合"))
            word = text[i + 1 : end].strip()
            i = end + 1
        else:
            m = _WORD_END.search(text, i)
            end = m.start() if m else n
            word = text[i:end]
            i = end
        if not prefix and word.lower() in OPERATORS:
            tokens.append(Token(OPERATORS[word.lower()], start + 1, word))
            continue
        if not word:
            raise _error(start + 1, _("“%(p)s:” 后缺少名称") % {"p": prefix})
        tokens.append(Token("TERM", start + 1, word, prefix))
    tokens.append(Token("END", n + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token], resolve):
        self.tokens, self.i, self.resolve, self.depth = tokens, 0, resolve, 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def parse(self):
        if self.tok.kind == "END":
            raise _error(1, _("表达式为空"))
        node = self.or_()
        if self.tok.kind == ")":
            raise _error(self.tok.pos, _("多余的右括号"))
        if self.tok.kind != "END":
            raise _error(self.tok.pos, _("“%(t)s” 前缺少 AND 或 OR") % {"t": self.tok.text or self.tok.kind})
        return node

    def or_(self):
        children = [self.and_()]
        while self.tok.kind == "OR":
            self.take()
            children.append(self.and_())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self):
        children = [self.not_()]
        while self.tok.kind == "AND":
            self.take()
            children.append(self.not_())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_(self):
        if self.tok.kind == "NOT":
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self):
        tok = self.tok
        if tok.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _error(tok.pos, _("括号嵌套过深（不超过 %(n)d 层）") % {"n": MAX_DEPTH})
            self.take()
            if self.tok.kind == ")":
                raise _error(self.tok.pos, _("括号内缺少条件"))
            node = self.or_()
            if self.tok.kind != ")":
                if self.tok.kind == "END":
                    raise _error(tok.pos, _("括号没有闭合"))
                raise _error(
                    self.tok.pos, _("“%(t)s” 前缺少 AND 或 OR") % {"t": self.tok.text or self.tok.kind}
                )
            self.take()
            self.depth -= 1
            return node
        if tok.kind == "TERM":
            self.take()
            return self.resolve(tok)
        if tok.kind == "END":
            raise _error(tok.pos, _("表达式不完整：缺少条件"))
        if tok.kind == ")":
            raise _error(tok.pos, _("多余的右括号"))
        raise _error(tok.pos, _("“%(t)s” 前缺少条件") % {"t": tok.text})


def parse(expression: str, *, table: Names | None = None):
    """The expression's tree of And/Or/Not/Term; ValidationFailed with the position of the first problem."""
    text = expression or ""
    if len(text) > MAX_LENGTH:
        raise _error(MAX_LENGTH + 1, _("表达式过长（不超过 %(n)d 个字符）") % {"n": MAX_LENGTH})
    return _Parser(tokenize(text), resolver(table or names(), _error)).parse()


def terms(node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.child)
    return [t for c in node.children for t in terms(c)]


def to_text(node) -> str:
    """The canonical form (codes, explicit parentheses): what a saved segment keeps alongside the input."""
    if isinstance(node, Term):
        return f"{node.kind}:{node.key}"
    if isinstance(node, Not):
        return f"NOT {to_text(node.child)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(to_text(c) for c in node.children) + ")"


# ------------------------------------------------------------------------------------------------ evaluate


def evaluate(node, universe: BitMap, get) -> BitMap:
    """The set of `node` within `universe`; `get(key)` gives a stored bitmap."""
    if isinstance(node, Term):
        key = bitmaps.tag_key(node.key) if node.kind == "tag" else bitmaps.division_key(node.key)
        return get(key) & universe
    if isinstance(node, Not):
        return universe - evaluate(node.child, universe, get)
    if isinstance(node, Or):
        return BitMap.union(*(evaluate(c, universe, get) for c in node.children))
    positives = [c for c in node.children if not isinstance(c, Not)]
    negatives = [c.child for c in node.children if isinstance(c, Not)]
    if not positives:
        result = BitMap(universe)
    else:
        parts = sorted((evaluate(c, universe, get) for c in positives), key=len)
        result = BitMap.intersection(*parts) if len(parts) > 1 else parts[0]
    for child in negatives:
        if not result:
            break
        result = result - evaluate(child, universe, get)
    return result


@dataclass
class SegmentResult:
    tree: object
    ids: BitMap
    took_ms: float

    @property
    def count(self) -> int:
        return len(self.ids)


def universe_for(user) -> BitMap:
    """Living persons, within the user's division when they have one (accounts.scope's rule)."""
    universe = bitmaps.cache.get(bitmaps.UNIVERSE)
    division = getattr(user, "division", None) if user is not None else None
    if division is not None:
        universe = universe & bitmaps.cache.get(bitmaps.division_key(division.code))
    return universe


def segment_evaluate(expression: str, *, user=None) -> SegmentResult:
    started = time.perf_counter()
    version = bitmaps.cache.sync()
    tree = parse(expression, table=names(version))
    ids = evaluate(tree, universe_for(user), bitmaps.cache.get)
    return SegmentResult(tree, ids, round((time.perf_counter() - started) * 1000, 3))


# ------------------------------------------------------------------------------------------------ ORM twin


def segment_q(tree, *, today: dt.date | None = None, user=None) -> Q:
    """The same set as an ORM condition on `registry.Person`, evaluating each tag's rule directly (not its
    stored membership): slower, used to check the bitmaps and as a reference."""
    from django.utils import timezone

    from yimen.places.models import Division
    from yimen.proactive.models import TagDefinition
    from yimen.proactive.tags.definitions import db_lookup, tag_tree
    from yimen.proactive.tags.query import tag_q

    today = today or timezone.localdate()
    lookup = db_lookup()

    def q(node) -> Q:
        if isinstance(node, Term):
            if node.kind == "tag":
                tag = TagDefinition.objects.get(code=node.key)
                return tag_q(
                    tag_tree(tag, lookup=lookup), kind=tag.kind, alive_only=tag.alive_only, today=today
                )
            path = Division.objects.get(code=node.key).path
            return Q(residence_division__path__startswith=path)
        if isinstance(node, Not):
            return ~q(node.child)
        combined = q(node.children[0])
        for child in node.children[1:]:
            combined = combined & q(child) if isinstance(node, And) else combined | q(child)
        return combined

    scope = Q(status="alive")
    division = getattr(user, "division", None) if user is not None else None
    if division is not None:
        scope &= Q(residence_division__path__startswith=division.path)
    return scope & q(tree)

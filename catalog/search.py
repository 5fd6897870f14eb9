"""Product search that PostgreSQL answers from an index, for Chinese words of any length as well as
Latin ones (docs/architecture.md#scale-search-and-big-tables).

A search word must appear (any case) in a product's title, selling point or keywords: that is the
meaning, and the ``icontains`` filters that say it stay in every query. A ``LIKE '%…%'`` cannot
use a B-tree index, and a trigram index (pg_trgm) cannot help a one- or two-character Chinese word
(there is no trigram in it to look up), while most Chinese searches are two characters (纯棉, 羊绒).
So each product also stores its **grams**: every single character and every pair of adjacent
characters of those three texts (upper-cased, split on spaces like the search words),
space-separated in ``Product.search_grams`` (kept by ``Product.save``). PostgreSQL indexes them
as an array with GIN (``string_to_array(search_grams, ' ')``, catalog/migrations/0005), and a
word's grams must all be among a product's: its single character for a one-character word, its
pairs for a longer one. Every product that contains the word has them, so the index only narrows
the rows the ``icontains`` filters then check: the same results, without reading the catalog.
SQLite (development, tests) has no such index and runs the ``icontains`` filters alone.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value

#: the fields a search word is looked for in (selectors.product_list)
SEARCHED_FIELDS = ("title", "subtitle", "keywords")


def words(text: str | None) -> list[str]:
    """``text`` split into words: on ASCII and full-width spaces, control characters dropped
    (PostgreSQL refuses NUL in a query)."""
    if not text:
        return []
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).replace("\u3000", " ")
    return cleaned.split()


def _fold(word: str) -> str:
    """Upper case, one character for one (as PostgreSQL's ``UPPER`` behind ``icontains`` does;
    Python's "ß".upper() is two characters, so such a character is kept as it is)."""
    return "".join(upper if len(upper := ch.upper()) == 1 else ch for ch in word)


def _pairs(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


def search_grams(*texts: str) -> str:
    """What ``Product.search_grams`` holds for these texts: every character and every pair of
    adjacent characters of each word, upper-cased, sorted, space-separated."""
    grams: set[str] = set()
    for text in texts:
        for word in words(text):
            folded = _fold(word)
            grams.update(folded)
            grams.update(_pairs(folded))
    return " ".join(sorted(grams))


def term_grams(term: str) -> list[str]:
    """The grams every product containing ``term`` has: its character, or its pairs."""
    folded = _fold(term)
    return sorted(_pairs(folded) if len(folded) > 1 else set(folded))


class _GramArray(Func):
    """``string_to_array(search_grams, ' ')``: exactly the expression the GIN index is built on."""

    template = "string_to_array(%(expressions)s, ' ')"
    output_field = TextField()


class _TextArray(Func):
    template = "ARRAY[%(expressions)s]::text[]"
    arg_joiner = ", "
    output_field = TextField()


class _ContainsAll(Func):
    template = "%(expressions)s"
    arg_joiner = " @> "
    output_field = BooleanField()


def has_grams(grams: list[str]) -> _ContainsAll:
    """A filter: the product's grams include all of ``grams`` (PostgreSQL; served by the index)."""
    return _ContainsAll(_GramArray(F("search_grams")), _TextArray(*(Value(g) for g in grams)))


def words_q(word: str, *, fields: tuple[str, ...] = SEARCHED_FIELDS, indexed: bool | None = None) -> Q:
    """One search word in any of ``fields``: on PostgreSQL the gram index narrows first."""
    if indexed is None:
        indexed = connections["default"].vendor == "postgresql"
    contains = Q()
    for field in fields:
        contains |= Q(**{f"{field}__icontains": word})
    grams = term_grams(word) if indexed else []
    return Q(has_grams(grams)) & contains if grams else contains


def product_search_filter(queryset: QuerySet, terms: list[str]) -> QuerySet:
    """``queryset`` narrowed to products containing every one of ``terms`` (each in any of the
    searched fields); on PostgreSQL through the gram index first."""
    if not terms:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        grams = sorted({gram for term in terms for gram in term_grams(term)})
        queryset = queryset.filter(has_grams(grams))
    for term in terms:
        contains = Q()
        for field in SEARCHED_FIELDS:
            contains |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(contains)
    return queryset

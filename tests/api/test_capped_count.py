"""The API's product list counts at most 10,001 rows (issue 16: a 100k-product shop's list costs
what a 10k one does): ``count`` is exact up to the cap and ``count_is_exact`` says so; beyond it,
the count says the cap and the pages end there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.pagination import CappedCountPaginator
from tests.factories import make_product

pytestmark = pytest.mark.django_db
URL = "/api/v1/shops/shop-a/products/"


@pytest.fixture
def five(shop_a):
    return [make_product(shop=shop_a, title=f"商品{n}") for n in range(5)]


def test_a_short_list_is_counted_exactly(client, five):
    body = client.get(URL).json()
    assert (body["count"], body["count_is_exact"], len(body["results"])) == (5, True, 5)


def test_a_list_longer_than_the_cap_says_the_cap_and_stops_there(client, five, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 4)
    body = client.get(URL + "?page_size=2").json()
    assert (body["count"], body["count_is_exact"], len(body["results"])) == (4, False, 2)
    second = client.get(body["next"]).json()
    assert second["next"] is None and len(second["results"]) == 2
    assert client.get(URL + "?page_size=2&page=3").status_code == 404


def test_the_count_reads_no_more_than_the_cap(client, five, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 4)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 5" in counts[0], counts


def test_the_schema_documents_the_flag(client):
    schema = client.get("/api/schema/?format=json").json()
    page = schema["components"]["schemas"]["PaginatedProductListList"]
    assert page["properties"]["count_is_exact"]["type"] == "boolean"

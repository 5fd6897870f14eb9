"""The mini-program's catalog API, checked the way a mini-program developer would."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import SKU, Category, Product, SpecValue
from shop import services as shop_services
from shop.models import Shop
from tests.factories import add_image, make_product, product_with_matrix

API = "/api/v1/shops"


def get(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, (url, response.content[:300])
    return response.json()


def test_shop_info(client, shop_a, django_capture_on_commit_callbacks):
    body = get(client, f"{API}/shop-a/")
    assert body["name"] == "甲店" and body["verified"] is False
    assert body["licence_no"] == shop_a.licence_no and body["service_phone"] == shop_a.service_phone
    with django_capture_on_commit_callbacks(execute=True):
        shop_services.shop_set_verification(shop=shop_a, verified=True)
    assert get(client, f"{API}/shop-a/")["verified"] is True


def test_category_tree(client, shop_a):
    clothes = Category.objects.create(shop=shop_a, name="服装", position=1)
    Category.objects.create(shop=shop_a, name="T恤", parent=clothes)
    Category.objects.create(shop=shop_a, name="隐藏", parent=clothes, is_active=False)
    Category.objects.create(shop=shop_a, name="食品", position=0)
    body = get(client, f"{API}/shop-a/categories/")
    assert [c["name"] for c in body] == ["食品", "服装"]
    assert [c["name"] for c in body[1]["children"]] == ["T恤"]


def test_product_list_filters_search_order_and_pages(client, shop_a):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    tees = Category.objects.create(shop=shop_a, name="T恤", parent=clothes)
    cheap = make_product(shop=shop_a, title="纯棉T恤", price_fen=3900, category=tees, image=True)
    dear = make_product(shop=shop_a, title="羊毛衫", price_fen=29900, category=clothes)
    make_product(shop=shop_a, title="草稿", status=Product.Status.DRAFT, category=tees)
    Product.objects.filter(pk=dear.pk).update(sales_count=50)

    body = get(client, f"{API}/shop-a/products/")
    assert body["count"] == 2 and {p["title"] for p in body["results"]} == {"纯棉T恤", "羊毛衫"}
    item = next(p for p in body["results"] if p["id"] == cheap.pk)
    assert item["price_min_fen"] == 3900 and item["sold_out"] is False
    assert item["cover"]["list"].startswith("http://testserver/media/")

    def titles(**params):
        return [p["title"] for p in get(client, f"{API}/shop-a/products/", **params)["results"]]

    assert titles(ordering="price") == ["纯棉T恤", "羊毛衫"]
    assert titles(ordering="-price") == ["羊毛衫", "纯棉T恤"]
    assert titles(ordering="sales")[0] == "羊毛衫"
    assert titles(category=tees.pk) == ["纯棉T恤"]
    assert get(client, f"{API}/shop-a/products/", category=clothes.pk)["count"] == 2
    assert titles(q="纯棉") == ["纯棉T恤"]
    assert get(client, f"{API}/shop-a/products/", q="草稿")["count"] == 0

    page = get(client, f"{API}/shop-a/products/", page_size=1, ordering="price")
    assert len(page["results"]) == 1 and page["next"] and page["previous"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [({"ordering": "cheapest"}, "ordering"), ({"category": "abc"}, "category")],
)
def test_bad_list_parameters_are_400_with_a_stable_code(client, shop_a, params, field):
    body = get(client, f"{API}/shop-a/products/", status=400, **params)
    assert body["code"] == "invalid" and field in body["fields"]


def test_unknown_category_is_404(client, shop_a, shop_b):
    foreign = Category.objects.create(shop=shop_b, name="乙的分类")
    assert (
        get(client, f"{API}/shop-a/products/", status=404, category=foreign.pk)["code"]
        == "category_not_found"
    )


def test_product_detail_has_specs_and_every_sku(client, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"))
    add_image(product)
    red_m = SKU.objects.get(product=product, spec_text="颜色:红 尺码:M")
    services.sku_update(sku=red_m, price_fen=6900, stock=0, code="TS-R-M")
    body = get(client, f"{API}/shop-a/products/{product.pk}/")
    assert [s["name"] for s in body["specs"]] == ["颜色", "尺码"]
    assert [v["value"] for v in body["specs"][0]["values"]] == ["红", "蓝"]
    assert len(body["skus"]) == 4 and len(body["images"]) == 1
    sku = next(s for s in body["skus"] if s["id"] == red_m.pk)
    assert sku == {
        "id": red_m.pk, "spec_value_ids": red_m.spec_value_ids, "spec_text": "颜色:红 尺码:M", "code": "TS-R-M",
        "price_fen": 6900, "stock": 0, "image": None,
    }  # fmt: skip
    assert (body["price_min_fen"], body["price_max_fen"]) == (5900, 6900)


def test_sku_lookup_in_any_order(client, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"))
    red = SpecValue.objects.get(spec__product=product, value="红")
    m = SpecValue.objects.get(spec__product=product, value="M")
    url = f"{API}/shop-a/products/{product.pk}/sku/"
    for combo in (f"{red.pk},{m.pk}", f"{m.pk},{red.pk}"):
        assert get(client, url, spec_values=combo)["spec_text"] == "颜色:红 尺码:M"
    assert get(client, url, status=400, spec_values="abc")["code"] == "invalid"
    assert (
        get(client, url, status=400, spec_values=str(red.pk))["code"] == "invalid"
    )  # one value for two specs
    assert get(client, url, status=400)["code"] == "invalid"
    assert get(client, url, status=404, spec_values=f"{red.pk},999999")["code"] == "sku_not_found"


def test_not_found_codes(client, shop_a, shop_b):
    draft = make_product(shop=shop_a, status=Product.Status.DRAFT)
    other = make_product(shop=shop_b)
    Shop.objects.create(slug="closed", name="关店", is_active=False)
    assert get(client, f"{API}/nope/", status=404)["code"] == "shop_not_found"
    assert get(client, f"{API}/closed/products/", status=404)["code"] == "shop_not_found"
    assert get(client, f"{API}/shop-a/products/{draft.pk}/", status=404)["code"] == "product_not_found"
    assert get(client, f"{API}/shop-a/products/{other.pk}/", status=404)["code"] == "product_not_found"
    body = get(client, f"{API}/shop-a/products/{other.pk}/", status=404)
    assert set(body) == {"code", "message", "fields"}


def count_queries(client, url) -> int:
    cache.clear()  # measure building the answer, not serving it from the catalog cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow(client, shop_a):
    counts, made = [], 0
    for total in (1, 20, 100):
        for i in range(made, total):
            make_product(shop=shop_a, title=f"商品{i}", image=i % 3 == 0)
        made = total
        counts.append(count_queries(client, f"{API}/shop-a/products/?page_size=100"))
    assert counts[0] == counts[1] == counts[2], counts


def test_detail_queries_do_not_grow_with_skus(client, shop_a):
    one = product_with_matrix(shop=shop_a, title="一个", colors=("红",), sizes=("S",))
    many = product_with_matrix(
        shop=shop_a, title="五十个", colors=tuple("赤橙黄绿青蓝紫黑白灰"), sizes=("S", "M", "L", "XL", "XXL")
    )
    add_image(one)
    add_image(many)
    assert count_queries(client, f"{API}/shop-a/products/{one.pk}/") == count_queries(
        client, f"{API}/shop-a/products/{many.pk}/"
    )


def test_unknown_api_urls_answer_json(client):
    response = client.get("/api/v1/no/such/thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_page_size_limits(client, shop_a):
    make_product(shop=shop_a)
    assert get(client, f"{API}/shop-a/products/", status=400, page_size=101)["fields"] == {
        "page_size": ["must be a whole number from 1 to 100"]
    }
    assert get(client, f"{API}/shop-a/products/", status=404, page=99)["code"] == "not_found"


def test_control_characters_in_search_are_ignored(client, shop_a):
    make_product(shop=shop_a, title="纯棉T恤")
    body = get(client, f"{API}/shop-a/products/", q="纯棉\x00")
    assert [p["title"] for p in body["results"]] == ["纯棉T恤"]
    assert client.get("/s/shop-a/search/", {"q": "\x00\x07"}).status_code == 200

"""The mini-program's catalog API, checked the way a mini-program developer would."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.images import make_demo_image
from catalog.models import SKU, Category, Product, SpecValue
from shop import services as shop_services
from shop.models import Shop
from tests.factories import add_image, make_product, product_with_matrix

API = "/api/v1/shops"
LIST_KEYS = {
    "id", "title", "subtitle", "category_id", "price_min_fen", "price_max_fen", "stock_total", "sold_out",
    "sales_count", "cover", "published_at",
}  # fmt: skip


def get(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- shop ------------------------------------------------------------------------------------


def test_shop_info_shows_business_details_and_verification(
    client, shop_a, django_capture_on_commit_callbacks
):
    body = get(client, f"{API}/shop-a/")
    assert body == {
        "slug": "shop-a", "name": "甲店", "intro": "", "logo": None, "verified": False,
        "company_name": "示例商贸有限公司", "licence_no": "91310000MA1FL0000X",
        "business_address": "上海市黄浦区南京东路 1 号", "service_phone": "021-12345678",
        "return_policy": "七天无理由退换货",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        shop_services.shop_set_verification(shop=shop_a, verified=True)
    assert get(client, f"{API}/shop-a/")["verified"] is True  # the cached answer is not served


def test_shop_logo_is_an_absolute_url(client, shop_a):
    shop_a.logo.save("logo.jpg", ContentFile(make_demo_image("甲", color=(90, 120, 200), size=200)))
    logo = get(client, f"{API}/shop-a/")["logo"]
    assert logo.startswith("http://testserver/media/shops/logo/") and logo.endswith(".jpg")


# --- categories ------------------------------------------------------------------------------


def test_category_tree_is_two_levels_of_visible_categories_in_order(client, shop_a, shop_b):
    clothes = Category.objects.create(shop=shop_a, name="服装", position=1)
    tees = Category.objects.create(shop=shop_a, name="T恤", parent=clothes, position=1)
    shirts = Category.objects.create(shop=shop_a, name="衬衫", parent=clothes, position=0)
    Category.objects.create(shop=shop_a, name="隐藏", parent=clothes, is_active=False)
    food = Category.objects.create(shop=shop_a, name="食品", position=0)
    hidden = Category.objects.create(shop=shop_a, name="停用", is_active=False)
    Category.objects.create(shop=shop_a, name="停用下的子类", parent=hidden)
    Category.objects.create(shop=shop_b, name="乙的分类")
    body = get(client, f"{API}/shop-a/categories/")
    assert body == [
        {"id": food.pk, "name": "食品", "children": []},
        {
            "id": clothes.pk,
            "name": "服装",
            "children": [{"id": shirts.pk, "name": "衬衫"}, {"id": tees.pk, "name": "T恤"}],
        },
    ]


# --- product list ----------------------------------------------------------------------------


@pytest.fixture
def catalog_a(shop_a):
    """服装 > T恤 with a cotton tee (cheap, new) and a wool sweater in 服装 (dear, best seller)."""
    clothes = Category.objects.create(shop=shop_a, name="服装")
    tees = Category.objects.create(shop=shop_a, name="T恤", parent=clothes)
    food = Category.objects.create(shop=shop_a, name="食品")
    wool = make_product(shop=shop_a, title="羊毛衫", subtitle="澳洲美利奴", price_fen=29900, category=clothes)
    cotton = make_product(shop=shop_a, title="纯棉T恤", price_fen=3900, category=tees, image=True)
    nuts = make_product(shop=shop_a, title="坚果礼盒", price_fen=9900, category=food, stock=0)
    make_product(shop=shop_a, title="纯棉草稿", status=Product.Status.DRAFT, category=tees)
    make_product(shop=shop_a, title="纯棉下架", status=Product.Status.OFF_SHELF, category=tees)
    Product.objects.filter(pk=wool.pk).update(sales_count=50)
    Product.objects.filter(pk=nuts.pk).update(sales_count=7)
    return {"clothes": clothes, "tees": tees, "food": food, "wool": wool, "cotton": cotton, "nuts": nuts}


def list_titles(client, **params):
    return [p["title"] for p in get(client, f"{API}/shop-a/products/", **params)["results"]]


def test_product_list_items_have_what_a_list_page_shows(client, catalog_a):
    body = get(client, f"{API}/shop-a/products/")
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert {p["title"] for p in body["results"]} == {
        "纯棉T恤",
        "羊毛衫",
        "坚果礼盒",
    }  # no draft, no off-shelf
    items = {p["title"]: p for p in body["results"]}
    for item in items.values():
        assert set(item) == LIST_KEYS
    cotton = items["纯棉T恤"]
    assert cotton["id"] == catalog_a["cotton"].pk and cotton["category_id"] == catalog_a["tees"].pk
    assert (cotton["price_min_fen"], cotton["price_max_fen"], cotton["stock_total"]) == (3900, 3900, 10)
    assert cotton["sold_out"] is False and cotton["published_at"].endswith("+08:00")
    assert cotton["cover"]["list"].startswith("http://testserver/media/thumbs/list/")
    assert cotton["cover"]["detail"].startswith("http://testserver/media/thumbs/detail/")
    assert items["羊毛衫"]["cover"] is None and items["羊毛衫"]["subtitle"] == "澳洲美利奴"
    assert items["坚果礼盒"]["sold_out"] is True and items["坚果礼盒"]["stock_total"] == 0


def test_product_list_orderings(client, catalog_a):
    assert list_titles(client, ordering="price") == ["纯棉T恤", "坚果礼盒", "羊毛衫"]
    assert list_titles(client, ordering="-price") == ["羊毛衫", "坚果礼盒", "纯棉T恤"]
    assert list_titles(client, ordering="sales") == ["羊毛衫", "坚果礼盒", "纯棉T恤"]
    assert list_titles(client, ordering="new") == ["坚果礼盒", "纯棉T恤", "羊毛衫"]


def test_product_list_category_filter_includes_children_of_a_top_level_category(client, catalog_a):
    assert list_titles(client, category=catalog_a["tees"].pk) == ["纯棉T恤"]
    assert set(list_titles(client, category=catalog_a["clothes"].pk)) == {"纯棉T恤", "羊毛衫"}
    assert list_titles(client, category=catalog_a["food"].pk) == ["坚果礼盒"]


def test_product_list_search_in_chinese(client, catalog_a):
    assert list_titles(client, q="纯棉") == ["纯棉T恤"]  # not the draft nor the off-shelf 纯棉 products
    assert list_titles(client, q="美利奴") == ["羊毛衫"]  # the selling point is searched too
    assert list_titles(client, q="纯棉　t恤") == ["纯棉T恤"]  # full-width space, any case
    assert list_titles(client, q="纯棉 羊毛") == []  # every word must match
    assert list_titles(client, q="纯棉", category=catalog_a["food"].pk) == []


def test_product_list_pages(client, catalog_a):
    first = get(client, f"{API}/shop-a/products/", page_size=2, ordering="price")
    assert first["count"] == 3 and [p["title"] for p in first["results"]] == ["纯棉T恤", "坚果礼盒"]
    assert first["previous"] is None and first["next"].startswith("http://testserver/api/v1/shops/shop-a/")
    second = client.get(first["next"]).json()
    assert [p["title"] for p in second["results"]] == ["羊毛衫"] and second["next"] is None
    assert second["previous"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ordering": "cheapest"}, "ordering"),
        ({"ordering": ""}, "ordering"),
        ({"ordering": "default"}, "ordering"),
        ({"category": "abc"}, "category"),
        ({"category": "²"}, "category"),  # str.isdigit() says yes; int() says no
        ({"category": "-1"}, "category"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
        ({"page_size": "9" * 5000}, "page_size"),
    ],
)
def test_bad_list_parameters_are_400_invalid_naming_the_field(client, shop_a, params, field):
    body = get(client, f"{API}/shop-a/products/", status=400, **params)
    assert body["code"] == "invalid" and list(body["fields"]) == [field]


def test_unknown_hidden_or_foreign_category_is_404(client, shop_a, shop_b):
    foreign = Category.objects.create(shop=shop_b, name="乙的分类")
    hidden = Category.objects.create(shop=shop_a, name="停用", is_active=False)
    for category_id in (foreign.pk, hidden.pk, 999999, 10**30):
        body = get(client, f"{API}/shop-a/products/", status=404, category=category_id)
        assert body["code"] == "category_not_found"


def test_a_page_past_the_end_or_not_a_number_is_404(client, shop_a):
    make_product(shop=shop_a)
    assert get(client, f"{API}/shop-a/products/", page=1)["count"] == 1
    for page in ("99", "0", "", "last", " 1", "1_0", "²", "9" * 5000):
        assert get(client, f"{API}/shop-a/products/", status=404, page=page)["code"] == "not_found", page


def test_control_characters_in_search_are_ignored(client, shop_a):
    make_product(shop=shop_a, title="纯棉T恤")
    assert list_titles(client, q="纯棉\x00") == ["纯棉T恤"]


def test_a_price_change_shows_at_once_despite_the_cache(client, shop_a, django_capture_on_commit_callbacks):
    product = make_product(shop=shop_a, price_fen=5900)
    assert get(client, f"{API}/shop-a/products/")["results"][0]["price_min_fen"] == 5900
    assert get(client, f"{API}/shop-a/products/{product.pk}/")["skus"][0]["price_fen"] == 5900
    with django_capture_on_commit_callbacks(execute=True):
        services.sku_update(sku=product.skus.get(), price_fen=4900, stock=3)
    assert get(client, f"{API}/shop-a/products/")["results"][0]["price_min_fen"] == 4900
    sku = get(client, f"{API}/shop-a/products/{product.pk}/")["skus"][0]
    assert (sku["price_fen"], sku["stock"]) == (4900, 3)


# --- shop home -------------------------------------------------------------------------------


def test_shop_home_has_the_shop_banner_categories_new_and_best_sellers_in_one_call(client, catalog_a, shop_b):
    Product.objects.filter(pk=catalog_a["cotton"].pk).update(is_featured=True)
    make_product(shop=shop_b, title="乙的商品", is_featured=True)
    body = get(client, f"{API}/shop-a/home/")
    assert set(body) == {"shop", "banner", "categories", "new_arrivals", "best_sellers"}
    assert body["shop"] == get(client, f"{API}/shop-a/")
    assert body["categories"] == get(client, f"{API}/shop-a/categories/")
    assert [p["title"] for p in body["banner"]] == ["纯棉T恤"]  # featured only, never another shop's
    assert set(body["banner"][0]) == LIST_KEYS
    newest = [p["title"] for p in get(client, f"{API}/shop-a/products/", ordering="new")["results"]]
    best = [p["title"] for p in get(client, f"{API}/shop-a/products/", ordering="sales")["results"]]
    assert [p["title"] for p in body["new_arrivals"]] == newest
    assert [p["title"] for p in body["best_sellers"]] == best == ["羊毛衫", "坚果礼盒", "纯棉T恤"]
    for item in body["new_arrivals"] + body["best_sellers"]:
        assert set(item) == LIST_KEYS  # no draft, no off-shelf: their titles are not in the lists above


def test_shop_home_sections_hold_at_most_six_products(client, shop_a):
    for i in range(8):
        make_product(shop=shop_a, title=f"商品{i}", is_featured=True)
    body = get(client, f"{API}/shop-a/home/")
    assert (len(body["banner"]), len(body["new_arrivals"]), len(body["best_sellers"])) == (5, 6, 6)


def test_shop_home_of_an_empty_or_unknown_shop(client, shop_a):
    body = get(client, f"{API}/shop-a/home/")
    for key in ("banner", "categories", "new_arrivals", "best_sellers"):
        assert body[key] == [], key
    assert get(client, f"{API}/no-such-shop/home/", status=404)["code"] == "shop_not_found"


def test_shop_home_follows_a_change_at_once_despite_the_cache(
    client, shop_a, django_capture_on_commit_callbacks
):
    product = make_product(shop=shop_a, price_fen=5900)
    assert get(client, f"{API}/shop-a/home/")["new_arrivals"][0]["price_min_fen"] == 5900
    with django_capture_on_commit_callbacks(execute=True):
        services.sku_update(sku=product.skus.get(), price_fen=4900, stock=3)
    assert get(client, f"{API}/shop-a/home/")["new_arrivals"][0]["price_min_fen"] == 4900


def test_shop_home_runs_the_same_queries_for_1_and_20_products(client, shop_a, django_assert_num_queries):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    Category.objects.create(shop=shop_a, name="T恤", parent=clothes)
    make_product(shop=shop_a, title="商品0", image=True, is_featured=True, category=clothes)
    baseline = measure(client, f"{API}/shop-a/home/")
    assert baseline <= 6, f"{baseline} queries: expected shop, banner, categories (2), new, best"
    for i in range(1, 20):
        make_product(shop=shop_a, title=f"商品{i}", image=True, is_featured=i % 2 == 0, category=clothes)
        Category.objects.create(shop=shop_a, name=f"分类{i}", parent=clothes if i % 2 else None)
    cache.clear()
    with django_assert_num_queries(baseline):
        body = client.get(f"{API}/shop-a/home/").json()
    assert len(body["new_arrivals"]) == 6 and all(p["cover"] for p in body["new_arrivals"])
    with django_assert_num_queries(0):  # then served from the cache
        assert client.get(f"{API}/shop-a/home/").status_code == 200


# --- product detail --------------------------------------------------------------------------


def test_product_detail_has_description_images_specs_and_every_active_sku(client, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"))
    Product.objects.filter(pk=product.pk).update(description="<p>新疆<strong>长绒棉</strong></p>")
    first = add_image(product)
    second = add_image(product, position=1)
    red_m = SKU.objects.get(product=product, spec_text="颜色:红 尺码:M")
    blue_s = SKU.objects.get(product=product, spec_text="颜色:蓝 尺码:S")
    SKU.objects.filter(pk=red_m.pk).update(image=second)
    services.sku_update(sku=red_m, price_fen=6900, stock=0, code="TS-R-M")
    services.sku_update(sku=blue_s, is_active=False)

    body = get(client, f"{API}/shop-a/products/{product.pk}/")
    assert set(body) == LIST_KEYS | {"description", "images", "specs", "skus"}
    assert body["description"] == "<p>新疆<strong>长绒棉</strong></p>"
    assert [i["id"] for i in body["images"]] == [first.pk, second.pk]
    assert body["images"][0]["list"].startswith("http://testserver/media/thumbs/list/")
    assert (body["images"][0]["width"], body["images"][0]["height"]) == (400, 400)
    color, size = body["specs"]
    assert (color["name"], [v["value"] for v in color["values"]]) == ("颜色", ["红", "蓝"])
    assert (size["name"], [v["value"] for v in size["values"]]) == ("尺码", ["S", "M"])
    assert len(body["skus"]) == 3  # the inactive 蓝/S is not offered
    assert blue_s.pk not in {s["id"] for s in body["skus"]}
    sku = next(s for s in body["skus"] if s["id"] == red_m.pk)
    red, m = color["values"][0]["id"], size["values"][1]["id"]
    assert sku == {
        "id": red_m.pk, "spec_value_ids": [red, m], "spec_text": "颜色:红 尺码:M", "code": "TS-R-M",
        "price_fen": 6900, "stock": 0, "image": body["images"][1]["detail"],
    }  # fmt: skip
    assert (body["price_min_fen"], body["price_max_fen"]) == (5900, 6900)


def test_a_product_without_specs_has_one_sku_and_no_specs(client, shop_a):
    product = make_product(shop=shop_a, price_fen=1200, stock=4)
    body = get(client, f"{API}/shop-a/products/{product.pk}/")
    assert body["specs"] == [] and body["images"] == []
    assert [(s["spec_value_ids"], s["spec_text"], s["price_fen"], s["stock"]) for s in body["skus"]] == [
        ([], "", 1200, 4)
    ]


def test_not_found_codes_are_stable(client, shop_a, shop_b):
    draft = make_product(shop=shop_a, status=Product.Status.DRAFT)
    off = make_product(shop=shop_a, status=Product.Status.OFF_SHELF)
    other = make_product(shop=shop_b)
    Shop.objects.create(slug="closed", name="关店", is_active=False)
    for url in (f"{API}/nope/", f"{API}/nope/categories/", f"{API}/closed/", f"{API}/closed/products/"):
        assert get(client, url, status=404)["code"] == "shop_not_found", url
    for product_id in (draft.pk, off.pk, other.pk, 999999, 10**30):
        for suffix in ("", "sku/?spec_values=1"):
            body = get(client, f"{API}/shop-a/products/{product_id}/{suffix}", status=404)
            assert body == {"code": "product_not_found", "message": "商品不存在或已下架。", "fields": {}}


def test_unknown_api_urls_answer_json(client):
    response = client.get("/api/v1/no/such/thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "请求的接口不存在。", "fields": {}}


# --- SKU lookup ------------------------------------------------------------------------------


@pytest.fixture
def tee(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"))
    values = {v.value: v.pk for v in SpecValue.objects.filter(spec__product=product)}
    return product, values


def sku_url(product):
    return f"{API}/shop-a/products/{product.pk}/sku/"


def test_sku_lookup_finds_the_combination_in_any_order(client, tee):
    product, v = tee
    red_m = SKU.objects.get(product=product, spec_text="颜色:红 尺码:M")
    for combo in (f"{v['红']},{v['M']}", f"{v['M']},{v['红']}"):
        body = get(client, sku_url(product), spec_values=combo)
        assert body == {
            "id": red_m.pk, "spec_value_ids": [v["红"], v["M"]], "spec_text": "颜色:红 尺码:M", "code": red_m.code,
            "price_fen": 5900, "stock": 5, "image": None,
        }  # fmt: skip


@pytest.mark.parametrize(
    "combo",
    [
        "",
        "abc",
        "{red}",
        "{red},{red}",
        "{red},{m},{s}",
        "{red},,{m}",
        "{red};{m}",
        "²,{m}",
        "-{red},{m}",
        "{red},{m},",
        " {red},{m}",
        "{red}, {m}",
        "{red},{m}\n",
    ],
)
def test_sku_lookup_refuses_malformed_combinations(client, tee, combo):
    product, v = tee
    params = {"spec_values": combo.format(red=v["红"], m=v["M"], s=v["S"])} if combo else {}
    body = get(client, sku_url(product), status=400, **params)
    assert body["code"] == "invalid" and list(body["fields"]) == ["spec_values"]


def test_sku_lookup_of_a_missing_or_inactive_combination_is_404(client, tee, shop_a):
    product, v = tee
    blue_s = SKU.objects.get(product=product, spec_text="颜色:蓝 尺码:S")
    services.sku_update(sku=blue_s, is_active=False)
    other = product_with_matrix(shop=shop_a, title="别的商品")
    other_red = SpecValue.objects.get(spec__product=other, value="红").pk
    for combo in (f"{v['蓝']},{v['S']}", f"{v['红']},999999", f"{other_red},{v['M']}", f"{v['红']},{10**30}"):
        body = get(client, sku_url(product), status=404, spec_values=combo)
        assert body["code"] == "sku_not_found", combo


# --- query counts ----------------------------------------------------------------------------


def measure(client, url) -> int:
    cache.clear()  # measure building the answer, not serving it from the catalog cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_product_list_runs_the_same_queries_for_1_20_and_100_products(
    client, shop_a, django_assert_num_queries
):
    url = f"{API}/shop-a/products/?page_size=100"
    make_product(shop=shop_a, title="商品0", image=True)
    baseline = measure(client, url)
    assert baseline <= 3, f"{baseline} queries: expected shop, count, page"
    made = 1
    for total in (20, 100):
        for i in range(made, total):
            make_product(shop=shop_a, title=f"商品{i}", image=i % 3 == 0)
        made = total
        cache.clear()
        with django_assert_num_queries(baseline):
            body = client.get(url).json()
        assert len(body["results"]) == total
        assert sum(1 for p in body["results"] if p["cover"]) == len(range(0, total, 3))


def test_product_detail_runs_the_same_queries_for_1_and_50_skus(client, shop_a, django_assert_num_queries):
    one = product_with_matrix(shop=shop_a, title="一个", colors=("红",), sizes=("S",))
    fifty = product_with_matrix(
        shop=shop_a, title="五十个", colors=tuple("赤橙黄绿青蓝紫黑白灰"), sizes=("S", "M", "L", "XL", "XXL")
    )
    for product in (one, fifty):
        image = add_image(product)
        SKU.objects.filter(product=product).update(image=image)  # every SKU has its own picture
    baseline = measure(client, f"{API}/shop-a/products/{one.pk}/")
    assert baseline <= 6, f"{baseline} queries: expected shop, product, images, specs, values, SKUs"
    cache.clear()
    with django_assert_num_queries(baseline):
        body = client.get(f"{API}/shop-a/products/{fifty.pk}/").json()
    assert len(body["skus"]) == 50 and all(s["image"] for s in body["skus"])


def test_a_cached_answer_runs_no_product_queries(client, shop_a, django_assert_max_num_queries):
    make_product(shop=shop_a)
    client.get(f"{API}/shop-a/products/")
    with django_assert_max_num_queries(0):
        assert client.get(f"{API}/shop-a/products/").status_code == 200


def test_a_body_that_is_not_json_gets_a_chinese_message(client):
    response = client.post("/api/v1/auth/miniprogram", data="{bad", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_request",
        "message": "请求体不是有效的 JSON。",
        "fields": {},
    }

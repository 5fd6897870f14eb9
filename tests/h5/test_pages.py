"""The shopper's H5 pages, checked as a shopper would: what shows, what doesn't, and their cost."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import SKU, Category, Product
from shop import services as shop_services
from shop.models import Shop
from tests.factories import add_image, make_product, product_with_matrix

WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI"


def text(response) -> str:
    return response.content.decode()


def queries_for(client, url) -> int:
    """Queries to build the page (the catalog cache is emptied first: a cached page needs none)."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_home_shows_banner_categories_new_arrivals_and_best_sellers(client, shop_a):
    tops = Category.objects.create(shop=shop_a, name="上衣")
    make_product(shop=shop_a, title="推荐款", is_featured=True, category=tops, image=True)
    make_product(shop=shop_a, title="爆款", category=tops)
    Product.objects.filter(title="爆款").update(sales_count=999)
    make_product(shop=shop_a, title="草稿款", status=Product.Status.DRAFT)
    page = text(client.get("/s/shop-a/", HTTP_USER_AGENT=WECHAT_UA))
    assert "推荐款" in page and "上衣" in page and "新品上架" in page and "热销排行" in page
    assert page.index("爆款", page.index("热销排行")) > 0
    assert "草稿款" not in page


def test_category_page_includes_subcategories_and_sorts(client, shop_a):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    tees = Category.objects.create(shop=shop_a, name="T恤", parent=clothes)
    make_product(shop=shop_a, title="便宜T恤", price_fen=3900, category=tees)
    make_product(shop=shop_a, title="贵T恤", price_fen=9900, category=tees)
    make_product(shop=shop_a, title="别的分类", category=Category.objects.create(shop=shop_a, name="食品"))
    page = text(client.get(f"/s/shop-a/c/{clothes.pk}/?sort=-price"))
    assert page.index("贵T恤") < page.index("便宜T恤")
    assert "别的分类" not in page
    page = text(client.get(f"/s/shop-a/c/{tees.pk}/?sort=price"))
    assert page.index("便宜T恤") < page.index("贵T恤")
    assert "¥39" in page and "¥99" in page


def test_chinese_search(client, shop_a):
    make_product(shop=shop_a, title="纯棉T恤")
    make_product(shop=shop_a, title="纯棉袜子草稿", status=Product.Status.DRAFT)
    for q in ("纯棉", "T恤", "纯棉 T恤"):
        page = text(client.get("/s/shop-a/search/", {"q": q}))
        assert "纯棉T恤" in page, q
        assert "纯棉袜子草稿" not in page
    assert "没有找到相关商品" in text(client.get("/s/shop-a/search/", {"q": "羽绒服"}))


def test_product_page_shows_range_selector_and_every_sku_without_js(client, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"), price_fen=5900)
    blue_m = SKU.objects.get(product=product, spec_text="颜色:蓝 尺码:M")
    services.sku_update(sku=blue_m, price_fen=7900, stock=0)
    page = text(client.get(f"/s/shop-a/p/{product.pk}/", HTTP_USER_AGENT=WECHAT_UA))
    assert "¥59–¥79" in page
    assert 'name="spec-' in page and ">红<" in page and ">M<" in page
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    assert len(rows) == 4
    assert ("颜色:蓝 尺码:M", "¥79", '<span class="so">售罄</span>') in rows
    assert 'id="sku-data"' in page  # the JSON the selector reads


def test_product_page_is_light(client, shop_a):
    product = product_with_matrix(shop=shop_a)
    add_image(product)
    html = client.get(f"/s/shop-a/p/{product.pk}/").content
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("h5/app.css")).read_bytes()
    js = Path(finders.find("h5/sku.js")).read_bytes()
    assert len(html) + len(css) + len(js) < 60 * 1024


@pytest.mark.parametrize(
    "evil",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>'],
)
def test_merchant_html_never_reaches_the_page_as_code(client, shop_a, evil):
    product = make_product(shop=shop_a)
    Product.objects.filter(pk=product.pk).update(description="")  # then save through the model, as admin does
    product.refresh_from_db()
    product.description = f"<p>好看</p>{evil}"
    product.save()
    page = text(client.get(f"/s/shop-a/p/{product.pk}/")).lower()
    desc = page[page.index('class="desc"') :]
    assert "<script>alert" not in desc and "onerror" not in desc and "javascript:" not in desc
    assert "<p>好看</p>" in desc


def test_about_page_shows_business_details_and_the_mark_only_when_verified(
    client, shop_a, django_capture_on_commit_callbacks
):
    page = text(client.get("/s/shop-a/about/"))
    for detail in (shop_a.company_name, shop_a.licence_no, shop_a.business_address, shop_a.service_phone):
        assert detail in page
    assert "平台已认证" not in page and "尚未通过平台认证" in page
    with django_capture_on_commit_callbacks(execute=True):
        shop_services.shop_set_verification(shop=shop_a, verified=True)
    page = text(client.get("/s/shop-a/about/"))
    assert "平台已认证" in page and 'class="badge ok"' in page


def test_every_page_names_the_shop(client, shop_a):
    product = make_product(shop=shop_a)
    for url in ("/s/shop-a/", "/s/shop-a/categories/", "/s/shop-a/search/?q=x", f"/s/shop-a/p/{product.pk}/"):
        assert 'class="shopname"' in text(client.get(url)) and shop_a.name in text(client.get(url))


def test_not_found_pages(client, shop_a, shop_b):
    draft = make_product(shop=shop_a, status=Product.Status.DRAFT)
    off = make_product(shop=shop_a, status=Product.Status.OFF_SHELF)
    other = make_product(shop=shop_b)
    hidden = Category.objects.create(shop=shop_a, name="隐藏", is_active=False)
    suspended = Shop.objects.create(slug="closed", name="关店", is_active=False)
    response = client.get(f"/s/{suspended.slug}/")  # suspended: the notice, not "404"
    assert response.status_code == 404
    assert "店铺已暂停营业" in text(response) and "暂时无法浏览商品和下单" in text(response)
    for url in (
        "/s/no-such-shop/",
        f"/s/shop-a/p/{draft.pk}/",
        f"/s/shop-a/p/{off.pk}/",
        f"/s/shop-a/p/{other.pk}/",  # another shop's product through this shop
        f"/s/shop-a/c/{hidden.pk}/",
        "/s/shop-a/c/999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "404" in text(response) and "<html" in text(response), url


def test_category_page_queries_do_not_grow_with_products(client, shop_a):
    category = Category.objects.create(shop=shop_a, name="服装")
    counts = []
    made = 0
    for total in (1, 20, 100):
        for i in range(made, total):
            make_product(shop=shop_a, title=f"商品{i}", category=category, image=i % 2 == 0)
        made = total
        counts.append(queries_for(client, f"/s/shop-a/c/{category.pk}/"))
    assert counts[0] == counts[1] == counts[2], counts


def test_home_and_search_queries_do_not_grow(client, shop_a):
    counts = []
    for total in (1, 30):
        while Product.objects.filter(shop=shop_a).count() < total:
            make_product(shop=shop_a, title=f"纯棉{Product.objects.count()}", is_featured=True, image=True)
        counts.append((queries_for(client, "/s/shop-a/"), queries_for(client, "/s/shop-a/search/?q=纯棉")))
    assert counts[0] == counts[1], counts


def test_product_page_queries_do_not_grow_with_skus(client, shop_a):
    one = product_with_matrix(shop=shop_a, title="单品", colors=("红",), sizes=("S",))
    add_image(one)
    many = product_with_matrix(
        shop=shop_a, colors=tuple("赤橙黄绿青蓝紫黑白灰"), sizes=("S", "M", "L", "XL", "XXL")
    )
    add_image(many)
    assert many.skus.count() == 50
    assert queries_for(client, f"/s/shop-a/p/{one.pk}/") == queries_for(client, f"/s/shop-a/p/{many.pk}/")


def test_anonymous_browsing_never_writes(client, shop_a):
    category = Category.objects.create(shop=shop_a, name="服装")
    product = make_product(shop=shop_a, category=category, image=True)
    urls = ["/", "/s/shop-a/", "/s/shop-a/categories/", f"/s/shop-a/c/{category.pk}/", "/s/shop-a/search/?q=T",
            f"/s/shop-a/p/{product.pk}/", "/s/shop-a/about/", "/s/shop-a/p/999999/"]  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        for url in urls:
            client.get(url)
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert "sessionid" not in client.cookies

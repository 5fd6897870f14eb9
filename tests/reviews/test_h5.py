"""Reviews on H5: the product page's panel (figures, the latest reviews with what was bought, a
fixed number of queries whatever the number of reviews, and a cached page rebuilt for that product
only after a review or a hide), the review list with its filters, the review form, 待评价 / 我的评价,
the order page's 去评价 and 个人中心's entry."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import services
from reviews.models import Review
from shop.cache import storefront_version
from tests.factories import add_image, make_product, product_with_matrix
from tests.reviews.helpers import buyer, completed_order, photo, review

pytestmark = pytest.mark.django_db
WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI"


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def tee(shop_a):
    product = product_with_matrix(
        shop=shop_a, title="纯棉T恤", colors=("黑", "白"), sizes=("M", "L"), stock=80
    )
    add_image(product)
    return product


def sku(product, spec="颜色:黑 尺码:M"):
    return product.skus.get(spec_text=spec)


def reviewed(shop, product, n, *, rating=5, spec="颜色:黑 尺码:M", **extra):
    made = []
    for i in range(n):
        order = completed_order(shop=shop, user=buyer(f"顾客{i}"), skus=[sku(product, spec)])
        made.append(review(order, rating=rating, **extra))
    return made


def test_the_product_page_shows_the_figures_and_the_latest_reviews(client, shop_a, tee):
    page = text(client.get(f"/s/shop-a/p/{tee.pk}/"))
    assert "暂无评价" in page and "只有在本店购买并确认收货的顾客才能评价" in page
    reviewed(shop_a, tee, 2, rating=5, photos=[photo()])
    reviewed(shop_a, tee, 1, rating=2, spec="颜色:白 尺码:L", text="偏小一码，建议买大。")
    latest = review(completed_order(shop=shop_a, user=buyer("王五"), skus=[sku(tee)]), rating=4, anonymous=True,
                    text="最新的一条评价")  # fmt: skip
    cache.clear()
    page = text(client.get(f"/s/shop-a/p/{tee.pk}/", HTTP_USER_AGENT=WECHAT_UA))
    panel = page[page.index('id="reviews"') :]
    assert (
        "商品评价（4）" in panel
        and ">4.0<" in panel
        and "好评率 75%" in panel
        and "有图 2 条 · 占 50%" in panel
    )
    assert panel.index("最新的一条评价") < panel.index("偏小一码")  # newest first, three of them
    assert "已购 颜色:黑 尺码:M" in panel and "已购 颜色:白 尺码:L" in panel
    assert "王**" in panel and "王五" not in panel
    assert panel.count('class="review"') == 3
    assert f"/s/shop-a/p/{tee.pk}/reviews/" in panel and latest.pk


def test_the_product_pages_queries_do_not_grow_with_the_reviews(client, shop_a, tee):
    other = product_with_matrix(shop=shop_a, title="另一件T恤", colors=("黑",), sizes=("M",), stock=80)
    add_image(other)
    reviewed(shop_a, other, 1, photos=[photo()])
    reviewed(shop_a, tee, 12, photos=[photo(), photo()])
    counts = []
    for product in (other, tee):
        cache.clear()
        counts.append(queries(client, f"/s/shop-a/p/{product.pk}/"))
    assert counts[0] == counts[1], counts
    client.force_login(
        buyer()
    )  # a signed-in shopper's copy, built cold (their session too): the same either way
    signed_in = []
    for product in (other, tee):
        cache.clear()
        signed_in.append(queries(client, f"/s/shop-a/p/{product.pk}/"))
    assert signed_in[0] == signed_in[1], signed_in


def test_a_review_and_a_hide_rebuild_that_products_cached_page_only(
    client, shop_a, tee, merchant_a, django_capture_on_commit_callbacks
):
    other = make_product(shop=shop_a, title="帆布包", stock=10)
    order = completed_order(shop=shop_a, user=buyer("赵六"), skus=[sku(tee)])
    cache.clear()
    page, other_page = f"/s/shop-a/p/{tee.pk}/", f"/s/shop-a/p/{other.pk}/"
    assert "暂无评价" in text(client.get(page)) and client.get(other_page).status_code == 200
    version = storefront_version("shop-a")
    with django_capture_on_commit_callbacks(execute=True):
        made = review(order, text="刚收到，很喜欢这件")
    assert "刚收到，很喜欢这件" in text(client.get(page))
    assert storefront_version("shop-a") == version  # the shop's other pages stay cached
    assert queries(client, other_page) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.review_reply(shop=shop_a, review_id=made.pk, text="谢谢赵先生的支持", actor=merchant_a)
    assert "谢谢赵先生的支持" in text(client.get(page))
    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(shop=shop_a, review_id=made.pk, reason="测试隐藏", actor=merchant_a)
    body = text(client.get(page))
    assert "刚收到，很喜欢这件" not in body and "暂无评价" in body
    assert storefront_version("shop-a") == version and queries(client, other_page) == 0


def test_the_review_list_filters_and_pages(client, shop_a, tee):
    reviewed(shop_a, tee, 11, rating=5)
    reviewed(shop_a, tee, 2, rating=4, photos=[photo()])
    reviewed(shop_a, tee, 3, rating=1, text="差评：线头很多。")
    url = f"/s/shop-a/p/{tee.pk}/reviews/"
    page = text(client.get(url, HTTP_USER_AGENT=WECHAT_UA))
    assert "全部 16" in page and "有图 2" in page and "差评 3" in page and "好评 13" in page
    assert page.count('class="review"') == 10 and "1 / 2" in page
    assert text(client.get(url, {"page": "2"})).count('class="review"') == 6
    photos = text(client.get(url, {"f": "photos"}))
    assert photos.count('class="review"') == 2 and photos.count('class="rphotos"') == 2
    low = text(client.get(url, {"f": "low"}))
    assert low.count('class="review"') == 3 and low.count("差评：线头很多。") == 3
    assert text(client.get(url, {"f": "nonsense"})).count('class="review"') == 10  # all
    assert client.get(url, {"page": "５"}).status_code == 404
    assert client.get(f"/s/shop-b/p/{tee.pk}/reviews/").status_code == 404


def test_the_review_lists_queries_do_not_grow(client, shop_a, tee):
    reviewed(shop_a, tee, 1, photos=[photo()])
    counts = []
    for extra in (0, 8):
        reviewed(shop_a, tee, extra, photos=[photo(), photo()])
        cache.clear()
        counts.append(queries(client, f"/s/shop-a/p/{tee.pk}/reviews/"))
    assert counts[0] == counts[1], counts


def test_a_buyer_reviews_from_the_order_page_through_the_form(client, shop_a, tee):
    user = buyer("钱七")
    order = completed_order(shop=shop_a, user=user, skus=[sku(tee), sku(tee, "颜色:白 尺码:L")])
    first, second = order.lines.order_by("pk")
    client.force_login(user)
    detail = text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    form_url = f"/s/shop-a/orders/{order.order_no}/review/{first.pk}/"
    assert "去评价（2 件）" in detail and form_url in detail
    form = text(client.get(form_url, HTTP_USER_AGENT=WECHAT_UA))
    assert "已购 颜色:黑 尺码:M" in form and "匿名评价（显示为“钱**”）" in form
    assert 'name="rating" value="5" id="star-5" checked' in form and 'enctype="multipart/form-data"' in form
    # the browser's own file input is there (without JavaScript it is all there is); the script puts
    # a Chinese button over it
    assert 'type="file" name="photos"' in form and "h5/review.js" in form and "＋ 添加图片" in form
    # bad input comes back with every problem and nothing saved
    response = client.post(form_url, {"rating": "9", "text": "好"})
    body = text(response)
    assert "请选择 1–5 星评分。" in body and "评价内容至少 5 个字" in body and not Review.objects.exists()
    response = client.post(
        form_url,
        {"rating": "4", "text": "颜色很正，面料舒服。", "is_anonymous": "on", "photos": [photo(), photo()]},
    )
    assert (
        response.status_code == 302
        and response.url == f"/s/shop-a/orders/{order.order_no}/review/{second.pk}/"
    )
    made = Review.objects.get(order_line=first)
    assert (made.rating, made.is_anonymous, made.author_name, made.photo_count) == (4, True, "钱**", 2)
    response = client.post(
        f"/s/shop-a/orders/{order.order_no}/review/{second.pk}/", {"rating": "5", "text": "也很好很好"}
    )
    assert response.url == "/s/shop-a/reviews/?tab=done"
    assert "去评价" not in text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    # a reviewed line's form goes back to the order page and says why
    response = client.get(form_url, follow=True)
    assert "这件商品已经评价过了。" in text(response)


def test_another_shoppers_line_is_a_404_and_an_open_order_has_no_form(client, shop_a, tee):
    order = completed_order(shop=shop_a, user=buyer(), skus=[sku(tee)])
    url = f"/s/shop-a/orders/{order.order_no}/review/{order.lines.get().pk}/"
    assert client.get(url).status_code == 302  # to the login page
    someone = buyer("孙八")
    client.force_login(someone)
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "1", "text": "别人的订单我来差评"}).status_code == 404
    mine = completed_order(shop=shop_a, user=someone, skus=[sku(tee)], complete=False)
    response = client.get(f"/s/shop-a/orders/{mine.order_no}/review/{mine.lines.get().pk}/", follow=True)
    assert "订单完成（确认收货）后才能评价。" in text(response)
    assert not Review.objects.exists()


def test_pending_and_my_reviews_and_the_member_centre(client, shop_a, tee, merchant_a):
    user = buyer("周九")
    done = completed_order(shop=shop_a, user=user, skus=[sku(tee)])
    waiting = completed_order(shop=shop_a, user=user, skus=[sku(tee, "颜色:白 尺码:L")])
    made = review(done, text="第一条评价内容", rating=1)
    services.review_reply(shop=shop_a, review_id=made.pk, text="已为您补发", actor=merchant_a)
    services.review_hide(shop=shop_a, review_id=made.pk, reason="含有联系方式", actor=merchant_a)
    client.force_login(user)
    me = text(client.get("/s/shop-a/me/"))
    assert "我的评价（1 件待评价）" in me
    pending = text(client.get("/s/shop-a/reviews/"))
    assert (
        "待评价 1" in pending and f"/orders/{waiting.order_no}/review/" in pending and "前可评价" in pending
    )
    mine = text(client.get("/s/shop-a/reviews/?tab=done"))
    assert "第一条评价内容" in mine and "已为您补发" in mine
    assert "这条评价已被隐藏" in mine and "原因：含有联系方式" in mine  # its author still sees it, and why
    assert "第一条评价内容" not in text(client.get(f"/s/shop-a/p/{tee.pk}/reviews/"))


def test_every_page_has_its_chinese_title_and_no_english(client, shop_a, tee):
    user = buyer()
    order = completed_order(shop=shop_a, user=user, skus=[sku(tee)])
    review(order, photos=[photo()])
    other = completed_order(shop=shop_a, user=user, skus=[sku(tee)])
    client.force_login(user)
    for url in (f"/s/shop-a/p/{tee.pk}/reviews/", "/s/shop-a/reviews/", "/s/shop-a/reviews/?tab=done",
                f"/s/shop-a/orders/{other.order_no}/review/{other.lines.get().pk}/"):  # fmt: skip
        body = text(client.get(url))
        visible = re.sub(r"<[^>]+>", " ", body.split("<main>")[1].split("</main>")[0])
        assert not re.search(r"\b(Review|Rating|Submit|Photos|None)\b", visible), (url, visible)


def test_anonymous_review_pages_never_write(client, shop_a, tee):
    reviewed(shop_a, tee, 2, photos=[photo()])
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        for url in (
            f"/s/shop-a/p/{tee.pk}/",
            f"/s/shop-a/p/{tee.pk}/reviews/",
            f"/s/shop-a/p/{tee.pk}/reviews/?f=low",
        ):
            assert client.get(url).status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == [] and "sessionid" not in client.cookies
    assert queries(client, f"/s/shop-a/p/{tee.pk}/reviews/") == 0  # the second view is cached

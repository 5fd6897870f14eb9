"""The demo shop has reviews of 纯棉圆领T恤 from buyers of completed orders: one with a photo and the
shop's reply, one anonymous; a second load adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import OrderStatus
from reviews.models import ProductRating, Review

pytestmark = pytest.mark.django_db


def test_the_demo_shop_has_reviews_by_buyers(client):
    call_command("load_demo", stdout=StringIO())
    reviews = list(Review.objects.select_related("order", "product").order_by("pk"))
    assert len(reviews) == 3 and {r.product.title for r in reviews} == {"纯棉圆领T恤"}
    assert all(r.order.status == OrderStatus.COMPLETED and r.order.user_id == r.user_id for r in reviews)
    assert reviews[0].photo_count == 1 and reviews[0].reply and reviews[2].author_name == "陈**"
    rating = ProductRating.objects.get(product=reviews[0].product)
    assert (rating.review_count, rating.average, rating.photo_count) == (3, "3.7", 1)
    page = client.get(f"/s/demo/p/{reviews[0].product_id}/").content.decode()
    assert "商品评价（3）" in page and "已购 颜色:白 尺码:M" in page and "商家回复：" in page
    call_command("load_demo", stdout=StringIO())
    assert Review.objects.count() == 3

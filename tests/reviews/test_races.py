"""Reviews under concurrency, on PostgreSQL with real concurrent connections (tests/concurrency.py):
ten submissions of one line at once give one review (the others ``review_exists``) and move the
figures once; reviews of many lines of one product at once all count; hiding twice at once moves
the figures once."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from reviews import services
from reviews.models import ProductRating, Review
from tests.concurrency import run_at_once
from tests.factories import make_product
from tests.reviews.helpers import buyer, completed_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def submit(order, line_id, rating):
    return services.review_create(
        shop=order.shop, user=order.user, order_no=order.order_no, line_id=line_id, rating=rating,
        text="同时提交的评价内容",
    )  # fmt: skip


def test_ten_submissions_of_one_line_at_once_give_one_review(shop_a):
    sku = make_product(shop=shop_a, title="保温杯", stock=20).skus.get()
    order = completed_order(shop=shop_a, user=buyer(), skus=[sku])
    line = order.lines.get()
    results = run_at_once(submit, [(order, line.pk, 1 + n % 5) for n in range(10)])
    made = [r for r in results if isinstance(r, Review)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(made) == 1, results
    assert len(refused) == 9 and {r.code for r in refused} == {"review_exists"}, results
    assert Review.objects.filter(order_line=line).count() == 1
    rating = ProductRating.objects.get(product=sku.product)
    assert (rating.review_count, rating.rating_total) == (1, made[0].rating)


def test_reviews_of_many_lines_of_one_product_at_once_all_count(shop_a):
    sku = make_product(shop=shop_a, title="保温杯", stock=50).skus.get()
    orders = [completed_order(shop=shop_a, user=buyer(), skus=[sku]) for _ in range(8)]
    results = run_at_once(submit, [(order, order.lines.get().pk, 4) for order in orders])
    assert all(isinstance(r, Review) for r in results), results
    rating = ProductRating.objects.get(product=sku.product)
    assert (rating.review_count, rating.rating_total, rating.good_count) == (8, 32, 8)


def test_hiding_twice_at_once_moves_the_figures_once(shop_a, merchant_a):
    sku = make_product(shop=shop_a, title="保温杯", stock=20).skus.get()
    first = completed_order(shop=shop_a, user=buyer(), skus=[sku])
    second = completed_order(shop=shop_a, user=buyer(), skus=[sku])
    target = submit(first, first.lines.get().pk, 1)
    submit(second, second.lines.get().pk, 5)

    def hide(reason):
        return services.review_hide(shop=shop_a, review_id=target.pk, reason=reason, actor=merchant_a)

    results = run_at_once(hide, [("恶意差评一",), ("恶意差评二",)])
    assert sum(isinstance(r, Review) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, ApplicationError)] == ["review_hidden"]
    rating = ProductRating.objects.get(product=sku.product)
    assert (rating.review_count, rating.rating_total, rating.low_count) == (1, 5, 0)

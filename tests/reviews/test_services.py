"""The review rules, through the services (docs/after-sales.md#reviews): only the buyer of a
completed line, once, within the shop's window, not for a line refunded in full; stars, text and
photos checked; anonymous reviews masked; the merchant's one reply and hiding with a reason; the
operator's restoring; the product's rolled-up figures kept exact by every step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import ApplicationError, NotFoundError
from orders import services as order_services
from orders.models import Order
from reviews import services
from reviews.models import ProductRating, Review, ReviewPhoto, ReviewSettings
from tests.factories import make_product, product_with_matrix
from tests.reviews.helpers import buyer, completed_order, photo, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(shop_a):
    return product_with_matrix(shop=shop_a, title="纯棉T恤", colors=("黑", "白"), sizes=("M", "L"), stock=50)


def sku_of(product, text):
    return product.skus.get(spec_text=text)


def figures(product) -> tuple[int, int, int, int, int]:
    row = ProductRating.objects.filter(product=product).first()
    if row is None:
        return (0, 0, 0, 0, 0)
    return (row.review_count, row.rating_total, row.photo_count, row.good_count, row.low_count)


def codes(call) -> str:
    with pytest.raises(ApplicationError) as exc:
        call()
    return exc.value.code


def test_the_buyer_reviews_a_completed_line_once(shop_a, tee):
    user = buyer("张三丰")
    order = completed_order(shop=shop_a, user=user, skus=[sku_of(tee, "颜色:黑 尺码:M")])
    made = review(order, rating=4, text="  面料厚实，\r\n洗了不缩水。  ")
    found = Review.objects.get(pk=made.pk)
    assert (found.user, found.product_id, found.order_id, found.rating) == (user, tee.pk, order.pk, 4)
    assert found.text == "面料厚实，\n洗了不缩水。" and found.spec_text == "颜色:黑 尺码:M"
    assert found.author_name == "张三丰" and not found.is_anonymous and not found.is_hidden
    assert figures(tee) == (1, 4, 0, 1, 0)
    assert codes(lambda: review(order)) == "review_exists"
    assert Review.objects.count() == 1 and figures(tee) == (1, 4, 0, 1, 0)


def test_each_line_of_an_order_is_reviewed_on_its_own(shop_a, tee):
    order = completed_order(
        shop=shop_a, user=buyer(), skus=[sku_of(tee, "颜色:黑 尺码:M"), sku_of(tee, "颜色:白 尺码:L")]
    )
    first, second = order.lines.order_by("pk")
    review(order, line=first, rating=5)
    review(order, line=second, rating=1, text="洗一次就起球了。")
    assert figures(tee) == (2, 6, 0, 1, 1)
    rating = ProductRating.objects.get(product=tee)
    assert (rating.average, rating.good_percent) == ("3.0", 50)


def test_only_the_buyer_of_a_completed_order_may_review(shop_a, shop_b, tee):
    owner = buyer()
    order = completed_order(shop=shop_a, user=owner, skus=[tee.skus.first()])
    line = order.lines.get()
    stranger = buyer("李四")
    with pytest.raises(NotFoundError) as exc:
        services.review_create(shop=shop_a, user=stranger, order_no=order.order_no, line_id=line.pk, rating=5,
                               text="我没买过但是很好")  # fmt: skip
    assert exc.value.code == "order_not_found"
    with pytest.raises(NotFoundError):  # the buyer, through another shop
        services.review_create(shop=shop_b, user=owner, order_no=order.order_no, line_id=line.pk, rating=5,
                               text="换个店铺试试看")  # fmt: skip
    other = completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.last()])
    with pytest.raises(NotFoundError) as exc:  # a line of another order, on one's own order
        services.review_create(shop=shop_a, user=owner, order_no=order.order_no, line_id=other.lines.get().pk,
                               rating=5, text="别人的订单商品")  # fmt: skip
    assert exc.value.code == "order_line_not_found"
    assert not Review.objects.exists()


@pytest.mark.parametrize("stage", ["pending_payment", "paid", "shipped"])
def test_an_order_not_completed_may_not_be_reviewed(shop_a, tee, stage):
    user = buyer()
    order = order_services.order_place(shop=shop_a, user=user, items=[(tee.skus.first().pk, 1)],
                                       address_id=user.address_id)  # fmt: skip
    if stage != "pending_payment":
        order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    if stage == "shipped":
        order_services.order_ship(shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="SF1234567890",
                                  actor=None)  # fmt: skip
    order = Order.objects.get(pk=order.pk)
    error = codes(lambda: review(order))
    assert error == "review_not_allowed"
    assert not Review.objects.exists()


def test_the_window_is_the_shops_setting_after_completion(shop_a, tee):
    order = completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()])
    Order.objects.filter(pk=order.pk).update(completed_at=timezone.now() - timedelta(days=16))
    assert codes(lambda: review(order)) == "review_expired"  # default: 15 days
    ReviewSettings.objects.create(shop=shop_a, window_days=30)
    review(order)
    assert Review.objects.count() == 1


def test_a_line_refunded_in_full_may_not_be_reviewed_a_partly_refunded_one_may(shop_a, merchant_a):
    one = make_product(shop=shop_a, title="帆布包", price_fen=5000, stock=20).skus.get()
    two = make_product(shop=shop_a, title="水杯", price_fen=3000, stock=20).skus.get()
    order = completed_order(shop=shop_a, user=buyer(), skus=[one, two], quantity=2)
    bag, cup = order.lines.order_by("pk")
    for line, units in ((bag, 2), (cup, 1)):
        asked = order_services.after_sale_request(order=order, user=order.user, kind="refund_only", reason="不想要了",
                                                  lines=[(line.pk, units)])  # fmt: skip
        order_services.after_sale_approve(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a)
    order.refresh_from_db()
    assert order.status == "completed"
    assert codes(lambda: review(order, line=bag)) == "review_refunded"
    review(order, line=cup)
    assert list(Review.objects.values_list("order_line", flat=True)) == [cup.pk]


@pytest.mark.parametrize(
    ("rating", "text", "code"),
    [(0, "质量很好，很满意", "review_rating_invalid"), (6, "质量很好，很满意", "review_rating_invalid"),
     (True, "质量很好，很满意", "review_rating_invalid"), ("5", "质量很好，很满意", "review_rating_invalid"),
     (5, "很好", "review_text_too_short"), (5, "  好 \x00\x01  ", "review_text_too_short"),
     (5, "好" * 501, "review_text_too_long")],
)  # fmt: skip
def test_stars_and_text_are_checked(shop_a, tee, rating, text, code):
    order = completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()])
    assert codes(lambda: review(order, rating=rating, text=text)) == code
    assert not Review.objects.exists() and figures(tee) == (0, 0, 0, 0, 0)


def test_control_characters_are_dropped(shop_a, tee):
    order = completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()])
    made = review(order, text="很好\x00很好\t很好\n\n\n\n下次还来")
    assert Review.objects.get(pk=made.pk).text == "很好很好很好\n\n下次还来"


def test_up_to_six_photos_each_under_the_upload_rule(shop_a, tee):
    order = completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()])
    assert codes(lambda: review(order, photos=[photo() for _ in range(7)])) == "too_many_photos"
    not_an_image = SimpleUploadedFile("晒图.jpg", b"<html>not a picture</html>", content_type="image/jpeg")
    assert codes(lambda: review(order, photos=[photo(), not_an_image])) == "photo_invalid"
    tiny = photo(size=50)
    assert codes(lambda: review(order, photos=[tiny])) == "photo_invalid"
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
    made = review(order, photos=[photo(), photo("b.png", color=(10, 10, 200))], rating=3)
    photos = list(made.photos.order_by("position"))
    assert [p.position for p in photos] == [0, 1] and made.photo_count == 2
    for stored in photos:
        assert stored.image.name.startswith("reviews/") and stored.image.name.endswith(
            ".jpg"
        )  # re-encoded, renamed
        assert stored.thumb.width == 240 and stored.thumb.height == 240
        assert max(stored.large.width, stored.large.height) <= 1080
    assert figures(tee) == (1, 3, 1, 0, 0)


def test_an_anonymous_review_is_shown_masked(shop_a, tee):
    named = completed_order(shop=shop_a, user=buyer("张三丰"), skus=[tee.skus.first()])
    assert review(named, anonymous=True).author_name == "张**"
    nameless = completed_order(shop=shop_a, user=buyer(""), skus=[tee.skus.first()])
    assert review(nameless).author_name == "微信用户"  # never the login name
    hidden = completed_order(shop=shop_a, user=buyer(""), skus=[tee.skus.last()])
    assert review(hidden, anonymous=True).author_name == "微**"


def test_the_merchant_replies_once(shop_a, tee, merchant_a):
    made = review(completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()]))
    assert codes(
        lambda: services.review_reply(shop=shop_a, review_id=made.pk, text="  ", actor=merchant_a)
    ) == ("reply_required")
    services.review_reply(shop=shop_a, review_id=made.pk, text="感谢支持！", actor=merchant_a)
    assert codes(
        lambda: services.review_reply(shop=shop_a, review_id=made.pk, text="改一下", actor=merchant_a)
    ) == ("review_replied")
    found = Review.objects.get(pk=made.pk)
    assert (found.reply, found.replied_by) == ("感谢支持！", merchant_a) and found.replied_at is not None


def test_another_shop_cannot_reply_or_hide(shop_a, shop_b, tee, merchant_b):
    made = review(completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()]))
    for call in (
        lambda: services.review_reply(shop=shop_b, review_id=made.pk, text="乙店回复", actor=merchant_b),
        lambda: services.review_hide(shop=shop_b, review_id=made.pk, reason="乙店隐藏", actor=merchant_b),
    ):
        assert codes(call) == "review_not_found"
    found = Review.objects.get(pk=made.pk)
    assert found.reply == "" and not found.is_hidden


def test_hiding_needs_a_reason_and_leaves_the_figures(shop_a, tee, merchant_a, operator):
    made = review(completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()]), rating=1,
                  text="假货，别买！！", photos=[photo()])  # fmt: skip
    review(completed_order(shop=shop_a, user=buyer(), skus=[tee.skus.first()]), rating=5)
    assert figures(tee) == (2, 6, 1, 1, 1)
    hide = services.review_hide
    assert (
        codes(lambda: hide(shop=shop_a, review_id=made.pk, reason=" ", actor=merchant_a))
        == "hide_reason_required"
    )
    hide(shop=shop_a, review_id=made.pk, reason="恶意差评，已联系平台", actor=merchant_a)
    assert figures(tee) == (1, 5, 0, 1, 0)
    assert (
        codes(lambda: hide(shop=shop_a, review_id=made.pk, reason="再隐藏一次", actor=merchant_a))
        == "review_hidden"
    )
    found = Review.objects.get(pk=made.pk)
    assert (found.is_hidden, found.hidden_reason, found.hidden_by) == (
        True,
        "恶意差评，已联系平台",
        merchant_a,
    )
    # only the operator restores; the reason stays on record, and the merchant may not hide it again
    assert (
        codes(lambda: services.review_restore(shop=shop_a, review_id=made.pk, actor=merchant_a))
        == "operator_only"
    )
    services.review_restore(shop=shop_a, review_id=made.pk, actor=operator)
    assert figures(tee) == (2, 6, 1, 1, 1)
    found.refresh_from_db()
    assert (
        not found.is_hidden
        and found.hidden_reason == "恶意差评，已联系平台"
        and found.restored_by == operator
    )
    assert (
        codes(lambda: hide(shop=shop_a, review_id=made.pk, reason="还是要隐藏", actor=merchant_a))
        == "review_restored"
    )
    hide(shop=shop_a, review_id=made.pk, reason="平台核实：含他人电话", actor=operator)  # the operator may
    assert figures(tee) == (1, 5, 0, 1, 0)
    assert codes(lambda: services.review_restore(shop=shop_a, review_id=made.pk + 99, actor=operator)) == (
        "review_not_found"
    )

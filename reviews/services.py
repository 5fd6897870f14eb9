"""Every write of reviews (docs/after-sales.md#reviews): the buyer writes a review of a completed
line, once; the merchant replies once and may hide one with a reason; the platform operator hides
or restores. A review's rating, text and photos are never changed afterwards, and no merchant path
creates one.

Each function runs in a transaction and moves the product's figures (``ProductRating``) in it, by
conditional updates that hold under concurrency without a lock: the review's unique line makes a
second review of the same line fail in the database (10 submissions at once give one review,
tests/reviews/test_races.py), and hiding, restoring and replying update a row only from the state
they were read in, so two at once move the figures once. After commit the product's cached page
is rebuilt (``catalog.ports.product_page_changed``: that product only, not the shop).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import photo_uploads_take
from catalog.ports import product_page_changed
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from core.masking import mask_name  # an anonymous buyer as shoppers see them (张**, 微**)
from core.uploads import validate_image_file
from orders.models import Order, OrderLine, OrderStatus
from reviews import selectors
from reviews.images import review_photo_copies
from reviews.models import (
    GOOD_FROM,
    HIDE_REASON_MAX,
    HIDE_REASON_MIN,
    LOW_UP_TO,
    MAX_PHOTOS,
    REPLY_MAX,
    TEXT_MAX,
    TEXT_MIN,
    ProductRating,
    Review,
    ReviewPhoto,
)
from shop.models import Shop

# Control characters other than a line break (PostgreSQL refuses NUL; none belongs in a review).
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def clean_text(raw: str) -> str:
    """Text as stored: line breaks kept (CRLF becomes LF), control characters dropped, at most two
    blank lines in a row, surrounding space stripped."""
    text = CONTROL.sub("", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def author_name(*, user: User, anonymous: bool) -> str:
    """The name a review shows, fixed when it is written: the buyer's nickname (微信用户 without
    one: never their login name), masked when they chose to be anonymous."""
    name = (user.nickname or "").strip() or _("微信用户")
    return mask_name(name) if anonymous else name[:64]


def _figures_move(*, review: Review, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) ``review`` from its product's figures, in the caller's
    transaction: the row is made if missing (a concurrent maker wins quietly), then moved by one
    conditional update, which serialises writers on the row (no read-modify-write)."""
    ProductRating.objects.bulk_create(
        [ProductRating(shop_id=review.shop_id, product_id=review.product_id)], ignore_conflicts=True
    )
    ProductRating.objects.filter(product_id=review.product_id).update(
        review_count=F("review_count") + sign,
        rating_total=F("rating_total") + sign * review.rating,
        photo_count=F("photo_count") + (sign if review.photo_count else 0),
        good_count=F("good_count") + (sign if review.rating >= GOOD_FROM else 0),
        low_count=F("low_count") + (sign if review.rating <= LOW_UP_TO else 0),
        updated_at=timezone.now(),
    )


def _page_changed(*, shop: Shop, review: Review) -> None:
    product_page_changed(shop_slug=shop.slug, product_id=review.product_id)


def _check_rating(rating: Any) -> int:
    if not is_int(rating) or not 1 <= rating <= 5:
        message = _("请选择 1–5 星评分。")
        raise ApplicationError("review_rating_invalid", message, fields={"rating": [message]})
    return int(rating)


def _check_text(raw: str) -> str:
    text = clean_text(raw)
    if len(text) < TEXT_MIN:
        message = _("评价内容至少 %(n)d 个字，说说商品怎么样吧。") % {"n": TEXT_MIN}
        raise ApplicationError("review_text_too_short", message, fields={"text": [message]})
    if len(text) > TEXT_MAX:
        message = _("评价内容最多 %(n)d 个字（现在 %(m)d 个）。") % {"n": TEXT_MAX, "m": len(text)}
        raise ApplicationError("review_text_too_long", message, fields={"text": [message]})
    return text


def _check_photos(photos: Sequence[File[Any]], *, uploads: int = 0) -> None:
    if len(photos) + uploads > MAX_PHOTOS:
        message = _("最多上传 %(n)d 张图片。") % {"n": MAX_PHOTOS}
        raise ApplicationError("too_many_photos", message, fields={"photos": [message]})
    for photo in photos:
        try:
            validate_image_file(photo)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            raise ApplicationError("photo_invalid", message, fields={"photos": [message]}) from exc


def review_line_check(*, shop: Shop, user: User, order_no: str, line_id: int) -> tuple[Order, OrderLine]:
    """The order and line ``user`` may review now, or the reason they may not (404 for an order or
    line that is not theirs; 409 for one not reviewable now). No write."""
    order = Order.objects.filter(shop=shop, user=user, order_no=order_no).first()
    if order is None:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    line = order.lines.select_related("sku").filter(pk=line_id).first() if is_int(line_id) else None
    if line is None:
        raise NotFoundError("order_line_not_found", _("订单中没有这件商品。"))
    if order.status != OrderStatus.COMPLETED:
        raise ApplicationError("review_not_allowed", _("订单完成（确认收货）后才能评价。"), http_status=409)
    days = selectors.review_window_days(shop=shop)
    deadline = selectors.review_deadline(completed_at=order.completed_at, window_days=days)
    if deadline is None or deadline <= timezone.now():
        raise ApplicationError(
            "review_expired", _("已超过评价期限（订单完成后 %(n)d 天内可评价）。") % {"n": days},
            http_status=409,
        )  # fmt: skip
    if Review.objects.filter(order_line=line).exists():
        raise ApplicationError("review_exists", _("这件商品已经评价过了。"), http_status=409)
    if selectors.line_refunded_in_full(line=line):
        raise ApplicationError("review_refunded", _("这件商品已全部退款，不能评价。"), http_status=409)
    return order, line


@transaction.atomic
def review_create(
    *,
    shop: Shop,
    user: User,
    order_no: str,
    line_id: int,
    rating: int,
    text: str,
    is_anonymous: bool = False,
    photos: Sequence[File[Any]] = (),
    photo_ids: Sequence[int] = (),
) -> Review:
    """The buyer reviews one line of their completed order: 1–5 stars, 5–500 characters, up to six
    photos (each under the upload rule: sent with the review, or uploaded before and named by
    ``photo_ids``, which the review takes over: ``accounts.services.photo_uploads_take``),
    optionally anonymous (shown masked: 张**). Once per line, within the shop's window after
    completion, not for a line refunded in full."""
    order, line = review_line_check(shop=shop, user=user, order_no=order_no, line_id=line_id)
    rating = _check_rating(rating)
    text = _check_text(text)
    _check_photos(photos, uploads=len(photo_ids))
    uploaded = photo_uploads_take(shop=shop, user=user, photo_ids=photo_ids)
    review = Review(
        shop=shop, product_id=line.sku.product_id, order=order, order_line=line, user=user, rating=rating,
        text=text, is_anonymous=bool(is_anonymous), author_name=author_name(user=user, anonymous=bool(is_anonymous)),
        spec_text=line.spec_text, photo_count=len(photos) + len(uploaded),
    )  # fmt: skip
    try:
        with transaction.atomic():  # a savepoint: the losing one of two at once rolls back alone
            review.save(force_insert=True)
    except IntegrityError as exc:
        if Review.objects.filter(order_line=line).exists():
            raise ApplicationError("review_exists", _("这件商品已经评价过了。"), http_status=409) from exc
        raise
    for position, upload in enumerate(photos):
        photo = ReviewPhoto(shop=shop, review=review, position=position)
        thumb, large = review_photo_copies(upload)
        photo.image.save(getattr(upload, "name", "") or "photo.jpg", upload, save=False)
        photo.thumb.save(thumb.name or "t.jpg", thumb, save=False)
        photo.large.save(large.name or "l.jpg", large, save=False)
        photo.save()
    for position, name in enumerate(uploaded, start=len(photos)):
        photo = ReviewPhoto(shop=shop, review=review, position=position, image=name)  # the upload's file
        with default_storage.open(name, "rb") as stored:
            thumb, large = review_photo_copies(stored)
        photo.thumb.save(thumb.name or "t.jpg", thumb, save=False)
        photo.large.save(large.name or "l.jpg", large, save=False)
        photo.save()
    _figures_move(review=review, sign=1)
    _page_changed(shop=shop, review=review)
    return review


def _review_of_shop(*, shop: Shop, review_id: int) -> Review:
    review = Review.objects.filter(shop=shop, pk=review_id).first() if is_int(review_id) else None
    if review is None:
        raise NotFoundError("review_not_found", _("评价不存在。"))
    return review


@transaction.atomic
def review_reply(*, shop: Shop, review_id: int, text: str, actor: User | None) -> Review:
    """The merchant's public reply, shown under the review: once (it is never edited)."""
    review = _review_of_shop(shop=shop, review_id=review_id)
    reply = clean_text(text)
    if not reply:
        message = _("请填写回复内容。")
        raise ApplicationError("reply_required", message, fields={"reply": [message]})
    if len(reply) > REPLY_MAX:
        message = _("回复最多 %(n)d 个字（现在 %(m)d 个）。") % {"n": REPLY_MAX, "m": len(reply)}
        raise ApplicationError("reply_too_long", message, fields={"reply": [message]})
    now = timezone.now()
    done = Review.objects.filter(pk=review.pk, reply="").update(
        reply=reply, replied_at=now, replied_by=actor, updated_at=now
    )
    if not done:
        raise ApplicationError("review_replied", _("这条评价已经回复过了，回复不能修改。"), http_status=409)
    review.refresh_from_db()
    if not review.is_hidden:
        _page_changed(shop=shop, review=review)
    return review


@transaction.atomic
def review_hide(*, shop: Shop, review_id: int, reason: str, actor: User) -> Review:
    """Take a review off the product page and out of its figures, with a reason the platform
    operator sees (and the buyer, on their own review). A merchant may not hide a review the
    operator restored; the operator (a superuser) may hide any."""
    review = _review_of_shop(shop=shop, review_id=review_id)
    reason = clean_text(reason).replace("\n", " ")
    if len(reason) < HIDE_REASON_MIN:
        message = _("请填写隐藏原因（至少 %(n)d 个字），平台会看到它。") % {"n": HIDE_REASON_MIN}
        raise ApplicationError("hide_reason_required", message, fields={"reason": [message]})
    if len(reason) > HIDE_REASON_MAX:
        message = _("隐藏原因最多 %(n)d 个字。") % {"n": HIDE_REASON_MAX}
        raise ApplicationError("hide_reason_too_long", message, fields={"reason": [message]})
    if review.restored_at is not None and not actor.is_superuser:
        raise ApplicationError(
            "review_restored",
            _("平台已恢复这条评价，商家不能再次隐藏；如有异议请联系平台。"),
            http_status=409,
        )
    now = timezone.now()
    done = Review.objects.filter(pk=review.pk, is_hidden=False).update(
        is_hidden=True, hidden_reason=reason, hidden_at=now, hidden_by=actor, updated_at=now
    )
    if not done:
        raise ApplicationError("review_hidden", _("这条评价已经隐藏了。"), http_status=409)
    review.refresh_from_db()
    _figures_move(review=review, sign=-1)
    _page_changed(shop=shop, review=review)
    return review


@transaction.atomic
def review_restore(*, shop: Shop, review_id: int, actor: User) -> Review:
    """The platform operator shows a hidden review again (back on the page and in the figures);
    the merchant's reason stays on record. Only a superuser may."""
    if not (actor.is_active and actor.is_superuser):
        raise ApplicationError("operator_only", _("只有平台运营可以恢复被隐藏的评价。"), http_status=403)
    review = _review_of_shop(shop=shop, review_id=review_id)
    now = timezone.now()
    done = Review.objects.filter(pk=review.pk, is_hidden=True).update(
        is_hidden=False, restored_at=now, restored_by=actor, updated_at=now
    )
    if not done:
        raise ApplicationError("review_not_hidden", _("这条评价没有被隐藏。"), http_status=409)
    review.refresh_from_db()
    _figures_move(review=review, sign=1)
    _page_changed(shop=shop, review=review)
    return review

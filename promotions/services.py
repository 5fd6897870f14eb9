"""Every write of promotions: claiming, sending and opening coupons and red packets, saving a
red-packet pool, giving a coupon back when its unpaid order is cancelled, and the coupons of new
followers of the shop's official account (docs/promotions.md).

Race-proof by conditional updates, as the stock reservation is:

- the total: ``UPDATE coupon SET claimed_count = claimed_count + 1 WHERE claimed_count <
  total_quantity`` — 64 shoppers racing for the last coupon: one gets it, 63 ``coupon_sold_out``;
- the per-shopper limit: a shopper's n-th claim of a coupon is the row ``(coupon, user, seq=n)``,
  unique in the database — 64 racing claims by one shopper of a 1-per-shopper coupon: one row,
  63 ``coupon_limit_reached`` (a loser's insert waits for the winner and then conflicts; it never
  touches the total);
- a red-packet pool is locked while a packet is cut from it (``promotions.locks``), and the cut
  keeps what is left splittable within the bounds (``red_packet_amount``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError, NotFoundError
from orders.models import Order, OrderEvent, OrderStatus
from promotions import locks
from promotions.models import Coupon, CouponClaim, FollowerGrant, RedPacketPool
from promotions.rules import CODE, claim_id_of
from shop.cache import storefront_changed
from shop.models import Shop
from wechat.models import WeChatAccount, WeChatIdentity

D = Coupon.Distribution
SOURCE_OF = {
    D.PUBLIC: CouponClaim.Source.CLAIMED,
    D.SENT: CouponClaim.Source.SENT,
    D.NEW_CUSTOMER: CouponClaim.Source.NEW_CUSTOMER,
    D.FOLLOWER: CouponClaim.Source.FOLLOWER,
    D.RED_PACKET: CouponClaim.Source.RED_PACKET,
}


def _not_found() -> NotFoundError:
    return NotFoundError("coupon_not_found", _("没有找到这张优惠券。"))


def _check_claim_window(coupon: Coupon, *, now: datetime) -> None:
    if not coupon.is_active:
        raise _not_found()
    if now < coupon.claim_starts_at:
        raise ApplicationError("coupon_not_started", _("还没到领取时间。"))
    if now >= coupon.claim_ends_at:
        raise ApplicationError("coupon_expired", _("领取已结束。"))


def coupon_get_for_shop(*, shop: Shop, coupon_id: object) -> Coupon:
    coupon = Coupon.objects.filter(shop=shop, pk=coupon_id).first() if isinstance(coupon_id, int) else None
    if coupon is None:
        raise _not_found()
    return coupon


def _claim_create(
    *, shop: Shop, user: User, coupon: Coupon, source: str, now: datetime, amount_fen: int = 0
) -> CouponClaim:
    """The claim row (per-shopper limit by its unique ``seq``), then one off the total by a
    conditional update. Raises ``coupon_limit_reached`` / ``coupon_sold_out``; inside a transaction."""
    valid_from, valid_until = coupon.claim_validity(now=now)
    claim: CouponClaim | None = None
    for _attempt in range(coupon.per_user_limit + 1):
        held = CouponClaim.objects.filter(coupon=coupon, user=user).aggregate(n=Max("seq"))["n"] or 0
        if held >= coupon.per_user_limit:
            break
        try:
            with transaction.atomic():  # a savepoint: a concurrent claim of the same seq loses here
                claim = CouponClaim.objects.create(
                    shop=shop, coupon=coupon, user=user, seq=held + 1, source=source,
                    amount_fen=amount_fen, valid_from=valid_from, valid_until=valid_until,
                )  # fmt: skip
        except IntegrityError:
            continue
        break
    if claim is None:
        raise ApplicationError(
            "coupon_limit_reached",
            _("这张优惠券每人限领 %(n)s 张，您已领过了。") % {"n": coupon.per_user_limit},
            http_status=409,
        )
    taken = Coupon.objects.filter(pk=coupon.pk, is_active=True, claimed_count__lt=F("total_quantity")).update(
        claimed_count=F("claimed_count") + 1, updated_at=now
    )
    if not taken:
        raise ApplicationError("coupon_sold_out", _("来晚了，优惠券已被领完。"), http_status=409)
    if Coupon.objects.filter(pk=coupon.pk, claimed_count__gte=F("total_quantity")).exists():
        # the last one: the cached pages that list it as claimable are out of date
        transaction.on_commit(lambda: storefront_changed(shop))
    return claim


@transaction.atomic
def coupon_claim(*, shop: Shop, user: User, coupon: Coupon) -> CouponClaim:
    """A shopper claims a coupon shown on the shop's pages (distribution "public")."""
    if coupon.shop_id != shop.pk or coupon.distribution != D.PUBLIC:
        raise _not_found()
    now = timezone.now()
    _check_claim_window(coupon, now=now)
    return _claim_create(shop=shop, user=user, coupon=coupon, source=CouponClaim.Source.CLAIMED, now=now)


@dataclass(frozen=True)
class SendResult:
    sent: int
    already_held: int  # shoppers at their limit
    sold_out: int  # shoppers left without one because none were left


def coupon_send(*, shop: Shop, coupon: Coupon, users: Iterable[User]) -> SendResult:
    """The merchant sends a coupon to chosen shoppers: one each (within the per-shopper limit and
    what is left); each shopper in their own transaction, so one refusal does not undo the others."""
    if coupon.shop_id != shop.pk or coupon.distribution == D.RED_PACKET or not coupon.is_active:
        raise _not_found()
    sent = held = sold_out = 0
    now = timezone.now()
    for user in users:
        try:
            with transaction.atomic():
                _claim_create(shop=shop, user=user, coupon=coupon, source=CouponClaim.Source.SENT, now=now)
        except ApplicationError as exc:
            if exc.code == "coupon_sold_out":
                sold_out += 1
            else:
                held += 1
        else:
            sent += 1
    return SendResult(sent=sent, already_held=held, sold_out=sold_out)


# ---------------------------------------------------------------- red packets


def red_packet_amount(*, remaining_fen: int, remaining_packets: int, min_fen: int, max_fen: int) -> int:
    """One random packet from what is left: the "double mean" method (uniform between the minimum
    and twice the mean of what is left), constrained so that the packets after it can still each
    be within ``min_fen``–``max_fen`` and add up to the rest exactly:

        low  = max(min, remaining − (n − 1) × max)
        high = min(max, remaining − (n − 1) × min, max(low, 2 × remaining ÷ n))

    The last packet is all that is left. Given ``n × min ≤ remaining ≤ n × max`` (checked when the
    pool is saved) that stays true after every packet, so the pool pays out exactly its total,
    never more, and every packet is within its bounds."""
    n = remaining_packets
    if n <= 0 or remaining_fen <= 0:
        raise ValueError("the pool is empty")
    if n == 1:
        return remaining_fen
    low = max(min_fen, remaining_fen - (n - 1) * max_fen)
    high = min(max_fen, remaining_fen - (n - 1) * min_fen, max(low, 2 * remaining_fen // n))
    if high < low:  # only when the pool was saved outside its rule; keep the rest splittable
        high = low
    return low + secrets.randbelow(high - low + 1)


SHARE_SALT = "promotions.red_packet"


def red_packet_share_token(pool: RedPacketPool) -> str:
    """The signed part of the pool's share link (the shop and pool ids inside; no query to check)."""
    return signing.dumps([pool.shop_id, pool.pk], salt=SHARE_SALT, compress=True)


def red_packet_pool_from_token(*, shop: Shop, token: str) -> int:
    try:
        shop_id, pool_id = signing.loads(token, salt=SHARE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise _not_found() from None
    if shop_id != shop.pk or not isinstance(pool_id, int):
        raise _not_found()
    return pool_id


@transaction.atomic
def red_packet_pool_save(*, pool: RedPacketPool) -> RedPacketPool:
    """Create a pool (its remaining set to the whole sum) or save an edit of one not yet opened;
    its coupon can be claimed as many times as there are packets, once per shopper."""
    try:
        pool.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            "invalid",
            " ".join(m for msgs in exc.message_dict.values() for m in msgs),
            fields=exc.message_dict,
        ) from None
    coupon = pool.coupon
    remaining = (pool.total_fen, pool.packet_count)
    if pool.pk is not None:
        before = locks.red_packet_pool_lock(pk=pool.pk)
        opened = before.remaining_packets != before.packet_count
        changed = (before.total_fen, before.packet_count, before.min_fen, before.max_fen) != (
            pool.total_fen, pool.packet_count, pool.min_fen, pool.max_fen
        )  # fmt: skip
        if opened and changed:  # also refused by the model's clean
            raise ApplicationError("red_packet_opened", _("红包已开始发放，不能再改金额和个数。"))
        if opened:
            remaining = (before.remaining_fen, before.remaining_packets)
    pool.remaining_fen, pool.remaining_packets = remaining
    pool.save()
    Coupon.objects.filter(pk=coupon.pk).update(
        total_quantity=F("claimed_count") + pool.remaining_packets, per_user_limit=1
    )
    return pool


@transaction.atomic
def red_packet_open(*, shop: Shop, user: User, pool_id: int) -> CouponClaim:
    """A shopper opens a red packet from its share link: one random packet as a fixed-amount claim
    (once per shopper). The pool is locked while the packet is cut."""
    try:
        pool = locks.red_packet_pool_lock(pk=pool_id)
    except RedPacketPool.DoesNotExist:
        raise _not_found() from None
    if pool.shop_id != shop.pk:
        raise _not_found()
    coupon = Coupon.objects.get(pk=pool.coupon_id)
    now = timezone.now()
    _check_claim_window(coupon, now=now)
    if CouponClaim.objects.filter(coupon=coupon, user=user).exists():
        raise ApplicationError("coupon_limit_reached", _("您已经拆过这个红包了。"), http_status=409)
    if pool.remaining_packets <= 0 or pool.remaining_fen <= 0:
        raise ApplicationError("coupon_sold_out", _("来晚了，红包已被抢完。"), http_status=409)
    amount = red_packet_amount(
        remaining_fen=pool.remaining_fen, remaining_packets=pool.remaining_packets,
        min_fen=pool.min_fen, max_fen=pool.max_fen,
    )  # fmt: skip
    cut = RedPacketPool.objects.filter(
        pk=pool.pk, remaining_fen__gte=amount, remaining_packets__gte=1
    ).update(
        remaining_fen=F("remaining_fen") - amount,
        remaining_packets=F("remaining_packets") - 1,
        updated_at=now,
    )
    if not cut:
        raise ApplicationError("coupon_sold_out", _("来晚了，红包已被抢完。"), http_status=409)
    return _claim_create(
        shop=shop, user=user, coupon=coupon, source=CouponClaim.Source.RED_PACKET, now=now, amount_fen=amount
    )


# ---------------------------------------------------------------- order events


def coupon_order_event_listener(event: OrderEvent) -> None:
    """Registered on the order events port (in the event's transaction). An unpaid order that is
    cancelled (by the shopper, the merchant or expiry) gives its coupon back if the coupon is still
    inside its use window; a paid order's refund closes it (``closed``) and gives nothing back. A
    shopper's first paid order in a shop brings the shop's new-customer coupons."""
    if event.to_status == OrderStatus.CANCELLED:
        coupon_give_back(order=event.order)
    elif event.to_status == OrderStatus.PAID:
        _new_customer_gift(order=event.order)


def coupon_give_back(*, order: Order) -> int:
    now = timezone.now()
    returned = 0
    for ref in order.discounts.filter(code=CODE).values_list("ref", flat=True):
        claim_id = claim_id_of(ref)
        claim = locks.coupon_claim_lock_if_exists(pk=claim_id) if claim_id else None
        if claim is None or claim.status != CouponClaim.Status.USED or claim.used_order_id != order.pk:
            continue
        if now >= claim.valid_until:
            continue  # outside its use window: it stays used (and the shopper sees it as such)
        claim.status = CouponClaim.Status.RETURNED
        claim.used_order = None
        claim.used_at = None
        claim.returned_at = now
        claim.save(update_fields=["status", "used_order", "used_at", "returned_at", "updated_at"])
        returned += 1
    return returned


def _new_customer_gift(*, order: Order) -> None:
    first = (
        not Order.objects.filter(shop_id=order.shop_id, user_id=order.user_id, paid_at__isnull=False)
        .exclude(pk=order.pk)
        .exists()
    )
    if not first:
        return
    now = timezone.now()
    coupons = Coupon.objects.filter(
        shop_id=order.shop_id, distribution=D.NEW_CUSTOMER, is_active=True,
        claim_starts_at__lte=now, claim_ends_at__gt=now,
    ).order_by("pk")  # fmt: skip
    for coupon in coupons:
        try:
            with transaction.atomic():
                _claim_create(
                    shop=order.shop,
                    user=order.user,
                    coupon=coupon,
                    source=CouponClaim.Source.NEW_CUSTOMER,
                    now=now,
                )
        except ApplicationError:
            continue  # held already or none left: the payment goes on


# ---------------------------------------------------------------- 关注有礼 (every new follower)

GRANT = FollowerGrant.Status
CLOSE_REASON_OF = {
    "coupon_sold_out": FollowerGrant.CloseReason.SOLD_OUT,
    "coupon_not_started": FollowerGrant.CloseReason.CLAIM_NOT_STARTED,
    "coupon_expired": FollowerGrant.CloseReason.CLAIM_ENDED,
    "coupon_limit_reached": FollowerGrant.CloseReason.LIMIT_REACHED,
}


def follower_coupons_on_follow(
    *, account: WeChatAccount, openid: str, followed_at: datetime, first_time: bool, scene: str = ""
) -> str | None:
    """wechat's follow port (``wechat.ports``, inside the callback's transaction): on the first
    follow of the shop's account ever, one grant of each follower coupon open for claiming with
    some left; claimed at once if the openid is a shopper we know under this account, else kept
    pending until that shopper signs in. Returns the line the follower reads under the welcome."""
    if not first_time:
        return None
    coupons = list(
        Coupon.objects.filter(
            shop_id=account.shop_id, distribution=D.FOLLOWER, is_active=True,
            claim_starts_at__lte=followed_at, claim_ends_at__gt=followed_at,
            claimed_count__lt=F("total_quantity"),
        ).order_by("pk")
    )  # fmt: skip
    if not coupons:
        return None
    identity = (
        WeChatIdentity.objects.filter(appid=account.appid, openid=openid, user__is_active=True)
        .select_related("user")
        .first()
    )
    given: list[str] = []
    waiting: list[str] = []
    for coupon in coupons:
        try:
            with transaction.atomic():  # once per (shop, openid, coupon), ever
                grant = FollowerGrant.objects.create(
                    shop_id=account.shop_id, appid=account.appid, openid=openid, coupon=coupon
                )
        except IntegrityError:
            continue
        if identity is None:
            waiting.append(coupon.name)
        elif _grant_redeem(grant=grant, user=identity.user, now=followed_at) is not None:
            given.append(coupon.name)
    names = "、".join(given or waiting)
    if given:
        return _("关注有礼：优惠券“%(names)s”已放进你的账户，在商城“我的优惠券”查看。") % {"names": names}
    if waiting:
        return _("关注有礼：已为你准备了优惠券“%(names)s”，登录商城即可领取。") % {"names": names}
    return None


def _grant_redeem(*, grant: FollowerGrant, user: User, now: datetime) -> CouponClaim | None:
    """Turn one pending grant into the shopper's claim, exactly once: a conditional ``UPDATE … WHERE
    status = pending`` takes it (a second sign-in at the same moment waits on that row, then finds
    it taken), then the same claim rules as every claim (``_claim_create``: the total, the
    per-shopper limit). A claim refused for a reason of the coupon's closes the grant with it."""
    with transaction.atomic():
        taken = FollowerGrant.objects.filter(pk=grant.pk, status=GRANT.PENDING).update(
            status=GRANT.REDEEMED, user=user, redeemed_at=now, updated_at=now
        )
        if not taken:
            return None
        coupon = Coupon.objects.select_related("shop").get(pk=grant.coupon_id)
        try:
            with transaction.atomic():
                if coupon.distribution != D.FOLLOWER or coupon.shop_id != grant.shop_id:
                    raise _not_found()
                _check_claim_window(coupon, now=now)
                claim = _claim_create(
                    shop=coupon.shop, user=user, coupon=coupon, source=CouponClaim.Source.FOLLOWER, now=now
                )
        except ApplicationError as exc:
            FollowerGrant.objects.filter(pk=grant.pk).update(
                status=GRANT.CLOSED, redeemed_at=None, closed_at=now, updated_at=now,
                close_reason=CLOSE_REASON_OF.get(exc.code, FollowerGrant.CloseReason.UNAVAILABLE),
            )  # fmt: skip
            return None
        FollowerGrant.objects.filter(pk=grant.pk).update(claim=claim)
        return claim


def follower_grants_redeem(*, user: User) -> list[CouponClaim]:
    """Redeem every pending grant of the openids this shopper is known by (any shop's account):
    called after each WeChat sign-in and each login, so a grant made while the openid was nobody
    we knew — or while its sign-in was still committing — is redeemed at the next one, once."""
    pairs = list(WeChatIdentity.objects.filter(user=user).values_list("appid", "openid"))
    if not pairs or not user.is_active:
        return []
    known = Q()
    for appid, openid in pairs:
        known |= Q(appid=appid, openid=openid)
    now = timezone.now()
    claims = []
    for grant in FollowerGrant.objects.filter(known, status=GRANT.PENDING).order_by("pk"):
        claim = _grant_redeem(grant=grant, user=user, now=now)
        if claim is not None:
            claims.append(claim)
    return claims


def follower_grants_on_signin(*, user: User, identity: WeChatIdentity, identity_created: bool) -> None:
    """wechat's sign-in port (after the sign-in commits): the openid is now a known shopper."""
    follower_grants_redeem(user=user)


def follower_grants_on_login(*, session_key: str, user: User) -> None:
    """accounts' login-hook port (phone login, WeChat login in H5): redeem what was left pending."""
    follower_grants_redeem(user=user)

"""crm's profiles services: the one profile per shopper per shop, kept up to date from what the
shopper does (docs/crm.md#customers).

Where the figures come from:

- **order events** (``orders.events``, in the event's transaction, so the figures commit or roll
  back with it): placed → the profile exists, its first channel and referrer are set once; paid →
  ``orders_count + 1``, ``spent_fen + paid_fen``, first/last order time, province of the order's
  address; refunded → ``spent_fen - amount``. Every change is one ``UPDATE … SET x = x + n``, so
  two events of one shopper at once both count;
- **wechat's ports**: a follow or unfollow of the shop's official account (the profile of the
  openid, linked to its shopper when the openid's identity is known), and a WeChat sign-in (an
  openid-only profile gets its shopper; if the shopper had a profile already, the two merge);
- **analytics' visit roll-up** (``profiles_seen``): logged-in visitors get a profile, a batch at a
  time, in a fixed number of queries;
- **channel tag rules** (``ChannelTagRule``): whoever arrives through a channel gets its tags.

A profile made for a shopper who already has orders in the shop (one who bought before crm came
in) takes its figures from those orders at once (``profiles_figures_recompute``), so the live
increments always start from the truth; ``manage.py crm_profiles_rebuild`` recomputes every
profile the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from crm import locks
from crm.models.profiles import ChannelTagRule, CustomerProfile, Segment, Tag

if TYPE_CHECKING:
    from orders.models import Order, OrderEvent
    from wechat.models import WeChatAccount, WeChatIdentity

logger = logging.getLogger(__name__)

MergeListener = Callable[..., object]
merge_listeners: list[MergeListener] = []


def ready() -> None:
    """Register this area's listeners with the ports below (called once from
    ``CrmConfig.ready()``, before the members area's: their order listener reads the spend this one
    has just written)."""
    from orders import events
    from wechat import ports

    events.register(profile_order_event_listener, in_transaction=True)
    ports.follow_listener_register(profile_on_follow)
    ports.unfollow_listener_register(profile_on_unfollow)
    ports.signin_listener_register(profile_on_signin)


def profile_merge_register(fn: MergeListener) -> None:
    """``fn(*, kept, merged)`` is called when two profiles of one shopper become one (a follower's
    openid-only profile meets their signed-in one), inside the merge's transaction with both rows
    locked, before ``merged`` is deleted: an area with rows pointing at a profile (points entries,
    deliveries) moves them to ``kept`` there."""
    if fn not in merge_listeners:
        merge_listeners.append(fn)


# ---------------------------------------------------------------- the profile of a shopper


def profile_for_user(*, shop_id: int, user_id: int, seen_at: datetime | None = None) -> CustomerProfile:
    """The shopper's profile in the shop, made on first need (two callers at once get the same
    row: the loser of the insert race reads the winner's). A profile made for a shopper who has
    orders in the shop already takes its figures from them."""
    return _profile_get_or_create(shop_id=shop_id, user_id=user_id, seen_at=seen_at)[0]


def _profile_get_or_create(
    *, shop_id: int, user_id: int, seen_at: datetime | None = None
) -> tuple[CustomerProfile, bool]:
    found = CustomerProfile.objects.filter(shop_id=shop_id, user_id=user_id).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            profile = CustomerProfile.objects.create(
                shop_id=shop_id, user_id=user_id, first_seen_at=seen_at or timezone.now()
            )
    except IntegrityError:
        return CustomerProfile.objects.get(shop_id=shop_id, user_id=user_id), False
    if _has_orders(shop_id=shop_id, user_ids=[user_id]):
        profiles_figures_recompute(profile_ids=[profile.pk])
        profile.refresh_from_db()
    return profile, True


def _has_orders(*, shop_id: int, user_ids: Iterable[int]) -> set[int]:
    from orders.models import Order

    return set(
        Order.objects.filter(shop_id=shop_id, user_id__in=list(user_ids))
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )


def profiles_seen(*, shop_id: int, seen: Iterable[tuple[int, str, datetime]]) -> int:
    """Shoppers seen in the shop (``(user_id, channel_code, seen_at)``, from analytics' visit
    counters, rolled up by its job): each gets a profile, its first channel set once, and the tags
    of every channel it came through. A fixed number of queries whatever the batch's size. Returns
    how many profiles were made."""
    visits = sorted(seen, key=lambda visit: visit[2])
    if not visits:
        return 0
    first_seen: dict[int, datetime] = {}
    first_channel: dict[int, str] = {}
    channels: dict[str, set[int]] = {}  # channel code -> user ids that came through it
    for user_id, channel_code, seen_at in visits:
        first_seen.setdefault(user_id, seen_at)
        if channel_code:
            first_channel.setdefault(user_id, channel_code)
            channels.setdefault(channel_code, set()).add(user_id)
    user_ids = list(first_seen)
    with transaction.atomic():
        existing = set(
            CustomerProfile.objects.filter(shop_id=shop_id, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
        new = [user_id for user_id in user_ids if user_id not in existing]
        if new:
            CustomerProfile.objects.bulk_create(
                [
                    CustomerProfile(
                        shop_id=shop_id,
                        user_id=user_id,
                        first_seen_at=first_seen[user_id],
                        first_channel_code=first_channel.get(user_id, ""),
                    )
                    for user_id in new
                ],
                ignore_conflicts=True,
            )
        ids = dict(
            CustomerProfile.objects.filter(shop_id=shop_id, user_id__in=user_ids).values_list("user_id", "pk")
        )
        made = [ids[user_id] for user_id in new if user_id in ids]
        buyers = _has_orders(shop_id=shop_id, user_ids=new) if new else set()
        if buyers:  # bought before their first counted visit: figures from their orders
            buyer_profiles = [ids[user_id] for user_id in buyers if user_id in ids]
            locks.profiles_lock(pks=buyer_profiles)
            profiles_figures_recompute(profile_ids=buyer_profiles)
        late = {user_id: code for user_id, code in first_channel.items() if user_id in existing}
        if late:  # known shoppers whose first visit carried no channel: this one's is their first
            CustomerProfile.objects.filter(
                shop_id=shop_id, user_id__in=list(late), first_channel_code=""
            ).update(
                first_channel_code=Case(
                    *[When(user_id=user_id, then=Value(code)) for user_id, code in late.items()],
                    default=F("first_channel_code"),
                    output_field=models.CharField(),
                )
            )
        if channels:
            _channel_tags_apply(
                shop_id=shop_id,
                arrivals={
                    code: {ids[user_id] for user_id in users if user_id in ids}
                    for code, users in channels.items()
                },
            )
    return len(made)


# ---------------------------------------------------------------- order events


def profile_order_event_listener(event: OrderEvent) -> None:
    """Registered on the order events port, in the event's transaction (the order's row is locked
    by whoever wrote the event, except at placement, where nobody else sees the order yet)."""
    from orders.models import OrderEvent

    kind = OrderEvent.Type
    if event.type == kind.PLACED:
        _order_placed(event.order)
    elif event.type == kind.PAID:
        _order_paid(event.order)
    elif event.type == kind.REFUNDED:
        amount = (event.data or {}).get("amount_fen")
        if isinstance(amount, int) and amount > 0:
            _order_refunded(event.order, amount_fen=amount)


def _order_placed(order: Order) -> None:
    profile, made = _profile_get_or_create(
        shop_id=order.shop_id, user_id=order.user_id, seen_at=order.created_at
    )
    if not made:  # a profile just made took its first channel and referrer from the orders
        firsts: dict[str, Any] = {}
        for name, code in (
            ("first_channel_code", order.channel_code),
            ("first_referrer_code", order.referrer_code),
        ):
            if code:
                firsts[name] = Case(When(**{name: ""}, then=Value(code)), default=F(name))
        if firsts:
            CustomerProfile.objects.filter(pk=profile.pk).update(**firsts)
    if order.channel_code:
        _channel_tags_apply(shop_id=order.shop_id, arrivals={order.channel_code: {profile.pk}})


def _order_paid(order: Order) -> None:
    profile, made = _profile_get_or_create(
        shop_id=order.shop_id, user_id=order.user_id, seen_at=order.created_at
    )
    if made or order.paid_at is None:
        return  # made now: its figures were worked out from the orders, this payment included
    at = Value(order.paid_at, output_field=models.DateTimeField())
    changes: dict[str, Any] = {
        "orders_count": F("orders_count") + 1,
        "spent_fen": F("spent_fen") + int(order.paid_fen),
        "first_order_at": Case(
            When(Q(first_order_at__isnull=True) | Q(first_order_at__gt=at), then=at),
            default=F("first_order_at"),
        ),
        "last_order_at": Case(
            When(Q(last_order_at__isnull=True) | Q(last_order_at__lt=at), then=at), default=F("last_order_at")
        ),
        "updated_at": timezone.now(),
    }
    if order.province:  # the address of the newest order is where the shopper is now
        changes["province"] = Case(
            When(Q(last_order_at__isnull=True) | Q(last_order_at__lte=at), then=Value(order.province)),
            default=F("province"),
        )
    CustomerProfile.objects.filter(pk=profile.pk).update(**changes)


def _order_refunded(order: Order, *, amount_fen: int) -> None:
    profile, made = _profile_get_or_create(
        shop_id=order.shop_id, user_id=order.user_id, seen_at=order.created_at
    )
    if made:
        return  # worked out from the orders, this refund included
    CustomerProfile.objects.filter(pk=profile.pk).update(
        spent_fen=F("spent_fen") - amount_fen, updated_at=timezone.now()
    )


# ---------------------------------------------------------------- figures from orders


def profiles_figures_recompute(*, profile_ids: list[int] | None = None, shop_id: int | None = None) -> int:
    """Work the figures of profiles out again from their orders, in one statement: paid orders
    (``paid_at`` set: a fully refunded one still counts as an order), spend = paid − refunded,
    first and last payment, the latest paid order's province; first channel, referrer and first
    visit from the earliest orders where still empty (or later). Profiles without a shopper keep
    zero. The caller holds the profiles' locks when others may write them
    (``locks.profiles_lock``). Returns how many profiles it updated."""
    from orders.models import Order

    if profile_ids is None and shop_id is None:
        raise ValueError("profile_ids or shop_id")
    mine = Order.objects.filter(shop_id=OuterRef("shop_id"), user_id=OuterRef("user_id")).order_by()
    paid = mine.filter(paid_at__isnull=False)

    def per_shopper(aggregate: Any, output: models.Field[Any, Any]) -> Subquery:
        return Subquery(paid.values("user_id").annotate(v=aggregate).values("v")[:1], output_field=output)

    def first_of(field_name: str) -> Subquery:
        return Subquery(
            mine.exclude(**{field_name: ""}).order_by("created_at", "pk").values(field_name)[:1],
            output_field=models.CharField(),
        )

    first_order = Subquery(mine.order_by("created_at", "pk").values("created_at")[:1])
    latest_province = Subquery(paid.exclude(province="").order_by("-paid_at", "-pk").values("province")[:1])
    profiles = CustomerProfile.objects.filter(user__isnull=False)
    if profile_ids is not None:
        profiles = profiles.filter(pk__in=profile_ids)
    if shop_id is not None:
        profiles = profiles.filter(shop_id=shop_id)
    big = models.BigIntegerField()
    return profiles.update(
        orders_count=Coalesce(per_shopper(Count("pk"), big), Value(0)),
        spent_fen=Coalesce(per_shopper(Sum(F("paid_fen") - F("refunded_fen")), big), Value(0)),
        first_order_at=per_shopper(Min("paid_at"), models.DateTimeField()),
        last_order_at=per_shopper(Max("paid_at"), models.DateTimeField()),
        province=Coalesce(latest_province, F("province")),
        first_channel_code=Case(
            When(first_channel_code="", then=Coalesce(first_of("channel_code"), Value(""))),
            default=F("first_channel_code"),
        ),
        first_referrer_code=Case(
            When(first_referrer_code="", then=Coalesce(first_of("referrer_code"), Value(""))),
            default=F("first_referrer_code"),
        ),
        first_seen_at=Case(
            When(Q(first_seen_at__isnull=True) | Q(first_seen_at__gt=first_order), then=first_order),
            default=F("first_seen_at"),
        ),
        updated_at=timezone.now(),
    )


@dataclass
class RebuildResult:
    shops: int = 0
    made: int = 0
    recomputed: int = 0
    followers: int = 0


REBUILD_BATCH = 500


def profiles_rebuild(*, shop_id: int | None = None, batch: int = REBUILD_BATCH) -> RebuildResult:
    """Every profile's figures from the orders, and the followers of the shop's official account
    (for shops that existed before crm, or after a fault): a shopper with orders and no profile gets
    one, every profile's figures are worked out again (a batch at a time, its rows locked, so an
    order event meanwhile is neither lost nor counted twice), and each ``Follower`` row sets its
    profile's follow state. Running it again changes nothing."""
    from orders.models import Order
    from shop.models import Shop
    from wechat.models import Follower

    result = RebuildResult()
    shops = Shop.objects.order_by("pk")
    if shop_id is not None:
        shops = shops.filter(pk=shop_id)
    for shop_pk in shops.values_list("pk", flat=True):
        result.shops += 1
        buyers = (
            Order.objects.filter(shop_id=shop_pk)
            .order_by()
            .values("user_id")
            .annotate(first=Min("created_at"))
            .values_list("user_id", "first")
        )
        known = set(
            CustomerProfile.objects.filter(shop_id=shop_pk, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
        missing = [(user_id, first) for user_id, first in buyers if user_id not in known]
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            CustomerProfile.objects.bulk_create(
                [
                    CustomerProfile(shop_id=shop_pk, user_id=user_id, first_seen_at=first)
                    for user_id, first in chunk
                ],
                ignore_conflicts=True,
            )
        result.made += len(missing)
        pks = list(
            CustomerProfile.objects.filter(shop_id=shop_pk, user__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(pks), batch):
            with transaction.atomic():
                locked = [p.pk for p in locks.profiles_lock(pks=pks[start : start + batch])]
                result.recomputed += profiles_figures_recompute(profile_ids=locked)
        account = _account_of_shop(shop_pk)
        followers = (
            Follower.objects.filter(shop_id=shop_pk).order_by("pk") if account else Follower.objects.none()
        )
        for follower in followers.iterator():
            if follower.is_subscribed:
                profile_follow(
                    shop_id=shop_pk,
                    openid=follower.openid,
                    followed_at=follower.subscribed_at or follower.created_at,
                    user_id=_openid_user(appid=account[0], openid=follower.openid) if account else None,
                    channel_code="",
                )
            else:
                CustomerProfile.objects.filter(shop_id=shop_pk, oa_openid=follower.openid).update(
                    is_follower=False, unfollowed_at=follower.unsubscribed_at
                )
            result.followers += 1
    return result


# ---------------------------------------------------------------- channels


def _channel_tags_apply(*, shop_id: int, arrivals: Mapping[str, Iterable[int]]) -> int:
    """Tag the profiles that came through each channel (``{channel code: profile ids}``) with the
    channel's tags (``ChannelTagRule``): two queries at most. Returns the tags added."""
    codes = [code for code, profile_ids in arrivals.items() if profile_ids]
    if not codes:
        return 0
    rules = ChannelTagRule.objects.filter(shop_id=shop_id, channel__code__in=codes, tags__shop_id=shop_id)
    pairs = list(rules.values_list("channel__code", "tags__id"))
    if not pairs:
        return 0
    through = CustomerProfile.tags.through
    rows = {(profile_id, tag_id) for code, tag_id in pairs for profile_id in arrivals[code]}
    rows -= set(
        through.objects.filter(
            customerprofile_id__in={p for p, _t in rows}, tag_id__in={t for _p, t in rows}
        ).values_list("customerprofile_id", "tag_id")
    )
    through.objects.bulk_create(
        [through(customerprofile_id=profile_id, tag_id=tag_id) for profile_id, tag_id in sorted(rows)],
        ignore_conflicts=True,  # one added at once by another arrival
    )
    return len(rows)


def channel_tags_backfill(*, rule: ChannelTagRule) -> int:
    """Give a channel's tags to everyone who came through it before the rule existed: profiles whose
    first channel it is and shoppers who placed an order with its code. Returns the tags added."""
    from orders.models import Order

    code = rule.channel.code
    buyers = Order.objects.filter(shop_id=rule.shop_id, channel_code=code).values("user_id")
    profile_ids = set(
        CustomerProfile.objects.filter(shop_id=rule.shop_id)
        .filter(Q(first_channel_code=code) | Q(user_id__in=buyers))
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        return _channel_tags_apply(shop_id=rule.shop_id, arrivals={code: profile_ids})


def _scene_channel(*, shop_id: int, scene: str) -> str:
    """The channel an official-account QR code's scene belongs to (marketing issues the code with
    scene = the channel's code), or ""."""
    if not scene:
        return ""
    from marketing.selectors import marketing_profile

    return scene if marketing_profile(shop_id=shop_id).channel(scene) is not None else ""


# ---------------------------------------------------------------- followers and sign-ins


def _account_of_shop(shop_id: int) -> tuple[str, str] | None:
    from wechat.models import WeChatAccount

    row = WeChatAccount.objects.filter(shop_id=shop_id).values_list("appid", "miniprogram_appid").first()
    return (row[0], row[1]) if row else None


def _openid_user(*, appid: str, openid: str) -> int | None:
    from wechat.models import WeChatIdentity

    return WeChatIdentity.objects.filter(appid=appid, openid=openid).values_list("user_id", flat=True).first()


def profile_on_follow(
    *, account: WeChatAccount, openid: str, followed_at: datetime, first_time: bool, scene: str = ""
) -> None:
    """wechat's follow port (inside the callback's transaction): the openid's profile follows."""
    profile_follow(
        shop_id=account.shop_id,
        openid=openid,
        followed_at=followed_at,
        user_id=_openid_user(appid=account.appid, openid=openid),
        channel_code=_scene_channel(shop_id=account.shop_id, scene=scene),
    )


def profile_on_unfollow(*, account: WeChatAccount, openid: str, unfollowed_at: datetime) -> None:
    """wechat's unfollow port (inside the callback's transaction)."""
    CustomerProfile.objects.filter(shop_id=account.shop_id, oa_openid=openid).update(
        is_follower=False, unfollowed_at=unfollowed_at, updated_at=timezone.now()
    )


def profile_on_signin(*, user: Any, identity: WeChatIdentity, identity_created: bool) -> None:
    """wechat's sign-in port (after the sign-in commits): the shop whose official account or
    mini-program it was has seen the shopper, and their official-account openid's profile is
    theirs from now on (merged into the one they had, if any)."""
    from wechat.models import WeChatAccount, WeChatIdentity

    account = (
        WeChatAccount.objects.filter(Q(appid=identity.appid) | Q(miniprogram_appid=identity.appid))
        .values_list("shop_id", "appid")
        .first()
    )
    if account is None:
        return
    shop_id, appid = account
    openids = list(
        WeChatIdentity.objects.filter(user_id=user.pk, appid=appid)
        .order_by("pk")
        .values_list("openid", flat=True)
    )
    if not openids:
        profile_for_user(shop_id=shop_id, user_id=user.pk)
    for openid in openids[:1]:
        profile_openid_link(shop_id=shop_id, user_id=user.pk, openid=openid)


def profile_follow(
    *, shop_id: int, openid: str, followed_at: datetime, user_id: int | None, channel_code: str = ""
) -> CustomerProfile:
    """The openid follows the shop's official account: its profile (the shopper's, when the openid
    is known as one; else one with the openid alone) is a follower since ``followed_at``; a follow
    through a channel's QR code is an arrival through that channel."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                if user_id is not None:
                    profile = _openid_link(shop_id=shop_id, user_id=user_id, openid=openid)
                else:
                    profile = _openid_profile(shop_id=shop_id, openid=openid, seen_at=followed_at)
                changes: dict[str, Any] = {
                    "is_follower": True,
                    "followed_at": followed_at,
                    "updated_at": timezone.now(),
                }
                if channel_code:
                    changes["first_channel_code"] = Case(
                        When(first_channel_code="", then=Value(channel_code)), default=F("first_channel_code")
                    )
                CustomerProfile.objects.filter(pk=profile.pk).update(**changes)
                if channel_code:
                    _channel_tags_apply(shop_id=shop_id, arrivals={channel_code: {profile.pk}})
                profile.refresh_from_db()
                return profile
        except IntegrityError:  # a sign-in of the same openid made or linked the row meanwhile
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _openid_profile(*, shop_id: int, openid: str, seen_at: datetime) -> CustomerProfile:
    found = CustomerProfile.objects.filter(shop_id=shop_id, oa_openid=openid).first()
    if found is not None:
        return found
    with transaction.atomic():
        return CustomerProfile.objects.create(shop_id=shop_id, oa_openid=openid, first_seen_at=seen_at)


def profile_openid_link(*, shop_id: int, user_id: int, openid: str) -> CustomerProfile:
    """The shopper is known by ``openid`` on the shop's official account: the profile of the
    openid becomes theirs — given to them if they had none in the shop, merged into theirs
    otherwise (``profiles_merge``). Returns their profile. A follow or another sign-in of the same
    openid at once is retried over."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _openid_link(shop_id=shop_id, user_id=user_id, openid=openid)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _openid_link(*, shop_id: int, user_id: int, openid: str) -> CustomerProfile:
    by_openid = CustomerProfile.objects.filter(shop_id=shop_id, oa_openid=openid).first()
    by_user = CustomerProfile.objects.filter(shop_id=shop_id, user_id=user_id).first()
    if by_openid is None:
        if by_user is None:
            by_user, _made = _profile_get_or_create(shop_id=shop_id, user_id=user_id)
        if not by_user.oa_openid:
            with transaction.atomic():
                CustomerProfile.objects.filter(pk=by_user.pk, oa_openid="").update(oa_openid=openid)
            by_user.refresh_from_db()
        return by_user
    if by_openid.user_id == user_id:
        return by_openid
    if by_openid.user_id is not None:
        return by_user or by_openid  # the openid is another shopper's (never for one appid): left alone
    if by_user is None:
        with transaction.atomic():
            CustomerProfile.objects.filter(pk=by_openid.pk, user__isnull=True).update(user_id=user_id)
        if _has_orders(shop_id=shop_id, user_ids=[user_id]):
            locks.profiles_lock(pks=[by_openid.pk])
            profiles_figures_recompute(profile_ids=[by_openid.pk])
        by_openid.refresh_from_db()
        return by_openid
    return profiles_merge(kept_id=by_user.pk, merged_id=by_openid.pk)


def profiles_merge(*, kept_id: int, merged_id: int) -> CustomerProfile:
    """Two profiles of one shopper in one shop become ``kept``: it takes the other's openid and
    follow state, adds its figures (orders, spend, points), the earlier first visit, channel and
    referrer, the earlier opt-out and the later marketing message, and its tags; the areas
    registered with ``profile_merge_register`` move their rows; then ``merged`` is deleted."""
    with transaction.atomic():
        rows = {p.pk: p for p in locks.profiles_lock(pks=[kept_id, merged_id])}
        kept, merged = rows.get(kept_id), rows.get(merged_id)
        if kept is None or merged is None:
            return kept or CustomerProfile.objects.get(pk=merged_id)
        if kept.shop_id != merged.shop_id:
            raise ValueError("profiles of two shops never merge")
        earlier_first = merged.first_seen_at is not None and (
            kept.first_seen_at is None or merged.first_seen_at < kept.first_seen_at
        )
        kept.first_seen_at = merged.first_seen_at if earlier_first else kept.first_seen_at
        for name in ("first_channel_code", "first_referrer_code"):
            if getattr(merged, name) and (earlier_first or not getattr(kept, name)):
                setattr(kept, name, getattr(merged, name))
        if merged.oa_openid:
            kept.oa_openid = merged.oa_openid
            kept.is_follower = merged.is_follower
            kept.followed_at = merged.followed_at
            kept.unfollowed_at = merged.unfollowed_at
        kept.orders_count += merged.orders_count
        kept.spent_fen += merged.spent_fen
        kept.points_available += merged.points_available
        kept.points_frozen += merged.points_frozen
        kept.first_order_at = _earliest(kept.first_order_at, merged.first_order_at)
        if merged.last_order_at and (kept.last_order_at is None or merged.last_order_at > kept.last_order_at):
            kept.last_order_at = merged.last_order_at
            kept.province = merged.province or kept.province
        kept.province = kept.province or merged.province
        kept.level_id = kept.level_id or merged.level_id
        kept.marketing_opt_out_at = _earliest(kept.marketing_opt_out_at, merged.marketing_opt_out_at)
        kept.last_marketing_at = max(
            [t for t in (kept.last_marketing_at, merged.last_marketing_at) if t is not None], default=None
        )
        through = CustomerProfile.tags.through
        tag_ids = list(through.objects.filter(customerprofile_id=merged.pk).values_list("tag_id", flat=True))
        through.objects.bulk_create(
            [through(customerprofile_id=kept.pk, tag_id=tag_id) for tag_id in tag_ids], ignore_conflicts=True
        )
        for fn in merge_listeners:
            fn(kept=kept, merged=merged)
        merged.delete()  # first: its openid is unique in the shop
        kept.save()
        logger.info("crm: profile %s merged into %s (shop %s)", merged_id, kept_id, kept.shop_id)
        return kept


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min([t for t in (a, b) if t is not None], default=None)


# ---------------------------------------------------------------- tags by hand


def profiles_tag(*, shop_id: int, tag_id: int, profile_ids: Iterable[int], add: bool) -> int:
    """Add the shop's tag to (or take it from) the shop's profiles among ``profile_ids`` (others'
    are left alone): two queries whatever their number. Returns how many changed."""
    if not Tag.objects.filter(pk=tag_id, shop_id=shop_id).exists():
        raise ApplicationError("tag_not_found", _("标签不存在或不属于该店铺。"))
    mine = CustomerProfile.objects.filter(shop_id=shop_id, pk__in=list(profile_ids)).values("pk")
    through = CustomerProfile.tags.through
    with transaction.atomic():
        if not add:
            removed, _rows = through.objects.filter(tag_id=tag_id, customerprofile_id__in=mine).delete()
            return removed
        ids = list(mine.exclude(tags__id=tag_id).values_list("pk", flat=True))
        through.objects.bulk_create(
            [through(customerprofile_id=pk, tag_id=tag_id) for pk in ids], ignore_conflicts=True
        )
        return len(ids)


# ---------------------------------------------------------------- segments


def segment_save(*, shop_id: int, name: str, filters: dict[str, Any], replace: bool = False) -> Segment:
    """Save a filter of the shop's customers as a segment (``crm.segments``: checked, an unknown
    key or another shop's tag is ``segment_filter_invalid``). A name in use is
    ``segment_name_taken`` unless ``replace``: then that segment takes the new conditions."""
    from crm.segments import filters_clean

    name = (name or "").strip()
    if not name:
        raise ApplicationError("segment_name_required", _("请填写分群名称。"), fields={"name": [_("必填")]})
    if len(name) > 32:
        raise ApplicationError(
            "segment_name_too_long", _("分群名称最多 32 个字。"), fields={"name": [_("最多 32 个字")]}
        )
    clean = filters_clean(filters=filters, shop_ids=[shop_id])
    with transaction.atomic():
        found = Segment.objects.filter(shop_id=shop_id, name=name).first()
        if found is not None:
            if not replace:
                raise ApplicationError(
                    "segment_name_taken",
                    _("已有名为“%(name)s”的分群：请换一个名称，或勾选“覆盖同名分群”。") % {"name": name},
                    fields={"name": [_("名称已被使用")]},
                )
            found.filters = clean
            found.save(update_fields=["filters", "updated_at"])
            return found
        try:
            with transaction.atomic():
                return Segment.objects.create(shop_id=shop_id, name=name, filters=clean)
        except IntegrityError as exc:  # saved at once by another tab
            raise ApplicationError(
                "segment_name_taken", _("已有名为“%(name)s”的分群，请换一个名称。") % {"name": name}
            ) from exc


def tag_get_or_create(*, shop_id: int, name: str) -> Tag:
    """The shop's tag of that name, made if new (a merchant typing a tag while tagging in bulk)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("tag_name_required", _("请填写标签名。"), fields={"name": [_("必填")]})
    if len(name) > 20:
        raise ApplicationError(
            "tag_name_too_long", _("标签名最多 20 个字。"), fields={"name": [_("最多 20 个字")]}
        )
    found = Tag.objects.filter(shop_id=shop_id, name=name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Tag.objects.create(shop_id=shop_id, name=name)
    except IntegrityError:
        return Tag.objects.get(shop_id=shop_id, name=name)

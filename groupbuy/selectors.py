"""Group-buy's reads, each a fixed number of queries: the activity on a product page, a group's
page and status, the shopper's groups, the activities running now."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Product
from core.errors import NotFoundError
from core.masking import mask_name as mask_name  # a member as others see them (张**)
from groupbuy.models import Group, GroupBuyActivity, GroupBuyItem, GroupMember
from shop.models import Shop

G = Group.Status


def group_state(group: Group, now: datetime | None = None) -> str:
    """What a shopper is told: ``open`` (can be joined), ``waiting`` (the opener has not paid),
    ``succeeded``, ``failed`` (failed, or its time is up and the job has not run yet), ``cancelled``."""
    if group.status == Group.Status.OPEN:
        return "open" if group.is_joinable(now) else "failed"
    states: dict[str, str] = {G.PENDING: "waiting", G.SUCCEEDED: "succeeded", G.FAILED: "failed"}
    return states.get(group.status, "cancelled")


def member_state_label(member: GroupMember, now: datetime | None = None) -> str:
    """A member's own state in words, for themselves (their order page, 我的拼团): the group's
    while they hold a place in it, theirs once they left or were refunded."""
    M, group = GroupMember.Status, member.group
    refund = _("已退款") if member.status == M.REFUNDED else _("退款中")
    if member.status == M.LEFT:
        return str(_("已退出拼团 · 已退款"))
    if member.status in (M.REFUNDED, M.REFUNDING):
        why = {
            GroupMember.Why.FULL: _("付款时团已满"),
            GroupMember.Why.CLOSED: _("付款时团已结束"),
        }.get(member.refund_why, _("拼团失败"))  # type: ignore[call-overload]
        return f"{why} · {refund}"
    if member.status == M.CANCELLED:
        return str(_("已取消"))
    state = group_state(group, now)
    if state == "open":
        return str(_("拼团中 · 还差 %(n)d 人") % {"n": group.seats_left})
    if state == "succeeded":
        return str(_("拼团成功"))
    if state == "failed":
        return str(_("拼团失败 · 退款中")) if member.status == M.JOINED else str(_("拼团失败"))
    if state == "waiting":
        return str(_("待付款 · 付款后开团"))
    return str(_("未开团"))


def _items() -> Prefetch:  # type: ignore[type-arg]  # django-stubs types Prefetch by its lookup
    return Prefetch(
        "items",
        queryset=GroupBuyItem.objects.filter(sku__is_active=True).select_related("sku").order_by("sku_id"),
    )


def _paid_members() -> Prefetch:  # type: ignore[type-arg]
    """Only members who paid are ever shown (never a fake member, never an unpaid one)."""
    return Prefetch(
        "members",
        queryset=GroupMember.objects.filter(status=GroupMember.Status.JOINED).select_related("user"),
        to_attr="paid_members",
    )


@dataclass
class ProductGroupBuy:
    """What a product page shows: the running activity, its prices and a few groups to join."""

    activity: GroupBuyActivity
    items: list[GroupBuyItem]
    groups: list[Group] = field(default_factory=list)
    mine: list[GroupMember] = field(default_factory=list)  # the viewer's places in open groups

    @property
    def price_min_fen(self) -> int:
        return int(min(item.group_price_fen for item in self.items))


def running_activities(*, shop: Shop, now: datetime | None = None) -> QuerySet[GroupBuyActivity]:
    now = now or timezone.now()
    return (
        GroupBuyActivity.objects.filter(
            shop=shop,
            is_active=True,
            starts_at__lte=now,
            ends_at__gt=now,
            product__status=Product.Status.ON_SALE,
        )
        .select_related("product", "product__cover")
        .prefetch_related(_items())
        .order_by("ends_at", "pk")
    )


def joinable_groups(*, activity_ids: list[int], now: datetime | None = None) -> QuerySet[Group]:
    now = now or timezone.now()
    return (
        Group.objects.filter(activity_id__in=activity_ids, status=Group.Status.OPEN, expires_at__gt=now)
        .select_related("leader")
        .order_by("expires_at", "pk")
    )


def product_group_buy(
    *, shop: Shop, product_id: int, groups: int = 3, viewer: User | None = None
) -> ProductGroupBuy | None:
    """The running group-buy of a product (the soonest to end) with up to ``groups`` open groups,
    the ones closing first. Three queries; None when there is none. With a signed-in ``viewer``
    one more: their own places in its open groups (``mine``), which are not offered to them to join
    (nor a group they opened and left: they cannot join it again)."""
    now = timezone.now()
    for activity in running_activities(shop=shop, now=now).filter(product_id=product_id)[:1]:
        items = [item for item in activity.items.all() if item.group_price_fen < item.sku.price_fen]
        if not items:
            return None
        mine: list[GroupMember] = []
        if viewer is not None and viewer.is_authenticated:
            mine = list(
                GroupMember.objects.filter(
                    user=viewer, status__in=GroupMember.ACTIVE, group__activity=activity,
                    group__status=Group.Status.OPEN, group__expires_at__gt=now,
                )
                .select_related("group")
                .order_by("group__expires_at", "group_id")
            )  # fmt: skip
        skip = {member.group_id for member in mine}
        found = list(joinable_groups(activity_ids=[activity.pk], now=now)[: groups * 2 + len(skip)])
        open_groups = [
            group
            for group in found
            if group.joined_count < group.size
            and group.pk not in skip
            and (viewer is None or group.leader_id != viewer.pk)
        ][:groups]
        return ProductGroupBuy(activity=activity, items=items, groups=open_groups, mine=mine)
    return None


def _groups(shop: Shop) -> QuerySet[Group]:
    return (
        Group.objects.filter(shop=shop)
        .select_related("activity", "activity__product", "activity__product__cover", "leader")
        .prefetch_related(_paid_members())
    )


def _with_items(groups: list[Group]) -> None:
    """Each group's ``activity_items``: the SKUs a joiner may choose (one query for all)."""
    by_activity: dict[int, list[GroupBuyItem]] = defaultdict(list)
    items = GroupBuyItem.objects.filter(activity_id__in={g.activity_id for g in groups}, sku__is_active=True)
    for item in items.select_related("sku").order_by("sku_id"):
        by_activity[item.activity_id].append(item)
    for group in groups:
        group.activity_items = by_activity[group.activity_id]  # type: ignore[attr-defined]


def group_get_public(*, shop: Shop, group_no: str) -> Group:
    """A group and what its page shows: the activity, the product, the SKU prices
    (``activity_items``) and the paid members (``paid_members``, in the order they joined). Three
    queries whatever the size."""
    group = _groups(shop).filter(group_no=str(group_no)[:32]).first()
    if group is None:
        raise NotFoundError("group_not_found", _("没有找到这个团。"))
    _with_items([group])
    return group


def groups_get_public(*, shop: Shop, group_ids: list[int]) -> dict[int, Group]:
    """Several groups as ``group_get_public`` gives one, by id (three queries for all)."""
    groups = list(_groups(shop).filter(pk__in=group_ids)) if group_ids else []
    _with_items(groups)
    return {group.pk: group for group in groups}


def group_member_of(*, group: Group, user: User | None) -> GroupMember | None:
    """The viewer's own place in ``group`` (pending or paid), if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        GroupMember.objects.filter(group=group, user=user, status__in=GroupMember.ACTIVE)
        .select_related("order")
        .first()
    )


def my_group_memberships(*, shop: Shop, user: User) -> QuerySet[GroupMember]:
    """The shopper's groups in this shop, newest first (我的拼团)."""
    return (
        GroupMember.objects.filter(shop=shop, user=user)
        .exclude(status=GroupMember.Status.CANCELLED)
        .select_related("group", "group__activity", "group__activity__product", "order")
        .order_by("-created_at", "-pk")
    )

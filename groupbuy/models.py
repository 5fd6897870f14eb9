"""Group-buy (拼团): activities, groups, members (issue 12; docs/marketing.md#group-buy-拼团).

A merchant's ``GroupBuyActivity`` puts one product on group-buy: the group size (2–10), how long a
group stays open once opened (``open_hours``), the activity's dates, a per-shopper limit, and a
group price per SKU (``GroupBuyItem``). A shopper opens a ``Group`` by placing an order at the
group price; the group opens when that order is paid (its timer starts then) and friends join by
paying orders of their own. Each order is one ``GroupMember``; a seat is taken only by a payment,
under the group's lock, so the last seat goes to exactly one payer. The services are in
``groupbuy/services.py``; the price is a pricing rule (``groupbuy/rules.py``).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import SKU, Product
from core.models import TimeStampedModel
from core.money import MoneyField
from orders.models import Order
from shop.models import Shop

MIN_SIZE, MAX_SIZE = 2, 10


def new_group_no() -> str:
    """A group's public number (in its share link): 261201 + 10 random digits, not guessable."""
    return timezone.localdate().strftime("%y%m%d") + f"{secrets.randbelow(10**10):010d}"


class GroupBuyActivity(TimeStampedModel):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("未开始")
        RUNNING = "running", _("进行中")
        ENDED = "ended", _("已结束")
        OFF = "off", _("已停用")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("商品"))
    name = models.CharField(_("活动名称"), max_length=64)
    group_size = models.PositiveSmallIntegerField(
        _("成团人数"),
        default=2,
        validators=[MinValueValidator(MIN_SIZE), MaxValueValidator(MAX_SIZE)],
        help_text=_("2 到 10 人，含开团的人。"),
    )
    open_hours = models.PositiveSmallIntegerField(
        _("成团时限（小时）"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_("开团（团长付款）后多少小时内凑满人数；到时未满，全团自动原路退款。"),
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(
        _("结束时间"), db_index=True, help_text=_("结束后不能再开新团；已开的团仍按各自的时限进行。")
    )
    per_user_limit = models.PositiveSmallIntegerField(
        _("每人限购（件）"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("一位顾客在本活动中最多买几件（所有拼团订单合计，已取消和已退款的不算）。"),
    )
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用后不能再开新团；已开的团照常进行。")
    )

    class Meta:
        verbose_name = _("拼团活动")
        verbose_name_plural = _("拼团活动")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="groupbuy_ends_after_start"),
            models.CheckConstraint(
                condition=Q(group_size__gte=MIN_SIZE, group_size__lte=MAX_SIZE), name="groupbuy_size_2_to_10"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def state_at(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if not self.is_active:
            return self.State.OFF
        if now < self.starts_at:
            return self.State.SCHEDULED
        if now >= self.ends_at:
            return self.State.ENDED
        return self.State.RUNNING

    def get_state_display(self) -> str:
        return str(self.State(self.state_at()).label)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("结束时间必须晚于开始时间。")
        if self.product_id and self.shop_id:
            product = Product.objects.filter(pk=self.product_id).only("shop_id").first()
            if product is not None and product.shop_id != self.shop_id:
                errors["product"] = _("请选择本店的商品。")
        if self.pk is not None and self.product_id:
            before = GroupBuyActivity.objects.filter(pk=self.pk).values_list("product_id", flat=True).first()
            if before != self.product_id and Group.objects.filter(activity_id=self.pk).exists():
                errors["product"] = _("活动已有团，不能再换商品。")
        if errors:
            raise ValidationError(errors)


class GroupBuyItem(TimeStampedModel):
    """The group price of one SKU of the activity's product (a SKU without one is not on group-buy)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    activity = models.ForeignKey(
        GroupBuyActivity, on_delete=models.CASCADE, related_name="items", verbose_name=_("拼团活动")
    )
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+", verbose_name=_("商品规格"))
    group_price_fen = MoneyField(_("拼团价"), help_text=_("必须低于该规格的售价。"))

    class Meta:
        verbose_name = _("拼团价格")
        verbose_name_plural = _("拼团价格")
        ordering = ["sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "sku"], name="groupbuy_item_once_per_activity"),
            models.CheckConstraint(condition=Q(group_price_fen__gt=0), name="groupbuy_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.activity.name} · {self.sku}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        sku = SKU.objects.filter(pk=self.sku_id).first() if self.sku_id else None
        activity = GroupBuyActivity.objects.filter(pk=self.activity_id).first() if self.activity_id else None
        if sku is not None and activity is not None and sku.product_id != activity.product_id:
            errors["sku"] = _("请选择本活动商品的规格。")
        elif sku is not None and self.group_price_fen is not None:
            if self.group_price_fen <= 0:
                errors["group_price_fen"] = _("拼团价必须大于 0。")
            elif self.group_price_fen >= sku.price_fen:
                errors["group_price_fen"] = _("拼团价必须低于售价。")
        if errors:
            raise ValidationError(errors)


class Group(TimeStampedModel):
    """One group (一个团). ``pending`` until the opener's order is paid (nobody else can join yet),
    then ``open`` until ``expires_at``: it ``succeeded`` when the last seat is paid for, or
    ``failed`` when its timer ran out first (every paid member is refunded automatically);
    ``cancelled`` when the opener's order was never paid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待开团")
        OPEN = "open", _("拼团中")
        SUCCEEDED = "succeeded", _("拼团成功")
        FAILED = "failed", _("拼团失败")
        CANCELLED = "cancelled", _("未开团")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    activity = models.ForeignKey(
        GroupBuyActivity, on_delete=models.PROTECT, related_name="groups", verbose_name=_("拼团活动")
    )
    group_no = models.CharField(_("团号"), max_length=32, unique=True, default=new_group_no, editable=False)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("团长")
    )
    size = models.PositiveSmallIntegerField(_("成团人数"))
    open_hours = models.PositiveSmallIntegerField(_("成团时限（小时）"))
    joined_count = models.PositiveSmallIntegerField(_("已付款人数"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    opened_at = models.DateTimeField(_("开团时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("开团记录")
        verbose_name_plural = _("开团记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="groupbuy_group_due")]
        constraints = [
            models.CheckConstraint(condition=Q(joined_count__lte=F("size")), name="groupbuy_never_over_full")
        ]

    def __str__(self) -> str:
        return str(_("团 %(no)s") % {"no": self.group_no})

    @property
    def seats_left(self) -> int:
        return max(self.size - self.joined_count, 0)

    def is_joinable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.OPEN
            and self.expires_at is not None
            and now < self.expires_at
            and self.joined_count < self.size
        )


class GroupMember(TimeStampedModel):
    """One order in a group: ``pending`` until it is paid, then ``joined`` (a seat) — or, when the
    group had filled or closed by the time the payment arrived, ``refunding`` → ``refunded`` (the
    payment goes back automatically). A failed group's members go ``refunding`` → ``refunded``.
    ``cancelled``: the order was never paid; ``left``: refunded in full while the group was open."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待付款")
        JOINED = "joined", _("已参团")
        REFUNDING = "refunding", _("待退款")
        REFUNDED = "refunded", _("已退款")
        CANCELLED = "cancelled", _("已取消")
        LEFT = "left", _("已退出")

    class Why(models.TextChoices):
        FAILED = "failed", _("拼团失败（未在时限内凑满）")
        FULL = "full", _("付款时团已满")
        CLOSED = "closed", _("付款时团已结束")

    ACTIVE = (Status.PENDING, Status.JOINED)  # what holds a place in the per-shopper limit

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="members", verbose_name=_("团"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("顾客")
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="group_member", verbose_name=_("订单")
    )
    quantity = models.PositiveSmallIntegerField(_("件数"), default=1)
    is_leader = models.BooleanField(_("团长"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    joined_at = models.DateTimeField(_("参团时间"), null=True, blank=True)
    refund_why = models.CharField(_("退款原因"), max_length=16, choices=Why.choices, blank=True)
    refund_after_sale_no = models.CharField(_("退款售后单"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("团员")
        verbose_name_plural = _("团员")
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status__in=["pending", "joined"]),
                name="groupbuy_one_seat_per_shopper",
            )
        ]
        indexes = [models.Index(fields=["status"], name="groupbuy_member_status")]

    def __str__(self) -> str:
        return f"{self.group} · {self.user}"

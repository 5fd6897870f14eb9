"""The merchant's coupons and red packets (Chinese, own shop only: ``ShopScopedAdmin``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import ApplicationError
from core.money import format_yuan
from promotions import services
from promotions.models import Coupon, CouponClaim, FollowerGrant, RedPacketPool
from shop.admin_base import ReadOnlyShopAdmin, ShopScopedAdmin, is_operator, user_shop_ids

S = CouponClaim.Status


def shop_customers(shop_id: int) -> QuerySet[User]:
    """The shoppers a merchant may send a coupon to: those who ordered in the shop or hold one of
    its coupons (never every user of the platform)."""
    return (
        User.objects.filter(is_staff=False, is_active=True)
        .filter(Q(orders__shop_id=shop_id) | Q(coupon_claims__shop_id=shop_id))
        .distinct()
        .order_by("pk")
    )


class CouponSendForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label=gettext_lazy("顾客"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("在本店下过单或领过券的顾客；每人一张，已达每人限领的会跳过。"),
        error_messages={"required": gettext_lazy("请至少选择一位顾客。")},
    )

    def __init__(self, *args, shop_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = shop_customers(shop_id)  # type: ignore[attr-defined]
        self.fields["users"].label_from_instance = lambda u: f"{u.nickname or u.username}（{u.username}）"  # type: ignore[attr-defined]


@admin.register(Coupon)
class CouponAdmin(ShopScopedAdmin):
    list_display = [
        "name",
        "rule",
        "distribution",
        "claimed",
        "used",
        "expired",
        "claim_ends_at",
        "is_active",
    ]
    list_filter = ["distribution", "kind", "is_active", "shop"]
    search_fields = ["name"]
    filter_horizontal = ["categories", "products"]
    fieldsets = [
        (None, {"fields": ["shop", "name", "is_active", "distribution"]}),
        (gettext_lazy("优惠"), {"fields": ["kind", "amount_fen", "rate_percent", "max_off_fen", "threshold_fen"]}),
        (gettext_lazy("适用范围"), {"fields": ["scope", "categories", "products"]}),
        (gettext_lazy("数量"), {"fields": ["total_quantity", "per_user_limit"]}),
        (gettext_lazy("时间"), {"fields": ["claim_starts_at", "claim_ends_at", "use_mode", "use_starts_at",
                                           "use_ends_at", "use_days"]}),
        (gettext_lazy("其他"), {"fields": ["stacks_with_flash"]}),
        (gettext_lazy("统计"), {"fields": ["stats", "used_orders", "send_link", "follower_stats"]}),
    ]  # fmt: skip
    readonly_fields = ["stats", "used_orders", "send_link", "follower_stats"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Coupon]:
        now = timezone.now()
        usable = Q(claims__status__in=CouponClaim.USABLE_STATUSES)
        return (
            super()
            .get_queryset(request)
            .annotate(
                used_n=Count("claims", filter=Q(claims__status=S.USED)),
                expired_n=Count("claims", filter=usable & Q(claims__valid_until__lte=now)),
            )
        )

    @admin.display(description=gettext_lazy("规则"))
    def rule(self, coupon: Coupon) -> str:
        return coupon.rule_text

    @admin.display(description=gettext_lazy("已领/总数"))
    def claimed(self, coupon: Coupon) -> str:
        return f"{coupon.claimed_count}/{coupon.total_quantity}"

    @admin.display(description=gettext_lazy("已使用"), ordering="used_n")
    def used(self, coupon: Coupon) -> int:
        return getattr(coupon, "used_n", 0)

    @admin.display(description=gettext_lazy("已过期"), ordering="expired_n")
    def expired(self, coupon: Coupon) -> int:
        return getattr(coupon, "expired_n", 0)

    @admin.display(description=gettext_lazy("领取与使用"))
    def stats(self, coupon: Coupon) -> str:
        if coupon.pk is None:
            return "—"
        return _("已领 %(c)s / 共 %(t)s 张，已使用 %(u)s，已过期 %(e)s") % {
            "c": coupon.claimed_count, "t": coupon.total_quantity,
            "u": getattr(coupon, "used_n", 0), "e": getattr(coupon, "expired_n", 0),
        }  # fmt: skip

    @admin.display(description=gettext_lazy("使用的订单"))
    def used_orders(self, coupon: Coupon) -> str:
        if coupon.pk is None:
            return "—"
        rows = (
            CouponClaim.objects.filter(coupon=coupon, status=S.USED, used_order__isnull=False)
            .select_related("used_order")
            .order_by("-used_at")[:50]
        )
        links = format_html_join(
            " ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:orders_order_change", args=[c.used_order_id]), c.used_order.order_no)
                for c in rows
                if c.used_order is not None
            ),
        )
        return links or "—"

    @admin.display(description=gettext_lazy("发放"))
    def send_link(self, coupon: Coupon) -> str:
        if coupon.pk is None or coupon.distribution == Coupon.Distribution.RED_PACKET:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:promotions_coupon_send", args=[coupon.pk]),
            _("发给指定顾客"),
        )

    @admin.display(description=gettext_lazy("关注有礼"))
    def follower_stats(self, coupon: Coupon) -> str:
        if coupon.pk is None or coupon.distribution != Coupon.Distribution.FOLLOWER:
            return "—"
        counts = dict(
            FollowerGrant.objects.filter(coupon=coupon)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        G = FollowerGrant.Status
        return format_html(
            '{} <a href="{}?coupon__id__exact={}">{}</a>',
            _("待登录领取 %(p)s，已发放 %(r)s，已关闭 %(c)s")
            % {"p": counts.get(G.PENDING, 0), "r": counts.get(G.REDEEMED, 0), "c": counts.get(G.CLOSED, 0)},
            reverse("admin:promotions_followergrant_changelist"),
            coupon.pk,
            _("查看关注有礼记录"),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/send/", wrap(self.send_view), name="promotions_coupon_send"),
            *super().get_urls(),
        ]

    def send_view(self, request: HttpRequest, pk: int):
        coupon = get_object_or_404(self.get_queryset(request), pk=pk)  # scoped: another shop's is a 404
        if not self.has_change_permission(request, coupon):
            return HttpResponseRedirect(reverse("admin:index"))
        form = CouponSendForm(request.POST or None, shop_id=coupon.shop_id)
        if request.method == "POST" and form.is_valid():
            try:
                result = services.coupon_send(
                    shop=coupon.shop, coupon=coupon, users=form.cleaned_data["users"]
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    _("已发出 %(s)s 张；已达限领跳过 %(h)s 人；券不够未发 %(o)s 人。")
                    % {"s": result.sent, "h": result.already_held, "o": result.sold_out},
                    messages.SUCCESS if result.sent else messages.WARNING,
                )
                return HttpResponseRedirect(reverse("admin:promotions_coupon_change", args=[coupon.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("发放优惠券 · %(name)s") % {"name": coupon.name},
            "form": form,
            "opts": self.model._meta,
            "coupon": coupon,
        }
        return TemplateResponse(request, "admin/promotions/coupon_send.html", context)


def customer_name(user: User | None) -> str:
    """The shopper, as plain text: a merchant cannot open the platform's user pages, so a read-only
    foreign key's link there would be a dead end (403)."""
    return str(user) if user else "—"


CLAIM_FIELDS = ("coupon", "customer", "source", "status", "amount_fen", "valid_from", "valid_until", "used_order",
                "used_at", "returned_at", "created_at")  # fmt: skip


@admin.register(CouponClaim)
class CouponClaimAdmin(ReadOnlyShopAdmin):
    list_display = [
        "coupon",
        "user",
        "source",
        "shown_status",
        "amount",
        "valid_until",
        "used_order",
        "created_at",
    ]
    list_filter = ["status", "source", "shop"]
    search_fields = ["coupon__name", "user__username", "user__nickname"]
    list_select_related = ["coupon", "user", "used_order"]
    fields = CLAIM_FIELDS
    readonly_fields = CLAIM_FIELDS

    @admin.display(description=gettext_lazy("顾客"))
    def customer(self, claim: CouponClaim) -> str:
        return customer_name(claim.user)

    @admin.display(description=gettext_lazy("状态"))
    def shown_status(self, claim: CouponClaim) -> str:
        return str(_("已过期")) if claim.is_expired() else claim.get_status_display()

    @admin.display(description=gettext_lazy("红包金额"))
    def amount(self, claim: CouponClaim) -> str:
        return format_yuan(claim.amount_fen) if claim.amount_fen else "—"


GRANT_FIELDS = ("coupon", "openid", "status", "customer", "claim", "close_reason", "created_at", "redeemed_at",
                "closed_at")  # fmt: skip


@admin.register(FollowerGrant)
class FollowerGrantAdmin(ReadOnlyShopAdmin):
    """关注有礼: each new follower's coupon, waiting for their first sign-in, given, or closed."""

    # fits 1366 px: the fan's OpenID shortened (whole in its tooltip and on the record's page), no AppID
    list_display = ["coupon", "status", "customer", "close_reason", "fan", "created_at", "redeemed_at"]
    list_filter = ["status", "close_reason", "shop"]
    search_fields = ["openid", "coupon__name", "user__nickname"]
    list_select_related = ["coupon", "user"]
    fields = GRANT_FIELDS
    readonly_fields = GRANT_FIELDS

    @admin.display(description=gettext_lazy("顾客"), ordering="user")
    def customer(self, grant: FollowerGrant) -> str:
        return customer_name(grant.user)

    @admin.display(description=gettext_lazy("粉丝 OpenID"), ordering="openid")
    def fan(self, grant: FollowerGrant) -> str:
        openid = grant.openid
        short = f"{openid[:6]}…{openid[-3:]}" if len(openid) > 12 else openid
        return format_html('<span class="weishop-short" title="{}">{}</span>', openid, short)


@admin.register(RedPacketPool)
class RedPacketPoolAdmin(ShopScopedAdmin):
    list_display = ["name", "coupon", "total", "paid", "opened", "share"]
    list_filter = ["shop"]
    search_fields = ["name"]
    list_select_related = ["coupon", "shop"]
    fields = ["shop", "name", "coupon", "total_fen", "packet_count", "min_fen", "max_fen", "payout", "share"]
    readonly_fields = ["payout", "share"]

    @admin.display(description=gettext_lazy("总额"))
    def total(self, pool: RedPacketPool) -> str:
        return format_yuan(pool.total_fen)

    @admin.display(description=gettext_lazy("已发出"))
    def paid(self, pool: RedPacketPool) -> str:
        return format_yuan(pool.paid_fen)

    @admin.display(description=gettext_lazy("已拆/个数"))
    def opened(self, pool: RedPacketPool) -> str:
        return f"{pool.opened_count}/{pool.packet_count}"

    @admin.display(description=gettext_lazy("发放情况"))
    def payout(self, pool: RedPacketPool) -> str:
        if pool.pk is None:
            return "—"
        used = CouponClaim.objects.filter(coupon_id=pool.coupon_id, status=S.USED).count()
        return _("已拆 %(o)s / %(n)s 个，发出 %(p)s / %(t)s，剩余 %(r)s；已用于下单 %(u)s 个") % {
            "o": pool.opened_count, "n": pool.packet_count, "p": format_yuan(pool.paid_fen),
            "t": format_yuan(pool.total_fen), "r": format_yuan(pool.remaining_fen), "u": used,
        }  # fmt: skip

    @admin.display(description=gettext_lazy("分享链接"))
    def share(self, pool: RedPacketPool) -> str:
        if pool.pk is None:
            return "—"
        url = reverse("h5:red-packet", args=[pool.shop.slug, services.red_packet_share_token(pool)])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not is_operator(request) and obj.shop_id not in user_shop_ids(request):
            obj.shop_id = user_shop_ids(request)[0]
        services.red_packet_pool_save(pool=obj)  # the form has run the same checks (model clean)


from promotions.flash import admin as flash_admin  # noqa: E402, F401  (registers the flash-sale admin)

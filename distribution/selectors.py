"""Reads of distribution for 推广中心 (H5) and the promoter API: a promoter sees only their own
customers (masked), ledger and withdrawals; a fixed number of queries whatever the page size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from distribution.models import Binding, Commission, DistributionSettings, LedgerEntry, Promoter, Withdrawal
from shop.models import Shop
from wechat.share import referral_code, share_link


def mask_name(name: str) -> str:
    """A customer's name as their promoter sees it: the first character, then ``**`` (张** , 用**)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else "**"


@dataclass(frozen=True)
class PromoterLink:
    code: str  # the signed ``ref`` code (``X-WeiShop-Attribution: ref=<code>`` in the mini-program)
    path: str  # the shop home with it: ``/s/<shop>/?ref=<code>``


def promoter_link(*, shop: Shop, promoter: Promoter) -> PromoterLink:
    """The promoter's signed link of this shop (the same code their WeChat share cards carry)."""
    code = referral_code(shop_id=shop.pk, shop_slug=shop.slug, user_id=promoter.user_id)
    return PromoterLink(code=code, path=share_link(reverse("h5:home", args=[shop.slug]), code=code))


@dataclass(frozen=True)
class CustomerRow:
    name: str  # masked
    bound_at: datetime
    orders: int  # their orders that earned this promoter a commission (paid, level 1)
    commission_fen: int  # what those commissions came to (before refunds)


def promoter_customers(*, promoter: Promoter, offset: int = 0, limit: int = 20) -> list[CustomerRow]:
    """The customers bound to ``promoter`` (newest binding first), names masked: two queries."""
    bindings = list(
        Binding.objects.filter(promoter=promoter)
        .select_related("customer")
        .order_by("-touched_at", "-pk")[offset : offset + limit]
    )
    ids = [b.customer_id for b in bindings]
    earned = (Commission.Status.PENDING, Commission.Status.SETTLED)
    totals: dict[int, tuple[int, int]] = {
        int(user_id): (int(n or 0), int(s or 0))
        for user_id, n, s in Commission.objects.filter(
            promoter=promoter, level=1, order__user_id__in=ids, status__in=earned
        )
        .values("order__user_id")
        .annotate(n=Count("pk"), s=Sum("amount_fen"))
        .values_list("order__user_id", "n", "s")
    }
    return [
        CustomerRow(
            name=mask_name(b.customer.nickname or ""),
            bound_at=b.touched_at,
            orders=totals.get(b.customer_id, (0, 0))[0],
            commission_fen=totals.get(b.customer_id, (0, 0))[1],
        )
        for b in bindings
    ]


def promoter_customer_count(*, promoter: Promoter) -> int:
    return Binding.objects.filter(promoter=promoter).count()


def promoter_ledger(*, promoter: Promoter) -> QuerySet[LedgerEntry]:
    """The promoter's ledger, newest first (no joins: each entry carries its own words)."""
    return LedgerEntry.objects.filter(promoter=promoter).order_by("-created_at", "-pk")


def promoter_withdrawals(*, promoter: Promoter) -> QuerySet[Withdrawal]:
    return (
        Withdrawal.objects.filter(promoter=promoter).select_related("transfer").order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class Terms:
    """The shop's distribution terms, as a shopper reads them."""

    enabled: bool
    who_may_promote: str
    rate_percent: Decimal
    level2_rate_percent: Decimal | None
    binding_rule: str
    binding_days: int
    min_withdraw_fen: int


def terms(*, shop: Shop) -> Terms:
    found = DistributionSettings.objects.filter(shop=shop).first() or DistributionSettings(shop=shop)
    return Terms(
        enabled=found.is_enabled,
        who_may_promote=found.who_may_promote,
        rate_percent=found.rate_percent,
        level2_rate_percent=found.level2_rate_percent if found.level2_enabled else None,
        binding_rule=found.binding_rule,
        binding_days=found.binding_days,
        min_withdraw_fen=found.min_withdraw_fen,
    )


def terms_text(found: Terms) -> dict[str, Any]:
    """The terms in the shopper's words (translated)."""
    from django.utils.translation import gettext as _

    rule = {
        DistributionSettings.BindingRule.PERMANENT: _("客户通过你的链接首次下单后，永久归属于你。"),
        DistributionSettings.BindingRule.DAYS: _(
            "客户通过你的链接下单后 %(d)s 天内归属于你，期间再次通过你的链接会重新计算。"
        )
        % {"d": found.binding_days},
        DistributionSettings.BindingRule.LATEST: _("客户归属于最近一次推荐他下单的推广员。"),
    }[DistributionSettings.BindingRule(found.binding_rule)]
    return {"rule": rule}

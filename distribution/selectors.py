"""Reads of distribution for 推广中心 (H5) and the promoter API: a promoter sees only their own
customers (masked), ledger and withdrawals; a fixed number of queries whatever the page size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse

from core.masking import mask_name  # a customer as their promoter sees them (张**)
from distribution.models import Binding, Commission, DistributionSettings, LedgerEntry, Promoter, Withdrawal
from orders.models import AfterSale, AfterSaleLine
from shop.models import Shop
from wechat.share import referral_code, share_link


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
    orders: int  # their orders that earn this promoter a commission (level 1, net of refunds above 0)
    commission_fen: int  # what those commissions come to now: the ledger, net of voids and clawbacks


def _ledger_sum(**filters: Any) -> Coalesce:
    """The sum of a commission's ledger entries (``filters`` narrow them), as a correlated subquery
    of ``Commission`` rows: 0 when there are none."""
    entries = (
        LedgerEntry.objects.filter(commission=OuterRef("pk"), **filters)
        .order_by()
        .values("commission")
        .annotate(s=Sum("amount_fen"))
        .values("s")
    )
    return Coalesce(Subquery(entries, output_field=BigIntegerField()), Value(0))


def commission_net_fen() -> Coalesce:
    """What a commission is worth to its promoter now: all its entries (settlement's pair cancels
    out), so what it earned less what refunds voided or took back. 0 before it is paid."""
    return _ledger_sum()


def commission_taken_back_fen() -> Coalesce:
    """What refunds took back of a commission (0 or negative): its void and clawback entries."""
    return _ledger_sum(kind__in=[LedgerEntry.Kind.VOID, LedgerEntry.Kind.CLAWBACK])


def commission_refunded_base_fen() -> Coalesce:
    """What refunds gave back of a commission's base (its order's goods; shipping is no part of it),
    as a correlated subquery of ``Commission`` rows: the refunded after-sales' lines of its order
    (a commission's lines are all its order's lines)."""
    refunded = (
        AfterSaleLine.objects.filter(
            after_sale__order_id=OuterRef("order_id"), after_sale__status=AfterSale.Status.REFUNDED
        )
        .order_by()
        .values("after_sale__order_id")
        .annotate(s=Sum("amount_fen"))
        .values("s")
    )
    return Coalesce(Subquery(refunded, output_field=BigIntegerField()), Value(0))


def commissions_with_figures(queryset: QuerySet[Commission]) -> QuerySet[Commission]:
    """``queryset`` with, on each row and in the same query (admin's 佣金 list and page):
    ``taken_back_fen`` (≤ 0: what refunds voided or took back, from the ledger), ``current_fen``
    (what the commission is worth now: as fixed, less that), ``current_base_fen`` (the base less
    what refunds gave back of the goods)."""
    return queryset.annotate(
        taken_back_fen=commission_taken_back_fen(), refunded_base_fen=commission_refunded_base_fen()
    ).annotate(
        current_fen=F("amount_fen") + F("taken_back_fen"),
        current_base_fen=Greatest(F("base_fen") - F("refunded_base_fen"), Value(0)),
    )


def promoter_customers(*, promoter: Promoter, offset: int = 0, limit: int = 20) -> list[CustomerRow]:
    """The customers bound to ``promoter`` (newest binding first), names masked, with what their
    orders earn the promoter now (the ledger, after refunds): two queries."""
    bindings = list(
        Binding.objects.filter(promoter=promoter)
        .select_related("customer")
        .order_by("-touched_at", "-pk")[offset : offset + limit]
    )
    ids = [b.customer_id for b in bindings]
    totals: dict[int, tuple[int, int]] = {
        int(user_id): (int(n or 0), int(s or 0))
        for user_id, n, s in Commission.objects.filter(promoter=promoter, level=1, order__user_id__in=ids)
        .annotate(net=commission_net_fen())
        .filter(net__gt=0)
        .order_by()
        .values("order__user_id")
        .annotate(n=Count("pk"), s=Sum("net"))
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

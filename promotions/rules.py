"""What a coupon takes off an order, and the checkout pricing rule (``CouponRule``).

The arithmetic (docs/promotions.md):

- the coupon applies to the lines in its scope (the whole shop; lines whose product is in one of
  its categories or their sub-categories; lines of its products), each line counted at what is
  left of it after the rules before this one;
- the threshold compares with the sum of those lines (``eligible``): below it the coupon is
  refused with ``coupon_threshold_not_met``; no line in scope is ``coupon_not_applicable``;
- fixed (满 X 减 Y): ``min(Y, eligible)``; a red packet's amount is the claim's own;
- percentage (N 折, the shopper pays N%): ``ceil(eligible × (100 − N) / 100)`` — the discount is
  rounded UP to the fen, which is the shopper's favour — then capped by 最多减;
- the discount is allocated to the in-scope lines only, in proportion (largest remainder).

One shop coupon per order. With ``options["coupon_claim_id"]`` an id, that claim is checked
(holder, shop, status, use window, threshold, scope) and any refusal raises its own code; with
``"none"`` no coupon is used; without the option the best usable claim (the largest discount, then
the one that expires first, then the oldest) is pre-selected, and nothing is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from core.money import format_yuan
from orders.pricing import Discount, PricingContext, PricingLine, allocate
from promotions.models import Coupon, CouponClaim

if TYPE_CHECKING:
    from datetime import datetime

    from orders.models import Order

CODE = "coupon"
FLASH_CODE = "flash"  # the flash-sale rule's lines (promotions.flash.services.CODE)
OPTION = "coupon_claim_id"
NONE = "none"


def _zhe(rate: int) -> str:
    return f"{rate // 10}" if rate % 10 == 0 else f"{rate / 10:g}"


def coupon_headline(coupon: Coupon) -> str:
    if coupon.kind == Coupon.Kind.PERCENT:
        return _("%(z)s 折") % {"z": _zhe(coupon.rate_percent or 100)}
    if coupon.distribution == Coupon.Distribution.RED_PACKET:
        return _("红包")
    return format_yuan(coupon.amount_fen)


def coupon_rule_text(coupon: Coupon, *, amount_fen: int | None = None) -> str:
    """满 100 减 20 / 无门槛减 5 / 9 折 / 满 50 打 85 折 最多减 30 (the shopper's words)."""
    if coupon.kind == Coupon.Kind.PERCENT:
        zhe = _zhe(coupon.rate_percent or 100)
        text = _("%(z)s 折") % {"z": zhe}
        if coupon.threshold_fen:
            text = _("满 %(t)s 打 %(z)s 折") % {"t": format_yuan(coupon.threshold_fen), "z": zhe}
        if coupon.max_off_fen:
            text = _("%(text)s 最多减 %(cap)s") % {"text": text, "cap": format_yuan(coupon.max_off_fen)}
        return text
    amount = coupon.amount_fen if amount_fen is None else amount_fen
    if coupon.distribution == Coupon.Distribution.RED_PACKET and amount_fen is None:
        amount_text = _("随机金额")
    else:
        amount_text = format_yuan(amount)
    if coupon.threshold_fen:
        return _("满 %(t)s 减 %(a)s") % {"t": format_yuan(coupon.threshold_fen), "a": amount_text}
    return _("无门槛减 %(a)s") % {"a": amount_text}


def coupon_off_fen(coupon: Coupon, *, eligible_fen: int, claim_amount_fen: int | None = None) -> int:
    """What the coupon takes off ``eligible_fen`` of goods in its scope (threshold not checked)."""
    if eligible_fen <= 0:
        return 0
    if coupon.kind == Coupon.Kind.PERCENT:
        rate = coupon.rate_percent or 100
        off = -(-eligible_fen * (100 - rate) // 100)  # ceil: rounded up to the fen, the shopper's favour
        if coupon.max_off_fen:
            off = min(off, coupon.max_off_fen)
        return min(off, eligible_fen)
    amount = claim_amount_fen if coupon.distribution == Coupon.Distribution.RED_PACKET else coupon.amount_fen
    return min(amount or 0, eligible_fen)


@dataclass(frozen=True)
class CouponScope:
    kind: str
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()


def coupon_scopes(coupons: Iterable[Coupon]) -> dict[int, CouponScope]:
    """Each coupon's scope, in two queries whatever the number of coupons (none without coupons;
    always both otherwise, so the count does not depend on which scopes are in use)."""
    coupons = list(coupons)
    categories: dict[int, set[int]] = {}
    products: dict[int, set[int]] = {}
    if coupons:
        ids = [c.pk for c in coupons]
        category_rows = Coupon.categories.through.objects.filter(coupon_id__in=ids)
        for coupon_id, category_id in category_rows.values_list("coupon_id", "category_id"):
            categories.setdefault(coupon_id, set()).add(category_id)
        product_rows = Coupon.products.through.objects.filter(coupon_id__in=ids)
        for coupon_id, product_id in product_rows.values_list("coupon_id", "product_id"):
            products.setdefault(coupon_id, set()).add(product_id)
    return {
        c.pk: CouponScope(
            kind=c.scope,
            category_ids=frozenset(categories.get(c.pk, ()))
            if c.scope == Coupon.Scope.CATEGORIES
            else frozenset(),
            product_ids=frozenset(products.get(c.pk, ()))
            if c.scope == Coupon.Scope.PRODUCTS
            else frozenset(),
        )
        for c in coupons
    }


def category_parents(category_ids: Iterable[int | None]) -> dict[int, int | None]:
    """category id -> its parent's id (one query), for scopes that include sub-categories."""
    ids = {pk for pk in category_ids if pk}
    if not ids:
        return {}
    return dict(Category.objects.filter(pk__in=ids).values_list("pk", "parent_id"))


def line_in_scope(scope: CouponScope, *, product_id: int, category_id: int | None, parents: dict) -> bool:
    if scope.kind == Coupon.Scope.SHOP:
        return True
    if scope.kind == Coupon.Scope.PRODUCTS:
        return product_id in scope.product_ids
    if category_id is None:
        return False
    return category_id in scope.category_ids or parents.get(category_id) in scope.category_ids


@dataclass(frozen=True)
class Evaluation:
    claim: CouponClaim
    amount_fen: int
    allocation: dict[int, int]
    refusal: ApplicationError | None = None


def _refusal(code: str, message: str, status: int = 400) -> ApplicationError:
    if code == "coupon_not_found":
        return NotFoundError(code, message)
    return ApplicationError(code, message, http_status=status)


def claim_evaluate(
    claim: CouponClaim,
    *,
    lines: Sequence[PricingLine],
    room: dict[int, int],
    scope: CouponScope,
    parents: dict[int, int | None],
    now: datetime,
    flash_skus: frozenset[int] = frozenset(),
) -> Evaluation:
    """What ``claim`` would take off these lines, or why it cannot (``refusal``). Lines sold at a
    flash price (``flash_skus``) count only for a coupon that stacks with flash sales."""
    coupon = claim.coupon

    def refused(code: str, message: str, status: int = 400) -> Evaluation:
        return Evaluation(claim=claim, amount_fen=0, allocation={}, refusal=_refusal(code, message, status))

    if claim.status == CouponClaim.Status.USED:
        return refused("coupon_used", _("这张优惠券已经用过了。"), 409)
    if now < claim.valid_from:
        return refused("coupon_not_started", _("这张优惠券还没到可用时间。"))
    if now >= claim.valid_until:
        return refused("coupon_expired", _("这张优惠券已过期。"))
    in_scope = {
        line.sku_id: room.get(line.sku_id, 0)
        for line in lines
        if line_in_scope(scope, product_id=line.product_id, category_id=line.category_id, parents=parents)
        and (coupon.stacks_with_flash or line.sku_id not in flash_skus)
    }
    eligible = sum(in_scope.values())
    if not in_scope or eligible <= 0:
        return refused("coupon_not_applicable", _("这张优惠券不适用于所选商品。"))
    if eligible < coupon.threshold_fen:
        return refused(
            "coupon_threshold_not_met",
            _("适用商品满 %(t)s 才能用这张券，还差 %(d)s。")
            % {"t": format_yuan(coupon.threshold_fen), "d": format_yuan(coupon.threshold_fen - eligible)},
        )
    amount = coupon_off_fen(coupon, eligible_fen=eligible, claim_amount_fen=claim.amount_fen)
    if amount <= 0:
        return refused("coupon_not_applicable", _("这张优惠券不适用于所选商品。"))
    shares = {sku: fen for sku, fen in allocate(amount, in_scope).items() if fen}
    return Evaluation(claim=claim, amount_fen=amount, allocation=shares)


def claims_evaluate(
    claims: Sequence[CouponClaim],
    *,
    lines: Sequence[PricingLine],
    room: dict[int, int] | None = None,
    flash_skus: frozenset[int] = frozenset(),
) -> list[Evaluation]:
    """Every claim evaluated against the lines, in a fixed number of queries (the claims come with
    their coupons: ``select_related("coupon")``)."""
    if room is None:
        room = {line.sku_id: line.total_fen for line in lines}
    scopes = coupon_scopes({claim.coupon_id: claim.coupon for claim in claims}.values())
    parents = category_parents(line.category_id for line in lines) if claims else {}
    now = timezone.now()
    return [
        claim_evaluate(
            claim,
            lines=lines,
            room=room,
            scope=scopes[claim.coupon_id],
            parents=parents,
            now=now,
            flash_skus=flash_skus,
        )
        for claim in claims
    ]


def best_evaluation(evaluations: Iterable[Evaluation]) -> Evaluation | None:
    """The largest discount; then the claim that expires first; then the oldest."""
    usable = [e for e in evaluations if e.refusal is None]
    if not usable:
        return None
    return min(usable, key=lambda e: (-e.amount_fen, e.claim.valid_until, e.claim.pk))


def usable_claims(*, shop: Any, user: Any) -> list[CouponClaim]:
    """The shopper's claims of this shop that can be used now (one query, coupons joined)."""
    now = timezone.now()
    return list(
        CouponClaim.objects.select_related("coupon")
        .filter(
            shop=shop,
            user=user,
            status__in=CouponClaim.USABLE_STATUSES,
            valid_from__lte=now,
            valid_until__gt=now,
        )
        .order_by("valid_until", "pk")
    )


def discount_of(evaluation: Evaluation) -> Discount:
    claim = evaluation.claim
    return Discount(
        code=CODE,
        label=_("优惠券 · %(name)s") % {"name": claim.coupon.name},
        amount_fen=evaluation.amount_fen,
        ref=f"coupon_claim:{claim.pk}",
        data={"claim_id": claim.pk, "coupon_id": claim.coupon_id, "coupon_name": claim.coupon.name},
        allocation=evaluation.allocation,
    )


def claim_id_of(discount_ref: str) -> int | None:
    prefix, _sep, value = discount_ref.partition(":")
    return int(value) if prefix == "coupon_claim" and value.isdigit() else None


class CouponRule:
    """The checkout rule of shop coupons: one per order (module docstring)."""

    code = CODE
    name = gettext_lazy("优惠券")

    def apply(self, context: PricingContext) -> list[Discount]:
        choice = context.options.get(OPTION)
        user = context.user
        if choice == NONE or user is None or not getattr(user, "is_authenticated", False):
            return []
        room = {line.sku_id: line.total_fen for line in context.lines}
        for earlier in context.discounts:
            for sku_id, fen in (earlier.allocation or {}).items():
                room[sku_id] = room.get(sku_id, 0) - fen
        flash_skus = frozenset(
            sku_id
            for earlier in context.discounts
            if earlier.code == FLASH_CODE
            for sku_id in earlier.allocation or {}
        )
        if choice is None:
            best = best_evaluation(
                claims_evaluate(
                    usable_claims(shop=context.shop, user=user),
                    lines=context.lines,
                    room=room,
                    flash_skus=flash_skus,
                )
            )
            return [discount_of(best)] if best is not None else []
        claim = (
            CouponClaim.objects.select_related("coupon")
            .filter(pk=choice, shop=context.shop, user=user)
            .first()
            if is_int(choice)
            else None
        )
        if claim is None:
            raise NotFoundError("coupon_not_found", _("没有找到这张优惠券。"))
        (evaluation,) = claims_evaluate([claim], lines=context.lines, room=room, flash_skus=flash_skus)
        if evaluation.refusal is not None:
            raise evaluation.refusal
        return [discount_of(evaluation)]

    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        """Mark the claim used by one conditional UPDATE: of many orders racing for one claim,
        exactly one wins; the others are refused with ``coupon_used`` (and their stock rolls back)."""
        claim_id = claim_id_of(discount.ref) or 0
        now = timezone.now()
        used = CouponClaim.objects.filter(
            pk=claim_id, user=context.user, status__in=CouponClaim.USABLE_STATUSES, valid_until__gt=now
        ).update(status=CouponClaim.Status.USED, used_order=order, used_at=now, updated_at=now)
        if not used:
            raise ApplicationError(
                "coupon_used", _("这张优惠券已在其他订单使用，请重新选择。"), http_status=409
            )


coupon_rule = CouponRule()

"""Give the refunds reserved before after-sales had lines (refunding or refunded) their lines, by
the rule a refund asked as an amount follows today (orders/refund_split.py ``split_amount``): each
order's refunds in the order they were made, the amount over the lines in proportion to the money
each has left (largest remainder), the part above the goods to shipping. The arithmetic is
copied here so that later changes to the module never change what this migration did."""

from django.db import migrations


def _allocate(amount, weights):
    total = sum(weights.values())
    if amount <= 0 or total <= 0:
        return dict.fromkeys(weights, 0)
    shares = {key: amount * weight // total for key, weight in weights.items()}
    left = amount - sum(shares.values())
    for key in sorted(weights, key=lambda key: (-(amount * weights[key] % total), key))[:left]:
        shares[key] += 1
    return shares


def backfill(apps, schema_editor):
    AfterSale = apps.get_model("orders", "AfterSale")
    AfterSaleLine = apps.get_model("orders", "AfterSaleLine")
    OrderLine = apps.get_model("orders", "OrderLine")
    committed = ("refunding", "refunded")
    order_ids = (
        AfterSale.objects.filter(status__in=committed, lines__isnull=True).values_list("order_id", flat=True).distinct()
    )
    for order_id in sorted(set(order_ids)):
        lines = list(OrderLine.objects.filter(order_id=order_id).order_by("pk"))
        state = {line.pk: [0, 0, 0] for line in lines}  # units, money, discount taken
        after_sales = AfterSale.objects.filter(order_id=order_id, status__in=committed).select_related("order")
        shipping_taken = 0
        for after_sale in after_sales.order_by("created_at", "pk"):
            paid = {line.pk: line.total_fen - line.discount_fen for line in lines}
            left = {pk: max(0, paid[pk] - state[pk][1]) for pk in paid}
            goods = min(after_sale.amount_fen, sum(left.values()))
            shipping = after_sale.amount_fen - goods
            if shipping > after_sale.order.shipping_fen - shipping_taken:
                continue  # does not fit (never expected): left without lines, as before
            shares = _allocate(goods, left)
            all_back = goods == sum(left.values())
            rows = []
            for line in lines:
                units, money, discount = state[line.pk]
                amount = shares[line.pk]
                completes = amount == left[line.pk] and (amount > 0 or all_back)
                quantity = line.quantity - units if completes else 0
                if amount == 0 and quantity == 0:
                    continue
                if paid[line.pk] > 0:
                    back = money + amount
                    given = line.discount_fen if back >= paid[line.pk] else line.discount_fen * back // paid[line.pk]
                else:
                    given = line.discount_fen * (units + quantity) // line.quantity
                given_up = min(line.discount_fen - discount, max(0, given - discount))
                state[line.pk] = [units + quantity, money + amount, discount + given_up]
                rows.append(
                    AfterSaleLine(
                        shop_id=after_sale.shop_id, after_sale_id=after_sale.pk, order_line_id=line.pk,
                        quantity=quantity, amount_fen=amount, discount_fen=given_up,
                    )
                )
            AfterSaleLine.objects.bulk_create(rows)
            AfterSale.objects.filter(pk=after_sale.pk).update(shipping_fen=shipping)
            shipping_taken += shipping


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_after_sale_lines")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

"""Recompute the dashboard's order figures (orders, paying customers, sales, refunds) of any range
of days from the orders themselves, e.g. after importing orders or to build the figures of the
days before analytics was installed. Visit figures cannot be rebuilt (they were only ever counted
in the cache) and are left as they are. Safe to run while the shop is open and the job runs."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.services import orders_figures_recompute
from shop.models import Shop

CHUNK_DAYS = 31  # one transaction per month of days


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r} / 日期格式应为 YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Rebuild the dashboard's order figures of a range of days from the orders (analytics)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day, YYYY-MM-DD (default: the first order's day)")
        parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--shop", action="append", default=[], help="a shop's handle (repeat for more; default: all)"
        )

    def handle(self, *args, since: str | None, until: str | None, shop: list[str], **options):
        from orders.models import Order

        shop_ids = None
        if shop:
            found = dict(Shop.objects.filter(slug__in=shop).values_list("slug", "pk"))
            missing = sorted(set(shop) - set(found))
            if missing:
                raise CommandError(f"no such shop: {', '.join(missing)} / 没有这个店铺")
            shop_ids = list(found.values())
        last = _day(until) if until else timezone.localdate()
        if since:
            first = _day(since)
        else:
            orders = Order.objects.all() if shop_ids is None else Order.objects.filter(shop_id__in=shop_ids)
            earliest = orders.order_by("created_at").values_list("created_at", flat=True).first()
            first = timezone.localdate(earliest) if earliest else last
        if first > last:
            raise CommandError("--since is after --until / 开始日期晚于结束日期")
        written = 0
        chunk = first
        while chunk <= last:
            end = min(chunk + timedelta(days=CHUNK_DAYS - 1), last)
            written += orders_figures_recompute(since=chunk, until=end, shop_ids=shop_ids)
            chunk = end + timedelta(days=1)
        self.stdout.write(f"days={(last - first).days + 1} since={first} until={last} rows={written}")

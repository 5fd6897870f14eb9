"""Reconcile a downloaded WeChat Pay trade bill: ``manage.py import_wechat_bill <shop> <bill.csv>``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.bill import bill_reconcile, decode_bill
from payments.models import WeChatPayConfig


class Command(BaseCommand):
    help = "Compare WeChat Pay's daily trade bill with the shop's payment records and list every difference."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug")
        parser.add_argument("bill", type=Path)

    def handle(self, *args, shop_slug: str, bill: Path, **options):
        config = WeChatPayConfig.objects.filter(shop__slug=shop_slug).select_related("shop").first()
        if config is None:
            raise CommandError(f"shop {shop_slug!r} has no WeChat Pay account")
        try:
            text = decode_bill(bill.read_bytes())
            report = bill_reconcile(shop=config.shop, text=text, mchid=config.mchid)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"rows={report.rows} matched={report.matched} problems={len(report.problems)}")
        for problem in report.problems:
            self.stdout.write(f"  [{problem['kind']}] {problem['out_trade_no']}: {problem['detail']}")

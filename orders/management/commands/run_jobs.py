"""Run the periodic order jobs without Celery: once, or every --interval seconds (``make run``)."""

import time

from django.core.management.base import BaseCommand

from orders.jobs import run_due_jobs


class Command(BaseCommand):
    help = "Cancel unpaid orders past their deadline and complete orders past their confirmation period."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running (development without Redis)")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between runs with --loop")

    def handle(self, *args, loop: bool, interval: float, **options):
        while True:
            done = run_due_jobs()
            changed = {name: n for name, n in done.items() if n}
            if changed or not loop:
                self.stdout.write(" ".join(f"{name}={n}" for name, n in done.items()))
            if not loop:
                return
            time.sleep(interval)

from django.core.management.base import BaseCommand

from config.demo import DEMO_LOGINS, demo_load


class Command(BaseCommand):
    help = "Load the demo shops (idempotent: a second run changes nothing). Never run it in production."

    def handle(self, *args, **options):
        result = demo_load()
        if result.changed:
            summary = ", ".join(f"{what} {n}" for what, n in result.created.items())
            self.stdout.write(self.style.SUCCESS(f"演示数据已加载 (demo data loaded): {summary}"))
        else:
            self.stdout.write("演示数据已存在，未做更改 (demo data already loaded, nothing changed)")
        for username, password, who in DEMO_LOGINS:
            self.stdout.write(f"  {who}: {username} / {password}")

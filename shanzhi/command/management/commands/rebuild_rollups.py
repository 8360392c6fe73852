import time

from django.core.management.base import BaseCommand

from shanzhi.command.services import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the command centre's rollups from the work orders."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = rollups_rebuild(progress=lambda n: n % 100_000 == 0 and self.stdout.write(f"… {n}"))
        elapsed = time.perf_counter() - started
        self.stdout.write(f"rebuilt rollups from {count} work orders in {elapsed:.1f} s")

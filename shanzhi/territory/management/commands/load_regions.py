from django.core.management.base import BaseCommand

from shanzhi.territory.services import regions_load_national


class Command(BaseCommand):
    help = "Load China's provinces, cities and counties (codes and centres) from the cpca package."

    def handle(self, *args, **options):
        changed = regions_load_national(actor="cli")
        self.stdout.write(f"{changed} regions added or updated")

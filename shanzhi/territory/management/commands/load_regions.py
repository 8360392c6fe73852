from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.errors import ServiceError
from shanzhi.territory.services import regions_load_national


class Command(BaseCommand):
    help = (
        "Load China's provinces, cities and counties (codes and centres) from the cpca package "
        "(pip install 'shanzhi[regions]')."
    )

    def handle(self, *args, **options):
        try:
            changed = regions_load_national(actor="cli")
        except ServiceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{changed} regions added or updated")

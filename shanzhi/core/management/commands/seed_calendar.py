from django.core.management.base import BaseCommand

from shanzhi.core.services import calendar_seed_from_package


class Command(BaseCommand):
    help = "Load statutory holidays and make-up working days from the chinese-calendar package."

    def handle(self, *args, **options):
        added = calendar_seed_from_package(actor="cli")
        self.stdout.write(f"added {added} calendar dates")

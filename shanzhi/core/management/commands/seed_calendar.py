from django.core.management.base import BaseCommand

from shanzhi.core.services import calendar_seed


class Command(BaseCommand):
    help = (
        "Load statutory holidays and make-up working days from the chinese-calendar package, and a "
        "provisional rule-based calendar (the holidays package) for this year, and from November "
        "on for next year, when the official arrangement is missing."
    )

    def handle(self, *args, **options):
        added = calendar_seed(actor="cli")
        self.stdout.write(f"added {added} calendar dates")

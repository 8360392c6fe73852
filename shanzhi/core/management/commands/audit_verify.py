from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit chain; exit 0 when intact, 1 naming the first broken event."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"审计链损坏 AUDIT CHAIN BROKEN at event {report.broken_event_id}: "
                f"{report.problem} "
                f"({report.checked} events verified before it)",
                returncode=1,
            )
        self.stdout.write(f"审计链完整 audit chain intact: {report.checked} events")

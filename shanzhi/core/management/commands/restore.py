from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `shanzhi backup` into this installation (stop the web and "
        "the worker first). Refuses a database that already holds data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup's tar file")
        parser.add_argument(
            "--force", action="store_true", help="replace the data this installation holds"
        )

    def handle(self, *args, path, force=False, **options):
        try:
            result = backup_restore(path, force=force)
        except BackupError as error:
            raise CommandError(error.message) from None
        head = result.manifest["audit_head"]
        self.stdout.write(
            f"还原完成 restored: {path}（{result.manifest['created_at']}）\n"
            f"  行数与备份清单一致 row counts match the manifest: {len(result.counts)} 张表，"
            f"{sum(result.counts.values())} 行\n"
            f"  审计链末尾 audit head: event {head['last_event_id']}"
        )
        if result.archived_checkpoints:
            self.stdout.write(
                f"  {result.archived_checkpoints} 个晚于备份的检查点已移至 anchors/archived-…"
                " (checkpoints newer than the backup moved aside)"
            )
        # Brings a backup of an older release up to this one's schema.
        call_command("migrate", interactive=False, verbosity=0)

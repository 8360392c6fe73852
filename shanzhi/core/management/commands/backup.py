from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Back up the database, the uploads and the audit checkpoints into one tar file while the "
        "system runs (default: <data dir>/backups/shanzhi-<time>.tar). The secret keys are not "
        "included: back them up separately (docs/operations.md#backups)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="file or folder to write")

    def handle(self, *args, path=None, **options):
        try:
            result = backup_write(path)
        except BackupError as error:
            raise CommandError(error.message) from None
        counts = result.manifest["counts"]
        files = result.manifest["files"]
        self.stdout.write(
            f"备份完成 backup written: {result.path}\n"
            f"  {len(counts)} 张表共 {sum(counts.values())} 行，"
            f"审计事件 {counts['core.auditevent']}，附件文件 {files['media']}，"
            f"检查点 {files['anchors']} (tables, rows, audit events, uploaded files, checkpoints)"
        )

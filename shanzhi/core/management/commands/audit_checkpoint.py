from django.core.management.base import BaseCommand

from shanzhi.core.services import audit_checkpoint_write


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head now, if it moved since the last."

    def handle(self, *args, **options):
        path = audit_checkpoint_write()
        if path is None:
            self.stdout.write(
                "无需写入检查点 nothing new to checkpoint: the head has not moved since the last"
            )
        else:
            self.stdout.write(f"已写入审计检查点 audit checkpoint written: {path}")

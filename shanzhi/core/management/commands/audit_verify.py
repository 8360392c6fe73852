from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shanzhi.core.selectors import audit_chain_verify


def local_time(moment) -> str:
    zone = timezone.get_current_timezone_name()
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S} ({zone})"


class Command(BaseCommand):
    help = (
        "Check the signed checkpoints and walk the keyed audit chain; exit 0 when intact, "
        "1 naming the first event after which the history no longer matches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors", type=Path, help="checkpoint directory (default SHANZHI_AUDIT_ANCHOR_DIR)"
        )
        parser.add_argument(
            "--public-key",
            type=Path,
            help="Ed25519 public key that signed them (default SHANZHI_AUDIT_PUBLIC_KEY)",
        )

    def handle(self, *args, **options):
        report = audit_chain_verify(
            anchor_dir=options["anchors"], public_key_path=options["public_key"]
        )
        proven = (
            f"已证明至事件 {report.proven_through} proven through event {report.proven_through}, "
            f"checkpoint of {local_time(report.proven_at)}"
            if report.proven_through
            else "无可证明的检查点 nothing proven by a checkpoint"
        )
        if not report.ok:
            if report.failure == "key":
                title = "审计链密钥缺失 AUDIT KEY MISSING"
            elif report.failure == "checkpoint":
                title = "审计检查点无效 AUDIT CHECKPOINT INVALID"
            else:
                title = f"审计链损坏 AUDIT CHAIN BROKEN at event {report.broken_event_id}"
            raise CommandError(
                f"{title}: {report.problem} ({report.checked} events verified before it; {proven})",
                returncode=1,
            )
        self.stdout.write(f"审计链完整 audit chain intact: {report.checked} events")
        keyed = report.checked - report.legacy
        if report.legacy and not keyed:
            # Nothing covers the plain part yet: anyone who can write the table could have
            # rewritten all of it (or moved keyed_from past the end to make it look so).
            self.stdout.write(
                f"  警告 WARNING: all {report.legacy} events are plain SHA-256 and no keyed event "
                "covers them yet: the history is not protected until the next event is written"
            )
        elif report.legacy:
            self.stdout.write(
                f"  {report.legacy} events before the chain was keyed (plain SHA-256, covered by "
                f"event {report.keyed_from}), {keyed} keyed with HMAC-SHA256"
            )
        else:
            self.stdout.write(f"  {keyed} events keyed with HMAC-SHA256")
        if report.proven_through:
            later = report.checked - report.proven_count
            self.stdout.write(
                f"{proven} ({report.checkpoints} checkpoints; "
                f"{later} later events not yet checkpointed)"
            )
        else:
            self.stdout.write(
                "尚无检查点 no checkpoint yet: a deletion of the newest events would go unnoticed; "
                "run `shanzhi audit-checkpoint`"
            )

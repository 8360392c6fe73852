from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shanzhi.demo import builder


class Command(BaseCommand):
    help = "Build (or with --reset rebuild) the demo municipality 湖州市; deterministic per seed."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="erase all data first")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", help="password of the demo accounts (default: random)")
        parser.add_argument(
            "--history",
            type=int,
            default=builder.DEMO_HISTORY,
            help="past work orders of the last year to add (0: none)",
        )

    def handle(
        self, *args, reset=False, seed=2026, password=None, history=builder.DEMO_HISTORY, **options
    ):
        if history < 0:
            raise CommandError("--history must be 0 or more")
        # A fresh data directory has no tables yet: the demo needs the schema and the calendar.
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        elif not builder.is_empty():
            raise CommandError(
                "数据库中已有数据；如需重建演示数据请加 --reset（会清空全部数据）。"
                " The database is not empty: use --reset to erase it and rebuild."
            )
        from shanzhi.core.services import calendar_seed_from_package

        calendar_seed_from_package(actor="demo")  # the dates the table does not have yet
        result = builder.build(seed=seed, password=password)
        builder.remember_password(result.password)
        if history:
            self.stdout.write(
                f"正在生成近一年的 {history} 件历史工单 … adding {history} past orders …"
            )
            builder.add_history(orders=history, seed=seed)
            result.counts["past_work_orders"] = history
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        self.stdout.write(f"演示数据已建立 (seed {seed}): {counts}")
        print_accounts(self.stdout, result.password)


def print_accounts(out, password: str | None) -> None:
    from shanzhi.demo.data import ACCOUNTS
    from shanzhi.org.choices import Role

    out.write("演示账号 Demo accounts:")
    for username, name, role, _where in ACCOUNTS:
        out.write(f"  {username:<13} {name:<4} {Role(role).label}")
    if password:
        out.write(f"  密码 Password: {password}")

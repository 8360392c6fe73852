"""The `shanzhi` command.

shanzhi up [--host H] [--port P] [--no-demo] [--history N]
                                               migrate, demo data if empty, web + worker
shanzhi demo [--reset] [--seed N] [--password P] [--history N]
shanzhi serve [--bind A:P] [--workers N]       the production web server alone (gunicorn)
shanzhi worker                                 the background worker alone
shanzhi mqtt                                   the consumer of sensor alarms (SHANZHI_MQTT_URL)
shanzhi token create USERNAME                  print a new API token
shanzhi audit-verify [--anchors DIR] [--public-key FILE]
                                               check the checkpoints, walk the audit chain
shanzhi audit-checkpoint                       sign the chain's head into anchors/ now
shanzhi backup [PATH]                          database, uploads and checkpoints into one file
shanzhi restore PATH [--force]                 put a backup back (docs/operations.md)
shanzhi bench NAME [...]                       run a benchmark from bench/
shanzhi manage ...                             any Django management command
"""

import argparse
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")
    import django

    django.setup()


def _manage(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["shanzhi manage", *argv])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def _command(name: str, *args: str) -> int:
    """Run one of our management commands in this process and turn its error into an exit code
    (unlike `manage`, this leaves the database connection open for the caller)."""
    _setup()
    from django.core.management import CommandError, call_command

    try:
        call_command(name, *args)
    except CommandError as error:
        print(f"CommandError: {error}", file=sys.stderr)
        return error.returncode
    return 0


def _not_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError("a number, 0 or more")
    return int(text)


def cmd_up(args) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    from shanzhi.core.services import calendar_seed
    from shanzhi.demo import builder
    from shanzhi.demo.management.commands.demo import print_accounts

    print(f"数据目录 data directory: {settings.DATA_DIR}")
    call_command("migrate", interactive=False, verbosity=0)
    # Adds only dates the table does not have yet, and a provisional calendar for a watched year
    # without its official arrangement (docs/configuration.md, the working-day calendar).
    calendar_seed(actor="up")
    if not args.no_demo and builder.is_empty():
        print("首次启动：正在建立演示数据（湖州市）… building the demo municipality …")
        # The demo's own appeals notify as real ones do; hundreds of such lines would bury the
        # address and the password.
        notify_log = logging.getLogger("shanzhi.notify")
        level = notify_log.level
        notify_log.setLevel(logging.WARNING)
        try:
            result = builder.build(seed=2026)
            builder.remember_password(result.password)
            history = builder.DEMO_HISTORY if args.history is None else args.history
            if history:
                print(f"… 近一年的 {history} 件历史工单 {history} past work orders …")
                builder.add_history(orders=history)
        finally:
            notify_log.setLevel(level)
    from django.core.management.base import OutputWrapper

    env = _with_metrics_dir(dict(os.environ), settings.DATA_DIR)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not env.get("SHANZHI_ALLOWED_HOSTS"):
        env["SHANZHI_ALLOWED_HOSTS"] = "*"
        print("提示：已监听非本机地址，允许任意 Host；生产环境请设置 SHANZHI_ALLOWED_HOSTS。")
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    url = f"http://{shown_host}:{args.port}/"

    commands = {
        "web": gunicorn_command(f"{args.host}:{args.port}", args.workers),
        "worker": [sys.executable, "-m", "shanzhi.cli", "worker"],
    }
    if settings.MQTT_URL:
        print(f"物联感知告警 sensor alarms: subscribing to {settings.MQTT_TOPIC}", flush=True)
        commands["mqtt"] = [sys.executable, "-m", "shanzhi.cli", "mqtt"]
    supervisor = Supervisor(commands, env)
    supervisor.start()

    # The box comes last, once the server answers, so that the start-up lines of the server and
    # the worker do not push the address and the password out of sight.
    _wait_for_port(shown_host, args.port, supervisor.children["web"])
    if supervisor.children["web"].poll() is not None:  # never answered: the port, the settings
        supervisor.stop()
        print(f"善治未能启动：端口 {args.port} 上的网页服务已退出 (the web server exited)")
        return 1
    time.sleep(1)  # the server's and the worker's start-up lines come first
    print()
    if not args.no_demo:
        print_accounts(OutputWrapper(sys.stdout), None)
    print(
        _banner(
            url,
            None if args.no_demo else builder.remembered_password(),
            warnings=calendar_banner_lines(),
        ),
        flush=True,
    )

    signal.signal(signal.SIGTERM, lambda *_: supervisor.request_stop())
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.watch()
    supervisor.stop()
    return 0


def _with_metrics_dir(env: dict, data_dir) -> dict:
    """/metrics adds up the request figures of all web workers from files in this folder
    (prometheus_client's multiprocess mode); emptied at each start."""
    if "PROMETHEUS_MULTIPROC_DIR" not in env:
        metrics_dir = Path(data_dir) / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    return env


def gunicorn_command(bind: str, workers: int, *, timeout: int = 30) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "shanzhi.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        # Django is imported once, in the master: a worker that dies is replaced in
        # milliseconds instead of importing everything again (2–8 s).
        "--preload",
        # gunicorn's control socket would go to ~/.gunicorn/, shared by every instance on the
        # machine and absent for a service user without a home: signals do the same.
        "--no-control-socket",
    ]


def cmd_serve(args) -> int:
    """The production web server alone: gunicorn with preloaded workers, no demo, no
    migrations, no worker (run `shanzhi worker` beside it). Replaces this process, so that a
    service manager's signals reach gunicorn: HUP reloads the workers, TERM stops gracefully."""
    _setup()
    from django.conf import settings

    # Client addresses behind a proxy are Django's business (SHANZHI_TRUSTED_PROXIES), as is the
    # scheme (SHANZHI_BEHIND_HTTPS_PROXY): gunicorn's own forwarded-header options stay unused.
    command = gunicorn_command(args.bind, args.workers, timeout=args.timeout)
    env = _with_metrics_dir(dict(os.environ), settings.DATA_DIR)
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # noqa: S606  (our own arguments, no shell)
    return 0  # not reached


class Supervisor:
    """The children of `shanzhi up` (web server, worker, MQTT consumer). One that dies is started
    again, after a pause that doubles while it keeps dying young (up to a minute), so that one
    failing part never takes the whole system down with it."""

    RESTART_MAX = 60.0
    YOUNG = 30.0  # seconds: a child that dies sooner is failing, not crashed once

    def __init__(self, commands: dict[str, list[str]], env: dict):
        self.commands = commands
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}
        self.started: dict[str, float] = {}
        self.pause: dict[str, float] = {}
        self.stopping = False

    def start(self, names=None) -> None:
        for name in names or self.commands:
            self.children[name] = subprocess.Popen(self.commands[name], env=self.env)
            self.started[name] = time.monotonic()

    def request_stop(self) -> None:
        self.stopping = True

    def watch(self, poll: float = 0.5) -> None:
        due: dict[str, float] = {}
        while not self.stopping:
            now = time.monotonic()
            for name, child in self.children.items():
                if name in due or child.poll() is None:
                    continue
                young = now - self.started[name] < self.YOUNG
                pause = min(self.pause.get(name, 0.5) * 2, self.RESTART_MAX) if young else 1.0
                self.pause[name] = pause
                due[name] = now + pause
                print(
                    f"！{name} 进程已退出（返回码 {child.returncode}），{pause:.0f} 秒后重启"
                    f" ({name} exited with {child.returncode}; restarting in {pause:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
            for name, when in list(due.items()):
                if now >= when:
                    del due[name]
                    self.start([name])
            time.sleep(poll)

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        for child in self.children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def _wait_for_port(host: str, port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


def calendar_banner_lines(today=None) -> list[str]:
    """The calendar's gaps for the box of `shanzhi up`: this year without its official holiday
    arrangement, always; next year, from November 1st (core.checks.calendar_gaps)."""
    from shanzhi.core.checks import calendar_gaps

    lines = []
    for gap in calendar_gaps(today):
        meanwhile = "暂按规则推算的临时日历" if gap.provisional else "暂按周一至周五"
        lines += [
            f"！工作日历缺少 {gap.year} 年国务院节假日安排，期限{meanwhile}计算："
            "请到 系统管理 → 工作日历 → 导入国务院通知",
            f"  (No official {gap.year} holidays yet: paste the State Council's notice in the "
            "admin, Working-day calendar → Import notice.)",
        ]
    return lines


def _banner(url: str, password: str | None, warnings: list[str] | None = None) -> str:
    lines = [f"善治已启动 Shanzhi is running:  {url}"]
    if password:
        lines.append(f"演示账号密码 Demo password:   {password}")
    lines += warnings or []
    lines.append("按 Ctrl+C 停止 · press Ctrl+C to stop")
    rule = "=" * 64
    return "\n".join([rule, *(f"  {line}" for line in lines), rule])


def cmd_worker(args) -> int:
    """The task loop, plus the scheduler thread that beats the worker's heartbeat and enqueues
    periodic jobs when due. A database outage pauses both; neither ends the process."""
    _setup()
    from django.conf import settings

    from shanzhi.core.scheduler import start_thread
    from shanzhi.core.worker import ResilientWorker, new_worker_id, run_rq_worker

    worker_id = new_worker_id()
    start_thread(worker_id=worker_id)
    if settings.TASKS_BACKEND == "rq":
        run_rq_worker(worker_id)
        return 0
    worker = ResilientWorker(
        queue_names=["*"],
        interval=args.interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()
    return 0


def cmd_mqtt(args) -> int:
    """Consume sensor alarms from the broker until SIGTERM or Ctrl+C."""
    _setup()
    from shanzhi.interop.mqtt import MqttConfigError, consumer_from_settings

    overrides = {k: v for k, v in (("url", args.url), ("topic", args.topic)) if v}
    try:
        consumer = consumer_from_settings(**overrides)
    except MqttConfigError as error:
        print(f"shanzhi mqtt: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
    print(
        f"物联感知告警 sensor alarms: {consumer.broker} topic {consumer.topic}"
        f" as {consumer.client_id}",
        flush=True,
    )
    try:
        consumer.run()
    except KeyboardInterrupt:
        consumer.stop()
    return 0


def cmd_bench(args) -> int:
    bench_dir = Path(__file__).resolve().parent.parent / "bench"
    script = bench_dir / f"{args.name}.py"
    if not script.is_file():
        available = sorted(p.stem for p in bench_dir.glob("*.py") if not p.stem.startswith("_"))
        print(
            f"unknown benchmark {args.name!r}; available: {', '.join(available) or 'none'}"
            " (benchmarks ship with the source checkout)",
            file=sys.stderr,
        )
        return 2
    _setup()
    import runpy

    sys.argv = [str(script), *args.rest]
    runpy.run_path(str(script), run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "manage":
        return _manage(argv[1:])
    parser = argparse.ArgumentParser(prog="shanzhi", description="善治 Shanzhi")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole system on this machine")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--workers", type=int, default=2, help="web worker processes")
    up.add_argument("--no-demo", action="store_true", help="do not build the demo data")
    up.add_argument(
        "--history",
        type=_not_negative,
        help="past work orders the demo gets on its first start (default 20,000; 0: none)",
    )
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="the production web server alone (gunicorn)")
    serve.add_argument(
        "--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="worker processes (default: 2 × cores + 1)",
    )
    serve.add_argument("--timeout", type=int, default=30, help="seconds before a hung worker dies")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="build the demo municipality")
    demo.add_argument("--reset", action="store_true")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--password")
    demo.add_argument("--history", type=_not_negative)
    demo.set_defaults(
        func=lambda a: _manage(
            ["demo", "--seed", str(a.seed)]
            + (["--history", str(a.history)] if a.history is not None else [])
            + (["--reset"] if a.reset else [])
            + (["--password", a.password] if a.password else [])
        )
    )

    worker = sub.add_parser("worker", help="run the background worker")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.set_defaults(func=cmd_worker)

    mqtt = sub.add_parser("mqtt", help="consume sensor and video alarms from the MQTT broker")
    mqtt.add_argument("--url", help="broker URL (default: SHANZHI_MQTT_URL)")
    mqtt.add_argument("--topic", help="topic filter (default: SHANZHI_MQTT_TOPIC)")
    mqtt.set_defaults(func=cmd_mqtt)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="print a new token for USERNAME")
    create.add_argument("username")
    create.add_argument("--name", default="")
    create.set_defaults(func=lambda a: _command("token", "create", a.username, "--name", a.name))

    verify = sub.add_parser(
        "audit-verify", help="check the signed checkpoints and walk the audit chain"
    )
    verify.add_argument("--anchors", help="checkpoint directory (default: the anchor directory)")
    verify.add_argument("--public-key", help="public key file (default: the configured one)")
    verify.set_defaults(
        func=lambda a: _command(
            "audit_verify",
            *(["--anchors", a.anchors] if a.anchors else []),
            *(["--public-key", a.public_key] if a.public_key else []),
        )
    )

    checkpoint = sub.add_parser(
        "audit-checkpoint", help="write a signed checkpoint of the audit chain's head now"
    )
    checkpoint.set_defaults(func=lambda a: _command("audit_checkpoint"))

    backup = sub.add_parser(
        "backup", help="back up the database, uploads and audit checkpoints into one file"
    )
    backup.add_argument("path", nargs="?", help="file or folder (default: <data dir>/backups/)")
    backup.set_defaults(func=lambda a: _command("backup", *([a.path] if a.path else [])))

    restore = sub.add_parser("restore", help="restore a backup into this installation")
    restore.add_argument("path")
    restore.add_argument("--force", action="store_true", help="replace existing data")
    restore.set_defaults(
        func=lambda a: _command("restore", a.path, *(["--force"] if a.force else []))
    )

    bench = sub.add_parser("bench", help="run a benchmark from bench/")
    bench.add_argument("name")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

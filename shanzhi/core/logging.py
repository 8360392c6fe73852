import logging
import sys


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record, so that re-running Django's
    setup (the CLI does, per command) never leaves a handler bound to a replaced stream."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


# Loggers whose INFO lines are routine: the task worker's every job, and django-axes's
# "Deleted 0 failed login attempts" at every login.
ROUTINE = ("django_tasks", "axes")


class RoutineFilter(logging.Filter):
    """Keeps the console readable for whoever runs `shanzhi up`: the task worker's INFO lines
    (a periodic job every few seconds) are dropped unless the log level is DEBUG, and a refused
    request (4xx) is one line without its traceback; errors and 5xx keep everything."""

    def __init__(self, verbose: bool = False):
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbose or record.levelno >= logging.ERROR:
            return True
        if record.name.startswith(ROUTINE) and record.levelno < logging.WARNING:
            return False
        if record.name == "django.request" and getattr(record, "status_code", 500) < 500:
            record.exc_info = record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (SHANZHI_LOG_FORMAT=json), for a log collector: time, level,
    logger, message, the request id that the audit events of the same request carry, and the
    traceback if any. User text in messages stays a JSON string: inert."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        from shanzhi.core.middleware import current_request_id

        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        return json.dumps(entry, ensure_ascii=False)

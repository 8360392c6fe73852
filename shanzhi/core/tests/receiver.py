"""A real HTTP server on 127.0.0.1 in a thread, standing in for an SMS gateway, a DingTalk robot
or a 12345 platform: it records every request and answers as it is told, failing on purpose."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """`fail_first` requests answer `fail_status` (then 200 with `answer`); `delay` seconds of
    silence before each answer make a client time out."""

    fail_first: int = 0
    fail_status: int = 500
    delay: float = 0.0
    answer: bytes = b'{"errcode":0,"errmsg":"ok"}'
    requests: list[Received] = field(default_factory=list)

    def start(self) -> "Receiver":
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    failing = len(receiver.requests) <= receiver.fail_first
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.fail_status if failing else 200
                reply = b"failing on purpose" if failing else receiver.answer
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

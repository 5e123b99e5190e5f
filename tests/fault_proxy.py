"""A JSON-RPC proxy in front of anvil that injects network and node faults on request.

    proxy = FaultProxy(upstream_url).start()
    proxy.inject("eth_sendRawTransaction", "http_500", times=2)
    ... point a client at proxy.url ...
    proxy.sent_raw_transactions   # the raw transactions that reached the node

Fault kinds (each applies to the next `times` requests of `method`, or of any method if None):
  down                  close the connection without an answer (the node is unreachable)
  http_500              answer HTTP 500 (a load balancer in front of a sick node)
  timeout               hold the request past the client's timeout, never forward it
  deliver_then_timeout  forward it, then hold the answer past the client's timeout (the node got it)
  swallow               eth_sendRawTransaction only: answer with the hash, never forward
  rpc_error             answer a JSON-RPC error with `message`
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from eth_utils import keccak

KINDS = {"down", "http_500", "timeout", "deliver_then_timeout", "swallow", "rpc_error"}


@dataclass
class Fault:
    method: str | None
    kind: str
    times: int = 1
    message: str = ""
    hold_seconds: float = 2.0
    code: int = -32000  # rpc_error's JSON-RPC error code


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.faults: list[Fault] = []
        self.methods: list[str] = []  # every request seen, in order
        self.sent_raw_transactions: list[str] = []  # raw transactions forwarded to the node
        self.swallowed: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultProxy:
        # stop() waits for the serving loop's next poll: 0.5 s by default, at every test's teardown
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, method: str | None, kind: str, times: int = 1, **options) -> None:
        assert kind in KINDS, kind
        with self._lock:
            self.faults.append(Fault(method, kind, times, **options))

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def count(self, method: str) -> int:
        return self.methods.count(method)

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method in (None, method):
                    fault.times -= 1
                    return fault
        return None

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        request = json.loads(body)
        method = request.get("method", "") if isinstance(request, dict) else "batch"
        self.methods.append(method)
        fault = self._take_fault(method)
        kind = fault.kind if fault else None
        if kind == "down":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if kind == "http_500":
            return self._reply(handler, 500, b"internal server error")
        if kind == "timeout":
            time.sleep(fault.hold_seconds)
            return self._reply(handler, 504, b"gateway timeout")
        if kind == "rpc_error":
            error = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": fault.code, "message": fault.message}}
            return self._reply(handler, 200, json.dumps(error).encode())
        if method == "eth_sendRawTransaction":
            raw = request["params"][0]
            if kind == "swallow":
                self.swallowed.append(raw)
                tx_hash = "0x" + keccak(hexstr=raw).hex()
                return self._reply(
                    handler, 200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": tx_hash}).encode()
                )
            self.sent_raw_transactions.append(raw)
        response = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=60)
        if kind == "deliver_then_timeout":
            time.sleep(fault.hold_seconds)
        self._reply(handler, response.status_code, response.content)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, content: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(content)))
            handler.end_headers()
            handler.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (it timed out): what a real network does

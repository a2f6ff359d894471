"""SNS and SES as the drills need them to misbehave, on 127.0.0.1.

A small HTTP server speaking the two calls the functions make (SNS Publish,
SES SendEmail; AWS's query protocol, form in, XML out) in one of three modes:

- `hang`: accept the connection, read the request, never answer;
- `ok`: answer success and record the delivery;
- refusals: any recipient in `refused` is answered `MessageRejected` (HTTP
  400, as SES answers an address on its suppression list), whatever the mode.

Deliveries are recorded by order id, so a drill can count what reached
"AWS" exactly once.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

OK = {
    "Publish": "<PublishResponse><PublishResult><MessageId>{id}</MessageId></PublishResult>"
    "<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></PublishResponse>",
    "SendEmail": "<SendEmailResponse><SendEmailResult><MessageId>{id}</MessageId>"
    "</SendEmailResult><ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata>"
    "</SendEmailResponse>",
}
REJECTED = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code>"
    "<Message>Address is on the suppression list.</Message></Error>"
    "<RequestId>{id}</RequestId></ErrorResponse>"
)


class FakeAws:
    def __init__(self, *, refused: set[str] = frozenset()):
        self.mode = "ok"
        self.refused = set(refused)
        self.lock = threading.Lock()
        self.events: list[str] = []  # order ids published
        self.emails: list[str] = []  # order ids e-mailed
        self.rejected = 0
        self.hung = 0
        self._release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                fake.handle(self, {k: v[0] for k, v in form.items()})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeAws":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler, form: dict) -> None:
        action = form.get("Action")
        recipients = {v for k, v in form.items() if k.startswith("Destination.ToAddresses")}
        if self.mode == "hang":
            with self.lock:
                self.hung += 1
            self._release.wait()  # until stop(): the client gives up first
            return
        if recipients & self.refused:
            with self.lock:
                self.rejected += 1
            self._answer(request, 400, REJECTED.format(id=uuid.uuid4()))
            return
        if action == "Publish":
            order_id = json.loads(form["Message"])["order"]["id"]
            with self.lock:
                self.events.append(order_id)
        elif action == "SendEmail":
            with self.lock:
                self.emails.append(form["Message.Subject.Data"].removeprefix("Your order "))
        else:
            self._answer(request, 400, REJECTED.format(id=uuid.uuid4()))
            return
        self._answer(request, 200, OK[action].format(id=uuid.uuid4()))

    @staticmethod
    def _answer(request, status: int, body: str) -> None:
        data = body.encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/xml")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

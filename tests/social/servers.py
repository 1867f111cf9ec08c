"""Local servers on 127.0.0.1 that speak each network's documented protocol (issue 10).

They check what a real server checks (paths, tokens, version headers, body shape) and keep
what was posted, so a test can count posts. ``hold`` makes the next create request wait (the
request has arrived and been stored, the answer is not sent) so a test can kill the client
in mid-request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Base: routes (method, path) to ``handle``; records every request."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.hold = threading.Event()
        self.holding = False
        self.held = threading.Event()  # set when a request is being held
        self.fail_next: list[int] = []  # statuses to answer the next create requests with
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                            self.rfile.read(length) if length else b"")
                with server.lock:
                    server.seen.append(seen)
                reply = server.handle(seen)
                data = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                                    **reply.headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = _any  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def handle(self, seen: Seen) -> Reply:
        raise NotImplementedError

    def maybe_fail(self) -> Reply | None:
        with self.lock:
            if self.fail_next:
                return Reply(self.fail_next.pop(0), {"error": "try later"})
        return None

    def wait_if_held(self) -> None:
        if self.holding:
            self.held.set()
            self.hold.wait(timeout=30)

    def stop(self) -> None:
        self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def posts_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST" and urlsplit(s.path).path == path]


class FakeMastodon(FakeServer):
    """POST /api/v1/statuses with a Bearer token; an Idempotency-Key seen before gets the same status."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.statuses: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        super().__init__()

    def handle(self, seen: Seen) -> Reply:
        if seen.method != "POST" or seen.path != "/api/v1/statuses":
            return Reply(404, {"error": "Record not found"})
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        failed = self.maybe_fail()
        if failed:
            return failed
        key = seen.headers.get("idempotency-key", "")
        with self.lock:
            if key and key in self.by_key:
                return Reply(200, self.statuses[self.by_key[key]])
            body = seen.json()
            if not body.get("status"):
                return Reply(422, {"error": "Validation failed: Text can't be blank"})
            status_id = str(100 + len(self.statuses))
            status = {"id": status_id, "url": f"{self.url}/@dpc/{status_id}", "content": body["status"],
                      "visibility": body.get("visibility"), "language": body.get("language")}
            self.statuses[status_id] = status
            if key:
                self.by_key[key] = status_id
        self.wait_if_held()
        return Reply(200, status)


class FakePDS(FakeServer):
    """A Bluesky PDS: createSession, createRecord (refuses an rkey that exists), getRecord."""

    def __init__(self, account: str, password: str) -> None:
        self.account = account
        self.password = password
        self.did = "did:plc:dpc7testaccount"
        self.records: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, bytes] = {}
        super().__init__()

    def handle(self, seen: Seen) -> Reply:
        parts = urlsplit(seen.path)
        nsid = parts.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession" and seen.method == "POST":
            body = seen.json()
            if (body.get("identifier"), body.get("password")) != (self.account, self.password):
                return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            return Reply(200, {"accessJwt": "access-token-1", "refreshJwt": "refresh-token-1",
                               "did": self.did, "handle": self.account})
        if seen.headers.get("authorization") != "Bearer access-token-1":
            return Reply(401, {"error": "AuthenticationRequired"})
        if nsid == "com.atproto.repo.getRecord" and seen.method == "GET":
            query = parse_qs(parts.query)
            record = self.records.get(query.get("rkey", [""])[0])
            if record is None:
                return Reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
            return Reply(200, record)
        if nsid == "com.atproto.repo.uploadBlob" and seen.method == "POST":
            mime = seen.headers.get("content-type", "")
            if not mime.startswith("image/") or not seen.body:
                return Reply(400, {"error": "InvalidRequest", "message": "an image body is required"})
            link = f"bafkreicard{len(self.blobs)}"
            self.blobs[link] = seen.body
            return Reply(200, {"blob": {"$type": "blob", "ref": {"$link": link}, "mimeType": mime,
                                        "size": len(seen.body)}})
        if nsid == "com.atproto.repo.createRecord" and seen.method == "POST":
            failed = self.maybe_fail()
            if failed:
                return failed
            body = seen.json()
            if body.get("repo") != self.did or body.get("collection") != "app.bsky.feed.post":
                return Reply(400, {"error": "InvalidRequest"})
            rkey = body["rkey"]
            with self.lock:
                if rkey in self.records:
                    return Reply(400, {"error": "InvalidRequest", "message": "Record already exists"})
                uri = f"at://{self.did}/app.bsky.feed.post/{rkey}"
                self.records[rkey] = {"uri": uri, "cid": f"bafy{len(self.records)}", "value": body["record"]}
            self.wait_if_held()
            return Reply(200, {"uri": uri, "cid": self.records[rkey]["cid"]})
        return Reply(404, {"error": "MethodNotImplemented"})


class FakeLinkedIn(FakeServer):
    """POST /rest/posts: Bearer token, LinkedIn-Version YYYYMM, Restli 2.0.0; 201 + x-restli-id.
    The Images API: POST /rest/images?action=initializeUpload gives an upload URL and an
    urn:li:image, PUT to that URL stores the bytes; a post's article thumbnail must be one."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.posts: list[dict[str, Any]] = []
        self.images: dict[str, bytes | None] = {}  # urn -> bytes (None: initialised, nothing uploaded)
        self.refuse_images = False
        self.images_down = False  # the Images API answers 503
        super().__init__()

    def handle(self, seen: Seen) -> Reply:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"serviceErrorCode": 65600, "message": "Invalid access token"})
        if seen.method == "POST" and seen.path == "/rest/images?action=initializeUpload":
            return self.initialize_upload(seen)
        if seen.method == "PUT" and seen.path.startswith("/dms-uploads/"):
            urn = "urn:li:image:" + seen.path.rsplit("/", 1)[1]
            if urn not in self.images or not seen.body:
                return Reply(400, {"message": "unknown upload or empty body"})
            self.images[urn] = seen.body
            return Reply(201, None)
        if seen.method != "POST" or seen.path != "/rest/posts":
            return Reply(404, {"message": "Not found"})
        version = seen.headers.get("linkedin-version", "")
        if not (len(version) == 6 and version.isdigit()):
            return Reply(426, {"message": "A version header LinkedIn-Version: YYYYMM is required"})
        if seen.headers.get("x-restli-protocol-version") != "2.0.0":
            return Reply(400, {"message": "X-Restli-Protocol-Version 2.0.0 is required"})
        body = seen.json()
        if not str(body.get("author", "")).startswith("urn:li:organization:") or body.get("lifecycleState") != "PUBLISHED":
            return Reply(422, {"message": "author and lifecycleState are required"})
        thumbnail = body.get("content", {}).get("article", {}).get("thumbnail")
        if thumbnail is not None and not self.images.get(thumbnail):
            return Reply(422, {"message": f"thumbnail {thumbnail} was never uploaded"})
        with self.lock:
            self.posts.append(body)
            urn = f"urn:li:share:{7000 + len(self.posts)}"
        self.wait_if_held()
        return Reply(201, None, {"x-restli-id": urn})


    def initialize_upload(self, seen: Seen) -> Reply:
        owner = seen.json().get("initializeUploadRequest", {}).get("owner", "")
        if not owner.startswith("urn:li:organization:"):
            return Reply(422, {"message": "initializeUploadRequest.owner is required"})
        if self.refuse_images:
            return Reply(403, {"message": "Not enough permissions to upload images"})
        if self.images_down:
            return Reply(503, {"message": "Service Unavailable"})
        with self.lock:
            key = f"D4E10AQ{len(self.images):04d}"
            self.images[f"urn:li:image:{key}"] = None
        return Reply(200, {"value": {"uploadUrlExpiresAt": 1764600000000, "uploadUrl": f"{self.url}/dms-uploads/{key}",
                                     "image": f"urn:li:image:{key}"}})


class FakeWebhook(FakeServer):
    """A Zapier-like catch hook that checks the HMAC signature."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        super().__init__()

    def handle(self, seen: Seen) -> Reply:
        if seen.method != "POST" or seen.path != "/hooks/social":
            return Reply(404, {"status": "not found"})
        stamp = seen.headers.get("x-newsletter-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), stamp.encode() + b"." + seen.body,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, seen.headers.get("x-newsletter-signature", "")):
            return Reply(401, {"status": "bad signature"})
        failed = self.maybe_fail()
        if failed:
            return failed
        with self.lock:
            self.received.append(seen.json())
            hook_id = f"hook-{len(self.received)}"
        self.wait_if_held()
        return Reply(200, {"status": "success", "id": hook_id})

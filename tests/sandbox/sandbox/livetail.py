"""CloudWatch Logs StartLiveTail for the sandbox (moto does not serve it).

Every event moto's Logs backend stores - PutLogEvents over HTTP, the log
delivery of the Redis workload, the control API's inject - goes through
``LogStream.put_log_events``; ``install()`` wraps it so the stored events
(with moto's ingestion time) are published to the open sessions whose log
groups, stream names/prefixes and filter pattern (moto's own
``EventMessageFilter``, the one its FilterLogEvents uses) they match.

A session is an HTTP/1.1 response in real ``application/vnd.amazon.
eventstream`` framing (aws-wire.md section 12.9), chunked as botocore reads
it: an ``initial-response`` event, ``sessionStart``, then ``sessionUpdate``
events - pushed as soon as events arrive (``cadence_ms`` 0, the default, so
latency tests measure elcui and not a timer; 1000 is AWS's one update per
second) and an empty update every second otherwise - at most 500 results
per update (more: a sample of 500, ``sessionMetadata.sampled``), and at the
end ``SessionTimeoutException`` (``session_seconds``, 3 hours by default).
``logGroupIdentifier`` in results is ``account:name``, as observed on AWS.

Authorisation is moto's: the caller's IAM policies must allow
``logs:StartLiveTail`` (an explicit Deny, or no Allow, is
AccessDeniedException), checked with moto's own IAMRequest.

Faults (control API ``POST /_sandbox/livetail``), each a count of times it
fires (applied to the next update frames that carry events, or to the next
sessions / requests):

``drop``     the update frame is not sent (its events are lost to the session)
``corrupt``  the frame is sent with its message CRC flipped
``cut``      half of the frame is sent, then the connection is reset
``sample``   the update carries half of its events, marked sampled
``timeout``  open sessions end now with SessionTimeoutException
``refuse``   with ``refuse_code``: the next StartLiveTail requests are refused
             with that error (LimitExceededException by default)
"""

import json
import random
import struct
import threading
import time
import uuid
import zlib

MAX_RESULTS = 500
BUFFER_EVENTS = 5000
HEARTBEAT_S = 1.0


class ResetStream(Exception):
    """Raised from a stream to make the server reset the connection."""


def frame(headers, payload):
    """One event-stream message (string headers)."""
    hb = b""
    for name, value in headers:
        n = name.encode("ascii")
        v = value.encode("utf-8")
        hb += struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v
    total = 16 + len(hb) + len(payload)
    prelude = struct.pack(">II", total, len(hb))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    msg = prelude + hb + payload
    return msg + struct.pack(">I", zlib.crc32(msg) & 0xFFFFFFFF)


def event_frame(event_type, obj):
    return frame(
        [(":message-type", "event"), (":event-type", event_type), (":content-type", "application/json")],
        json.dumps(obj, separators=(",", ":")).encode("utf-8", "surrogatepass"),
    )


def exception_frame(exc_type, message):
    return frame(
        [(":message-type", "exception"), (":exception-type", exc_type), (":content-type", "application/json")],
        json.dumps({"message": message}).encode("utf-8"),
    )


class Session:
    def __init__(self, hub, account, region, groups, stream_names, stream_prefixes, pattern, request):
        self.hub = hub
        self.id = str(uuid.uuid4())
        self.request_id = str(uuid.uuid4())
        self.account = account
        self.region = region
        self.groups = groups  # names
        self.stream_names = set(stream_names or [])
        self.stream_prefixes = list(stream_prefixes or [])
        self.pattern = pattern
        self.request = request  # the request's JSON, echoed in sessionStart
        self.queue = []
        self.started = time.monotonic()
        self.timeout_now = False
        self.closed = False
        self.updates = 0
        self.events_sent = 0
        self.events_lost = 0
        self._filter = None
        if pattern:
            from moto.logs.utils import EventMessageFilter

            self._filter = EventMessageFilter(pattern)

    def wants(self, account, region, group, stream, message):
        if account != self.account or region != self.region or group not in self.groups:
            return False
        if self.stream_names and stream not in self.stream_names:
            return False
        if self.stream_prefixes and not any(stream.startswith(p) for p in self.stream_prefixes):
            return False
        if self._filter is not None and not self._filter.matches(message):
            return False
        return True

    def to_dict(self):
        return {
            "id": self.id,
            "groups": list(self.groups),
            "age": round(time.monotonic() - self.started, 3),
            "updates": self.updates,
            "events_sent": self.events_sent,
            "events_lost": self.events_lost,
            "queued": len(self.queue),
        }


class LiveHub:
    """Open sessions, the events published to them, faults and counters."""

    def __init__(self):
        self.cond = threading.Condition()
        self.sessions = []
        self.stopped = False
        self.cadence_ms = 0
        self.session_seconds = 3 * 3600.0
        self.faults = {"drop": 0, "corrupt": 0, "cut": 0, "sample": 0, "refuse": 0}
        self.refuse_code = "LimitExceededException"
        self.counters = {
            "sessions": 0,
            "refused": 0,
            "denied": 0,
            "events_published": 0,
            "events_pushed": 0,
            "updates": 0,
            "dropped_frames": 0,
            "corrupted_frames": 0,
            "cuts": 0,
            "sampled_updates": 0,
            "timeouts": 0,
        }
        self._random = random.Random(17)

    # ---- control ----------------------------------------------------------------
    def configure(self, body):
        with self.cond:
            for k in ("drop", "corrupt", "cut", "sample", "refuse"):
                if k in body:
                    v = body[k]
                    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                        raise ValueError("%s must be a count (a non-negative integer)" % k)
                    self.faults[k] = v
            if "refuse_code" in body:
                code = str(body["refuse_code"])
                if not code.replace("Exception", "").isalnum():
                    raise ValueError("refuse_code must be an error code")
                self.refuse_code = code
            if "cadence_ms" in body:
                v = float(body["cadence_ms"])
                if not 0 <= v <= 60000:
                    raise ValueError("cadence_ms must be between 0 and 60000")
                self.cadence_ms = v
            if "session_seconds" in body:
                v = float(body["session_seconds"])
                if not 0.5 <= v <= 3 * 3600:
                    raise ValueError("session_seconds must be between 0.5 and 10800")
                self.session_seconds = v
            if "timeout" in body:
                n = body["timeout"]
                if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                    raise ValueError("timeout must be a count of sessions")
                for s in self.sessions[:n]:
                    s.timeout_now = True
            self.cond.notify_all()
            return self.state_locked()

    def reset(self):
        with self.cond:
            for k in self.faults:
                self.faults[k] = 0
            self.refuse_code = "LimitExceededException"
            self.cadence_ms = 0
            self.session_seconds = 3 * 3600.0
            self.cond.notify_all()

    def state(self):
        with self.cond:
            return self.state_locked()

    def state_locked(self):
        return {
            "sessions": [s.to_dict() for s in self.sessions],
            "counters": dict(self.counters),
            "faults": dict(self.faults),
            "refuse_code": self.refuse_code,
            "cadence_ms": self.cadence_ms,
            "session_seconds": self.session_seconds,
        }

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def take(self, name):
        """Use one count of fault name; the caller holds the lock."""
        if self.faults.get(name, 0) > 0:
            self.faults[name] -= 1
            return True
        return False

    # ---- events -------------------------------------------------------------------
    def publish(self, account, region, group, stream, events):
        """Events moto stored: (timestamp, message, ingestion_time) each."""
        with self.cond:
            if not self.sessions:
                return
            self.counters["events_published"] += len(events)
            for s in self.sessions:
                for ts, msg, ingest in events:
                    if s.wants(account, region, group, stream, msg):
                        s.queue.append(
                            {
                                "logStreamName": stream,
                                "logGroupIdentifier": "%s:%s" % (account, group),
                                "message": msg,
                                "timestamp": ts,
                                "ingestionTime": ingest,
                            }
                        )
                if len(s.queue) > BUFFER_EVENTS:
                    # AWS keeps a bounded buffer for slow readers; the oldest go
                    s.events_lost += len(s.queue) - BUFFER_EVENTS
                    del s.queue[: len(s.queue) - BUFFER_EVENTS]
            self.cond.notify_all()

    # ---- sessions -----------------------------------------------------------------
    def open(self, account, region, groups, stream_names, stream_prefixes, pattern, request):
        s = Session(self, account, region, groups, stream_names, stream_prefixes, pattern, request)
        with self.cond:
            self.sessions.append(s)
            self.counters["sessions"] += 1
        return s

    def refuse_now(self):
        with self.cond:
            if self.take("refuse"):
                self.counters["refused"] += 1
                return self.refuse_code
        return None

    def stream(self, s):
        """The response body of session s: a generator of frames."""
        try:
            yield event_frame("initial-response", {})
            start = {"requestId": s.request_id, "sessionId": s.id, "logGroupIdentifiers": s.request.get("logGroupIdentifiers", [])}
            for k in ("logStreamNames", "logStreamNamePrefixes", "logEventFilterPattern"):
                if k in s.request:
                    start[k] = s.request[k]
            yield event_frame("sessionStart", start)
            last_sent = time.monotonic()
            last_update = 0.0
            while True:
                with self.cond:
                    while True:
                        if self.stopped or s.closed:
                            return
                        now = time.monotonic()
                        if s.timeout_now or now - s.started >= self.session_seconds:
                            s.timeout_now = True
                            break
                        due = last_update + self.cadence_ms / 1000.0
                        if s.queue and now >= due:
                            break
                        if now - last_sent >= HEARTBEAT_S:
                            break
                        wait = last_sent + HEARTBEAT_S - now
                        if s.queue:
                            wait = min(wait, due - now)
                        wait = min(wait, s.started + self.session_seconds - now)
                        self.cond.wait(max(0.001, wait))
                    if s.timeout_now:
                        self.counters["timeouts"] += 1
                        events = None
                    else:
                        events = s.queue
                        s.queue = []
                        sampled = False
                        if len(events) > MAX_RESULTS:
                            events = sorted(self._random.sample(events, MAX_RESULTS), key=lambda e: e["timestamp"])
                            sampled = True
                        elif events and self.take("sample"):
                            events = events[::2]
                            sampled = True
                        drop = bool(events) and self.take("drop")
                        corrupt = bool(events) and not drop and self.take("corrupt")
                        cut = bool(events) and not drop and not corrupt and self.take("cut")
                        if sampled:
                            self.counters["sampled_updates"] += 1
                        if drop:
                            self.counters["dropped_frames"] += 1
                            s.events_lost += len(events)
                        if corrupt:
                            self.counters["corrupted_frames"] += 1
                        if cut:
                            self.counters["cuts"] += 1
                        if not drop and not corrupt and not cut:
                            self.counters["events_pushed"] += len(events)
                            self.counters["updates"] += 1
                if events is None:
                    yield exception_frame("SessionTimeoutException", "The session timed out after %g seconds." % self.session_seconds)
                    return
                now = time.monotonic()
                last_sent = now
                if events:
                    last_update = now
                if drop:
                    continue
                f = event_frame("sessionUpdate", {"sessionMetadata": {"sampled": sampled}, "sessionResults": events})
                s.updates += 1
                if corrupt:
                    f = f[:-1] + bytes([f[-1] ^ 0x5A])
                    yield f
                    continue
                if cut:
                    yield f[: len(f) // 2]
                    raise ResetStream()
                s.events_sent += len(events)
                yield f
        finally:
            with self.cond:
                s.closed = True
                if s in self.sessions:
                    self.sessions.remove(s)


def install(hub):
    """Publish what moto's Logs backend stores to the hub's sessions."""
    from moto.logs.models import LogStream

    original = getattr(LogStream.put_log_events, "_sandbox_original", LogStream.put_log_events)

    def put_log_events(self, log_events):
        before = len(self.events)
        token = original(self, log_events)
        stored = self.events[before:]
        if stored:
            hub.publish(
                self.account_id,
                self.region,
                self.log_group.name,
                self.log_stream_name,
                [(e.timestamp, e.message, e.ingestion_time) for e in stored],
            )
        return token

    put_log_events._sandbox_original = original
    LogStream.put_log_events = put_log_events


def group_name(identifier):
    """The log group name of an identifier: an ARN (arn:...:log-group:NAME)
    or the name itself; None when it names nothing usable."""
    if not isinstance(identifier, str) or not identifier:
        return None
    if identifier.endswith("*"):
        return None
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 6)
        if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
            return None
        return parts[6]
    return identifier

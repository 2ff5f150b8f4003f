"""Fault injection for the sandbox's AWS endpoint, and request counters.

A fault rule matches requests by service (SigV4 name: elasticache, ec2, kms,
logs, secretsmanager, ssm, iam, sts, monitoring; "cloudwatch" is accepted for
monitoring) and/or operation (e.g. DescribeReplicationGroups), fires with a
probability ``rate`` (default 1.0) and at most ``count`` times (default
unlimited).  Kinds:

``throttle``   AWS's real throttling answer for the protocol: query
               ``Throttling`` 400, ec2 ``RequestLimitExceeded`` 503, json
               ``ThrottlingException`` 400.
``error``      a server fault with ``status`` (500 default, or 502/503/504):
               query ``InternalFailure``/``ServiceUnavailable``, ec2
               ``InternalError``/``Unavailable``, json ``InternalFailure``/
               ``ServiceUnavailable`` (Logs: ``ServiceUnavailableException``).
``latency``    sleeps ``delay`` seconds, then serves the request normally.
``reset``      closes the TCP connection (RST) without any response.
``truncate``   serves the real response but cuts the body in half (the
               Content-Length still announces the full length), then closes.
``malformed``  answers 200 with a body that is not valid XML/JSON.

Clock skew, session-token expiry, Redis node faults and log-delivery faults
are not request rules; the server applies them (see server.py).
"""

import collections
import random
import threading
import time

TIMELINE_MAX = 20000
KINDS = ("throttle", "error", "latency", "reset", "truncate", "malformed")


class FaultError(ValueError):
    pass


class Rule:
    def __init__(self, rule_id, kind, service=None, operation=None, rate=1.0, count=None, status=None, delay=None):
        self.id = rule_id
        self.kind = kind
        self.service = service
        self.operation = operation
        self.rate = rate
        self.remaining = count
        self.count = count
        self.status = status
        self.delay = delay
        self.fired = 0

    def matches(self, service, operation):
        if self.service is not None and self.service != service:
            return False
        if self.operation is not None and (operation or "").lower() != self.operation.lower():
            return False
        return True

    def to_dict(self):
        d = {
            "id": self.id,
            "kind": self.kind,
            "service": self.service,
            "operation": self.operation,
            "rate": self.rate,
            "count": self.count,
            "remaining": self.remaining,
            "fired": self.fired,
        }
        if self.status is not None:
            d["status"] = self.status
        if self.delay is not None:
            d["delay"] = self.delay
        return d


class Faults:
    """Thread-safe fault rules and counters."""

    def __init__(self, seed=None):
        self._lock = threading.Lock()
        self._rules = []
        self._next_id = 1
        self._random = random.Random(seed)
        self.requests_total = 0
        self.requests_by_service = {}
        self.requests_by_operation = {}
        self.faults_by_kind = {}
        self.faults_total = 0
        self.rejected_auth = 0
        # The timeline of AWS requests since the last counters reset: when
        # each arrived and when its answer was handed back (time.time()),
        # so a test can tell which calls overlapped.
        self.timeline = collections.deque(maxlen=TIMELINE_MAX)
        self.in_flight = 0
        self.max_in_flight = 0

    # ---- rules -------------------------------------------------------------
    def add(self, spec):
        from .awsproto import canonical_service

        if not isinstance(spec, dict):
            raise FaultError("fault must be a JSON object")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError("kind must be one of %s" % ", ".join(KINDS))
        rate = spec.get("rate", 1.0)
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise FaultError("rate must be a number between 0 and 1")
        if not 0.0 <= rate <= 1.0:
            raise FaultError("rate must be a number between 0 and 1")
        count = spec.get("count")
        if count is not None:
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise FaultError("count must be a positive integer")
        status = None
        delay = None
        if kind == "error":
            status = spec.get("status", 500)
            if status not in (500, 502, 503, 504):
                raise FaultError("status must be 500, 502, 503 or 504")
        if kind == "latency":
            delay = spec.get("delay")
            try:
                delay = float(delay)
            except (TypeError, ValueError):
                raise FaultError("latency needs delay (seconds)")
            if not 0 <= delay <= 300:
                raise FaultError("delay must be between 0 and 300 seconds")
        service = canonical_service(spec.get("service"))
        operation = spec.get("operation")
        with self._lock:
            rule = Rule(self._next_id, kind, service, operation, rate, count, status, delay)
            self._next_id += 1
            self._rules.append(rule)
            return rule.to_dict()

    def remove(self, rule_id):
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self):
        with self._lock:
            self._rules = []

    def rules(self):
        with self._lock:
            return [r.to_dict() for r in self._rules]

    # ---- per request ---------------------------------------------------------
    def count_request(self, service, operation):
        """Count one AWS request; returns its timeline record, for
        end_request() when its answer is handed back."""
        key = "%s:%s" % (service or "unknown", operation or "unknown")
        rec = {"service": service or "unknown", "operation": operation or "unknown", "start": time.time(), "end": None}
        with self._lock:
            self.timeline.append(rec)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.requests_total += 1
            s = service or "unknown"
            self.requests_by_service[s] = self.requests_by_service.get(s, 0) + 1
            self.requests_by_operation[key] = self.requests_by_operation.get(key, 0) + 1
        return rec

    def end_request(self, rec):
        with self._lock:
            if rec["end"] is None:
                rec["end"] = time.time()
                self.in_flight -= 1

    def requests(self):
        """The timeline: [{service, operation, start, end}] in arrival order
        (end None while in flight), and the most requests in flight at once."""
        with self._lock:
            return {"requests": [dict(r) for r in self.timeline], "max_in_flight": self.max_in_flight, "in_flight": self.in_flight}

    def count_auth_rejection(self):
        with self._lock:
            self.rejected_auth += 1

    def decide(self, service, operation):
        """Return the list of rules firing for this request: at most one
        latency rule plus at most one answer-changing rule."""
        fired = []
        with self._lock:
            have_latency = False
            have_answer = False
            for rule in self._rules:
                if rule.remaining is not None and rule.remaining <= 0:
                    continue
                if not rule.matches(service, operation):
                    continue
                if rule.kind == "latency":
                    if have_latency:
                        continue
                elif have_answer:
                    continue
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                rule.fired += 1
                self.faults_total += 1
                self.faults_by_kind[rule.kind] = self.faults_by_kind.get(rule.kind, 0) + 1
                if rule.kind == "latency":
                    have_latency = True
                else:
                    have_answer = True
                fired.append(rule)
            self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        return fired

    def note_fault(self, kind):
        with self._lock:
            self.faults_total += 1
            self.faults_by_kind[kind] = self.faults_by_kind.get(kind, 0) + 1

    def counters(self):
        with self._lock:
            return {
                "requests": {
                    "total": self.requests_total,
                    "services": dict(self.requests_by_service),
                    "operations": dict(self.requests_by_operation),
                    "rejected_auth": self.rejected_auth,
                },
                "faults": {"total": self.faults_total, "kinds": dict(self.faults_by_kind)},
            }

    def reset_counters(self):
        with self._lock:
            self.requests_total = 0
            self.requests_by_service = {}
            self.requests_by_operation = {}
            self.faults_by_kind = {}
            self.faults_total = 0
            self.rejected_auth = 0
            self.timeline.clear()
            self.max_in_flight = self.in_flight


def malformed_body(protocol):
    """A 200 body that a parser must reject: cut-off markup / JSON."""
    if protocol == "json":
        return b'{"__sandbox": "malformed", "items": [1, 2, {"unterminated": '
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Sandbox>malformed</Sandbox><Unclosed attr="'

"""The sandbox control API: JSON in/out under /_sandbox/ on the AWS port.

No authentication (it binds 127.0.0.1 only).  Every answer is a JSON object;
errors are ``{"error": "..."}`` with status 400 (bad request), 404 (unknown
route or object), 409 (not possible now, e.g. no Redis) or 500.

======  ============================  ==================================================
method  path                          body / answer
======  ============================  ==================================================
GET     /_sandbox/status              {ready, seed, region, account_id, endpoint, port,
                                       state_dir, redis, ca_file, role_arn, clock_offset,
                                       create_delay, pid, uptime, errors}
GET     /_sandbox/counters            {requests: {total, services, operations,
                                       rejected_auth}, faults: {total, kinds}}
POST    /_sandbox/counters/reset      {} -> {ok}; also clears the request timeline
GET     /_sandbox/requests            {requests: [{service, operation, start, end}],
                                       max_in_flight, in_flight}: each AWS request
                                       since the reset, when it arrived and when its
                                       answer was handed back (epoch seconds)
GET     /_sandbox/faults              {rules: [...]}
POST    /_sandbox/faults              {kind, service?, operation?, rate?, count?,
                                       status?, delay?} -> {rule}
DELETE  /_sandbox/faults/<id>         -> {removed}
POST    /_sandbox/reset               clears rules, clock offset, expired tokens,
                                       resumes log delivery and SIGCONTs stopped nodes
POST    /_sandbox/clock               {offset: seconds} -> {offset}
POST    /_sandbox/tokens/expire       {} -> {expired: n}
POST    /_sandbox/redis/<action>      action kill|restart|stop|cont; {cache_cluster_id}
                                       or {replication_group_id, shard, member}
GET     /_sandbox/groups              {groups: [{region, replication_group_id, status,
                                       redis, farm_state, farm_error, shards, nodes}]}
GET     /_sandbox/nodes               ?replication_group_id=&region= -> {nodes: [...]}
                                      (host: the node's DNS name, port: the group's,
                                      address: where its Redis really listens, tls)
POST    /_sandbox/logs/pause          {replication_group_id?} -> {ok}
POST    /_sandbox/logs/resume         {replication_group_id?} -> {ok}
POST    /_sandbox/metrics/pause       {replication_group_id?} -> {ok}: the group's
                                       metrics stand still (the API lags Redis)
POST    /_sandbox/metrics/resume      {replication_group_id?} -> {ok}
POST    /_sandbox/logs/inject         {log_group, stream, message | message_b64,
                                       timestamp_ms?, ingestion_delay?, region?}
GET     /_sandbox/livetail            {sessions, counters, faults, cadence_ms,
                                       session_seconds}: StartLiveTail (livetail.py)
POST    /_sandbox/livetail            {drop?, corrupt?, cut?, sample?, refuse?: counts;
                                       refuse_code?, timeout?: sessions to end now,
                                       cadence_ms?, session_seconds?} -> the state
POST    /_sandbox/config              {create_delay?, modify_delay?, delete_delay?,
                                       failover_step?, redis_for_new_groups?,
                                       strict_iam_region?, key_policy_delay?}
POST    /_sandbox/shutdown            {} -> {ok}; the sandbox stops
======  ============================  ==================================================
"""

import base64
import json
import os
import time
from urllib.parse import parse_qs

from .awsproto import read_body
from .faults import FaultError


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Controller:
    def __init__(self, runtime):
        self.rt = runtime
        self.server = runtime.server
        self.stopped_nodes = set()

    def handle(self, environ):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        body = {}
        raw = read_body(environ)
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                return 400, {"error": "body must be JSON"}
            if not isinstance(body, dict):
                return 400, {"error": "body must be a JSON object"}
        parts = path.split("/")[2:]
        try:
            return 200, self._route(method, parts, body, query)
        except ControlError as e:
            return e.status, {"error": e.message}
        except FaultError as e:
            return 400, {"error": str(e)}
        except Exception as e:  # report, never crash the server
            return 500, {"error": "%s: %s" % (e.__class__.__name__, e)}

    # ------------------------------------------------------------------
    def _route(self, method, parts, body, query):
        key = "/".join(parts)
        if method == "GET" and key == "status":
            return self.status()
        if method == "GET" and key == "counters":
            return self.server.faults.counters()
        if method == "GET" and key == "requests":
            return self.server.faults.requests()
        if method == "POST" and key == "counters/reset":
            self.server.faults.reset_counters()
            return {"ok": True}
        if key == "faults":
            if method == "GET":
                return {"rules": self.server.faults.rules()}
            if method == "POST":
                return {"rule": self.server.faults.add(body)}
        if len(parts) == 2 and parts[0] == "faults" and method in ("DELETE", "POST"):
            try:
                rid = int(parts[1])
            except ValueError:
                raise ControlError(400, "fault id must be a number")
            if not self.server.faults.remove(rid):
                raise ControlError(404, "no fault rule %d" % rid)
            return {"removed": rid}
        if method == "POST" and key == "reset":
            return self.reset()
        if method == "POST" and key == "clock":
            if "offset" not in body:
                raise ControlError(400, "clock needs offset (seconds)")
            try:
                off = float(body["offset"])
            except (TypeError, ValueError):
                raise ControlError(400, "offset must be a number of seconds")
            self.server.clock.set_offset(off)
            if off:
                self.server.faults.note_fault("clock_skew")
            return {"offset": off}
        if method == "POST" and key == "tokens/expire":
            n = self.server.verifier.expire_all_tokens()
            self.server.faults.note_fault("expire_tokens")
            return {"expired": n}
        if method == "POST" and len(parts) == 2 and parts[0] == "redis":
            return self.redis(parts[1], body)
        if method == "GET" and key == "groups":
            return {"groups": self.groups()}
        if method == "GET" and key == "nodes":
            rg = (query.get("replication_group_id") or [None])[0]
            region = (query.get("region") or [None])[0]
            return {"nodes": self.nodes(rg, region)}
        if method == "POST" and key in ("logs/pause", "logs/resume"):
            return self.logs_pause(key.endswith("pause"), body.get("replication_group_id"))
        if method == "POST" and key in ("metrics/pause", "metrics/resume"):
            return self.metrics_pause(key.endswith("pause"), body.get("replication_group_id"))
        if method == "POST" and key == "logs/inject":
            return self.logs_inject(body)
        if key == "livetail" and method == "GET":
            return self.server.live.state()
        if key == "livetail" and method == "POST":
            try:
                return self.server.live.configure(body)
            except (TypeError, ValueError) as e:
                raise ControlError(400, str(e))
        if method == "POST" and key == "config":
            return self.config(body)
        if method == "POST" and key == "shutdown":
            self.rt.request_shutdown()
            return {"ok": True}
        raise ControlError(404, "no such control route: %s /_sandbox/%s" % (method, key))

    # ------------------------------------------------------------------
    def status(self):
        rt = self.rt
        w = self.server.world
        return {
            "ready": self.server.ready,
            "seed": self.server.seed,
            "region": self.server.region,
            "account_id": self.server.account_id,
            "endpoint": self.server.endpoint,
            "port": self.server.port,
            "state_dir": rt.state_dir,
            "redis": rt.farm is not None,
            "ca_file": rt.farm.ca_file if rt.farm is not None else None,
            "role_arn": self.server.role_arn,
            "clock_offset": self.server.clock.offset,
            "create_delay": w.create_delay,
            "pid": os.getpid(),
            "uptime": round(time.time() - self.server.started_at, 3),
            "errors": list(w.errors) + list(rt.errors),
        }

    def reset(self):
        s = self.server
        s.faults.clear()
        s.clock.set_offset(0)
        s.verifier.clear_expired()
        s.live.reset()
        self.logs_pause(False, None)
        self.metrics_pause(False, None)
        resumed = 0
        if self.rt.farm is not None:
            for (rg, si, mi) in list(self.stopped_nodes):
                try:
                    self.rt.farm.cont_node(rg, si, mi)
                    resumed += 1
                except Exception:
                    pass
        self.stopped_nodes.clear()
        return {"ok": True, "resumed_nodes": resumed}

    def _find_node(self, body):
        w = self.server.world
        cid = body.get("cache_cluster_id")
        with w.lock:
            if cid:
                for st in w.regions.values():
                    for g in st.groups.values():
                        for n in g.nodes():
                            if n.cluster_id == cid.lower():
                                return g, n.shard_index, n.member_index
                raise ControlError(404, "no cache cluster %s" % cid)
            rg = body.get("replication_group_id")
            if not rg:
                raise ControlError(400, "give cache_cluster_id, or replication_group_id with shard and member")
            for st in w.regions.values():
                g = st.groups.get(rg.lower())
                if g is not None:
                    break
            else:
                raise ControlError(404, "no replication group %s" % rg)
            try:
                si = int(body.get("shard", 0))
                mi = int(body.get("member", 0))
            except (TypeError, ValueError):
                raise ControlError(400, "shard and member must be integers")
            if not 0 <= si < len(g.shards) or not 0 <= mi < len(g.shards[si].members):
                raise ControlError(404, "no member %d in shard %d of %s" % (mi, si, rg))
            return g, si, mi

    def redis(self, action, body):
        if action not in ("kill", "restart", "stop", "cont"):
            raise ControlError(404, "redis action must be kill, restart, stop or cont")
        farm = self.rt.farm
        if farm is None:
            raise ControlError(409, "the sandbox runs without Redis (--no-redis)")
        g, si, mi = self._find_node(body)
        if not g.redis or g.farm_state != "ready":
            raise ControlError(409, "replication group %s has no running Redis nodes" % g.id)
        fn = {"kill": farm.kill_node, "restart": farm.restart_node, "stop": farm.stop_node, "cont": farm.cont_node}[action]
        fn(g.id, si, mi)
        if action == "stop":
            self.stopped_nodes.add((g.id, si, mi))
        elif action in ("cont", "restart", "kill"):
            self.stopped_nodes.discard((g.id, si, mi))
        self.server.faults.note_fault("redis_" + action)
        return {"ok": True, "replication_group_id": g.id, "shard": si, "member": mi, "cache_cluster_id": g.shards[si].members[mi].cluster_id}

    def groups(self):
        w = self.server.world
        w.tick()
        out = []
        with w.lock:
            for st in w.regions.values():
                for g in st.groups.values():
                    out.append(
                        {
                            "region": st.region,
                            "replication_group_id": g.id,
                            "status": g.status,
                            "redis": g.redis,
                            "farm_state": g.farm_state,
                            "farm_error": g.farm_error,
                            "shards": len(g.shards),
                            "nodes": sum(len(s.members) for s in g.shards),
                        }
                    )
        return out

    def nodes(self, rg, region):
        w = self.server.world
        out = []
        with w.lock:
            for st in w.regions.values():
                if region and st.region != region:
                    continue
                for g in st.groups.values():
                    if rg and g.id != rg.lower():
                        continue
                    for n in g.nodes():
                        out.append(
                            {
                                "region": st.region,
                                "replication_group_id": g.id,
                                "cache_cluster_id": n.cluster_id,
                                "shard": n.shard_index,
                                "member": n.member_index,
                                "node_group_id": g.shards[n.shard_index].node_group_id,
                                "role": n.role,
                                "availability_zone": n.az,
                                "host": w.names(g).node(n.cluster_id),
                                "port": g.port,
                                "address": n.addr if g.redis and g.farm_state == "ready" else None,
                                "tls": bool(g.transit_encryption),
                                "redis": g.redis and g.farm_state == "ready",
                                "status": n.status,
                            }
                        )
        return out

    def logs_pause(self, pause, rg):
        done = 0
        for ld in self.rt.log_deliveries():
            if pause:
                ld.pause(rg)
            else:
                ld.resume(rg)
            done += 1
        if pause:
            self.server.faults.note_fault("logs_pause")
        return {"ok": True, "deliveries": done}

    def metrics_pause(self, pause, rg):
        done = 0
        for mx in self.rt.metrics_all():
            if pause:
                mx.pause(rg)
            else:
                mx.resume(rg)
            done += 1
        if pause:
            self.server.faults.note_fault("metrics_pause")
        return {"ok": True, "regions": done}

    def logs_inject(self, body):
        group = body.get("log_group")
        stream = body.get("stream")
        if not group or not stream:
            raise ControlError(400, "inject needs log_group and stream")
        if "message_b64" in body:
            try:
                message = base64.b64decode(body["message_b64"], validate=True)
            except (ValueError, TypeError):
                raise ControlError(400, "message_b64 is not base64")
        elif "message" in body and isinstance(body["message"], str):
            message = body["message"]
        else:
            raise ControlError(400, "inject needs message (string) or message_b64")
        region = body.get("region") or self.server.region
        ld = self.rt.log_delivery(region)
        try:
            if ld is not None:
                ld.inject(group, stream, message, timestamp_ms=body.get("timestamp_ms"), ingestion_delay=body.get("ingestion_delay"))
            else:
                self.rt.direct_inject(region, group, stream, message, body.get("timestamp_ms"), body.get("ingestion_delay"))
        except KeyError as e:
            raise ControlError(404, str(e.args[0]))
        except ValueError as e:
            raise ControlError(400, str(e))
        self.server.faults.note_fault("logs_inject")
        return {"ok": True}

    def config(self, body):
        w = self.server.world
        out = {}
        for key in ("create_delay", "modify_delay", "delete_delay", "failover_step"):
            if key in body:
                v = body[key]
                if v is None and key in ("modify_delay", "delete_delay"):
                    setattr(w, key, None)
                else:
                    try:
                        v = float(v)
                    except (TypeError, ValueError):
                        raise ControlError(400, "%s must be a number of seconds" % key)
                    if not 0 <= v <= 3600:
                        raise ControlError(400, "%s must be between 0 and 3600" % key)
                    setattr(w, key, v)
                out[key] = getattr(w, key)
        if "key_policy_delay" in body:
            try:
                v = float(body["key_policy_delay"])
            except (TypeError, ValueError):
                raise ControlError(400, "key_policy_delay must be a number of seconds")
            if not 0 <= v <= 600:
                raise ControlError(400, "key_policy_delay must be between 0 and 600")
            self.server.key_gate.propagation_delay = v
            out["key_policy_delay"] = v
        if "strict_iam_region" in body:
            self.server.verifier.strict_iam_region = bool(body["strict_iam_region"])
            out["strict_iam_region"] = self.server.verifier.strict_iam_region
        if "redis_for_new_groups" in body:
            w.redis_for_new_groups = bool(body["redis_for_new_groups"])
            out["redis_for_new_groups"] = w.redis_for_new_groups
        return out

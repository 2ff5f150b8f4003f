"""tests/sandbox/run: start the sandbox in the foreground.

    run [--seed empty|demo|scale] [--port N] [--state-dir DIR]
        [--create-delay S] [--log-delay S|MIN,MAX] [--redis-port-base N]
        [--no-redis] [--endpoint-domain D] [--region R] [--stop-on-eof]

Prints ``export NAME=value`` lines, then ``# sandbox ready`` once it serves;
writes the same exports to <state-dir>/env, and registers itself in its
user's registry folder for tests/sandbox/env (see registry_dir).  Stops everything it started on
SIGINT/SIGTERM, on ``POST /_sandbox/shutdown``, and on stdin EOF with
--stop-on-eof.

ElastiCache endpoints are what AWS reports: the port asked for and DNS names
under cache.amazonaws.com (sandbox/elasticache.py, GroupNames).  Each Redis
node listens on that port on a loopback address of its own, and
<state-dir>/hosts says which name is where (rewritten as groups come, go
and fail over).  The exports point elcui at it with one rule for every
group, ``ELCUI_RESOLVE='*.cache.amazonaws.com:*:@<state-dir>/hosts'``, as a
laptop reaches private clusters (a hosts file and one forward per node on
127.x.y.z); Python tests ask Sandbox.node_address / redis_connection.
"""

import argparse
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time

DEFAULT_REGION = "us-east-2"


TEMP_MARKER = ".elcui-sandbox-temp"


def sweep_dead_temp_dirs():
    """Remove temporary state folders of earlier runs that were killed
    (SIGKILL leaves no chance to clean up).  Only folders this script made
    (marker file) whose sandbox process is gone are removed."""
    base = tempfile.gettempdir()
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        if not name.startswith("elcui-sandbox-"):
            continue
        path = os.path.join(base, name)
        if not os.path.isfile(os.path.join(path, TEMP_MARKER)):
            continue
        try:
            st = os.stat(path)
            if st.st_uid != os.getuid():
                continue
            with open(os.path.join(path, "pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            # no pid yet: a run that is still starting, or died while
            # starting; only sweep those older than an hour
            try:
                if time.time() - os.stat(path).st_mtime < 3600:
                    continue
            except OSError:
                continue
            shutil.rmtree(path, ignore_errors=True)
            continue
        try:
            os.kill(pid, 0)
            continue
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(path, ignore_errors=True)


# ---- which sandboxes run, per user (tests/sandbox/env reads it) ----------------------
#
# Every running sandbox has an entry <pid>.json in its user's registry
# folder: $XDG_RUNTIME_DIR (else the temporary folder)/elcui-sandbox-<uid>.d,
# 0700 and owned by that user.  An entry counts only while its process
# lives, belongs to the same user and is a sandbox, and its state folder
# (the user's own) names that process: a folder someone else made, a
# process someone else runs, or a pid reused since are never taken for the
# caller's.


def registry_dir(create=False):
    """The caller's registry folder, or None when it does not exist (and
    create is false) or is not safely the caller's (another owner, a
    symbolic link, open to others)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    path = os.path.join(base, "elcui-sandbox-%d.d" % os.getuid())
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    import stat as _stat

    if not _stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path


def _process_is_callers_sandbox(pid):
    """True when pid runs, as the caller's uid, a sandbox (its command line
    names it)."""
    try:
        st = os.stat("/proc/%d" % pid)
    except FileNotFoundError:
        return False
    except OSError:
        st = None
    if st is not None:
        if st.st_uid != os.getuid():
            return False
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return b"sandbox" in f.read()
        except OSError:
            return False
    # no /proc: the signal check at least tells another user's process
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def register(state_dir, pid, info):
    """Add the entry of a running sandbox; returns its path (None when the
    registry folder is unusable)."""
    import json

    reg = registry_dir(create=True)
    if reg is None:
        return None
    path = os.path.join(reg, "%d.json" % pid)
    tmp = path + ".tmp"
    entry = dict(info)
    entry.update({"state_dir": os.path.abspath(state_dir), "pid": pid, "started": time.time()})
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(entry, f)
    os.replace(tmp, path)
    return path


def unregister(pid):
    reg = registry_dir()
    if reg is None:
        return
    try:
        os.unlink(os.path.join(reg, "%d.json" % pid))
    except OSError:
        pass


def running_sandboxes():
    """The caller's running sandboxes, newest first: dicts with state_dir,
    pid, started and what the sandbox recorded (seed, endpoint).  Entries
    of sandboxes that are gone are removed."""
    import json

    reg = registry_dir()
    if reg is None:
        return []
    out = []
    for name in os.listdir(reg):
        if not name.endswith(".json"):
            continue
        path = os.path.join(reg, name)
        try:
            st = os.lstat(path)
            if st.st_uid != os.getuid() or not os.path.isfile(path):
                continue
            with open(path) as f:
                e = json.load(f)
            pid = int(e["pid"])
            state = e["state_dir"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not _process_is_callers_sandbox(pid):
            try:
                os.unlink(path)  # gone (or a pid someone else has now)
            except OSError:
                pass
            continue
        try:
            if os.stat(state).st_uid != os.getuid():
                continue
            with open(os.path.join(state, "pid")) as f:
                if int(f.read().strip()) != pid:
                    continue
        except (OSError, ValueError):
            continue
        out.append(e)
    out.sort(key=lambda e: e.get("started", 0), reverse=True)
    return out


class Runtime:
    """Everything one sandbox run owns: server, farm, log delivery, metrics."""

    def __init__(self, state_dir, seed="empty", port=0, create_delay=3.0, log_delay=(1.0, 3.0), redis=True,
                 redis_port_base=None, endpoint_domain="cache.amazonaws.com", region=DEFAULT_REGION, own_state_dir=False):
        self.state_dir = os.path.abspath(state_dir)
        self.own_state_dir = own_state_dir
        self.seed = seed
        self.port = port
        self.create_delay = create_delay
        self.log_delay = log_delay
        self.redis = redis
        self.redis_port_base = redis_port_base
        self.endpoint_domain = endpoint_domain
        self.region = region
        self.server = None
        self.farm = None
        self.errors = []
        self._logs = {}
        self._metrics = {}
        self._hooks_lock = threading.Lock()
        self._shutdown = threading.Event()
        self.workloads = []
        self.exports = {}

    # ---- per-region helpers ------------------------------------------------------------
    def log_delivery(self, region):
        if self.farm is None:
            return None
        with self._hooks_lock:
            ld = self._logs.get(region)
            if ld is None:
                try:
                    from .logdelivery import LogDelivery
                except ImportError as e:
                    self.errors.append("log delivery unavailable: %s" % e)
                    return None
                ld = LogDelivery(self.farm, self.server.account_id, region, delay_range=self.log_delay)
                ld.start()
                self._logs[region] = ld
            return ld

    def log_deliveries(self):
        with self._hooks_lock:
            return list(self._logs.values())

    def metrics_all(self):
        with self._hooks_lock:
            return list(self._metrics.values())

    def metrics(self, region):
        if self.farm is None:
            return None
        with self._hooks_lock:
            mx = self._metrics.get(region)
            if mx is None:
                try:
                    from .metrics import Metrics
                except ImportError as e:
                    self.errors.append("metrics unavailable: %s" % e)
                    return None
                mx = Metrics(self.farm, self.server.account_id, region)
                mx.start()
                self._metrics[region] = mx
            return mx

    def direct_inject(self, region, group, stream, message, timestamp_ms=None, ingestion_delay=None):
        """Write one event straight into moto's Logs backend (used when no
        LogDelivery runs, e.g. with --no-redis).  Bytes that are not UTF-8
        are kept as lone surrogates (surrogateescape), so the JSON answer
        carries them as \\udcXX escapes."""
        from moto.logs.models import logs_backends

        backend = logs_backends[self.server.account_id][region]
        if group not in backend.groups:
            raise KeyError("log group %s does not exist" % group)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "surrogateescape")
        ts = int(timestamp_ms) if timestamp_ms is not None else int(time.time() * 1000)

        def put():
            lg = backend.groups.get(group)
            if lg is None:
                return
            if stream not in lg.streams:
                lg.create_log_stream(stream)
            lg.streams[stream].put_log_events([{"timestamp": ts, "message": message}])

        delay = float(ingestion_delay or 0)
        if delay > 0:
            t = threading.Timer(delay, put)
            t.daemon = True
            t.start()
        else:
            put()

    def request_shutdown(self):
        self._shutdown.set()

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self):
        from .control import Controller
        from .server import SandboxServer

        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        self.server = SandboxServer(
            port=self.port,
            region=self.region,
            endpoint_domain=self.endpoint_domain,
            create_delay=self.create_delay,
            log_file=os.path.join(self.state_dir, "sandbox.log"),
        )
        if self.redis:
            from .farm import Farm

            self.farm = Farm(os.path.join(self.state_dir, "farm"), port_base=self.redis_port_base)
        w = self.server.world
        w.farm = self.farm
        w.hosts_file = os.path.join(self.state_dir, "hosts")
        w.write_hosts()
        w.log_delivery_factory = self.log_delivery
        w.metrics_factory = self.metrics
        self.server.seed = self.seed
        self.server.start()
        self.server.controller = Controller(self)
        self.exports = {
            "AWS_ENDPOINT_URL": self.server.endpoint,
            "AWS_ACCESS_KEY_ID": self.server.access_key,
            "AWS_SECRET_ACCESS_KEY": self.server.secret_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }
        if self.farm is not None:
            self.exports["ELCUI_REDIS_CACERT"] = self.farm.ca_file
        # one rule for every group, those created later included
        self.exports["ELCUI_RESOLVE"] = "*.%s:*:@%s" % (self.endpoint_domain, w.hosts_file)
        self.exports["ELCUI_SANDBOX_STATE"] = self.state_dir
        from . import seeds

        seeds.apply(self.seed, self)
        self.server.faults.reset_counters()
        self.server.ready = True
        self._write_state()
        threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()
        return self

    def _warm_up(self):
        """Import moto's EC2 backend (about 2 s) now rather than on the
        first EC2 or subnet-group call."""
        try:
            from moto.ec2.models import ec2_backends

            ec2_backends[self.server.account_id][self.region].get_default_subnets()
        except Exception as e:
            self.errors.append("warm-up: %r" % e)

    def export_lines(self):
        return ["export %s=%s" % (k, shlex.quote(str(v))) for k, v in self.exports.items()]

    def _write_state(self):
        env_path = os.path.join(self.state_dir, "env")
        tmp = env_path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(self.export_lines()) + "\n")
        os.replace(tmp, env_path)
        with open(os.path.join(self.state_dir, "pid"), "w") as f:
            f.write("%d\n" % os.getpid())
        try:
            if register(self.state_dir, os.getpid(), {"seed": self.seed, "endpoint": self.exports.get("AWS_ENDPOINT_URL")}) is None:
                self.errors.append("the sandbox registry folder is not usable (not yours, or open to others): tests/sandbox/env finds this sandbox only when given %s" % self.state_dir)
        except OSError as e:
            self.errors.append("cannot register the sandbox: %s" % e)

    def wait(self, stop_on_eof=False):
        if stop_on_eof:
            def watch_stdin():
                try:
                    while True:
                        data = sys.stdin.buffer.read1(4096) if hasattr(sys.stdin.buffer, "read1") else sys.stdin.buffer.read(1)
                        if not data:
                            break
                except (OSError, ValueError):
                    pass
                self._shutdown.set()

            threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()
        while not self._shutdown.wait(0.5):
            pass

    def stop(self):
        for wl in self.workloads:
            try:
                wl.stop()
            except Exception:
                pass
        for ld in self.log_deliveries():
            try:
                ld.stop()
            except Exception:
                pass
        with self._hooks_lock:
            mxs = list(self._metrics.values())
        for mx in mxs:
            try:
                mx.stop()
            except Exception:
                pass
        if self.server is not None:
            self.server.stop()
        if self.farm is not None:
            try:
                self.farm.stop_all()
            except Exception:
                pass
        try:
            os.unlink(os.path.join(self.state_dir, "pid"))
        except OSError:
            pass
        unregister(os.getpid())
        if self.own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def parse_log_delay(text):
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError("--log-delay takes S or MIN,MAX seconds")
    if len(vals) == 1:
        return (vals[0], vals[0])
    if len(vals) == 2 and 0 <= vals[0] <= vals[1]:
        return (vals[0], vals[1])
    raise argparse.ArgumentTypeError("--log-delay takes S or MIN,MAX seconds")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tests/sandbox/run", description="Local AWS sandbox for elcui (moto + real Redis).")
    ap.add_argument("--seed", choices=("empty", "demo", "scale"), default="empty")
    ap.add_argument("--port", type=int, default=0, help="AWS endpoint port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--state-dir", help="state folder (default: a temporary one, removed on exit)")
    ap.add_argument("--create-delay", type=float, default=3.0, help="seconds a new replication group stays 'creating' (default 3)")
    ap.add_argument("--log-delay", type=parse_log_delay, default=(1.0, 3.0), help="log ingestion delay, S or MIN,MAX seconds (default 1,3)")
    ap.add_argument("--redis-port-base", type=int, help="first port for redis-server nodes")
    ap.add_argument("--no-redis", action="store_true", help="no redis-server processes; endpoints are placeholders")
    ap.add_argument("--endpoint-domain", default="cache.amazonaws.com", help="DNS domain of the ElastiCache endpoints (default cache.amazonaws.com)")
    ap.add_argument("--region", default=DEFAULT_REGION, help="region printed in AWS_REGION (default us-east-2)")
    ap.add_argument("--stop-on-eof", action="store_true", help="stop when stdin reaches EOF")
    args = ap.parse_args(argv)
    if args.create_delay < 0:
        ap.error("--create-delay must be >= 0")

    own = False
    if args.state_dir:
        state_dir = args.state_dir
    else:
        sweep_dead_temp_dirs()
        state_dir = tempfile.mkdtemp(prefix="elcui-sandbox-")
        with open(os.path.join(state_dir, TEMP_MARKER), "w") as f:
            f.write("created by tests/sandbox/run; removed on exit\n")
        own = True
    rt = Runtime(
        state_dir,
        seed=args.seed,
        port=args.port,
        create_delay=args.create_delay,
        log_delay=args.log_delay,
        redis=not args.no_redis,
        redis_port_base=args.redis_port_base,
        endpoint_domain=args.endpoint_domain,
        region=args.region,
        own_state_dir=own,
    )

    def on_signal(signum, frame):
        rt.request_shutdown()
        if rt.server is None or not rt.server.ready:
            raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    t0 = time.time()
    try:
        rt.start()
    except BaseException as e:
        print("sandbox: start failed: %s" % e, file=sys.stderr)
        rt.stop()
        return 1
    for line in rt.export_lines():
        print(line)
    print("# sandbox ready (%.2fs, seed %s, state %s)" % (time.time() - t0, args.seed, rt.state_dir))
    sys.stdout.flush()
    try:
        rt.wait(stop_on_eof=args.stop_on_eof)
    finally:
        rt.stop()
    return 0

"""sidebyside - elcui and the tools on-call engineers run instead, on the
same work in the same run (issue 16), alternately, several repetitions:
medians and ratios. Used by tests/bench/run; each function returns rows
(see Row) and notes for what could not be measured.

A row's figures are medians over the repetitions of one process each:
wall seconds, user+sys CPU seconds, peak RSS (MB) from wait4().
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Row:
    """One comparison: what, elcui's figures, the peer's, unit per figure."""

    def __init__(self, bench, what, elcui, peer_name, peer, figures=("wall_s", "cpu_s", "rss_mb"), target=None, note=""):
        self.bench = bench
        self.what = what
        self.elcui = elcui  # dict figure -> value, or None (not measured)
        self.peer_name = peer_name
        self.peer = peer  # dict or None
        self.figures = figures
        self.target = target  # (figure, ratio, "peer/elcui >=" text) or None
        self.note = note


TIME = shutil.which("time") or ("/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None)


def proc_run(cmd, env, stdout=None, timeout=600):
    """Run one process to its end: (wall s, cpu s, peak RSS MB). Measured
    by GNU time when present: a child forked from this Python process
    would count Python's pages in its ru_maxrss (Linux keeps the high-water
    mark across exec); time(1) is a small parent."""
    with tempfile.NamedTemporaryFile(prefix="elcui-bench-time-", mode="r") as tf:
        full = ([TIME, "-f", "%e %U %S %M", "-o", tf.name] + cmd) if TIME else cmd
        out = open(stdout, "wb") if stdout else subprocess.DEVNULL
        try:
            t0 = time.monotonic()
            p = subprocess.run(full, env=env, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               timeout=timeout)
            wall = time.monotonic() - t0
        finally:
            if stdout:
                out.close()
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd[:4]), p.returncode,
                                                       p.stderr.decode(errors="replace")[-600:]))
        if not TIME:
            return wall, None, None  # said in the notes (see machine())
        f = tf.read().split()[-4:]
        return wall, float(f[1]) + float(f[2]), int(f[3]) / 1024.0


def alternate(runs, reps, check=None):
    """runs: [(name, cmd, env, stdout path or None)]; each rep runs all of
    them, the order turned each time. Returns name -> medians dict."""
    got = {name: [] for name, _, _, _ in runs}
    for k in range(reps):
        order = runs if k % 2 == 0 else list(reversed(runs))
        for name, cmd, env, out in order:
            wall, cpu, rss = proc_run(cmd, env, out)
            if check:
                check(name, out)
            got[name].append((wall, cpu, rss))
    res = {}
    for name, v in got.items():
        res[name] = {"wall_s": med([x[0] for x in v]), "cpu_s": med([x[1] for x in v]),
                     "rss_mb": med([x[2] for x in v]), "reps": len(v)}
    return res


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


# ---- the peers ----

def aws_clis():
    """{'v2': path, 'v1': path} of the aws CLIs on this machine, with their
    version strings: {'v2': (path, 'aws-cli/2.9.19 ...')}."""
    found = {}
    seen = set()
    for cand in (shutil.which("aws"), "/usr/bin/aws", "/usr/local/bin/aws", os.path.expanduser("~/.local/bin/aws")):
        if not cand or not os.access(cand, os.X_OK):
            continue
        real = os.path.realpath(cand)
        try:
            p = subprocess.run([cand, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        v = (p.stdout + p.stderr).strip().splitlines()
        v = v[0] if v else ""
        m = re.match(r"aws-cli/(\d+)\.", v)
        if not m or (real, v) in seen:
            continue
        seen.add((real, v))
        key = "v" + m.group(1)
        found.setdefault(key, (cand, v))
    return found


def ensure_awscli():
    """The bench installs awscli (Debian: v2) when no aws CLI v2 is here,
    as `make deps` does. Returns a note when it could not."""
    if "v2" in aws_clis():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "aws CLI v2 missing and not installable here (needs root and apt-get)"
    p = subprocess.run(["apt-get", "install", "-y", "-q", "awscli"], capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if p.returncode != 0 or "v2" not in aws_clis():
        return "aws CLI v2 missing; apt-get install awscli failed: " + p.stderr.strip()[-200:]
    return None


def aws_env(sb):
    return dict(sb.env, AWS_PAGER="", PAGER="cat", AWS_DEFAULT_REGION=sb.region, AWS_REGION=sb.region,
                AWS_CA_BUNDLE=os.environ.get("AWS_CA_BUNDLE", ""))


def aws_cmd(path, sb, *args):
    return [path, "--endpoint-url", sb.endpoint, "--region", sb.region] + list(args)  # AWS_PAGER="": no pager


# ---- 2. bulk read ----

def slow_json(i, node, ts):
    return json.dumps({"CacheClusterId": "bulk-%04d-001" % (node + 1), "CacheNodeId": "0001", "Id": i,
                       "Timestamp": ts // 1000, "Duration (us)": 10000 + i % 90000,
                       "Command": "KEYS ... (1 more arguments)",
                       "ClientAddress": "10.0.%d.%d:%d" % (i % 7, i % 200, 40000 + i % 9999),
                       "ClientName": "bulk-%d" % i}, separators=(",", ":"))


def fill_bulk(sb, group, n, streams=10, minutes=40):
    logs = sb.client("logs")
    logs.create_log_group(logGroupName=group)
    names = ["elasticache/redis/bulk-%04d-001/0001/slow-log" % (s + 1) for s in range(streams)]
    for st in names:
        logs.create_log_stream(logGroupName=group, logStreamName=st)
    now = int(time.time() * 1000)
    start = now - minutes * 60 * 1000
    per = n // streams
    step = (minutes * 60 * 1000) // max(per, 1)
    for s, st in enumerate(names):
        evs = [{"timestamp": start + k * step, "message": slow_json(s * per + k, s, start + k * step)} for k in range(per)]
        for b in range(0, len(evs), 5000):
            logs.put_log_events(logGroupName=group, logStreamName=st, logEvents=evs[b:b + 5000])
    return per * streams


def bench_bulk(sb, elcui, n, reps, workdir):
    """2. Bulk read: n slow-log JSON events over 10 streams in the last 40
    minutes, --since 1h to completion, output to a file."""
    group = "/elasticache/bench-bulk/slow-log"
    total = fill_bulk(sb, group, n)
    clis = aws_clis()
    runs = [("elcui", [elcui, "logs", "--log-group", group, "--since", "1h", "--json"], sb.env,
             os.path.join(workdir, "bulk-elcui.out"))]
    # the floor under elcui's figure: the same pages fetched and parsed
    # (jansson, the project's JSON library, must parse FilterLogEvents'
    # answer) with a --grep no event matches, so no record is made or
    # printed: what is left of the CPU is the page parse and the transfer
    floor = ("elcui, pages only", [elcui, "logs", "--log-group", group, "--since", "1h", "--json", "--grep",
                                   "no-event-holds-this"], sb.env, os.path.join(workdir, "bulk-floor.out"))
    notes = []
    for key in ("v2", "v1"):
        if key not in clis:
            notes.append("bulk read: aws CLI %s not on this machine" % key)
            continue
        path, ver = clis[key]
        if key == "v1":
            notes.append("bulk read: %s has no `logs tail` (v2 only): no v1 column" % ver.split()[0])
            continue
        runs.append(("aws " + key, aws_cmd(path, sb, "logs", "tail", group, "--since", "1h"), aws_env(sb),
                     os.path.join(workdir, "bulk-aws%s.out" % key)))

    counts = {}

    def check(name, out):
        with open(out, "rb") as f:
            counts[name] = sum(1 for line in f if b"bulk-" in line)

    res = alternate(runs + [floor], reps, check)
    rows = []
    for name in res:
        res[name]["events_per_s"] = total / res[name]["wall_s"]
        res[name]["events"] = counts.get(name, 0)
    for name in [r[0] for r in runs[1:]]:
        rows.append(Row("bulk read", "%d slow-log JSON events, 10 streams, --since 1h to a file" % total, res["elcui"],
                        "`aws logs tail` (%s)" % clis[name.split()[1]][1].split()[0], res[name],
                        figures=("wall_s", "cpu_s", "rss_mb", "events_per_s", "events"),
                        target=[("cpu_s", 3.0), ("rss_mb", 3.0)]))
    for name in [r[0] for r in runs[1:]]:
        rows.append(Row("bulk read", "the floor: the same pages fetched and parsed, no record made (`--grep` that "
                        "matches nothing); elcui's column", res[floor[0]],
                        "`aws logs tail` (%s)" % clis[name.split()[1]][1].split()[0], res[name],
                        figures=("wall_s", "cpu_s", "rss_mb")))
    if len(runs) == 1:
        rows.append(Row("bulk read", "%d slow-log JSON events --since 1h" % total, res["elcui"], "aws logs tail", None,
                        figures=("wall_s", "cpu_s", "rss_mb", "events_per_s", "events")))
        rows.append(Row("bulk read", "the floor: the same pages fetched and parsed, no record made", res[floor[0]],
                        "aws logs tail", None, figures=("wall_s", "cpu_s", "rss_mb")))
    return rows, notes


# ---- 3. inventory ----

def bench_inventory(sb, elcui, reps, label, big=None):
    """`elcui ls --json` vs `aws elasticache describe-replication-groups`
    (v2, v1) on this sandbox's groups; with big (a group id), `elcui show
    big --json` vs describe-replication-groups + describe-cache-clusters
    --show-cache-node-info (two processes: their sums)."""
    clis = aws_clis()
    env = aws_env(sb)
    rows, notes = [], []
    runs = [("elcui", [elcui, "ls", "--json"], sb.env, None)]
    for key in ("v2", "v1"):
        if key in clis:
            runs.append((key, aws_cmd(clis[key][0], sb, "elasticache", "describe-replication-groups"), env, None))
        else:
            notes.append("inventory: aws CLI %s not on this machine" % key)
    res = alternate(runs, reps)
    for key in ("v2", "v1"):
        if key in res:
            rows.append(Row("inventory", "list, %s" % label, res["elcui"],
                            "`aws elasticache describe-replication-groups` (%s)" % clis[key][1].split()[0], res[key],
                            target=[("wall_s", 10.0), ("cpu_s", 10.0)]))
    if big:
        runs = [("elcui", [elcui, "show", big, "--json"], sb.env, None)]
        for key in ("v2", "v1"):
            if key in clis:
                runs.append((key + "-rgs", aws_cmd(clis[key][0], sb, "elasticache", "describe-replication-groups",
                                                   "--replication-group-id", big), env, None))
                runs.append((key + "-ccs", aws_cmd(clis[key][0], sb, "elasticache", "describe-cache-clusters",
                                                   "--show-cache-node-info"), env, None))
        res = alternate(runs, reps)
        for key in ("v2", "v1"):
            if key + "-rgs" in res:
                a, b = res[key + "-rgs"], res[key + "-ccs"]
                both = {k: (a[k] + b[k] if k != "rss_mb" else max(a[k], b[k])) for k in ("wall_s", "cpu_s", "rss_mb")}
                rows.append(Row("inventory", "one group in full (%s), its nodes" % big, res["elcui"],
                                "describe-replication-groups + describe-cache-clusters (%s; sum, RSS the larger)"
                                % clis[key][1].split()[0], both, target=[("wall_s", 10.0), ("cpu_s", 10.0)]))
    return rows, notes


# ---- 4. commands ----

def redis_cli_tls(sb, node, token):
    host, port = node["address"], node["port"]
    return ["--tls", "--cacert", sb.ca_file, "--sni", node["host"], "-h", host, "-p", str(port)], dict(os.environ, REDISCLI_AUTH=token)


def net(res, name, start, n, n_start=1):
    """us per command of res[name] over n commands, and past start-up:
    (wall - the start-up run's wall) / (n - the start-up run's commands)."""
    r = res.get(name)
    if not r:
        return
    r["us_per_cmd"] = r["wall_s"] / n * 1e6
    st = res.get(start)
    if st and st.get("wall_s") is not None and n > n_start:
        r["us_per_cmd_net"] = max(r["wall_s"] - st["wall_s"], 0.0) / (n - n_start) * 1e6


def bench_commands(sb, elcui, rg, token, n_one, n_pipe, reps):
    """PINGs over TLS with AUTH: one by one (`exec --repeat N` vs
    `redis-cli -r N`), pipelined 16 deep (`exec --repeat N --pipeline 16`
    vs `redis-benchmark -c 1 -P 16`), and one-shot processes."""
    rows, notes = [], []
    node = [n for n in sb.nodes(rg) if n["role"] == "primary"][0]
    env = dict(sb.env, BENCH_TOKEN=token)
    for tool in ("redis-cli", "redis-benchmark"):
        if not shutil.which(tool):
            notes.append("commands: %s not on this machine: its rows have no peer" % tool)
    cli = shutil.which("redis-cli")
    bm = shutil.which("redis-benchmark")
    direct = ["--endpoint", "%s:%d" % (node["host"], node["port"]), "--token-env", "BENCH_TOKEN", "--tls"]
    base = [elcui, "exec", rg, "--node", node["cache_cluster_id"]]
    conn, cenv = redis_cli_tls(sb, node, token)
    # one by one; each tool's start-up (the same command line sending one
    # PING, one batch for redis-benchmark) in the same alternation, so the
    # per-command cost past start-up is shown apart (elcui's start-up holds
    # its AWS lookups, which redis-cli, given host and token, does not make).
    # The target ("within 1.1x of redis-cli") is on that per-command cost;
    # the start-ups, the AWS lookups included, are the one-shot rows
    runs = [("elcui", base + ["--repeat", str(n_one), "--", "PING"], env, None),
            ("elcui-start", base + ["--", "PING"], env, None)]
    if cli:
        runs += [("redis-cli", [cli] + conn + ["-r", str(n_one), "PING"], cenv, None),
                 ("redis-cli-start", [cli] + conn + ["PING"], cenv, None)]
    res = alternate(runs, reps)
    net(res, "elcui", "elcui-start", n_one)
    net(res, "redis-cli", "redis-cli-start", n_one)
    rows.append(Row("commands", "%d PINGs one by one, TLS + AUTH" % n_one, res["elcui"],
                    "`redis-cli --tls -r %d PING`" % n_one, res.get("redis-cli"),
                    figures=("wall_s", "cpu_s", "us_per_cmd", "us_per_cmd_net"), target=[("us_per_cmd_net", 1 / 1.1)]))
    # pipelined
    runs = [("elcui", base + ["--repeat", str(n_pipe), "--pipeline", "16", "--", "PING"], env, None),
            ("elcui-start", base + ["--", "PING"], env, None)]
    if bm:
        bmc = [bm] + conn + ["-a", token, "-c", "1", "-P", "16", "-q"]
        runs += [("redis-benchmark", bmc + ["-n", str(n_pipe), "PING"], dict(os.environ), None),
                 ("redis-benchmark-start", bmc + ["-n", "16", "PING"], dict(os.environ), None)]
    res = alternate(runs, reps)
    net(res, "elcui", "elcui-start", n_pipe)
    net(res, "redis-benchmark", "redis-benchmark-start", n_pipe, 16)
    rows.append(Row("commands", "%d PINGs pipelined 16 deep, TLS + AUTH" % n_pipe, res["elcui"],
                    "`redis-benchmark --tls -c 1 -P 16 PING`", res.get("redis-benchmark"),
                    figures=("wall_s", "cpu_s", "us_per_cmd", "us_per_cmd_net"), target=[("us_per_cmd_net", 1 / 1.1)]))
    # per-command latency, elcui's own (--json latency); redis-benchmark's from its --csv
    lat = []
    p = subprocess.run(base + ["--json", "--repeat", str(max(n_one // 10, 10)), "--", "PING"], env=env,
                       capture_output=True, text=True, timeout=600)
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            if "latencyUs" in d:
                lat.append(d["latencyUs"] / 1000.0)
            elif "latencyMs" in d:
                lat.append(float(d["latencyMs"]))
    e = {"p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99)} if lat else None
    peer = None
    if bm:
        q = subprocess.run([bm] + conn + ["-a", token, "-c", "1", "-n", str(max(n_one // 10, 10)), "--csv", "PING"],
                           capture_output=True, text=True, timeout=600)
        lines = [x for x in q.stdout.splitlines() if x.strip()]
        if len(lines) >= 2:
            head = [h.strip('"') for h in lines[0].split(",")]
            vals = [v.strip('"') for v in lines[-1].split(",")]
            d = dict(zip(head, vals))
            if "p50_latency_ms" in d:
                peer = {"p50_ms": float(d["p50_latency_ms"]), "p99_ms": float(d["p99_latency_ms"])}
    if e is None:
        notes.append("commands: exec --json gave no per-reply latency field: elcui's p50/p99 not measured")
    rows.append(Row("commands", "per-command latency, one in flight (%d PINGs)" % max(n_one // 10, 10), e,
                    "redis-benchmark -c 1 (its --csv percentiles; redis-cli -r prints none)", peer,
                    figures=("p50_ms", "p99_ms")))
    # one-shot processes
    runs = [("elcui", [elcui, "exec", rg, "--", "PING"], env, None),
            ("elcui-direct", [elcui, "exec", rg] + direct + ["--", "PING"], env, None)]
    if cli:
        runs.append(("redis-cli", [cli] + conn + ["PING"], cenv, None))
    res = alternate(runs, max(reps, 3))
    rows.append(Row("commands", "one-shot `exec %s -- PING`, endpoint and token found (DescribeReplicationGroups, "
                    "DescribeCacheClusters, tags, Secrets Manager)" % rg, res["elcui"], "one-shot `redis-cli --tls PING`", res.get("redis-cli")))
    rows.append(Row("commands", "one-shot `exec %s --endpoint --token-env -- PING` (no Secrets Manager call; the group's "
                    "model is still read: DescribeReplicationGroups, DescribeCacheClusters, tags)" % rg,
                    res["elcui-direct"], "one-shot `redis-cli --tls PING`", res.get("redis-cli")))
    return rows, notes


# ---- 6. apply concurrency ----

def _apply_calls(timeline):
    """The apply's requests in the sandbox's timeline: from the first
    change on (discovery only reads)."""
    reqs = timeline["requests"]
    for k, r in enumerate(reqs):
        if not re.match(r"^(Describe|Get|List)", r["operation"]):
            return reqs[k:]
    return []


def bench_apply(sb, elcui, reps, delay, spec_args, label, state_dir, warm_up=True, clean_up=True):
    """`elcui create --apply` of a stack with `delay` seconds of latency on
    every AWS call, the default graph (8 calls in flight) and `--parallel 1`
    alternately, each on a fresh name and destroyed afterwards (destroy
    without the latency, not timed; unless clean_up is False), after one
    untimed create and destroy (unless warm_up is False). Per run: the process's wall, the
    apply's own elapsed time (its --json result), the number of the apply's
    calls and the sum of their times at the sandbox. New groups get no Redis
    nodes (the calls are what is measured). Rows: default vs
    `--parallel 1`, and the default's apply vs its calls one after another."""
    env = dict(sb.env, XDG_STATE_HOME=state_dir, ELCUI_POLL_MS="200", ELCUI_POLL_MAX_MS="500", ELCUI_BACKOFF_MS="100")
    got = {"default": [], "serial": []}
    sb.configure(redis_for_new_groups=False)
    sb.reset_faults()
    if warm_up:
        # untimed and without latency: moto makes its region backends on
        # their first use, which would land on whichever variant runs first
        proc_run([elcui, "create", "--name", "bench-apply-warm", "--apply", "--yes"] + spec_args, env)
        proc_run([elcui, "destroy", "bench-apply-warm", "--confirm", "bench-apply-warm"], env)
    n = 0
    for k in range(reps):
        order = [("default", []), ("serial", ["--parallel", "1"])]
        if k % 2:
            order.reverse()
        for variant, extra in order:
            n += 1
            name = "bench-apply-%d" % n
            sb.reset_faults()
            sb.latency(delay)
            sb.reset_counters()
            with tempfile.NamedTemporaryFile(prefix="elcui-bench-apply-", suffix=".json") as out:
                wall, cpu, rss = proc_run([elcui, "create", "--name", name, "--apply", "--yes", "--json"] + spec_args
                                          + extra, env, stdout=out.name)
                with open(out.name) as f:
                    result = json.load(f)["result"]
            if not result.get("ok"):
                raise RuntimeError("apply of %s failed: %s" % (name, result))
            calls = _apply_calls(sb.request_timeline())
            sb.reset_faults()
            if clean_up:
                proc_run([elcui, "destroy", name, "--confirm", name], env)
            got[variant].append({"wall_s": wall, "cpu_s": cpu, "apply_s": result["elapsed_ms"] / 1000.0,
                                 "calls": len(calls), "calls_sum_s": sum(c["end"] - c["start"] for c in calls)})
    sb.configure(redis_for_new_groups=True)
    res = {}
    for variant, v in got.items():
        res[variant] = {f: med([x[f] for x in v]) for f in ("wall_s", "cpu_s", "apply_s", "calls", "calls_sum_s")}
    figures = ("wall_s", "apply_s", "calls", "calls_sum_s")
    what = "create --apply, %s, %d ms on every AWS call" % (label, round(delay * 1000))
    rows = [Row("apply concurrency", what + "; default (8 calls in flight)", res["default"],
                "the same plan one call at a time (`--parallel 1`)", res["serial"], figures=figures,
                target=[("wall_s", 2.0)]),
            Row("apply concurrency", what + "; the default's apply", {"apply_s": res["default"]["apply_s"]},
                "the sum of its calls' times at the sandbox (one after another)",
                {"apply_s": res["default"]["calls_sum_s"]}, figures=("apply_s",))]
    return rows, []


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else None


# ---- the machine ----

def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = "%.1f GB RAM" % (kb / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count() or 0, "mem": mem, "kernel": os.uname().release,
            "load": os.getloadavg()}


def versions():
    out = {}
    for k, (path, v) in aws_clis().items():
        out["aws " + k] = v.split()[0]
    for tool in ("redis-cli", "redis-benchmark"):
        path = shutil.which(tool)
        if path:
            p = subprocess.run([path, "--version"], capture_output=True, text=True)
            out[tool] = (p.stdout or p.stderr).strip().split("\n")[0]
    return out


# ---- the table ----

def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.3g" % v


UNITS = {"wall_s": "wall s", "cpu_s": "CPU s (user+sys)", "rss_mb": "peak RSS MB", "events_per_s": "events/s",
         "events": "events out", "us_per_cmd": "µs per command",
         "us_per_cmd_net": "µs per command past start-up (wall N - wall of one, over the rest)", "p50_ms": "p50 ms", "p95_ms": "p95 ms",
         "p99_ms": "p99 ms", "max_ms": "max ms", "missing": "missing", "duplicated": "duplicated",
         "fle_per_s": "FilterLogEvents/s", "instructions": "instructions", "first_frame_ms": "launch -> first frame ms",
         "groups_seen_ms": "launch -> groups on screen ms", "redraw_p50_ms": "full redraw p50 ms",
         "redraw_max_ms": "full redraw max ms", "apply_s": "apply s (its own elapsed)",
         "calls": "AWS calls of the apply", "calls_sum_s": "sum of the apply's calls' times s"}


def table(rows, notes):
    """Markdown: one line per figure of each row; ratio = peer / elcui
    (above 1: elcui is better for time, CPU, memory and latency)."""
    out = ["| benchmark | work | figure | elcui | peer | peer's | ratio peer/elcui | target |",
           "|---|---|---|---:|---|---:|---:|---|"]
    verdicts = []
    for r in rows:
        tg = dict(r.target or [])
        for f in r.figures:
            e = r.elcui.get(f) if r.elcui else None
            pv = r.peer.get(f) if r.peer else None
            ratio = None
            if isinstance(e, (int, float)) and isinstance(pv, (int, float)) and e > 0 and f not in ("events", "calls"):
                ratio = pv / e
                if f in ("events_per_s",):
                    ratio = e / pv if pv else None
            t = ""
            if f in tg:
                want = tg[f]
                if ratio is None:
                    t = "not measured"
                else:
                    ok = ratio >= want - 1e-9
                    t = ("≥ %.2fx: %s" % (want, "met" if ok else "MISSED"))
                    verdicts.append((r.bench, r.what, f, ratio, want, ok))
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r.bench, r.what, UNITS.get(f, f), fmt(e), r.peer_name if r.peer is not None else
                "%s: not measured" % r.peer_name, fmt(pv), "%.2fx" % ratio if ratio else "-", t))
    if notes:
        out += ["", "Not measured, and why:", ""] + ["- " + n for n in notes]
    return out, verdicts

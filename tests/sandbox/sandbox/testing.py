"""Small helpers for the sandbox's own tests (process and socket checks)."""

import os
import socket
import struct
import time


def wait_for(pred, timeout=15.0, step=0.05, what="condition"):
    """Poll pred() until it returns a true value; raise AssertionError after
    timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(step)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def children(pid):
    """Direct and indirect children of pid (by /proc ppid links)."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
    out = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for c, pp in parents.items():
            if pp == p and c not in out:
                out.add(c)
                todo.append(c)
    return out


def _socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def listening_addresses(pids):
    """(ip, port) of every listening TCP socket (v4 and v6) owned by pids."""
    inodes = set()
    for p in pids:
        inodes |= _socket_inodes(p)
    out = []
    for path, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(path) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] != "0A" or parts[9] not in inodes:  # 0A = LISTEN
                continue
            hexip, hexport = parts[1].split(":")
            port = int(hexport, 16)
            raw = bytes.fromhex(hexip)
            if v6:
                words = struct.unpack(">4I", raw)
                ip = socket.inet_ntop(socket.AF_INET6, struct.pack("<4I", *words))
            else:
                ip = socket.inet_ntoa(struct.pack("<I", struct.unpack(">I", raw)[0]))
            out.append((ip, port))
    return out

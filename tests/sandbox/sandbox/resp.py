"""Minimal RESP2 client (plain TCP or TLS, optional AUTH) for the sandbox.

Used by the farm (cluster assembly, failover), log delivery (SLOWLOG GET),
metrics (INFO), the workload and the tests.  Replies are decoded as:
simple string -> str, error -> ReplyError raised (or returned with
raise_errors=False), integer -> int, bulk string -> str (UTF-8 with
surrogateescape, so any byte survives) or bytes when the client was made
with raw=True, null -> None, array -> list.
"""

import socket
import ssl


class ReplyError(Exception):
    """An error reply from the server (its text is the message)."""

    @property
    def code(self):
        text = str(self)
        return text.split(" ", 1)[0] if text else ""


class ProtocolError(ConnectionError):
    """The peer sent something that is not RESP2, or closed the connection."""


def encode_command(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, bytes):
            b = a
        elif isinstance(a, str):
            b = a.encode("utf-8", "surrogateescape")
        elif isinstance(a, bool):
            b = b"1" if a else b"0"
        elif isinstance(a, (int, float)):
            b = str(a).encode()
        else:
            raise TypeError("unsupported argument type %r" % type(a))
        out.append(b"$%d\r\n" % len(b))
        out.append(b)
        out.append(b"\r\n")
    return b"".join(out)


def client_context(ca_file):
    """SSL context that verifies the sandbox's server certificate."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class Connection:
    """One connection to one node.  Not thread-safe: one user at a time."""

    MAX_BULK = 512 * 1024 * 1024

    def __init__(
        self,
        host,
        port,
        *,
        tls=False,
        ca_file=None,
        password=None,
        username=None,
        timeout=5.0,
        raw=False,
        client_name=None,
        ssl_context=None,
        server_hostname=None,
    ):
        """server_hostname: the name TLS sends (SNI) and checks the
        certificate against, when host is the address it really listens on
        (a sandbox node: 127.x.y.z for app-4-0001-001.app-4.HASH...)."""
        self.host = host
        self.port = port
        self.raw = raw
        self._buf = bytearray()
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls:
                ctx = ssl_context or client_context(ca_file)
                sock = ctx.wrap_socket(sock, server_hostname=server_hostname or host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        try:
            if password is not None:
                if username is not None:
                    self.call("AUTH", username, password)
                else:
                    self.call("AUTH", password)
            if client_name:
                self.call("CLIENT", "SETNAME", client_name)
        except BaseException:
            self.close()
            raise

    def settimeout(self, timeout):
        self.sock.settimeout(timeout)

    def close(self):
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def closed(self):
        return self.sock is None

    def send(self, *args):
        if self.sock is None:
            raise ProtocolError("connection closed")
        self.sock.sendall(encode_command(args))

    def call(self, *args, raise_errors=True):
        self.send(*args)
        return self.read_reply(raise_errors=raise_errors)

    def pipeline(self, commands, raise_errors=True):
        """Send several commands at once and read all replies (list)."""
        if self.sock is None:
            raise ProtocolError("connection closed")
        self.sock.sendall(b"".join(encode_command(c) for c in commands))
        replies = [self.read_reply(raise_errors=False) for _ in commands]
        if raise_errors:
            for r in replies:
                if isinstance(r, ReplyError):
                    raise r
        return replies

    # -- reading
    def _fill(self):
        if self.sock is None:
            raise ProtocolError("connection closed")
        try:
            data = self.sock.recv(65536)
        except BaseException:
            self.close()
            raise
        if not data:
            self.close()
            raise ProtocolError("connection closed by %s:%s" % (self.host, self.port))
        self._buf += data

    def _line(self):
        while True:
            i = self._buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[: i + 2]
                return line
            if len(self._buf) > 1024 * 1024:
                self.close()
                raise ProtocolError("line too long")
            self._fill()

    def _exact(self, n):
        while len(self._buf) < n + 2:
            self._fill()
        data = bytes(self._buf[:n])
        if self._buf[n : n + 2] != b"\r\n":
            self.close()
            raise ProtocolError("bulk string not terminated by CRLF")
        del self._buf[: n + 2]
        return data

    def _text(self, b):
        return b if self.raw else b.decode("utf-8", "surrogateescape")

    def _int(self, b):
        try:
            return int(b)
        except ValueError:
            self.close()
            raise ProtocolError("bad integer %r" % b[:40]) from None

    def read_reply(self, raise_errors=True):
        reply = self._read()
        if raise_errors and isinstance(reply, ReplyError):
            raise reply
        return reply

    def _read(self):
        line = self._line()
        if not line:
            self.close()
            raise ProtocolError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return self._text(rest)
        if t == b"-":
            return ReplyError(rest.decode("utf-8", "replace"))
        if t == b":":
            return self._int(rest)
        if t == b"$":
            n = self._int(rest)
            if n < 0:
                return None
            if n > self.MAX_BULK:
                self.close()
                raise ProtocolError("bulk string too large")
            return self._text(self._exact(n))
        if t == b"*":
            n = self._int(rest)
            if n < 0:
                return None
            return [self._read() for _ in range(n)]
        self.close()
        raise ProtocolError("unexpected reply type %r" % t)


def parse_info(text):
    """INFO reply -> {field: value} (numbers converted when possible)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out

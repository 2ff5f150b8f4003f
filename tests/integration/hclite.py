"""A light HCL reader for the export tests: blocks, attributes and an
evaluator for the expressions `elcui export --format terraform` writes
(strings with templates, numbers, bools, tuples, objects, references,
lower/length/trimprefix/tostring/jsonencode/lookup, conditionals,
arithmetic). HashiCorp's own parser (hcl2 / terraform) is not installable
on this machine, so this reader stands in; Doc.with_variables() evaluates
with variables set, as terraform -var does.

    doc = hclite.parse_files({"main.tf": text, ...})
    rg = doc.resource("aws_elasticache_replication_group", "app4")
    doc.eval(rg.attrs["node_type"])            # -> "cache.t2.small"
    doc.eval(rg.attrs["kms_key_id"])           # -> Ref("aws_kms_key.encryption_rest.arn")

var.* come from the variable blocks' defaults, local.* from the locals
blocks (lazily); data.aws_caller_identity.current.account_id is ACCOUNT;
any other reference evaluates to a Ref naming it.
"""

import re

ACCOUNT = "ACCOUNT"


class Ref:
    """A reference to something that exists only once applied."""

    def __init__(self, path):
        self.path = path

    def __eq__(self, other):
        return isinstance(other, Ref) and other.path == self.path

    def __hash__(self):
        return hash(self.path)

    def __repr__(self):
        return "Ref(%s)" % self.path

    def __str__(self):
        return "<%s>" % self.path


class HclError(ValueError):
    pass


# ---- tokens ----

_PUNCT = ["==", "!=", ">=", "<=", "&&", "||", "{", "}", "[", "]", "(", ")", "=", ",", ".", "?", ":", ">", "<", "+", "-", "*", "/", "%", "!"]


def _scan_string(text, i):
    """A quoted template starting at text[i] == '"'; returns (parts, end).
    parts: list of str (literal) or str-with-marker ('${', expr text)."""
    assert text[i] == '"'
    i += 1
    parts = []
    lit = []
    while True:
        if i >= len(text):
            raise HclError("unterminated string")
        c = text[i]
        if c == '"':
            break
        if c == "\\":
            n = text[i + 1]
            lit.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}.get(n, None) or "")
            if n == "u":
                lit[-1] = chr(int(text[i + 2 : i + 6], 16))
                i += 6
                continue
            i += 2
            continue
        if text.startswith("$${", i) or text.startswith("%%{", i):
            lit.append(c + "{")
            i += 3
            continue
        if text.startswith("${", i):
            depth = 1
            j = i + 2
            while depth:
                if j >= len(text):
                    raise HclError("unterminated interpolation")
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                elif text[j] == '"':
                    _, j = _scan_string(text, j)
                j += 1
            if lit:
                parts.append("".join(lit))
                lit = []
            parts.append(("${", text[i + 2 : j - 1]))
            i = j
            continue
        lit.append(c)
        i += 1
    if lit or not parts:
        parts.append("".join(lit))
    return parts, i


def tokenize(text):
    toks = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c == "\n":
            toks.append(("nl", "\n"))
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == '"':
            parts, end = _scan_string(text, i)
            toks.append(("str", parts))
            i = end + 1
            continue
        m = re.match(r"[0-9]+(\.[0-9]+)?", text[i:])
        if m:
            toks.append(("num", float(m.group(0)) if "." in m.group(0) else int(m.group(0))))
            i += len(m.group(0))
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_\-]*", text[i:])
        if m:
            toks.append(("id", m.group(0)))
            i += len(m.group(0))
            continue
        for p in _PUNCT:
            if text.startswith(p, i):
                toks.append(("p", p))
                i += len(p)
                break
        else:
            raise HclError("unexpected character %r at %d" % (c, i))
    toks.append(("eof", None))
    return toks


# ---- syntax ----


class Block:
    def __init__(self, kind, labels):
        self.kind = kind
        self.labels = labels
        self.attrs = {}
        self.blocks = []

    def __repr__(self):
        return "Block(%s %s)" % (self.kind, " ".join(self.labels))

    def nested(self, kind):
        return [b for b in self.blocks if b.kind == kind]


class _Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, k=0):
        return self.t[self.i + k]

    def next(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, kind, value=None):
        tok = self.next()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise HclError("expected %s %r, got %r" % (kind, value, tok))
        return tok

    def skip_nl(self):
        while self.peek()[0] == "nl":
            self.i += 1

    def body(self, block, end):
        while True:
            self.skip_nl()
            tok = self.peek()
            if tok == end or tok[0] == "eof":
                return
            name = self.expect("id")[1]
            if self.peek() == ("p", "="):
                self.next()
                block.attrs[name] = self.expr()
                continue
            labels = []
            while self.peek()[0] == "str":
                labels.append("".join(p for p in self.next()[1] if isinstance(p, str)))
            self.expect("p", "{")
            b = Block(name, labels)
            self.body(b, ("p", "}"))
            self.expect("p", "}")
            block.blocks.append(b)

    # expressions as nested tuples
    def expr(self):
        cond = self.binary(0)
        if self.peek() == ("p", "?"):
            self.next()
            a = self.expr()
            self.expect("p", ":")
            b = self.expr()
            return ("cond", cond, a, b)
        return cond

    _PREC = [["||"], ["&&"], ["==", "!="], [">", "<", ">=", "<="], ["+", "-"], ["*", "/", "%"]]

    def binary(self, level):
        if level == len(self._PREC):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "p" and self.peek()[1] in self._PREC[level]:
            op = self.next()[1]
            left = ("op", op, left, self.binary(level + 1))
        return left

    def unary(self):
        if self.peek() in (("p", "-"), ("p", "!")):
            op = self.next()[1]
            return ("un", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, e):
        while True:
            tok = self.peek()
            if tok == ("p", "."):
                self.next()
                e = ("attr", e, self.expect("id")[1])
            elif tok == ("p", "["):
                self.next()
                if self.peek() == ("p", "*"):
                    self.next()
                    self.expect("p", "]")
                    e = ("splat", e)
                else:
                    idx = self.expr()
                    self.expect("p", "]")
                    e = ("index", e, idx)
            else:
                return e

    def primary(self):
        tok = self.next()
        kind, val = tok
        if kind == "num":
            return ("lit", val)
        if kind == "str":
            parts = []
            for p in val:
                if isinstance(p, tuple):
                    sub = _Parser(tokenize(p[1]))
                    parts.append(sub.expr())
                else:
                    parts.append(p)
            return ("tmpl", parts)
        if kind == "id":
            if val in ("true", "false"):
                return ("lit", val == "true")
            if val == "null":
                return ("lit", None)
            if self.peek() == ("p", "("):
                self.next()
                args = []
                self.skip_nl()
                while self.peek() != ("p", ")"):
                    args.append(self.expr())
                    self.skip_nl()
                    if self.peek() == ("p", ","):
                        self.next()
                        self.skip_nl()
                self.expect("p", ")")
                return ("call", val, args)
            return ("name", val)
        if tok == ("p", "["):
            items = []
            self.skip_nl()
            while self.peek() != ("p", "]"):
                items.append(self.expr())
                self.skip_nl()
                if self.peek() == ("p", ","):
                    self.next()
                    self.skip_nl()
            self.expect("p", "]")
            return ("tuple", items)
        if tok == ("p", "{"):
            items = []
            self.skip_nl()
            while self.peek() != ("p", "}"):
                k = self.next()
                if k[0] == "id":
                    key = k[1]
                elif k[0] == "str":
                    key = "".join(p for p in k[1] if isinstance(p, str))
                else:
                    raise HclError("bad object key %r" % (k,))
                if self.peek() not in (("p", "="), ("p", ":")):
                    raise HclError("expected = after %s" % key)
                self.next()
                items.append((key, self.expr()))
                self.skip_nl()
                if self.peek() == ("p", ","):
                    self.next()
                    self.skip_nl()
            self.expect("p", "}")
            return ("object", items)
        if tok == ("p", "("):
            e = self.expr()
            self.expect("p", ")")
            return e
        raise HclError("unexpected %r" % (tok,))


class Doc:
    def __init__(self):
        self.root = Block("root", [])
        self.files = {}
        self._locals = {}
        self._evaluating = set()
        self.overrides = {}

    # blocks
    def blocks(self, kind, *labels):
        return [b for b in self.root.blocks if b.kind == kind and list(b.labels[: len(labels)]) == list(labels)]

    def resource(self, rtype, name):
        found = self.blocks("resource", rtype, name)
        if not found:
            raise AssertionError("no resource %s.%s (have: %s)" % (rtype, name, ", ".join(".".join(b.labels) for b in self.blocks("resource"))))
        return found[0]

    def has_resource(self, rtype, name):
        return bool(self.blocks("resource", rtype, name))

    def data(self, dtype, name):
        return self.blocks("data", dtype, name)[0]

    def variable(self, name):
        if name in self.overrides:
            return self.overrides[name]
        b = self.blocks("variable", name)[0]
        return self.eval(b.attrs["default"])

    def with_variables(self, **values):
        """The same document with variables set (as terraform -var does)."""
        d = Doc()
        d.root, d.files = self.root, self.files
        d.overrides = dict(self.overrides, **values)
        return d

    def local_expr(self, name):
        for b in self.blocks("locals"):
            if name in b.attrs:
                return b.attrs[name]
        raise KeyError("no local %s" % name)

    # evaluation
    def eval(self, e, count_index=None):
        k = e[0]
        if k == "lit":
            return e[1]
        if k == "tmpl":
            if len(e[1]) == 1 and not isinstance(e[1][0], str):
                return self.eval(e[1][0], count_index)
            return "".join(p if isinstance(p, str) else _s(self.eval(p, count_index)) for p in e[1])
        if k == "tuple":
            return [self.eval(x, count_index) for x in e[1]]
        if k == "object":
            return {key: self.eval(v, count_index) for key, v in e[1]}
        if k == "cond":
            return self.eval(e[2] if self.eval(e[1], count_index) else e[3], count_index)
        if k == "op":
            a, b = self.eval(e[2], count_index), self.eval(e[3], count_index)
            if isinstance(a, Ref) or isinstance(b, Ref):
                return Ref("(%s %s %s)" % (a, e[1], b))
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b, "%": lambda: a % b, ">": lambda: a > b, "<": lambda: a < b, ">=": lambda: a >= b, "<=": lambda: a <= b, "==": lambda: a == b, "!=": lambda: a != b, "&&": lambda: a and b, "||": lambda: a or b}[e[1]]()
        if k == "un":
            v = self.eval(e[2], count_index)
            return -v if e[1] == "-" else not v
        if k == "call":
            args = [self.eval(a, count_index) for a in e[2]]
            f = e[1]
            if f == "lookup" and len(args) == 3 and isinstance(args[0], dict) and isinstance(args[1], str):
                return args[0].get(args[1], args[2])
            if any(isinstance(a, Ref) for a in args) and f not in ("jsonencode",):
                return Ref("%s(%s)" % (f, ", ".join(_s(a) for a in args)))
            if f == "lower":
                return args[0].lower()
            if f == "length":
                return len(args[0])
            if f == "trimprefix":
                return args[0][len(args[1]) :] if args[0].startswith(args[1]) else args[0]
            if f == "tostring":
                return str(args[0])
            if f == "jsonencode":
                return args[0]
            raise HclError("unknown function %s" % f)
        path = self._path(e)
        if path is not None:
            return self._resolve(path, count_index)
        if k == "index":
            base = self.eval(e[1], count_index)
            idx = self.eval(e[2], count_index)
            if isinstance(base, Ref) or isinstance(idx, Ref):
                return Ref("%s[%s]" % (base.path if isinstance(base, Ref) else _s(base), _s(idx)))
            return base[idx]
        if k == "splat":
            base = self.eval(e[1], count_index)
            return Ref("%s[*]" % (base.path if isinstance(base, Ref) else _s(base)))
        if k == "attr":
            base = self.eval(e[1], count_index)
            if isinstance(base, Ref):
                return Ref("%s.%s" % (base.path, e[2]))
            return base[e[2]]
        raise HclError("cannot evaluate %r" % (e,))

    def _path(self, e):
        parts = []
        while e[0] == "attr":
            parts.append(e[2])
            e = e[1]
        if e[0] != "name":
            return None
        parts.append(e[1])
        return ".".join(reversed(parts))

    def _resolve(self, path, count_index):
        if path.startswith("var."):
            return self.variable(path[4:])
        if path.startswith("local."):
            name = path[6:].split(".")[0]
            if name not in self._locals:
                if name in self._evaluating:
                    raise HclError("local %s refers to itself" % name)
                self._evaluating.add(name)
                self._locals[name] = self.eval(self.local_expr(name))
                self._evaluating.discard(name)
            return self._locals[name]
        if path == "data.aws_caller_identity.current.account_id":
            return ACCOUNT
        if path == "count.index":
            if count_index is None:
                return Ref("count.index")
            return count_index
        return Ref(path)


def _s(v):
    return v if isinstance(v, str) else str(v)


def parse_files(files):
    doc = Doc()
    for name, text in files.items():
        p = _Parser(tokenize(text))
        before = len(doc.root.blocks)
        p.body(doc.root, ("eof", None))
        for b in doc.root.blocks[before:]:
            b.file = name
        doc.files[name] = text
    return doc


def split_stream(text):
    """`# ==== NAME ====` sections of an export stream -> {name: text}."""
    files = {}
    name = None
    buf = []
    for line in text.splitlines(keepends=True):
        m = re.match(r"^# ==== (\S+) ====$", line.rstrip("\n"))
        if m:
            if name:
                files[name] = "".join(buf)
            name, buf = m.group(1), []
        else:
            buf.append(line)
    if name:
        files[name] = "".join(buf)
    return files

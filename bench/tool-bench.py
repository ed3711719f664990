#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tool-bench: the ptadapter tunnel tool against direct dialing through the same obfs4proxy.

Run by hand (never by meson test), after a build:

    bench/tool-bench.py [--build _build] [--rounds 5] [--bulk-mib 256] [--only NAME,...]
                        [--tool PATH] [--floor splice|copy|none]      (--help; bench/README)

It starts, on loopback: an echo service (this script, --backend), a server end
`ptadapter -S` and a server end `ptadapter -E` (each with its obfs4proxy, both
forwarding to the echo service) and a client end `ptadapter -C` with one tunnel to
each server end. The -C tool's log names the SOCKS port of its obfs4proxy: the
direct dials go to that same obfs4proxy, as SOCKS5 with the obfs4 args as
username/password (pt-spec 3.5: "cert=...;iat-mode=0" is the username and the
password a single NUL byte when the string fits in 255 bytes). Every measurement
is taken for the tool and for direct dialing in the same round, rounds are
interleaved, and each line gives the median over the rounds with the spread
[min..max] in a comment. Output: one "name value unit" line per measurement,
each ratio followed by "# target ... met|NOT met, spread [min..max]".

  bulk_direct / bulk_tool_C       MiB/s through the -S end, both directions at once: the
                                  client sends N MiB and reads the N MiB echoed back at the
                                  same time; MiB/s counts both directions (2N / time)
  bulk_ratio_C                    bulk_tool_C / bulk_direct (per round, then median); >= 0.97
  bulk_direct_E                   the direct dial to the -E end instead of the -S end
  bulk_ratio_E                    bulk_direct_E / bulk_direct (the same client path, direct
                                  SOCKS dials, to one end or the other); >= 0.95
  cpu_tool_C_per_gib              utime+stime (/proc/PID/stat, all threads) of the -C tool
                                  per GiB relayed, during the bulk_tool_C transfers;
                                  "relayed" counts the bytes the relay wrote, both
                                  directions summed (a transfer of N MiB each way is 2N MiB)
  cpu_tool_E_per_gib              the same for the -E tool during bulk_direct_E; <= 0.2 s/GiB
  cpu_pt_client_per_gib           the -C tool's obfs4proxy, for scale (same transfers)
  wakeups_tool_C_per_gib          context switches of the -C tool (all threads) per GiB relayed
  bulk_floor_splice               MiB/s through bench/relay-floor (a minimal splice relay: no
                                  GLib, poll(2), 1 MiB pipes, its own SOCKS5 handshake) in the
                                  place of the -C tool, to the same -S end, in the same rounds
  cpu_floor_splice_per_gib        its utime+stime per GiB relayed, counted like the tool's: the
                                  least a relay in that place costs on this machine
  wakeups_floor_splice_per_gib    its context switches per GiB
  rate_seq_direct / _tool_C       connect, 1 KiB echo, close, one at a time (conn/s)
  rate_seq_ratio                  tool / direct; >= 0.90
  rate_conc16_direct / _tool_C    the same from 16 threads at once
  rate_conc16_ratio               tool / direct; >= 0.90
  cpu_tool_C_per_conn_seq/_conc16 utime+stime of the -C tool per connection in those runs (ms)
  rate_seq_floor_splice(_ratio)   the sequential rate through bench/relay-floor (blocking SOCKS5,
                                  one connection at a time) and its ratio to direct dialing
  rss_per_idle_conn               VmRSS growth of a fresh -C tool (after 8 warm-up
                                  connections) when 500 connections are open through it, each
                                  having echoed one byte end to end (so established through
                                  obfs4) and then idle, divided by 500; <= 8 KiB
  start_pt                        spawn of obfs4proxy (managed-proxy environment) to
                                  "CMETHODS DONE" on its stdout
  start_tool_C                    spawn of `ptadapter -C` to its listener accepting: a
                                  connection made as soon as the port is bound waits in the
                                  backlog; the time is when the tool logs its acceptance
  start_overhead                  start_tool_C - start_pt (per round pair, median); <= 10 ms
  loopback_send_only_per_gib      no PT, no tool: bench/relay-floor source sending 1 GiB to
                                  bench/relay-floor sink on loopback, the sender's CPU per GiB
                                  (rusage); loopback_recv_only_per_gib the receiver's (/proc)
  loopback_floor_splice_relay_per_gib  the minimal splice relay between the two; a relay both
                                  receives and sends, so these say what no relay can go below
  conc2000_ok / _failed           2,000 connections at once through the -C/-S pair, each
                                  sending 16 KiB of its own random bytes and checking the echo
  conc2000_seconds                time for all of them

Every process it starts is stopped at exit (SIGTERM, then SIGKILL of its process
group), also on Ctrl-C. The RLIMIT_NOFILE soft limit is raised to the hard limit
at start (inherited by the tools and PTs). The 2-core test machine is shared: take
the spread into account, and run it on an otherwise idle machine for numbers to
keep.

Python (standard library only) and not C: the work here is orchestration (three
tools, their logs, spawn timing, SOCKS, 2,000 sockets), the byte moving is done
with large buffers and the echo service splices (os.splice), so the client side
costs little next to obfs4's crypto, and it costs the same on both sides of every
ratio.
"""

import argparse
import atexit
import os
import random
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

OBFS4PROXY = "/usr/bin/obfs4proxy"
# The public example identity of examples/tunnel-server.ini.
SERVER_OPTIONS = {
    "node-id": "aff95b3f0b56f60b9acd677d3b19da2465b52e75",
    "private-key": "1976243e4bfc5337e07966c907bc5d079078b6fb60cce2c39a1ad1c71e964d4b",
    "public-key": "67fe2fe03ae3eb3d1799bc44ec5b6fb9ba04b348a0b4d1a2cdf7fb467a178234",
    "drbg-seed": "2078c936650db954e2c0fed4f784651f898534b9702de6f2",
    "iat-mode": "0",
}
CERT = "r/lbPwtW9guazWd9OxnaJGW1LnVn/i/gOuPrPReZvETsW2+5ugSzSKC00aLN9/tGeheCNA"
CLIENT_ARGS = "cert=%s;iat-mode=0" % CERT
CHUNK = 256 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = 1 << 30


def log(message):
    print("# " + message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The echo service (a child process of its own: --backend)

def run_backend(port_fd):
    """Echoes every connection, splicing socket -> pipe -> same socket."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(socket.SOMAXCONN)
    listener.setblocking(False)
    os.write(port_fd, b"%d\n" % listener.getsockname()[1])
    os.close(port_fd)

    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    conns = {}   # fd -> [sock, pipe_r, pipe_w, in_pipe, eof]

    def close(state):
        sock, r, w = state[0], state[1], state[2]
        try:
            sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        conns.pop(sock.fileno(), None)
        sock.close()
        os.close(r)
        os.close(w)

    def pump(state):
        sock, r, w = state[0], state[1], state[2]
        fd = sock.fileno()
        try:
            while True:
                if state[3] > 0:
                    n = os.splice(r, fd, state[3], flags=os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK)
                    state[3] -= n
                    if state[3] > 0:
                        sel.modify(sock, selectors.EVENT_WRITE, state)
                        return
                if state[4]:
                    close(state)
                    return
                n = os.splice(fd, w, 1 << 20, flags=os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK)
                if n == 0:
                    state[4] = True
                else:
                    state[3] += n
        except BlockingIOError:
            sel.modify(sock, selectors.EVENT_READ if state[3] == 0 else selectors.EVENT_WRITE, state)
        except OSError:
            close(state)

    while True:
        for key, _ in sel.select():
            if key.data is None:
                while True:
                    try:
                        sock, _ = listener.accept()
                    except BlockingIOError:
                        break
                    except OSError:
                        break
                    sock.setblocking(False)
                    r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
                    try:
                        import fcntl
                        fcntl.fcntl(w, 1031, 1 << 20)   # F_SETPIPE_SZ
                    except OSError:
                        pass
                    state = [sock, r, w, 0, False]
                    conns[sock.fileno()] = state
                    sel.register(sock, selectors.EVENT_READ, state)
            else:
                pump(key.data)


# ---------------------------------------------------------------------------
# Processes

class Proc:
    """A child in its own process group, its stderr (or stdout) read line by line."""

    all = []

    def __init__(self, name, argv, env=None, read_stdout=False, stdin=subprocess.DEVNULL,
                 pass_fds=()):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.spawned = time.monotonic()
        self.popen = subprocess.Popen(argv, env=env, stdin=stdin,
                                      stdout=subprocess.PIPE if read_stdout else subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL if read_stdout else subprocess.PIPE,
                                      start_new_session=True, pass_fds=pass_fds)
        Proc.all.append(self)
        stream = self.popen.stdout if read_stdout else self.popen.stderr
        self.reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.reader.start()

    @property
    def pid(self):
        return self.popen.pid

    def _read(self, stream):
        for raw in stream:
            now = time.monotonic()
            with self.cond:
                self.lines.append((now, raw.decode(errors="replace").rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.lines.append((time.monotonic(), None))
            self.cond.notify_all()

    def wait_line(self, pattern, timeout=30.0, start=0):
        """(time, match) of the first line from index @start matching @pattern."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        index = start
        with self.cond:
            while True:
                while index < len(self.lines):
                    when, line = self.lines[index]
                    index += 1
                    if line is None:
                        raise RuntimeError("%s exited (status %s) before /%s/; its output:\n%s" % (
                            self.name, self.popen.poll(), pattern, self.output()))
                    m = regex.search(line)
                    if m:
                        return when, m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("%s: no /%s/ in %.0f s; its output:\n%s" % (
                        self.name, pattern, timeout, self.output()))
                self.cond.wait(left)

    def output(self):
        return "\n".join(l for _, l in self.lines[-40:] if l is not None)

    def stop(self):
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(signal.SIGTERM)
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (the tool's PT, a hung tool).
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if self in Proc.all:
            Proc.all.remove(self)


def stop_all():
    for proc in list(reversed(Proc.all)):
        proc.stop()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def wakeups(pid):
    """Context switches of all the threads of @pid (each one a sleep and a wake-up, or a preemption)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, task)) as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    total += int(line.split()[1])
    return total


def child_pid(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return int(f.read().split()[0])


# ---------------------------------------------------------------------------
# The tools

class Bench:
    def __init__(self, args):
        self.args = args
        self.tool = args.tool or os.path.join(args.build, "tools", "ptadapter")
        if not os.access(self.tool, os.X_OK):
            sys.exit("tool-bench: no %s (build first, or give --build)" % self.tool)
        self.dir = tempfile.mkdtemp(prefix="tool-bench-")
        self.env = dict(os.environ)
        self.env.pop("PTADAPTER_RELAY", None)
        if args.relay is not None:
            self.env["PTADAPTER_RELAY"] = args.relay

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start_backend(self):
        r, w = os.pipe()
        self.backend = Proc("echo", [sys.executable, os.path.abspath(__file__), "--backend", str(w)],
                            pass_fds=(w,))
        os.close(w)
        with os.fdopen(r) as f:
            self.backend_port = int(f.readline())

    def server_config(self, name):
        options = "".join("options-%s = %s\n" % kv for kv in SERVER_OPTIONS.items())
        return self.write(name, "[server]\nexec = %s\nstate =\nforward = 127.0.0.1:%d\ntunnels = s\n\n"
                          "[s]\ntransport = obfs4\nlisten = 127.0.0.1:0\n%s" % (
                              OBFS4PROXY, self.backend_port, options))

    def start_server(self, role):
        path = self.server_config("server-%s.ini" % role)
        proc = Proc("ptadapter -" + role, [self.tool, "-" + role, path, "-v"], env=self.env)
        _, m = proc.wait_line(r"the PT listens for obfs4 on 127\.0\.0\.1:(\d+)")
        proc.wait_line(r"\bready$")
        proc.port = int(m.group(1))
        return proc

    def client_config(self, name, listen_port=0):
        return self.write(name, "[client]\nexec = %s\nstate =\ntunnels = ts te\n\n"
                          "[ts]\ntransport = obfs4\nlisten = 127.0.0.1:%d\nupstream = 127.0.0.1:%d\n"
                          "options-cert = %s\noptions-iat-mode = 0\n\n"
                          "[te]\ntransport = obfs4\nlisten = 127.0.0.1:0\nupstream = 127.0.0.1:%d\n"
                          "options-cert = %s\noptions-iat-mode = 0\n" % (
                              OBFS4PROXY, listen_port, self.server_s.port, CERT,
                              self.server_e.port, CERT))

    def start_client(self, name="client.ini"):
        path = self.client_config(name)
        proc = Proc("ptadapter -C", [self.tool, "-C", path, "-v"], env=self.env)
        _, m = proc.wait_line(r"transport obfs4: the PT's socks5 proxy is at 127\.0\.0\.1:(\d+)")
        proc.socks_port = int(m.group(1))
        _, m = proc.wait_line(r"tunnel ts: listening on 127\.0\.0\.1:(\d+)")
        proc.ts_port = int(m.group(1))
        _, m = proc.wait_line(r"tunnel te: listening on 127\.0\.0\.1:(\d+)")
        proc.te_port = int(m.group(1))
        proc.wait_line(r"\bready$")
        proc.pt_pid = child_pid(proc.pid)
        return proc

    def setup(self):
        self.start_backend()
        self.server_s = self.start_server("S")
        self.server_e = self.start_server("E")
        self.client = self.start_client()
        self.server_e.pt_pid = child_pid(self.server_e.pid)
        log("echo on %d; -S end on %d; -E end on %d; -C: socks %d, tunnels %d (to -S) %d (to -E)" % (
            self.backend_port, self.server_s.port, self.server_e.port, self.client.socks_port,
            self.client.ts_port, self.client.te_port))

    def start_floor(self):
        """bench/relay-floor (built next to the tool) in the place of the -C tool."""
        path = os.path.join(self.args.build, "bench", "relay-floor")
        if not os.access(path, os.X_OK):
            log("no %s: no floor measurement" % path)
            return None
        proc = Proc("relay-floor", [path, self.args.floor, str(self.client.socks_port),
                                    str(self.server_s.port), CLIENT_ARGS], read_stdout=True)
        _, m = proc.wait_line(r"^(\d+)$")
        proc.port = int(m.group(1))
        return proc

    # --- ways to connect ---------------------------------------------------

    def via_tool(self, port):
        return lambda: socket.create_connection(("127.0.0.1", port))

    def via_socks(self, upstream_port):
        return lambda: socks5_connect(("127.0.0.1", self.client.socks_port),
                                      ("127.0.0.1", upstream_port), CLIENT_ARGS)


def recv_exactly(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise ConnectionError("closed after %d of %d bytes" % (got, n))
        got += k
    return bytes(buf)


def socks5_connect(proxy, destination, args):
    """SOCKS5 with the PT args as username/password (pt-spec 3.5)."""
    encoded = args.encode()
    if len(encoded) <= 255:
        username, password = encoded, b"\0"
    else:
        username, password = encoded[:255], encoded[255:]
    sock = socket.create_connection(proxy)
    try:
        sock.sendall(b"\x05\x01\x02")
        if recv_exactly(sock, 2) != b"\x05\x02":
            raise ConnectionError("SOCKS5: username/password refused")
        sock.sendall(b"\x01" + bytes([len(username)]) + username + bytes([len(password)]) + password)
        if recv_exactly(sock, 2)[1] != 0:
            raise ConnectionError("SOCKS5: authentication failed")
        sock.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(destination[0]) +
                     struct.pack("!H", destination[1]))
        head = recv_exactly(sock, 4)
        if head[1] != 0:
            raise ConnectionError("SOCKS5: connect failed, reply %d" % head[1])
        rest = {1: 4, 4: 16}.get(head[3])
        if rest is None:
            rest = recv_exactly(sock, 1)[0]
        recv_exactly(sock, rest + 2)
    except BaseException:
        sock.close()
        raise
    return sock


# ---------------------------------------------------------------------------
# Measurements

def bulk(connect, nbytes):
    """Sends @nbytes and reads the echo at the same time; MiB/s of both directions."""
    sock = connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    data = memoryview(bytes(CHUNK))
    errors = []

    def send():
        try:
            left = nbytes
            while left > 0:
                k = sock.send(data[:min(CHUNK, left)])
                left -= k
        except OSError as e:
            errors.append(e)

    buf = bytearray(1 << 20)
    view = memoryview(buf)
    start = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    got = 0
    while got < nbytes:
        k = sock.recv_into(view)
        if k == 0:
            break
        got += k
    elapsed = time.monotonic() - start
    sender.join()
    sock.close()
    if errors or got != nbytes:
        raise RuntimeError("bulk: %d of %d bytes back (%s)" % (got, nbytes, errors))
    return 2 * nbytes / (1 << 20) / elapsed


PAYLOAD_1K = bytes(range(256)) * 4


def echo_once(connect):
    sock = connect()
    try:
        sock.sendall(PAYLOAD_1K)
        if recv_exactly(sock, len(PAYLOAD_1K)) != PAYLOAD_1K:
            raise RuntimeError("echo: wrong bytes")
    finally:
        sock.close()


def conn_rate(connect, seconds, threads=1, counted=False):
    """Connections per second (connect, 1 KiB echo, close) from @threads threads."""
    deadline = time.monotonic() + seconds
    counts = [0] * threads
    failures = []

    def loop(i):
        while time.monotonic() < deadline:
            try:
                echo_once(connect)
                counts[i] += 1
            except (OSError, RuntimeError) as e:
                failures.append(e)
                if len(failures) > 20:
                    return

    start = time.monotonic()
    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    if failures:
        log("rate: %d failures, first: %s" % (len(failures), failures[0]))
    if counted:
        return sum(counts) / elapsed, sum(counts)
    return sum(counts) / elapsed


def open_idle(connect, count, threads=16):
    """@count connections, each having echoed one byte."""
    socks = []
    lock = threading.Lock()
    todo = [count]

    def worker():
        while True:
            with lock:
                if todo[0] == 0:
                    return
                todo[0] -= 1
            sock = connect()
            sock.sendall(b"x")
            recv_exactly(sock, 1)
            with lock:
                socks.append(sock)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if len(socks) != count:
        for s in socks:
            s.close()
        raise RuntimeError("opened only %d of %d connections" % (len(socks), count))
    return socks


def concurrent_many(port, count, size, timeout):
    """@count connections at once, each sending @size random bytes and checking the echo."""
    sel = selectors.DefaultSelector()
    rng = random.Random(5)
    ok = failed = 0
    reasons = {}
    states = {}
    for i in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            failed += 1
            sock.close()
            continue
        payload = rng.randbytes(size)
        states[sock] = [payload, 0, bytearray()]   # payload, sent, received
        sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, states[sock])
    start = time.monotonic()
    deadline = start + timeout
    while states and time.monotonic() < deadline:
        for key, mask in sel.select(timeout=1.0):
            sock, state = key.fileobj, key.data
            payload = state[0]
            try:
                if mask & selectors.EVENT_WRITE:
                    if state[1] < size:
                        state[1] += sock.send(payload[state[1]:])
                    if state[1] == size:
                        sel.modify(sock, selectors.EVENT_READ, state)
                if mask & selectors.EVENT_READ:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed early")
                    state[2] += chunk
                    if len(state[2]) >= size:
                        if state[2] == payload:
                            ok += 1
                        else:
                            failed += 1
                            reasons["wrong bytes"] = reasons.get("wrong bytes", 0) + 1
                        sel.unregister(sock)
                        sock.close()
                        del states[sock]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                failed += 1
                reasons[type(e).__name__ + ": " + str(e)] = reasons.get(type(e).__name__ + ": " + str(e), 0) + 1
                sel.unregister(sock)
                sock.close()
                del states[sock]
    elapsed = time.monotonic() - start
    if states:
        reasons["unfinished after %.0f s" % timeout] = len(states)
    failed += len(states)
    for sock in states:
        sock.close()
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        log("concurrent: %d failed: %s" % (n, reason))
    return ok, failed, elapsed


def raw_pt_start(workdir):
    """Spawn of obfs4proxy to CMETHODS DONE, in the managed-proxy environment."""
    state = tempfile.mkdtemp(dir=workdir)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "TOR_PT_MANAGED_TRANSPORT_VER": "1",
           "TOR_PT_STATE_LOCATION": state,
           "TOR_PT_CLIENT_TRANSPORTS": "obfs4",
           "TOR_PT_EXIT_ON_STDIN_CLOSE": "1"}
    proc = Proc("obfs4proxy", [OBFS4PROXY], env=env, read_stdout=True, stdin=subprocess.PIPE)
    when, _ = proc.wait_line(r"^CMETHODS DONE")
    elapsed = when - proc.spawned
    proc.popen.stdin.close()
    proc.stop()
    return elapsed


def tool_start(bench, index):
    """Spawn of ptadapter -C to its listener accepting a connection."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    path = bench.client_config("start-%d.ini" % index, listen_port=port)
    proc = Proc("ptadapter -C (start)", [bench.tool, "-C", path, "-v"], env=bench.env)
    try:
        while True:
            sock = socket.socket()
            try:
                sock.connect(("127.0.0.1", port))
                break
            except ConnectionRefusedError:
                sock.close()
                if proc.popen.poll() is not None:
                    raise RuntimeError("ptadapter -C exited:\n" + proc.output())
                time.sleep(0.0005)
        when, _ = proc.wait_line(r"tunnel ts #1: connection from")
        sock.close()
        return when - proc.spawned
    finally:
        proc.stop()


# ---------------------------------------------------------------------------

def spread(values, fmt="%.3g"):
    return "[" + (fmt % min(values)) + ".." + (fmt % max(values)) + "]"


class Report:
    def __init__(self):
        self.lines = []

    def value(self, name, values, unit, fmt="%.4g"):
        line = "%s %s %s" % (name, fmt % statistics.median(values), unit)
        if len(values) > 1:
            line += "  # median of %d, spread %s" % (len(values), spread(values, fmt))
        print(line, flush=True)

    def target(self, name, values, unit, op, target, fmt="%.3f"):
        med = statistics.median(values)
        met = med >= target if op == ">=" else med <= target
        print("%s %s %s  # target %s %s: %s, median of %d, spread %s" % (
            name, fmt % med, unit, op, fmt % target, "met" if met else "NOT met",
            len(values), spread(values, fmt)), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="_build", help="meson build directory (default: _build)")
    parser.add_argument("--tool", help="the ptadapter binary (default: BUILD/tools/ptadapter)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--bulk-mib", type=int, default=256,
                        help="MiB sent (and echoed) per bulk transfer (default 256)")
    parser.add_argument("--rate-seconds", type=float, default=3.0,
                        help="seconds per connection-rate measurement (default 3)")
    parser.add_argument("--starts", type=int, default=10, help="start-time pairs (default 10)")
    parser.add_argument("--idle", type=int, default=500, help="idle connections (default 500)")
    parser.add_argument("--many", type=int, default=2000, help="concurrent connections (default 2000)")
    parser.add_argument("--relay", choices=["copy", "splice"], help="PTADAPTER_RELAY for the tools")
    parser.add_argument("--floor", choices=["splice", "copy", "none"], default="splice",
                        help="bench/relay-floor method in the bulk rounds (default splice)")
    parser.add_argument("--loopback-mib", type=int, default=1024,
                        help="MiB per loopback floor transfer (default 1024)")
    parser.add_argument("--only", default="bulk,rate,rss,start,loopback,many",
                        help="comma-separated subset of bulk,rate,rss,start,loopback,many")
    parser.add_argument("--backend", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.backend is not None:
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        run_backend(args.backend)
        return

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    only = set(args.only.split(","))

    bench = Bench(args)
    # atexit runs the last registered first: the processes stop before their files go.
    atexit.unregister(stop_all)
    atexit.register(shutil.rmtree, bench.dir, True)
    atexit.register(stop_all)
    bench.setup()
    report = Report()
    print("# rlimit_nofile %d (was %d); relay %s" % (hard, soft, args.relay or "default"), flush=True)

    if "bulk" in only:
        nbytes = args.bulk_mib << 20
        relayed_gib = 2 * nbytes / GIB   # both directions summed
        floor = bench.start_floor() if args.floor != "none" else None
        direct, tool, direct_e, floor_rate = [], [], [], []
        ratio_c, ratio_e, cpu_c, cpu_e, cpu_pt, cpu_floor, wake_c, wake_floor = [], [], [], [], [], [], [], []
        bulk(bench.via_socks(bench.server_s.port), 8 << 20)   # warm-up
        bulk(bench.via_tool(bench.client.ts_port), 8 << 20)
        if floor:
            bulk(bench.via_tool(floor.port), 8 << 20)
        kinds = [0, 1, 2] + ([3] if floor else [])
        for r in range(args.rounds):
            order = kinds if r % 2 == 0 else kinds[::-1]
            got = {}
            for which in order:
                if which == 0:
                    got[0] = bulk(bench.via_socks(bench.server_s.port), nbytes)
                elif which == 1:
                    c0, p0 = cpu_seconds(bench.client.pid), cpu_seconds(bench.client.pt_pid)
                    w0 = wakeups(bench.client.pid)
                    got[1] = bulk(bench.via_tool(bench.client.ts_port), nbytes)
                    c1, p1 = cpu_seconds(bench.client.pid), cpu_seconds(bench.client.pt_pid)
                    wake_c.append((wakeups(bench.client.pid) - w0) / relayed_gib)
                    cpu_c.append((c1 - c0) / relayed_gib)
                    cpu_pt.append((p1 - p0) / relayed_gib)
                elif which == 2:
                    e0 = cpu_seconds(bench.server_e.pid)
                    got[2] = bulk(bench.via_socks(bench.server_e.port), nbytes)
                    e1 = cpu_seconds(bench.server_e.pid)
                    cpu_e.append((e1 - e0) / relayed_gib)
                else:
                    f0, w0 = cpu_seconds(floor.pid), wakeups(floor.pid)
                    got[3] = bulk(bench.via_tool(floor.port), nbytes)
                    cpu_floor.append((cpu_seconds(floor.pid) - f0) / relayed_gib)
                    wake_floor.append((wakeups(floor.pid) - w0) / relayed_gib)
                    floor_rate.append(got[3])
            direct.append(got[0])
            tool.append(got[1])
            direct_e.append(got[2])
            ratio_c.append(got[1] / got[0])
            ratio_e.append(got[2] / got[0])
            log("bulk round %d: direct %.1f, -C %.1f, direct to -E %.1f%s MiB/s; cpu -C %.3f, -E %.3f%s s/GiB"
                % (r + 1, got[0], got[1], got[2],
                   ", floor relay %.1f" % got[3] if floor else "", cpu_c[-1], cpu_e[-1],
                   ", floor relay %.3f" % cpu_floor[-1] if floor else ""))
        report.value("bulk_direct", direct, "MiB/s", "%.1f")
        report.value("bulk_tool_C", tool, "MiB/s", "%.1f")
        report.target("bulk_ratio_C", ratio_c, "ratio", ">=", 0.97)
        report.value("bulk_direct_E", direct_e, "MiB/s", "%.1f")
        report.target("bulk_ratio_E", ratio_e, "ratio", ">=", 0.95)
        report.target("cpu_tool_C_per_gib", cpu_c, "s/GiB", "<=", 0.2)
        report.target("cpu_tool_E_per_gib", cpu_e, "s/GiB", "<=", 0.2)
        report.value("cpu_pt_client_per_gib", cpu_pt, "s/GiB", "%.3f")
        report.value("wakeups_tool_C_per_gib", wake_c, "switches/GiB", "%.0f")
        if floor:
            report.value("bulk_floor_%s" % args.floor, floor_rate, "MiB/s", "%.1f")
            report.value("cpu_floor_%s_per_gib" % args.floor, cpu_floor, "s/GiB", "%.3f")
            report.value("wakeups_floor_%s_per_gib" % args.floor, wake_floor, "switches/GiB", "%.0f")
            floor.stop()

    if "rate" in only:
        for threads, name in ((1, "seq"), (16, "conc16")):
            direct, tool, ratio, cpu = [], [], [], []
            conn_rate(bench.via_socks(bench.server_s.port), 0.5, threads)   # warm-up
            conn_rate(bench.via_tool(bench.client.ts_port), 0.5, threads)

            def through_tool():
                c0 = cpu_seconds(bench.client.pid)
                rate, count = conn_rate(bench.via_tool(bench.client.ts_port), args.rate_seconds, threads,
                                        counted=True)
                cpu.append((cpu_seconds(bench.client.pid) - c0) * 1000 / max(count, 1))
                return rate

            for r in range(args.rounds):
                if r % 2 == 0:
                    d = conn_rate(bench.via_socks(bench.server_s.port), args.rate_seconds, threads)
                    t = through_tool()
                else:
                    t = through_tool()
                    d = conn_rate(bench.via_socks(bench.server_s.port), args.rate_seconds, threads)
                direct.append(d)
                tool.append(t)
                ratio.append(t / d)
                log("rate %s round %d: direct %.1f, -C %.1f conn/s" % (name, r + 1, d, t))
            report.value("rate_%s_direct" % name, direct, "conn/s", "%.1f")
            report.value("rate_%s_tool_C" % name, tool, "conn/s", "%.1f")
            report.target("rate_%s_ratio" % name, ratio, "ratio", ">=", 0.90)
            report.value("cpu_tool_C_per_conn_%s" % name, cpu, "ms", "%.3f")
            if threads == 1 and args.floor != "none":
                # The minimal relay serves one connection at a time: sequential only.
                floor = bench.start_floor()
                if floor:
                    floor_rate, floor_ratio = [], []
                    for r in range(args.rounds):
                        d = conn_rate(bench.via_socks(bench.server_s.port), args.rate_seconds)
                        f = conn_rate(bench.via_tool(floor.port), args.rate_seconds)
                        floor_rate.append(f)
                        floor_ratio.append(f / d)
                    floor.stop()
                    report.value("rate_seq_floor_%s" % args.floor, floor_rate, "conn/s", "%.1f")
                    report.value("rate_seq_floor_%s_ratio" % args.floor, floor_ratio, "ratio", "%.3f")

    if "rss" in only:
        per_conn = []
        for r in range(max(3, args.rounds // 2)):
            proc = bench.start_client("rss-%d.ini" % r)
            connect = bench.via_tool(proc.ts_port)
            for s in open_idle(connect, 8, threads=1):
                s.close()
            time.sleep(0.3)
            before = rss_kib(proc.pid)
            socks = open_idle(connect, args.idle)
            time.sleep(0.3)
            after = rss_kib(proc.pid)
            for s in socks:
                s.close()
            proc.stop()
            per_conn.append((after - before) / args.idle)
            log("rss round %d: %d -> %d KiB for %d connections" % (r + 1, before, after, args.idle))
        report.target("rss_per_idle_conn", per_conn, "KiB", "<=", 8.0, "%.2f")

    if "start" in only:
        pt, tool, overhead = [], [], []
        for i in range(args.starts):
            if i % 2 == 0:
                p = raw_pt_start(bench.dir)
                t = tool_start(bench, i)
            else:
                t = tool_start(bench, i)
                p = raw_pt_start(bench.dir)
            pt.append(p * 1000)
            tool.append(t * 1000)
            overhead.append((t - p) * 1000)
        report.value("start_pt", pt, "ms", "%.1f")
        report.value("start_tool_C", tool, "ms", "%.1f")
        report.target("start_overhead", overhead, "ms", "<=", 10.0, "%.1f")

    if "loopback" in only:
        path = os.path.join(args.build, "bench", "relay-floor")
        sink = Proc("relay-floor sink", [path, "sink"], read_stdout=True)
        sink_port = int(sink.wait_line(r"^(\d+)$")[1].group(1))
        relay = Proc("relay-floor splice", [path, "splice", "0", str(sink_port), "-"], read_stdout=True)
        relay_port = int(relay.wait_line(r"^(\d+)$")[1].group(1))
        gib = args.loopback_mib / 1024   # one direction: what the relay writes
        send_only, recv_only, relay_cost, relay_recv = [], [], [], []

        def source(port):
            child = subprocess.Popen([path, "source", str(port), str(args.loopback_mib)])
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = status
            if status != 0:
                raise RuntimeError("relay-floor source failed")
            return usage.ru_utime + usage.ru_stime

        for r in range(args.rounds):
            s0 = cpu_seconds(sink.pid)
            send_only.append(source(sink_port) / gib)
            time.sleep(0.05)
            recv_only.append((cpu_seconds(sink.pid) - s0) / gib)
            r0, s0 = cpu_seconds(relay.pid), cpu_seconds(sink.pid)
            source(relay_port)
            time.sleep(0.05)
            relay_cost.append((cpu_seconds(relay.pid) - r0) / gib)
            relay_recv.append((cpu_seconds(sink.pid) - s0) / gib)
        relay.stop()
        sink.stop()
        report.value("loopback_send_only_per_gib", send_only, "s/GiB", "%.3f")
        report.value("loopback_recv_only_per_gib", recv_only, "s/GiB", "%.3f")
        report.value("loopback_floor_splice_relay_per_gib", relay_cost, "s/GiB", "%.3f")

    if "many" in only:
        ok, failed, elapsed = concurrent_many(bench.client.ts_port, args.many, 16384, 180.0)
        print("conc2000_ok %d connections  # of %d, each 16 KiB echoed and compared" % (ok, args.many))
        print("conc2000_failed %d connections  # target 0: %s" % (failed, "met" if failed == 0 else "NOT met"))
        print("conc2000_seconds %.2f s" % elapsed, flush=True)


if __name__ == "__main__":
    main()

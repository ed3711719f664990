#!/bin/sh
# The main job: an obfs4 tunnel on loopback made of two ptadapter tools,
# run from the project's example configuration, with data through it.
#
#   echo service 127.0.0.1:8300
#     <- ptadapter -S examples/tunnel-server.ini   (obfs4proxy takes obfs4 on 127.0.0.1:8301)
#     <~ obfs4 ~ ptadapter -C examples/tunnel-client.ini  (listens on 127.0.0.1:8302)
#     <- this script's data
#
# Installs what it needs and builds first. Optional argument: how many MiB
# to send (default 8).
set -eu
cd "$(dirname "$0")/.."

.ci/install-deps.sh

if [ ! -f _build-demo/build.ninja ]; then
  meson setup _build-demo -Dtests=false -Ddocs=disabled -Dintrospection=disabled
fi
meson compile -C _build-demo tools/ptadapter

exec python3 - "$PWD/_build-demo/tools/ptadapter" "${1:-8}" <<'EOF'
import hashlib, os, queue, signal, socket, subprocess, sys, threading, time

tool, mib = sys.argv[1], int(sys.argv[2])
FORWARD, SERVER, CLIENT = 8300, 8301, 8302
events = queue.Queue()

def say(text):
    print(text, flush=True)

# The service at the far end of the tunnel: sends back what it gets.
def echo_service(listener):
    while True:
        conn, _ = listener.accept()
        def serve(c=conn):
            with c:
                while data := c.recv(1 << 16):
                    c.sendall(data)
        threading.Thread(target=serve, daemon=True).start()

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    listener.bind(("127.0.0.1", FORWARD))
except OSError as e:
    sys.exit("demo: cannot listen on 127.0.0.1:%d for the echo service: %s" % (FORWARD, e))
listener.listen(16)
threading.Thread(target=echo_service, args=(listener,), daemon=True).start()
say("echo service: listening on 127.0.0.1:%d (the tunnel's far end)" % FORWARD)

# A tool end; its log lines are shown as they come.
def start(name, *args):
    say("%s: %s %s" % (name, os.path.basename(tool), " ".join(args)))
    p = subprocess.Popen([tool, *args], stderr=subprocess.PIPE, text=True)
    def read():
        for line in p.stderr:
            say("  %s | %s" % (name, line.rstrip("\n")))
            events.put((name, line))
        events.put((name, None))
    threading.Thread(target=read, daemon=True).start()
    return p

def wait_for(name, text, deadline=30):
    end = time.monotonic() + deadline
    while True:
        try:
            who, line = events.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            sys.exit("demo: %s did not log “%s” within %d s" % (name, text, deadline))
        if who == name and line is None:
            sys.exit("demo: %s ended before logging “%s”" % (name, text))
        if who == name and text in line:
            return line

procs = []
def stop_all():
    codes = []
    for name, p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        codes.append("%s exit %d" % (name, p.wait(timeout=30)))
    return codes

try:
    procs.append(("server", start("server", "-S", "examples/tunnel-server.ini", "-v")))
    wait_for("server", "INFO     ready")
    procs.append(("client", start("client", "-C", "examples/tunnel-client.ini", "-v")))
    wait_for("client", "INFO     ready")

    payload = os.urandom(mib << 20)
    say("data: sending %d MiB to 127.0.0.1:%d, through obfs4, to the echo service and back" % (mib, CLIENT))
    started = time.monotonic()
    conn = socket.create_connection(("127.0.0.1", CLIENT), timeout=60)
    sender = threading.Thread(target=conn.sendall, args=(payload,))
    sender.start()
    received = bytearray()
    while len(received) < len(payload):
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        received += chunk
    sender.join()
    elapsed = time.monotonic() - started
    conn.close()
    same = hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()
    say("data: got %d of %d bytes back in %.2f s (%.1f MiB/s each way): %s" %
        (len(received), len(payload), elapsed, mib / elapsed,
         "the same bytes (SHA-256 equal)" if same else "DIFFERENT BYTES"))
    wait_for("client", "closed after")
finally:
    say("stopping both ends with SIGTERM")
    codes = stop_all()
say("stopped: " + ", ".join(codes))
ok = same and all(code.endswith("exit 0") for code in codes)
say("result: " + ("OK, the tunnel carried the data intact" if ok else "FAILED"))
sys.exit(0 if ok else 1)
EOF

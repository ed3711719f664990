#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python ptadapter developer guide's examples, done with Pt-1 through
# PyGObject: a client adapter that connects through obfs4 to a server adapter
# and echoes; an ExtServerAdapter that lets in only loopback clients and
# echoes in its client-connected handler; errors as GLib.Error in the Pt
# domain. Real obfs4proxy, the uninstalled typelib (meson sets
# GI_TYPELIB_PATH and LD_LIBRARY_PATH), a GLib.MainLoop and callbacks.
#
# Prints TAP. Missing obfs4proxy is a failure, never a skip: the test command
# installs it.

import json
import os
import shutil
import sys
import tempfile
import traceback

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Pt', '1')
from gi.repository import GLib, GObject, Gio, Pt  # noqa: E402

OBFS4PROXY = os.environ.get('PT_TEST_OBFS4PROXY', '')
TIMEOUT_SECONDS = 60
PAYLOAD = bytes((i * 7 + i // 251) % 256 for i in range(256 * 1024))
# The first server's state directory and cert: the ExtServerAdapter test
# gives its keys as options and expects the same cert.
SERVER_IDENTITY = {}


# Running the main loop

def run_until(done, what):
    """Runs the default main context until done() is true."""
    loop = GLib.MainLoop()
    timed_out = []

    def on_timeout():
        timed_out.append(True)
        loop.quit()
        return GLib.SOURCE_REMOVE

    def on_check():
        if done():
            loop.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    timeout = GLib.timeout_add_seconds(TIMEOUT_SECONDS, on_timeout)
    check = GLib.timeout_add(5, on_check)
    if not done():
        loop.run()
    if not timed_out:
        GLib.source_remove(timeout)
    if not done():
        GLib.source_remove(check)
    assert done(), 'timed out waiting for ' + what


def call(obj, name, *args):
    """obj.name_async(*args, None, callback), then obj.name_finish(result)."""
    results = []
    getattr(obj, name + '_async')(*args, None, lambda source, result: results.append(result))
    run_until(lambda: results, name)
    return getattr(obj, name + '_finish')(results[0])


def expect_error(domain_quark, code, func, *args):
    try:
        func(*args)
    except GLib.Error as error:
        assert isinstance(error, GLib.Error)
        assert error.matches(domain_quark, code), \
            'expected %s %d, got %s %d: %s' % (GLib.quark_to_string(domain_quark), code,
                                               error.domain, error.code, error.message)
        return error
    raise AssertionError('no error raised')


# An echo service and sending bytes through a connection

def echo(stream, finished=None):
    """Copies everything @stream reads back to it, until EOF."""
    def on_spliced(output, result):
        try:
            output.splice_finish(result)
        except GLib.Error:
            pass  # the PT closed the connection first
        stream.close()
        if finished is not None:
            finished.append(stream)

    stream.get_output_stream().splice_async(stream.get_input_stream(),
                                            Gio.OutputStreamSpliceFlags.NONE,
                                            GLib.PRIORITY_DEFAULT, None, on_spliced)


class EchoService:
    """A TCP echo service on 127.0.0.1 that runs in the main loop."""

    def __init__(self):
        self.service = Gio.SocketService()
        ok, self.address = self.service.add_address(
            Gio.InetSocketAddress.new_from_string('127.0.0.1', 0),
            Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
        assert ok
        self.service.connect('incoming', self.on_incoming)
        self.service.start()

    def on_incoming(self, service, connection, source):
        echo(connection)
        return True

    def stop(self):
        self.service.stop()
        self.service.close()


def roundtrip(connection, payload=PAYLOAD):
    """Writes @payload to @connection while reading; returns what came back."""
    output = connection.get_output_stream()
    received = bytearray()
    state = {'written': 0, 'eof': False, 'error': None}

    def on_written(stream, result):
        try:
            state['written'] += stream.write_bytes_finish(result)
        except GLib.Error as error:
            state['error'] = error
            return
        if state['written'] < len(payload):
            write_more()

    def write_more():
        chunk = GLib.Bytes.new(payload[state['written']:state['written'] + 65536])
        output.write_bytes_async(chunk, GLib.PRIORITY_DEFAULT, None, on_written)

    def on_read(stream, result):
        try:
            data = stream.read_bytes_finish(result).get_data()
        except GLib.Error as error:
            state['error'] = error
            return
        if not data:
            state['eof'] = True
            return
        received.extend(data)
        if len(received) < len(payload):
            stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)

    write_more()
    connection.get_input_stream().read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)
    run_until(lambda: len(received) >= len(payload) or state['eof'] or state['error'], 'the echo')
    return bytes(received), state['error']


def server_address(transport):
    """host and port of a Pt.ServerTransport, for connect_async()."""
    address = transport.get_address()
    return address.get_address().to_string(), address.get_port()


def leftover_temp_dirs():
    return [name for name in os.listdir(tempfile.gettempdir()) if name.startswith('ptadapter-')]


def stop(adapter):
    assert call(adapter, 'stop') is True
    assert adapter.get_state() == Pt.AdapterState.STOPPED


# The tests

def test_introspection_data():
    """The things bindings rely on: version, enums, the error domain, types."""
    assert Pt.VERSION_S == '%d.%d.%d' % (Pt.MAJOR_VERSION, Pt.MINOR_VERSION, Pt.MICRO_VERSION)
    assert GLib.quark_to_string(Pt.error_quark()) == 'pt-error-quark'
    assert Pt.Error.quark() == Pt.error_quark()
    assert Pt.Error.UNKNOWN_TRANSPORT != Pt.Error.INVALID_ARGUMENT
    assert Pt.AdapterState.RUNNING.value_nick == 'running'
    assert issubclass(Pt.ClientAdapter, Pt.Adapter)
    assert issubclass(Pt.ExtServerAdapter, Pt.Adapter)
    assert GObject.type_is_a(Pt.Adapter.__gtype__, GObject.Object.__gtype__)
    assert GObject.type_test_flags(Pt.Adapter.__gtype__, GObject.TypeFlags.ABSTRACT)

    client = Pt.ClientAdapter.new([OBFS4PROXY, '-enableLogging'], None, ['obfs4', 'obfs3'], None)
    assert client.get_pt_exec() == [OBFS4PROXY, '-enableLogging']
    assert client.props.pt_exec == [OBFS4PROXY, '-enableLogging']
    assert client.get_transports() == ['obfs4', 'obfs3']
    assert client.get_state_location() is None
    assert client.get_proxy_uri() is None
    assert client.get_state() == Pt.AdapterState.NEW
    assert client.get_identifier() is None
    assert client.get_exit_on_stdin_close() is True
    assert client.get_start_timeout() == 30000
    client.set_start_timeout(5000)
    assert client.props.start_timeout == 5000
    client.set_outbound_bind_address_v4('127.0.0.1')
    assert client.props.outbound_bind_address_v4 == '127.0.0.1'
    client.set_outbound_bind_address_v4(None)
    assert client.get_outbound_bind_address_v4() is None

    # Keyword construction, as Python code often does it
    server = Pt.ExtServerAdapter(pt_exec=[OBFS4PROXY], handshake_timeout=5000)
    assert server.get_handshake_timeout() == 5000
    assert server.get_auth_cookie_file() is None
    address = server.get_ext_or_port_address()
    assert address.get_address().to_string() == '127.0.0.1'
    server.set_ext_or_port_address(Gio.InetSocketAddress.new_from_string('::1', 0))
    assert server.props.ext_or_port_address.get_address().to_string() == '::1'

    # connect() stays GObject's: pt_client_adapter_connect() is C only
    handler = client.connect('notify::state', lambda *args: None)
    assert handler > 0
    client.disconnect(handler)


def test_client_server_echo():
    """The guide's "PT Client": a ClientAdapter for obfs4 and obfs3 connects,
    with the server's cert as args, to a ServerAdapter that forwards to an
    echo service."""
    echo_service = EchoService()
    state = tempfile.mkdtemp(prefix='pt-server-state-')
    pt_exec = [OBFS4PROXY, '-enableLogging']

    server = Pt.ServerAdapter.new(pt_exec, state, echo_service.address)
    assert server.add_transport('obfs4', None, None) is True
    assert server.add_transport('obfs3', None, None) is True
    states = []
    server.connect('notify::state', lambda adapter, pspec: states.append(adapter.props.state))
    exits = []
    server.connect('exited', lambda adapter, wait_status: exits.append(wait_status))

    assert call(server, 'start') is True
    assert server.get_state() == Pt.AdapterState.RUNNING
    assert server.get_identifier().isdigit()
    assert server.get_state_location() == state
    assert server.get_forward_address().get_port() == echo_service.address.get_port()

    obfs4 = server.get_transport('obfs4')
    assert obfs4.get_name() == 'obfs4'
    assert obfs4.get_options().startswith('ARGS:')
    bridge_args = obfs4.dup_args()
    assert isinstance(bridge_args, dict)
    assert sorted(bridge_args) == ['cert', 'iat-mode']
    assert bridge_args['iat-mode'] == '0'
    obfs3 = server.get_transport('obfs3')
    assert obfs3.dup_args() == {}

    # The guide: ClientAdapter(pt_exec, state, transports), then
    # open_transport_connection('obfs4', host, port, {'cert': ...})
    client = Pt.ClientAdapter.new(pt_exec, None, ['obfs4', 'obfs3'], None)
    assert call(client, 'start') is True
    socks = client.get_transport('obfs4')
    assert socks.get_name() == 'obfs4'
    assert socks.get_scheme() == 'socks5'
    assert socks.get_address().get_port() != 0
    assert os.path.isdir(client.get_state_location())  # a temporary one, while it runs

    # What a bridge operator hands out, and what the client reads back
    host, port = server_address(obfs4)
    line = Pt.BridgeLine.new('obfs4', host, port, None, bridge_args).to_string()
    assert line.startswith('obfs4 %s:%d cert=' % (host, port)), line
    bridge = Pt.BridgeLine.parse('Bridge ' + line)
    assert bridge.equal(Pt.BridgeLine.parse(line))
    assert bridge.get_fingerprint() is None
    connection = call(client, 'connect', bridge.get_transport(), bridge.get_host(), bridge.get_port(),
                      bridge.dup_args())
    assert isinstance(connection, Gio.SocketConnection)
    received, error = roundtrip(connection)
    assert error is None, error
    assert received == PAYLOAD
    connection.close()

    host, port = server_address(obfs3)
    connection = call(client, 'connect', 'obfs3', host, port, None)
    received, error = roundtrip(connection, PAYLOAD[:4096])
    assert error is None, error
    assert received == PAYLOAD[:4096]
    connection.close()

    waits = []
    server.wait_async(None, lambda adapter, result: waits.append(adapter.wait_finish(result)))
    stop(client)
    assert client.get_state_location() is None
    stop(server)
    run_until(lambda: waits, 'wait_async')
    assert waits == [(True, 0)], waits
    assert exits == [0]
    assert states == [Pt.AdapterState.STARTING, Pt.AdapterState.RUNNING,
                      Pt.AdapterState.STOPPING, Pt.AdapterState.STOPPED], states

    # The server kept its obfs4 identity in its state directory
    assert os.path.exists(os.path.join(state, 'obfs4_state.json'))
    SERVER_IDENTITY.update(state=state, cert=bridge_args['cert'])
    echo_service.stop()


def loopback_only(info):
    """The guide's pre-connect policy: allow loopback clients, deny others."""
    address = info.get_address()
    return address is not None and address.get_is_loopback()


def ext_server(options, policy, events):
    """An ExtServerAdapter with the guide's two callbacks: preconnect decides
    with @policy (later, from an idle callback, holding the request), and
    client-connected echoes."""
    server = Pt.ExtServerAdapter.new([OBFS4PROXY, '-enableLogging'], tempfile.mkdtemp(prefix='pt-ext-state-'))
    assert server.add_transport('obfs4', None, options) is True
    assert server.add_transport('obfs3', None, None) is True

    def decide(request):
        if policy(request.get_info()):
            request.accept()
        else:
            request.deny()
        return GLib.SOURCE_REMOVE

    def on_preconnect(adapter, request):
        info = request.get_info()
        events.append(('preconnect', info.get_transport(), info.get_address().to_string(), info.get_port()))
        GLib.idle_add(decide, request)
        return True

    def on_client_connected(adapter, stream, info):
        assert isinstance(stream, Gio.SocketConnection)
        events.append(('client-connected', info.get_transport(), info.get_address().to_string(), info.get_port()))
        echo(stream)

    server.connect('preconnect', on_preconnect)
    server.connect('client-connected', on_client_connected)
    return server


def test_ext_server_loopback_echo():
    """The guide's ExtServerAdapter: obfs4 with the server keys as options and
    obfs3; only loopback clients; the connect callback echoes."""
    assert SERVER_IDENTITY, 'test_client_server_echo must pass first: its server keys are reused'
    with open(os.path.join(SERVER_IDENTITY['state'], 'obfs4_state.json')) as f:
        keys = json.load(f)
    obfs4_options = {name: str(keys[name]) for name in ('node-id', 'private-key', 'drbg-seed', 'iat-mode')}
    events = []
    server = ext_server(obfs4_options, loopback_only, events)
    assert call(server, 'start') is True
    assert os.path.getsize(server.get_auth_cookie_file()) == 64

    obfs4 = server.get_transport('obfs4')
    # The same keys as options: the same cert as the first server's
    assert obfs4.dup_args()['cert'] == SERVER_IDENTITY['cert']
    client = Pt.ClientAdapter.new([OBFS4PROXY], None, ['obfs4', 'obfs3'], None)
    assert call(client, 'start') is True

    for name, args, size in (('obfs4', obfs4.dup_args(), len(PAYLOAD)), ('obfs3', None, 4096)):
        host, port = server_address(server.get_transport(name))
        connection = call(client, 'connect', name, host, port, args)
        received, error = roundtrip(connection, PAYLOAD[:size])
        assert error is None, error
        assert received == PAYLOAD[:size]
        connection.close()

    kinds = [event[:3] for event in events]
    assert kinds == [('preconnect', 'obfs4', '127.0.0.1'), ('client-connected', 'obfs4', '127.0.0.1'),
                     ('preconnect', 'obfs3', '127.0.0.1'), ('client-connected', 'obfs3', '127.0.0.1')], events
    assert all(event[3] > 0 for event in events)

    stop(client)
    stop(server)
    shutil.rmtree(SERVER_IDENTITY['state'])
    shutil.rmtree(server.get_state_location())


def test_ext_server_denies():
    """A client that the pre-connect callback refuses never reaches the
    connect callback, and gets no echo."""
    events = []
    server = ext_server(None, lambda info: info.get_address().to_string() != '127.0.0.1', events)
    assert call(server, 'start') is True
    obfs4 = server.get_transport('obfs4')
    client = Pt.ClientAdapter.new([OBFS4PROXY], None, ['obfs4'], None)
    assert call(client, 'start') is True

    host, port = server_address(obfs4)
    try:
        connection = call(client, 'connect', 'obfs4', host, port, obfs4.dup_args())
    except GLib.Error:
        pass  # denied before the PT answered the SOCKS request
    else:
        received, error = roundtrip(connection, b'x' * 1024)
        assert received == b'', received
        connection.close()
    run_until(lambda: events, 'the preconnect signal')
    assert [event[0] for event in events] == ['preconnect'], events

    stop(client)
    stop(server)
    shutil.rmtree(server.get_state_location())


# A scripted PT: LOG and STATUS lines, then a client transport, until stdin
# closes.
SCRIPTED_PT = r'''
import sys
print("VERSION 1")
print('LOG SEVERITY=warning MESSAGE="disk \\"nearly\\" full"')
print("STATUS TRANSPORT=obfs4 ADDRESS=198.51.100.7:443 CONNECT=Success")
print("STATUS TYPE=bootstrap PROGRESS=100")
print("CMETHOD obfs4 socks5 127.0.0.1:9")
print("CMETHODS DONE", flush=True)
sys.stdin.read()
'''


def test_signals():
    """log and transport-status arrive with their enum, string and dict."""
    client = Pt.ClientAdapter.new([sys.executable, '-c', SCRIPTED_PT], None, ['obfs4'], None)
    logs = []
    statuses = []
    client.connect('log', lambda adapter, severity, message: logs.append((severity, message)))
    client.connect('transport-status', lambda adapter, transport, fields: statuses.append((transport, fields)))
    assert call(client, 'start') is True
    run_until(lambda: len(statuses) == 2, 'the STATUS lines')
    assert logs == [(Pt.LogSeverity.WARNING, 'disk "nearly" full')], logs
    assert statuses == [('obfs4', {'ADDRESS': '198.51.100.7:443', 'CONNECT': 'Success'}),
                        (None, {'TYPE': 'bootstrap', 'PROGRESS': '100'})], statuses
    stop(client)


def test_errors():
    """Errors arrive as GLib.Error with the Pt domain and code."""
    # A start that fails before anything is spawned
    client = Pt.ClientAdapter.new([OBFS4PROXY], None, ['not a transport name'], None)
    error = expect_error(Pt.error_quark(), Pt.Error.INVALID_ARGUMENT, call, client, 'start')
    assert error.domain == 'pt-error-quark'
    assert error.code == int(Pt.Error.INVALID_ARGUMENT)
    assert 'not a transport name' in error.message
    assert client.get_state() == Pt.AdapterState.FAILED

    # A PT program that cannot be run: GLib's error, not ours
    client = Pt.ClientAdapter.new(['/nonexistent/obfs4proxy'], None, ['obfs4'], None)
    error = expect_error(GLib.spawn_error_quark(), GLib.SpawnError.NOENT, call, client, 'start')
    assert not error.matches(Pt.error_quark(), error.code)

    # Transports before the start, after it, and ones never requested
    client = Pt.ClientAdapter.new([OBFS4PROXY], None, ['obfs4'], None)
    expect_error(Pt.error_quark(), Pt.Error.INVALID_STATE, client.get_transport, 'obfs4')
    assert call(client, 'start') is True
    expect_error(Pt.error_quark(), Pt.Error.UNKNOWN_TRANSPORT, client.get_transport, 'obfs3')
    expect_error(Pt.error_quark(), Pt.Error.UNKNOWN_TRANSPORT, call, client, 'connect',
                 'obfs3', '127.0.0.1', 9, None)
    expect_error(Pt.error_quark(), Pt.Error.ARGS_TOO_LONG, call, client, 'connect',
                 'obfs4', '127.0.0.1', 9, {'cert': 'A' * 600})
    expect_error(Pt.error_quark(), Pt.Error.INVALID_STATE, call, client, 'start')

    # Cancelling keeps GIO's code
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    results = []
    client.connect_async('obfs4', '127.0.0.1', 9, None, cancellable,
                         lambda source, result: results.append(result))
    run_until(lambda: results, 'the cancelled connect')
    expect_error(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, client.connect_finish, results[0])
    stop(client)

    # Bridge lines name an IP address, never a host
    error = expect_error(Pt.error_quark(), Pt.Error.INVALID_ARGUMENT, Pt.BridgeLine.parse,
                         'obfs4 bridge.example:443 cert=abc')
    assert 'bridge.example' in error.message

    # Server transports: twice the same name, or after the start
    server = Pt.ServerAdapter.new([OBFS4PROXY], None, Gio.InetSocketAddress.new_from_string('127.0.0.1', 9))
    assert server.add_transport('obfs4', None, None) is True
    expect_error(Pt.error_quark(), Pt.Error.INVALID_ARGUMENT, server.add_transport, 'obfs4', None, None)
    expect_error(Pt.error_quark(), Pt.Error.INVALID_ARGUMENT, server.add_transport, 'obfs3', None, {'': 'x'})
    expect_error(Pt.error_quark(), Pt.Error.INVALID_STATE, server.get_transport, 'obfs4')

    # Waiting on an adapter that never ran
    expect_error(Pt.error_quark(), Pt.Error.INVALID_STATE, call, server, 'wait')


TESTS = [
    test_introspection_data,
    test_client_server_echo,
    test_ext_server_loopback_echo,
    test_ext_server_denies,
    test_signals,
    test_errors,
]


def main():
    print('1..%d' % (len(TESTS) + 1), flush=True)
    if not __debug__:
        print('Bail out! the checks are assert statements: run without -O', flush=True)
        return 1
    if not os.access(OBFS4PROXY, os.X_OK):
        print('Bail out! obfs4proxy is required (apt-get install obfs4proxy); '
              'PT_TEST_OBFS4PROXY=%r' % OBFS4PROXY, flush=True)
        return 1
    failed = 0
    for number, test in enumerate(TESTS, 1):
        try:
            test()
        except Exception:
            failed += 1
            print('not ok %d - %s' % (number, test.__name__))
            for line in traceback.format_exc().splitlines():
                print('# ' + line)
        else:
            print('ok %d - %s' % (number, test.__name__))
        sys.stdout.flush()

    left = leftover_temp_dirs()
    if left:
        failed += 1
        print('not ok %d - no adapter temp dir is left # %s' % (len(TESTS) + 1, ' '.join(left)))
    else:
        print('ok %d - no adapter temp dir is left' % (len(TESTS) + 1))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

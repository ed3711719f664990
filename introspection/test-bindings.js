// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Pt-1 from GJS with Gio._promisify and async/await: a client adapter that
// connects through obfs4 to a server adapter and echoes (the Python guide's
// "PT Client" example), and errors as GLib.Error in the Pt domain. Real
// obfs4proxy, the uninstalled typelib (meson sets GI_TYPELIB_PATH and
// LD_LIBRARY_PATH).
//
// Prints TAP. Missing obfs4proxy is a failure, never a skip.

imports.gi.versions.GLib = '2.0';
imports.gi.versions.Gio = '2.0';
imports.gi.versions.Pt = '1';
const {GLib, Gio, Pt} = imports.gi;
const System = imports.system;

const OBFS4PROXY = GLib.getenv('PT_TEST_OBFS4PROXY') ?? '';
const TIMEOUT_SECONDS = 60;

Gio._promisify(Pt.Adapter.prototype, 'start_async', 'start_finish');
Gio._promisify(Pt.Adapter.prototype, 'stop_async', 'stop_finish');
Gio._promisify(Pt.Adapter.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Pt.ClientAdapter.prototype, 'connect_async', 'connect_finish');
Gio._promisify(Gio.InputStream.prototype, 'read_bytes_async', 'read_bytes_finish');
Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');
Gio._promisify(Gio.OutputStream.prototype, 'splice_async', 'splice_finish');

function assert(condition, message) {
    if (!condition)
        throw new Error(`assertion failed: ${message}`);
}

function assertEqual(actual, expected, what) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    assert(a === e, `${what}: expected ${e}, got ${a}`);
}

async function expectError(domain, code, promise) {
    try {
        await promise;
    } catch (error) {
        assert(error instanceof GLib.Error, `not a GLib.Error: ${error}`);
        assert(error.matches(domain, code),
            `expected ${GLib.quark_to_string(domain)} ${code}, got ${error.domain} ${error.code}: ${error.message}`);
        return error;
    }
    throw new Error('no error was thrown');
}

function payload(size) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++)
        bytes[i] = (i * 7 + Math.floor(i / 251)) % 256;
    return bytes;
}

// A TCP echo service on 127.0.0.1, served by the main loop.
function echoService() {
    const service = new Gio.SocketService();
    const [, address] = service.add_address(Gio.InetSocketAddress.new_from_string('127.0.0.1', 0),
        Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, null);
    service.connect('incoming', (_service, connection) => {
        connection.output_stream.splice_async(connection.input_stream,
            Gio.OutputStreamSpliceFlags.NONE, GLib.PRIORITY_DEFAULT, null)
            .catch(() => {})  // the PT closed the connection first
            .finally(() => connection.close(null));
        return true;
    });
    service.start();
    return {service, address};
}

// Writes @data while reading; resolves to what came back.
async function roundtrip(connection, data) {
    const writing = (async () => {
        for (let done = 0; done < data.length;) {
            done += await connection.output_stream.write_bytes_async(
                new GLib.Bytes(data.subarray(done, done + 65536)), GLib.PRIORITY_DEFAULT, null);
        }
    })();
    const chunks = [];
    let received = 0;
    while (received < data.length) {
        const bytes = await connection.input_stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, null);
        if (bytes.get_size() === 0)
            break;
        chunks.push(bytes.toArray());
        received += bytes.get_size();
    }
    await writing;
    const all = new Uint8Array(received);
    let offset = 0;
    for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.length;
    }
    return all;
}

function sameBytes(a, b) {
    return a.length === b.length && a.every((value, i) => value === b[i]);
}

function leftoverTempDirs() {
    const left = [];
    const children = Gio.File.new_for_path(GLib.get_tmp_dir()).enumerate_children('standard::name',
        Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    for (let info = children.next_file(null); info !== null; info = children.next_file(null)) {
        if (info.get_name().startsWith('ptadapter-'))
            left.push(info.get_name());
    }
    children.close(null);
    return left;
}

async function testClientServerEcho() {
    const echo = echoService();
    const server = Pt.ServerAdapter.new([OBFS4PROXY, '-enableLogging'], null, echo.address);
    server.add_transport('obfs4', null, null);
    server.add_transport('obfs3', null, null);
    const states = [];
    server.connect('notify::state', () => states.push(server.state));
    let exitStatus = null;
    server.connect('exited', (_server, waitStatus) => (exitStatus = waitStatus));

    assert(await server.start_async(null) === true, 'server started');
    assertEqual(server.state, Pt.AdapterState.RUNNING, 'server state');
    const obfs4 = server.get_transport('obfs4');
    assertEqual(obfs4.name, 'obfs4', 'transport name');
    const bridgeArgs = obfs4.dup_args();
    assertEqual(Object.keys(bridgeArgs).sort(), ['cert', 'iat-mode'], 'obfs4 args');
    assertEqual(bridgeArgs['iat-mode'], '0', 'iat-mode');
    assertEqual(server.get_transport('obfs3').dup_args(), {}, 'obfs3 args');

    const client = Pt.ClientAdapter.new([OBFS4PROXY, '-enableLogging'], null, ['obfs4', 'obfs3'], null);
    assertEqual(client.pt_exec, [OBFS4PROXY, '-enableLogging'], 'pt-exec');
    assertEqual(client.get_transports(), ['obfs4', 'obfs3'], 'transports');
    await client.start_async(null);
    const socks = client.get_transport('obfs4');
    assertEqual(socks.scheme, 'socks5', 'SOCKS scheme');
    assert(socks.address.port !== 0, 'SOCKS port');

    for (const [name, args, size] of [['obfs4', bridgeArgs, 256 * 1024], ['obfs3', null, 4096]]) {
        // The server's side as a bridge line, and the client's side from it
        const address = server.get_transport(name).address;
        const line = Pt.BridgeLine.new(name, address.address.to_string(), address.port, null, args).to_string();
        const bridge = Pt.BridgeLine.parse(line);
        // eslint-disable-next-line no-await-in-loop
        const connection = await client.connect_async(bridge.get_transport(), bridge.get_host(),
            bridge.get_port(), bridge.dup_args(), null);
        assert(connection instanceof Gio.SocketConnection, 'a GSocketConnection');
        const data = payload(size);
        // eslint-disable-next-line no-await-in-loop
        const received = await roundtrip(connection, data);
        assert(sameBytes(received, data), `${name}: ${received.length} of ${data.length} bytes came back equal`);
        connection.close(null);
    }

    const waiting = server.wait_async(null);
    assert(await client.stop_async(null) === true, 'client stopped');
    assert(await server.stop_async(null) === true, 'server stopped');
    // wait_finish() gives [true, status]; Gio._promisify() drops the leading true
    assertEqual(await waiting, [0], 'wait_async');
    assertEqual(exitStatus, 0, 'exited signal');
    assertEqual(states, [Pt.AdapterState.STARTING, Pt.AdapterState.RUNNING,
        Pt.AdapterState.STOPPING, Pt.AdapterState.STOPPED], 'states');
    echo.service.stop();
}

async function testErrors() {
    assertEqual(GLib.quark_to_string(Pt.error_quark()), 'pt-error-quark', 'error domain');

    let client = Pt.ClientAdapter.new([OBFS4PROXY], null, ['not a transport name'], null);
    const error = await expectError(Pt.error_quark(), Pt.Error.INVALID_ARGUMENT, client.start_async(null));
    assertEqual(error.code, Pt.Error.INVALID_ARGUMENT, 'code');
    assert(error.message.includes('not a transport name'), error.message);
    assertEqual(client.state, Pt.AdapterState.FAILED, 'state after a failed start');

    client = Pt.ClientAdapter.new([OBFS4PROXY], null, ['obfs4'], null);
    await client.start_async(null);
    await expectError(Pt.error_quark(), Pt.Error.UNKNOWN_TRANSPORT, (async () => client.get_transport('obfs3'))());
    await expectError(Pt.error_quark(), Pt.Error.ARGS_TOO_LONG,
        client.connect_async('obfs4', '127.0.0.1', 9, {cert: 'A'.repeat(600)}, null));
    await client.stop_async(null);

    await expectError(Pt.error_quark(), Pt.Error.INVALID_ARGUMENT,
        (async () => Pt.BridgeLine.parse('obfs4 bridge.example:443'))());
}

const TESTS = [testClientServerEcho, testErrors];

async function main() {
    print(`1..${TESTS.length + 1}`);
    if (!GLib.file_test(OBFS4PROXY, GLib.FileTest.IS_EXECUTABLE)) {
        print(`Bail out! obfs4proxy is required (apt-get install obfs4proxy); PT_TEST_OBFS4PROXY='${OBFS4PROXY}'`);
        return 1;
    }
    let failed = 0;
    for (const [i, test] of TESTS.entries()) {
        try {
            // eslint-disable-next-line no-await-in-loop
            await test();
            print(`ok ${i + 1} - ${test.name}`);
        } catch (e) {
            failed++;
            print(`not ok ${i + 1} - ${test.name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
        }
    }
    const left = leftoverTempDirs();
    if (left.length > 0) {
        failed++;
        print(`not ok ${TESTS.length + 1} - no adapter temp dir is left # ${left.join(' ')}`);
    } else {
        print(`ok ${TESTS.length + 1} - no adapter temp dir is left`);
    }
    return failed > 0 ? 1 : 0;
}

const loop = new GLib.MainLoop(null, false);
let exitCode = 1;
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 4 * TIMEOUT_SECONDS, () => {
    print('Bail out! timed out');
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
main().then(code => (exitCode = code), e => print(`Bail out! ${e}`)).finally(() => loop.quit());
loop.run();
System.exit(exitCode);

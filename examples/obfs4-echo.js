#!/usr/bin/gjs
// An obfs4 server that echoes, and a client that sends it "hello" through obfs4.
imports.gi.versions.Pt = '1';
const {GLib, Gio, Pt} = imports.gi;
Gio._promisify(Pt.Adapter.prototype, 'start_async', 'start_finish');
Gio._promisify(Pt.Adapter.prototype, 'stop_async', 'stop_finish');
Gio._promisify(Pt.ClientAdapter.prototype, 'connect_async', 'connect_finish');
Gio._promisify(Gio.InputStream.prototype, 'read_bytes_async', 'read_bytes_finish');

const ptExec = ARGV.length > 0 ? ARGV : ['/usr/bin/obfs4proxy'];
const server = Pt.ExtServerAdapter.new(ptExec, null);
server.add_transport('obfs4', null, null);
server.connect('client-connected', (_server, stream, info) => {  // echo back all the client sends
    print(`client from ${info.get_address().to_string()} through ${info.get_transport()}`);
    stream.output_stream.splice_async(stream.input_stream, Gio.OutputStreamSpliceFlags.NONE,
        GLib.PRIORITY_DEFAULT, null, () => stream.close(null));
});
const client = Pt.ClientAdapter.new(ptExec, null, ['obfs4'], null);

async function main() {
    await server.start_async(null);
    await client.start_async(null);
    const transport = server.get_transport('obfs4');  // where the server listens, and its cert
    const connection = await client.connect_async('obfs4', transport.address.address.to_string(),
        transport.address.port, transport.dup_args(), null);
    connection.output_stream.write_all('hello', null);
    const reply = await connection.input_stream.read_bytes_async(5, GLib.PRIORITY_DEFAULT, null);
    print(`echoed: ${new TextDecoder().decode(reply.toArray())}`);
    await client.stop_async(null);
    await server.stop_async(null);
}

const loop = new GLib.MainLoop(null, false);
let status = 1;
main().then(() => (status = 0), logError).finally(() => loop.quit());
loop.run();
imports.system.exit(status);

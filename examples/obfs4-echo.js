// An obfs4 server that echoes, and a client that sends it "hello" through obfs4.
imports.gi.versions.Pt = '1';
const {GLib, Gio, Pt} = imports.gi;
for (const [klass, name] of [[Pt.Adapter, 'start'], [Pt.Adapter, 'stop'], [Pt.ClientAdapter, 'connect'],
    [Gio.InputStream, 'read_bytes']])
    Gio._promisify(klass.prototype, `${name}_async`, `${name}_finish`);

const ptExec = ARGV.length > 0 ? ARGV : ['/usr/bin/obfs4proxy'];
const server = Pt.ExtServerAdapter.new(ptExec, null);  // hands each client to the application
server.add_transport('obfs4', null, null);
server.connect('client-connected', (_server, stream) => stream.output_stream.splice_async(  // echo
    stream.input_stream, Gio.OutputStreamSpliceFlags.NONE, GLib.PRIORITY_DEFAULT, null,
    () => stream.close(null)));
const client = Pt.ClientAdapter.new(ptExec, null, ['obfs4'], null);

async function main() {
    await server.start_async(null);
    await client.start_async(null);
    const transport = server.get_transport('obfs4');  // its address, and the cert clients need
    const connection = await client.connect_async('obfs4', transport.address.address.to_string(),
        transport.address.port, transport.dup_args(), null);
    connection.output_stream.write_all('hello', null);
    const reply = await connection.input_stream.read_bytes_async(5, GLib.PRIORITY_DEFAULT, null);
    print(`echoed: ${new TextDecoder().decode(reply.toArray())}`);
    await client.stop_async(null);
    await server.stop_async(null);
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
main().catch(error => { logError(error); status = 1; }).finally(() => loop.quit());
loop.run();
imports.system.exit(status);

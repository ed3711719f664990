// Starts obfs4proxy as an obfs4 client, prints where it takes connections, and stops it.
imports.gi.versions.Pt = '1';
const {GLib, Gio, Pt} = imports.gi;
Gio._promisify(Pt.Adapter.prototype, 'start_async', 'start_finish');
Gio._promisify(Pt.Adapter.prototype, 'stop_async', 'stop_finish');

const ptExec = ARGV.length > 0 ? ARGV : ['/usr/bin/obfs4proxy'];
const client = Pt.ClientAdapter.new(ptExec, null, ['obfs4'], null);
const loop = new GLib.MainLoop(null, false);
let status = 0;

client.start_async(null).then(async () => {
    const transport = client.get_transport('obfs4');
    print(`obfs4 through ${transport.scheme} ${transport.address.to_string()}`);
    await client.stop_async(null);
}).catch(error => {  // a GLib.Error: error.matches(Pt.error_quark(), Pt.Error.EXITED) and so on
    logError(error);
    status = 1;
}).finally(() => loop.quit());
loop.run();
imports.system.exit(status);

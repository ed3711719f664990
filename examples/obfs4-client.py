# Starts obfs4proxy as an obfs4 client, prints where it takes connections, and stops it.
import sys, gi
gi.require_version('Pt', '1')
from gi.repository import GLib, Pt

loop = GLib.MainLoop()
client = Pt.ClientAdapter.new(sys.argv[1:] or ['/usr/bin/obfs4proxy'], None, ['obfs4'], None)

def on_started(client, result):
    try:
        client.start_finish(result)
    except GLib.Error as error:  # error.matches(Pt.error_quark(), Pt.Error.EXITED) and so on
        sys.exit('obfs4proxy failed: ' + error.message)
    transport = client.get_transport('obfs4')
    print('obfs4 through', transport.get_scheme(), transport.get_address().to_string())
    client.stop_async(None, lambda *_: loop.quit())

client.start_async(None, on_started)
loop.run()

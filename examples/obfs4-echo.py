# An obfs4 server that echoes, and a client that sends it "hello" through obfs4.
import sys, gi
gi.require_version('Pt', '1')
from gi.repository import GLib, Gio, Pt

pt_exec = sys.argv[1:] or ['/usr/bin/obfs4proxy']
loop = GLib.MainLoop()
server = Pt.ExtServerAdapter.new(pt_exec, None)  # hands each client to the application
server.add_transport('obfs4', None, None)
client = Pt.ClientAdapter.new(pt_exec, None, ['obfs4'], None)

def on_client_connected(server, stream, info):  # send back all the client sends
    stream.get_output_stream().splice_async(stream.get_input_stream(), Gio.OutputStreamSpliceFlags.NONE,
                                            GLib.PRIORITY_DEFAULT, None, lambda *_: stream.close())

def on_reply(input_stream, result, connection):
    print('echoed:', input_stream.read_bytes_finish(result).get_data().decode())
    client.stop_async(None, lambda *_: server.stop_async(None, lambda *_: loop.quit()))

def on_connected(client, result):
    connection = client.connect_finish(result)
    connection.get_output_stream().write_all(b'hello', None)
    connection.get_input_stream().read_bytes_async(5, GLib.PRIORITY_DEFAULT, None, on_reply, connection)

def on_started(adapter, result):
    try:
        adapter.start_finish(result)
    except GLib.Error as error:  # error.matches(Pt.error_quark(), Pt.Error.EXITED) and so on
        sys.exit('obfs4proxy failed: ' + error.message)
    if adapter is server:
        return client.start_async(None, on_started)
    transport = server.get_transport('obfs4')  # its address, and the cert clients need
    address = transport.get_address()
    client.connect_async('obfs4', address.get_address().to_string(), address.get_port(),
                         transport.dup_args(), None, on_connected)

server.connect('client-connected', on_client_connected)
server.start_async(None, on_started)
loop.run()

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <ptadapter/ptadapter.h>

G_BEGIN_DECLS

/* Helpers shared by the tests of PtServerAdapter and PtExtServerAdapter. */

/* 127.0.0.1:@port, or [::1]:@port. */
GInetSocketAddress *pt_test_loopback_address    (GSocketFamily      family,
                                                 guint16            port);

/* A started PtClientAdapter running obfs4proxy for @transports. */
PtClientAdapter    *pt_test_client_start        (const char * const *transports);

/* Connects through @client to the server transport @name of @server (a
 * running PtServerAdapter or PtExtServerAdapter), with the ARGS: that the
 * server's PT announced. */
GSocketConnection  *pt_test_connect_to_server   (PtClientAdapter   *client,
                                                 PtAdapter         *server,
                                                 const char        *name,
                                                 GError           **error);

/* The value of the SMETHOD argument @key of @name on @server (a copy). */
char               *pt_test_dup_server_arg      (PtAdapter         *server,
                                                 const char        *name,
                                                 const char        *key);

/* fake-pt with an env-file: step writing to @env_path, then "version" and
 * "smethods". NULL-terminated, free with g_strfreev(). */
char              **pt_test_fake_server_argv    (const char        *env_path);

/* A started PtServerAdapter running obfs4proxy for obfs4 with @options
 * (nullable), forwarding to 127.0.0.1:@forward_port. */
PtServerAdapter    *pt_test_obfs4_server_start  (guint16            forward_port,
                                                 GHashTable        *options);

/* Appends an ExtORPort command (header and @length bytes of @body) to
 * @bytes, the way a client sends it. */
void                pt_test_ext_or_port_append_command (GByteArray *bytes,
                                                        guint16     command,
                                                        const char *body,
                                                        gsize       length);

/* Stops @adapter, which must succeed. */
void                pt_test_stop_ok             (PtAdapter         *adapter);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <ptadapter/ptadapter.h>

G_BEGIN_DECLS

/* g_test_init() plus a TMPDIR of this test program's own, so that it can
 * tell which adapter temp dirs are left. */
void         pt_test_init                 (int           *argc,
                                           char        ***argv);
/* The number of "ptadapter-*" entries in this program's TMPDIR. */
guint        pt_test_count_adapter_temp_dirs (void);

/* Programs under test, from the environment meson sets. */
const char  *pt_test_fake_pt              (void);
const char  *pt_test_obfs4proxy           (void);

/* Iterates the thread-default main context until *@flag is TRUE. A
 * watchdog aborts the test after a minute, so a hang fails instead of
 * blocking the suite. */
void         pt_test_run_until            (gboolean      *flag);
/* The same with a watchdog of @seconds, for longer runs. */
void         pt_test_run_until_within     (gboolean      *flag,
                                           guint          seconds);

/* Blocking wrappers around the adapter's async calls. */
gboolean     pt_test_start                (PtAdapter     *adapter,
                                           GCancellable  *cancellable,
                                           GError       **error);
gboolean     pt_test_stop                 (PtAdapter     *adapter,
                                           GError       **error);
GSocketConnection *pt_test_connect        (PtClientAdapter *adapter,
                                           const char    *transport,
                                           const char    *host,
                                           guint16        port,
                                           GHashTable    *args,
                                           GError       **error);

/* A fresh path in the test's TMPDIR; removed by the caller. */
char        *pt_test_temp_path            (const char    *what);
/* The NUL-separated NAME=VALUE file that fake-pt's env-file: step writes. */
GHashTable  *pt_test_read_env_file        (const char    *path);
GPid         pt_test_read_pid_file        (const char    *path);
gboolean     pt_test_process_exists       (GPid           pid);
/* Blocks until process @pid (not a child of ours) has exited, without
 * polling: a pidfd becomes readable when it does. Fails the test after a
 * minute. */
void         pt_test_wait_for_exit        (GPid           pid);
/* Reads a whole file into a string, or NULL if it does not exist. */
char        *pt_test_read_file            (const char    *path);

/* args from key, value, key, value, ..., NULL */
GHashTable  *pt_test_args_new             (const char    *first_key,
                                           ...) G_GNUC_NULL_TERMINATED;

/* Runs @func (@data) in a new thread while iterating the main context, and
 * returns what it returned. */
gpointer     pt_test_run_in_thread        (GThreadFunc    func,
                                           gpointer       data);

/* Writes @size pseudo-random bytes (from @seed) into @stream from a helper
 * thread while reading @size bytes back in this one, and compares them. */
gboolean     pt_test_echo_roundtrip       (GIOStream     *stream,
                                           gsize          size,
                                           guint32        seed,
                                           GError       **error);

/* A TCP echo server on 127.0.0.1, with its own threads (it needs no main
 * loop). */
typedef struct _PtTestEchoServer PtTestEchoServer;
PtTestEchoServer *pt_test_echo_server_new (void);
/* The same on ::1 (G_SOCKET_FAMILY_IPV6) or 127.0.0.1. */
PtTestEchoServer *pt_test_echo_server_new_for_family (GSocketFamily family);
guint16      pt_test_echo_server_get_port (PtTestEchoServer *server);
void         pt_test_echo_server_free     (PtTestEchoServer *server);

/* Hardening helpers (issue 6) */

/* How many times slower than native this process runs: 20 under valgrind
 * (its preload library is in LD_PRELOAD), 4 in an ASan build, else 1.
 * Timing bounds and the sizes of floods scale with it. */
guint        pt_test_slowdown             (void);

/* To wait for an async call: pass pt_test_pending_done as its callback and
 * a zeroed PtTestPending as its data, pt_test_run_until (&pending.done),
 * then finish the call with pending.result and unref it. */
typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} PtTestPending;

void         pt_test_pending_done         (GObject       *source,
                                           GAsyncResult  *result,
                                           gpointer       user_data);

/* This process's resident set size (VmRSS in /proc/self/status), in
 * bytes. */
gsize        pt_test_get_rss              (void);

/* Asserts that VmRSS went from @before to at most @before + @bound bytes.
 * Not under valgrind, which holds on to freed blocks: its own leak check
 * counts there. */
void         pt_test_assert_rss_growth    (gsize          before,
                                           gsize          after,
                                           gsize          bound);

/* The @size pseudo-random bytes pt_test_echo_roundtrip() sends for
 * @seed. */
void         pt_test_fill_pattern         (guint8        *buffer,
                                           gsize          size,
                                           guint32        seed);

/* Echoes @stream back to its peer with blocking I/O until end of file or
 * an error, then closes it. Every byte received also goes into @checksum
 * when it is not NULL. Returns the number of bytes echoed. For a worker
 * thread (GThreadPool, GThreadedSocketService::run). */
guint64      pt_test_echo_stream          (GIOStream     *stream,
                                           GChecksum     *checksum);

/* Watches process @pid, which need not be a child of ours, for its exit:
 * through a pidfd, opened before the process is made to exit so that its
 * number cannot be reused meanwhile, or, where pidfd_open() is missing
 * (valgrind 3.19), through /proc. */
typedef struct _PtTestExitWatch PtTestExitWatch;
PtTestExitWatch *pt_test_exit_watch_new   (GPid           pid);
/* Waits up to @timeout_ms for the process to exit: FALSE if it still runs
 * at the deadline. */
gboolean     pt_test_exit_watch_wait      (PtTestExitWatch *watch,
                                           int            timeout_ms);
void         pt_test_exit_watch_free      (PtTestExitWatch *watch);

/* obfs4proxy started by hand as a server (no PtServerAdapter), forwarding
 * to 127.0.0.1:@forward_port. */
typedef struct
{
  GSubprocess *process;
  char        *state_dir;
  guint16      port;
  GHashTable  *args;        /* the SMETHOD ARGS: (cert, iat-mode for obfs4) */
} PtTestRawServer;

PtTestRawServer *pt_test_raw_server_start (const char    *transport,
                                           guint16        forward_port);
void         pt_test_raw_server_stop      (PtTestRawServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTestEchoServer, pt_test_echo_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTestRawServer, pt_test_raw_server_stop)

G_END_DECLS

/* fake-pt: a scripted stand-in for a Tor pluggable transport.
 *
 * The tests of ptadapter run this program in place of a real PT (such as
 * obfs4proxy) so that they can produce, on demand, the output and the
 * failures a real PT rarely shows.
 *
 * Usage: fake-pt STEP...
 *
 * All the steps are checked before the first one runs: a step that is not
 * listed below, or whose argument is malformed, makes the program print a
 * message on stderr and exit with status 99 without running anything.
 * Then the steps run in order, left to right.
 *
 * Output (all of it goes to fd 1 through write(2), never through stdio):
 *   line:TEXT        write TEXT followed by the line end ("\n", see crlf).
 *   raw:HEX          write the bytes HEX stands for (two hex digits a byte,
 *                    either case), as they are: no line end is added.
 *   version          the same as line:VERSION 1
 *   bytewise         from now on, every byte written to stdout is a write(2)
 *                    call of its own.
 *   crlf             from now on, lines end with "\r\n" (raw: is unchanged).
 *   big-line:N       one line: "LOG " followed by N 'x' bytes.
 *   flood-log:N      N lines LOG SEVERITY=debug MESSAGE="flood <i>" for i
 *                    from 0 to N-1.
 *   close-stdout     close stdout (fd 1 is pointed at /dev/null, so the
 *                    reader sees end of file); later output is dropped.
 *
 * Files (each written to PATH.tmp, then renamed to PATH, so that a reader
 * never sees a partial file):
 *   env-file:PATH    the environment as NUL-terminated NAME=VALUE entries,
 *                    like /proc/self/environ.
 *   pid-file:PATH    the process id followed by "\n".
 *
 * Client side:
 *   record:PATH      the file the SOCKS server appends its record lines to
 *                    from now on (opened at once, created if need be, with
 *                    O_APPEND).  Without it nothing is recorded.
 *   reject-auth      the SOCKS5 server fails username/password
 *                    authentication (status 0x01) and closes.
 *   socks-server     start the SOCKS server on 127.0.0.1, on a port the
 *                    kernel chooses (only once; later starts do nothing).
 *   cmethods         start the SOCKS server if needed, then print
 *                    "CMETHOD <t> socks5 127.0.0.1:<port>" for every
 *                    transport t of TOR_PT_CLIENT_TRANSPORTS (comma
 *                    separated), then "CMETHODS DONE".
 *   cmethods-socks4  the same with the scheme socks4 (the server is the same
 *                    and speaks both).
 *
 * Server side:
 *   smethods         for every transport t of TOR_PT_SERVER_TRANSPORTS,
 *                    listen on its address from TOR_PT_SERVER_BINDADDR
 *                    ("t-addr:port" entries, comma separated, IPv6 in
 *                    brackets; 127.0.0.1:0 for a transport with no entry)
 *                    and print "SMETHOD <t> <bound addr:port>" (or
 *                    "SMETHOD-ERROR <t> ..." if it cannot listen), then
 *                    "SMETHODS DONE".  Every accepted connection is relayed
 *                    as it is, with no obfuscation, to TOR_PT_ORPORT (it is
 *                    closed if that is unset or cannot be reached).
 *
 * Process:
 *   exit:N           exit now with status N (0 to 255).
 *   crash            die of SIGSEGV (the default handler is restored first).
 *   hang             block forever, ignoring stdin.
 *   ignore-sigterm   set SIGTERM to SIG_IGN.
 *   ignore-stdin     at the end of the script, do not exit on stdin's EOF.
 *   wait-stdin       block until stdin reaches end of file, then go on.
 *
 * After the last step the program behaves like a real PT: if
 * TOR_PT_EXIT_ON_STDIN_CLOSE is "1" (and there was no ignore-stdin), it waits
 * for end of file on stdin and exits 0, even with connections open;
 * otherwise it blocks until a signal ends it.  The servers keep serving
 * meanwhile.  If a file step cannot write (or record: cannot open) its file,
 * the program exits 99.
 *
 * The SOCKS server reads the first byte of a connection: 5 is SOCKS5
 * (RFC 1928; when the client offers method 0x02 it is chosen and RFC 1929
 * username/password follows, else 0x00 if offered, else 0xFF and close),
 * 4 is SOCKS4 or SOCKS4a.  Only CONNECT is served, to an IPv4 or IPv6 address
 * or a domain name (resolved with getaddrinfo).  Once a CONNECT request is
 * read, and before the reply is sent, one line is appended to the record file
 * with a single write(2):
 *   auth=userpass user=<hex> pass=<hex> host=<host> port=<n>
 *   auth=none host=<host> port=<n>
 *   auth=socks4 userid=<hex> host=<host> port=<n>
 * and, with reject-auth, instead of one of those when the credentials arrive:
 *   auth=rejected user=<hex> pass=<hex>
 * <hex> is lowercase hex (empty for empty), <host> is as the client sent it:
 * dotted IPv4, IPv6 text without brackets, or the domain name.  No line is
 * written for a connection that closes or errs before that point, nor for
 * an unsupported command or address type.  A failed connection to the
 * destination gets SOCKS5 reply 0x05 (refused), 0x04 (host unreachable or
 * not resolved), 0x03 (network unreachable) or 0x01 (other), or SOCKS4 0x5B,
 * and is closed.  A successful one is relayed both ways with half-close: end
 * of file from one side is passed on as shutdown(SHUT_WR) of the other while
 * the other direction keeps flowing; an error tears down both sides.  Each
 * connection has its own threads.
 */

#define _GNU_SOURCE

#include <glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRIPT_ERROR_STATUS 99
#define RELAY_BUFFER_SIZE 65536
#define THREAD_STACK_SIZE (1024 * 1024)
#define MAX_SOCKS4_FIELD (1024 * 1024)

extern char **environ;

/* ---------------------------------------------------------------------- */
/* Script state                                                            */

static gboolean out_bytewise;
static gboolean out_crlf;
static gboolean out_closed;
static gboolean stdin_ignored;

/* Read by the connection threads, set by the main thread. */
static gint reject_auth;
static gint record_fd = -1;

static gboolean socks_started;
static guint16 socks_port;

/* Set once by smethods before its listeners start. */
static char *orport_host;
static char *orport_service;

/* Prints MESSAGE (which it frees) on stderr and exits 99. */
static G_GNUC_NORETURN void
die (char *message)
{
  g_printerr ("fake-pt: %s\n", message);
  g_free (message);
  exit (SCRIPT_ERROR_STATUS);
}

/* ---------------------------------------------------------------------- */
/* Raw I/O                                                                 */

static void
wait_fd (int fd, short events)
{
  struct pollfd pfd = { .fd = fd, .events = events };

  while (poll (&pfd, 1, -1) < 0 && errno == EINTR)
    ;
}

/* Writes all of DATA, retrying on EINTR, EAGAIN and partial writes; with
 * BYTEWISE, one byte a write(2) call. */
static gboolean
write_all (int fd, const void *data, gsize len, gboolean bytewise)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, bytewise ? 1 : len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              wait_fd (fd, POLLOUT);
              continue;
            }
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Reads into BUF, retrying on EINTR and EAGAIN.  Returns what read(2) did. */
static ssize_t
read_some (int fd, void *buf, gsize len)
{
  for (;;)
    {
      ssize_t n = read (fd, buf, len);

      if (n >= 0 || errno != EINTR)
        {
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            {
              wait_fd (fd, POLLIN);
              continue;
            }
          return n;
        }
    }
}

static void
out_bytes (const void *data, gsize len)
{
  /* Errors (the reader went away) are ignored, as they are for a dropped
   * stdout. */
  if (!out_closed)
    write_all (STDOUT_FILENO, data, len, out_bytewise);
}

static const char *
line_end (void)
{
  return out_crlf ? "\r\n" : "\n";
}

static void
out_line (const char *text)
{
  char *line = g_strconcat (text, line_end (), NULL);

  out_bytes (line, strlen (line));
  g_free (line);
}

static void out_linef (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
out_linef (const char *format, ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  out_line (text);
  g_free (text);
}

static void
write_file_atomically (const char *path, const void *data, gsize len)
{
  char *tmp = g_strconcat (path, ".tmp", NULL);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  gboolean ok = fd >= 0 && write_all (fd, data, len, FALSE);

  int err;

  if (fd >= 0 && close (fd) < 0)
    ok = FALSE;
  if (ok && rename (tmp, path) < 0)
    ok = FALSE;
  err = errno;
  g_free (tmp);
  if (!ok)
    die (g_strdup_printf ("cannot write %s: %s", path, g_strerror (err)));
}

/* Reads stdin to its end.  An error (such as a closed fd 0) counts as the
 * end too. */
static void
drain_stdin (void)
{
  char buf[4096];

  while (read_some (STDIN_FILENO, buf, sizeof buf) > 0)
    ;
}

static G_GNUC_NORETURN void
block_forever (void)
{
  for (;;)
    pause ();
}

/* ---------------------------------------------------------------------- */
/* Threads and sockets                                                     */

typedef void *(*ThreadFunc) (void *data);

/* Starts FUNC (DATA) on a new thread, joinable if JOINABLE is given,
 * detached otherwise. */
static gboolean
spawn_thread (ThreadFunc func, void *data, pthread_t *joinable)
{
  pthread_attr_t attr;
  pthread_t thread;
  int err;

  pthread_attr_init (&attr);
  pthread_attr_setstacksize (&attr, THREAD_STACK_SIZE);
  if (joinable == NULL)
    pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  err = pthread_create (joinable != NULL ? joinable : &thread, &attr, func, data);
  pthread_attr_destroy (&attr);
  return err == 0;
}

static void *
fd_to_data (int fd)
{
  return GINT_TO_POINTER (fd);
}

static int
data_to_fd (void *data)
{
  return GPOINTER_TO_INT (data);
}

/* Splits "host:port" or "[v6]:port".  Returns FALSE if it is not that. */
static gboolean
split_host_port (const char *text, char **host, char **service)
{
  const char *colon;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      *host = g_strndup (text + 1, (gsize) (close - text - 1));
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL)
        return FALSE;
      *host = g_strndup (text, (gsize) (colon - text));
    }
  *service = g_strdup (colon + 1);
  return TRUE;
}

static char *
format_address (const struct sockaddr *sa, guint16 *port)
{
  char text[INET6_ADDRSTRLEN] = "";

  if (sa->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) sa;

      inet_ntop (AF_INET6, &sin6->sin6_addr, text, sizeof text);
      *port = ntohs (sin6->sin6_port);
      return g_strdup_printf ("[%s]", text);
    }
  else
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;

      inet_ntop (AF_INET, &sin->sin_addr, text, sizeof text);
      *port = ntohs (sin->sin_port);
      return g_strdup (text);
    }
}

/* The local address of FD as "addr:port" ("[v6]:port"), and its port. */
static char *
local_address (int fd, guint16 *port)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char *addr, *text;

  memset (&ss, 0, sizeof ss);
  ss.ss_family = AF_INET;
  getsockname (fd, (struct sockaddr *) &ss, &len);
  addr = format_address ((struct sockaddr *) &ss, port);
  text = g_strdup_printf ("%s:%u", addr, *port);
  g_free (addr);
  return text;
}

typedef int (*AddressFunc) (int fd, const struct sockaddr *sa, socklen_t len);

static int
bind_and_listen (int fd, const struct sockaddr *sa, socklen_t len)
{
  int one = 1;

  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, sa, len) < 0)
    return -1;
  return listen (fd, SOMAXCONN);
}

static int
connect_retrying (int fd, const struct sockaddr *sa, socklen_t len)
{
  int ret = connect (fd, sa, len);

  if (ret < 0 && errno == EINTR)
    {
      /* The connection goes on in the background: wait for its outcome. */
      int err = 0;
      socklen_t err_len = sizeof err;

      wait_fd (fd, POLLOUT);
      getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
      errno = err;
      ret = err == 0 ? 0 : -1;
    }
  return ret;
}

/* Resolves HOST and SERVICE and returns a stream socket on which ACTION
 * (bind and listen, or connect) succeeded for one of the addresses, or -1
 * with errno set (EHOSTUNREACH when HOST does not resolve). */
static int
open_socket (const char *host, const char *service, int flags, AddressFunc action)
{
  struct addrinfo hints, *list = NULL, *ai;
  int fd = -1, err = EHOSTUNREACH;

  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | flags;
  if (getaddrinfo (host, service, &hints, &list) != 0)
    {
      errno = EHOSTUNREACH;
      return -1;
    }
  for (ai = list; ai != NULL; ai = ai->ai_next)
    {
      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0)
        {
          err = errno;
          continue;
        }
      if (action (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        break;
      err = errno;
      close (fd);
      fd = -1;
    }
  freeaddrinfo (list);
  if (fd < 0)
    errno = err;
  return fd;
}

static int
connect_to (const char *host, guint16 port)
{
  char service[8];

  g_snprintf (service, sizeof service, "%u", port);
  return open_socket (host, service, 0, connect_retrying);
}

typedef struct
{
  int fd;
  ThreadFunc handler;
} Listener;

static void *
accept_thread (void *data)
{
  Listener *listener = data;

  for (;;)
    {
      int fd = accept4 (listener->fd, NULL, NULL, SOCK_CLOEXEC);

      if (fd < 0)
        {
          /* Out of descriptors or memory: back off rather than spin. */
          if (errno != EINTR && errno != ECONNABORTED)
            g_usleep (10 * 1000);
          continue;
        }
      if (!spawn_thread (listener->handler, fd_to_data (fd), NULL))
        close (fd);
    }
  return NULL;
}

/* Listens on HOST:SERVICE (numeric), serving every connection with
 * HANDLER (fd) on a thread of its own.  Returns the bound address, or NULL
 * with errno set. */
static char *
start_listener (const char *host, const char *service, ThreadFunc handler, guint16 *port)
{
  Listener *listener;
  int fd = open_socket (host, service, AI_PASSIVE | AI_NUMERICHOST, bind_and_listen);

  if (fd < 0)
    return NULL;
  listener = g_new0 (Listener, 1);
  listener->fd = fd;
  listener->handler = handler;
  if (!spawn_thread (accept_thread, listener, NULL))
    die (g_strdup ("cannot start a thread"));
  return local_address (fd, port);
}

/* ---------------------------------------------------------------------- */
/* Relay                                                                   */

typedef struct
{
  int from;
  int to;
} Pump;

/* Copies FROM to TO until the end of FROM, then shuts down the writing side
 * of TO.  On an error, both sockets are shut down entirely, which also ends
 * the pump of the other direction. */
static void
pump (int from, int to)
{
  guint8 *buf = g_malloc (RELAY_BUFFER_SIZE);

  for (;;)
    {
      ssize_t n = read_some (from, buf, RELAY_BUFFER_SIZE);

      if (n == 0)
        {
          shutdown (to, SHUT_WR);
          break;
        }
      if (n < 0 || !write_all (to, buf, (gsize) n, FALSE))
        {
          shutdown (from, SHUT_RDWR);
          shutdown (to, SHUT_RDWR);
          break;
        }
    }
  g_free (buf);
}

static void *
pump_thread (void *data)
{
  Pump *p = data;

  pump (p->from, p->to);
  return NULL;
}

/* Relays A and B both ways (PENDING, read from A already, goes to B
 * first) until both directions are done, then closes both. */
static void
relay (int a, int b, const guint8 *pending, gsize pending_len)
{
  Pump back = { .from = b, .to = a };
  pthread_t thread;

  if (write_all (b, pending, pending_len, FALSE)
      && spawn_thread (pump_thread, &back, &thread))
    {
      pump (a, b);
      pthread_join (thread, NULL);
    }
  close (a);
  close (b);
}

/* ---------------------------------------------------------------------- */
/* SOCKS server                                                            */

typedef struct
{
  int fd;
  gsize pos;
  gsize len;
  guint8 buf[4096];
} Reader;

static gboolean
reader_get (Reader *r, void *dest, gsize n)
{
  guint8 *out = dest;

  while (n > 0)
    {
      gsize take;

      if (r->pos == r->len)
        {
          ssize_t got = read_some (r->fd, r->buf, sizeof r->buf);

          if (got <= 0)
            return FALSE;
          r->pos = 0;
          r->len = (gsize) got;
        }
      take = MIN (n, r->len - r->pos);
      memcpy (out, r->buf + r->pos, take);
      r->pos += take;
      out += take;
      n -= take;
    }
  return TRUE;
}

/* Reads a NUL-terminated field of at most MAX_SOCKS4_FIELD bytes into a
 * new array (without the NUL). */
static GByteArray *
reader_get_field (Reader *r)
{
  GByteArray *field = g_byte_array_new ();
  guint8 c;

  while (reader_get (r, &c, 1))
    {
      if (c == 0)
        return field;
      if (field->len >= MAX_SOCKS4_FIELD)
        break;
      g_byte_array_append (field, &c, 1);
    }
  g_byte_array_unref (field);
  return NULL;
}

/* Reads a field of LENGTH bytes, LENGTH being given by the byte before it,
 * into a new NUL-terminated buffer (which may hold NULs of its own). */
static char *
reader_get_short_field (Reader *r, gsize *length)
{
  guint8 len;
  char *data;

  if (!reader_get (r, &len, 1))
    return NULL;
  data = g_malloc0 ((gsize) len + 1);
  if (!reader_get (r, data, len))
    {
      g_free (data);
      return NULL;
    }
  *length = len;
  return data;
}

static char *
hex_encode (const guint8 *data, gsize len)
{
  char *hex = g_malloc (len * 2 + 1);
  gsize i;

  for (i = 0; i < len; i++)
    g_snprintf (hex + i * 2, 3, "%02x", data[i]);
  hex[len * 2] = '\0';
  return hex;
}

static void record (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Appends one line to the record file, with a single write(2). */
static void
record (const char *format, ...)
{
  int fd = g_atomic_int_get (&record_fd);
  va_list args;
  char *text, *line;

  if (fd < 0)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strconcat (text, "\n", NULL);
  write_all (fd, line, strlen (line), FALSE);
  g_free (line);
  g_free (text);
}

static gboolean
send_bytes (int fd, const guint8 *data, gsize len)
{
  return write_all (fd, data, len, FALSE);
}

/* The SOCKS5 reply code for a failed connection that set ERR. */
static guint8
socks5_failure_code (int err)
{
  switch (err)
    {
    case ECONNREFUSED:
      return 0x05;
    case EHOSTUNREACH:
    case ETIMEDOUT:
      return 0x04;
    case ENETUNREACH:
      return 0x03;
    default:
      return 0x01;
    }
}

/* Sends a SOCKS5 reply; with a connected DEST, its local address is the
 * bound address, else 0.0.0.0:0. */
static void
socks5_reply (int fd, guint8 code, int dest)
{
  guint8 reply[4 + 16 + 2] = { 0x05, code, 0x00, 0x01 };
  gsize len = 4 + 4 + 2;
  struct sockaddr_storage ss;
  socklen_t ss_len = sizeof ss;

  memset (&ss, 0, sizeof ss);
  if (dest >= 0 && getsockname (dest, (struct sockaddr *) &ss, &ss_len) == 0)
    {
      if (ss.ss_family == AF_INET6)
        {
          const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) &ss;

          reply[3] = 0x04;
          memcpy (reply + 4, &sin6->sin6_addr, 16);
          memcpy (reply + 20, &sin6->sin6_port, 2);
          len = 4 + 16 + 2;
        }
      else if (ss.ss_family == AF_INET)
        {
          const struct sockaddr_in *sin = (const struct sockaddr_in *) &ss;

          memcpy (reply + 4, &sin->sin_addr, 4);
          memcpy (reply + 8, &sin->sin_port, 2);
        }
    }
  send_bytes (fd, reply, len);
}

/* The RFC 1929 sub-negotiation.  Returns the record prefix for an accepted
 * client, NULL after a failure was answered. */
static char *
socks5_userpass (Reader *r)
{
  static const guint8 ok[] = { 0x01, 0x00 };
  static const guint8 failed[] = { 0x01, 0x01 };
  guint8 version;
  gsize user_len = 0, pass_len = 0;
  char *user = NULL, *pass = NULL, *user_hex, *pass_hex, *prefix = NULL;

  if (!reader_get (r, &version, 1)
      || (user = reader_get_short_field (r, &user_len)) == NULL
      || (pass = reader_get_short_field (r, &pass_len)) == NULL)
    goto out;
  if (version != 0x01)
    {
      send_bytes (r->fd, failed, sizeof failed);
      goto out;
    }
  user_hex = hex_encode ((const guint8 *) user, user_len);
  pass_hex = hex_encode ((const guint8 *) pass, pass_len);
  if (g_atomic_int_get (&reject_auth))
    {
      record ("auth=rejected user=%s pass=%s", user_hex, pass_hex);
      send_bytes (r->fd, failed, sizeof failed);
    }
  else
    {
      prefix = g_strdup_printf ("auth=userpass user=%s pass=%s", user_hex, pass_hex);
      send_bytes (r->fd, ok, sizeof ok);
    }
  g_free (user_hex);
  g_free (pass_hex);
out:
  g_free (user);
  g_free (pass);
  return prefix;
}

/* Reads the destination of a SOCKS5 request; sends the failure and returns
 * NULL for an unknown address type. */
static char *
socks5_destination (Reader *r, guint8 type)
{
  guint8 addr[16];
  char text[INET6_ADDRSTRLEN];
  gsize len;

  switch (type)
    {
    case 0x01:
      if (!reader_get (r, addr, 4))
        return NULL;
      return g_strdup (inet_ntop (AF_INET, addr, text, sizeof text));
    case 0x04:
      if (!reader_get (r, addr, 16))
        return NULL;
      return g_strdup (inet_ntop (AF_INET6, addr, text, sizeof text));
    case 0x03:
      return reader_get_short_field (r, &len);
    default:
      socks5_reply (r->fd, 0x08, -1);
      return NULL;
    }
}

/* Serves a SOCKS5 client up to the reply.  Returns the connected
 * destination, or -1 once the client was answered with a failure (or
 * vanished). */
static int
socks5_handshake (Reader *r)
{
  static const guint8 choose_userpass[] = { 0x05, 0x02 };
  static const guint8 choose_none[] = { 0x05, 0x00 };
  static const guint8 choose_nothing[] = { 0x05, 0xff };
  guint8 count, methods[255], request[4], port_bytes[2];
  char *prefix = NULL, *host = NULL;
  guint16 port;
  int dest = -1;

  if (!reader_get (r, &count, 1) || !reader_get (r, methods, count))
    return -1;
  if (memchr (methods, 0x02, count) != NULL)
    {
      if (!send_bytes (r->fd, choose_userpass, sizeof choose_userpass))
        return -1;
      prefix = socks5_userpass (r);
    }
  else if (memchr (methods, 0x00, count) != NULL)
    {
      if (send_bytes (r->fd, choose_none, sizeof choose_none))
        prefix = g_strdup ("auth=none");
    }
  else
    send_bytes (r->fd, choose_nothing, sizeof choose_nothing);
  if (prefix == NULL)
    return -1;

  if (!reader_get (r, request, sizeof request) || request[0] != 0x05
      || (host = socks5_destination (r, request[3])) == NULL
      || !reader_get (r, port_bytes, 2))
    goto out;
  port = (guint16) (port_bytes[0] << 8 | port_bytes[1]);
  if (request[1] != 0x01)
    {
      socks5_reply (r->fd, 0x07, -1);
      goto out;
    }
  record ("%s host=%s port=%u", prefix, host, port);
  dest = connect_to (host, port);
  socks5_reply (r->fd, dest >= 0 ? 0x00 : socks5_failure_code (errno), dest);
out:
  g_free (prefix);
  g_free (host);
  return dest;
}

/* Serves a SOCKS4 or SOCKS4a client (the version byte was read) up to the
 * reply.  Returns the connected destination, or -1. */
static int
socks4_handshake (Reader *r)
{
  guint8 request[7], reply[8] = { 0x00, 0x5b };
  GByteArray *userid, *domain = NULL;
  char text[INET_ADDRSTRLEN], *userid_hex, *host;
  guint16 port;
  int dest = -1;

  if (!reader_get (r, request, sizeof request)
      || (userid = reader_get_field (r)) == NULL)
    return -1;
  port = (guint16) (request[1] << 8 | request[2]);
  memcpy (reply + 2, request + 1, 6);
  /* 0.0.0.x with x != 0 announces SOCKS4a: a domain name follows. */
  if (request[3] == 0 && request[4] == 0 && request[5] == 0 && request[6] != 0)
    {
      if ((domain = reader_get_field (r)) == NULL)
        goto out_userid;
      host = g_strndup ((const char *) domain->data, domain->len);
      g_byte_array_unref (domain);
    }
  else
    host = g_strdup (inet_ntop (AF_INET, request + 3, text, sizeof text));

  if (request[0] == 0x01)
    {
      userid_hex = hex_encode (userid->data, userid->len);
      record ("auth=socks4 userid=%s host=%s port=%u", userid_hex, host, port);
      g_free (userid_hex);
      dest = connect_to (host, port);
      if (dest >= 0)
        reply[1] = 0x5a;
    }
  send_bytes (r->fd, reply, sizeof reply);
  g_free (host);
out_userid:
  g_byte_array_unref (userid);
  return dest;
}

static void *
socks_connection_thread (void *data)
{
  Reader *r = g_new0 (Reader, 1);
  guint8 version;
  int dest = -1;

  r->fd = data_to_fd (data);
  if (reader_get (r, &version, 1))
    {
      if (version == 0x05)
        dest = socks5_handshake (r);
      else if (version == 0x04)
        dest = socks4_handshake (r);
    }
  if (dest >= 0)
    relay (r->fd, dest, r->buf + r->pos, r->len - r->pos);
  else
    close (r->fd);
  g_free (r);
  return NULL;
}

static void
socks_server_start (void)
{
  char *address;

  if (socks_started)
    return;
  address = start_listener ("127.0.0.1", "0", socks_connection_thread, &socks_port);
  if (address == NULL)
    die (g_strdup_printf ("cannot start the SOCKS server: %s", g_strerror (errno)));
  g_free (address);
  socks_started = TRUE;
}

/* The transports listed, comma separated, in the variable NAME. */
static char **
transports_from_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || value[0] == '\0')
    return g_new0 (char *, 1);
  return g_strsplit (value, ",", -1);
}

static void
print_cmethods (const char *scheme)
{
  char **transports = transports_from_env ("TOR_PT_CLIENT_TRANSPORTS");
  char **t;

  socks_server_start ();
  for (t = transports; *t != NULL; t++)
    if (**t != '\0')
      out_linef ("CMETHOD %s %s 127.0.0.1:%u", *t, scheme, socks_port);
  out_line ("CMETHODS DONE");
  g_strfreev (transports);
}

/* ---------------------------------------------------------------------- */
/* Server transports                                                       */

static void *
orport_connection_thread (void *data)
{
  int fd = data_to_fd (data);
  gint64 port = g_ascii_strtoll (orport_service, NULL, 10);
  int dest = connect_to (orport_host, (guint16) port);

  if (dest >= 0)
    relay (fd, dest, NULL, 0);
  else
    close (fd);
  return NULL;
}

/* The address for TRANSPORT in TOR_PT_SERVER_BINDADDR, or the default. */
static char *
bind_address_for (const char *transport)
{
  const char *value = g_getenv ("TOR_PT_SERVER_BINDADDR");
  char **entries = g_strsplit (value != NULL ? value : "", ",", -1);
  char *address = NULL, **e;
  gsize name_len = strlen (transport);

  for (e = entries; *e != NULL && address == NULL; e++)
    if (strncmp (*e, transport, name_len) == 0 && (*e)[name_len] == '-')
      address = g_strdup (*e + name_len + 1);
  g_strfreev (entries);
  return address != NULL ? address : g_strdup ("127.0.0.1:0");
}

static void
serve_smethod (const char *transport)
{
  char *address = bind_address_for (transport);
  char *host = NULL, *service = NULL, *bound = NULL;
  guint16 port;

  if (split_host_port (address, &host, &service))
    bound = start_listener (host, service, orport_connection_thread, &port);
  if (bound != NULL)
    out_linef ("SMETHOD %s %s", transport, bound);
  else
    out_linef ("SMETHOD-ERROR %s cannot listen on %s", transport, address);
  g_free (bound);
  g_free (host);
  g_free (service);
  g_free (address);
}

static void
print_smethods (void)
{
  char **transports = transports_from_env ("TOR_PT_SERVER_TRANSPORTS");
  const char *orport = g_getenv ("TOR_PT_ORPORT");
  char **t;

  if (orport_host == NULL
      && !split_host_port (orport != NULL ? orport : "", &orport_host, &orport_service))
    {
      /* Unreachable on purpose: connections are closed. */
      orport_host = g_strdup ("0.0.0.0");
      orport_service = g_strdup ("0");
    }
  for (t = transports; *t != NULL; t++)
    if (**t != '\0')
      serve_smethod (*t);
  out_line ("SMETHODS DONE");
  g_strfreev (transports);
}

/* ---------------------------------------------------------------------- */
/* Steps                                                                   */

typedef enum
{
  STEP_LINE,
  STEP_RAW,
  STEP_VERSION,
  STEP_BYTEWISE,
  STEP_CRLF,
  STEP_BIG_LINE,
  STEP_FLOOD_LOG,
  STEP_ENV_FILE,
  STEP_PID_FILE,
  STEP_SOCKS_SERVER,
  STEP_RECORD,
  STEP_REJECT_AUTH,
  STEP_CMETHODS,
  STEP_CMETHODS_SOCKS4,
  STEP_SMETHODS,
  STEP_EXIT,
  STEP_CRASH,
  STEP_HANG,
  STEP_CLOSE_STDOUT,
  STEP_IGNORE_SIGTERM,
  STEP_IGNORE_STDIN,
  STEP_WAIT_STDIN,
} StepKind;

typedef enum
{
  ARG_NONE,
  ARG_TEXT,
  ARG_HEX,
  ARG_NUMBER,
} ArgKind;

typedef struct
{
  const char *name;
  StepKind kind;
  ArgKind arg;
  guint64 max;
} StepSpec;

static const StepSpec step_specs[] = {
  { "line", STEP_LINE, ARG_TEXT, 0 },
  { "raw", STEP_RAW, ARG_HEX, 0 },
  { "version", STEP_VERSION, ARG_NONE, 0 },
  { "bytewise", STEP_BYTEWISE, ARG_NONE, 0 },
  { "crlf", STEP_CRLF, ARG_NONE, 0 },
  { "big-line", STEP_BIG_LINE, ARG_NUMBER, 256 * 1024 * 1024 },
  { "flood-log", STEP_FLOOD_LOG, ARG_NUMBER, G_MAXUINT32 },
  { "env-file", STEP_ENV_FILE, ARG_TEXT, 0 },
  { "pid-file", STEP_PID_FILE, ARG_TEXT, 0 },
  { "socks-server", STEP_SOCKS_SERVER, ARG_NONE, 0 },
  { "record", STEP_RECORD, ARG_TEXT, 0 },
  { "reject-auth", STEP_REJECT_AUTH, ARG_NONE, 0 },
  { "cmethods", STEP_CMETHODS, ARG_NONE, 0 },
  { "cmethods-socks4", STEP_CMETHODS_SOCKS4, ARG_NONE, 0 },
  { "smethods", STEP_SMETHODS, ARG_NONE, 0 },
  { "exit", STEP_EXIT, ARG_NUMBER, 255 },
  { "crash", STEP_CRASH, ARG_NONE, 0 },
  { "hang", STEP_HANG, ARG_NONE, 0 },
  { "close-stdout", STEP_CLOSE_STDOUT, ARG_NONE, 0 },
  { "ignore-sigterm", STEP_IGNORE_SIGTERM, ARG_NONE, 0 },
  { "ignore-stdin", STEP_IGNORE_STDIN, ARG_NONE, 0 },
  { "wait-stdin", STEP_WAIT_STDIN, ARG_NONE, 0 },
};

typedef struct
{
  StepKind kind;
  const char *text;
  GByteArray *bytes;
  guint64 number;
} Step;

static GByteArray *
hex_decode (const char *hex)
{
  GByteArray *bytes = g_byte_array_new ();
  gsize i, len = strlen (hex);

  if (len % 2 != 0)
    goto bad;
  for (i = 0; i < len; i += 2)
    {
      int high = g_ascii_xdigit_value (hex[i]);
      int low = g_ascii_xdigit_value (hex[i + 1]);
      guint8 byte;

      if (high < 0 || low < 0)
        goto bad;
      byte = (guint8) (high << 4 | low);
      g_byte_array_append (bytes, &byte, 1);
    }
  return bytes;
bad:
  g_byte_array_unref (bytes);
  return NULL;
}

/* Parses ARG into STEP; exits 99 if it is not a valid step. */
static void
parse_step (const char *arg, Step *step)
{
  const char *colon = strchr (arg, ':');
  gsize name_len = colon != NULL ? (gsize) (colon - arg) : strlen (arg);
  const char *value = colon != NULL ? colon + 1 : NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (step_specs); i++)
    {
      const StepSpec *spec = &step_specs[i];

      if (strlen (spec->name) != name_len || strncmp (spec->name, arg, name_len) != 0)
        continue;
      if ((spec->arg == ARG_NONE) != (value == NULL))
        break;
      step->kind = spec->kind;
      step->text = value;
      if (spec->arg == ARG_HEX && (step->bytes = hex_decode (value)) == NULL)
        break;
      if (spec->arg == ARG_NUMBER
          && !g_ascii_string_to_unsigned (value, 10, 0, spec->max, &step->number, NULL))
        break;
      return;
    }
  die (g_strdup_printf ("unknown or malformed step '%s'", arg));
}

static void
write_big_line (gsize count)
{
  const char *end = line_end ();
  gsize end_len = strlen (end);
  char *line = g_malloc (4 + count + end_len);

  memcpy (line, "LOG ", 4);
  memset (line + 4, 'x', count);
  memcpy (line + 4 + count, end, end_len);
  out_bytes (line, 4 + count + end_len);
  g_free (line);
}

static void
write_env_file (const char *path)
{
  GByteArray *data = g_byte_array_new ();
  char **e;

  for (e = environ; *e != NULL; e++)
    g_byte_array_append (data, (const guint8 *) *e, strlen (*e) + 1);
  write_file_atomically (path, data->data, data->len);
  g_byte_array_unref (data);
}

static void
write_pid_file (const char *path)
{
  char *text = g_strdup_printf ("%ld\n", (long) getpid ());

  write_file_atomically (path, text, strlen (text));
  g_free (text);
}

static void
open_record_file (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

  if (fd < 0)
    die (g_strdup_printf ("cannot open %s: %s", path, g_strerror (errno)));
  /* An earlier record file stays open: a connection thread may be about to
   * write to it. */
  g_atomic_int_set (&record_fd, fd);
}

static void
close_stdout (void)
{
  int null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

  /* Pointing fd 1 at /dev/null closes the pipe (the reader sees its end)
   * and keeps the number from being reused by a socket. */
  if (null_fd < 0 || dup2 (null_fd, STDOUT_FILENO) < 0)
    close (STDOUT_FILENO);
  if (null_fd > STDOUT_FILENO)
    close (null_fd);
  out_closed = TRUE;
}

static G_GNUC_NORETURN void
crash (void)
{
  struct rlimit no_core = { 0, 0 };
  sigset_t set;

  /* Keep the test directory free of core files. */
  setrlimit (RLIMIT_CORE, &no_core);
  signal (SIGSEGV, SIG_DFL);
  sigemptyset (&set);
  sigaddset (&set, SIGSEGV);
  pthread_sigmask (SIG_UNBLOCK, &set, NULL);
  raise (SIGSEGV);
  _exit (SCRIPT_ERROR_STATUS);
}

static void
run_step (const Step *step)
{
  guint64 i;

  switch (step->kind)
    {
    case STEP_LINE:
      out_line (step->text);
      break;
    case STEP_RAW:
      out_bytes (step->bytes->data, step->bytes->len);
      break;
    case STEP_VERSION:
      out_line ("VERSION 1");
      break;
    case STEP_BYTEWISE:
      out_bytewise = TRUE;
      break;
    case STEP_CRLF:
      out_crlf = TRUE;
      break;
    case STEP_BIG_LINE:
      write_big_line ((gsize) step->number);
      break;
    case STEP_FLOOD_LOG:
      for (i = 0; i < step->number; i++)
        out_linef ("LOG SEVERITY=debug MESSAGE=\"flood %" G_GUINT64_FORMAT "\"", i);
      break;
    case STEP_ENV_FILE:
      write_env_file (step->text);
      break;
    case STEP_PID_FILE:
      write_pid_file (step->text);
      break;
    case STEP_SOCKS_SERVER:
      socks_server_start ();
      break;
    case STEP_RECORD:
      open_record_file (step->text);
      break;
    case STEP_REJECT_AUTH:
      g_atomic_int_set (&reject_auth, TRUE);
      break;
    case STEP_CMETHODS:
      print_cmethods ("socks5");
      break;
    case STEP_CMETHODS_SOCKS4:
      print_cmethods ("socks4");
      break;
    case STEP_SMETHODS:
      print_smethods ();
      break;
    case STEP_EXIT:
      exit ((int) step->number);
    case STEP_CRASH:
      crash ();
    case STEP_HANG:
      block_forever ();
    case STEP_CLOSE_STDOUT:
      close_stdout ();
      break;
    case STEP_IGNORE_SIGTERM:
      signal (SIGTERM, SIG_IGN);
      break;
    case STEP_IGNORE_STDIN:
      stdin_ignored = TRUE;
      break;
    case STEP_WAIT_STDIN:
      drain_stdin ();
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Opens /dev/null on any of fds 0 to 2 that is closed, so that no socket
 * takes their numbers. */
static void
fill_standard_fds (void)
{
  int fd;

  for (fd = 0; fd <= 2; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int null_fd = open ("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

        if (null_fd >= 0 && null_fd != fd)
          {
            dup2 (null_fd, fd);
            close (null_fd);
          }
      }
}

/* In a build with -Db_sanitize=address, LeakSanitizer would check this
 * program for leaks when it exits, from a tracer process that ptrace()s
 * it. A PT that the adapter kills while that check runs then makes the
 * tests' "the PT is gone" checks fail at random (test-lifecycle's
 * start-fails cases, which exit right after their last line). The library
 * is leak-checked in the test programs, not here. */
int __lsan_is_turned_off (void);

int
__lsan_is_turned_off (void)
{
  return 1;
}

int
main (int argc, char **argv)
{
  Step *steps = g_new0 (Step, argc > 1 ? argc - 1 : 1);
  int i;

  fill_standard_fds ();
  signal (SIGPIPE, SIG_IGN);

  for (i = 1; i < argc; i++)
    parse_step (argv[i], &steps[i - 1]);
  for (i = 1; i < argc; i++)
    run_step (&steps[i - 1]);

  if (g_strcmp0 (g_getenv ("TOR_PT_EXIT_ON_STDIN_CLOSE"), "1") == 0 && !stdin_ignored)
    {
      drain_stdin ();
      exit (0);
    }
  block_forever ();
}

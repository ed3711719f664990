/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relay-floor: the least a relay in the place of `ptadapter -C` can cost, for
 * bench/tool-bench.py --floor. No GLib, no main loop: one connection at a
 * time, a SOCKS5 handshake (the PT args as username, a NUL password), then
 * both directions moved with poll(2) and either splice(2) through two
 * 1 MiB pipes or recv(2)/send(2) through a 1 MiB buffer, until both
 * directions have ended. What it costs per GiB (utime+stime from
 * /proc/PID/stat) is the floor the tool's relay is compared with.
 *
 *   relay-floor splice|copy SOCKS_PORT DEST_PORT ARGS
 *   relay-floor sink
 *   relay-floor source PORT MIB
 *
 * splice|copy listens on 127.0.0.1 (a port the kernel picks, printed on
 * stdout) and relays every connection it accepts to 127.0.0.1:DEST_PORT
 * through the SOCKS5 proxy at 127.0.0.1:SOCKS_PORT (SOCKS_PORT 0: straight
 * to DEST_PORT). It runs until killed. sink listens the same way and reads
 * every connection to its end (recv(2) into a 1 MiB buffer, one connection
 * at a time); source sends MIB MiB to 127.0.0.1:PORT in 1 MiB send(2)s,
 * shuts down its write side, waits for the end of file and exits: the cost
 * of only receiving and of only sending on loopback.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PIPE_SIZE (1024 * 1024)

static void
die (const char *what)
{
  perror (what);
  exit (1);
}

static void
read_exactly (int fd, unsigned char *buffer, size_t length)
{
  size_t got = 0;

  while (got < length)
    {
      ssize_t n = read (fd, buffer + got, length - got);

      if (n <= 0)
        die ("SOCKS read");
      got += (size_t) n;
    }
}

static int
connect_to (int port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port),
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    die ("connect");
  return fd;
}

static int
socks_connect (int socks_port, int dest_port, const char *args)
{
  struct sockaddr_in proxy = { .sin_family = AF_INET, .sin_port = htons (socks_port),
                               .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  unsigned char message[600];
  size_t length = strlen (args);
  int fd;

  if (socks_port == 0)
    return connect_to (dest_port);
  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &proxy, sizeof proxy) < 0)
    die ("connect to the SOCKS port");
  if (length > 255)
    die ("args longer than 255 bytes");

  if (write (fd, "\5\1\2", 3) != 3)
    die ("SOCKS write");
  read_exactly (fd, message, 2);
  message[0] = 1;
  message[1] = (unsigned char) length;
  memcpy (message + 2, args, length);
  message[2 + length] = 1;
  message[3 + length] = 0;
  if (write (fd, message, 4 + length) != (ssize_t) (4 + length))
    die ("SOCKS write");
  read_exactly (fd, message, 2);
  if (message[1] != 0)
    die ("SOCKS authentication");

  memcpy (message, "\5\1\0\1\177\0\0\1", 8);
  message[8] = (unsigned char) (dest_port >> 8);
  message[9] = (unsigned char) dest_port;
  if (write (fd, message, 10) != 10)
    die ("SOCKS write");
  read_exactly (fd, message, 10);
  if (message[1] != 0)
    die ("SOCKS connect");
  return fd;
}

typedef struct
{
  int    from;
  int    to;
  int    pipe[2];
  size_t in_flight;
  char  *buffer;
  size_t offset;
  int    eof;
  int    done;
} Half;

/* Moves what can be moved now; returns -1 on an error. */
static int
pump (Half *half, int use_splice)
{
  for (;;)
    {
      ssize_t n;

      while (half->in_flight > 0)
        {
          if (use_splice)
            n = splice (half->pipe[0], NULL, half->to, NULL, half->in_flight,
                        SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          else
            n = send (half->to, half->buffer + half->offset, half->in_flight,
                      MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0)
            return errno == EAGAIN ? 0 : -1;
          half->in_flight -= (size_t) n;
          half->offset += (size_t) n;
        }
      if (half->eof)
        {
          shutdown (half->to, SHUT_WR);
          half->done = 1;
          return 0;
        }
      half->offset = 0;
      if (use_splice)
        n = splice (half->from, NULL, half->pipe[1], NULL, PIPE_SIZE,
                    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      else
        n = recv (half->from, half->buffer, PIPE_SIZE, MSG_DONTWAIT);
      if (n < 0)
        return errno == EAGAIN ? 0 : -1;
      if (n == 0)
        half->eof = 1;
      half->in_flight = (size_t) n;
    }
}

static void
relay (int a, int b, int use_splice)
{
  Half half[2] = { { .from = a, .to = b }, { .from = b, .to = a } };

  for (int i = 0; i < 2; i++)
    {
      if (use_splice)
        {
          if (pipe2 (half[i].pipe, O_CLOEXEC | O_NONBLOCK) < 0)
            die ("pipe2");
          fcntl (half[i].pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
        }
      else
        half[i].buffer = malloc (PIPE_SIZE);
    }
  fcntl (a, F_SETFL, O_NONBLOCK);
  fcntl (b, F_SETFL, O_NONBLOCK);

  while (!half[0].done || !half[1].done)
    {
      struct pollfd fds[2] = { { .fd = a }, { .fd = b } };

      for (int i = 0; i < 2; i++)
        {
          if (half[i].done)
            continue;
          if (half[i].in_flight > 0)
            fds[1 - i].events |= POLLOUT;
          else
            fds[i].events |= POLLIN;
        }
      if (poll (fds, 2, -1) < 0 && errno != EINTR)
        die ("poll");
      for (int i = 0; i < 2; i++)
        {
          if (!half[i].done && pump (&half[i], use_splice) < 0)
            goto out;
        }
    }

out:
  for (int i = 0; i < 2; i++)
    {
      if (use_splice)
        {
          close (half[i].pipe[0]);
          close (half[i].pipe[1]);
        }
      free (half[i].buffer);
    }
  close (a);
  close (b);
}

static int
source (int port, long mib)
{
  char *buffer = calloc (1, PIPE_SIZE);
  int fd = connect_to (port);

  for (long i = 0; i < mib; i++)
    {
      for (size_t sent = 0; sent < PIPE_SIZE;)
        {
          ssize_t n = send (fd, buffer + sent, PIPE_SIZE - sent, MSG_NOSIGNAL);

          if (n <= 0)
            die ("send");
          sent += (size_t) n;
        }
    }
  shutdown (fd, SHUT_WR);
  while (recv (fd, buffer, PIPE_SIZE, 0) > 0)
    ;
  return 0;
}

int
main (int argc, char *argv[])
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t length = sizeof address;
  int mode;   /* 0 copy, 1 splice, 2 sink */
  char *buffer = NULL;
  int listener;

  if (argc == 4 && strcmp (argv[1], "source") == 0)
    return source (atoi (argv[2]), atol (argv[3]));
  if (argc == 2 && strcmp (argv[1], "sink") == 0)
    mode = 2;
  else if (argc == 5 && strcmp (argv[1], "splice") == 0)
    mode = 1;
  else if (argc == 5 && strcmp (argv[1], "copy") == 0)
    mode = 0;
  else
    {
      fprintf (stderr, "usage: relay-floor splice|copy SOCKS_PORT DEST_PORT ARGS\n"
                       "       relay-floor sink\n"
                       "       relay-floor source PORT MIB\n");
      return 2;
    }

  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0 || bind (listener, (struct sockaddr *) &address, sizeof address) < 0 ||
      listen (listener, SOMAXCONN) < 0 ||
      getsockname (listener, (struct sockaddr *) &address, &length) < 0)
    die ("listen");
  printf ("%d\n", ntohs (address.sin_port));
  fflush (stdout);
  if (mode == 2)
    buffer = malloc (PIPE_SIZE);

  for (;;)
    {
      int client = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);

      if (client < 0)
        die ("accept");
      if (mode == 2)
        {
          while (recv (client, buffer, PIPE_SIZE, 0) > 0)
            ;
          close (client);
          continue;
        }
      relay (client, socks_connect (atoi (argv[2]), atoi (argv[3]), argv[4]), mode == 1);
    }
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "pt-sd-notify.h"

gboolean
pt_sd_notify (const char  *state,
              GError     **error)
{
  const char *name = g_getenv ("NOTIFY_SOCKET");
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  socklen_t address_length;
  gsize name_length;
  ssize_t sent;
  int saved_errno;
  int fd;

  g_return_val_if_fail (state != NULL, FALSE);

  if (name == NULL || name[0] == '\0')
    return TRUE;

  name_length = strlen (name);
  if ((name[0] != '/' && name[0] != '@') || name_length > sizeof address.sun_path ||
      (name[0] == '/' && name_length == sizeof address.sun_path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("NOTIFY_SOCKET is not a socket path or abstract name: “%s”"), name);
      return FALSE;
    }

  memcpy (address.sun_path, name, name_length);
  if (name[0] == '@')
    address.sun_path[0] = '\0';   /* abstract: no terminating NUL either */
  address_length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + name_length +
                                (name[0] == '/' ? 1 : 0));

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create a socket to notify the service manager: %s"),
                   g_strerror (saved_errno));
      return FALSE;
    }

  do
    sent = sendto (fd, state, strlen (state), MSG_NOSIGNAL,
                   (struct sockaddr *) &address, address_length);
  while (sent < 0 && errno == EINTR);
  saved_errno = errno;
  close (fd);

  if (sent < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not notify the service manager at %s: %s"),
                   name, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

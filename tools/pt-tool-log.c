/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pt-tool-log.h"

static PtToolLogLevel log_max_level = PT_TOOL_LOG_WARNING;
static gboolean log_timestamps = TRUE;

static const char * const level_names[] = {
  [PT_TOOL_LOG_ERROR] = "ERROR",
  [PT_TOOL_LOG_WARNING] = "WARNING",
  [PT_TOOL_LOG_INFO] = "INFO",
  [PT_TOOL_LOG_DEBUG] = "DEBUG",
};

gboolean
pt_tool_log_enabled (PtToolLogLevel level)
{
  return level <= log_max_level;
}

static void
write_line (const char *data,
            gsize       length)
{
  while (length > 0)
    {
      ssize_t n = write (STDERR_FILENO, data, length);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return;
        }
      data += n;
      length -= (gsize) n;
    }
}

/* Writes @message as one line: control characters (a PT's message may hold
 * any) are escaped, so that a message can never forge a line of its own. */
static void
emit (PtToolLogLevel  level,
      const char     *message)
{
  GString *line = g_string_sized_new (128);

  if (log_timestamps)
    {
      char stamp[32];
      time_t now = time (NULL);
      struct tm local;

      localtime_r (&now, &local);
      strftime (stamp, sizeof stamp, "[%Y-%m-%d %H:%M:%S] ", &local);
      g_string_append (line, stamp);
    }
  g_string_append_printf (line, "%-8s ", level_names[level]);

  for (const char *p = message; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '\n')
        g_string_append (line, "\\n");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (line, "\\x%02x", c);
      else
        g_string_append_c (line, (char) c);
    }
  g_string_append_c (line, '\n');

  write_line (line->str, line->len);
  g_string_free (line, TRUE);
}

void
pt_tool_log (PtToolLogLevel  level,
             const char     *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (!pt_tool_log_enabled (level))
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  emit (level, message);
}

static PtToolLogLevel
level_from_glib (GLogLevelFlags flags)
{
  if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return PT_TOOL_LOG_ERROR;
  if (flags & G_LOG_LEVEL_WARNING)
    return PT_TOOL_LOG_WARNING;
  if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return PT_TOOL_LOG_INFO;
  return PT_TOOL_LOG_DEBUG;
}

static void
emit_glib (GLogLevelFlags  flags,
           const char     *domain,
           const char     *message)
{
  PtToolLogLevel level = level_from_glib (flags);
  g_autofree char *text = NULL;

  if (!pt_tool_log_enabled (level))
    return;

  text = g_strdup_printf ("%s%s%s", domain != NULL ? domain : "",
                          domain != NULL ? ": " : "", message != NULL ? message : "");
  emit (level, text);
}

/* g_log() calls from the library (Pt) and older code. */
static void
on_glib_log (const char     *domain,
             GLogLevelFlags  flags,
             const char     *message,
             gpointer        user_data)
{
  emit_glib (flags, domain, message);
}

/* Structured logging, which GLib itself uses. */
static GLogWriterOutput
on_glib_log_structured (GLogLevelFlags   flags,
                        const GLogField *fields,
                        gsize            n_fields,
                        gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
    }
  emit_glib (flags, domain, message);

  return G_LOG_WRITER_HANDLED;
}

void
pt_tool_log_init (PtToolLogLevel max_level,
                  gboolean       timestamps)
{
  log_max_level = max_level;
  log_timestamps = timestamps;

  g_log_set_default_handler (on_glib_log, NULL);
  g_log_set_writer_func (on_glib_log_structured, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The tool's log: one line per message on stderr, written with a single
 * write(2) so that lines of concurrent writers never interleave:
 *
 *   [2026-11-25 14:00:00] INFO     message
 *
 * or without the time stamp (-t). Messages above the chosen level cost no
 * formatting. */
typedef enum
{
  PT_TOOL_LOG_ERROR,
  PT_TOOL_LOG_WARNING,
  PT_TOOL_LOG_INFO,
  PT_TOOL_LOG_DEBUG,
} PtToolLogLevel;

/* Sets the most verbose level that is written, and whether lines start
 * with the local time. Also routes GLib's and the library's own log
 * messages through here. */
void     pt_tool_log_init    (PtToolLogLevel  max_level,
                              gboolean        timestamps);

gboolean pt_tool_log_enabled (PtToolLogLevel  level);

void     pt_tool_log         (PtToolLogLevel  level,
                              const char     *format,
                              ...) G_GNUC_PRINTF (2, 3);

#define pt_tool_error(...)   pt_tool_log (PT_TOOL_LOG_ERROR, __VA_ARGS__)
#define pt_tool_warning(...) pt_tool_log (PT_TOOL_LOG_WARNING, __VA_ARGS__)
#define pt_tool_info(...) \
  G_STMT_START { \
    if (pt_tool_log_enabled (PT_TOOL_LOG_INFO)) \
      pt_tool_log (PT_TOOL_LOG_INFO, __VA_ARGS__); \
  } G_STMT_END
#define pt_tool_debug(...) \
  G_STMT_START { \
    if (pt_tool_log_enabled (PT_TOOL_LOG_DEBUG)) \
      pt_tool_log (PT_TOOL_LOG_DEBUG, __VA_ARGS__); \
  } G_STMT_END

G_END_DECLS

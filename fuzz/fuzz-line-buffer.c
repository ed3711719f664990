/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pt-line-reader-private.h"

/*
 * PtLineBuffer. Input:
 *   byte 0      the line length bound: 1 + (byte % 64), or the reader's
 *               real bound (PT_LINE_READER_MAX_LINE_LENGTH) for 0xff
 *   byte 1      low 3 bits: number of chunk sizes - 1
 *   bytes 2...  the chunk sizes (each 1 + byte)
 *   the rest    the PT's output
 * The output is split fed all at once, in those chunks and one byte at a
 * time; each way must give the same lines and too-long reports, in the
 * same order, as a simple model of the contract.
 */

#define MAX_CHUNK_SIZES 8

typedef enum
{
  EVENT_LINE,
  EVENT_TOO_LONG,
} EventKind;

typedef struct
{
  EventKind kind;
  GBytes *line;   /* EVENT_LINE */
} Event;

static void
event_clear (gpointer data)
{
  Event *event = data;

  g_clear_pointer (&event->line, g_bytes_unref);
}

static GArray *
events_new (void)
{
  GArray *events = g_array_new (FALSE, TRUE, sizeof (Event));

  g_array_set_clear_func (events, event_clear);
  return events;
}

static void
add_event (GArray     *events,
           EventKind   kind,
           const char *line,
           gsize       length)
{
  Event event = { kind, NULL };

  if (kind == EVENT_LINE)
    event.line = g_bytes_new (line, length);
  g_array_append_val (events, event);
}

/* The contract, written the simple way: split at "\n", drop one "\r"
 * before it; a line longer than the bound is one too-long report. */
static GArray *
model (const guint8 *data,
       gsize         size,
       gsize         max_line_length)
{
  GArray *events = events_new ();
  gsize start = 0;

  while (start < size)
    {
      const guint8 *newline = memchr (data + start, '\n', size - start);
      gsize end = newline != NULL ? (gsize) (newline - data) : size;
      gsize length = end - start;

      if (length > 0 && data[end - 1] == '\r')
        length--;
      if (length > max_line_length)
        add_event (events, EVENT_TOO_LONG, NULL, 0);
      else
        add_event (events, EVENT_LINE, (const char *) data + start, length);

      start = end + 1;
    }

  return events;
}

static void
drain (PtLineBuffer *buffer,
       gsize         max_line_length,
       GArray       *events)
{
  for (;;)
    {
      const char *line = NULL;
      gsize length = G_MAXSIZE;

      switch (_pt_line_buffer_next (buffer, &line, &length))
        {
        case PT_LINE_BUFFER_NEED_MORE:
          return;

        case PT_LINE_BUFFER_LINE:
          FUZZ_CHECK (line != NULL && length <= max_line_length);
          FUZZ_CHECK (line[length] == '\0');
          add_event (events, EVENT_LINE, line, length);
          break;

        case PT_LINE_BUFFER_TOO_LONG:
          add_event (events, EVENT_TOO_LONG, NULL, 0);
          break;

        default:
          FUZZ_CHECK (!"unknown result");
        }
    }
}

static GArray *
split (const guint8 *data,
       gsize         size,
       gsize         max_line_length,
       const gsize  *chunk_sizes,
       guint         n_chunk_sizes)
{
  g_autoptr(PtLineBuffer) buffer = _pt_line_buffer_new (max_line_length);
  GArray *events = events_new ();
  gsize offset = 0;
  guint chunk = 0;
  const char *line = NULL;
  gsize length = G_MAXSIZE;

  while (offset < size)
    {
      gsize wanted = chunk_sizes[chunk++ % n_chunk_sizes];
      gsize available = 0;
      guint8 *space;

      wanted = MIN (wanted, size - offset);
      space = _pt_line_buffer_reserve (buffer, wanted, &available);

      FUZZ_CHECK (available >= 1 && available <= wanted);
      memcpy (space, data + offset, available);
      _pt_line_buffer_commit (buffer, available);
      offset += available;

      drain (buffer, max_line_length, events);
    }

  if (_pt_line_buffer_finish (buffer, &line, &length))
    {
      FUZZ_CHECK (line != NULL && length <= max_line_length);
      FUZZ_CHECK (line[length] == '\0');
      add_event (events, EVENT_LINE, line, length);
    }
  /* Finished means empty. */
  FUZZ_CHECK (_pt_line_buffer_next (buffer, &line, &length) == PT_LINE_BUFFER_NEED_MORE);
  FUZZ_CHECK (!_pt_line_buffer_finish (buffer, &line, &length));

  return events;
}

static void
check_same (GArray *expected,
            GArray *got)
{
  FUZZ_CHECK (expected->len == got->len);
  for (guint i = 0; i < expected->len; i++)
    {
      const Event *a = &g_array_index (expected, Event, i);
      const Event *b = &g_array_index (got, Event, i);

      FUZZ_CHECK (a->kind == b->kind);
      if (a->kind == EVENT_LINE)
        FUZZ_CHECK (g_bytes_equal (a->line, b->line));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const gsize whole[] = { G_MAXSIZE };
  static const gsize single[] = { 1 };
  gsize chunk_sizes[MAX_CHUNK_SIZES];
  guint n_chunk_sizes;
  gsize max_line_length;
  gsize header_length;
  g_autoptr(GArray) expected = NULL;

  if (size < 2)
    return 0;

  max_line_length = data[0] == 0xff ? PT_LINE_READER_MAX_LINE_LENGTH : 1 + data[0] % 64;
  n_chunk_sizes = (data[1] & 0x07) + 1;
  header_length = 2 + n_chunk_sizes;
  if (size < header_length)
    return 0;
  for (guint i = 0; i < n_chunk_sizes; i++)
    chunk_sizes[i] = 1 + (gsize) data[2 + i];

  data += header_length;
  size -= header_length;

  expected = model (data, size, max_line_length);

  {
    g_autoptr(GArray) at_once = split (data, size, max_line_length, whole, 1);
    g_autoptr(GArray) chunked = split (data, size, max_line_length, chunk_sizes, n_chunk_sizes);
    g_autoptr(GArray) bytewise = split (data, size, max_line_length, single, 1);

    check_same (expected, at_once);
    check_same (expected, chunked);
    check_same (expected, bytewise);
  }

  return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "pt-error.h"
#include "pt-line-reader-private.h"
#include "test-util.h"

/*
 * What a PtLineBuffer or PtLineReader returns is written down as a
 * transcript: "[...]" for a line, "!" for a line over the bound and "<...>"
 * for the unterminated last line that _pt_line_buffer_finish() returns.
 * Bytes outside printable ASCII, and the characters that mark events, are
 * written as \xNN, so a transcript also shows each line's exact length.
 */

static void
append_escaped (GString    *transcript,
                const char *bytes,
                gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) bytes[i];

      if (c < 0x20 || c > 0x7e || strchr ("\\[]<>!", c) != NULL)
        g_string_append_printf (transcript, "\\x%02x", c);
      else
        g_string_append_c (transcript, (char) c);
    }
}

/* Appends a line as a transcript shows it, after checking that it is
 * NUL-terminated. */
static void
append_line (GString    *transcript,
             const char *open,
             const char *line,
             gsize       length,
             const char *close)
{
  g_assert_cmpint (line[length], ==, '\0');
  g_string_append (transcript, open);
  append_escaped (transcript, line, length);
  g_string_append (transcript, close);
}

static void
append_repeat (GString *string,
               char     c,
               gsize    n)
{
  gsize old_length = string->len;

  g_string_set_size (string, old_length + n);
  memset (string->str + old_length, c, n);
}

/* PtLineBuffer */

typedef struct
{
  PtLineBuffer *buffer;
  /* What the buffer offered when empty: every later offer must lie in it,
   * so the buffer never grows. */
  const guint8 *space;
  gsize         capacity;
  GString      *transcript;
} Feeder;

static void
feeder_init (Feeder *feeder,
             gsize   max)
{
  feeder->buffer = _pt_line_buffer_new (max);
  feeder->space = _pt_line_buffer_reserve (feeder->buffer, G_MAXSIZE, &feeder->capacity);
  g_assert_cmpuint (feeder->capacity, >=, 1);
  g_assert_cmpuint (feeder->capacity, <, G_MAXSIZE);
  feeder->transcript = g_string_new (NULL);
}

static void
feeder_drain (Feeder *feeder)
{
  for (;;)
    {
      const char *line = NULL;
      gsize length = 0;

      switch (_pt_line_buffer_next (feeder->buffer, &line, &length))
        {
        case PT_LINE_BUFFER_NEED_MORE:
          return;
        case PT_LINE_BUFFER_TOO_LONG:
          g_string_append_c (feeder->transcript, '!');
          break;
        case PT_LINE_BUFFER_LINE:
          append_line (feeder->transcript, "[", line, length, "]");
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* Writes @length bytes into the buffer, in pieces of at most @chunk bytes,
 * taking every line out after each piece. */
static void
feeder_feed (Feeder     *feeder,
             const char *data,
             gsize       length,
             gsize       chunk)
{
  while (length > 0)
    {
      gsize wanted = MIN (length, chunk);
      gsize available = 0;
      guint8 *space = _pt_line_buffer_reserve (feeder->buffer, wanted, &available);

      g_assert_cmpuint (available, >=, 1);
      g_assert_cmpuint (available, <=, wanted);
      g_assert_true (space >= feeder->space);
      g_assert_cmpuint ((gsize) (space - feeder->space) + available, <=, feeder->capacity);

      memcpy (space, data, available);
      _pt_line_buffer_commit (feeder->buffer, available);
      data += available;
      length -= available;
      feeder_drain (feeder);
    }
}

/* Ends the input; returns the transcript and frees the feeder. */
static char *
feeder_finish (Feeder *feeder)
{
  const char *line = NULL;
  gsize length = 0;

  if (_pt_line_buffer_finish (feeder->buffer, &line, &length))
    append_line (feeder->transcript, "<", line, length, ">");

  g_clear_pointer (&feeder->buffer, _pt_line_buffer_free);
  return g_string_free (g_steal_pointer (&feeder->transcript), FALSE);
}

/* Feeds @input to a buffer bounded at @max in two parts split at @split,
 * each in pieces of at most @chunk bytes. */
static char *
run (gsize          max,
     const GString *input,
     gsize          split,
     gsize          chunk)
{
  Feeder feeder;

  feeder_init (&feeder, max);
  feeder_feed (&feeder, input->str, split, chunk);
  feeder_feed (&feeder, input->str + split, input->len - split, chunk);
  return feeder_finish (&feeder);
}

static void
mark_around (gboolean *marks,
             gsize     length,
             gsize     center)
{
  for (gsize i = center > 3 ? center - 3 : 0; i <= center + 3 && i <= length; i++)
    marks[i] = TRUE;
}

/* The 2-way splits to try. Every one for short inputs; for long ones (each
 * split costs a run over all of it) those near where something happens: a
 * line's start and end, a "\r", the point where a line passes the bound,
 * and a sample of the rest. */
static gboolean *
choose_splits (gsize          max,
               const GString *input)
{
  gboolean *marks = g_new0 (gboolean, input->len + 1);

  mark_around (marks, input->len, 0);
  mark_around (marks, input->len, max + 1);
  mark_around (marks, input->len, input->len);

  for (gsize i = 0; i < input->len; i++)
    {
      if (input->len <= 4096 || i % 4099 == 0)
        marks[i] = TRUE;
      if (input->str[i] == '\r')
        mark_around (marks, input->len, i);
      if (input->str[i] == '\n')
        {
          mark_around (marks, input->len, i);
          mark_around (marks, input->len, i + 1 + max + 1);
        }
    }

  return marks;
}

/* Whole, one byte at a time and split in two anywhere: always @expected. */
static void
assert_every_chunking (gsize          max,
                       const GString *input,
                       const GString *expected)
{
  g_autofree gboolean *splits = choose_splits (max, input);
  g_autofree char *whole = run (max, input, 0, G_MAXSIZE);
  g_autofree char *bytes = run (max, input, 0, 1);

  g_assert_cmpstr (whole, ==, expected->str);
  g_assert_cmpstr (bytes, ==, expected->str);

  for (gsize split = 0; split <= input->len; split++)
    {
      g_autofree char *got = NULL;

      if (!splits[split])
        continue;
      got = run (max, input, split, G_MAXSIZE);
      g_assert_cmpstr (got, ==, expected->str);
    }
}

/* Inputs and transcripts are written for any bound: in @pattern, "#"
 * stands for @max bytes "a" and "+" for one byte "a" more. */
static GString *
expand (gsize       max,
        const char *pattern,
        gsize       length)
{
  GString *result = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    {
      if (pattern[i] == '#')
        append_repeat (result, 'a', max);
      else if (pattern[i] == '+')
        g_string_append_c (result, 'a');
      else
        g_string_append_c (result, pattern[i]);
    }

  return result;
}

typedef struct
{
  const char *name;
  const char *input;
  gsize       input_length;
  const char *expected;
} BufferCase;

#define BYTES(literal) (literal), (sizeof (literal) - 1)

static const BufferCase buffer_cases[] = {
  { "exact-bound", BYTES ("#\nok\n"), "[#][ok]" },
  { "exact-bound-crlf", BYTES ("#\r\nok\n"), "[#][ok]" },
  { "bound-plus-one", BYTES ("#+\nok\n"), "![ok]" },
  { "bound-plus-one-crlf", BYTES ("#+\r\nok\n"), "![ok]" },
  { "bound-cr-cr", BYTES ("#\r\r\nok\n"), "![ok]" },
  { "bound-cr-not-before-newline", BYTES ("#\rb\nok\n"), "![ok]" },
  { "far-over-bound", BYTES ("####\nok\n"), "![ok]" },
  { "overlong-lines-in-a-row", BYTES ("#+\n##\n#\nok\n"), "!![#][ok]" },
  { "overlong-then-empty", BYTES ("##\n\n"), "![]" },
  { "several-lines", BYTES ("one\ntwo\r\nthree\n"), "[one][two][three]" },
  { "empty-lines", BYTES ("\n\r\n\n"), "[][][]" },
  { "nul-bytes", BYTES ("a\0b\n\0\n\0\r\n"), "[a\\x00b][\\x00][\\x00]" },
  { "cr-kept-elsewhere", BYTES ("a\rb\n\r\r\n\rc\n"), "[a\\x0db][\\x0d][\\x0dc]" },
  { "unterminated-last-line", BYTES ("one\ntail"), "[one]<tail>" },
  { "unterminated-nul", BYTES ("ta\0il"), "<ta\\x00il>" },
  { "unterminated-cr-dropped", BYTES ("tail\r"), "<tail>" },
  { "unterminated-exact-bound", BYTES ("ok\n#"), "[ok]<#>" },
  { "unterminated-exact-bound-cr", BYTES ("ok\n#\r"), "[ok]<#>" },
  { "unterminated-bound-plus-one", BYTES ("ok\n#+"), "[ok]!" },
  { "unterminated-overlong", BYTES ("ok\n###"), "[ok]!" },
  { "no-input", BYTES (""), "" },
  { "terminated-last-line", BYTES ("one\n"), "[one]" },
  { "mixed", BYTES ("a\n#\n#+\r\n\n###\nx\0y\r\n#\r\n\r\ntail"), "[a][#]![]![x\\x00y][#][]<tail>" },
};

typedef struct
{
  gsize             max;
  const BufferCase *test;
} BoundCase;

static void
test_buffer_case (gconstpointer data)
{
  const BoundCase *bound_case = data;
  gsize max = bound_case->max;
  const BufferCase *test = bound_case->test;
  g_autoptr(GString) input = expand (max, test->input, test->input_length);
  g_autoptr(GString) expected = expand (max, test->expected, strlen (test->expected));

  assert_every_chunking (max, input, expected);
}

/* The "\n" of an overlong line comes in a later chunk than the bytes that
 * put it over the bound, and those come in many chunks: one report. */
static void
test_buffer_newline_later (gconstpointer data)
{
  gsize max = *(const gsize *) data;
  Feeder feeder;
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *transcript = NULL;

  append_repeat (line, 'a', 3 * max + 5);
  feeder_init (&feeder, max);
  feeder_feed (&feeder, line->str, line->len, 7);
  g_assert_cmpstr (feeder.transcript->str, ==, "!");
  feeder_feed (&feeder, BYTES ("more\n"), 2);
  feeder_feed (&feeder, BYTES ("next\n"), G_MAXSIZE);
  transcript = feeder_finish (&feeder);
  g_assert_cmpstr (transcript, ==, "![next]");
}

/* A line of exactly the bound, a few bytes at a time. */
static void
test_buffer_many_chunks (gconstpointer data)
{
  gsize max = *(const gsize *) data;
  g_autoptr(GString) input = expand (max, BYTES ("#\r\nb\n"));
  g_autoptr(GString) expected = expand (max, BYTES ("[#][b]"));

  for (gsize chunk = 2; chunk <= 5; chunk++)
    {
      g_autofree char *got = run (max, input, 0, chunk);

      g_assert_cmpstr (got, ==, expected->str);
    }
}

/* 100,000 lines through a buffer of a fixed capacity (feeder_feed() checks
 * every offer against it). */
static void
test_buffer_many_lines (gconstpointer data)
{
  gsize max = *(const gsize *) data;
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *got = NULL;

  for (guint i = 0; i < 100000; i++)
    {
      g_string_append_printf (input, "l%u%s", i, i % 3 == 0 ? "\r\n" : "\n");
      g_string_append_printf (expected, "[l%u]", i);
    }

  got = run (max, input, 0, G_MAXSIZE);
  g_assert_cmpstr (got, ==, expected->str);
}

static void
test_buffer_free_null (void)
{
  _pt_line_buffer_free (NULL);
}

/* PtLineReader over a pipe */

static PtLineReader *
reader_over_pipe (gsize  max,
                  int   *write_fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  int fds[2];

  g_unix_open_pipe (fds, FD_CLOEXEC, &error);
  g_assert_no_error (error);
  stream = g_unix_input_stream_new (fds[0], TRUE);
  *write_fd = fds[1];

  return _pt_line_reader_new (stream, max);
}

static void
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      gssize written = write (fd, data, length);

      if (written < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (written, >, 0);
      data += written;
      length -= (gsize) written;
    }
}

static void
close_fd (int fd)
{
  g_autoptr(GError) error = NULL;

  g_close (fd, &error);
  g_assert_no_error (error);
}

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Pending;

static void
on_read_line (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;

  pending->result = g_object_ref (result);
  pending->done = TRUE;
}

static char *
read_line (PtLineReader  *reader,
           GCancellable  *cancellable,
           gsize         *length,
           GError       **error)
{
  Pending pending = { 0 };
  char *line;

  _pt_line_reader_read_line_async (reader, cancellable, on_read_line, &pending);
  pt_test_run_until (&pending.done);
  line = _pt_line_reader_read_line_finish (reader, pending.result, length, error);
  g_object_unref (pending.result);

  return line;
}

/* Reads up to the end of the stream; an overlong line is "!" and must be
 * a PT_ERROR_PROTOCOL error that names the bound. */
static char *
read_transcript (PtLineReader *reader,
                 gsize         max)
{
  g_autofree char *bound = g_strdup_printf (" %" G_GSIZE_FORMAT " ", max);
  GString *transcript = g_string_new (NULL);

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize length = 1;
      g_autofree char *line = read_line (reader, NULL, &length, &error);

      if (error != NULL)
        {
          g_assert_error (error, PT_ERROR, PT_ERROR_PROTOCOL);
          g_assert_nonnull (strstr (error->message, bound));
          g_assert_null (line);
          g_assert_cmpuint (length, ==, 0);
          g_string_append_c (transcript, '!');
          continue;
        }
      if (line == NULL)
        {
          g_assert_cmpuint (length, ==, 0);
          return g_string_free (transcript, FALSE);
        }
      append_line (transcript, "[", line, length, "]");
    }

  g_assert_not_reached ();
}

typedef struct
{
  int        fd;
  GPtrArray *writes;   /* of GBytes */
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;

  for (guint i = 0; i < writer->writes->len; i++)
    {
      gsize length;
      const char *bytes = g_bytes_get_data (writer->writes->pdata[i], &length);

      write_all (writer->fd, bytes, length);
    }
  close_fd (writer->fd);

  return NULL;
}

static void
add_write (GPtrArray  *writes,
           const char *data,
           gsize       length)
{
  g_ptr_array_add (writes, g_bytes_new (data, length));
}

/* Written from a thread in separate writes (a "\r\n" split between two, an
 * overlong line larger than a pipe holds when the bound is the real one),
 * read on the main context. */
static void
test_reader_pipe (gconstpointer data)
{
  gsize max = *(const gsize *) data;
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GString) exact = expand (max, BYTES ("#"));
  g_autoptr(GString) overlong = expand (max, BYTES ("##"));
  g_autoptr(GString) expected = expand (max, BYTES ("[VERSION 1][#][crlf][]![after][nul\\x00byte][last]"));
  g_autoptr(PtLineReader) reader = NULL;
  g_autofree char *transcript = NULL;
  g_autoptr(GError) error = NULL;
  Writer writer;
  GThread *thread;
  gsize length = 1;

  add_write (writes, BYTES ("VERSION 1\n"));
  add_write (writes, exact->str, exact->len);
  add_write (writes, BYTES ("\ncrlf\r"));
  add_write (writes, BYTES ("\n\n"));
  add_write (writes, overlong->str, overlong->len);
  add_write (writes, BYTES ("\nafter\nnul\0byte\n"));
  add_write (writes, BYTES ("last"));

  reader = reader_over_pipe (max, &writer.fd);
  writer.writes = writes;
  thread = g_thread_new ("writer", writer_thread, &writer);

  transcript = read_transcript (reader, max);
  g_assert_cmpstr (transcript, ==, expected->str);
  g_thread_join (thread);

  /* The end of the stream stays the end. */
  g_assert_null (read_line (reader, NULL, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 0);
}

static void
test_reader_empty (void)
{
  g_autoptr(PtLineReader) reader = NULL;
  g_autofree char *transcript = NULL;
  int fd;

  reader = reader_over_pipe (16, &fd);
  close_fd (fd);
  transcript = read_transcript (reader, 16);
  g_assert_cmpstr (transcript, ==, "");
}

/* Cancelled before it starts and while it waits for input: neither loses
 * a byte. */
static void
test_reader_cancelled (void)
{
  g_autoptr(PtLineReader) reader = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *transcript = NULL;
  Pending pending = { 0 };
  gsize length = 1;
  int fd;

  reader = reader_over_pipe (16, &fd);
  write_all (fd, BYTES ("one\ntw"));

  /* Before: nothing is read, though a line is waiting. */
  g_cancellable_cancel (cancellable);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (read_line (reader, cancellable, &length, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (length, ==, 0);
  }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *line = read_line (reader, NULL, &length, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (line, ==, "one");
    g_assert_cmpuint (length, ==, 3);
  }

  /* While waiting: "tw" is buffered, the rest of its line not yet written. */
  g_cancellable_reset (cancellable);
  _pt_line_reader_read_line_async (reader, cancellable, on_read_line, &pending);
  g_cancellable_cancel (cancellable);
  pt_test_run_until (&pending.done);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (_pt_line_reader_read_line_finish (reader, pending.result, &length, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_object (&pending.result);
  }

  write_all (fd, BYTES ("o\nthree"));
  close_fd (fd);
  transcript = read_transcript (reader, 16);
  g_assert_cmpstr (transcript, ==, "[two][three]");
}

static const gsize small_bound = 16;
static const gsize max_bound = PT_LINE_READER_MAX_LINE_LENGTH;

static const struct
{
  const char  *name;
  const gsize *max;
} bounds[] = {
  { "16", &small_bound },
  { "max", &max_bound },
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) bound_cases = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);

  for (guint b = 0; b < G_N_ELEMENTS (bounds); b++)
    {
      const char *name = bounds[b].name;
      const gsize *max = bounds[b].max;
      g_autofree char *newline_later = g_strdup_printf ("/line-buffer/%s/newline-later", name);
      g_autofree char *many_chunks = g_strdup_printf ("/line-buffer/%s/many-chunks", name);
      g_autofree char *many_lines = g_strdup_printf ("/line-buffer/%s/many-lines", name);
      g_autofree char *pipe_path = g_strdup_printf ("/line-reader/%s/pipe", name);

      for (guint i = 0; i < G_N_ELEMENTS (buffer_cases); i++)
        {
          BoundCase *bound_case = g_new (BoundCase, 1);
          g_autofree char *path = g_strdup_printf ("/line-buffer/%s/%s", name, buffer_cases[i].name);

          bound_case->max = *max;
          bound_case->test = &buffer_cases[i];
          g_ptr_array_add (bound_cases, bound_case);
          g_test_add_data_func (path, bound_case, test_buffer_case);
        }
      g_test_add_data_func (newline_later, max, test_buffer_newline_later);
      g_test_add_data_func (many_chunks, max, test_buffer_many_chunks);
      g_test_add_data_func (many_lines, max, test_buffer_many_lines);
      g_test_add_data_func (pipe_path, max, test_reader_pipe);
    }
  g_test_add_func ("/line-buffer/free-null", test_buffer_free_null);
  g_test_add_func ("/line-reader/empty", test_reader_empty);
  g_test_add_func ("/line-reader/cancelled", test_reader_cancelled);

  return g_test_run ();
}

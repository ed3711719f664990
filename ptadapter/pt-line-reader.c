/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-line-reader-private.h"

/* How much one read asks for. */
#define READ_CHUNK 8192

struct _PtLineBuffer
{
  guint8 *data;
  gsize   capacity;
  gsize   start;        /* first byte not yet returned */
  gsize   end;          /* one past the last byte read */
  gsize   scanned;      /* bytes from start known to hold no '\n' */
  gsize   max_line_length;
  gboolean skipping;    /* inside a line that was too long */
};

PtLineBuffer *
_pt_line_buffer_new (gsize max_line_length)
{
  PtLineBuffer *self = g_new0 (PtLineBuffer, 1);

  self->max_line_length = max_line_length;
  /* Room for a longest line with "\r\n", its terminating NUL and one chunk. */
  self->capacity = max_line_length + 3 + READ_CHUNK;
  self->data = g_malloc (self->capacity);

  return self;
}

void
_pt_line_buffer_free (PtLineBuffer *self)
{
  if (self == NULL)
    return;

  g_free (self->data);
  g_free (self);
}

guint8 *
_pt_line_buffer_reserve (PtLineBuffer *self,
                         gsize         wanted,
                         gsize        *available)
{
  /* Keep one byte free after the data so that a line can be NUL-terminated
   * in place. */
  if (self->end + 1 >= self->capacity || self->start > 0)
    {
      memmove (self->data, self->data + self->start, self->end - self->start);
      self->end -= self->start;
      self->start = 0;
    }

  g_assert (self->end + 1 < self->capacity);
  *available = MIN (wanted, self->capacity - self->end - 1);

  return self->data + self->end;
}

void
_pt_line_buffer_commit (PtLineBuffer *self,
                        gsize         length)
{
  g_assert (self->end + length < self->capacity);
  self->end += length;
}

static void
take_line (PtLineBuffer  *self,
           gsize          line_end,
           gsize          next_start,
           const char   **line,
           gsize         *length)
{
  char *text = (char *) self->data + self->start;
  gsize text_length = line_end - self->start;

  if (text_length > 0 && text[text_length - 1] == '\r')
    text_length--;
  text[text_length] = '\0';

  *line = text;
  *length = text_length;
  self->start = next_start;
  self->scanned = 0;
}

PtLineBufferResult
_pt_line_buffer_next (PtLineBuffer  *self,
                      const char   **line,
                      gsize         *length)
{
  for (;;)
    {
      gsize from = self->start + self->scanned;
      guint8 *newline = NULL;

      if (from < self->end)
        newline = memchr (self->data + from, '\n', self->end - from);

      if (newline == NULL)
        {
          self->scanned = self->end - self->start;

          /* A "\r" may still be followed by its "\n", so one more byte is
           * allowed before the line is known to be too long, but only a
           * "\r": _finish() must not return a line over the bound. */
          if (!self->skipping &&
              (self->scanned > self->max_line_length + 1 ||
               (self->scanned == self->max_line_length + 1 &&
                self->data[self->end - 1] != '\r')))
            {
              self->skipping = TRUE;
              self->start = self->end = self->scanned = 0;
              return PT_LINE_BUFFER_TOO_LONG;
            }
          if (self->skipping)
            self->start = self->end = self->scanned = 0;

          return PT_LINE_BUFFER_NEED_MORE;
        }

      {
        gsize line_end = (gsize) (newline - self->data);
        gsize raw_length = line_end - self->start;

        if (self->skipping)
          {
            self->skipping = FALSE;
            self->start = line_end + 1;
            self->scanned = 0;
            continue;
          }

        if (raw_length > self->max_line_length &&
            !(raw_length == self->max_line_length + 1 && newline[-1] == '\r'))
          {
            self->start = line_end + 1;
            self->scanned = 0;
            return PT_LINE_BUFFER_TOO_LONG;
          }

        take_line (self, line_end, line_end + 1, line, length);
        return PT_LINE_BUFFER_LINE;
      }
    }
}

gboolean
_pt_line_buffer_finish (PtLineBuffer  *self,
                        const char   **line,
                        gsize         *length)
{
  if (self->skipping || self->start == self->end)
    {
      self->skipping = FALSE;
      self->start = self->end = self->scanned = 0;
      return FALSE;
    }

  take_line (self, self->end, self->end, line, length);
  return TRUE;
}

struct _PtLineReader
{
  GObject       parent_instance;

  GInputStream *stream;
  PtLineBuffer *buffer;
  gboolean      eof;
};

G_DEFINE_FINAL_TYPE (PtLineReader, _pt_line_reader, G_TYPE_OBJECT)

static void
_pt_line_reader_finalize (GObject *object)
{
  PtLineReader *self = PT_LINE_READER (object);

  g_clear_object (&self->stream);
  g_clear_pointer (&self->buffer, _pt_line_buffer_free);

  G_OBJECT_CLASS (_pt_line_reader_parent_class)->finalize (object);
}

static void
_pt_line_reader_class_init (PtLineReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = _pt_line_reader_finalize;
}

static void
_pt_line_reader_init (PtLineReader *self)
{
}

PtLineReader *
_pt_line_reader_new (GInputStream *stream,
                     gsize         max_line_length)
{
  PtLineReader *self = g_object_new (PT_TYPE_LINE_READER, NULL);

  self->stream = g_object_ref (stream);
  self->buffer = _pt_line_buffer_new (max_line_length);

  return self;
}

typedef struct
{
  char  *line;
  gsize  length;
} LineResult;

static void
line_result_free (LineResult *result)
{
  g_free (result->line);
  g_free (result);
}

/* Completes @task from the buffer if it can; FALSE if more input is needed. */
static gboolean
return_buffered_line (PtLineReader *self,
                      GTask        *task)
{
  const char *line;
  gsize length;
  LineResult *result;

  switch (_pt_line_buffer_next (self->buffer, &line, &length))
    {
    case PT_LINE_BUFFER_NEED_MORE:
      if (!self->eof)
        return FALSE;
      if (!_pt_line_buffer_finish (self->buffer, &line, &length))
        {
          g_task_return_pointer (task, NULL, NULL);
          return TRUE;
        }
      break;

    case PT_LINE_BUFFER_TOO_LONG:
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_PROTOCOL,
                               _("The pluggable transport printed a line longer than %u bytes"),
                               (guint) self->buffer->max_line_length);
      return TRUE;

    case PT_LINE_BUFFER_LINE:
    default:
      break;
    }

  result = g_new (LineResult, 1);
  result->line = g_memdup2 (line, length + 1);
  result->length = length;
  g_task_return_pointer (task, result, (GDestroyNotify) line_result_free);

  return TRUE;
}

static void read_more (PtLineReader *self,
                       GTask        *task);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PtLineReader *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gssize n_read;

  n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n_read < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (n_read == 0)
    self->eof = TRUE;
  else
    _pt_line_buffer_commit (self->buffer, (gsize) n_read);

  if (!return_buffered_line (self, task))
    read_more (self, g_steal_pointer (&task));
}

static void
read_more (PtLineReader *self,
           GTask        *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  gsize available;
  guint8 *space;

  space = _pt_line_buffer_reserve (self->buffer, READ_CHUNK, &available);
  g_input_stream_read_async (self->stream, space, available,
                             G_PRIORITY_DEFAULT, cancellable,
                             on_read, task);
}

void
_pt_line_reader_read_line_async (PtLineReader        *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PT_IS_LINE_READER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pt_line_reader_read_line_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!return_buffered_line (self, task))
    read_more (self, g_steal_pointer (&task));
}

char *
_pt_line_reader_read_line_finish (PtLineReader  *self,
                                  GAsyncResult  *result,
                                  gsize         *length,
                                  GError       **error)
{
  LineResult *line_result;
  char *line;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  *length = 0;
  line_result = g_task_propagate_pointer (G_TASK (result), error);
  if (line_result == NULL)
    return NULL;

  line = g_steal_pointer (&line_result->line);
  *length = line_result->length;
  line_result_free (line_result);

  return line;
}

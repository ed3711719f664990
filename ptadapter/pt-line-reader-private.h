/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The longest line the PT may print, without its line end. */
#define PT_LINE_READER_MAX_LINE_LENGTH 65536

/*
 * PtLineBuffer: splits a byte stream into lines with a hard bound on the
 * memory one line may take. Pure: the caller does the reading.
 *
 * Lines end with "\n"; a "\r" right before it is dropped too. A line longer
 * than the bound is reported once as too long and the rest of it, up to its
 * "\n", is skipped, so splitting can go on after it.
 */
typedef struct _PtLineBuffer PtLineBuffer;

typedef enum
{
  PT_LINE_BUFFER_NEED_MORE,  /* no complete line buffered */
  PT_LINE_BUFFER_LINE,       /* a line was returned */
  PT_LINE_BUFFER_TOO_LONG,   /* a line exceeded the bound */
} PtLineBufferResult;

PtLineBuffer       *_pt_line_buffer_new      (gsize          max_line_length);
void                _pt_line_buffer_free     (PtLineBuffer  *self);

/* Space for the next read: at least one byte, at most @wanted bytes. */
guint8             *_pt_line_buffer_reserve  (PtLineBuffer  *self,
                                              gsize          wanted,
                                              gsize         *available);
/* @length bytes were written into the reserved space. */
void                _pt_line_buffer_commit   (PtLineBuffer  *self,
                                              gsize          length);
/* Returns the next line: *@line points into the buffer (NUL-terminated,
 * valid until the next call on @self), *@length excludes the terminator. */
PtLineBufferResult  _pt_line_buffer_next     (PtLineBuffer  *self,
                                              const char   **line,
                                              gsize         *length);
/* At end of input: the unterminated last line, if any (like _next()). */
gboolean            _pt_line_buffer_finish   (PtLineBuffer  *self,
                                              const char   **line,
                                              gsize         *length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtLineBuffer, _pt_line_buffer_free)

/*
 * PtLineReader: reads lines from a stream asynchronously through a
 * PtLineBuffer.
 */
#define PT_TYPE_LINE_READER (_pt_line_reader_get_type ())
G_DECLARE_FINAL_TYPE (PtLineReader, _pt_line_reader, PT, LINE_READER, GObject)

PtLineReader *_pt_line_reader_new              (GInputStream         *stream,
                                                gsize                 max_line_length);
void          _pt_line_reader_read_line_async  (PtLineReader         *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* Returns a newly allocated line (it may contain NUL bytes; *@length is its
 * size), or NULL without error at end of stream. A line over the bound is a
 * PT_ERROR_PROTOCOL error, after which reading can go on. */
char         *_pt_line_reader_read_line_finish (PtLineReader         *self,
                                                GAsyncResult         *result,
                                                gsize                *length,
                                                GError              **error);

G_END_DECLS

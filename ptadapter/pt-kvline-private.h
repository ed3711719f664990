/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The key=value lines of LOG and STATUS messages (pt-spec 3.3.4, 3.3.5;
 * control-spec section 2 for CString / QuotedString).
 *
 * Pure functions: no I/O, no global state, safe to fuzz.
 */

/* Decodes one quoted string. @text[0] must be '"'. On success returns the
 * decoded bytes as a newly allocated NUL-terminated string (valid UTF-8:
 * invalid sequences are replaced), and sets *@consumed to the number of input
 * bytes used, including both quotes.
 * Escapes: \n \t \r \\ \" \' , \ooo (exactly three octal digits, value at
 * most 0377) and \xHH (exactly two hex digits). Fails with PT_ERROR_PROTOCOL
 * on an unterminated string, an unknown or truncated escape, or a decoded
 * NUL byte. */
char       *_pt_kvline_unquote (const char  *text,
                                gsize        length,
                                gsize       *consumed,
                                GError     **error);

/* Parses the part of a LOG or STATUS line after the keyword and its space:
 * KEY=VALUE pairs separated by one or more spaces, in any order. KEY is a
 * non-empty run of bytes other than space, '=' and '"'. VALUE is either empty,
 * a bare run of bytes other than space, or a quoted string as for
 * _pt_kvline_unquote() that must be followed by a space or the end.
 * A key that appears twice keeps its last value.
 * Returns a table of newly allocated UTF-8 keys and values (invalid UTF-8 in
 * bare values is replaced); fails with PT_ERROR_PROTOCOL otherwise, e.g. for a
 * pair without '='. An empty or all-space @text gives an empty table. */
GHashTable *_pt_kvline_parse   (const char  *text,
                                gsize        length,
                                GError     **error);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-tool-config.h"
#include "pt-args-private.h"
#include "pt-bridge-line.h"
#include "pt-init-private.h"

G_DEFINE_QUARK (pt-tool-config-error-quark, pt_tool_config_error)

/* How many bytes of a value an error message quotes. */
#define QUOTE_MAX_LENGTH 80

/* configparser's MAX_INTERPOLATION_DEPTH. */
#define INTERPOLATION_MAX_DEPTH 10

/* The most bytes that interpolation may scan and produce in one file. Far
 * more than any real configuration needs, but "%(a)s%(a)s..." chains could
 * otherwise grow without bound within the depth limit. */
#define INTERPOLATION_MAX_WORK (16 * 1024 * 1024)

/* ------------------------------------------------------------------------
 * The generic INI layer: sections, keys and raw values, as configparser
 * reads them. Nothing here knows about the tool's roles.
 * ------------------------------------------------------------------------ */

typedef struct
{
  char     *key;          /* lowercased */
  GString  *value;        /* raw: before interpolation */
  guint     line;
} IniEntry;

typedef struct
{
  char       *name;
  guint       line;       /* of the header; 0 for an implicit [DEFAULT] */
  GPtrArray  *entries;    /* IniEntry*, in file order */
  GHashTable *by_key;     /* key -> IniEntry* (owned by entries) */
} IniSection;

typedef struct
{
  IniSection *defaults;   /* [DEFAULT], always there, maybe empty */
  GPtrArray  *sections;   /* IniSection*, in file order, without DEFAULT */
  GHashTable *by_name;    /* name -> IniSection* (owned by sections) */
} IniFile;

static void
ini_entry_free (gpointer data)
{
  IniEntry *entry = data;

  g_free (entry->key);
  g_string_free (entry->value, TRUE);
  g_free (entry);
}

static IniSection *
ini_section_new (const char *name,
                 guint       line)
{
  IniSection *section = g_new0 (IniSection, 1);

  section->name = g_strdup (name);
  section->line = line;
  section->entries = g_ptr_array_new_with_free_func (ini_entry_free);
  section->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  return section;
}

static void
ini_section_free (gpointer data)
{
  IniSection *section = data;

  g_free (section->name);
  g_hash_table_unref (section->by_key);
  g_ptr_array_unref (section->entries);
  g_free (section);
}

static void
ini_file_free (IniFile *ini)
{
  if (ini == NULL)
    return;

  ini_section_free (ini->defaults);
  g_hash_table_unref (ini->by_name);
  g_ptr_array_unref (ini->sections);
  g_free (ini);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IniFile, ini_file_free)

/* The section called @name; "DEFAULT" is the defaults, as in configparser. */
static IniSection *
ini_file_get_section (IniFile    *ini,
                      const char *name)
{
  if (strcmp (name, "DEFAULT") == 0)
    return ini->defaults;

  return g_hash_table_lookup (ini->by_name, name);
}

/* The entry for @key in @section, or inherited from [DEFAULT]. */
static IniEntry *
ini_file_lookup (IniFile    *ini,
                 IniSection *section,
                 const char *key)
{
  IniEntry *entry = g_hash_table_lookup (section->by_key, key);

  if (entry == NULL)
    entry = g_hash_table_lookup (ini->defaults->by_key, key);
  return entry;
}

/* Whitespace inside a line, as str.strip() sees it for ASCII. Line ends
 * never appear inside a line. */
static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static char *
quote (const char *text,
       gsize       length)
{
  return _pt_quote_for_message (text, length, QUOTE_MAX_LENGTH);
}

static char *
quote_string (const char *text)
{
  return quote (text, strlen (text));
}

/* "FILE:LINE: MESSAGE" for an error found while reading the lines. */
static void set_line_error (GError     **error,
                            const char  *path,
                            guint        line,
                            const char  *format,
                            ...) G_GNUC_PRINTF (4, 5);

static void
set_line_error (GError     **error,
                const char  *path,
                guint        line,
                const char  *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* TRANSLATORS: file name, line number, then what is wrong. */
  g_set_error (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_SYNTAX,
               _("%s:%u: %s"), path, line, message);
}

/* Checks that @text is text configparser could have read: no NUL byte,
 * valid UTF-8. */
static gboolean
ini_check_text (const char  *text,
                gsize        length,
                const char  *path,
                GError     **error)
{
  const char *nul = memchr (text, '\0', length);
  const char *end = NULL;
  guint line = 1;

  if (!g_utf8_validate_len (text, nul != NULL ? (gsize) (nul - text) : length, &end))
    nul = NULL;
  else if (nul == NULL)
    return TRUE;
  else
    end = nul;

  for (const char *p = text; p < end; p++)
    {
      if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n')))
        line++;
    }

  if (nul != NULL)
    set_line_error (error, path, line, _("the line contains a NUL byte; the file is not text"));
  else
    set_line_error (error, path, line, _("the line is not valid UTF-8 text"));
  return FALSE;
}

/* The state of ini_file_parse() between lines. */
typedef struct
{
  IniFile    *ini;
  const char *path;
  guint       line_number;
  IniSection *current;        /* NULL before the first header */
  IniEntry   *entry;          /* the value a deeper line continues, or NULL */
  gsize       indent_level;   /* of the last key or header line; G_MAXSIZE
                               * after a blank or comment line */
} IniParser;

/* The line at *@pos, without its end ("\n", "\r\n" or "\r": universal
 * newlines, as Python reads a text file); moves *@pos past it. */
static const char *
ini_next_line (const char *text,
               gsize       length,
               gsize      *pos,
               gsize      *line_length)
{
  const char *line = text + *pos;
  gsize n = 0;

  while (*pos + n < length && line[n] != '\n' && line[n] != '\r')
    n++;

  *pos += n;
  if (*pos + 1 < length && text[*pos] == '\r' && text[*pos + 1] == '\n')
    *pos += 2;
  else if (*pos < length)
    (*pos)++;

  *line_length = n;
  return line;
}

/* If @line (stripped, @length bytes) is a "[name]" header, enters that
 * section. As configparser's greedy pattern does, the name runs to the
 * last ']' and whatever follows it is ignored. */
static gboolean
ini_parser_try_header (IniParser   *parser,
                       const char  *line,
                       gsize        length,
                       gboolean    *is_header,
                       GError     **error)
{
  gsize close = length;
  g_autofree char *name = NULL;
  IniSection *section;

  *is_header = FALSE;
  if (line[0] != '[')
    return TRUE;

  while (close > 2 && line[close - 1] != ']')
    close--;
  if (close <= 2)
    return TRUE;

  *is_header = TRUE;
  name = g_strndup (line + 1, close - 2);
  parser->entry = NULL;

  if (strcmp (name, "DEFAULT") == 0)
    {
      parser->current = parser->ini->defaults;
      return TRUE;
    }

  section = g_hash_table_lookup (parser->ini->by_name, name);
  if (section != NULL)
    {
      g_autofree char *quoted = quote_string (name);

      set_line_error (error, parser->path, parser->line_number,
                      _("[%s] appears a second time (first at line %u)"),
                      quoted, section->line);
      return FALSE;
    }

  section = ini_section_new (name, parser->line_number);
  g_ptr_array_add (parser->ini->sections, section);
  g_hash_table_insert (parser->ini->by_name, section->name, section);
  parser->current = section;
  return TRUE;
}

/* Adds the "key = value" or "key: value" of @line (stripped, @length
 * bytes) to the current section: the first '=' or ':' splits. */
static gboolean
ini_parser_add_entry (IniParser   *parser,
                      const char  *line,
                      gsize        length,
                      GError     **error)
{
  IniSection *section = parser->current;
  g_autofree char *quoted_section = quote_string (section->name);
  gsize delimiter = 0;
  gsize key_end, value_start;
  g_autofree char *raw_key = NULL;
  g_autofree char *key = NULL;
  IniEntry *entry;

  while (delimiter < length && line[delimiter] != '=' && line[delimiter] != ':')
    delimiter++;

  if (delimiter == length)
    {
      g_autofree char *quoted = quote (line, length);

      set_line_error (error, parser->path, parser->line_number,
                      _("[%s] “%s” is neither a [section] header nor a key = value line"),
                      quoted_section, quoted);
      return FALSE;
    }

  for (key_end = delimiter; key_end > 0 && is_blank (line[key_end - 1]); key_end--)
    ;
  if (key_end == 0)
    {
      g_autofree char *quoted = quote (line, length);

      set_line_error (error, parser->path, parser->line_number,
                      _("[%s] “%s” has no key before its “%c”"),
                      quoted_section, quoted, line[delimiter]);
      return FALSE;
    }

  raw_key = g_strndup (line, key_end);
  key = g_utf8_strdown (raw_key, -1);

  entry = g_hash_table_lookup (section->by_key, key);
  if (entry != NULL)
    {
      g_autofree char *quoted_key = quote_string (key);

      set_line_error (error, parser->path, parser->line_number,
                      _("[%s] %s: the key appears a second time (first at line %u)"),
                      quoted_section, quoted_key, entry->line);
      return FALSE;
    }

  for (value_start = delimiter + 1; value_start < length && is_blank (line[value_start]);
       value_start++)
    ;

  entry = g_new0 (IniEntry, 1);
  entry->key = g_steal_pointer (&key);
  entry->value = g_string_new_len (line + value_start, (gssize) (length - value_start));
  entry->line = parser->line_number;
  g_ptr_array_add (section->entries, entry);
  g_hash_table_insert (section->by_key, entry->key, entry);
  parser->entry = entry;
  return TRUE;
}

/* Reads @text the way configparser.ConfigParser(empty_lines_in_values=False)
 * does, with strict duplicate checks; see pt-tool-config.h. */
static IniFile *
ini_file_parse (const char  *text,
                gsize        length,
                const char  *path,
                GError     **error)
{
  g_autoptr(IniFile) ini = g_new0 (IniFile, 1);
  IniParser parser = { ini, path, 0, NULL, NULL, 0 };
  gsize pos = 0;

  ini->defaults = ini_section_new ("DEFAULT", 0);
  ini->sections = g_ptr_array_new_with_free_func (ini_section_free);
  ini->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  if (!ini_check_text (text, length, path, error))
    return NULL;

  /* A UTF-8 byte order mark, as some editors write. */
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    pos = 3;

  while (pos < length)
    {
      gsize line_length, start, end;
      const char *line = ini_next_line (text, length, &pos, &line_length);
      gboolean is_header;

      parser.line_number++;
      for (start = 0; start < line_length && is_blank (line[start]); start++)
        ;
      for (end = line_length; end > start && is_blank (line[end - 1]); end--)
        ;

      /* Blank lines end any value, and so do comment lines, which
       * configparser strips to blank ones. */
      if (start == end || line[start] == '#' || line[start] == ';')
        {
          parser.indent_level = G_MAXSIZE;
          continue;
        }

      /* A line indented deeper than its key continues the value, whatever
       * it looks like. */
      if (parser.entry != NULL && start > parser.indent_level)
        {
          g_string_append_c (parser.entry->value, '\n');
          g_string_append_len (parser.entry->value, line + start, (gssize) (end - start));
          continue;
        }
      parser.indent_level = start;

      if (!ini_parser_try_header (&parser, line + start, end - start, &is_header, error))
        return NULL;
      if (is_header)
        continue;

      if (parser.current == NULL)
        {
          g_autofree char *quoted = quote (line + start, end - start);

          set_line_error (error, path, parser.line_number,
                          _("“%s” comes before the first [section] header"), quoted);
          return NULL;
        }

      if (!ini_parser_add_entry (&parser, line + start, end - start, error))
        return NULL;
    }

  return g_steal_pointer (&ini);
}

/* ------------------------------------------------------------------------
 * Reading values: BasicInterpolation, and errors that name the file, the
 * section and the key.
 * ------------------------------------------------------------------------ */

typedef struct
{
  IniFile    *ini;
  const char *path;      /* for messages */
  gsize       work;      /* interpolation bytes scanned and produced */
} Reader;

/* "FILE: [SECTION] KEY: PROBLEM". */
static void set_key_error (GError     **error,
                           Reader      *reader,
                           IniSection  *section,
                           const char  *key,
                           int          code,
                           const char  *format,
                           ...) G_GNUC_PRINTF (6, 7);

static void
set_key_error (GError     **error,
               Reader      *reader,
               IniSection  *section,
               const char  *key,
               int          code,
               const char  *format,
               ...)
{
  g_autofree char *quoted_section = quote_string (section->name);
  g_autofree char *quoted_key = quote_string (key);
  g_autofree char *problem = NULL;
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);

  /* TRANSLATORS: file name, [section name], key, then what is wrong with
   * the key's value. */
  g_set_error (error, PT_TOOL_CONFIG_ERROR, code, _("%s: [%s] %s: %s"),
               reader->path, quoted_section, quoted_key, problem);
}

static gboolean
interpolate (Reader      *reader,
             IniSection  *section,
             const char  *key,
             const char  *rest,
             guint        depth,
             GString     *out,
             GError     **error)
{
  gsize rest_length = strlen (rest);

  if (depth > INTERPOLATION_MAX_DEPTH)
    {
      set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     _("the %%(name)s references go more than %d levels deep; "
                       "do they form a loop?"),
                     INTERPOLATION_MAX_DEPTH);
      return FALSE;
    }

  reader->work += rest_length;

  while (*rest != '\0')
    {
      const char *percent = strchr (rest, '%');
      const char *name_end;
      g_autofree char *raw_name = NULL;
      g_autofree char *name = NULL;
      IniEntry *referenced;

      if (reader->work > INTERPOLATION_MAX_WORK)
        {
          set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                         _("the %%(name)s references expand to too much text"));
          return FALSE;
        }

      if (percent == NULL)
        {
          g_string_append (out, rest);
          return TRUE;
        }

      g_string_append_len (out, rest, percent - rest);
      rest = percent;

      if (rest[1] == '%')
        {
          g_string_append_c (out, '%');
          rest += 2;
          continue;
        }

      if (rest[1] != '(')
        {
          g_autofree char *quoted = quote_string (rest);

          set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_SYNTAX,
                         _("“%s”: a “%%” must be followed by “%%” (for a literal “%%”) "
                           "or by “(name)s”"),
                         quoted);
          return FALSE;
        }

      name_end = strchr (rest + 2, ')');
      if (name_end == NULL || name_end == rest + 2 || name_end[1] != 's')
        {
          g_autofree char *quoted = quote_string (rest);

          set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_SYNTAX,
                         _("“%s” is not a reference such as “%%(name)s”"), quoted);
          return FALSE;
        }

      raw_name = g_strndup (rest + 2, (gsize) (name_end - (rest + 2)));
      name = g_utf8_strdown (raw_name, -1);
      rest = name_end + 2;

      referenced = ini_file_lookup (reader->ini, section, name);
      if (referenced == NULL)
        {
          g_autofree char *quoted_section = quote_string (section->name);
          g_autofree char *quoted = quote_string (raw_name);

          set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_MISSING_KEY,
                         _("“%%(%s)s” refers to a key that is neither in [%s] "
                           "nor in [DEFAULT]"),
                         quoted, quoted_section);
          return FALSE;
        }

      if (memchr (referenced->value->str, '%', referenced->value->len) != NULL)
        {
          if (!interpolate (reader, section, key, referenced->value->str, depth + 1, out, error))
            return FALSE;
        }
      else
        {
          reader->work += referenced->value->len;
          g_string_append_len (out, referenced->value->str, (gssize) referenced->value->len);
        }
    }

  return TRUE;
}

/* The interpolated value of @key in @section (or in [DEFAULT]). Sets
 * *@value to NULL when the key is missing: an error only if @required. */
static gboolean
read_value (Reader      *reader,
            IniSection  *section,
            const char  *key,
            gboolean     required,
            char       **value,
            GError     **error)
{
  IniEntry *entry = ini_file_lookup (reader->ini, section, key);
  GString *out;

  *value = NULL;

  if (entry == NULL)
    {
      if (!required)
        return TRUE;

      set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_MISSING_KEY,
                     _("the key is missing"));
      return FALSE;
    }

  /* Most values have no '%': only the others count against the budget. */
  if (memchr (entry->value->str, '%', entry->value->len) == NULL)
    {
      *value = g_strndup (entry->value->str, entry->value->len);
      return TRUE;
    }

  out = g_string_new (NULL);
  if (!interpolate (reader, section, key, entry->value->str, 1, out, error))
    {
      g_string_free (out, TRUE);
      return FALSE;
    }

  *value = g_string_free (out, FALSE);
  return TRUE;
}

/* Every key of @section with those inherited from [DEFAULT], in the order
 * of configparser's items(): DEFAULT's first, then the section's others. */
static GPtrArray *
list_keys (Reader     *reader,
           IniSection *section)
{
  GPtrArray *keys = g_ptr_array_new ();
  IniSection *defaults = reader->ini->defaults;

  for (guint i = 0; i < defaults->entries->len; i++)
    g_ptr_array_add (keys, ((IniEntry *) g_ptr_array_index (defaults->entries, i))->key);

  if (section != defaults)
    {
      for (guint i = 0; i < section->entries->len; i++)
        {
          IniEntry *entry = g_ptr_array_index (section->entries, i);

          if (!g_hash_table_contains (defaults->by_key, entry->key))
            g_ptr_array_add (keys, entry->key);
        }
    }

  return keys;
}

/* ------------------------------------------------------------------------
 * Values of the tool's keys.
 * ------------------------------------------------------------------------ */

/* A port of 1 to 65535, or 0 too when @allow_zero; decimal digits only. */
static gboolean
parse_port (const char *text,
            gboolean    allow_zero,
            guint16    *port)
{
  guint value = 0;

  if (*text == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint) (*p - '0');
      if (value > G_MAXUINT16)
        return FALSE;
    }

  if (value == 0 && !allow_zero)
    return FALSE;

  *port = (guint16) value;
  return TRUE;
}

/* A host name as the resolver takes it: ASCII letters, digits, '-', '_'
 * and '.' (labels may not be empty, except for a final root dot). */
static gboolean
is_host_name (const char *host)
{
  gsize label_length = 0;

  if (host[0] == '\0' || strlen (host) > 253)
    return FALSE;

  for (const char *p = host; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (label_length == 0)
            return FALSE;
          label_length = 0;
        }
      else if (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
        {
          if (++label_length > 63)
            return FALSE;
        }
      else
        return FALSE;
    }

  return TRUE;
}

/* Parses "host:port" or "[ipv6]:port". On failure, returns FALSE and a
 * translated description of the problem in *@problem. */
static gboolean
parse_host_port (const char  *text,
                 gboolean     allow_port_zero,
                 char       **host_out,
                 guint16     *port_out,
                 char       **problem)
{
  g_autofree char *quoted = quote_string (text);
  g_autofree char *host = NULL;
  const char *port_text;

  if (text[0] == '\0')
    {
      *problem = g_strdup (_("the address is empty; it must be host:port, such as 127.0.0.1:8000"));
      return FALSE;
    }

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');
      g_autoptr(GInetAddress) address = NULL;

      if (close == NULL)
        {
          *problem = g_strdup_printf (_("“%s” has no “]” after its IPv6 address"), quoted);
          return FALSE;
        }

      host = g_strndup (text + 1, (gsize) (close - text) - 1);
      if (host[0] != '\0' && strchr (host, '%') == NULL)
        address = g_inet_address_new_from_string (host);
      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
        {
          *problem = g_strdup_printf (_("“%s” does not have an IPv6 address in its brackets"),
                                      quoted);
          return FALSE;
        }

      if (close[1] == '\0')
        {
          *problem = g_strdup_printf (_("“%s” has no port"), quoted);
          return FALSE;
        }
      if (close[1] != ':')
        {
          *problem = g_strdup_printf (_("“%s” has something other than “:port” after its “]”"),
                                      quoted);
          return FALSE;
        }
      port_text = close + 2;
    }
  else
    {
      const char *colon = strchr (text, ':');

      if (colon == NULL)
        {
          *problem = g_strdup_printf (_("“%s” has no port"), quoted);
          return FALSE;
        }
      if (strchr (colon + 1, ':') != NULL)
        {
          *problem = g_strdup_printf (_("“%s” has an IPv6 address without brackets; "
                                        "write it as [address]:port"),
                                      quoted);
          return FALSE;
        }
      if (colon == text)
        {
          *problem = g_strdup_printf (_("“%s” has no host before its port"), quoted);
          return FALSE;
        }
      host = g_strndup (text, (gsize) (colon - text));
      port_text = colon + 1;
    }

  if (!parse_port (port_text, allow_port_zero, port_out))
    {
      *problem = g_strdup_printf (allow_port_zero
                                  ? _("“%s” does not end with a port from 0 to 65535")
                                  : _("“%s” does not end with a port from 1 to 65535"),
                                  quoted);
      return FALSE;
    }

  if (text[0] != '[')
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      if (address == NULL && host[strspn (host, "0123456789.")] == '\0')
        {
          *problem = g_strdup_printf (_("“%s” does not have a valid IPv4 address"), quoted);
          return FALSE;
        }
      if (address == NULL && !is_host_name (host))
        {
          *problem = g_strdup_printf (_("“%s” has a host that is neither an IP address "
                                        "nor a host name"),
                                      quoted);
          return FALSE;
        }
    }

  *host_out = g_steal_pointer (&host);
  return TRUE;
}

/* Reads a host:port key of @section. */
static gboolean
read_address (Reader      *reader,
              IniSection  *section,
              const char  *key,
              gboolean     allow_port_zero,
              char       **host,
              guint16     *port,
              GError     **error)
{
  g_autofree char *value = NULL;
  g_autofree char *problem = NULL;

  if (!read_value (reader, section, key, TRUE, &value, error))
    return FALSE;

  if (!parse_host_port (value, allow_port_zero, host, port, &problem))
    {
      set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     "%s", problem);
      return FALSE;
    }

  return TRUE;
}

/* @path made absolute against the current directory, lexically. */
static char *
resolve_path (const char *path)
{
  return g_canonicalize_filename (path, NULL);
}

static gboolean
read_exec (Reader       *reader,
           IniSection   *section,
           char       ***argv,
           GError      **error)
{
  g_autofree char *value = NULL;
  g_autoptr(GError) shell_error = NULL;

  if (!read_value (reader, section, "exec", TRUE, &value, error))
    return FALSE;

  if (!g_shell_parse_argv (value, NULL, argv, &shell_error))
    {
      /* GLib's message quotes the text. */
      set_key_error (error, reader, section, "exec", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     _("this is not a command line: %s"), shell_error->message);
      return FALSE;
    }

  if ((*argv)[0][0] == '\0')
    {
      set_key_error (error, reader, section, "exec", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     _("the program name is empty"));
      g_clear_pointer (argv, g_strfreev);
      return FALSE;
    }

  if (!g_path_is_absolute ((*argv)[0]) && strchr ((*argv)[0], '/') != NULL)
    {
      char *absolute = resolve_path ((*argv)[0]);

      g_free ((*argv)[0]);
      (*argv)[0] = absolute;
    }

  return TRUE;
}

/* An optional key whose empty value means "not set". */
static gboolean
read_optional (Reader      *reader,
               IniSection  *section,
               const char  *key,
               char       **value,
               GError     **error)
{
  if (!read_value (reader, section, key, FALSE, value, error))
    return FALSE;

  if (*value != NULL && (*value)[0] == '\0')
    g_clear_pointer (value, g_free);

  return TRUE;
}

static gboolean
read_transport (Reader      *reader,
                IniSection  *section,
                char       **transport,
                GError     **error)
{
  if (!read_value (reader, section, "transport", TRUE, transport, error))
    return FALSE;

  if (!_pt_transport_name_is_valid (*transport))
    {
      g_autofree char *quoted = quote_string (*transport);

      set_key_error (error, reader, section, "transport", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     _("“%s” is not a transport name (letters, digits and “_”, "
                       "not starting with a digit)"),
                     quoted);
      g_clear_pointer (transport, g_free);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------
 * The roles.
 * ------------------------------------------------------------------------ */

#define OPTIONS_PREFIX "options-"

static void
tunnel_free (gpointer data)
{
  PtToolTunnel *tunnel = data;

  g_free (tunnel->section);
  g_free (tunnel->transport);
  g_free (tunnel->listen_host);
  g_free (tunnel->upstream_host);
  g_clear_pointer (&tunnel->options, g_hash_table_unref);
  g_free (tunnel);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtToolTunnel, tunnel_free)

/* Reads every key of the tunnel's section, as configparser's items() does
 * for the options (so a bad value anywhere in it is an error), and keeps
 * the options-<name> ones in @options, unless it is NULL. */
static gboolean
read_options (Reader      *reader,
              IniSection  *section,
              GHashTable  *options,
              GError     **error)
{
  g_autoptr(GPtrArray) keys = list_keys (reader, section);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *name;
      g_autofree char *value = NULL;

      if (!read_value (reader, section, key, TRUE, &value, error))
        return FALSE;

      if (options == NULL || !g_str_has_prefix (key, OPTIONS_PREFIX))
        continue;

      name = key + strlen (OPTIONS_PREFIX);
      if (name[0] == '\0')
        {
          set_key_error (error, reader, section, key, PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                         _("the option has no name after “options-”"));
          return FALSE;
        }
      g_hash_table_insert (options, g_strdup (name), g_steal_pointer (&value));
    }

  return TRUE;
}

/* The first key of @section (or DEFAULT) that a bridge line replaces, or
 * NULL. */
static const char *
find_bridge_conflict (Reader     *reader,
                      IniSection *section)
{
  g_autoptr(GPtrArray) keys = list_keys (reader, section);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);

      if (strcmp (key, "transport") == 0 || strcmp (key, "upstream") == 0 ||
          g_str_has_prefix (key, OPTIONS_PREFIX))
        return key;
    }

  return NULL;
}

/* A client tunnel's "bridge = <line>": its transport, upstream and args. */
static gboolean
read_bridge (Reader        *reader,
             IniSection    *section,
             char          *bridge,
             PtToolTunnel  *tunnel,
             GError       **error)
{
  g_autoptr(GError) bridge_error = NULL;
  g_autoptr(PtBridgeLine) line = NULL;
  const char *conflict = find_bridge_conflict (reader, section);

  if (conflict != NULL)
    {
      g_autofree char *quoted = quote_string (conflict);

      set_key_error (error, reader, section, "bridge", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     _("a bridge line gives the transport, upstream and options, "
                       "so “%s” must not be set too"),
                     quoted);
      return FALSE;
    }

  /* A long line may be continued over several lines of the file. */
  g_strdelimit (bridge, "\n", ' ');

  line = pt_bridge_line_parse (bridge, &bridge_error);
  if (line == NULL)
    {
      set_key_error (error, reader, section, "bridge", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     "%s", bridge_error->message);
      return FALSE;
    }

  tunnel->transport = g_strdup (pt_bridge_line_get_transport (line));
  tunnel->upstream_host = g_strdup (pt_bridge_line_get_host (line));
  tunnel->upstream_port = pt_bridge_line_get_port (line);
  tunnel->options = pt_bridge_line_dup_args (line);
  return TRUE;
}

/* The keys in the order the Python tool reads them, so that the first
 * error is the one it would report. */
static PtToolTunnel *
read_tunnel (Reader      *reader,
             IniSection  *section,
             PtToolRole   role,
             GError     **error)
{
  g_autoptr(PtToolTunnel) tunnel = g_new0 (PtToolTunnel, 1);
  gboolean is_client = role == PT_TOOL_ROLE_CLIENT;
  g_autofree char *bridge = NULL;

  tunnel->section = g_strdup (section->name);

  if (is_client && !read_value (reader, section, "bridge", FALSE, &bridge, error))
    return NULL;

  if (bridge != NULL)
    {
      if (!read_bridge (reader, section, bridge, tunnel, error))
        return NULL;
    }
  else if (!read_transport (reader, section, &tunnel->transport, error))
    return NULL;

  if (!read_address (reader, section, "listen", TRUE,
                     &tunnel->listen_host, &tunnel->listen_port, error))
    return NULL;

  if (is_client && bridge == NULL &&
      !read_address (reader, section, "upstream", FALSE,
                     &tunnel->upstream_host, &tunnel->upstream_port, error))
    return NULL;

  if (tunnel->options == NULL)
    {
      tunnel->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      if (!read_options (reader, section, tunnel->options, error))
        return NULL;
    }
  else if (!read_options (reader, section, NULL, error))
    return NULL;

  return g_steal_pointer (&tunnel);
}

static gboolean
read_tunnels (Reader        *reader,
              IniSection    *role_section,
              PtToolConfig  *config,
              GError       **error)
{
  g_autofree char *value = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  /* server: transport -> the tunnel that serves it */
  g_autoptr(GHashTable) transports = g_hash_table_new (g_str_hash, g_str_equal);

  if (!read_value (reader, role_section, "tunnels", TRUE, &value, error))
    return FALSE;

  g_strdelimit (value, "\t\n\v\f\r", ' ');
  names = g_strsplit (value, " ", -1);

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = names[i];
      IniSection *section;
      PtToolTunnel *tunnel;

      if (name[0] == '\0')
        continue;

      if (!g_hash_table_add (seen, (gpointer) name))
        {
          g_autofree char *quoted = quote_string (name);

          set_key_error (error, reader, role_section, "tunnels",
                         PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                         _("the section “%s” is named twice"), quoted);
          return FALSE;
        }

      section = ini_file_get_section (reader->ini, name);
      if (section == NULL)
        {
          g_autofree char *quoted = quote_string (name);

          set_key_error (error, reader, role_section, "tunnels",
                         PT_TOOL_CONFIG_ERROR_MISSING_SECTION,
                         _("there is no section [%s]"), quoted);
          return FALSE;
        }

      tunnel = read_tunnel (reader, section, config->role, error);
      if (tunnel == NULL)
        return FALSE;
      g_ptr_array_add (config->tunnels, tunnel);

      if (config->role != PT_TOOL_ROLE_CLIENT)
        {
          PtToolTunnel *other = g_hash_table_lookup (transports, tunnel->transport);

          if (other != NULL)
            {
              g_autofree char *quoted = quote_string (tunnel->transport);
              g_autofree char *quoted_other = quote_string (other->section);

              set_key_error (error, reader, section, "transport",
                             PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                             _("the transport “%s” is already served by [%s]; "
                               "a PT serves each transport once"),
                             quoted, quoted_other);
              return FALSE;
            }
          g_hash_table_insert (transports, tunnel->transport, tunnel);
        }
    }

  if (config->tunnels->len == 0)
    {
      set_key_error (error, reader, role_section, "tunnels", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                     _("no tunnel section is named"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_role (Reader        *reader,
           PtToolConfig  *config,
           GError       **error)
{
  const char *role_name = config->role == PT_TOOL_ROLE_CLIENT ? "client" : "server";
  IniSection *section = ini_file_get_section (reader->ini, role_name);

  if (section == NULL)
    {
      /* TRANSLATORS: file name, then the name of the section. */
      g_set_error (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_MISSING_SECTION,
                   _("%s: there is no [%s] section"), reader->path, role_name);
      return FALSE;
    }

  if (!read_exec (reader, section, &config->pt_exec, error))
    return FALSE;

  if (!read_optional (reader, section, "state", &config->state, error))
    return FALSE;
  if (config->state != NULL)
    {
      char *absolute = resolve_path (config->state);

      g_free (config->state);
      config->state = absolute;
    }

  if (config->role == PT_TOOL_ROLE_CLIENT)
    {
      if (!read_optional (reader, section, "proxy", &config->proxy, error))
        return FALSE;
      if (config->proxy != NULL && !g_uri_is_valid (config->proxy, G_URI_FLAGS_HAS_PASSWORD, NULL))
        {
          g_autofree char *quoted = quote_string (config->proxy);

          set_key_error (error, reader, section, "proxy", PT_TOOL_CONFIG_ERROR_INVALID_VALUE,
                         _("“%s” is not a proxy URI such as socks5://127.0.0.1:1080"), quoted);
          return FALSE;
        }
    }
  else
    {
      if (!read_address (reader, section, "forward", FALSE,
                         &config->forward_host, &config->forward_port, error))
        return FALSE;
    }

  return read_tunnels (reader, section, config, error);
}

/* ------------------------------------------------------------------------
 * Public functions.
 * ------------------------------------------------------------------------ */

void
pt_tool_config_free (PtToolConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->path);
  g_strfreev (config->pt_exec);
  g_free (config->state);
  g_free (config->proxy);
  g_free (config->forward_host);
  g_ptr_array_unref (config->tunnels);
  g_free (config);
}

PtToolConfig *
pt_tool_config_parse (const char  *text,
                      gsize        length,
                      const char  *path,
                      PtToolRole   role,
                      GError     **error)
{
  g_autoptr(PtToolConfig) config = NULL;
  g_autoptr(IniFile) ini = NULL;
  g_autofree char *display_path = NULL;
  Reader reader = { 0 };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (role == PT_TOOL_ROLE_CLIENT || role == PT_TOOL_ROLE_SERVER ||
                        role == PT_TOOL_ROLE_EXT_SERVER, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _pt_init ();

  display_path = g_filename_display_name (path);
  ini = ini_file_parse (text != NULL ? text : "", length, display_path, error);
  if (ini == NULL)
    return NULL;

  config = g_new0 (PtToolConfig, 1);
  config->role = role;
  config->path = g_strdup (path);
  config->tunnels = g_ptr_array_new_with_free_func (tunnel_free);

  reader.ini = ini;
  reader.path = display_path;
  if (!read_role (&reader, config, error))
    return NULL;

  return g_steal_pointer (&config);
}

PtToolConfig *
pt_tool_config_load (const char  *path,
                     PtToolRole   role,
                     GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) read_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &read_error))
    {
      g_set_error_literal (error, PT_TOOL_CONFIG_ERROR, PT_TOOL_CONFIG_ERROR_READ,
                           read_error->message);
      return NULL;
    }

  return pt_tool_config_parse (contents, length, path, role, error);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-bridge-line.h"
#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-init-private.h"

/**
 * SECTION:pt-bridge-line
 * @title: PtBridgeLine
 * @short_description: A Tor bridge line for a pluggable transport
 *
 * A #PtBridgeLine is the line that Tor's `Bridge` option takes for a bridge
 * reached through a pluggable transport, and that bridge operators hand
 * out:
 *
 * |[
 * obfs4 192.0.2.3:443 4D3E4561149907025571827A1277661B5F9FCA46 cert=ssH+9rP8dG2NLDN2XuFw63hIO/9MNNinLmxQDpVa+7kTOa9/m+tGWT1SmSYpQ9uTBGa6Hw iat-mode=0
 * ]|
 *
 * It holds the transport name, the bridge's IP address and port, its
 * optional identity fingerprint, and the per-connection arguments to give
 * the transport, ready for pt_client_adapter_connect():
 *
 * |[<!-- language="C" -->
 * g_autoptr(PtBridgeLine) bridge = pt_bridge_line_parse (line, &error);
 * g_autoptr(GHashTable) args = NULL;
 *
 * if (bridge == NULL)
 *   return FALSE;
 * args = pt_bridge_line_dup_args (bridge);
 * connection = pt_client_adapter_connect (adapter,
 *                                         pt_bridge_line_get_transport (bridge),
 *                                         pt_bridge_line_get_host (bridge),
 *                                         pt_bridge_line_get_port (bridge),
 *                                         args, cancellable, &error);
 * ]|
 *
 * A #PtBridgeLine is immutable and reference counted: pt_bridge_line_ref()
 * and pt_bridge_line_unref() are also its #GBoxed copy and free functions,
 * so it may be shared between threads once made.
 */

/* The documentation of PtBridgeLine is in the header, where gtk-doc's
 * section builder looks for it. */
struct _PtBridgeLine
{
  gatomicrefcount  ref_count;

  char            *transport;
  char            *host;         /* canonical IP literal, no brackets */
  guint16          port;
  gboolean         is_ipv6;
  char            *fingerprint;  /* 40 upper-case hex digits, or NULL */
  /* The arguments in their order, keys[i] -> values[i]; keys are unique. */
  GPtrArray       *keys;
  GPtrArray       *values;
};

G_DEFINE_BOXED_TYPE (PtBridgeLine, pt_bridge_line, pt_bridge_line_ref, pt_bridge_line_unref)

/* How many bytes of an offending token an error message quotes. */
#define QUOTE_MAX_LENGTH 80

/* The length of a fingerprint in hexadecimal digits. */
#define FINGERPRINT_LENGTH 40

static char *
quote (const char *text)
{
  return _pt_quote_for_message (text, strlen (text), QUOTE_MAX_LENGTH);
}

static PtBridgeLine *
bridge_line_alloc (void)
{
  PtBridgeLine *self = g_new0 (PtBridgeLine, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->keys = g_ptr_array_new_with_free_func (g_free);
  self->values = g_ptr_array_new_with_free_func (g_free);
  return self;
}

static void
bridge_line_free (PtBridgeLine *self)
{
  g_free (self->transport);
  g_free (self->host);
  g_free (self->fingerprint);
  g_ptr_array_unref (self->keys);
  g_ptr_array_unref (self->values);
  g_free (self);
}

/**
 * pt_bridge_line_ref:
 * @self: a #PtBridgeLine
 *
 * Acquires a reference on @self. This is also the #GBoxed copy function of
 * #PtBridgeLine: since it is immutable, a copy is the same bridge line.
 *
 * Returns: (transfer full): @self
 */
PtBridgeLine *
pt_bridge_line_ref (PtBridgeLine *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * pt_bridge_line_unref:
 * @self: (transfer full): a #PtBridgeLine
 *
 * Releases a reference on @self, and frees it when that was the last one.
 * This is also the #GBoxed free function of #PtBridgeLine.
 */
void
pt_bridge_line_unref (PtBridgeLine *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    bridge_line_free (self);
}

/* Checks of single values, shared by the parser and the constructor. */

static gboolean
check_transport (const char  *transport,
                 GError     **error)
{
  g_autofree char *quoted = NULL;

  if (_pt_transport_name_is_valid (transport))
    return TRUE;

  quoted = quote (transport);
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a valid transport name: it must be letters, digits and “_”, "
                 "not starting with a digit, such as obfs4"),
               quoted);
  return FALSE;
}

/* TRUE if @text is an optional '$' and 40 hexadecimal digits. */
static gboolean
looks_like_fingerprint (const char *text)
{
  if (text[0] == '$')
    text++;

  if (strlen (text) != FINGERPRINT_LENGTH)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p))
        return FALSE;
    }
  return TRUE;
}

/* The stored form of a fingerprint that looks_like_fingerprint(). */
static char *
normalize_fingerprint (const char *text)
{
  return g_ascii_strup (text[0] == '$' ? text + 1 : text, -1);
}

typedef enum
{
  TEXT_OK,
  TEXT_CONTROL,      /* an ASCII control character (a tab separates tokens) or DEL */
  TEXT_NOT_UTF8,
} TextProblem;

/* What a bridge line cannot carry inside a token. */
static TextProblem
check_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return TEXT_CONTROL;
    }
  return g_utf8_validate (text, -1, NULL) ? TEXT_OK : TEXT_NOT_UTF8;
}

/* An argument from pt_bridge_line_new(): it must come back unchanged from
 * parsing its text "key=value" as one token. */
static gboolean
check_argument (const char  *key,
                const char  *value,
                GError     **error)
{
  g_autofree char *quoted = NULL;

  if (key[0] == '\0')
    {
      quoted = quote (value);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The argument with the value “%s” has an empty key"), quoted);
      return FALSE;
    }

  quoted = quote (key);

  if (strchr (key, '=') != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The argument key “%s” contains “=”, which ends a key in a bridge "
                     "line"),
                   quoted);
      return FALSE;
    }

  if (strpbrk (key, " \t") != NULL || strpbrk (value, " \t") != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” contains a space or a tab, which a bridge line "
                     "cannot carry"),
                   quoted);
      return FALSE;
    }

  switch (MAX (check_text (key), check_text (value)))
    {
    case TEXT_OK:
      return TRUE;
    case TEXT_CONTROL:
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” contains a control character"), quoted);
      return FALSE;
    case TEXT_NOT_UTF8:
    default:
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” is not valid UTF-8 text"), quoted);
      return FALSE;
    }
}

/* Adds an argument unless its key is already there. */
static gboolean
add_argument (PtBridgeLine  *self,
              const char    *key,
              const char    *value,
              const char    *token,
              GError       **error)
{
  for (guint i = 0; i < self->keys->len; i++)
    {
      if (strcmp (g_ptr_array_index (self->keys, i), key) == 0)
        {
          g_autofree char *quoted_token = quote (token);
          g_autofree char *quoted_key = quote (key);

          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("The argument “%s” repeats the key “%s”"),
                       quoted_token, quoted_key);
          return FALSE;
        }
    }

  g_ptr_array_add (self->keys, g_strdup (key));
  g_ptr_array_add (self->values, g_strdup (value));
  return TRUE;
}

static void
set_address (PtBridgeLine       *self,
             GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);

  self->host = g_inet_address_to_string (inet);
  self->port = g_inet_socket_address_get_port (address);
  self->is_ipv6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
}

/* Parsing */

/* Says what is wrong with the address token @token, which
 * _pt_socket_address_parse() rejected. */
static void
set_address_error (const char  *token,
                   GError     **error)
{
  g_autofree char *quoted = quote (token);
  const char *colon = strrchr (token, ':');
  g_autofree char *host = NULL;
  const char *port;
  gsize port_length;
  gboolean port_ok = TRUE;
  guint port_value = 0;

  if (colon == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge address “%s” has no port: it must be an IP address and port "
                     "such as 192.0.2.3:443 or [2001:db8::1]:443"),
                   quoted);
      return;
    }

  port = colon + 1;
  port_length = strlen (port);
  if (port_length == 0 || port_length > 5)
    port_ok = FALSE;
  for (gsize i = 0; port_ok && i < port_length; i++)
    {
      if (!g_ascii_isdigit (port[i]))
        port_ok = FALSE;
      else
        port_value = port_value * 10 + (guint) (port[i] - '0');
    }
  if (!port_ok || port_value == 0 || port_value > G_MAXUINT16)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge address “%s” does not end with a port from 1 to 65535"),
                   quoted);
      return;
    }

  host = g_strndup (token, (gsize) (colon - token));
  if (host[0] != '[' && strchr (host, ':') != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge address “%s” needs brackets around its IPv6 address, "
                     "as in [2001:db8::1]:443"),
                   quoted);
      return;
    }

  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
               _("The bridge address “%s” does not start with an IP address: a bridge line "
                 "needs an IPv4 address or an IPv6 address in brackets, not a host name"),
               quoted);
}

/* Splits @line at runs of spaces and tabs. */
static GPtrArray *
split_tokens (const char *line)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  for (;;)
    {
      gsize length;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        break;
      length = strcspn (p, " \t");
      g_ptr_array_add (tokens, g_strndup (p, length));
      p += length;
    }

  return tokens;
}

static gboolean
check_token_text (const char  *token,
                  GError     **error)
{
  TextProblem problem = check_text (token);
  g_autofree char *quoted = NULL;

  if (problem == TEXT_OK)
    return TRUE;

  quoted = quote (token);
  if (problem == TEXT_CONTROL)
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                 _("“%s” in the bridge line contains a control character"), quoted);
  else
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                 _("“%s” in the bridge line is not valid UTF-8 text"), quoted);
  return FALSE;
}

/* The tokens after the address: an optional fingerprint first, then
 * key=value arguments. */
static gboolean
parse_trailing_tokens (PtBridgeLine  *self,
                       GPtrArray     *tokens,
                       guint          first,
                       GError       **error)
{
  for (guint i = first; i < tokens->len; i++)
    {
      const char *token = g_ptr_array_index (tokens, i);
      const char *equals = strchr (token, '=');
      g_autofree char *key = NULL;
      g_autofree char *quoted = NULL;

      if (equals != NULL)
        {
          if (equals == token)
            {
              quoted = quote (token);
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                           _("The argument “%s” has an empty key"), quoted);
              return FALSE;
            }
          key = g_strndup (token, (gsize) (equals - token));
          if (!add_argument (self, key, equals + 1, token, error))
            return FALSE;
          continue;
        }

      quoted = quote (token);
      if (!looks_like_fingerprint (token))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("“%s” in the bridge line is neither a fingerprint (40 hexadecimal "
                         "digits) nor a key=value argument"),
                       quoted);
          return FALSE;
        }
      if (i != first)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                       _("The fingerprint “%s” must come once, right after the bridge address"),
                       quoted);
          return FALSE;
        }
      self->fingerprint = normalize_fingerprint (token);
    }

  return TRUE;
}

/**
 * pt_bridge_line_parse:
 * @line: a bridge line
 * @error: return location for a #GError, or %NULL
 *
 * Parses a Tor bridge line for a pluggable transport:
 * `[Bridge] TRANSPORT ADDRESS:PORT [FINGERPRINT] [KEY=VALUE ...]`.
 *
 * - A leading `Bridge` keyword, in any case, is accepted and dropped, so a
 *   line copied from a torrc works. The first word is always taken for the
 *   keyword if it is `bridge`: a transport of that name needs it before.
 * - Tokens are separated by runs of spaces and tabs; leading and trailing
 *   ones are ignored. No other control character may appear.
 * - TRANSPORT is a C identifier, such as `obfs4`.
 * - ADDRESS is an IPv4 address, or an IPv6 address in brackets; host names
 *   are refused. PORT is from 1 to 65535.
 * - FINGERPRINT, if present, is 40 hexadecimal digits in either case,
 *   optionally preceded by `$`; it is stored in upper case.
 * - Each KEY=VALUE is split at its first `=`, so values may contain `=`
 *   (base64 padding, for instance). Keys must not be empty nor repeat.
 *   Their order is kept for pt_bridge_line_to_string().
 *
 * Errors are %PT_ERROR_INVALID_ARGUMENT, with a message that says what is
 * wrong and quotes the offending part of @line.
 *
 * Returns: (transfer full): a new #PtBridgeLine, or %NULL on error
 */
PtBridgeLine *
pt_bridge_line_parse (const char  *line,
                      GError     **error)
{
  g_autoptr(PtBridgeLine) self = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  const char *address_token;
  guint next = 0;

  g_return_val_if_fail (line != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _pt_init ();

  tokens = split_tokens (line);
  for (guint i = 0; i < tokens->len; i++)
    {
      if (!check_token_text (g_ptr_array_index (tokens, i), error))
        return NULL;
    }

  if (tokens->len > 0 && g_ascii_strcasecmp (g_ptr_array_index (tokens, 0), "Bridge") == 0)
    next++;

  if (next == tokens->len)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge line is empty: it must be a transport name, an address and "
                     "port, an optional fingerprint and key=value arguments"));
      return NULL;
    }

  self = bridge_line_alloc ();
  self->transport = g_strdup (g_ptr_array_index (tokens, next));
  if (strchr (self->transport, ':') != NULL)
    {
      g_autofree char *quoted = quote (self->transport);

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge line has no transport name before the address “%s”"), quoted);
      return NULL;
    }
  if (!check_transport (self->transport, error))
    return NULL;
  next++;

  if (next == tokens->len)
    {
      g_autofree char *quoted = quote (self->transport);

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge line has no address after the transport “%s”"), quoted);
      return NULL;
    }

  address_token = g_ptr_array_index (tokens, next);
  address = _pt_socket_address_parse (address_token, strlen (address_token), FALSE, NULL);
  if (address == NULL)
    {
      set_address_error (address_token, error);
      return NULL;
    }
  set_address (self, address);
  next++;

  if (!parse_trailing_tokens (self, tokens, next, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Constructing */

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * pt_bridge_line_new:
 * @transport: the transport name, such as "obfs4"
 * @host: the bridge's IPv4 or IPv6 address, without brackets
 * @port: the bridge's port, from 1 to 65535
 * @fingerprint: (nullable): the bridge's identity fingerprint as 40
 *   hexadecimal digits, optionally preceded by `$`, or %NULL
 * @args: (nullable) (element-type utf8 utf8): the per-connection arguments,
 *   or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Makes a bridge line from its parts, such as a server's transport name,
 * public address and `SMETHOD` arguments, checking each part as
 * pt_bridge_line_parse() would. The arguments are copied and ordered by key
 * (byte order); a %NULL value counts as an empty one. Keys must be
 * non-empty and must not contain `=`; neither keys nor values may contain
 * spaces, tabs or other control characters, which a bridge line cannot
 * carry.
 *
 * Errors are %PT_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full): a new #PtBridgeLine, or %NULL on error
 */
PtBridgeLine *
pt_bridge_line_new (const char  *transport,
                    const char  *host,
                    guint16      port,
                    const char  *fingerprint,
                    GHashTable  *args,
                    GError     **error)
{
  g_autoptr(PtBridgeLine) self = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (transport != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _pt_init ();

  if (!check_transport (transport, error))
    return NULL;

  /* g_inet_address_new_from_string() would take a zone id ("fe80::1%eth0"),
   * which the address syntax of a bridge line cannot carry. */
  if (host[0] != '\0' && strchr (host, '%') == NULL)
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_autofree char *quoted = quote (host);

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address: a bridge line needs an IPv4 or IPv6 "
                     "address, not a host name"),
                   quoted);
      return NULL;
    }

  if (port == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("The bridge port is 0, but it must be from 1 to 65535"));
      return NULL;
    }

  if (fingerprint != NULL && !looks_like_fingerprint (fingerprint))
    {
      g_autofree char *quoted = quote (fingerprint);

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a fingerprint: it must be 40 hexadecimal digits"), quoted);
      return NULL;
    }

  self = bridge_line_alloc ();
  self->transport = g_strdup (transport);
  address = g_inet_socket_address_new (inet, port);
  set_address (self, G_INET_SOCKET_ADDRESS (address));
  if (fingerprint != NULL)
    self->fingerprint = normalize_fingerprint (fingerprint);

  if (args != NULL)
    {
      guint n_keys;
      g_autofree const char **keys =
        (const char **) g_hash_table_get_keys_as_array (args, &n_keys);

      qsort (keys, n_keys, sizeof (char *), compare_strings);
      for (guint i = 0; i < n_keys; i++)
        {
          const char *value = g_hash_table_lookup (args, keys[i]);

          if (value == NULL)
            value = "";
          if (!check_argument (keys[i], value, error))
            return NULL;
          g_ptr_array_add (self->keys, g_strdup (keys[i]));
          g_ptr_array_add (self->values, g_strdup (value));
        }
    }

  return g_steal_pointer (&self);
}

/* Accessors */

/**
 * pt_bridge_line_get_transport:
 * @self: a #PtBridgeLine
 *
 * Gets the name of the transport through which the bridge is reached.
 *
 * Returns: the transport name, such as "obfs4"
 */
const char *
pt_bridge_line_get_transport (PtBridgeLine *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->transport;
}

/**
 * pt_bridge_line_get_host:
 * @self: a #PtBridgeLine
 *
 * Gets the bridge's IP address, in the canonical form of
 * g_inet_address_to_string() and without brackets, ready for
 * pt_client_adapter_connect().
 *
 * Returns: the IPv4 or IPv6 address, such as "192.0.2.3" or "2001:db8::1"
 */
const char *
pt_bridge_line_get_host (PtBridgeLine *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->host;
}

/**
 * pt_bridge_line_get_port:
 * @self: a #PtBridgeLine
 *
 * Gets the bridge's port.
 *
 * Returns: the port, from 1 to 65535
 */
guint16
pt_bridge_line_get_port (PtBridgeLine *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

/**
 * pt_bridge_line_get_fingerprint:
 * @self: a #PtBridgeLine
 *
 * Gets the bridge's identity fingerprint, if the line has one.
 *
 * Returns: (nullable): 40 upper-case hexadecimal digits, or %NULL
 */
const char *
pt_bridge_line_get_fingerprint (PtBridgeLine *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->fingerprint;
}

/**
 * pt_bridge_line_dup_args:
 * @self: a #PtBridgeLine
 *
 * Gets the per-connection arguments of the bridge, such as `cert` and
 * `iat-mode` for obfs4, as a new table that can be given to
 * pt_client_adapter_connect(). It is empty when the line has none.
 *
 * Returns: (transfer full) (element-type utf8 utf8): a new table of
 *   argument keys to values
 */
GHashTable *
pt_bridge_line_dup_args (PtBridgeLine *self)
{
  GHashTable *args;

  g_return_val_if_fail (self != NULL, NULL);

  args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < self->keys->len; i++)
    g_hash_table_insert (args, g_strdup (g_ptr_array_index (self->keys, i)),
                         g_strdup (g_ptr_array_index (self->values, i)));
  return args;
}

/**
 * pt_bridge_line_to_string:
 * @self: a #PtBridgeLine
 *
 * Formats @self as a canonical bridge line: no `Bridge` keyword (unless
 * the transport itself is named `bridge`, in any case, as the first word
 * would otherwise be taken for the keyword), single spaces, IPv6 addresses
 * in brackets, the fingerprint in upper case, and the arguments in their
 * order. pt_bridge_line_parse() gives back an equal #PtBridgeLine.
 *
 * Returns: (transfer full): the bridge line
 */
char *
pt_bridge_line_to_string (PtBridgeLine *self)
{
  GString *line;

  g_return_val_if_fail (self != NULL, NULL);

  line = g_string_new (NULL);
  /* A first word "bridge" is the keyword, so a transport of that name
   * needs the keyword before it. */
  if (g_ascii_strcasecmp (self->transport, "Bridge") == 0)
    g_string_append (line, "Bridge ");
  g_string_append (line, self->transport);
  if (self->is_ipv6)
    g_string_append_printf (line, " [%s]:%u", self->host, self->port);
  else
    g_string_append_printf (line, " %s:%u", self->host, self->port);

  if (self->fingerprint != NULL)
    g_string_append_printf (line, " %s", self->fingerprint);

  for (guint i = 0; i < self->keys->len; i++)
    g_string_append_printf (line, " %s=%s",
                            (const char *) g_ptr_array_index (self->keys, i),
                            (const char *) g_ptr_array_index (self->values, i));

  return g_string_free (line, FALSE);
}

/* The value of @key in @self, or NULL. */
static const char *
lookup_argument (PtBridgeLine *self,
                 const char   *key)
{
  for (guint i = 0; i < self->keys->len; i++)
    {
      if (strcmp (g_ptr_array_index (self->keys, i), key) == 0)
        return g_ptr_array_index (self->values, i);
    }
  return NULL;
}

/**
 * pt_bridge_line_equal:
 * @a: a #PtBridgeLine
 * @b: another #PtBridgeLine
 *
 * Compares two bridge lines: they are equal when their transports, hosts,
 * ports and fingerprints are, and they have the same arguments. The order
 * of the arguments does not matter, as it does not for Tor.
 *
 * Returns: %TRUE if @a and @b describe the same bridge
 */
gboolean
pt_bridge_line_equal (PtBridgeLine *a,
                      PtBridgeLine *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (strcmp (a->transport, b->transport) != 0 ||
      strcmp (a->host, b->host) != 0 ||
      a->port != b->port ||
      g_strcmp0 (a->fingerprint, b->fingerprint) != 0 ||
      a->keys->len != b->keys->len)
    return FALSE;

  for (guint i = 0; i < a->keys->len; i++)
    {
      const char *value = lookup_argument (b, g_ptr_array_index (a->keys, i));

      if (value == NULL || strcmp (value, g_ptr_array_index (a->values, i)) != 0)
        return FALSE;
    }

  return TRUE;
}

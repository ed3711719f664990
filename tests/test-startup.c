/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "pt-args-private.h"
#include "pt-error.h"
#include "pt-message-private.h"
#include "pt-startup-private.h"

/*
 * Each case feeds a PtStartup a script of PT stdout lines. Every line but
 * the last must leave the startup going on; the last one must end it as the
 * case says.
 */

/* What _pt_startup_steal_answers() must hold for one transport. */
typedef struct
{
  const char    *transport;
  PtMessageKind  kind;
  const char    *scheme;      /* CMETHOD */
  const char    *address;     /* CMETHOD, SMETHOD */
  const char    *text;        /* CMETHOD-ERROR, SMETHOD-ERROR */
} Answer;

typedef struct
{
  const char      *path;
  PtRole           role;
  const char      *transports[4];
  gboolean         proxy;
  const char      *lines[14];
  PtStartupStatus  status;
  int              code;        /* FAILED */
  const char      *quote;       /* FAILED: the error message contains it */
  const char      *unquoted;    /* FAILED: the error message does not */
  Answer           answers[4];  /* READY: every answer, in any order */
} Case;

#define CLIENT PT_ROLE_CLIENT
#define SERVER PT_ROLE_SERVER
#define READY PT_STARTUP_READY
#define FAILED PT_STARTUP_FAILED

/* Answers */
#define CMETHOD_OK(t, scheme, address) { t, PT_MESSAGE_CMETHOD, scheme, address, NULL }
#define CMETHOD_ERR(t, text) { t, PT_MESSAGE_CMETHOD_ERROR, NULL, NULL, text }
#define SMETHOD_OK(t, address) { t, PT_MESSAGE_SMETHOD, NULL, address, NULL }
#define SMETHOD_ERR(t, text) { t, PT_MESSAGE_SMETHOD_ERROR, NULL, NULL, text }

/* Lines that must change nothing, wherever they come. */
#define NOISE_LOG "LOG SEVERITY=debug MESSAGE=\"Connected to bridge A\""
#define NOISE_STATUS "STATUS TRANSPORT=trebuchet ADDRESS=198.51.100.15:443 PERCENT=42"
#define NOISE_UNKNOWN "FUTURE-KEYWORD with arguments"

static const Case cases[] = {
  /* Client: complete */
  { "/startup/client/ready", CLIENT, { "trebuchet", NULL }, FALSE,
    { "VERSION 1", "CMETHOD trebuchet socks5 127.0.0.1:19999", "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_OK ("trebuchet", "socks5", "127.0.0.1:19999") } },
  { "/startup/client/proxy-confirmed", CLIENT, { "trebuchet", NULL }, TRUE,
    { "VERSION 1", "PROXY DONE", "CMETHOD trebuchet socks4 127.0.0.1:19999", "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_OK ("trebuchet", "socks4", "127.0.0.1:19999") } },
  { "/startup/client/some-launched", CLIENT, { "a", "b", NULL }, FALSE,
    { "VERSION 1", "CMETHOD-ERROR a no rocks available", "CMETHOD b socks5 [::1]:1080",
      "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_ERR ("a", "no rocks available"),
                        CMETHOD_OK ("b", "socks5", "[::1]:1080") } },
  { "/startup/client/any-order", CLIENT, { "a", "b", "c", NULL }, FALSE,
    { "VERSION 1", "CMETHOD c socks5 127.0.0.1:3", "CMETHOD-ERROR a no rocks",
      "CMETHOD b socks4 127.0.0.1:2", "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_ERR ("a", "no rocks"), CMETHOD_OK ("b", "socks4", "127.0.0.1:2"),
                        CMETHOD_OK ("c", "socks5", "127.0.0.1:3") } },
  { "/startup/client/unrequested-ignored", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "CMETHOD x socks5 127.0.0.1:9", "CMETHOD-ERROR y nope",
      "CMETHOD a socks5 127.0.0.1:1", "CMETHOD x socks5 127.0.0.1:9", "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_OK ("a", "socks5", "127.0.0.1:1") } },
  { "/startup/client/unanswered-absent", CLIENT, { "a", "b", NULL }, FALSE,
    { "VERSION 1", "CMETHOD b socks5 127.0.0.1:2", "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_OK ("b", "socks5", "127.0.0.1:2") } },
  { "/startup/client/noise-ignored", CLIENT, { "a", "b", NULL }, TRUE,
    { NOISE_LOG, NOISE_STATUS, NOISE_UNKNOWN, "VERSION 1", NOISE_LOG, "PROXY DONE", NOISE_STATUS,
      "CMETHOD a socks5 127.0.0.1:1", NOISE_UNKNOWN, "CMETHOD-ERROR b no", NOISE_LOG,
      "CMETHODS DONE", NULL },
    READY, .answers = { CMETHOD_OK ("a", "socks5", "127.0.0.1:1"), CMETHOD_ERR ("b", "no") } },

  /* Client: failed */
  { "/startup/client/version-error", CLIENT, { "a", NULL }, FALSE,
    { "VERSION-ERROR no-version", NULL },
    FAILED, PT_ERROR_VERSION, "no-version" },
  { "/startup/client/version-error-after-noise", CLIENT, { "a", NULL }, FALSE,
    { NOISE_LOG, "VERSION-ERROR none of 7, 8", NULL },
    FAILED, PT_ERROR_VERSION, "none of 7, 8" },
  { "/startup/client/env-error-before-version", CLIENT, { "a", NULL }, FALSE,
    { "ENV-ERROR No TOR_PT_STATE_LOCATION", NULL },
    FAILED, PT_ERROR_ENV, "No TOR_PT_STATE_LOCATION" },
  { "/startup/client/env-error-after-version", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "CMETHOD a socks5 127.0.0.1:1", "ENV-ERROR bad TOR_PT_CLIENT_TRANSPORTS", NULL },
    FAILED, PT_ERROR_ENV, "bad TOR_PT_CLIENT_TRANSPORTS" },
  { "/startup/client/version-twice", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "VERSION 1", NULL },
    FAILED, PT_ERROR_PROTOCOL, "VERSION" },
  { "/startup/client/method-before-version", CLIENT, { "a", NULL }, FALSE,
    { "CMETHOD a socks5 127.0.0.1:1", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHOD" },
  { "/startup/client/method-error-before-version", CLIENT, { "a", NULL }, FALSE,
    { "CMETHOD-ERROR a no rocks", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHOD-ERROR" },
  { "/startup/client/done-before-version", CLIENT, { "a", NULL }, FALSE,
    { "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHODS" },
  { "/startup/client/proxy-done-before-version", CLIENT, { "a", NULL }, TRUE,
    { "PROXY DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "PROXY" },
  /* LOG, STATUS and unknown keywords do not stand in for VERSION. */
  { "/startup/client/noise-is-not-version", CLIENT, { "a", NULL }, FALSE,
    { NOISE_LOG, NOISE_STATUS, NOISE_UNKNOWN, "CMETHOD a socks5 127.0.0.1:1", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHOD" },
  { "/startup/client/proxy-error", CLIENT, { "a", NULL }, TRUE,
    { "VERSION 1", "PROXY-ERROR SOCKS 4 upstream proxies unsupported.", NULL },
    FAILED, PT_ERROR_PROXY, "SOCKS 4 upstream proxies unsupported." },
  { "/startup/client/proxy-error-before-version", CLIENT, { "a", NULL }, TRUE,
    { "PROXY-ERROR cannot parse TOR_PT_PROXY", NULL },
    FAILED, PT_ERROR_PROXY, "cannot parse TOR_PT_PROXY" },
  { "/startup/client/proxy-done-twice", CLIENT, { "a", NULL }, TRUE,
    { "VERSION 1", "PROXY DONE", "PROXY DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "PROXY DONE" },
  { "/startup/client/proxy-done-without-proxy", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "PROXY DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "PROXY DONE" },
  /* Fail closed: a transport set up before the proxy is confirmed may
   * connect directly. */
  { "/startup/client/proxy-not-confirmed", CLIENT, { "a", NULL }, TRUE,
    { "VERSION 1", "CMETHOD a socks5 127.0.0.1:1", NULL },
    FAILED, PT_ERROR_PROXY },
  { "/startup/client/proxy-not-confirmed-method-error", CLIENT, { "a", NULL }, TRUE,
    { "VERSION 1", "CMETHOD-ERROR a no rocks", NULL },
    FAILED, PT_ERROR_PROXY },
  { "/startup/client/proxy-not-confirmed-unrequested", CLIENT, { "a", NULL }, TRUE,
    { "VERSION 1", "CMETHOD x socks5 127.0.0.1:9", NULL },
    FAILED, PT_ERROR_PROXY },
  { "/startup/client/proxy-not-confirmed-done", CLIENT, { "a", NULL }, TRUE,
    { "VERSION 1", "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_PROXY },
  { "/startup/client/duplicate-answer", CLIENT, { "a", "trebuchet", NULL }, FALSE,
    { "VERSION 1", "CMETHOD trebuchet socks5 127.0.0.1:1", "CMETHOD trebuchet socks5 127.0.0.1:2", NULL },
    FAILED, PT_ERROR_PROTOCOL, "trebuchet" },
  { "/startup/client/duplicate-answer-error-then-method", CLIENT, { "trebuchet", NULL }, FALSE,
    { "VERSION 1", "CMETHOD-ERROR trebuchet no rocks", "CMETHOD trebuchet socks5 127.0.0.1:2", NULL },
    FAILED, PT_ERROR_PROTOCOL, "trebuchet" },
  { "/startup/client/smethod", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "SMETHOD a 198.51.100.1:1", NULL },
    FAILED, PT_ERROR_PROTOCOL, "SMETHOD" },
  { "/startup/client/smethod-error", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "SMETHOD-ERROR a no cows", NULL },
    FAILED, PT_ERROR_PROTOCOL, "SMETHOD-ERROR" },
  { "/startup/client/smethods-done", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "CMETHOD a socks5 127.0.0.1:1", "SMETHODS DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "SMETHODS" },
  /* The error quotes the first requested transport, not the first answer. */
  { "/startup/client/all-methods-failed", CLIENT, { "a", "b", NULL }, FALSE,
    { "VERSION 1", "CMETHOD-ERROR b no cows", "CMETHOD-ERROR a no rocks available", "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_METHOD, "no rocks available", "no cows" },
  { "/startup/client/no-answers", CLIENT, { "trebuchet", "catapult", NULL }, FALSE,
    { "VERSION 1", "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_UNKNOWN_TRANSPORT, "trebuchet" },
  { "/startup/client/only-unrequested-answers", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", "CMETHOD x socks5 127.0.0.1:9", "CMETHOD-ERROR y no", "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_UNKNOWN_TRANSPORT },
  { "/startup/client/only-noise", CLIENT, { "a", NULL }, FALSE,
    { "VERSION 1", NOISE_LOG, NOISE_STATUS, NOISE_UNKNOWN, "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_UNKNOWN_TRANSPORT },

  /* Server: complete */
  { "/startup/server/ready", SERVER, { "rot_by_N", NULL }, FALSE,
    { "VERSION 1", "SMETHOD rot_by_N 198.51.100.1:2323 ARGS:N=13", "SMETHODS DONE", NULL },
    READY, .answers = { SMETHOD_OK ("rot_by_N", "198.51.100.1:2323") } },
  { "/startup/server/some-launched-any-order", SERVER, { "a", "b", "c", NULL }, FALSE,
    { "VERSION 1", NOISE_LOG, "SMETHOD c [::]:443", "SMETHOD x 198.51.100.1:9", NOISE_STATUS,
      "SMETHOD-ERROR a no cows available", "SMETHODS DONE", NULL },
    READY, .answers = { SMETHOD_OK ("c", "[::]:443"), SMETHOD_ERR ("a", "no cows available") } },

  /* Server: failed */
  { "/startup/server/version-error", SERVER, { "a", NULL }, FALSE,
    { "VERSION-ERROR no-version", NULL },
    FAILED, PT_ERROR_VERSION, "no-version" },
  { "/startup/server/env-error", SERVER, { "a", NULL }, FALSE,
    { "ENV-ERROR No TOR_PT_AUTH_COOKIE_FILE when TOR_PT_EXTENDED_SERVER_PORT set", NULL },
    FAILED, PT_ERROR_ENV, "No TOR_PT_AUTH_COOKIE_FILE when TOR_PT_EXTENDED_SERVER_PORT set" },
  { "/startup/server/method-before-version", SERVER, { "a", NULL }, FALSE,
    { "SMETHOD a 198.51.100.1:1", NULL },
    FAILED, PT_ERROR_PROTOCOL, "SMETHOD" },
  { "/startup/server/proxy-done", SERVER, { "a", NULL }, FALSE,
    { "VERSION 1", "PROXY DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "PROXY" },
  /* PROXY-ERROR is a client message too (pt-spec 3.3.2). */
  { "/startup/server/proxy-error", SERVER, { "a", NULL }, FALSE,
    { "VERSION 1", "PROXY-ERROR no proxy", NULL },
    FAILED, PT_ERROR_PROTOCOL, "PROXY-ERROR" },
  { "/startup/server/proxy-error-before-version", SERVER, { "a", NULL }, FALSE,
    { "PROXY-ERROR no proxy", NULL },
    FAILED, PT_ERROR_PROTOCOL, "PROXY-ERROR" },
  { "/startup/server/cmethod", SERVER, { "a", NULL }, FALSE,
    { "VERSION 1", "CMETHOD a socks5 127.0.0.1:1", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHOD" },
  { "/startup/server/cmethod-error", SERVER, { "a", NULL }, FALSE,
    { "VERSION 1", "CMETHOD-ERROR a no rocks", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHOD-ERROR" },
  { "/startup/server/cmethods-done", SERVER, { "a", NULL }, FALSE,
    { "VERSION 1", "SMETHOD a 198.51.100.1:1", "CMETHODS DONE", NULL },
    FAILED, PT_ERROR_PROTOCOL, "CMETHODS" },
  { "/startup/server/duplicate-answer", SERVER, { "a", NULL }, FALSE,
    { "VERSION 1", "SMETHOD a 198.51.100.1:1", "SMETHOD-ERROR a no cows", NULL },
    FAILED, PT_ERROR_PROTOCOL, "“a”" },
  { "/startup/server/all-methods-failed", SERVER, { "a", "b", NULL }, FALSE,
    { "VERSION 1", "SMETHOD-ERROR b no rocks", "SMETHOD-ERROR a no cows available", "SMETHODS DONE", NULL },
    FAILED, PT_ERROR_METHOD, "no cows available", "no rocks" },
  { "/startup/server/no-answers", SERVER, { "trebuchet", NULL }, FALSE,
    { "VERSION 1", "SMETHOD x 198.51.100.1:9", "SMETHODS DONE", NULL },
    FAILED, PT_ERROR_UNKNOWN_TRANSPORT, "trebuchet" },
};

static PtMessage *
parse (const char *line)
{
  g_autoptr(GError) error = NULL;
  PtMessage *message = _pt_message_parse (line, strlen (line), &error);

  g_assert_no_error (error);
  return message;
}

static void
assert_answers (GHashTable   *answers,
                const Answer *expected)
{
  guint n_expected = 0;

  for (; expected[n_expected].transport != NULL; n_expected++)
    {
      const Answer *want = &expected[n_expected];
      const PtMessage *got = g_hash_table_lookup (answers, want->transport);

      g_assert_nonnull (got);
      g_assert_cmpstr (got->transport, ==, want->transport);
      g_assert_cmpint (got->kind, ==, want->kind);
      g_assert_cmpstr (got->scheme, ==, want->scheme);
      g_assert_cmpstr (got->text, ==, want->text);
      if (want->address == NULL)
        g_assert_null (got->address);
      else
        {
          g_autofree char *address = _pt_socket_address_to_string (got->address);

          g_assert_cmpstr (address, ==, want->address);
        }
    }

  g_assert_cmpuint (g_hash_table_size (answers), ==, n_expected);
}

static void
test_case (gconstpointer data)
{
  const Case *test = data;
  g_autoptr(PtStartup) startup = _pt_startup_new (test->role, test->transports, test->proxy);
  g_autoptr(GError) error = NULL;
  PtStartupStatus status = PT_STARTUP_CONTINUE;

  for (guint i = 0; test->lines[i] != NULL; i++)
    {
      g_assert_cmpint (status, ==, PT_STARTUP_CONTINUE);
      g_assert_no_error (error);
      status = _pt_startup_handle (startup, parse (test->lines[i]), &error);
    }

  g_assert_cmpint (status, ==, test->status);

  if (status == PT_STARTUP_FAILED)
    {
      g_assert_error (error, PT_ERROR, test->code);
      if (test->quote != NULL)
        g_assert_nonnull (strstr (error->message, test->quote));
      if (test->unquoted != NULL)
        g_assert_null (strstr (error->message, test->unquoted));
    }
  else
    {
      g_autoptr(GHashTable) answers = NULL;

      g_assert_no_error (error);
      answers = _pt_startup_steal_answers (startup);
      assert_answers (answers, test->answers);
    }
}

/* The startup owns what it was fed: an unrequested answer, noise and the
 * answers it keeps are freed with it when nobody steals them (valgrind). */
static void
test_free_unfinished (void)
{
  const char * const transports[] = { "a", NULL };
  PtStartup *startup = _pt_startup_new (PT_ROLE_CLIENT, transports, FALSE);
  const char * const lines[] = {
    "VERSION 1", NOISE_LOG, NOISE_STATUS, "CMETHOD x socks5 127.0.0.1:9",
    "CMETHOD a socks5 127.0.0.1:1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_assert_cmpint (_pt_startup_handle (startup, parse (lines[i]), NULL), ==, PT_STARTUP_CONTINUE);

  _pt_startup_free (startup);
  _pt_startup_free (NULL);
}

/* Feeding a finished startup is a programmer error; the message is still
 * taken. */
static void
test_handle_after_ready (void)
{
  const char * const transports[] = { "a", NULL };
  g_autoptr(PtStartup) startup = _pt_startup_new (PT_ROLE_CLIENT, transports, FALSE);
  g_autoptr(GHashTable) answers = NULL;

  g_assert_cmpint (_pt_startup_handle (startup, parse ("VERSION 1"), NULL), ==, PT_STARTUP_CONTINUE);
  g_assert_cmpint (_pt_startup_handle (startup, parse ("CMETHOD a socks5 127.0.0.1:1"), NULL),
                   ==, PT_STARTUP_CONTINUE);
  g_assert_cmpint (_pt_startup_handle (startup, parse ("CMETHODS DONE"), NULL), ==, PT_STARTUP_READY);

  g_test_expect_message ("Pt", G_LOG_LEVEL_CRITICAL, "*!self->finished*");
  g_assert_cmpint (_pt_startup_handle (startup, parse ("CMETHOD a socks5 127.0.0.1:2"), NULL),
                   ==, PT_STARTUP_FAILED);
  g_test_assert_expected_messages ();

  answers = _pt_startup_steal_answers (startup);
  g_assert_cmpuint (g_hash_table_size (answers), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], test_case);
  g_test_add_func ("/startup/free-unfinished", test_free_unfinished);
  g_test_add_func ("/startup/handle-after-ready", test_handle_after_ready);

  return g_test_run ();
}

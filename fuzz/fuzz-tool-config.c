/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "pt-tool-config.h"

/*
 * The tool's INI configuration: arbitrary bytes parsed for each role. A
 * configuration that loads must have what the tool then relies on; one
 * that does not gives an error in PT_TOOL_CONFIG_ERROR.
 */

static void
check_host_port (const char *host,
                 guint16     port,
                 gboolean    port_zero_allowed)
{
  FUZZ_CHECK (host != NULL && host[0] != '\0' && host[0] != '[');
  FUZZ_CHECK (g_utf8_validate (host, -1, NULL));
  FUZZ_CHECK (port != 0 || port_zero_allowed);
}

static void
check_config (const PtToolConfig *config,
              PtToolRole          role)
{
  FUZZ_CHECK (config->role == role);
  FUZZ_CHECK (g_strcmp0 (config->path, "fuzz.ini") == 0);
  FUZZ_CHECK (config->pt_exec != NULL && config->pt_exec[0] != NULL);
  FUZZ_CHECK (config->pt_exec[0][0] != '\0');
  FUZZ_CHECK (config->state == NULL || g_path_is_absolute (config->state));
  if (role == PT_TOOL_ROLE_CLIENT)
    FUZZ_CHECK (config->forward_host == NULL);
  else
    check_host_port (config->forward_host, config->forward_port, FALSE);
  if (role != PT_TOOL_ROLE_CLIENT)
    FUZZ_CHECK (config->proxy == NULL);

  FUZZ_CHECK (config->tunnels != NULL && config->tunnels->len > 0);
  for (guint i = 0; i < config->tunnels->len; i++)
    {
      const PtToolTunnel *tunnel = g_ptr_array_index (config->tunnels, i);
      GHashTableIter iter;
      gpointer key, value;

      FUZZ_CHECK (tunnel->section != NULL);
      FUZZ_CHECK (tunnel->transport != NULL && tunnel->transport[0] != '\0');
      check_host_port (tunnel->listen_host, tunnel->listen_port, TRUE);
      if (role == PT_TOOL_ROLE_CLIENT)
        check_host_port (tunnel->upstream_host, tunnel->upstream_port, FALSE);
      else
        FUZZ_CHECK (tunnel->upstream_host == NULL);

      FUZZ_CHECK (tunnel->options != NULL);
      g_hash_table_iter_init (&iter, tunnel->options);
      while (g_hash_table_iter_next (&iter, &key, &value))
        FUZZ_CHECK (key != NULL && *(const char *) key != '\0' && value != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const PtToolRole roles[] = {
    PT_TOOL_ROLE_CLIENT, PT_TOOL_ROLE_SERVER, PT_TOOL_ROLE_EXT_SERVER,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtToolConfig) config =
        pt_tool_config_parse ((const char *) data, size, "fuzz.ini", roles[i], &error);

      if (config == NULL)
        {
          FUZZ_CHECK (error != NULL && error->domain == PT_TOOL_CONFIG_ERROR);
          FUZZ_CHECK (error->code != PT_TOOL_CONFIG_ERROR_READ);
          fuzz_check_error (error, PT_TOOL_CONFIG_ERROR, error->code);
          continue;
        }
      FUZZ_CHECK (error == NULL);
      check_config (config, roles[i]);
    }

  return 0;
}

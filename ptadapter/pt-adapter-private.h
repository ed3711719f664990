/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pt-adapter.h"
#include "pt-message-private.h"
#include "pt-startup-private.h"

G_BEGIN_DECLS

/*
 * What a concrete adapter (client, server, ExtORPort server) adds to the
 * shared lifecycle. Set once from the subclass's instance init.
 */
typedef struct
{
  PtRole role;

  /* The transport names the PT is asked for. */
  const char * const *(*get_transports) (PtAdapter *self);

  /* TRUE when an upstream proxy was given (the PT must confirm it). May be
   * NULL: no proxy. */
  gboolean (*get_proxy_requested) (PtAdapter *self);

  /* Checks the configuration and appends the role's variables to
   * @environment (with _pt_environment_add()). Runs at start, before the PT
   * is spawned; a failure fails the start. */
  gboolean (*prepare) (PtAdapter   *self,
                       GPtrArray   *environment,
                       GError     **error);

  /* Makes the value object for a transport the PT launched, from its
   * CMETHOD / SMETHOD message. */
  GObject *(*create_transport) (PtAdapter       *self,
                                const PtMessage *answer);

  /* The run is over: the PT has exited, or was never spawned. Undo what
   * prepare() set up. May be NULL. */
  void (*cleanup) (PtAdapter *self);
} PtAdapterOps;

void      _pt_adapter_set_ops          (PtAdapter           *self,
                                        const PtAdapterOps  *ops);

/* The transport object made by create_transport() while the adapter is
 * running (transfer full). Errors: PT_ERROR_INVALID_STATE (not started yet,
 * or still starting), PT_ERROR_EXITED (stopping, stopped or failed),
 * PT_ERROR_UNKNOWN_TRANSPORT (not requested, or not answered), PT_ERROR_METHOD
 * (the PT's -ERROR line, quoted). Safe to call from any thread. */
GObject  *_pt_adapter_lookup_transport (PtAdapter           *self,
                                        const char          *name,
                                        GError             **error);

/* Appends "NAME=value" to an environment being built. */
void      _pt_environment_add          (GPtrArray           *environment,
                                        const char          *name,
                                        const char          *value);

G_END_DECLS

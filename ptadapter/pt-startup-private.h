/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "pt-message-private.h"

G_BEGIN_DECLS

/*
 * The order rules of a PT's startup (pt-spec 3.3.1 - 3.3.3): VERSION first,
 * PROXY DONE before any method when a proxy was given, one answer per
 * requested transport, then *METHODS DONE. Pure: fed with parsed messages,
 * it decides whether the startup goes on, is complete or has failed.
 */

typedef enum
{
  PT_ROLE_CLIENT,
  PT_ROLE_SERVER,
} PtRole;

typedef enum
{
  PT_STARTUP_CONTINUE,
  PT_STARTUP_READY,
  PT_STARTUP_FAILED,
} PtStartupStatus;

typedef struct _PtStartup PtStartup;

PtStartup       *_pt_startup_new              (PtRole              role,
                                               const char * const *transports,
                                               gboolean            proxy_requested);
void             _pt_startup_free             (PtStartup          *self);

/* Takes @message. LOG, STATUS and unknown messages never change anything.
 * On PT_STARTUP_FAILED, @error says why (PT_ERROR_VERSION, _ENV, _PROXY,
 * _METHOD, _UNKNOWN_TRANSPORT or _PROTOCOL). Feeding after READY or FAILED
 * is a programmer error. */
PtStartupStatus  _pt_startup_handle           (PtStartup          *self,
                                               PtMessage          *message,
                                               GError            **error);

/* After READY: transport name -> the PtMessage that answered for it (a
 * CMETHOD / SMETHOD, or a CMETHOD-ERROR / SMETHOD-ERROR). Requested
 * transports that the PT did not answer are absent. */
GHashTable      *_pt_startup_steal_answers    (PtStartup          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtStartup, _pt_startup_free)

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(PT_INSIDE) && !defined(PT_COMPILATION)
# error "Only <ptadapter/ptadapter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <ptadapter/pt-version-macros.h>

G_BEGIN_DECLS

/**
 * PtAdapterState:
 * @PT_ADAPTER_STATE_NEW: created, never started
 * @PT_ADAPTER_STATE_STARTING: the PT has been spawned and has not yet
 *   answered for every requested transport
 * @PT_ADAPTER_STATE_RUNNING: the PT is ready and its transports can be used
 * @PT_ADAPTER_STATE_STOPPING: the PT is being asked to exit
 * @PT_ADAPTER_STATE_STOPPED: the PT was stopped by pt_adapter_stop_async()
 * @PT_ADAPTER_STATE_FAILED: the PT failed to start, or exited on its own
 *
 * The lifecycle of a #PtAdapter. It moves from %PT_ADAPTER_STATE_NEW through
 * %PT_ADAPTER_STATE_STARTING to %PT_ADAPTER_STATE_RUNNING, and ends in
 * %PT_ADAPTER_STATE_STOPPED or %PT_ADAPTER_STATE_FAILED, from where it can be
 * started again.
 */
typedef enum
{
  PT_ADAPTER_STATE_NEW,
  PT_ADAPTER_STATE_STARTING,
  PT_ADAPTER_STATE_RUNNING,
  PT_ADAPTER_STATE_STOPPING,
  PT_ADAPTER_STATE_STOPPED,
  PT_ADAPTER_STATE_FAILED,
} PtAdapterState;

/**
 * PtLogSeverity:
 * @PT_LOG_SEVERITY_ERROR: `SEVERITY=error`
 * @PT_LOG_SEVERITY_WARNING: `SEVERITY=warning`
 * @PT_LOG_SEVERITY_NOTICE: `SEVERITY=notice`
 * @PT_LOG_SEVERITY_INFO: `SEVERITY=info`
 * @PT_LOG_SEVERITY_DEBUG: `SEVERITY=debug`
 *
 * The severity of a `LOG` message from the PT, as given in its `SEVERITY`
 * field.
 */
typedef enum
{
  PT_LOG_SEVERITY_ERROR,
  PT_LOG_SEVERITY_WARNING,
  PT_LOG_SEVERITY_NOTICE,
  PT_LOG_SEVERITY_INFO,
  PT_LOG_SEVERITY_DEBUG,
} PtLogSeverity;

/**
 * PT_TYPE_ADAPTER:
 *
 * The #GType of #PtAdapter.
 */
#define PT_TYPE_ADAPTER (pt_adapter_get_type ())

/**
 * PtAdapter:
 *
 * A pluggable transport process and its lifecycle; the base of the client
 * and server adapters. Its fields are private.
 */
PT_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (PtAdapter, pt_adapter, PT, ADAPTER, GObject)

/**
 * PtAdapterClass:
 * @parent_class: the parent class
 *
 * The class of #PtAdapter. It cannot be derived from outside ptadapter;
 * use #PtClientAdapter, #PtServerAdapter or #PtExtServerAdapter.
 */
struct _PtAdapterClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[12];
};

PT_AVAILABLE_IN_ALL
const char * const *pt_adapter_get_pt_exec              (PtAdapter           *self);
PT_AVAILABLE_IN_ALL
const char         *pt_adapter_get_state_location       (PtAdapter           *self);
PT_AVAILABLE_IN_ALL
gboolean            pt_adapter_get_exit_on_stdin_close  (PtAdapter           *self);
PT_AVAILABLE_IN_ALL
guint               pt_adapter_get_start_timeout        (PtAdapter           *self);
PT_AVAILABLE_IN_ALL
void                pt_adapter_set_start_timeout        (PtAdapter           *self,
                                                         guint                timeout_ms);
PT_AVAILABLE_IN_ALL
guint               pt_adapter_get_stop_timeout         (PtAdapter           *self);
PT_AVAILABLE_IN_ALL
void                pt_adapter_set_stop_timeout         (PtAdapter           *self,
                                                         guint                timeout_ms);
PT_AVAILABLE_IN_ALL
const char         *pt_adapter_get_outbound_bind_address_v4 (PtAdapter       *self);
PT_AVAILABLE_IN_ALL
void                pt_adapter_set_outbound_bind_address_v4 (PtAdapter       *self,
                                                             const char      *address);
PT_AVAILABLE_IN_ALL
const char         *pt_adapter_get_outbound_bind_address_v6 (PtAdapter       *self);
PT_AVAILABLE_IN_ALL
void                pt_adapter_set_outbound_bind_address_v6 (PtAdapter       *self,
                                                             const char      *address);
PT_AVAILABLE_IN_ALL
PtAdapterState      pt_adapter_get_state                (PtAdapter           *self);
PT_AVAILABLE_IN_ALL
const char         *pt_adapter_get_identifier           (PtAdapter           *self);

PT_AVAILABLE_IN_ALL
void                pt_adapter_start_async              (PtAdapter           *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
PT_AVAILABLE_IN_ALL
gboolean            pt_adapter_start_finish             (PtAdapter           *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
PT_AVAILABLE_IN_ALL
void                pt_adapter_stop_async               (PtAdapter           *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
PT_AVAILABLE_IN_ALL
gboolean            pt_adapter_stop_finish              (PtAdapter           *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
PT_AVAILABLE_IN_ALL
void                pt_adapter_wait_async               (PtAdapter           *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
PT_AVAILABLE_IN_ALL
gboolean            pt_adapter_wait_finish              (PtAdapter           *self,
                                                         GAsyncResult        *result,
                                                         int                 *wait_status,
                                                         GError             **error);

G_END_DECLS

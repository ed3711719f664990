/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define PT_INSIDE
# include <ptadapter/pt-version-macros.h>
# include <ptadapter/pt-version.h>
# include <ptadapter/pt-enums.h>
# include <ptadapter/pt-error.h>
# include <ptadapter/pt-adapter.h>
# include <ptadapter/pt-client-transport.h>
# include <ptadapter/pt-client-adapter.h>
# include <ptadapter/pt-server-transport.h>
# include <ptadapter/pt-server-adapter.h>
# include <ptadapter/pt-ext-or-port-client-info.h>
# include <ptadapter/pt-ext-or-port-request.h>
# include <ptadapter/pt-ext-server-adapter.h>
# include <ptadapter/pt-bridge-line.h>
#undef PT_INSIDE

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pt-error.h"

/**
 * SECTION:pt-error
 * @title: Errors
 * @short_description: The %PT_ERROR domain
 *
 * Every failure that ptadapter itself detects is reported as a #GError in
 * the %PT_ERROR domain. Failures of the operating system and of GIO (a
 * refused TCP connection, a SOCKS reply) keep their own domain, usually
 * %G_IO_ERROR, with a message that says what ptadapter was doing.
 */

/**
 * pt_error_quark:
 *
 * Gets the error domain of ptadapter.
 *
 * Returns: the #GQuark of %PT_ERROR
 */
G_DEFINE_QUARK (pt-error-quark, pt_error)

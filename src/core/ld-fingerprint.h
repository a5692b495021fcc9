// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* A fingerprint names what went wrong, not one occurrence of it, so that
 * records of the same error group together:
 *
 * - with a traceback: "exc:" and the exception type (the last line's
 *   "Type:" part; for Java-style traces, the last "Caused by:"), then one
 *   line per frame, outermost first: File "x", line N, in f becomes
 *   "x in f", and "at pkg.Class.method(File.java:12)" becomes
 *   "pkg.Class.method(File.java:#)". Line numbers are left out because they
 *   move with every deploy while the file and function stay; digits in
 *   paths are masked too (python3.11, releases/20261120). Frames repeated
 *   by recursion count once, and only the innermost 50 are kept.
 * - with an exception but no frames: "exc:", the type, and the masked
 *   message.
 * - otherwise: "msg:" and the message's first line, masked: UUIDs become
 *   <uuid>, 0x… and long hex ids <hex>, quoted text <str>, and every run of
 *   digits #, with runs of white space made one space.
 *
 * "Connection to 10.0.0.7:5432 lost after 3 retries (id 'a1b2')" and
 * "Connection to 10.0.0.9:5432 lost after 12 retries (id 'ffee')" share
 * "msg:Connection to #.#.#.#:# lost after # retries (id <str>)". */

#define LD_FINGERPRINT_MAX_FRAMES 50

void      ld_fingerprint_append           (GString        *fingerprint,
                                           const LdRecord *record);
char     *ld_fingerprint_compute          (const LdRecord *record);
void      ld_fingerprint_mask             (GString        *out,
                                           const char     *text,
                                           gsize           length);
char     *ld_fingerprint_exception_type   (const char     *exception,
                                           gsize           length);

G_END_DECLS

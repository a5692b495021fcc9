// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Case-insensitive substring search, as the query language defines it.
 *
 * The needle is folded once. If every folded character is ASCII, the search
 * folds only ASCII letters (A-Z = a-z) and runs over bytes, 16 at a time
 * where SSE2 is there; a non-ASCII character of the text then never matches
 * anything in the needle, so "Kelvin sign" K does not match "k". If the
 * needle has a non-ASCII character, both sides are folded character by
 * character with Unicode simple case mapping, one character for one
 * (lower (upper (c))): É = é, Σ = σ = ς, µ = μ, ẞ = ß, but ß ≠ ss. Texts
 * without a single non-ASCII byte are rejected without decoding them.
 *
 * The text must be valid UTF-8, as everything in the store is. */
typedef struct _LdTextNeedle LdTextNeedle;

LdTextNeedle *ld_text_needle_new          (const char         *needle,
                                           gssize              length);
void          ld_text_needle_free         (LdTextNeedle       *needle);
const char   *ld_text_needle_get_folded   (const LdTextNeedle *needle);
gboolean      ld_text_needle_find         (const LdTextNeedle *needle,
                                           const char         *text,
                                           gsize               length,
                                           gsize              *start,
                                           gsize              *end);
gboolean      ld_text_has_non_ascii       (const char         *text,
                                           gsize               length);
gunichar      ld_text_fold_char           (gunichar            c);
char         *ld_regex_required_literal   (const char         *pattern);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdTextNeedle, ld_text_needle_free)

G_END_DECLS

/* output/output_int.h: private to the output stage. Escapers that append to a buffer (the table
 * measures and truncates escaped cells), a level name that is never NULL, and the table's
 * width override for tests.
 * SPDX-License-Identifier: MIT */
#ifndef MW_OUTPUT_INT_H
#define MW_OUTPUT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/str.h"
#include "output/output.h"

/* Same as mw_term_escape, appending to buf. The result is always valid UTF-8. */
void mw_term_escape_buf(struct mw_buf *buf, const char *s, size_t len);

/* Length (1-4) of the well-formed UTF-8 sequence at p, with its code point in *cp; 0 when the
 * bytes there are not one (the validator every escaper of this stage uses). */
size_t mw_output_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);

/* mw_level_name(), or "unknown" for a level outside enum mw_level. */
const char *mw_output_level_name(int level);

/* Sets the terminal width the table truncates rows to (0: full text, as when not a terminal).
 * state is what mw_sink_table.open returned. */
void mw_table_set_width(void *state, unsigned width);

/* The playbook object of an incident (output/jsonl.c), for the JSON Lines sink and its tests. */
void mw_jsonl_put_playbook(FILE *f, const struct mw_playbook_result *p);

#endif

/* decode/json_int.h: private to decode/: the resumable structural scanner that the JSON
 * iterator (json_scan.c) uses to skip nested values and the JSON framer (json_frame.c) uses to
 * find where a value ends in a stream that arrives in pieces.
 * SPDX-License-Identifier: MIT */
#ifndef MW_JSON_INT_H
#define MW_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mw_vscan_mode {
    MW_VS_START,  /* nothing read yet */
    MW_VS_NEST,   /* inside brackets, outside strings */
    MW_VS_STRING, /* inside a string */
    MW_VS_ESCAPE, /* just after a backslash */
    MW_VS_HEX,    /* inside the 4 hex digits of \uXXXX */
    MW_VS_SCALAR, /* a top-level number or literal */
    MW_VS_DONE,
};

struct mw_vscan {
    uint64_t stack;    /* bit d set when nesting level d+1 is an object, clear for an array */
    uint64_t newlines; /* LF bytes seen inside the value so far */
    unsigned depth;    /* open brackets */
    unsigned hex_left; /* hex digits still expected in MW_VS_HEX */
    int mode;          /* enum mw_vscan_mode */
    /* Set by the caller: a line whose first non-blank byte is a '{' that cannot stand there
     * (where an object key or a ',' is expected) ends the value as broken (see broke). */
    bool line_break;
    bool broke;    /* the value was ended by such a line: *used stops at its '{' */
    bool nl_wait;  /* private: a line began at the end of the last bytes fed */
    char nl_prev;  /* private: last byte before that line that is not white space (0: unknown) */
    char tail_sig; /* private: last byte fed before this feed that is not white space */
};

void mw_vscan_init(struct mw_vscan *v);
/* Feeds the next n bytes of one value (the first byte fed must be the value's first byte).
 * Returns MW_DONE when the value ended (*used: bytes up to and including its last byte; a
 * top-level number or literal ends before the first byte that cannot belong to it), MW_OK when
 * all n bytes were used and the value goes on, MW_E_MALFORMED (bad string, unbalanced or
 * mismatched bracket, a byte that cannot appear outside strings; with line_break also a line
 * that starts a new object where none can start, then broke is set) or MW_E_LIMIT (nesting
 * deeper than MW_JSON_MAX_DEPTH); then *used counts the bytes before the offending one. */
int mw_vscan_feed(struct mw_vscan *v, const char *p, size_t n, size_t *used);
/* At the end of input: MW_DONE when the value is complete there (a bare number or literal),
 * else MW_E_TRUNCATED. */
int mw_vscan_finish(const struct mw_vscan *v);
/* First byte in [p, end) that is '"', '\\' or a control character (< 0x20), or end. */
const char *mw_json_find_special(const char *p, const char *end);

#endif

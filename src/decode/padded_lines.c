/* decode/padded_lines.c: lines for the line-framed decoders (W3C, syslog), with NUL padding at the
 * start of a line (a log file preallocated, then cut short by a crash) reported once and the text
 * after it read as a line of its own (docs/formats/w3c.md and docs/formats/syslog.md, Traps).
 * SPDX-License-Identifier: MIT */
#include "core/status.h"
#include "decode/decode.h"

void mw_padded_lines_init(struct mw_padded_lines *pl, struct mw_stream *s)
{
    mw_line_reader_init(&pl->lines, s);
    pl->rest = MW_STR_NULL;
    pl->rest_line = 0;
    pl->rest_off = 0;
}

int mw_padded_line_next(struct mw_padded_lines *pl, struct mw_str *line, uint64_t *line_no,
                        uint64_t *offset, struct mw_diag *diag)
{
    if (pl->rest.ptr) {
        *line = pl->rest;
        *line_no = pl->rest_line;
        *offset = pl->rest_off;
        pl->rest = MW_STR_NULL;
        return MW_OK;
    }
    int rc = mw_line_next(&pl->lines, line, line_no, offset, diag);
    if (rc != MW_OK) {
        return rc;
    }
    size_t k = 0;
    while (k < line->len && (line->ptr[k] == ' ' || line->ptr[k] == '\t')) {
        k++;
    }
    if (k == line->len || line->ptr[k] != '\0') {
        return MW_OK;
    }
    size_t start = k;
    while (k < line->len && line->ptr[k] == '\0') {
        k++;
    }
    pl->rest = k < line->len ? mw_str_make(line->ptr + k, line->len - k) : MW_STR_NULL;
    pl->rest_line = *line_no;
    pl->rest_off = *offset + k;
    return mw_diag_set(diag, MW_E_MALFORMED, "%zu NUL bytes of padding skipped", k - start);
}

/* output/event_json.c: one normalized event as JSON, as `mailward parse` prints it and
 * `mailward search --format jsonl` prints its matches.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "core/time.h"
#include "event/event.h"
#include "output/output.h"

static void put_str(FILE *out, struct mw_str s)
{
    mw_json_put_str(out, s.ptr ? s.ptr : "", s.len);
}

void mw_event_put_json(FILE *out, const struct mw_event *ev)
{
    fputs("{\"source\":", out);
    mw_json_put_cstr(out, ev->source);
    fputs(",\"logsource\":{\"product\":", out);
    mw_json_put_cstr(out, ev->logsource ? ev->logsource->product : NULL);
    fputs(",\"service\":", out);
    mw_json_put_cstr(out, ev->logsource ? ev->logsource->service : NULL);
    fputs(",\"category\":", out);
    mw_json_put_cstr(out, ev->logsource ? ev->logsource->category : NULL);
    fputs("},\"file\":", out);
    mw_json_put_cstr(out, ev->origin.path);
    fprintf(out, ",\"line\":%llu,\"offset\":%llu,\"time\":", (unsigned long long)ev->origin.line,
            (unsigned long long)ev->origin.offset);
    if (ev->has_time) {
        char t[40];
        mw_time_format(ev->time_ns, t, sizeof t);
        mw_json_put_cstr(out, t);
    } else {
        fputs("null", out);
    }
    fputs(",\"time_raw\":", out);
    if (ev->time_raw.ptr) {
        put_str(out, ev->time_raw);
    } else {
        fputs("null", out);
    }
    fputs(",\"fields\":{", out);
    for (uint32_t i = 0; i < ev->nset; i++) {
        int id = (int)ev->set_ids[i];
        const struct mw_fieldval *fv = mw_event_get(ev, id);
        if (i) {
            fputc(',', out);
        }
        mw_json_put_cstr(out, mw_fieldtab_name(ev->fields, id));
        fputc(':', out);
        if (fv->state != MW_VAL_PRESENT) {
            fputs("null", out);
        } else if (fv->n == 1) {
            put_str(out, fv->v0);
        } else {
            fputc('[', out);
            for (uint32_t k = 0; k < fv->n; k++) {
                if (k) {
                    fputc(',', out);
                }
                put_str(out, mw_fieldval_at(fv, k));
            }
            fputc(']', out);
        }
    }
    fputc('}', out);
}

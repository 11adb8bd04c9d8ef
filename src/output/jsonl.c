/* output/jsonl.c: the JSON Lines sink, one compact alert object per line, and the run's summary
 * object last, in the stable key order of docs/schema.md (a public contract SIEMs parse; never
 * reorder, rename or drop keys). SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/time.h"
#include "output/output.h"
#include "output/output_int.h"

#define JSONL_SCHEMA_VERSION 1

struct jsonl_state {
    FILE *out;
    int min_level;
};

static void put_time(FILE *f, int64_t ns)
{
    char buf[40];
    int n = mw_time_format(ns, buf, sizeof(buf));
    if (n <= 0 || (size_t)n >= sizeof(buf)) {
        fputs("null", f);
        return;
    }
    mw_json_put_cstr(f, buf);
}

static void put_str_array(FILE *f, const char *const *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; v && i < n; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        mw_json_put_cstr(f, v[i]);
    }
    fputc(']', f);
}

static void put_rule(FILE *f, const struct mw_alert *a)
{
    const struct mw_rule_info *r = a->rule;
    fputs("\"rule\":{\"id\":", f);
    mw_json_put_cstr(f, r ? r->id : NULL);
    fputs(",\"title\":", f);
    mw_json_put_cstr(f, r ? r->title : NULL);
    fputs(",\"level\":", f);
    mw_json_put_cstr(f, mw_output_level_name(a->level)); /* effective level, after raises */
    fputs(",\"file\":", f);
    mw_json_put_cstr(f, r ? r->file : NULL);
    fputc('}', f);
}

static void put_aggregates(FILE *f, const struct mw_alert *a)
{
    if (!a->is_correlation) {
        fputs("{}", f);
        return;
    }
    fprintf(f, "{\"count\":%" PRIu64 ",\"distinct\":{", a->count);
    for (size_t i = 0; i < a->naggs; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        mw_json_put_cstr(f, a->aggs[i].field ? a->aggs[i].field : "");
        fprintf(f, ":%" PRIu64, a->aggs[i].distinct);
    }
    fputs("},\"values\":{", f);
    for (size_t i = 0; i < a->naggs; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        mw_json_put_cstr(f, a->aggs[i].field ? a->aggs[i].field : "");
        fputc(':', f);
        put_str_array(f, a->aggs[i].values, a->aggs[i].nvalues);
    }
    fputs("},\"category\":", f);
    mw_json_put_cstr(f, a->category);
    fputc('}', f);
}

static void put_evidence(FILE *f, const struct mw_evidence *e)
{
    fputs("{\"file\":", f);
    mw_json_put_cstr(f, e->file);
    fprintf(f, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"source\":", e->line, e->offset);
    mw_json_put_cstr(f, e->source);
    fputs(",\"time\":", f);
    if (e->has_time) {
        put_time(f, e->time_ns);
    } else {
        fputs("null", f);
    }
    fputs(",\"time_raw\":", f);
    mw_json_put_cstr(f, e->time_raw);
    fputs(",\"fields\":{", f);
    for (size_t i = 0; i < e->nfields; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        mw_json_put_cstr(f, e->names && e->names[i] ? e->names[i] : "");
        fputc(':', f);
        mw_json_put_cstr(f, e->values ? e->values[i] : NULL);
    }
    fputs("}}", f);
}

static int jsonl_open(void **state, const struct mw_sink_options *opt, struct mw_diag *diag)
{
    struct jsonl_state *st;
    if (!opt || !opt->out) {
        return mw_diag_set(diag, MW_E_CONFIG, "jsonl: no output stream");
    }
    st = mw_calloc(1, sizeof(*st));
    st->out = opt->out;
    st->min_level = opt->min_level;
    *state = st;
    return MW_OK;
}

static int jsonl_write(void *state, const struct mw_alert *a)
{
    struct jsonl_state *st = state;
    FILE *f = st->out;
    const struct mw_rule_info *r = a->rule;
    size_t ntech = r && r->techniques ? r->ntechniques : 0;

    if (a->level < st->min_level) {
        return MW_OK;
    }
    fprintf(f, "{\"schema_version\":%d,\"kind\":\"alert\",\"id\":", JSONL_SCHEMA_VERSION);
    mw_json_put_cstr(f, a->id);
    fputc(',', f);
    put_rule(f, a);
    fputs(",\"technique\":", f);
    mw_json_put_cstr(f, ntech > 0 ? r->techniques[0] : NULL);
    fputs(",\"techniques\":", f);
    put_str_array(f, ntech > 0 ? r->techniques : NULL, ntech);
    fputs(",\"time\":{\"first\":", f);
    put_time(f, a->first_ns);
    fputs(",\"last\":", f);
    put_time(f, a->last_ns);
    fputc('}', f);
    if (a->is_correlation && a->window_end_ns > a->window_start_ns) {
        /* the window the records were counted in: [start, end) */
        fputs(",\"window\":{\"start\":", f);
        put_time(f, a->window_start_ns);
        fputs(",\"end\":", f);
        put_time(f, a->window_end_ns);
        fputc('}', f);
    }
    fputs(",\"account\":", f);
    mw_json_put_cstr(f, a->account);
    fputs(",\"mailbox\":", f);
    mw_json_put_cstr(f, a->mailbox);
    fputs(",\"host\":", f);
    mw_json_put_cstr(f, a->host);
    fputs(",\"source_ip\":", f);
    mw_json_put_cstr(f, a->nsource_ips > 0 && a->source_ips ? a->source_ips[0] : NULL);
    fputs(",\"source_ips\":", f);
    put_str_array(f, a->source_ips, a->source_ips ? a->nsource_ips : 0);
    fputs(",\"summary\":", f);
    mw_json_put_cstr(f, a->summary);
    fputs(",\"reasons\":", f);
    put_str_array(f, a->reasons, a->reasons ? a->nreasons : 0);
    fputs(",\"destinations\":", f);
    put_str_array(f, a->destinations, a->destinations ? a->ndestinations : 0);
    fputs(",\"aggregates\":", f);
    put_aggregates(f, a);
    fprintf(f, ",\"evidence_total\":%" PRIu64 ",\"evidence\":[", a->evidence_total);
    for (size_t i = 0; a->evidence && i < a->nevidence; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        put_evidence(f, &a->evidence[i]);
    }
    fputs("]}\n", f);
    return ferror(f) ? MW_E_IO : MW_OK;
}

/* ---- the run summary (docs/schema.md, summary) -------------------------------------------- */

#ifndef MW_VERSION
#define MW_VERSION "unknown"
#endif

static void put_u64_or_null(FILE *f, bool has, uint64_t v)
{
    if (has) {
        fprintf(f, "%" PRIu64, v);
    } else {
        fputs("null", f);
    }
}

static void put_input(FILE *f, const struct mw_input_row *r)
{
    fputs("{\"path\":", f);
    mw_json_put_cstr(f, r->path);
    fputs(",\"bytes\":", f);
    put_u64_or_null(f, r->has_bytes, r->bytes);
    fputs(",\"sha256\":", f);
    if (r->hashed) {
        fputc('"', f);
        for (size_t i = 0; i < sizeof r->sha256; i++) {
            fprintf(f, "%02x", r->sha256[i]);
        }
        fputc('"', f);
    } else {
        fputs("null", f);
    }
    fputs(",\"source\":", f);
    mw_json_put_cstr(f, r->source);
    fprintf(f,
            ",\"records\":%" PRIu64 ",\"events\":%" PRIu64 ",\"malformed\":%" PRIu64
            ",\"undated\":%" PRIu64 ",\"truncated\":%s,\"export_cap\":",
            r->records, r->events, r->malformed, r->undated, r->export_cap ? "true" : "false");
    put_u64_or_null(f, r->export_cap != 0, r->export_cap);
    fputs(",\"skipped\":", f);
    mw_json_put_cstr(f, r->skipped);
    fputs(",\"error\":", f);
    mw_json_put_cstr(f, r->error);
    fputc('}', f);
}

static uint64_t sum_counts(const struct mw_suppress_count *c, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; c && i < n; i++) {
        t += c[i].alerts;
    }
    return t;
}

static void put_totals(FILE *f, const struct mw_run_summary *s)
{
    fprintf(f,
            "{\"files\":%" PRIu64 ",\"files_failed\":%" PRIu64 ",\"files_skipped\":%" PRIu64
            ",\"bytes\":%" PRIu64 ",\"records\":%" PRIu64 ",\"events\":%" PRIu64
            ",\"prefiltered\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"undated\":%" PRIu64
            ",\"duplicates\":%" PRIu64 ",\"out_of_range\":%" PRIu64 ",\"reread\":%s",
            s->files, s->files_failed, s->files_skipped, s->bytes, s->records, s->events,
            s->prefiltered, s->malformed, s->undated, s->duplicates, s->out_of_range,
            s->reread ? "true" : "false");
    fprintf(f,
            ",\"truncated\":%" PRIu64 ",\"alerts\":%" PRIu64 ",\"below_min_level\":%" PRIu64
            ",\"suppressed\":%" PRIu64 ",\"lowered\":%" PRIu64 "}",
            s->truncated, s->alerts, s->below_min_level, sum_counts(s->suppressed, s->nsuppressed),
            sum_counts(s->lowered, s->nlowered));
}

static void put_sources(FILE *f, const struct mw_run_summary *s)
{
    fputc('[', f);
    bool first = true;
    for (size_t i = 0; s->sources && i < s->nsources; i++) {
        const struct mw_source_count *c = &s->sources[i];
        if (c->files == 0) {
            continue;
        }
        fputs(first ? "{\"source\":" : ",{\"source\":", f);
        first = false;
        mw_json_put_cstr(f, c->source);
        fprintf(f,
                ",\"files\":%" PRIu64 ",\"records\":%" PRIu64 ",\"events\":%" PRIu64
                ",\"prefiltered\":%" PRIu64 "}",
                c->files, c->records, c->events, c->prefiltered);
    }
    fputc(']', f);
}

/* ---- incidents (docs/schema.md, Incident) ---------------------------------------------------- */

static const char *incident_kind_name(enum mw_incident_kind k)
{
    switch (k) {
        case MW_INCIDENT_HOST:
            return "host";
        case MW_INCIDENT_ONPREM:
            return "onprem";
        case MW_INCIDENT_ADDRESS:
            return "address";
        default:
            return "account";
    }
}

static const char *answer_name(enum mw_answer a)
{
    return a == MW_ANSWER_YES ? "yes" : (a == MW_ANSWER_NO ? "no" : "unknown");
}

static void put_cstr_array(FILE *f, char *const *v, size_t n)
{
    put_str_array(f, (const char *const *)v, v ? n : 0);
}

static void put_questions(FILE *f, const struct mw_playbook_result *p)
{
    fputs("\"questions\":[", f);
    for (size_t i = 0; p->questions && i < p->nquestions; i++) {
        const struct mw_pb_answer *q = &p->questions[i];
        fputs(i ? ",{\"id\":" : "{\"id\":", f);
        mw_json_put_cstr(f, q->id);
        fputs(",\"question\":", f);
        mw_json_put_cstr(f, q->question);
        fputs(",\"answer\":", f);
        mw_json_put_cstr(f, answer_name(q->answer));
        fputs(",\"evidence\":", f);
        put_cstr_array(f, q->evidence, q->nevidence);
        fputs(",\"detail\":", f);
        mw_json_put_cstr(f, q->detail);
        fputs(",\"missing\":", f);
        mw_json_put_cstr(f, q->missing);
        fputc('}', f);
    }
    fputc(']', f);
}

static void put_time_or_null(FILE *f, int64_t ns)
{
    if (ns == MW_TIME_NONE) {
        fputs("null", f);
    } else {
        put_time(f, ns);
    }
}

static void put_coverage(FILE *f, const struct mw_coverage *c)
{
    if (!c) {
        fputs("null", f);
        return;
    }
    fprintf(f,
            "{\"signins\":%" PRIu64 ",\"signins_failed\":%" PRIu64 ",\"mail_access\":%" PRIu64
            ",\"throttled\":%" PRIu64 ",\"audit\":%" PRIu64 ",\"entra_audit\":%" PRIu64
            ",\"exchange_admin\":%" PRIu64 ",\"file_events\":%" PRIu64 ",\"mail_server\":%" PRIu64
            ",\"first\":",
            c->signins, c->signins_failed, c->mail_access, c->throttled, c->audit, c->entra_audit,
            c->exchange_admin, c->file_events, c->mail_server);
    put_time_or_null(f, c->first_ns);
    fputs(",\"last\":", f);
    put_time_or_null(f, c->last_ns);
    fputc('}', f);
}

static int jsonl_summary(void *state, const struct mw_run_summary *s)
{
    struct jsonl_state *st = state;
    FILE *f = st->out;
    fprintf(f, "{\"schema_version\":%d,\"kind\":\"summary\",\"mailward_version\":",
            JSONL_SCHEMA_VERSION);
    mw_json_put_cstr(f, MW_VERSION);
    fputs(",\"inputs\":[", f);
    for (size_t i = 0; s->inputs && i < s->ninputs; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        put_input(f, &s->inputs[i]);
    }
    fputs("],\"totals\":", f);
    put_totals(f, s);
    fputs(",\"sources\":", f);
    put_sources(f, s);
    fputs(",\"coverage\":", f);
    put_coverage(f, s->coverage);
    fputs(",\"warnings\":[", f);
    for (size_t i = 0; s->warnings && i < s->nwarnings; i++) {
        fputs(i ? ",{\"code\":" : "{\"code\":", f);
        mw_json_put_cstr(f, s->warnings[i].code);
        fputs(",\"message\":", f);
        mw_json_put_cstr(f, s->warnings[i].message);
        fputc('}', f);
    }
    fputs("]}\n", f);
    return ferror(f) ? MW_E_IO : MW_OK;
}

static void put_containment(FILE *f, const struct mw_playbook_result *p)
{
    fputs(",\"containment\":[", f);
    for (size_t i = 0; p->containment && i < p->ncontainment; i++) {
        const struct mw_pb_step *c = &p->containment[i];
        fputs(i ? ",{\"finding\":" : "{\"finding\":", f);
        mw_json_put_cstr(f, c->finding);
        fputs(",\"shell\":", f);
        mw_json_put_cstr(f, c->shell);
        fputs(",\"command\":", f);
        mw_json_put_cstr(f, c->command);
        fputc('}', f);
    }
    fputc(']', f);
}

static void put_persist_pivots(FILE *f, const struct mw_playbook_result *p)
{
    fputs(",\"still_there\":[", f);
    for (size_t i = 0; p->persist && i < p->npersist; i++) {
        const struct mw_pb_persist *s = &p->persist[i];
        fputs(i ? ",{\"what\":" : "{\"what\":", f);
        mw_json_put_cstr(f, s->what);
        fprintf(f, ",\"removed\":%s,\"removed_at\":", s->removed ? "true" : "false");
        if (s->removed && s->removed_ns != MW_TIME_NONE) {
            put_time(f, s->removed_ns);
        } else {
            fputs("null", f);
        }
        fputc('}', f);
    }
    fputs("],\"pivots\":[", f);
    for (size_t i = 0; p->pivots && i < p->npivots; i++) {
        const struct mw_pb_pivot *v = &p->pivots[i];
        fputs(i ? ",{\"kind\":" : "{\"kind\":", f);
        mw_json_put_cstr(f, v->kind);
        fputs(",\"value\":", f);
        mw_json_put_cstr(f, v->value);
        fputs(",\"accounts\":", f);
        put_cstr_array(f, (char *const *)(uintptr_t)v->accounts, v->naccounts); /* read only */
        fputc('}', f);
    }
    fputc(']', f);
}

void mw_jsonl_put_playbook(FILE *f, const struct mw_playbook_result *p)
{
    fputc('{', f);
    put_questions(f, p);
    fprintf(f, ",\"escalate\":%s,\"reasons\":", p->escalate ? "true" : "false");
    put_cstr_array(f, p->reasons, p->nreasons);
    put_containment(f, p);
    put_persist_pivots(f, p);
    fputs(",\"warnings\":", f);
    put_cstr_array(f, p->warnings, p->nwarnings);
    fputc('}', f);
}

static void put_timeline(FILE *f, const struct mw_incident *inc)
{
    fputs(",\"timeline\":[", f);
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct mw_inc_event *t = &inc->timeline[i];
        fputs(i ? ",{\"time\":" : "{\"time\":", f);
        put_time(f, t->time_ns);
        fputs(",\"kind\":", f);
        mw_json_put_cstr(f, t->kind);
        fputs(",\"account\":", f);
        mw_json_put_cstr(f, t->account);
        fputs(",\"source_ip\":", f);
        mw_json_put_cstr(f, t->source_ip);
        fputs(",\"summary\":", f);
        mw_json_put_cstr(f, t->summary);
        fputs(",\"alert\":", f);
        mw_json_put_cstr(f, t->alert);
        fputs(",\"file\":", f);
        mw_json_put_cstr(f, t->file);
        if (t->file) {
            fprintf(f, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 "}", t->line, t->offset);
        } else {
            fputs(",\"line\":null,\"offset\":null}", f);
        }
    }
    fputc(']', f);
}

/* docs/schema.md, Incident, exposed */
static void put_exposed(FILE *f, const struct mw_exposed *x)
{
    fputs(",\"exposed\":", f);
    if (!x) {
        fputs("null", f);
        return;
    }
    fprintf(f,
            "{\"records\":%" PRIu64 ",\"items\":%" PRIu64 ",\"size_bytes\":%" PRIu64
            ",\"items_with_size\":%" PRIu64 ",\"folders\":[",
            x->records, x->items, x->size_bytes, x->items_with_size);
    for (size_t i = 0; i < x->nfolders; i++) {
        const struct mw_exposed_folder *fo = &x->folders[i];
        fputs(i ? ",{\"path\":" : "{\"path\":", f);
        mw_json_put_cstr(f, fo->path);
        fprintf(f, ",\"items\":%" PRIu64 ",\"synced\":%s,\"records\":%" PRIu64 "}", fo->items,
                fo->synced ? "true" : "false", fo->records);
    }
    fprintf(f, "],\"folders_omitted\":%" PRIu64 ",\"internet_message_ids\":", x->folders_omitted);
    put_cstr_array(f, x->ids, x->nids);
    fprintf(f,
            ",\"internet_message_ids_total\":%" PRIu64 ",\"ids_capped\":%s"
            ",\"unattributed_items\":%" PRIu64 ",\"throttled\":%s,\"linked_by\":{\"ip\":%" PRIu64
            ",\"session\":%" PRIu64 ",\"app\":%" PRIu64 "},\"first\":",
            x->ids_total, x->ids_capped ? "true" : "false", x->unattributed_items,
            x->throttled ? "true" : "false", x->by_ip, x->by_session, x->by_app);
    put_time(f, x->first_ns);
    fputs(",\"last\":", f);
    put_time(f, x->last_ns);
    fputc('}', f);
}

static int jsonl_incident(void *state, const struct mw_incident *inc)
{
    struct jsonl_state *st = state;
    FILE *f = st->out;
    fprintf(f, "{\"schema_version\":%d,\"kind\":\"incident\",\"id\":", JSONL_SCHEMA_VERSION);
    mw_json_put_cstr(f, inc->id);
    fputs(",\"level\":", f);
    mw_json_put_cstr(f, mw_output_level_name(inc->level));
    fputs(",\"incident_kind\":", f);
    mw_json_put_cstr(f, incident_kind_name(inc->kind));
    fputs(",\"accounts\":", f);
    put_cstr_array(f, inc->accounts, inc->naccounts);
    fputs(",\"hosts\":", f);
    put_cstr_array(f, inc->hosts, inc->nhosts);
    fputs(",\"alerts\":[", f);
    for (size_t i = 0; i < inc->nalerts; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        mw_json_put_cstr(f, inc->alerts[i]->id);
    }
    fputs("],\"technique\":", f);
    mw_json_put_cstr(f, inc->technique);
    fputs(",\"techniques\":", f);
    put_cstr_array(f, inc->techniques, inc->ntechniques);
    fputs(",\"time\":{\"first\":", f);
    put_time(f, inc->first_ns);
    fputs(",\"last\":", f);
    put_time(f, inc->last_ns);
    fputs("},\"source_ip\":", f);
    mw_json_put_cstr(f, inc->nsource_ips ? inc->source_ips[0] : NULL);
    fputs(",\"source_ips\":", f);
    put_cstr_array(f, inc->source_ips, inc->nsource_ips);
    fputs(",\"summary\":", f);
    mw_json_put_cstr(f, inc->summary);
    fputs(",\"links\":", f);
    put_cstr_array(f, inc->links, inc->nlinks);
    put_timeline(f, inc);
    put_exposed(f, inc->exposed);
    fputs(",\"playbook\":", f);
    mw_jsonl_put_playbook(f, &inc->playbook);
    fputs("}\n", f);
    return ferror(f) ? MW_E_IO : MW_OK;
}

static int jsonl_finish(void *state)
{
    struct jsonl_state *st = state;
    if (fflush(st->out) != 0 || ferror(st->out)) {
        return MW_E_IO;
    }
    return MW_OK;
}

static void jsonl_close(void *state)
{
    mw_free(state);
}

const struct mw_sink_ops mw_sink_jsonl = {
    .name = "jsonl",
    .open = jsonl_open,
    .write = jsonl_write,
    .summary = jsonl_summary,
    .incident = jsonl_incident,
    .finish = jsonl_finish,
    .close = jsonl_close,
};

/* output/report_model.c: reads a scan's JSON Lines (alert, incident and summary objects, the
 * contract in docs/cli/report.md) into the report model with the on-demand JSON scanner
 * (decode/decode.h). Unknown keys are ignored, absent keys leave their member empty, unknown
 * kinds are counted. Every list is capped (output/report.h), so memory stays bounded.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/time.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "input/input.h"
#include "output/report.h"

/* ---- scalar helpers ------------------------------------------------------------------------- */

static char *dup_bytes(struct mw_report *r, const char *p, size_t n)
{
    return mw_arena_strdup(&r->arena, p ? p : "", p ? n : 0);
}

/* A copy of a scalar value: strings decoded, numbers and true/false as written, NULL for null,
 * objects and arrays (and strings that do not decode) as their raw JSON text. */
static char *val_text(struct mw_report *r, const struct mw_json_val *v)
{
    struct mw_str s;
    if (v->type == MW_J_NULL) {
        return NULL;
    }
    if (v->type == MW_J_STRING && mw_json_string(v, &r->arena, &s) == MW_OK) {
        return dup_bytes(r, s.ptr, s.len);
    }
    return dup_bytes(r, v->raw.ptr, v->raw.len);
}

static bool member(struct mw_str obj, const char *key, struct mw_json_val *v)
{
    return obj.ptr && mw_json_get(obj, key, v) == MW_OK;
}

static char *str_of(struct mw_report *r, struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    if (!member(obj, key, &v) || v.type == MW_J_OBJECT || v.type == MW_J_ARRAY) {
        return NULL;
    }
    return val_text(r, &v);
}

/* The raw text of an object or array member; MW_STR_NULL when absent or of another type. */
static struct mw_str sub_of(struct mw_str obj, const char *key, enum mw_jtype type)
{
    struct mw_json_val v;
    if (!member(obj, key, &v) || v.type != type) {
        return MW_STR_NULL;
    }
    return v.raw;
}

static uint64_t u64_of(struct mw_str obj, const char *key, bool *present)
{
    struct mw_json_val v;
    char buf[32];
    if (!member(obj, key, &v) || v.type != MW_J_NUMBER || v.raw.len >= sizeof buf) {
        if (present) {
            *present = false;
        }
        return 0;
    }
    memcpy(buf, v.raw.ptr, v.raw.len);
    buf[v.raw.len] = '\0';
    if (present) {
        *present = true;
    }
    return buf[0] == '-' ? 0 : strtoull(buf, NULL, 10);
}

static int64_t time_ns(const char *text)
{
    int64_t ns;
    if (!text || mw_time_parse(mw_str_c(text), NULL, &ns) != MW_OK) {
        return MW_TIME_NONE;
    }
    return ns;
}

static int level_of(const char *name)
{
    return name ? mw_level_parse(name) : -1;
}

/* ---- arrays --------------------------------------------------------------------------------- */

static size_t array_count(struct mw_str arr)
{
    struct mw_json_iter it;
    struct mw_json_val v;
    size_t n = 0;
    if (!arr.ptr || mw_json_array_begin(&it, arr) != MW_OK) {
        return 0;
    }
    while (mw_json_array_next(&it, &v) == MW_OK) {
        n++;
    }
    return n;
}

/* The scalar elements of an array member, at most max (total counts them all). */
static struct mw_rep_list list_max(struct mw_report *r, struct mw_str obj, const char *key,
                                   size_t max)
{
    struct mw_rep_list l = { NULL, 0, 0 };
    struct mw_str arr = sub_of(obj, key, MW_J_ARRAY);
    struct mw_json_iter it;
    struct mw_json_val v;
    l.total = array_count(arr);
    size_t cap = l.total < max ? (size_t)l.total : max;
    if (cap == 0 || mw_json_array_begin(&it, arr) != MW_OK) {
        return l;
    }
    l.v = mw_arena_alloc(&r->arena, cap * sizeof *l.v, sizeof(void *));
    while (l.v && l.n < cap && mw_json_array_next(&it, &v) == MW_OK) {
        if (v.type != MW_J_OBJECT && v.type != MW_J_ARRAY && v.type != MW_J_NULL) {
            l.v[l.n++] = val_text(r, &v);
        }
    }
    return l;
}

static struct mw_rep_list list_of(struct mw_report *r, struct mw_str obj, const char *key)
{
    return list_max(r, obj, key, MW_REP_MAX_LIST);
}

typedef void fill_fn(struct mw_report *r, struct mw_str obj, void *elem);

/* Reads the objects of an array into a new array of elem_size elements (at most max);
 * elements that are not objects are skipped. */
static void *objects_of(struct mw_report *r, struct mw_str arr, size_t max, size_t elem_size,
                        fill_fn *fill, size_t *n, uint64_t *total)
{
    struct mw_json_iter it;
    struct mw_json_val v;
    size_t count = array_count(arr);
    size_t cap = count < max ? count : max;
    *n = 0;
    if (total) {
        *total = count;
    }
    if (cap == 0 || mw_json_array_begin(&it, arr) != MW_OK) {
        return NULL;
    }
    char *out = mw_arena_alloc(&r->arena, cap * elem_size, 8);
    if (!out) {
        return NULL;
    }
    memset(out, 0, cap * elem_size);
    while (*n < cap && mw_json_array_next(&it, &v) == MW_OK) {
        if (v.type == MW_J_OBJECT) {
            fill(r, v.raw, out + *n * elem_size);
            (*n)++;
        }
    }
    return out;
}

/* Every scalar member of an object as key/value text (objects and arrays as raw JSON). */
static struct mw_rep_kv *members_of(struct mw_report *r, struct mw_str obj, size_t *n)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    size_t count = 0;
    *n = 0;
    if (!obj.ptr || mw_json_object_begin(&it, obj) != MW_OK) {
        return NULL;
    }
    while (mw_json_object_next(&it, &k, &v) == MW_OK) {
        count++;
    }
    count = count < MW_REP_MAX_LIST ? count : MW_REP_MAX_LIST;
    struct mw_rep_kv *kv = count ? mw_arena_alloc(&r->arena, count * sizeof *kv, 8) : NULL;
    if (!kv || mw_json_object_begin(&it, obj) != MW_OK) {
        return NULL;
    }
    while (*n < count && mw_json_object_next(&it, &k, &v) == MW_OK) {
        kv[*n].key = val_text(r, &k);
        kv[*n].value = val_text(r, &v);
        (*n)++;
    }
    return kv;
}

/* ---- alerts --------------------------------------------------------------------------------- */

static void fill_evidence(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_evidence *e = elem;
    e->file = str_of(r, obj, "file");
    e->source = str_of(r, obj, "source");
    e->time = str_of(r, obj, "time");
    e->line = u64_of(obj, "line", NULL);
    e->fields = members_of(r, sub_of(obj, "fields", MW_J_OBJECT), &e->nfields);
}

static void read_aggregates(struct mw_report *r, struct mw_str agg, struct mw_rep_alert *a)
{
    struct mw_str distinct = sub_of(agg, "distinct", MW_J_OBJECT);
    struct mw_str values = sub_of(agg, "values", MW_J_OBJECT);
    size_t nd = 0;
    struct mw_rep_kv *d = members_of(r, distinct, &nd);
    a->count = u64_of(agg, "count", &a->correlation);
    a->category = str_of(r, agg, "category");
    a->aggs = nd ? mw_arena_alloc(&r->arena, nd * sizeof *a->aggs, 8) : NULL;
    for (size_t i = 0; a->aggs && i < nd; i++) {
        struct mw_rep_agg *g = &a->aggs[a->naggs++];
        g->field = d[i].key;
        g->distinct = d[i].value ? strtoull(d[i].value, NULL, 10) : 0;
        g->values = g->field ? list_of(r, values, g->field) : (struct mw_rep_list){ 0 };
    }
}

/* The dated times of every evidence record (for the hourly chart), at most MW_REP_MAX_EV_TIMES. */
static void read_evidence_times(struct mw_report *r, struct mw_str arr, struct mw_rep_alert *a)
{
    struct mw_json_iter it;
    struct mw_json_val v;
    size_t count = array_count(arr);
    count = count < MW_REP_MAX_EV_TIMES ? count : MW_REP_MAX_EV_TIMES;
    if (count == 0 || mw_json_array_begin(&it, arr) != MW_OK) {
        return;
    }
    a->ev_times = mw_arena_alloc(&r->arena, count * sizeof *a->ev_times, 8);
    while (a->ev_times && a->nev_times < count && mw_json_array_next(&it, &v) == MW_OK) {
        struct mw_json_val t;
        char buf[64];
        int64_t ns;
        if (v.type != MW_J_OBJECT || !member(v.raw, "time", &t) || t.type != MW_J_STRING ||
            t.raw.len >= sizeof buf) {
            continue;
        }
        memcpy(buf, t.raw.ptr, t.raw.len);
        buf[t.raw.len] = '\0';
        if ((ns = time_ns(buf)) != MW_TIME_NONE) {
            a->ev_times[a->nev_times++] = ns;
        }
    }
}

static void read_alert_times(struct mw_report *r, struct mw_str obj, struct mw_rep_alert *a)
{
    struct mw_str t = sub_of(obj, "time", MW_J_OBJECT);
    struct mw_str w = sub_of(obj, "window", MW_J_OBJECT);
    a->first = str_of(r, t, "first");
    a->last = str_of(r, t, "last");
    a->first_ns = time_ns(a->first);
    a->last_ns = time_ns(a->last);
    char *ws = str_of(r, w, "start"), *we = str_of(r, w, "end");
    a->win_start_ns = time_ns(ws);
    a->win_end_ns = time_ns(we);
}

static void read_alert(struct mw_report *r, struct mw_str obj, struct mw_rep_alert *a)
{
    struct mw_str rule = sub_of(obj, "rule", MW_J_OBJECT);
    struct mw_str ev = sub_of(obj, "evidence", MW_J_ARRAY);
    bool has_total;
    a->id = str_of(r, obj, "id");
    a->rule_id = str_of(r, rule, "id");
    a->rule_title = str_of(r, rule, "title");
    a->rule_file = str_of(r, rule, "file");
    a->level = level_of(str_of(r, rule, "level"));
    a->technique = str_of(r, obj, "technique");
    a->techniques = list_of(r, obj, "techniques");
    read_alert_times(r, obj, a);
    a->account = str_of(r, obj, "account");
    a->mailbox = str_of(r, obj, "mailbox");
    a->host = str_of(r, obj, "host");
    a->source_ips = list_of(r, obj, "source_ips");
    a->summary = str_of(r, obj, "summary");
    a->reasons = list_of(r, obj, "reasons");
    a->destinations = list_of(r, obj, "destinations");
    read_aggregates(r, sub_of(obj, "aggregates", MW_J_OBJECT), a);
    a->evidence_total = u64_of(obj, "evidence_total", &has_total);
    a->evidence = objects_of(r, ev, MW_REP_MAX_EVIDENCE, sizeof *a->evidence, fill_evidence,
                             &a->nevidence, NULL);
    if (!has_total) {
        a->evidence_total = array_count(ev);
    }
    read_evidence_times(r, ev, a);
}

/* ---- incidents ------------------------------------------------------------------------------ */

static void fill_row(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_row *t = elem;
    t->time = str_of(r, obj, "time");
    t->time_ns = time_ns(t->time);
    t->kind = str_of(r, obj, "kind");
    t->account = str_of(r, obj, "account");
    t->source_ip = str_of(r, obj, "source_ip");
    t->summary = str_of(r, obj, "summary");
    t->alert = str_of(r, obj, "alert");
    t->file = str_of(r, obj, "file");
    t->line = u64_of(obj, "line", NULL);
}

static void fill_question(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_question *q = elem;
    q->id = str_of(r, obj, "id");
    q->question = str_of(r, obj, "question");
    q->answer = str_of(r, obj, "answer");
    q->detail = str_of(r, obj, "detail");
    q->missing = str_of(r, obj, "missing");
    q->evidence = list_of(r, obj, "evidence");
}

static void fill_step(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_step *s = elem;
    s->finding = str_of(r, obj, "finding");
    s->shell = str_of(r, obj, "shell");
    s->command = str_of(r, obj, "command");
}

static void fill_still(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_still *s = elem;
    struct mw_json_val v;
    s->what = str_of(r, obj, "what");
    s->removed = member(obj, "removed", &v) && v.type == MW_J_TRUE;
    s->removed_at = str_of(r, obj, "removed_at");
}

static void fill_pivot(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_pivot *p = elem;
    p->kind = str_of(r, obj, "kind");
    p->value = str_of(r, obj, "value");
    p->accounts = list_of(r, obj, "accounts");
}

static void read_playbook(struct mw_report *r, struct mw_str pb, struct mw_rep_incident *in)
{
    struct mw_json_val v;
    in->escalate = -1;
    if (!pb.ptr) {
        return;
    }
    in->has_playbook = true;
    in->questions = objects_of(r, sub_of(pb, "questions", MW_J_ARRAY), MW_REP_MAX_LIST,
                               sizeof *in->questions, fill_question, &in->nquestions, NULL);
    if (member(pb, "escalate", &v) && (v.type == MW_J_TRUE || v.type == MW_J_FALSE)) {
        in->escalate = v.type == MW_J_TRUE;
    }
    in->reasons = list_of(r, pb, "reasons");
    in->warnings = list_of(r, pb, "warnings");
    in->containment = objects_of(r, sub_of(pb, "containment", MW_J_ARRAY), MW_REP_MAX_LIST,
                                 sizeof *in->containment, fill_step, &in->ncontainment, NULL);
    in->still = objects_of(r, sub_of(pb, "still_there", MW_J_ARRAY), MW_REP_MAX_LIST,
                           sizeof *in->still, fill_still, &in->nstill, NULL);
    in->pivots = objects_of(r, sub_of(pb, "pivots", MW_J_ARRAY), MW_REP_MAX_LIST,
                            sizeof *in->pivots, fill_pivot, &in->npivots, NULL);
}

static void fill_folder(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_folder *f = elem;
    struct mw_json_val v;
    f->path = str_of(r, obj, "path");
    f->items = u64_of(obj, "items", NULL);
    f->records = u64_of(obj, "records", NULL);
    f->synced = member(obj, "synced", &v) && v.type == MW_J_TRUE;
}

static bool flag_of(struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    return member(obj, key, &v) && v.type == MW_J_TRUE;
}

/* The incident's `exposed` object; NULL when absent, null, or without numeric records and items
 * (a value the report cannot trust: it falls back to what the alerts counted). */
static struct mw_rep_exposed *read_exposed(struct mw_report *r, struct mw_str obj)
{
    struct mw_str ex = sub_of(obj, "exposed", MW_J_OBJECT);
    struct mw_json_val v;
    bool has_records, has_items;
    if (!ex.ptr || mw_json_parse_value(ex, &v) != MW_OK) {
        return NULL;
    }
    struct mw_rep_exposed *e = mw_arena_alloc(&r->arena, sizeof *e, 8);
    if (!e) {
        return NULL;
    }
    memset(e, 0, sizeof *e);
    e->records = u64_of(ex, "records", &has_records);
    e->items = u64_of(ex, "items", &has_items);
    if (!has_records || !has_items) {
        return NULL;
    }
    e->size_bytes = u64_of(ex, "size_bytes", NULL);
    e->items_with_size = u64_of(ex, "items_with_size", NULL);
    e->folders = objects_of(r, sub_of(ex, "folders", MW_J_ARRAY), MW_REP_MAX_FOLDERS,
                            sizeof *e->folders, fill_folder, &e->nfolders, NULL);
    e->folders_omitted = u64_of(ex, "folders_omitted", NULL);
    e->ids = list_max(r, ex, "internet_message_ids", MW_REP_MAX_IDS);
    e->ids_total = u64_of(ex, "internet_message_ids_total", NULL);
    e->ids_total = e->ids_total > e->ids.total ? e->ids_total : e->ids.total;
    e->ids_capped = flag_of(ex, "ids_capped");
    e->throttled = flag_of(ex, "throttled");
    e->unattributed = u64_of(ex, "unattributed_items", NULL);
    struct mw_str by = sub_of(ex, "linked_by", MW_J_OBJECT);
    e->by_ip = u64_of(by, "ip", NULL);
    e->by_session = u64_of(by, "session", NULL);
    e->by_app = u64_of(by, "app", NULL);
    e->first = str_of(r, ex, "first");
    e->last = str_of(r, ex, "last");
    return e;
}

static void read_incident(struct mw_report *r, struct mw_str obj, struct mw_rep_incident *in)
{
    struct mw_str t = sub_of(obj, "time", MW_J_OBJECT);
    in->id = str_of(r, obj, "id");
    in->level = level_of(str_of(r, obj, "level"));
    in->kind = str_of(r, obj, "incident_kind");
    in->accounts = list_of(r, obj, "accounts");
    in->hosts = list_of(r, obj, "hosts");
    in->alerts = list_of(r, obj, "alerts");
    in->technique = str_of(r, obj, "technique");
    in->techniques = list_of(r, obj, "techniques");
    in->first = str_of(r, t, "first");
    in->last = str_of(r, t, "last");
    in->first_ns = time_ns(in->first);
    in->last_ns = time_ns(in->last);
    in->source_ip = str_of(r, obj, "source_ip");
    in->source_ips = list_of(r, obj, "source_ips");
    in->summary = str_of(r, obj, "summary");
    in->links = list_of(r, obj, "links");
    in->timeline = objects_of(r, sub_of(obj, "timeline", MW_J_ARRAY), MW_REP_MAX_TIMELINE,
                              sizeof *in->timeline, fill_row, &in->ntimeline, &in->timeline_total);
    read_playbook(r, sub_of(obj, "playbook", MW_J_OBJECT), in);
    in->exposed = read_exposed(r, obj);
}

/* ---- the summary ---------------------------------------------------------------------------- */

static void fill_input(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_input *in = elem;
    in->path = str_of(r, obj, "path");
    in->sha256 = str_of(r, obj, "sha256");
    in->source = str_of(r, obj, "source");
    in->error = str_of(r, obj, "error");
    in->counts = members_of(r, obj, &in->ncounts);
}

static void fill_warning(struct mw_report *r, struct mw_str obj, void *elem)
{
    struct mw_rep_kv *w = elem;
    w->key = str_of(r, obj, "code");
    w->value = str_of(r, obj, "message");
}

static void read_summary(struct mw_report *r, struct mw_str obj)
{
    r->has_summary = true; /* a second summary (two runs concatenated) replaces the first */
    r->version = str_of(r, obj, "mailward_version");
    r->inputs = objects_of(r, sub_of(obj, "inputs", MW_J_ARRAY), MW_REP_MAX_INPUTS,
                           sizeof *r->inputs, fill_input, &r->ninputs, &r->inputs_total);
    r->totals = members_of(r, sub_of(obj, "totals", MW_J_OBJECT), &r->ntotals);
    r->coverage = members_of(r, sub_of(obj, "coverage", MW_J_OBJECT), &r->ncoverage);
    r->warnings = objects_of(r, sub_of(obj, "warnings", MW_J_ARRAY), MW_REP_MAX_LIST,
                             sizeof *r->warnings, fill_warning, &r->nwarnings, NULL);
}

/* ---- lines ---------------------------------------------------------------------------------- */

void mw_report_init(struct mw_report *r)
{
    memset(r, 0, sizeof *r);
    mw_arena_init(&r->arena, 64 * 1024, MW_REP_ARENA_LIMIT);
}

void mw_report_fini(struct mw_report *r)
{
    mw_free(r->alerts);
    mw_free(r->incidents);
    mw_free(r->accounts);
    if (r->finished) {
        mw_strmap_fini(&r->by_id);
    }
    mw_arena_fini(&r->arena);
    memset(r, 0, sizeof *r);
}

static void bad_line(struct mw_report *r, const char *file, uint64_t line_no, const char *why)
{
    r->bad_lines++;
    if (r->nbad_first < sizeof r->bad_first / sizeof r->bad_first[0]) {
        snprintf(r->bad_first[r->nbad_first++], sizeof r->bad_first[0], "%s:%llu: %s",
                 file ? file : "-", (unsigned long long)line_no, why);
    }
}

/* Room for one more element in a growable array of elem_size elements. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem_size)
{
    if (n < *cap) {
        return arr;
    }
    *cap = *cap ? *cap * 2 : 16;
    return mw_realloc(arr, *cap * elem_size);
}

static void add_alert(struct mw_report *r, struct mw_str obj)
{
    r->alerts_total++;
    if (r->nalerts >= MW_REP_MAX_ALERTS) {
        return;
    }
    r->alerts = grow(r->alerts, &r->alerts_cap, r->nalerts, sizeof *r->alerts);
    struct mw_rep_alert *a = &r->alerts[r->nalerts++];
    memset(a, 0, sizeof *a);
    read_alert(r, obj, a);
}

static void add_incident(struct mw_report *r, struct mw_str obj)
{
    r->incidents_total++;
    if (r->nincidents >= MW_REP_MAX_INCIDENTS) {
        return;
    }
    r->incidents = grow(r->incidents, &r->incidents_cap, r->nincidents, sizeof *r->incidents);
    struct mw_rep_incident *in = &r->incidents[r->nincidents++];
    memset(in, 0, sizeof *in);
    read_incident(r, obj, in);
}

int mw_report_add_line(struct mw_report *r, struct mw_str line, const char *file, uint64_t line_no)
{
    struct mw_json_val v, kind;
    char k[16];
    line = mw_str_trim(line);
    if (line.len == 0) {
        return MW_OK;
    }
    r->lines++;
    if (mw_json_parse_value(line, &v) != MW_OK || v.type != MW_J_OBJECT) {
        bad_line(r, file, line_no, "not a JSON object");
        return MW_OK;
    }
    if (!member(line, "kind", &kind) || kind.type != MW_J_STRING || kind.raw.len >= sizeof k) {
        bad_line(r, file, line_no, "no \"kind\" (alert, incident or summary)");
        return MW_OK;
    }
    memcpy(k, kind.raw.ptr, kind.raw.len);
    k[kind.raw.len] = '\0';
    if (!strcmp(k, "alert")) {
        add_alert(r, line);
    } else if (!strcmp(k, "incident")) {
        add_incident(r, line);
    } else if (!strcmp(k, "summary")) {
        read_summary(r, line);
    } else {
        r->other_kinds++;
    }
    /* an allocation the arena refused leaves members empty: stop rather than report less */
    return r->arena.limit && r->arena.used_total >= r->arena.limit - 64 * 1024 ? MW_E_NOMEM : MW_OK;
}

int mw_report_read_file(struct mw_report *r, const char *path, struct mw_diag *diag)
{
    struct mw_stream *s = NULL;
    int rc = mw_stream_open(&s, path, 0, diag);
    if (rc != MW_OK) {
        return rc;
    }
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    struct mw_str line;
    uint64_t line_no, offset;
    const char *name = strcmp(path, "-") ? path : "standard input";
    while ((rc = mw_line_next(&lr, &line, &line_no, &offset, diag)) != MW_DONE) {
        if (rc == MW_E_LIMIT) {
            bad_line(r, name, line_no, "line longer than the record cap, skipped");
            continue;
        }
        if (rc != MW_OK || (rc = mw_report_add_line(r, line, name, line_no)) != MW_OK) {
            break;
        }
    }
    mw_stream_close(s);
    if (rc == MW_E_NOMEM) {
        return mw_diag_set(diag, MW_E_LIMIT,
                           "the report's model is full (%u MiB): split the "
                           "input or scan with a higher --min-level",
                           (unsigned)(MW_REP_ARENA_LIMIT >> 20));
    }
    return rc == MW_DONE ? MW_OK : rc;
}

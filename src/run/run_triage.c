/* run/run_triage.c: what the run does with the incidents once the input is read: the context of
 * their accounts read back into their timelines (run/context.h), then the playbook's answers,
 * escalation and containment for each (triage/playbook.h) and the pivots across them.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__ /* defined by the headers above */
#include <malloc.h>
#endif

#include "core/alloc.h"
#include "core/hash.h"
#include "run/run_int.h"
#include "triage/playbook.h"

/* Which incidents an account key belongs to: (key, incident) pairs sorted by key. */
struct key_ref {
    uint64_t key;
    size_t inc;
};

struct ctx_collect {
    struct mw_run *run;
    struct mw_incident *incs;
    struct key_ref *refs;
    size_t nrefs;
    size_t *caps; /* timeline capacity per incident */
    /* Entries each incident's timeline may hold at most once the context is read back: those it
     * has plus the entries picked under its keys (on_picked); SIZE_MAX until known. */
    size_t *most;
    uint64_t added, dropped;
    /* Mail access is one entry per incident, account, client IP and hour, with counts:
     * "incident|hour|account|ip" -> struct hour_agg */
    struct mw_strmap hours;
    /* (incident, file, offset) of the records already in the timelines (alert evidence) */
    struct mw_u64set records;
    struct mw_exposure *exposure; /* what the attacker-linked sessions read */
    const char *last_file;        /* the run's copy of the path read last: entries share it */
    struct mw_strmap kept;        /* account or IP -> the run's one copy, shared by entries */
};

struct hour_agg {
    size_t inc, entry; /* the timeline entry */
    uint64_t records, items;
};

static int cmp_ref(const void *pa, const void *pb)
{
    const struct key_ref *a = pa, *b = pb;
    if (a->key != b->key) {
        return a->key < b->key ? -1 : 1;
    }
    return a->inc < b->inc ? -1 : a->inc > b->inc;
}

/* Every account form and host of every incident, as context keys. */
static void collect_keys(struct ctx_collect *cc, size_t n)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct mw_incident *inc = &cc->incs[i];
        size_t total = inc->naccounts + inc->nhosts;
        for (size_t k = 0; k < total; k++) {
            const char *form =
                    k < inc->naccounts ? inc->accounts[k] : inc->hosts[k - inc->naccounts];
            if (cc->nrefs == cap) {
                cap = cap ? cap * 2 : 64;
                cc->refs = mw_realloc(cc->refs, cap * sizeof *cc->refs);
            }
            cc->refs[cc->nrefs++] = (struct key_ref){ mw_context_key(form, strlen(form)), i };
        }
    }
    if (cc->nrefs > 0) { /* qsort wants a non-NULL array even when empty */
        qsort(cc->refs, cc->nrefs, sizeof *cc->refs, cmp_ref);
    }
}

/* The first value of a field of a record read back, by name ("" when absent). */
static struct mw_str field(const struct mw_event *ev, const char *name)
{
    int id = mw_fieldtab_lookup(ev->fields, mw_str_c(name));
    struct mw_str v = id >= 0 ? mw_event_first(ev, id) : MW_STR_NULL;
    return v.ptr ? v : mw_str_c("");
}

struct mw_str mw_run_first_field(const struct mw_event *ev, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        struct mw_str v = field(ev, names[i]);
        if (v.len) {
            return v;
        }
    }
    return mw_str_c("");
}

static const char *const op_fields[] = { "Operation",  "OperationName", "ActivityDisplayName",
                                         "ActionType", "dovecot.event", "postfix.event",
                                         NULL };
static const char *const who_fields[] = { "UserId", "UserPrincipalName",
                                          "InitiatedBy.user.userPrincipalName",
                                          "InitiatingProcessAccountUpn", NULL };
static const char *const ip_fields[] = { "ClientIP", "IPAddress", "ClientIPAddress",
                                         "InitiatedBy.user.ipAddress", NULL };
/* What the entry is about, after its operation: a rule's name, a forwarding address, a mailbox,
 * an application, a file. */
static const char *const what_fields[] = { "Parameters.Name",
                                           "Parameters.ForwardTo",
                                           "Parameters.ForwardingSmtpAddress",
                                           "Parameters.Identity",
                                           "MailboxOwnerUPN",
                                           "TargetResources.displayName",
                                           "AppDisplayName",
                                           "FileName",
                                           "ResultStatus",
                                           "dovecot.script",
                                           "dovecot.forward_to",
                                           "dovecot.box",
                                           NULL };
/* A Dovecot session's download counters (docs/formats/dovecot.md): what its logout entry says. */
static const char *const session_fields[] = { "dovecot.download_count", "dovecot.download_bytes",
                                              "dovecot.service", NULL };

/* Every field the timeline entries and the exposure read (mw_ctx_read_opts.fields). */
static const char *const *const read_lists[] = { op_fields,   who_fields,     ip_fields,
                                                 what_fields, session_fields, mw_exposure_fields };

static const char **read_fields(void)
{
    size_t n = 2;
    for (size_t l = 0; l < sizeof read_lists / sizeof read_lists[0]; l++) {
        for (size_t i = 0; read_lists[l][i]; i++) {
            n++;
        }
    }
    const char **v = mw_calloc(n, sizeof *v);
    size_t k = 0;
    v[k++] = "OperationCount";
    for (size_t l = 0; l < sizeof read_lists / sizeof read_lists[0]; l++) {
        for (size_t i = 0; read_lists[l][i]; i++) {
            v[k++] = read_lists[l][i];
        }
    }
    v[k] = NULL;
    return v;
}

/* A copy the run keeps until it closes (timeline strings other than the summary are not the
 * incident's to free). */
static const char *keep(struct mw_run *run, struct mw_str s)
{
    return mw_arena_strdup(&run->triage_arena, s.ptr ? s.ptr : "", s.len);
}

/* The run's one copy of an account or IP: entries of one incident repeat a few of them. */
static const char *keep_shared(struct ctx_collect *cc, struct mw_str s)
{
    const char *k = mw_strmap_get(&cc->kept, s);
    if (!k) {
        k = keep(cc->run, s);
        mw_strmap_put(&cc->kept, s, (void *)(uintptr_t)k);
    }
    return k;
}

/* The run's copy of a record's path, one per file read back (records come file by file). */
static const char *keep_path(struct ctx_collect *cc, const char *path)
{
    path = path ? path : "";
    if (!cc->last_file || strcmp(cc->last_file, path) != 0) {
        cc->last_file = keep(cc->run, mw_str_c(path));
    }
    return cc->last_file;
}

/* One line a human reads: "New-InboxRule 'x' (signin_failed)", kept by the incidents. */
static char *summary_of(struct mw_incidents *incs, const struct mw_ctx_event *ce)
{
    struct mw_str op = mw_run_first_field(ce->ev, op_fields);
    struct mw_str what = mw_run_first_field(ce->ev, what_fields);
    struct mw_str items = field(ce->ev, "OperationCount");
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    if (!m) {
        const char *kind = mw_ctx_kind_name(ce->kind);
        return mw_incidents_keep(incs, kind, strlen(kind));
    }
    fprintf(m, "%s: %.*s", mw_ctx_kind_name(ce->kind), (int)op.len, op.ptr);
    if (what.len) {
        fprintf(m, " '%.*s'", (int)(what.len > 200 ? 200 : what.len), what.ptr);
    }
    struct mw_str dl = field(ce->ev, "dovecot.download_count");
    if (ce->kind == MW_CTX_MAIL_ACCESS && dl.len) {
        struct mw_str bytes = field(ce->ev, "dovecot.download_bytes");
        struct mw_str svc = field(ce->ev, "dovecot.service");
        fprintf(m, " (%.*s messages, %.*s bytes downloaded%s%.*s)", (int)dl.len, dl.ptr,
                (int)(bytes.len ? bytes.len : 1), bytes.len ? bytes.ptr : "?",
                svc.len ? " over " : "", (int)(svc.len > 40 ? 40 : svc.len), svc.ptr);
    } else if (ce->kind == MW_CTX_MAIL_ACCESS && items.len) {
        fprintf(m, " (%.*s items)", (int)items.len, items.ptr);
    }
    fclose(m);
    char *out = mw_incidents_keep(incs, s, len);
    free(s);
    return out;
}

static uint64_t record_key(size_t inc, const char *file, uint64_t offset)
{
    uint64_t h = mw_hash(file ? file : "", file ? strlen(file) : 0, (uint64_t)inc);
    return mw_hash_mix(h ^ (offset * 0x9e3779b97f4a7c15ULL));
}

/* The records the timelines hold already (the alerts' evidence), so that a record read back is
 * not listed twice. */
static void note_records(struct ctx_collect *cc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct mw_incident *inc = &cc->incs[i];
        for (size_t k = 0; k < inc->ntimeline; k++) {
            const struct mw_inc_event *t = &inc->timeline[k];
            if (t->file) {
                mw_u64set_add(&cc->records, record_key(i, t->file, t->offset));
            }
        }
    }
}

/* Whether the incident's timeline already holds the record (an alert's evidence). */
static bool has_record(const struct ctx_collect *cc, size_t inc, const char *file, uint64_t offset)
{
    return mw_u64set_has(&cc->records, record_key(inc, file, offset));
}

/* The leading decimal digits of v as a number (0 when none). */
uint64_t mw_run_digits(struct mw_str v)
{
    uint64_t n = 0;
    for (size_t i = 0; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9' && n < UINT64_MAX / 10;
         i++) {
        n = n * 10 + (uint64_t)(v.ptr[i] - '0');
    }
    return n;
}

/* Items a mail-access record counts (OperationCount), 1 when it does not say. */
static uint64_t items_of(const struct mw_event *ev)
{
    uint64_t n = mw_run_digits(field(ev, "OperationCount"));
    return n ? n : 1;
}

/* A mail access in an hour of its incident, account and IP that already has an entry: counted
 * there. */
static bool counted_in_hour(struct ctx_collect *cc, size_t idx, const struct mw_ctx_event *ce,
                            char *key, size_t keysize)
{
    const struct mw_event *ev = ce->ev;
    struct mw_str who = mw_run_first_field(ev, who_fields), ip = mw_run_first_field(ev, ip_fields);
    int64_t hour = ev->has_time ? mw_time_bin(ev->time_ns, 3600LL * 1000000000LL) : -1;
    snprintf(key, keysize, "%zu|%lld|%.*s|%.*s", idx, (long long)hour,
             (int)(who.len > 300 ? 300 : who.len), who.ptr, (int)(ip.len > 100 ? 100 : ip.len),
             ip.ptr);
    struct hour_agg *h = mw_strmap_get(&cc->hours, mw_str_c(key));
    if (!h) {
        return false;
    }
    h->records++;
    h->items += items_of(ev);
    struct mw_inc_event *t = &cc->incs[h->inc].timeline[h->entry];
    if (ev->has_time && (t->time_ns == MW_TIME_NONE || ev->time_ns < t->time_ns)) {
        t->time_ns = ev->time_ns; /* the entry stands at the hour's first read */
        t->file = keep_path(cc, ev->origin.path);
        t->line = ev->origin.line;
        t->offset = ev->origin.offset;
    }
    return true;
}

/* Room for one more entry in the timeline of incident idx: half again (less room left unused
 * than doubling), but no more than it can hold (the cap) or get (cc->most). */
static void grow_timeline(struct ctx_collect *cc, size_t idx)
{
    struct mw_incident *inc = &cc->incs[idx];
    size_t cap = cc->caps[idx] ? cc->caps[idx] + cc->caps[idx] / 2 + 8 : 16;
    cap = cap > MW_INC_TIMELINE_CAP ? MW_INC_TIMELINE_CAP : cap;
    cap = cap > cc->most[idx] ? cc->most[idx] : cap;
    cap = cap > inc->ntimeline ? cap : inc->ntimeline + 1;
    cc->caps[idx] = cap;
    inc->timeline = mw_realloc(inc->timeline, cap * sizeof *inc->timeline);
}

static void add_entry(struct ctx_collect *cc, size_t idx, const struct mw_ctx_event *ce)
{
    struct mw_incident *inc = &cc->incs[idx];
    const struct mw_event *ev = ce->ev;
    if (ce->kind == MW_CTX_SIGNIN || ce->kind == MW_CTX_SIGNIN_FAILED) {
        inc->seen |= MW_INC_SEEN_SIGNIN;
    }
    if (ce->kind == MW_CTX_MAIL_ACCESS) {
        inc->seen |= MW_INC_SEEN_MAIL_ACCESS;
        mw_exposure_add(cc->exposure, idx, ev, record_key(idx, ev->origin.path, ev->origin.offset));
    }
    if (has_record(cc, idx, ev->origin.path, ev->origin.offset)) {
        return; /* an alert's evidence, or read back already under another form of the account */
    }
    char key[512];
    /* MailItemsAccessed records are many per hour: one entry per hour, account and IP. A Dovecot
     * logout is a whole session already: an entry of its own. */
    bool hourly = ce->kind == MW_CTX_MAIL_ACCESS && !field(ev, "dovecot.event").len;
    bool counted = hourly && counted_in_hour(cc, idx, ce, key, sizeof key);
    if (!counted && inc->ntimeline >= MW_INC_TIMELINE_CAP) {
        cc->dropped++;
        return; /* not kept: the set holds only the records the timeline counts */
    }
    mw_u64set_add(&cc->records, record_key(idx, ev->origin.path, ev->origin.offset));
    if (counted) {
        return;
    }
    if (inc->ntimeline == cc->caps[idx]) {
        grow_timeline(cc, idx);
    }
    struct mw_inc_event *t = &inc->timeline[inc->ntimeline++];
    memset(t, 0, sizeof *t);
    t->time_ns = ev->has_time ? ev->time_ns : MW_TIME_NONE;
    t->kind = mw_ctx_kind_name(ce->kind);
    t->account = keep_shared(cc, mw_run_first_field(ev, who_fields));
    struct mw_str ip = mw_run_first_field(ev, ip_fields);
    t->source_ip = ip.len ? keep_shared(cc, ip) : NULL;
    /* an hourly entry's summary is its hour's counts (finish_hours) */
    t->summary = hourly ? NULL : summary_of(cc->run->incidents, ce);
    t->alert = NULL;
    t->file = keep_path(cc, ev->origin.path);
    t->line = ev->origin.line;
    t->offset = ev->origin.offset;
    cc->added++;
    if (hourly) {
        struct hour_agg *h = mw_malloc(sizeof *h);
        *h = (struct hour_agg){ idx, inc->ntimeline - 1, 1, items_of(ev) };
        mw_strmap_put(&cc->hours, mw_str_c(key), h);
    }
}

/* The mail-access entries say how many records and items their hour held; frees the counts. */
static void finish_hours(struct ctx_collect *cc)
{
    struct mw_str key;
    void *val;
    for (size_t it = 0; mw_strmap_next(&cc->hours, &it, &key, &val);) {
        struct hour_agg *h = val;
        struct mw_inc_event *t = &cc->incs[h->inc].timeline[h->entry];
        char buf[200];
        char hour[40] = "an undated hour";
        if (t->time_ns != MW_TIME_NONE) {
            mw_time_format(mw_time_bin(t->time_ns, 3600LL * 1000000000LL), hour, sizeof hour);
        }
        snprintf(buf, sizeof buf,
                 "mail_access: %llu MailItemsAccessed record%s (%llu item%s) in the hour from %s, "
                 "this the first",
                 (unsigned long long)h->records, h->records == 1 ? "" : "s",
                 (unsigned long long)h->items, h->items == 1 ? "" : "s", hour);
        t->summary = mw_incidents_keep(cc->run->incidents, buf, strlen(buf));
        mw_free(h);
    }
    mw_strmap_fini(&cc->hours);
}

/* The first of the (key, incident) pairs of key (cc->nrefs when none). */
static size_t first_ref(const struct ctx_collect *cc, uint64_t key)
{
    struct key_ref probe = { key, 0 };
    size_t lo = 0, hi = cc->nrefs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_ref(&cc->refs[mid], &probe) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int on_context(void *arg, const struct mw_ctx_event *ce)
{
    struct ctx_collect *cc = arg;
    size_t lo = first_ref(cc, ce->key);
    for (size_t i = lo; i < cc->nrefs && cc->refs[i].key == ce->key; i++) {
        if (i > lo && cc->refs[i].inc == cc->refs[i - 1].inc) {
            continue;
        }
        add_entry(cc, cc->refs[i].inc, ce);
    }
    return MW_OK;
}

/* The entries picked for each key: the most each incident's timeline can get (mw_ctx_read_opts
 * picked), so that its array is not grown past what it will hold. */
static void on_picked(void *arg, const uint64_t *keys, const uint32_t *counts, size_t n)
{
    struct ctx_collect *cc = arg;
    for (size_t i = 0; i < n; i++) {
        size_t lo = first_ref(cc, keys[i]);
        for (size_t r = lo; r < cc->nrefs && cc->refs[r].key == keys[i]; r++) {
            if (r == lo || cc->refs[r].inc != cc->refs[r - 1].inc) {
                size_t inc = cc->refs[r].inc;
                cc->most[inc] =
                        (cc->most[inc] == SIZE_MAX ? cc->incs[inc].ntimeline : cc->most[inc]) +
                        counts[i];
            }
        }
    }
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct mw_inc_event *x = pa, *y = pb;
    bool ux = x->time_ns == MW_TIME_NONE, uy = y->time_ns == MW_TIME_NONE;
    if (ux != uy) {
        return ux ? 1 : -1;
    }
    if (x->time_ns != y->time_ns) {
        return x->time_ns < y->time_ns ? -1 : 1;
    }
    bool ax = x->alert != NULL, ay = y->alert != NULL;
    if (ax != ay) {
        return ax ? 1 : -1; /* the records, then the alert they raised */
    }
    int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
    if (c) {
        return c;
    }
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The context of every incident's accounts, read back into the timelines (in time order). */
static int add_context(struct mw_run *run, struct mw_incident *incs, size_t n)
{
    struct ctx_collect cc = { .run = run,
                              .incs = incs,
                              .caps = mw_calloc(n ? n : 1, sizeof(size_t)),
                              .most = mw_calloc(n ? n : 1, sizeof(size_t)),
                              .exposure = mw_exposure_begin(incs, n) };
    mw_strmap_init(&cc.hours, false);
    mw_strmap_init(&cc.kept, false);
    mw_u64set_init(&cc.records);
    note_records(&cc, n);
    for (size_t i = 0; i < n; i++) {
        cc.caps[i] = incs[i].ntimeline;
        cc.most[i] = SIZE_MAX;
    }
    collect_keys(&cc, n);
    uint64_t *keys = mw_calloc(cc.nrefs ? cc.nrefs : 1, sizeof *keys);
    for (size_t i = 0; i < cc.nrefs; i++) {
        keys[i] = cc.refs[i].key;
    }
    const char **fields = read_fields();
    /* The files read, in the order read (rotated families oldest first, run/pipeline.c) */
    const char **inputs = mw_calloc(run->pl.ninputs + 1, sizeof *inputs);
    size_t ninputs = 0;
    for (size_t i = 0; i < run->pl.ninputs; i++) {
        const struct mw_input_row *row = &run->pl.inputs[i];
        if (row->source && !row->skipped && strcmp(row->path, "-") != 0) {
            inputs[ninputs++] = row->path;
        }
    }
    struct mw_ctx_read_opts o = {
        .tz = run->opt->tz,
        .date_order = run->opt->date_order,
        .year = run->opt->year,
        .access_format = run->opt->access_format,
        .fields = fields,
        .inputs = inputs,
        .ninputs = ninputs,
        .picked = on_picked,
    };
    uint64_t dropped = 0;
    int rc = mw_context_read(run->context, keys, cc.nrefs, &o, on_context, &cc, &dropped);
    mw_free(inputs);
    finish_hours(&cc);
    mw_strmap_fini(&cc.kept);
    mw_exposure_finish(cc.exposure);
    mw_u64set_fini(&cc.records);
    for (size_t i = 0; i < n; i++) {
        if (incs[i].ntimeline > 0) { /* qsort wants a non-NULL array even when empty */
            qsort(incs[i].timeline, incs[i].ntimeline, sizeof *incs[i].timeline, cmp_entry);
        }
    }
    for (size_t i = 0; i < n; i++) { /* every record of theirs was read back */
        incs[i].seen_known = rc == MW_OK && dropped == 0;
    }
    run->context_added = cc.added;
    run->context_dropped = dropped + cc.dropped;
    mw_free(keys);
    mw_free(fields);
    mw_free(cc.refs);
    mw_free(cc.caps);
    mw_free(cc.most);
    if (rc != MW_OK && mw_context_error(run->context)) {
        fprintf(stderr, "mailward %s: %s\n", run->opt->cmd, mw_context_error(run->context));
    }
    return rc;
}

/* The main pass's state (correlation windows, history, the joins of the last file) is freed by
 * now; give its pages back before the context pass allocates its own, so that the peak resident
 * size is the larger of the two passes, not their sum (bench/README.md, "The mixed syslog file":
 * 79.6 MB to 73.9 MB). glibc keeps freed memory in its heap otherwise. */
static void release_freed(void)
{
#ifdef __GLIBC__
    (void)malloc_trim(0);
#endif
}

int mw_run_triage(struct mw_run *run)
{
    mw_incidents_build(run->incidents);
    size_t n;
    struct mw_incident *incs = mw_incidents_list(run->incidents, &n);
    if (n == 0) {
        return MW_OK;
    }
    release_freed();
    int rc = add_context(run, incs, n);
    if (rc != MW_OK) {
        return rc;
    }
    for (size_t i = 0; i < n && rc == MW_OK; i++) {
        rc = mw_playbook_answer(run->playbook, &incs[i], mw_run_coverage(run), run->opt->config);
    }
    if (rc == MW_OK) {
        rc = mw_playbook_pivots(incs, n);
    }
    return rc;
}

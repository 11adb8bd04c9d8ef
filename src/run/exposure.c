/* run/exposure.c: what the attacker-linked sessions read (docs/triage.md, What did they read).
 * The context pass hands every mail-access record it reads back for an incident's accounts to
 * mw_exposure_add; a record counts when its client IP is one of the incident's source IPs or its
 * session or application id is one an alert of the incident names. Bind records name the items
 * read (InternetMessageId, SizeInBytes, folder); a Sync record means a whole folder was
 * synchronised to the client, so the folder is marked, not counted as one item.
 * Memory: at most MW_EXPOSURE_FOLDERS_KEPT folders per incident and MW_EXPOSURE_ID_BUDGET distinct
 * message ids per run are remembered; past them, counts go on and the result says so.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/time.h"
#include "run/run_int.h"

#define MW_EXPOSURE_FOLDERS_KEPT        1000u   /* distinct folders counted per incident */
#define MW_EXPOSURE_ID_BUDGET           262144u /* distinct message ids remembered per run */
#define PLAIN_MAX                       65536u  /* records without message ids remembered per run */
#define MW_EXPOSURE_FOLDERS_OMITTED_MAX 65536u  /* folders past the kept ones, told apart */

struct folder_acc {
    uint64_t items, records;
    bool synced;
};

/* A counted record that named no message id (a Defender copy of an audit record carries only
 * OperationCount): what it added, taken back when a copy naming the ids arrives. */
struct plain_rec {
    uint64_t items;
    struct folder_acc *folder; /* NULL: its items are unattributed */
    bool ip, session, app;
};

struct exp_inc {
    struct mw_u64set links;   /* hashes of the incident's signals: 'i' ip, 's' session, 'a' app */
    struct mw_strmap folders; /* path -> struct folder_acc */
    struct mw_u64set folders_omitted; /* hashes of paths past MW_EXPOSURE_FOLDERS_KEPT */
    struct mw_u64set ids;             /* hashes of the distinct message ids */
    struct mw_u64set rich;            /* record Ids counted from a copy naming message ids */
    struct mw_strmap plain;           /* record Id -> struct plain_rec (at most PLAIN_MAX) */
    char **list;                      /* the first MW_EXPOSED_IDS_MAX of them */
    size_t nlist;
    struct mw_exposed x; /* the counters */
};

struct mw_exposure {
    struct mw_incident *incs;
    struct exp_inc *acc;
    size_t n;
    struct mw_u64set seen; /* (incident, record) pairs counted */
    size_t ids_held;       /* distinct ids remembered, all incidents */
    size_t plain_held;     /* records without ids remembered, all incidents */
};

static uint64_t signal_hash(char tag, struct mw_str v)
{
    return mw_hash(v.ptr ? v.ptr : "", v.len, (uint64_t)(unsigned char)tag);
}

static void add_signals(struct mw_u64set *set, char tag, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] && v[i][0]) {
            mw_u64set_add(set, signal_hash(tag, mw_str_c(v[i])));
        }
    }
}

struct mw_exposure *mw_exposure_begin(struct mw_incident *incs, size_t n)
{
    struct mw_exposure *e = mw_calloc(1, sizeof *e);
    e->incs = incs;
    e->n = n;
    e->acc = mw_calloc(n ? n : 1, sizeof *e->acc);
    mw_u64set_init(&e->seen);
    for (size_t i = 0; i < n; i++) {
        struct exp_inc *a = &e->acc[i];
        mw_u64set_init(&a->links);
        mw_strmap_init(&a->folders, false);
        mw_u64set_init(&a->folders_omitted);
        mw_u64set_init(&a->ids);
        mw_u64set_init(&a->rich);
        mw_strmap_init(&a->plain, true);
        add_signals(&a->links, 'i', incs[i].source_ips, incs[i].nsource_ips);
        for (size_t k = 0; k < incs[i].nalerts; k++) {
            const struct mw_inc_alert *al = incs[i].alerts[k];
            add_signals(&a->links, 's', al->sessions, al->nsessions);
            add_signals(&a->links, 'a', al->apps, al->napps);
        }
        a->x.first_ns = a->x.last_ns = MW_TIME_NONE;
    }
    return e;
}

/* The values of a field of a record read back (NULL and 0 when absent). */
static const struct mw_fieldval *values_of(const struct mw_event *ev, const char *name)
{
    int id = mw_fieldtab_lookup(ev->fields, mw_str_c(name));
    const struct mw_fieldval *fv = id >= 0 ? mw_event_get(ev, id) : NULL;
    return fv && fv->n > 0 ? fv : NULL;
}

/* Whether any value of the field is one of the incident's signals of this tag. */
static bool linked_by(const struct exp_inc *a, const struct mw_event *ev, char tag,
                      const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        const struct mw_fieldval *fv = values_of(ev, names[i]);
        for (uint32_t k = 0; fv && k < fv->n; k++) {
            struct mw_str v = mw_fieldval_at(fv, k);
            if (v.len && mw_u64set_has(&a->links, signal_hash(tag, v))) {
                return true;
            }
        }
    }
    return false;
}

static const char *const ip_names[] = { "ClientIPAddress", "ClientIP", NULL };
static const char *const session_names[] = { "SessionId", "AADSessionId", NULL };
static const char *const app_names[] = { "AppId", "ClientAppId", NULL };
static const char *const access_names[] = { "OperationProperties.MailAccessType", "MailAccessType",
                                            NULL };
static const char *const throttled_names[] = { "OperationProperties.IsThrottled", "IsThrottled",
                                               NULL };

const char *const mw_exposure_fields[] = {
    "ClientIPAddress",
    "ClientIP",
    "SessionId",
    "AADSessionId",
    "AppId",
    "ClientAppId",
    "OperationProperties.MailAccessType",
    "MailAccessType",
    "OperationProperties.IsThrottled",
    "IsThrottled",
    "Folders.Path",
    "Folders.FolderItems.InternetMessageId",
    "Folders.FolderItems.SizeInBytes",
    "OperationCount",
    "Id",
    "dovecot.download_count",
    "dovecot.download_bytes",
    NULL,
};

static struct folder_acc *folder(struct exp_inc *a, struct mw_str path)
{
    struct folder_acc *f = mw_strmap_get(&a->folders, path);
    if (f) {
        return f;
    }
    if (a->folders.count >= MW_EXPOSURE_FOLDERS_KEPT) {
        if (a->folders_omitted.count < MW_EXPOSURE_FOLDERS_OMITTED_MAX) {
            mw_u64set_add(&a->folders_omitted, mw_hash(path.ptr, path.len, 0));
        }
        return NULL;
    }
    f = mw_calloc(1, sizeof *f);
    mw_strmap_put(&a->folders, path, f);
    return f;
}

/* A message id of a bind record: true when it is new to the incident (or past the budget, where
 * ids are no longer told apart). */
static bool new_id(struct mw_exposure *e, struct exp_inc *a, struct mw_str id)
{
    uint64_t h = mw_hash(id.ptr, id.len, 0x1d);
    if (mw_u64set_has(&a->ids, h)) {
        return false;
    }
    a->x.ids_total++;
    if (e->ids_held >= MW_EXPOSURE_ID_BUDGET) {
        a->x.ids_capped = true;
        return true;
    }
    mw_u64set_add(&a->ids, h);
    e->ids_held++;
    if (a->nlist < MW_EXPOSED_IDS_MAX) {
        if (a->nlist == 0) {
            a->list = mw_calloc(MW_EXPOSED_IDS_MAX, sizeof *a->list);
        }
        a->list[a->nlist++] = mw_strndup(id.ptr, id.len);
    }
    return true;
}

/* The items a bind record read, with their sizes: distinct message ids (sizes paired by position
 * when every item has both), else the sizes given, else OperationCount. */
static uint64_t bind_items(struct mw_exposure *e, struct exp_inc *a, const struct mw_event *ev)
{
    const struct mw_fieldval *ids = values_of(ev, "Folders.FolderItems.InternetMessageId");
    const struct mw_fieldval *sizes = values_of(ev, "Folders.FolderItems.SizeInBytes");
    uint32_t nsizes = sizes ? sizes->n : 0;
    uint64_t items = 0;
    if (ids) {
        bool paired = nsizes == ids->n;
        for (uint32_t i = 0; i < ids->n; i++) {
            struct mw_str id = mw_fieldval_at(ids, i);
            if (id.len && new_id(e, a, id)) {
                items++;
                if (paired) {
                    a->x.size_bytes += mw_run_digits(mw_fieldval_at(sizes, i));
                    a->x.items_with_size++;
                }
            }
        }
        return items;
    }
    for (uint32_t i = 0; i < nsizes; i++) {
        a->x.size_bytes += mw_run_digits(mw_fieldval_at(sizes, i));
    }
    a->x.items_with_size += nsizes;
    if (nsizes) {
        return nsizes;
    }
    /* A Dovecot session: the messages and bytes of bodies its logout counted (docs/triage.md). */
    struct mw_str dl =
            mw_run_first_field(ev, (const char *const[]){ "dovecot.download_count", NULL });
    if (dl.len) {
        struct mw_str bytes =
                mw_run_first_field(ev, (const char *const[]){ "dovecot.download_bytes", NULL });
        uint64_t n = mw_run_digits(dl);
        if (bytes.len) {
            a->x.size_bytes += mw_run_digits(bytes);
            a->x.items_with_size += n;
        }
        return n;
    }
    uint64_t n =
            mw_run_digits(mw_run_first_field(ev, (const char *const[]){ "OperationCount", NULL }));
    return n ? n : 1;
}

static void note_time(struct mw_exposed *x, const struct mw_event *ev)
{
    if (!ev->has_time) {
        return;
    }
    if (x->first_ns == MW_TIME_NONE || ev->time_ns < x->first_ns) {
        x->first_ns = ev->time_ns;
    }
    if (x->last_ns == MW_TIME_NONE || ev->time_ns > x->last_ns) {
        x->last_ns = ev->time_ns;
    }
}

/* The same audit record may come twice, from two exports (the audit log and a Defender table):
 * counted once, by its Id, from the copy that names message ids when one does. False: skip it. */
static bool first_copy(struct exp_inc *a, struct mw_str rec_id, bool names_ids)
{
    if (!rec_id.len) {
        return true;
    }
    uint64_t h = mw_hash(rec_id.ptr, rec_id.len, 0x2f);
    if (mw_u64set_has(&a->rich, h)) {
        return false;
    }
    struct plain_rec *p = mw_strmap_get(&a->plain, rec_id);
    if (p && !names_ids) {
        return false;
    }
    if (p && p->items != UINT64_MAX) { /* take back what the poorer copy added */
        struct mw_exposed *x = &a->x;
        x->records--;
        x->items -= p->items;
        x->by_ip -= p->ip;
        x->by_session -= p->session;
        x->by_app -= p->app;
        if (p->folder) {
            p->folder->items -= p->items;
            p->folder->records--;
        } else {
            x->unattributed_items -= p->items;
        }
        p->items = UINT64_MAX; /* superseded */
    }
    if (names_ids) {
        mw_u64set_add(&a->rich, h);
    }
    return true;
}

static void remember_plain(struct mw_exposure *e, struct exp_inc *a, struct mw_str rec_id,
                           const struct plain_rec *r)
{
    if (rec_id.len && e->plain_held < PLAIN_MAX && !mw_strmap_has(&a->plain, rec_id)) {
        struct plain_rec *p = mw_malloc(sizeof *p);
        *p = *r;
        mw_strmap_put(&a->plain, rec_id, p);
        e->plain_held++;
    }
}

void mw_exposure_add(struct mw_exposure *e, size_t inc, const struct mw_event *ev, uint64_t rkey)
{
    struct exp_inc *a = &e->acc[inc];
    bool ip = linked_by(a, ev, 'i', ip_names), sess = linked_by(a, ev, 's', session_names),
         app = linked_by(a, ev, 'a', app_names);
    if (!(ip || sess || app) || !mw_u64set_add(&e->seen, rkey)) {
        return; /* not the attacker's, or counted already under another form of the account */
    }
    bool sync = mw_str_ieq_c(mw_run_first_field(ev, access_names), "Sync");
    bool names_ids = !sync && values_of(ev, "Folders.FolderItems.InternetMessageId") != NULL;
    struct mw_str rec_id = mw_run_first_field(ev, (const char *const[]){ "Id", NULL });
    if (!first_copy(a, rec_id, names_ids)) {
        return;
    }
    struct mw_exposed *x = &a->x;
    x->records++;
    x->by_ip += ip;
    x->by_session += sess;
    x->by_app += app;
    note_time(x, ev);
    x->throttled |= mw_str_ieq_c(mw_run_first_field(ev, throttled_names), "True");
    const struct mw_fieldval *paths = values_of(ev, "Folders.Path");
    uint64_t items = sync ? 0 : bind_items(e, a, ev);
    x->items += items;
    uint32_t npaths = paths ? paths->n : 0;
    struct plain_rec pr = { items, NULL, ip, sess, app };
    for (uint32_t i = 0; i < npaths; i++) {
        struct folder_acc *f = folder(a, mw_fieldval_at(paths, i));
        if (f) {
            f->records++;
            f->synced |= sync;
            f->items += npaths == 1 ? items : 0;
            pr.folder = npaths == 1 ? f : NULL;
        }
    }
    if (!pr.folder) { /* several folders, none, or one past those kept */
        x->unattributed_items += items;
    }
    if (!names_ids) {
        remember_plain(e, a, rec_id, &pr);
    }
}

static int cmp_folder(const void *pa, const void *pb)
{
    const struct mw_exposed_folder *x = pa, *y = pb;
    if (x->items != y->items) {
        return x->items > y->items ? -1 : 1;
    }
    if (x->synced != y->synced) {
        return x->synced ? -1 : 1;
    }
    return strcmp(x->path, y->path);
}

/* The incident's result from its counters; frees the accumulator. */
static struct mw_exposed *finish_one(struct exp_inc *a)
{
    struct mw_exposed *x = NULL;
    if (a->x.records > 0) {
        x = mw_malloc(sizeof *x);
        *x = a->x;
        x->folders = mw_calloc(a->folders.count ? a->folders.count : 1, sizeof *x->folders);
        x->ids = a->list;
        x->nids = a->nlist;
        a->list = NULL;
        a->nlist = 0;
    }
    struct mw_str key;
    void *val;
    for (size_t it = 0; mw_strmap_next(&a->folders, &it, &key, &val);) {
        struct folder_acc *f = val;
        if (x) {
            x->folders[x->nfolders++] =
                    (struct mw_exposed_folder){ mw_strndup(key.ptr, key.len), f->items, f->records,
                                                f->synced };
        }
        mw_free(f);
    }
    if (x && x->nfolders > 0) {
        qsort(x->folders, x->nfolders, sizeof *x->folders, cmp_folder);
        x->folders_omitted = a->folders_omitted.count;
        while (x->nfolders > MW_EXPOSED_FOLDERS_MAX) {
            mw_free(x->folders[--x->nfolders].path);
            x->folders_omitted++;
        }
    }
    for (size_t i = 0; i < a->nlist; i++) {
        mw_free(a->list[i]);
    }
    mw_free(a->list);
    mw_strmap_fini(&a->folders);
    for (size_t it = 0; mw_strmap_next(&a->plain, &it, &key, &val);) {
        mw_free(val);
    }
    mw_strmap_fini(&a->plain);
    mw_u64set_fini(&a->rich);
    mw_u64set_fini(&a->links);
    mw_u64set_fini(&a->folders_omitted);
    mw_u64set_fini(&a->ids);
    return x;
}

void mw_exposure_finish(struct mw_exposure *e)
{
    if (!e) {
        return;
    }
    for (size_t i = 0; i < e->n; i++) {
        mw_exposed_free(e->incs[i].exposed);
        e->incs[i].exposed = finish_one(&e->acc[i]);
    }
    mw_u64set_fini(&e->seen);
    mw_free(e->acc);
    mw_free(e);
}

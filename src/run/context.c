/* run/context.c: the context events of incidents, indexed while the inputs are read and read
 * back for the incidents' accounts only (run/context.h).
 * SPDX-License-Identifier: MIT */
#include "run/context.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/status.h"
#include "input/input.h"
#include "sources/source.h"

#define KEY_SEED 0x6d77637478ULL /* "mwctx" */
/* A picked entry keeps 24 bits of its file id (struct ctx_pick): files from this id up are not
 * noted, so their entries are not read back. */
#define CTX_NO_FILE 0xffffffu

/* One context event under one account, as written to the temporary file. */
struct ctx_entry {
    uint64_t key;
    uint64_t offset;
    int64_t time_ns;
    uint32_t file;
    uint8_t kind;
    uint8_t joined; /* the event took values of other records (struct mw_event.joined) */
    uint8_t pad[2];
};

struct ctx_file {
    char *path;
    const struct mw_source *src;
};

/* The operations that make an event context (docs/triage.md, Timeline context): the Operation
 * of the unified audit log and of the Exchange admin audit, the OperationName (activity) of the
 * Entra audit log. */
static const struct {
    const char *op;
    int kind;
} ops[] = {
    { "UserLoggedIn", MW_CTX_SIGNIN },
    { "UserLoginFailed", MW_CTX_SIGNIN_FAILED },
    { "New-InboxRule", MW_CTX_RULE },
    { "Set-InboxRule", MW_CTX_RULE },
    { "Remove-InboxRule", MW_CTX_RULE },
    { "Enable-InboxRule", MW_CTX_RULE },
    { "Disable-InboxRule", MW_CTX_RULE },
    { "UpdateInboxRules", MW_CTX_RULE },
    { "Set-Mailbox", MW_CTX_MAILBOX },
    { "Set-CASMailbox", MW_CTX_MAILBOX },
    { "Add-MailboxPermission", MW_CTX_MAILBOX },
    { "Remove-MailboxPermission", MW_CTX_MAILBOX },
    { "Add-RecipientPermission", MW_CTX_MAILBOX },
    { "Remove-RecipientPermission", MW_CTX_MAILBOX },
    { "Add-MailboxFolderPermission", MW_CTX_MAILBOX },
    { "Set-MailboxFolderPermission", MW_CTX_MAILBOX },
    { "Remove-MailboxFolderPermission", MW_CTX_MAILBOX },
    { "MailItemsAccessed", MW_CTX_MAIL_ACCESS },
    { "Send", MW_CTX_SEND },
    { "SendAs", MW_CTX_SEND },
    { "SendOnBehalf", MW_CTX_SEND },
    { "SoftDelete", MW_CTX_DELETE },
    { "HardDelete", MW_CTX_DELETE },
    { "MoveToDeletedItems", MW_CTX_DELETE },
    { "Consent to application.", MW_CTX_GRANT },
    { "Add delegated permission grant.", MW_CTX_GRANT },
    { "Add app role assignment grant to user.", MW_CTX_GRANT },
    { "Add app role assignment to service principal.", MW_CTX_GRANT },
    { "Add OAuth2PermissionGrant.", MW_CTX_GRANT },
    { "New-MailboxExportRequest", MW_CTX_EXPORT },
    { "New-ComplianceSearch", MW_CTX_EXPORT },
    { "Start-ComplianceSearch", MW_CTX_EXPORT },
    { "New-ComplianceSearchAction", MW_CTX_EXPORT },
    { "SearchExported", MW_CTX_EXPORT },
    { "New-MailboxSearch", MW_CTX_EXPORT },
    { "Search-Mailbox", MW_CTX_EXPORT },
};
#define NOPS (sizeof ops / sizeof ops[0])

/* The events of a Linux mail server that make context (docs/triage.md, Timeline context): Dovecot's
 * `dovecot.event` (docs/formats/dovecot.md, Events). A mail_log event is context when its action
 * deletes (the table below the first). */
static const struct {
    const char *event;
    int kind;
} dovecot_events[] = {
    { "login", MW_CTX_SIGNIN },
    { "master_login", MW_CTX_SIGNIN },
    { "auth_failed", MW_CTX_SIGNIN_FAILED },
    { "logout", MW_CTX_MAIL_ACCESS },
    { "sieve_put", MW_CTX_RULE },
    { "sieve_activate", MW_CTX_RULE },
    { "sieve_deactivate", MW_CTX_RULE },
    { "sieve_forward", MW_CTX_SEND },
}, dovecot_deletes[] = {
    { "delete", MW_CTX_DELETE },
    { "expunge", MW_CTX_DELETE },
    { "mailbox_delete", MW_CTX_DELETE },
};

/* Mail stores and the archives they are packed into, by file name ending (docs/triage.md). */
static const char *const store_ext[] = { ".pst", ".ost", ".olm", ".nst", ".mbox", ".eml",
                                         ".msg", ".zip", ".7z",  ".rar", NULL };

enum {
    F_OPERATION,
    F_OPERATION_NAME,
    F_USER,
    F_UPN,
    F_INITIATOR,
    F_PROC_UPN,
    F_PROC_ACCOUNT,
    F_OWNER,
    F_DEVICE,
    F_RESULT_TYPE,
    F_FILE_NAME,
    F_DOVECOT_EVENT,
    F_DOVECOT_ACTION,
    F_POSTFIX_EVENT,
    F_COUNT
};
static const char *const field_names[F_COUNT] = {
    "Operation",
    "OperationName",
    "UserId",
    "UserPrincipalName",
    "InitiatedBy.user.userPrincipalName",
    "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountName",
    "MailboxOwnerUPN",
    "DeviceName",
    "ResultType",
    "FileName",
    "dovecot.event",
    "dovecot.action",
    "postfix.event",
};

#define CTX_BUF_ENTRIES 1024 /* entries gathered before one write (32 KiB) */

struct mw_context {
    struct mw_fieldtab *fields;
    /* The records read back are mapped whole (every field kept), with names of their own: the
     * first reading maps only what rules and triage need. */
    struct mw_fieldtab rfields;
    int fid[F_COUNT];
    struct mw_strmap ops; /* operation -> kind (icase) */
    /* The last operation looked up and its kind: records come in runs of one operation. */
    char last_op[64];
    size_t last_op_len; /* 0: none */
    int last_kind;
    FILE *tmp;                             /* the entries; NULL until the first */
    struct ctx_entry buf[CTX_BUF_ENTRIES]; /* written to tmp when full or read */
    size_t nbuf;
    uint64_t nentries;
    struct ctx_file *files; /* by file id */
    size_t nfiles;
    char error[1024];
};

static const char *const kind_names[MW_CTX_KINDS] = {
    NULL,   "signin", "signin_failed", "rule_change", "mailbox_change", "mail_access",
    "send", "delete", "grant",         "export",      "file_access",
};

const char *mw_ctx_kind_name(int kind)
{
    return kind > 0 && kind < MW_CTX_KINDS ? kind_names[kind] : NULL;
}

const char *const *mw_context_operations(size_t *n)
{
    static const char *names[NOPS];
    for (size_t i = 0; i < NOPS; i++) {
        names[i] = ops[i].op;
    }
    *n = NOPS;
    return names;
}

struct mw_context *mw_context_create(struct mw_fieldtab *fields)
{
    struct mw_context *c = mw_calloc(1, sizeof *c);
    c->fields = fields;
    mw_fieldtab_init(&c->rfields, true);
    for (int i = 0; i < F_COUNT; i++) {
        c->fid[i] = mw_fieldtab_intern(fields, mw_str_c(field_names[i]));
    }
    mw_strmap_init(&c->ops, true);
    for (size_t i = 0; i < NOPS; i++) {
        mw_strmap_put(&c->ops, mw_str_c(ops[i].op), (void *)(uintptr_t)ops[i].kind);
    }
    return c;
}

void mw_context_reset(struct mw_context *c)
{
    if (c->tmp) {
        fclose(c->tmp);
        c->tmp = NULL;
    }
    c->nentries = 0;
    c->nbuf = 0;
    for (size_t i = 0; i < c->nfiles; i++) {
        mw_free(c->files[i].path);
    }
    mw_free(c->files);
    c->files = NULL;
    c->nfiles = 0;
}

void mw_context_destroy(struct mw_context *c)
{
    if (!c) {
        return;
    }
    mw_context_reset(c);
    mw_strmap_fini(&c->ops);
    mw_fieldtab_fini(&c->rfields);
    mw_free(c);
}

uint64_t mw_context_entries(const struct mw_context *c)
{
    return c->nentries;
}

const char *mw_context_error(const struct mw_context *c)
{
    return c->error[0] ? c->error : NULL;
}

uint64_t mw_context_key(const char *form, size_t len)
{
    return mw_hash_lower(form, len, KEY_SEED);
}

static struct mw_str first(const struct mw_context *c, const struct mw_event *ev, int f)
{
    return c->fid[f] >= 0 ? mw_event_first(ev, c->fid[f]) : MW_STR_NULL;
}

/* A Defender file event on a mail store or archive. */
static int file_kind(const struct mw_context *c, const struct mw_event *ev)
{
    struct mw_str name = first(c, ev, F_FILE_NAME);
    for (size_t i = 0; name.ptr && store_ext[i]; i++) {
        if (mw_str_iends(name, mw_str_c(store_ext[i]))) {
            return MW_CTX_FILE;
        }
    }
    return MW_CTX_NONE;
}

/* The kind of an operation, by the table (the last one remembered). */
static int op_kind(struct mw_context *c, struct mw_str op)
{
    if (op.len && op.len == c->last_op_len && !memcmp(op.ptr, c->last_op, op.len)) {
        return c->last_kind;
    }
    int kind = (int)(uintptr_t)mw_strmap_get(&c->ops, op);
    if (op.len && op.len <= sizeof c->last_op) {
        memcpy(c->last_op, op.ptr, op.len);
        c->last_op_len = op.len;
        c->last_kind = kind;
    }
    return kind;
}

/* The kind of a Dovecot event, by its dovecot.event (and dovecot.action for mail_log). */
static int dovecot_kind(const struct mw_context *c, const struct mw_event *ev, struct mw_str event)
{
    for (size_t i = 0; i < sizeof dovecot_events / sizeof dovecot_events[0]; i++) {
        if (mw_str_eq_c(event, dovecot_events[i].event)) {
            return dovecot_events[i].kind;
        }
    }
    if (!mw_str_eq_c(event, "mail_log")) {
        return MW_CTX_NONE;
    }
    struct mw_str action = first(c, ev, F_DOVECOT_ACTION);
    for (size_t i = 0; action.ptr && i < sizeof dovecot_deletes / sizeof dovecot_deletes[0]; i++) {
        if (mw_str_eq_c(action, dovecot_deletes[i].event)) {
            return dovecot_deletes[i].kind;
        }
    }
    return MW_CTX_NONE;
}

int mw_context_kind(struct mw_context *c, const struct mw_event *ev)
{
    const char *src = ev->source ? ev->source : "";
    if (!strcmp(src, "syslog")) {
        struct mw_str event = first(c, ev, F_DOVECOT_EVENT);
        if (event.ptr) {
            return dovecot_kind(c, ev, event);
        }
        /* Postfix SASL logins of submission (docs/formats/postfix.md) */
        event = first(c, ev, F_POSTFIX_EVENT);
        return mw_str_eq_c(event, "sasl_login")    ? MW_CTX_SIGNIN
               : mw_str_eq_c(event, "sasl_failed") ? MW_CTX_SIGNIN_FAILED
                                                   : MW_CTX_NONE;
    }
    if (!strcmp(src, "entra_signin")) {
        struct mw_str rt = first(c, ev, F_RESULT_TYPE);
        return !rt.ptr || mw_str_eq_c(rt, "0") ? MW_CTX_SIGNIN : MW_CTX_SIGNIN_FAILED;
    }
    if (!strcmp(src, "defender")) {
        return file_kind(c, ev);
    }
    struct mw_str op = first(c, ev, F_OPERATION);
    if (!op.ptr) {
        op = first(c, ev, F_OPERATION_NAME);
    }
    return op.ptr ? op_kind(c, op) : MW_CTX_NONE;
}

static int fail(struct mw_context *c, const char *what)
{
    if (!c->error[0]) {
        snprintf(c->error, sizeof c->error, "context index: %s: %s", what, strerror(errno));
    }
    if (c->tmp) {
        fclose(c->tmp);
        c->tmp = NULL;
    }
    return MW_E_IO;
}

/* The temporary file: $TMPDIR or /tmp, unlinked at once. */
static int open_tmp(struct mw_context *c)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/mailward-context-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        return fail(c, "cannot create a temporary file");
    }
    unlink(path);
    c->tmp = fdopen(fd, "w+b");
    if (!c->tmp) {
        close(fd);
        return fail(c, "cannot open the temporary file");
    }
    return MW_OK;
}

/* Remembers the file an event came from (its path and source), by file id. */
static void note_file(struct mw_context *c, const struct mw_event *ev)
{
    uint32_t id = ev->origin.file_id;
    if (id >= CTX_NO_FILE) { /* a picked entry has 24 bits for its file (struct ctx_pick) */
        return;
    }
    if (id >= c->nfiles) {
        size_t n = (size_t)id + 1;
        c->files = mw_realloc(c->files, n * sizeof *c->files);
        memset(c->files + c->nfiles, 0, (n - c->nfiles) * sizeof *c->files);
        c->nfiles = n;
    }
    if (!c->files[id].path && ev->origin.path) {
        c->files[id].path = mw_strdup(ev->origin.path);
        c->files[id].src = ev->source ? mw_source_find(ev->source) : NULL;
    }
}

static int flush_entries(struct mw_context *c)
{
    if (c->nbuf > 0 && fwrite(c->buf, sizeof c->buf[0], c->nbuf, c->tmp) != c->nbuf) {
        return fail(c, "write failed");
    }
    c->nbuf = 0;
    return MW_OK;
}

static int put(struct mw_context *c, const struct mw_event *ev, struct mw_str who, int kind)
{
    if (!who.ptr || !who.len) {
        return MW_OK;
    }
    struct ctx_entry e = { mw_context_key(who.ptr, who.len),
                           ev->origin.offset,
                           ev->has_time ? ev->time_ns : MW_TIME_NONE,
                           ev->origin.file_id,
                           (uint8_t)kind,
                           ev->joined,
                           { 0 } };
    if (c->nbuf == CTX_BUF_ENTRIES && flush_entries(c) != MW_OK) {
        return MW_E_IO;
    }
    c->buf[c->nbuf++] = e;
    c->nentries++;
    return MW_OK;
}

int mw_context_observe(struct mw_context *c, const struct mw_event *ev)
{
    if (c->error[0]) {
        return MW_OK;
    }
    int kind = mw_context_kind(c, ev);
    if (kind == MW_CTX_NONE) {
        return MW_OK;
    }
    if (!c->tmp && open_tmp(c) != MW_OK) {
        return MW_E_IO;
    }
    note_file(c, ev);
    static const int actors[] = { F_USER, F_UPN, F_INITIATOR, F_PROC_UPN };
    struct mw_str actor = MW_STR_NULL;
    for (size_t i = 0; i < sizeof actors / sizeof actors[0] && !actor.ptr; i++) {
        actor = first(c, ev, actors[i]);
    }
    int rc = put(c, ev, actor, kind);
    struct mw_str others[] = { first(c, ev, F_OWNER), first(c, ev, F_PROC_ACCOUNT),
                               first(c, ev, F_DEVICE) };
    for (size_t i = 0; i < 3 && rc == MW_OK; i++) {
        if (others[i].ptr && !(actor.ptr && mw_str_ieq(others[i], actor))) {
            rc = put(c, ev, others[i], kind);
        }
    }
    return rc;
}

/* ---- reading back ------------------------------------------------------------------------ */

/* An entry picked to be read back, in 16 bytes: the temporary file's 32 less what the reading
 * back does not use (the time) and with the account as its index among the keys asked for
 * (sorted, so that the order by index is the order by key). At 100,000 entries, 1.6 MB instead of
 * 4.2 MB while the records are read back (bench/README.md, "The context pass's memory"). */
struct ctx_pick {
    uint64_t offset;
    uint32_t key;       /* index in struct ctx_keys.v */
    uint32_t file_kind; /* file id << 8 | joined << 7 | kind; CTX_NO_FILE for a file that
                         * cannot be read back */
};
_Static_assert(MW_CTX_KINDS <= 0x80, "a kind and the joined bit share a byte of struct ctx_pick");

static uint32_t pick_file(const struct ctx_pick *p)
{
    return p->file_kind >> 8;
}

static int pick_kind(const struct ctx_pick *p)
{
    return (int)(p->file_kind & 0x7f);
}

/* The entry's event took values of other records (struct mw_event.joined). */
static bool pick_joined(const struct ctx_pick *p)
{
    return (p->file_kind & 0x80) != 0;
}

/* The keys asked for, ascending and each once, and how many picked entries each has. */
struct ctx_keys {
    uint64_t *v;
    uint32_t *count;
    size_t n;
    struct mw_u64set set;
};

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static void keys_init(struct ctx_keys *k, const uint64_t *keys, size_t nkeys)
{
    memset(k, 0, sizeof *k);
    mw_u64set_init(&k->set);
    k->v = mw_calloc(nkeys ? nkeys : 1, sizeof *k->v);
    for (size_t i = 0; i < nkeys; i++) {
        if (mw_u64set_add(&k->set, keys[i])) {
            k->v[k->n++] = keys[i];
        }
    }
    if (k->n > 0) { /* qsort wants a non-NULL array even when empty */
        qsort(k->v, k->n, sizeof *k->v, cmp_u64);
    }
    k->count = mw_calloc(k->n ? k->n : 1, sizeof *k->count);
}

/* The index of a key asked for (it is one). */
static uint32_t key_index(const struct ctx_keys *k, uint64_t key)
{
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->v[mid] < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (uint32_t)lo;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct ctx_pick *a = pa, *b = pb;
    if (pick_file(a) != pick_file(b)) {
        return pick_file(a) < pick_file(b) ? -1 : 1;
    }
    if (a->offset != b->offset) {
        return a->offset < b->offset ? -1 : 1;
    }
    return a->key < b->key ? -1 : a->key > b->key;
}

/* The entries of the given keys, sorted by file and offset; k->count says how many each has. */
static int pick(struct mw_context *c, struct ctx_keys *k, size_t max, struct ctx_pick **out,
                size_t *n, uint64_t *dropped)
{
    *out = NULL;
    *n = 0;
    if (!c->tmp) {
        return MW_OK;
    }
    if (flush_entries(c) != MW_OK) {
        return MW_E_IO;
    }
    if (fflush(c->tmp) != 0 || fseek(c->tmp, 0, SEEK_SET) != 0) {
        return fail(c, "cannot read the temporary file back");
    }
    size_t cap = 0;
    struct ctx_entry e;
    while (fread(&e, sizeof e, 1, c->tmp) == 1) {
        if (!mw_u64set_has(&k->set, e.key)) {
            continue;
        }
        if (*n == max) {
            (*dropped)++;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            *out = mw_realloc(*out, cap * sizeof **out);
        }
        uint32_t key = key_index(k, e.key);
        uint32_t file = e.file < CTX_NO_FILE ? e.file : CTX_NO_FILE;
        uint32_t joined = e.joined ? 0x80u : 0u;
        (*out)[(*n)++] = (struct ctx_pick){ e.offset, key, file << 8 | joined | (e.kind & 0x7fu) };
        k->count[key]++;
    }
    if (ferror(c->tmp)) {
        return fail(c, "cannot read the temporary file back");
    }
    (void)fseek(c->tmp, 0, SEEK_END); /* a later observe appends */
    if (*n > 0) {                     /* qsort wants a non-NULL array even when empty */
        *out = mw_realloc(*out, *n * sizeof **out); /* the room doubling left: the reading's */
        qsort(*out, *n, sizeof **out, cmp_entry);
    }
    return MW_OK;
}

/* The entries of one file being read back. */
struct file_read {
    const struct ctx_pick *e;
    size_t n;
    const uint64_t *keys; /* struct ctx_keys.v */
    mw_ctx_event_fn *fn;
    void *arg;
    int rc;
    size_t cursor;    /* want(): the first entry at or after the last offset asked */
    const char *path; /* the path the first reading had ("-" for standard input) */
};

/* First entry at or after offset. */
static size_t lower_bound(const struct file_read *fr, uint64_t offset)
{
    size_t lo = 0, hi = fr->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fr->e[mid].offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int want(void *arg, uint64_t offset, uint64_t len)
{
    struct file_read *fr = arg;
    /* records come in offset order: walk on from the last answer (search when sent back) */
    size_t i = fr->cursor;
    if (i > 0 && i <= fr->n && fr->e[i - 1].offset >= offset) {
        i = lower_bound(fr, offset);
    }
    while (i < fr->n && fr->e[i].offset < offset) {
        i++;
    }
    fr->cursor = i;
    if (i == fr->n) {
        return -1; /* past the last wanted record: the file is read no further */
    }
    return fr->e[i].offset == offset || fr->e[i].offset < offset + len;
}

static int on_event(void *arg, struct mw_event *ev)
{
    struct file_read *fr = arg;
    ev->origin.path = fr->path; /* standard input read from its spool is still "-" */
    for (size_t i = lower_bound(fr, ev->origin.offset);
         i < fr->n && fr->e[i].offset == ev->origin.offset; i++) {
        if (i > 0 && fr->e[i - 1].offset == fr->e[i].offset && fr->e[i - 1].key == fr->e[i].key) {
            continue; /* the same account twice (actor and target alike) */
        }
        struct mw_ctx_event ce = { fr->keys[fr->e[i].key], pick_kind(&fr->e[i]), ev };
        int rc = fr->fn(fr->arg, &ce);
        if (rc != MW_OK) {
            fr->rc = rc;
            return rc;
        }
    }
    return MW_OK;
}

/* ---- rotated families ------------------------------------------------------------------------ */

/* The carry of one rotated family through the reading back, and the newest of its files read so
 * far (order and path, as the first reading sorted them). */
struct family {
    char *path; /* a file of the family; the first family_len bytes name it */
    size_t family_len;
    int64_t last_order;
    const char *last_path; /* NULL: none read yet */
    struct mw_carry carry;
};

struct families {
    struct family *v;
    size_t n;
    int64_t *order; /* of each of the first reading's inputs (mw_rotation_order) */
    size_t *flen;   /* and its family's length */
};

static void families_init(struct families *fs, const struct mw_ctx_read_opts *o)
{
    memset(fs, 0, sizeof *fs);
    fs->order = mw_calloc(o->ninputs + 1, sizeof *fs->order);
    fs->flen = mw_calloc(o->ninputs + 1, sizeof *fs->flen);
    for (size_t i = 0; i < o->ninputs; i++) {
        fs->order[i] = mw_rotation_order(o->inputs[i], &fs->flen[i]);
    }
}

static int cmp_place(int64_t oa, const char *pa, int64_t ob, const char *pb)
{
    return oa != ob ? (oa < ob ? -1 : 1) : strcmp(pa, pb);
}

/* Whether input i of the first reading is of the family fpath[0, flen) names. */
static bool in_family(const struct families *fs, const struct mw_ctx_read_opts *o, size_t i,
                      const char *fpath, size_t flen)
{
    return fs->flen[i] == flen && memcmp(o->inputs[i], fpath, flen) == 0;
}

/* The family of path when the first reading read two or more of its files, else NULL. */
static struct family *family_of(struct families *fs, const char *path,
                                const struct mw_ctx_read_opts *o)
{
    size_t flen;
    (void)mw_rotation_order(path, &flen);
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].family_len == flen && memcmp(fs->v[i].path, path, flen) == 0) {
            return &fs->v[i];
        }
    }
    size_t members = 0;
    for (size_t i = 0; i < o->ninputs; i++) {
        members += in_family(fs, o, i, path, flen);
    }
    if (members < 2) {
        return NULL;
    }
    fs->v = mw_realloc(fs->v, (fs->n + 1) * sizeof *fs->v);
    struct family *f = &fs->v[fs->n++];
    memset(f, 0, sizeof *f);
    f->path = mw_strdup(path);
    f->family_len = flen;
    f->carry.keep = true; /* a newer file may follow: its state is dropped at the end */
    return f;
}

static void families_fini(struct families *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].carry.state && fs->v[i].carry.drop) {
            fs->v[i].carry.drop(fs->v[i].carry.state);
        }
        mw_free(fs->v[i].path);
    }
    mw_free(fs->v);
    mw_free(fs->order);
    mw_free(fs->flen);
}

static int want_none(void *arg, uint64_t offset, uint64_t len)
{
    (void)arg;
    (void)offset;
    (void)len;
    return -1; /* a source that joins lines still reads the file whole, quietly */
}

static int emit_none(void *arg, struct mw_event *ev)
{
    (void)arg;
    (void)ev;
    return MW_OK;
}

/* Reads path again with the first reading's options: emit gets the records want asks for. */
static int scan_again(struct mw_context *c, const char *path, uint32_t file_id,
                      const struct mw_source *src, const struct mw_ctx_read_opts *o,
                      mw_event_fn *emit, int (*want_fn)(void *, uint64_t, uint64_t), void *arg,
                      struct mw_carry *carry, bool no_joins, struct mw_diag *diag)
{
    struct mw_arena arena;
    mw_arena_init(&arena, 64 * 1024, 64u * 1024 * 1024);
    struct mw_event ev;
    mw_event_init(&ev, &c->rfields, &arena);
    struct mw_map_ctx ctx = {
        .fields = &c->rfields,
        .arena = &arena,
        .event = &ev,
        .tz = mw_tzmap_for(o->tz, path),
        .date_order = o->date_order,
        .year = o->year,
        .access_format = o->access_format,
        .emit = emit,
        .emit_arg = arg,
        .want = want_fn,
        .want_arg = arg,
        .carry = carry,
        .no_joins = no_joins,
    };
    struct mw_problems problems;
    memset(&problems, 0, sizeof problems);
    struct mw_file_stats stats;
    int rc = mw_source_scan_file(path, file_id, src, &ctx, &problems, &stats, diag);
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    return rc;
}

/* Reads an older file of the family nothing was asked of, for the joins it hands on. */
static void track_file(struct mw_context *c, const char *path, struct mw_carry *carry,
                       const struct mw_ctx_read_opts *o)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    (void)scan_again(c, path, 0, NULL, o, emit_none, want_none, NULL, carry, false, &diag);
}

/* Before path is read back: the files of its family the first reading read before it and this
 * reading has not, read for their joins only. */
static void catch_up(struct mw_context *c, const struct families *fs, struct family *fam,
                     const char *path, const struct mw_ctx_read_opts *o)
{
    size_t flen;
    int64_t order = mw_rotation_order(path, &flen);
    for (size_t i = 0; i < o->ninputs; i++) {
        const char *q = o->inputs[i];
        int64_t qorder = fs->order[i];
        if (!in_family(fs, o, i, path, flen) || cmp_place(qorder, q, order, path) >= 0 ||
            (fam->last_path && cmp_place(qorder, q, fam->last_order, fam->last_path) <= 0)) {
            continue;
        }
        track_file(c, q, &fam->carry, o);
    }
    fam->last_order = order;
    fam->last_path = path;
}

/* Whether the records of one file asked for can be read without the records between them: none
 * took values of others (a join, a grouping), its source marks such events, and the file is not
 * one of a rotated family (whose joins go on into the next file). */
static bool without_joins(const struct ctx_file *f, const struct file_read *fr,
                          const struct mw_carry *carry)
{
    if (carry || !f->src || !f->src->marks_joins) {
        return false;
    }
    for (size_t i = 0; i < fr->n; i++) {
        if (pick_joined(&fr->e[i])) {
            return false;
        }
    }
    return true;
}

/* Reads back one file's entries: the file is read again, only the records at their offsets
 * mapped (and, when they need them, the records they join). */
static int read_file(struct mw_context *c, const struct ctx_file *f, struct file_read *fr,
                     const struct mw_ctx_read_opts *o, struct mw_carry *carry)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    int rc = scan_again(c, f->path, pick_file(&fr->e[0]), f->src, o, on_event, want, fr, carry,
                        without_joins(f, fr, carry), &diag);
    if (fr->rc != MW_OK) {
        return fr->rc;
    }
    if (rc < 0) {
        /* changed, gone, or cut short (a truncated gzip reads as far as the first reading did):
         * what was read back stands, the rest of its context is left out, the run goes on */
        fprintf(stderr, "mailward: context: %.500s could not be read again to its end: %.256s\n",
                f->path, diag.msg[0] ? diag.msg : mw_status_str(rc));
    }
    return MW_OK;
}

/* Reads back the picked entries of one file, e[0, n) (or counts them as dropped when the file
 * cannot be read again). */
static int read_group(struct mw_context *c, const struct ctx_pick *e, size_t n,
                      const struct ctx_keys *k, struct families *fams,
                      const struct mw_ctx_read_opts *o, mw_ctx_event_fn *fn, void *arg,
                      uint64_t *dropped)
{
    uint32_t file = pick_file(&e[0]);
    const struct ctx_file *f = file < c->nfiles ? &c->files[file] : NULL;
    char spooled[64];
    bool is_stdin = f && f->path && strcmp(f->path, "-") == 0;
    if (!f || !f->path || (is_stdin && !mw_stream_stdin_spool_path(spooled, sizeof spooled))) {
        *dropped += n; /* standard input cannot be read again */
        return MW_OK;
    }
    struct file_read fr = { e, n, k->v, fn, arg, MW_OK, 0, f->path };
    struct ctx_file spool_file = *f;
    struct family *fam = NULL;
    if (is_stdin) { /* standard input, from its spool (input/stream.c) */
        spool_file.path = spooled;
    } else if ((fam = family_of(fams, f->path, o)) != NULL) {
        catch_up(c, fams, fam, f->path, o);
    }
    return read_file(c, &spool_file, &fr, o, fam ? &fam->carry : NULL);
}

int mw_context_read(struct mw_context *c, const uint64_t *keys, size_t nkeys,
                    const struct mw_ctx_read_opts *o, mw_ctx_event_fn *fn, void *arg,
                    uint64_t *dropped)
{
    *dropped = 0;
    if (o->fields) { /* a projection instead of every field */
        mw_fieldtab_fini(&c->rfields);
        mw_fieldtab_init(&c->rfields, false);
        for (size_t i = 0; o->fields[i]; i++) {
            mw_fieldtab_intern(&c->rfields, mw_str_c(o->fields[i]));
        }
    }
    struct ctx_keys k;
    keys_init(&k, keys, nkeys);
    struct ctx_pick *e;
    size_t n;
    int rc = pick(c, &k, o->max_events ? o->max_events : 100000, &e, &n, dropped);
    mw_u64set_fini(&k.set); /* its room, before the reading back: the keys are sorted in k.v */
    if (rc == MW_OK && o->picked) {
        o->picked(arg, k.v, k.count, k.n);
    }
    struct families fams;
    families_init(&fams, o);
    for (size_t i = 0; i < n && rc == MW_OK;) {
        size_t j = i;
        while (j < n && pick_file(&e[j]) == pick_file(&e[i])) {
            j++;
        }
        rc = read_group(c, e + i, j - i, &k, &fams, o, fn, arg, dropped);
        i = j;
    }
    families_fini(&fams);
    mw_free(e);
    mw_free(k.v);
    mw_free(k.count);
    return rc;
}

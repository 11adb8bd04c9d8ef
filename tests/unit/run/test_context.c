/* tests/unit/run/test_context.c: context events indexed while reading and read back for some
 * accounts only: which events are context and of what kind, every account an event names (actor,
 * mailbox owner, device), the records read back at their offsets (JSON Lines, a gzip file read
 * again, records side by side on one line), the cap on what is read back, and the prefilter that
 * lets context records through.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "detect/detect.h"
#include "run/context.h"
#include "run/pipeline.h"
#include "test_files.h"

#define REC(op, user, ip, extra)                                                                   \
    "{\"CreationTime\":\"2025-03-05T14:0" #ip ":00\",\"Id\":\"id-" #ip "\",\"Operation\":\"" op    \
    "\",\"RecordType\":2,\"Workload\":\"Exchange\",\"ResultStatus\":\"Succeeded\",\"UserId\":"     \
    "\"" user "\",\"ClientIP\":\"203.0.113." #ip "\"" extra "}"

static const char lines[] = REC("UserLoggedIn", "alice@example.org", 1, "") "\n" /* 1 */
        REC("MailItemsAccessed", "Alice@Example.org", 2,
            ",\"MailboxOwnerUPN\":\"carol@example.org\"") "\n" REC("Update", "bob@example.org", 3,
                                                                   "") "\n" /* not context */
        REC("New-InboxRule", "bob@example.org", 4,
            "") "\n" REC("SoftDelete", "alice@example.org", 5,
                         "") "\n" REC("UserLoginFailed", "alice@example.org", 6, "") "\n";

struct seen {
    int n;
    int kinds[16];
    uint64_t offsets[16];
    char users[16][64];
};

static int collect(void *arg, const struct mw_ctx_event *ce)
{
    struct seen *s = arg;
    assert_true(s->n < 16);
    s->kinds[s->n] = ce->kind;
    s->offsets[s->n] = ce->ev->origin.offset;
    int uid = mw_fieldtab_lookup(ce->ev->fields, mw_str_c("UserId"));
    struct mw_str u = mw_event_first(ce->ev, uid);
    snprintf(s->users[s->n], sizeof s->users[0], "%.*s", (int)u.len, u.ptr ? u.ptr : "");
    s->n++;
    return MW_OK;
}

struct fixture {
    struct mw_fieldtab fields;
    struct mw_context *ctx;
};

static int observe(void *arg, struct mw_event *ev)
{
    struct fixture *fx = arg;
    return mw_context_observe(fx->ctx, ev);
}

/* Reads the paths with a pipeline that feeds the context index. */
static void read_inputs(struct fixture *fx, const char *const *paths, size_t n)
{
    mw_fieldtab_init(&fx->fields, false);
    fx->ctx = mw_context_create(&fx->fields);
    struct mw_pipeline pl;
    mw_pipeline_init(&pl);
    pl.paths = paths;
    pl.npaths = n;
    pl.fields = &fx->fields;
    pl.on_event = observe;
    pl.on_event_arg = fx;
    assert_int_equal(mw_pipeline_run(&pl), MW_OK);
    assert_false(pl.failed);
    mw_pipeline_fini(&pl);
}

static void done(struct fixture *fx)
{
    assert_null(mw_context_error(fx->ctx));
    mw_context_destroy(fx->ctx);
    mw_fieldtab_fini(&fx->fields);
}

static void read_back(struct fixture *fx, const char *account, size_t max, struct seen *s,
                      uint64_t *dropped)
{
    uint64_t key = mw_context_key(account, strlen(account));
    struct mw_ctx_read_opts o = { NULL, MW_DATE_ORDER_UNKNOWN, 0, NULL, max, NULL, NULL, 0, NULL };
    memset(s, 0, sizeof *s);
    assert_int_equal(mw_context_read(fx->ctx, &key, 1, &o, collect, s, dropped), MW_OK);
}

/* The file `name` in the temporary directory (its path into path, 256 bytes) holding `lines`,
 * read into fx. */
static void read_lines(struct fixture *fx, const char *name, char *path)
{
    assert_int_equal(mw_test_temp_path(name, path, 256), 0);
    assert_int_equal(mw_test_write_file(path, lines, strlen(lines)), 0);
    const char *paths[] = { path };
    read_inputs(fx, paths, 1);
}

static void test_kinds_and_accounts(void **state)
{
    (void)state;
    char path[256];
    struct fixture fx;
    read_lines(&fx, "ctx-lines.jsonl", path);
    /* 5 context events; the mail access is also written under its mailbox owner */
    assert_int_equal(mw_context_entries(fx.ctx), 6);

    struct seen s;
    uint64_t dropped;
    read_back(&fx, "ALICE@example.org", 0, &s, &dropped); /* case ignored */
    assert_int_equal(dropped, 0);
    assert_int_equal(s.n, 4);
    int want[] = { MW_CTX_SIGNIN, MW_CTX_MAIL_ACCESS, MW_CTX_DELETE, MW_CTX_SIGNIN_FAILED };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(s.kinds[i], want[i]);
        /* the record read back is the one at that offset */
        assert_true(i == 0 || s.offsets[i] > s.offsets[i - 1]);
        assert_string_equal(mw_ctx_kind_name(s.kinds[i]), mw_ctx_kind_name(want[i]));
    }
    assert_string_equal(s.users[1], "Alice@Example.org");
    assert_int_equal(s.offsets[0], 0);

    /* the mailbox owner of a mail access, not its actor */
    read_back(&fx, "carol@example.org", 0, &s, &dropped);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.kinds[0], MW_CTX_MAIL_ACCESS);
    assert_string_equal(s.users[0], "Alice@Example.org");

    /* bob's Update is no context; his rule change is */
    read_back(&fx, "bob@example.org", 0, &s, &dropped);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.kinds[0], MW_CTX_RULE);

    /* the cap: the first entries in file order are read back, the rest counted */
    read_back(&fx, "alice@example.org", 2, &s, &dropped);
    assert_int_equal(s.n, 2);
    assert_int_equal(dropped, 2);

    read_back(&fx, "nobody@example.org", 0, &s, &dropped);
    assert_int_equal(s.n, 0);
    done(&fx);
    remove(path);
}

/* A gzip file is decompressed again; records of one JSON array on one line are found by their
 * own offsets. */
/* What the caller is told before the reading back (mw_ctx_read_opts.picked): each key once,
 * ascending, with as many entries as the callback then gets under it. */
struct picked {
    int calls;
    uint64_t keys[8];
    uint32_t counts[8];
    size_t n;
    int got[8]; /* collect_key calls per key of keys[] */
};

static void on_picked(void *arg, const uint64_t *keys, const uint32_t *counts, size_t n)
{
    struct picked *p = arg;
    p->calls++;
    assert_true(n <= 8);
    memcpy(p->keys, keys, n * sizeof *keys);
    memcpy(p->counts, counts, n * sizeof *counts);
    p->n = n;
}

static int collect_key(void *arg, const struct mw_ctx_event *ce)
{
    struct picked *p = arg;
    assert_int_equal(p->calls, 1); /* told first */
    for (size_t i = 0; i < p->n; i++) {
        p->got[i] += p->keys[i] == ce->key;
    }
    return MW_OK;
}

static void test_picked_counts(void **state)
{
    (void)state;
    char path[256];
    struct fixture fx;
    read_lines(&fx, "ctx-picked.jsonl", path);
    const char *forms[] = { "bob@example.org", "alice@example.org", "carol@example.org",
                            "ALICE@example.org", "nobody@example.org" };
    uint64_t keys[5];
    for (size_t i = 0; i < 5; i++) {
        keys[i] = mw_context_key(forms[i], strlen(forms[i]));
    }
    for (size_t max = 0; max <= 3; max += 3) { /* all, then the first three in file order */
        struct mw_ctx_read_opts o = { NULL,     MW_DATE_ORDER_UNKNOWN, 0, NULL, max, NULL, NULL, 0,
                                      on_picked };
        struct picked p;
        memset(&p, 0, sizeof p);
        uint64_t dropped;
        assert_int_equal(mw_context_read(fx.ctx, keys, 5, &o, collect_key, &p, &dropped), MW_OK);
        assert_int_equal(p.calls, 1);
        assert_int_equal(p.n, 4); /* alice's two forms are one key */
        uint32_t total = 0;
        for (size_t i = 0; i < p.n; i++) {
            assert_true(i == 0 || p.keys[i - 1] < p.keys[i]);
            assert_int_equal(p.counts[i], p.got[i]);
            total += p.counts[i];
            if (p.keys[i] == keys[1]) {
                assert_int_equal(p.counts[i], max ? 2 : 4); /* alice: entries 1 and 2 of 3 */
            }
            if (p.keys[i] == keys[4]) {
                assert_int_equal(p.counts[i], 0);
            }
        }
        assert_int_equal(total, max ? 3 : 6);
        assert_int_equal(dropped, max ? 3 : 0);
    }
    done(&fx);
}

static void test_gzip_and_array(void **state)
{
    (void)state;
    char plain[256], gz[300], arr[256];
    assert_int_equal(mw_test_temp_path("ctx-gz.jsonl", plain, sizeof plain), 0);
    assert_int_equal(mw_test_write_file(plain, lines, strlen(lines)), 0);
    snprintf(gz, sizeof gz, "%s.gz", plain);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", plain, gz);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(mw_test_temp_path("ctx-array.json", arr, sizeof arr), 0);
    const char array[] = "[" REC("UserLoggedIn", "dan@example.org", 1, "") "," REC(
            "Update", "dan@example.org", 2, "") "," REC("Send", "dan@example.org", 3, "") "]";
    assert_int_equal(mw_test_write_file(arr, array, strlen(array)), 0);
    const char *paths[] = { gz, arr };
    struct fixture fx;
    read_inputs(&fx, paths, 2);
    struct seen s;
    uint64_t dropped;
    read_back(&fx, "bob@example.org", 0, &s, &dropped);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.kinds[0], MW_CTX_RULE);
    read_back(&fx, "dan@example.org", 0, &s, &dropped);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.kinds[0], MW_CTX_SIGNIN);
    assert_int_equal(s.kinds[1], MW_CTX_SEND);
    assert_int_equal(s.offsets[0], 1);
    assert_true(s.offsets[1] > s.offsets[0]);
    assert_int_equal(array[s.offsets[1]], '{');
    done(&fx);
    remove(plain);
    remove(gz);
    remove(arr);
}

static void test_reset(void **state)
{
    (void)state;
    char path[256];
    struct fixture fx;
    read_lines(&fx, "ctx-reset.jsonl", path);
    mw_context_reset(fx.ctx);
    assert_int_equal(mw_context_entries(fx.ctx), 0);
    struct seen s;
    uint64_t dropped;
    read_back(&fx, "alice@example.org", 0, &s, &dropped);
    assert_int_equal(s.n, 0);
    done(&fx);
    remove(path);
}

static void test_prefilter_add(void **state)
{
    (void)state;
    struct mw_prefilter pf = { "m365", 0, NULL, 0 };
    size_t n;
    const char *const *ops = mw_context_operations(&n);
    assert_true(n > 20);
    assert_true(mw_prefilter_add(&pf, ops, n));
    assert_int_equal(pf.n, n);
    assert_true(mw_prefilter_add(&pf, ops, n)); /* nothing twice */
    assert_int_equal(pf.n, n);
    assert_true(mw_prefilter_pass(&pf, mw_str_c("mailitemsaccessed")));
    assert_false(mw_prefilter_pass(&pf, mw_str_c("Update")));
    const char *many[MW_PREFILTER_VALUES_MAX];
    char names[MW_PREFILTER_VALUES_MAX][16];
    for (int i = 0; i < MW_PREFILTER_VALUES_MAX; i++) {
        snprintf(names[i], sizeof names[i], "op%d", i);
        many[i] = names[i];
    }
    assert_false(mw_prefilter_add(&pf, many, MW_PREFILTER_VALUES_MAX));
    for (size_t i = 0; i < pf.n; i++) {
        mw_free((void *)(uintptr_t)pf.vals[i].ptr);
    }
    mw_free(pf.vals);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_and_accounts), cmocka_unit_test(test_picked_counts),
        cmocka_unit_test(test_gzip_and_array),     cmocka_unit_test(test_reset),
        cmocka_unit_test(test_prefilter_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

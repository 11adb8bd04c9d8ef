/* tests/unit/run/test_exposure.c: what the attacker-linked sessions read (run/exposure.c): which
 * mail-access records are linked (the incident's IPs, its alerts' sessions and applications),
 * bind items by distinct message id with their sizes, a record naming several folders, Sync
 * records as whole folders, a poorer copy of a record replaced by one naming the ids, the same
 * record read back twice, throttling, and the folder order.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/time.h"
#include "run/run_int.h"

struct fx {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_inc_alert alert;
    const struct mw_inc_alert *alerts[1];
    char *ips[1];
    char *sessions[1];
    char *apps[1];
    struct mw_incident inc;
};

static int setup(void **state)
{
    struct fx *f = mw_calloc(1, sizeof *f);
    mw_fieldtab_init(&f->fields, true);
    mw_arena_init(&f->arena, 4096, 0);
    mw_event_init(&f->ev, &f->fields, &f->arena);
    f->ips[0] = "203.0.113.7";
    f->sessions[0] = "sess-attacker";
    f->apps[0] = "app-attacker";
    f->alert.sessions = f->sessions;
    f->alert.nsessions = 1;
    f->alert.apps = f->apps;
    f->alert.napps = 1;
    f->alerts[0] = &f->alert;
    f->inc.source_ips = f->ips;
    f->inc.nsource_ips = 1;
    f->inc.alerts = f->alerts;
    f->inc.nalerts = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mw_exposed_free(f->inc.exposed);
    mw_event_fini(&f->ev);
    mw_arena_fini(&f->arena);
    mw_fieldtab_fini(&f->fields);
    mw_free(f);
    return 0;
}

static void put(struct fx *f, const char *name, const char *value)
{
    mw_event_add(&f->ev, mw_fieldtab_intern(&f->fields, mw_str_c(name)), mw_str_c(value));
}

/* A fresh record at minute m with fields given as name, value pairs ending in NULL. */
static void record(struct fx *f, int m, ...)
{
    mw_event_reset(&f->ev);
    f->ev.has_time = true;
    f->ev.time_ns = 1741078800LL * 1000000000LL + (int64_t)m * 60 * 1000000000LL;
    f->ev.origin.offset = (uint64_t)m * 100;
    va_list ap;
    va_start(ap, m);
    for (const char *n; (n = va_arg(ap, const char *)) != NULL;) {
        put(f, n, va_arg(ap, const char *));
    }
    va_end(ap);
}

static void add(struct mw_exposure *e, struct fx *f)
{
    mw_exposure_add(e, 0, &f->ev, 1000 + f->ev.origin.offset);
}

static void linked_records_only(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    record(f, 1, "ClientIPAddress", "192.0.2.10", "OperationCount", "4", NULL); /* the user's */
    add(e, f);
    record(f, 2, "ClientIPAddress", "192.0.2.10", "SessionId", "sess-attacker", "OperationCount",
           "3", NULL);
    add(e, f);
    record(f, 3, "ClientIP", "192.0.2.11", "ClientAppId", "app-attacker", NULL);
    add(e, f);
    record(f, 4, "ClientIPAddress", "203.0.113.7", NULL);
    add(e, f);
    add(e, f); /* the same record read back under another form of the account */
    mw_exposure_finish(e);
    const struct mw_exposed *x = f->inc.exposed;
    assert_non_null(x);
    assert_int_equal(x->records, 3);
    assert_int_equal(x->items, 3 + 1 + 1);
    assert_int_equal(x->by_session, 1);
    assert_int_equal(x->by_app, 1);
    assert_int_equal(x->by_ip, 1);
    assert_int_equal(x->unattributed_items, 5);
    assert_int_equal(x->first_ns, 1741078800LL * 1000000000LL + 2 * 60 * 1000000000LL);
    assert_int_equal(x->last_ns, 1741078800LL * 1000000000LL + 4 * 60 * 1000000000LL);
}

static void nothing_linked_is_null(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    record(f, 1, "ClientIPAddress", "192.0.2.10", NULL);
    add(e, f);
    mw_exposure_finish(e);
    assert_null(f->inc.exposed);
}

static void items_folders_and_sync(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    record(f, 1, "ClientIPAddress", "203.0.113.7", "OperationProperties.MailAccessType", "Bind",
           "Folders.Path", "\\Inbox", "Folders.FolderItems.InternetMessageId", "<a@x>",
           "Folders.FolderItems.SizeInBytes", "100", "Folders.FolderItems.InternetMessageId",
           "<b@x>", "Folders.FolderItems.SizeInBytes", "250", NULL);
    add(e, f);
    /* <a@x> again (read twice: one item) and a new one, in a record naming two folders */
    record(f, 2, "ClientIPAddress", "203.0.113.7", "Folders.Path", "\\Inbox", "Folders.Path",
           "\\Sent Items", "Folders.FolderItems.InternetMessageId", "<a@x>",
           "Folders.FolderItems.InternetMessageId", "<c@x>", NULL);
    add(e, f);
    record(f, 3, "ClientIPAddress", "203.0.113.7", "OperationProperties.MailAccessType", "Sync",
           "Folders.Path", "\\Archive", "OperationCount", "1", NULL);
    add(e, f);
    record(f, 4, "ClientIPAddress", "203.0.113.7", "OperationProperties.IsThrottled", "True",
           "OperationCount", "2", NULL);
    add(e, f);
    mw_exposure_finish(e);
    const struct mw_exposed *x = f->inc.exposed;
    assert_non_null(x);
    assert_int_equal(x->records, 4);
    assert_int_equal(x->items, 2 + 1 + 0 + 2); /* the Sync record is no item */
    assert_int_equal(x->size_bytes, 350);      /* sizes of the second record are not paired */
    assert_int_equal(x->items_with_size, 2);
    assert_int_equal(x->unattributed_items, 1 + 2);
    assert_int_equal(x->ids_total, 3);
    assert_int_equal(x->nids, 3);
    assert_string_equal(x->ids[0], "<a@x>");
    assert_string_equal(x->ids[2], "<c@x>");
    assert_true(x->throttled);
    /* most items first, then synchronised, then by path */
    assert_int_equal(x->nfolders, 3);
    assert_string_equal(x->folders[0].path, "\\Inbox");
    assert_int_equal(x->folders[0].items, 2);
    assert_int_equal(x->folders[0].records, 2);
    assert_string_equal(x->folders[1].path, "\\Archive");
    assert_true(x->folders[1].synced);
    assert_int_equal(x->folders[1].items, 0);
    assert_string_equal(x->folders[2].path, "\\Sent Items");
    assert_false(x->folders[2].synced);
}

/* The same audit record from two exports: a copy with only OperationCount first, then the copy
 * naming the message ids, which replaces it; a third copy changes nothing. */
static void richer_copy_replaces_poorer(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    record(f, 1, "Id", "rec-1", "ClientIPAddress", "203.0.113.7", "OperationCount", "7", NULL);
    add(e, f);
    record(f, 2, "Id", "rec-1", "ClientIPAddress", "203.0.113.7", "Folders.Path", "\\Inbox",
           "Folders.FolderItems.InternetMessageId", "<a@x>",
           "Folders.FolderItems.InternetMessageId", "<b@x>", NULL);
    add(e, f);
    record(f, 3, "Id", "rec-1", "ClientIPAddress", "203.0.113.7", "OperationCount", "7", NULL);
    add(e, f);
    mw_exposure_finish(e);
    const struct mw_exposed *x = f->inc.exposed;
    assert_non_null(x);
    assert_int_equal(x->records, 1);
    assert_int_equal(x->items, 2);
    assert_int_equal(x->unattributed_items, 0);
    assert_int_equal(x->by_ip, 1);
    assert_int_equal(x->folders[0].items, 2);
}

/* A poorer copy after the rich one is skipped. */
static void poorer_copy_after_is_skipped(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    record(f, 1, "Id", "rec-1", "ClientIPAddress", "203.0.113.7", "Folders.Path", "\\Inbox",
           "Folders.FolderItems.InternetMessageId", "<a@x>", NULL);
    add(e, f);
    record(f, 2, "Id", "rec-1", "ClientIPAddress", "203.0.113.7", "OperationCount", "7", NULL);
    add(e, f);
    mw_exposure_finish(e);
    assert_int_equal(f->inc.exposed->records, 1);
    assert_int_equal(f->inc.exposed->items, 1);
}

/* Past MW_EXPOSED_IDS_MAX ids, the list stops and the count goes on. */
static void id_list_capped(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    for (int i = 0; i < MW_EXPOSED_IDS_MAX + 5; i++) {
        char id[32];
        snprintf(id, sizeof id, "<m%d@x>", i);
        record(f, i, "ClientIPAddress", "203.0.113.7", "Folders.FolderItems.InternetMessageId", id,
               NULL);
        add(e, f);
    }
    mw_exposure_finish(e);
    const struct mw_exposed *x = f->inc.exposed;
    assert_int_equal(x->nids, MW_EXPOSED_IDS_MAX);
    assert_int_equal(x->ids_total, MW_EXPOSED_IDS_MAX + 5);
    assert_int_equal(x->items, MW_EXPOSED_IDS_MAX + 5);
    assert_false(x->ids_capped);
}

/* Past the folders remembered: a record whose one folder is not kept counts as unattributed, and
 * replacing its poorer copy takes back exactly what it added. */
static void folder_past_those_kept(void **state)
{
    struct fx *f = *state;
    struct mw_exposure *e = mw_exposure_begin(&f->inc, 1);
    char path[32], id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "\\F%d", i);
        snprintf(id, sizeof id, "<m%d@x>", i);
        record(f, i, "ClientIPAddress", "203.0.113.7", "Folders.Path", path,
               "Folders.FolderItems.InternetMessageId", id, NULL);
        add(e, f);
    }
    record(f, 1000, "Id", "rec-x", "ClientIPAddress", "203.0.113.7", "Folders.Path", "\\Late",
           "OperationCount", "3", NULL);
    add(e, f);
    record(f, 1001, "Id", "rec-x", "ClientIPAddress", "203.0.113.7", "Folders.Path", "\\Late",
           "Folders.FolderItems.InternetMessageId", "<late@x>", NULL);
    add(e, f);
    mw_exposure_finish(e);
    const struct mw_exposed *x = f->inc.exposed;
    assert_int_equal(x->records, 1001);
    assert_int_equal(x->items, 1001);
    assert_int_equal(x->unattributed_items, 1);
    assert_int_equal(x->nfolders, MW_EXPOSED_FOLDERS_MAX);
    assert_int_equal(x->folders_omitted, 1000 - MW_EXPOSED_FOLDERS_MAX + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(linked_records_only, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_linked_is_null, setup, teardown),
        cmocka_unit_test_setup_teardown(items_folders_and_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(richer_copy_replaces_poorer, setup, teardown),
        cmocka_unit_test_setup_teardown(poorer_copy_after_is_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(id_list_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(folder_past_those_kept, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

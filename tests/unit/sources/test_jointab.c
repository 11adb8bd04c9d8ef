/* tests/unit/sources/test_jointab.c: the open-join table of the syslog apps (sources/jointab.c):
 * the same entries open and evicted as a ring of `window` entries (the bound Dovecot's sessions
 * and Postfix's messages are documented with), over random openings, finds and closes with two
 * keys per entry; payloads zeroed first, released at each close; and a table whose entries come
 * and go stays as small as the entries open at once.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "sources/jointab.h"

/* The reference: a ring of `window` entries, the next opening overwriting slot opened % window. */
#define RING_MAX 16

struct ring {
    uint64_t key[RING_MAX][2];
    int tag[RING_MAX];
    bool live[RING_MAX];
    uint32_t window;
    uint64_t opened, evicted;
};

static int ring_find(const struct ring *r, uint64_t key)
{
    for (uint32_t i = 0; key && i < r->window; i++) {
        if (r->live[i] && (r->key[i][0] == key || r->key[i][1] == key)) {
            return (int)i;
        }
    }
    return -1;
}

static void ring_open(struct ring *r, uint64_t k0, uint64_t k1, int tag)
{
    int old;
    if ((old = ring_find(r, k0)) >= 0) {
        r->live[old] = false;
    }
    if ((old = ring_find(r, k1)) >= 0) {
        r->live[old] = false;
    }
    uint32_t e = (uint32_t)(r->opened++ % r->window);
    if (r->live[e]) {
        r->evicted++;
    }
    r->key[e][0] = k0;
    r->key[e][1] = k1;
    r->tag[e] = tag;
    r->live[e] = true;
}

struct payload {
    int tag;
    int released; /* times released while holding this tag */
};

static int releases;

static void release(void *p)
{
    struct payload *x = p;
    x->released++;
    releases++;
}

static uint64_t rnd_state = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* The table's key for the ring's key k (0 stays none). Plain: k itself, every key with the same
 * top bits. Spread: every key has the same low 20 bits, so all of them look for one home slot and
 * probe past each other; the top bits (the slot's tag, sources/jointab.c) take five values, so
 * some keys are passed by their tag and others only by comparing the whole key. */
static bool spread;

static uint64_t tkey(uint64_t k)
{
    return !k || !spread ? k : (k % 5) << 59 | (k / 5) << 20 | 0x2a5;
}

/* Keys 1..20 for the first key, 101..120 (or none) for the second: reuse is frequent, so the
 * same session or message comes again, and an entry found by its second key is closed. The
 * openings are numbered from `start`. */
static void run_against_ring(uint32_t window, int steps, uint64_t start)
{
    struct ring r;
    memset(&r, 0, sizeof r);
    r.window = window;
    r.opened = start;
    struct mw_jointab t;
    mw_jointab_init(&t, sizeof(struct payload), window, release);
    t.opened = start;
    for (int step = 1; step <= steps; step++) {
        uint64_t op = rnd() % 10;
        if (op < 5) {
            uint64_t k0 = 1 + rnd() % 20;
            uint64_t k1 = rnd() % 3 ? 101 + rnd() % 20 : 0;
            ring_open(&r, k0, k1, step);
            struct payload *p = mw_jointab_payload(&t, mw_jointab_open(&t, tkey(k0), tkey(k1)));
            p->tag = step;
        } else {
            uint64_t key = rnd() % 2 ? 1 + rnd() % 20 : 101 + rnd() % 20;
            int want = ring_find(&r, key);
            int32_t got = mw_jointab_find(&t, tkey(key));
            assert_int_equal(want >= 0, got >= 0);
            if (got >= 0) {
                struct payload *p = mw_jointab_payload(&t, (uint32_t)got);
                assert_int_equal(p->tag, r.tag[want]);
                if (op >= 8) { /* the join ends here */
                    r.live[want] = false;
                    mw_jointab_close(&t, (uint32_t)got);
                }
            }
        }
        uint32_t open = 0;
        for (uint32_t i = 0; i < window; i++) {
            open += r.live[i];
        }
        assert_int_equal(t.open, open);
        assert_int_equal(t.evicted, r.evicted);
        assert_true(t.cap <= (window > 64 ? window : 64));
    }
    /* every key the ring holds is found with its tag, and no other */
    for (uint64_t key = 1; key <= 120; key++) {
        int want = ring_find(&r, key);
        int32_t got = mw_jointab_find(&t, tkey(key));
        assert_int_equal(want >= 0, got >= 0);
        if (got >= 0) {
            assert_int_equal(((struct payload *)mw_jointab_payload(&t, (uint32_t)got))->tag,
                             r.tag[want]);
        }
    }
    mw_jointab_fini(&t);
}

static void test_same_as_a_ring(void **state)
{
    (void)state;
    const uint32_t windows[] = { 1, 2, 3, 5, 8, 13, 16 };
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        run_against_ring(windows[i], 20000, 0);
    }
}

/* An entry keeps the low 32 bits of its opening's number: the same evictions when the count of
 * openings passes 2^32 during the run (a long `watch`, 4 billion sessions or messages). */
static void test_same_as_a_ring_past_2_32(void **state)
{
    (void)state;
    const uint32_t windows[] = { 1, 3, 16 };
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        run_against_ring(windows[i], 20000, (1ULL << 32) - 5000);
    }
}

static void test_payload_and_release(void **state)
{
    (void)state;
    releases = 0;
    struct mw_jointab t;
    mw_jointab_init(&t, sizeof(struct payload), 4, release);
    assert_int_equal(mw_jointab_find(&t, 7), -1); /* empty: no index yet */
    uint32_t e = mw_jointab_open(&t, 7, 0);
    struct payload *p = mw_jointab_payload(&t, e);
    assert_int_equal(p->tag, 0); /* zeroed the first time */
    assert_int_equal(p->released, 0);
    p->tag = 42;
    assert_int_equal(mw_jointab_find(&t, 7), (int32_t)e);
    assert_int_equal(mw_jointab_find(&t, 0), -1); /* 0 is no key */
    mw_jointab_close(&t, e);
    mw_jointab_close(&t, e); /* a second close does nothing */
    assert_int_equal(releases, 1);
    assert_int_equal(mw_jointab_find(&t, 7), -1);
    /* the entry is given again as released: last freed, first reused */
    uint32_t again = mw_jointab_open(&t, 9, 10);
    assert_int_equal(again, e);
    p = mw_jointab_payload(&t, again);
    assert_int_equal(p->tag, 42);
    assert_int_equal(p->released, 1);
    assert_int_equal(mw_jointab_find(&t, 10), (int32_t)again); /* by its second key */
    /* opened again under its second key: the old entry is closed, not evicted */
    (void)mw_jointab_open(&t, 11, 10);
    assert_int_equal(mw_jointab_find(&t, 9), -1);
    assert_int_equal(t.open, 1);
    assert_int_equal(t.evicted, 0);
    assert_int_equal(releases, 2);
    /* four more openings evict the one opened four openings before */
    for (uint64_t k = 20; k < 24; k++) {
        (void)mw_jointab_open(&t, k, 0);
    }
    assert_int_equal(mw_jointab_find(&t, 11), -1);
    assert_int_equal(t.evicted, 1);
    assert_int_equal(t.open, 4);
    mw_jointab_fini(&t);
}

/* Keys that all look for one home slot, told apart by their tag or by the whole key. */
static void test_same_as_a_ring_one_home(void **state)
{
    (void)state;
    spread = true;
    const uint32_t windows[] = { 1, 2, 5, 16 };
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        run_against_ring(windows[i], 20000, 0);
    }
    spread = false;
}

/* A window larger than the table can refer to is its largest. */
static void test_window_max(void **state)
{
    (void)state;
    struct mw_jointab t;
    mw_jointab_init(&t, 1, UINT32_MAX, NULL);
    assert_int_equal(t.window, MW_JOINTAB_WINDOW_MAX);
    for (uint64_t i = 1; i <= MW_JOINTAB_WINDOW_MAX + 10; i++) {
        (void)mw_jointab_open(&t, i << 40 | i, 0);
    }
    assert_int_equal(t.open, MW_JOINTAB_WINDOW_MAX);
    assert_int_equal(t.evicted, 10);
    assert_int_equal(mw_jointab_find(&t, 10ULL << 40 | 10), -1);
    for (uint64_t i = 11; i <= MW_JOINTAB_WINDOW_MAX + 10; i++) { /* also those moved by a growth */
        assert_true(mw_jointab_find(&t, i << 40 | i) >= 0);
    }
    int32_t e = mw_jointab_find(&t, (uint64_t)MW_JOINTAB_WINDOW_MAX << 40 | MW_JOINTAB_WINDOW_MAX);
    assert_int_equal(e, (int32_t)MW_JOINTAB_WINDOW_MAX - 1); /* the last entry handed out */
    mw_jointab_fini(&t);
}

/* A million sessions, never more than three open at once, under the largest window the sources
 * use: the table keeps its first 64 entries, not room for the window. */
static void test_stays_small(void **state)
{
    (void)state;
    struct mw_jointab t;
    mw_jointab_init(&t, sizeof(struct payload), 65536, NULL);
    for (uint64_t i = 1; i <= 1000000; i++) {
        (void)mw_jointab_open(&t, i, i + 5000000);
        if (i > 3) {
            int32_t e = mw_jointab_find(&t, i - 3);
            assert_true(e >= 0);
            mw_jointab_close(&t, (uint32_t)e);
        }
        assert_true(t.open <= 3);
    }
    assert_int_equal(t.cap, 64);
    assert_int_equal(t.evicted, 0);
    /* 70,000 left open: the window evicts the oldest 4,464 */
    for (uint64_t i = 1; i <= 70000; i++) {
        (void)mw_jointab_open(&t, 10000000 + i, 0);
    }
    assert_int_equal(t.open, 65536);
    assert_int_equal(t.cap, 65536);
    assert_int_equal(t.evicted, 3 + 70000 - 65536);
    assert_int_equal(mw_jointab_find(&t, 10000000 + 4464), -1);
    assert_true(mw_jointab_find(&t, 10000000 + 4465) >= 0);
    assert_true(mw_jointab_find(&t, 1000000) < 0); /* the three left from before went first */
    mw_jointab_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_a_ring),
        cmocka_unit_test(test_same_as_a_ring_past_2_32),
        cmocka_unit_test(test_same_as_a_ring_one_home),
        cmocka_unit_test(test_window_max),
        cmocka_unit_test(test_payload_and_release),
        cmocka_unit_test(test_stays_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

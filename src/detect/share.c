/* detect/share.c: selections written the same way in several rules are matched once per event.
 * Many rules of a logsource open with the same selection (`Operation: MailItemsAccessed`, a
 * ResultStatus list, `ClientAppId|exists`); each distinct selection gets one shared number, and
 * the detection scratch remembers its result for the event being matched.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include "core/hash.h"
#include "core/str.h"
#include "detect/detect_int.h"

static void put_bytes(struct mw_buf *b, const char *p, size_t n)
{
    (void)mw_buf_printf(b, "%zu:", n);
    (void)mw_buf_append(b, p ? p : "", n);
}

/* Everything that decides what one value matches. A regex adds its compile options; a glob its
 * wildcard map (an escaped '*' is literal text). */
static void put_value(struct mw_buf *b, const struct mw_mval *mv)
{
    (void)mw_buf_printf(b, "v%d,%d,%d,%d,%d,", mv->kind, mv->cased, mv->fold, mv->exists, mv->ref);
    put_bytes(b, mv->text, mv->len);
    if (mv->kind == MW_M_GLOB) {
        for (size_t i = 0; i < mv->len; i++) {
            (void)mw_buf_putc(b, mv->wild[i] ? (char)mv->wild[i] : '.');
        }
    }
    if (mv->kind == MW_M_RE) {
        uint32_t opts = 0;
        (void)pcre2_pattern_info(mv->re, PCRE2_INFO_ARGOPTIONS, &opts);
        (void)mw_buf_printf(b, "o%u", (unsigned)opts);
    }
}

static void put_selection(struct mw_buf *b, const struct mw_selection *sel)
{
    for (size_t m = 0; m < sel->nmaps; m++) {
        const struct mw_selmap *map = &sel->maps[m];
        (void)mw_buf_printf(b, "M%zu;", map->nconds);
        for (size_t i = 0; i < map->nconds; i++) {
            const struct mw_fcond *fc = &map->conds[i];
            (void)mw_buf_printf(b, "F%d,%d,%d,%zu;", fc->field, fc->all, fc->eq_only, fc->nvals);
            for (size_t v = 0; v < fc->nvals; v++) {
                put_value(b, &fc->vals[v]);
            }
        }
    }
}

void mw_selections_share(struct mw_ruleset *rs)
{
    struct mw_strmap seen;
    struct mw_buf sig;
    mw_strmap_init(&seen, false);
    mw_buf_init(&sig, 256);
    rs->nshared = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        struct mw_rule *r = &rs->rules[i];
        for (size_t s = 0; s < r->nsels; s++) {
            mw_buf_reset(&sig);
            put_selection(&sig, &r->sels[s]);
            uintptr_t id = (uintptr_t)mw_strmap_get(&seen, mw_buf_str(&sig));
            if (!id && rs->nshared < MW_SHARED_SELS) {
                id = ++rs->nshared;
                (void)mw_strmap_put(&seen, mw_buf_str(&sig), (void *)id);
            }
            r->sels[s].shared = id ? (uint32_t)(id - 1) : MW_SEL_UNSHARED;
        }
    }
    mw_buf_fini(&sig);
    mw_strmap_fini(&seen);
}

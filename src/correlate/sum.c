/* correlate/sum.c: value_sum (docs/rules.md, "Sums"): the weight a record adds to its window's
 * sum, packed into the record's fingerprint so that copies of one record add it once.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "correlate/correlate_int.h"
#include "detect/corr_spec.h"

#define HASH_MASK  ((UINT64_C(1) << MW_SUM_SHIFT) - 2) /* bits 1..42: the record's identity */
#define EXCEPT_BIT (UINT64_C(1) << 63)

/* A field value as a whole number (digits, spaces around them): false when it is not one. */
static bool whole_number(struct mw_str s, uint64_t *out)
{
    s = mw_str_trim(s);
    uint64_t v = 0;
    if (!s.len) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return false;
        }
        v = v > MW_SUM_WEIGHT_MAX ? v : v * 10 + (uint64_t)(s.ptr[i] - '0');
    }
    *out = v > MW_SUM_WEIGHT_MAX ? MW_SUM_WEIGHT_MAX : v;
    return true;
}

uint64_t mw_sum_weight(const struct mw_corr_spec *cs, const struct mw_event *ev, bool *excepted)
{
    *excepted = false;
    if (cs->except_field >= 0) {
        const struct mw_fieldval *fv = mw_event_get(ev, cs->except_field);
        for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
            struct mw_str v = mw_str_trim(mw_fieldval_at(fv, k));
            for (size_t i = 0; i < cs->nexcept; i++) {
                if (mw_str_ieq(v, mw_str_c(cs->except_values[i]))) {
                    *excepted = true;
                    return 0;
                }
            }
        }
    }
    uint64_t v = 1; /* a record without a number counts one */
    struct mw_str s = mw_event_first(ev, cs->sum_field);
    if (s.ptr && !whole_number(s, &v)) {
        v = 1;
    }
    return v;
}

uint64_t mw_sum_fp(uint64_t dkey, uint64_t weight, bool excepted)
{
    return (dkey & HASH_MASK) | (weight << MW_SUM_SHIFT) | (excepted ? EXCEPT_BIT : 0);
}

void mw_sum_add_fp(uint64_t fp, uint64_t *sum, uint64_t *excepted)
{
    if (fp & EXCEPT_BIT) {
        (*excepted)++;
    } else {
        *sum += (fp & ~EXCEPT_BIT) >> MW_SUM_SHIFT;
    }
}

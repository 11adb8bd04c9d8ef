/* core/status.h: the one error vocabulary of the program, and the assertion macros.
 * Every stage returns an int: MW_OK, a positive non-error (MW_DONE), or a negative status.
 * SPDX-License-Identifier: MIT */
#ifndef MW_STATUS_H
#define MW_STATUS_H

#include <stdio.h>
#include <stdlib.h>

enum mw_status {
    MW_OK = 0,
    MW_DONE = 1,         /* not an error: end of input / nothing more */
    MW_E_NOMEM = -1,     /* allocation failed or arena limit reached */
    MW_E_IO = -2,        /* errno is kept in struct mw_diag */
    MW_E_MALFORMED = -3, /* one record is bad: count it, skip it, go on */
    MW_E_LIMIT = -4,     /* a configured bound was hit (line length, depth, fields) */
    MW_E_CONFIG = -5,    /* bad rule or option: report once, exit 2 */
    MW_E_TRUNCATED = -6, /* the input ended inside a record or a compressed frame */
    MW_E_AGAIN = -7,     /* the input must be read again from the start (correlate.h) */
};

#if defined(__GNUC__)
#define MW_NODISCARD    __attribute__((warn_unused_result))
#define MW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define MW_LIKELY(x)    __builtin_expect(!!(x), 1)
#define MW_UNLIKELY(x)  __builtin_expect(!!(x), 0)
#else
#define MW_NODISCARD
#define MW_PRINTF(a, b)
#define MW_LIKELY(x)   (x)
#define MW_UNLIKELY(x) (x)
#endif

/* Invariants. MW_ASSERT stays on in debug and sanitizer builds (NDEBUG turns it off). */
#ifndef NDEBUG
#define MW_ASSERT(x)                                                                               \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
#else
#define MW_ASSERT(x) ((void)0)
#endif
#define MW_UNREACHABLE() abort()

/* A short English word for a status, for messages ("malformed", "too large"). */
const char *mw_status_str(int status);

#endif

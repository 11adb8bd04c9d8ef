/* core/alloc.h: every heap allocation goes through here, so that peak use can be reported
 * (MW_ALLOC_STATS=1) and tests can count bytes. Out of memory is fatal: the functions print
 * "mailward: out of memory" and exit(2), as git's xmalloc and jq's jv_mem_alloc do, so callers
 * never see NULL.
 * SPDX-License-Identifier: MIT */
#ifndef MW_ALLOC_H
#define MW_ALLOC_H

#include <stddef.h>

void *mw_malloc(size_t size);
void *mw_calloc(size_t n, size_t size);
void *mw_realloc(void *ptr, size_t size);
void mw_free(void *ptr);
char *mw_strdup(const char *s);
char *mw_strndup(const char *s, size_t n);

/* Bytes currently allocated and the peak so far (approximate: realloc growth counted). */
size_t mw_alloc_current(void);
size_t mw_alloc_peak(void);

#endif

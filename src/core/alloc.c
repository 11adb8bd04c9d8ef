/* core/alloc.c: counting wrappers around malloc. Each block carries a small header with its
 * size so that mw_free can keep the counters right.
 * SPDX-License-Identifier: MIT */
#include "core/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR 16 /* keeps 16-byte alignment for the caller */

static size_t current_bytes;
static size_t peak_bytes;

static void oom(void)
{
    fputs("mailward: out of memory\n", stderr);
    exit(2);
}

static void *account(unsigned char *raw, size_t size)
{
    memcpy(raw, &size, sizeof size);
    current_bytes += size;
    if (current_bytes > peak_bytes) {
        peak_bytes = current_bytes;
    }
    return raw + HDR;
}

void *mw_malloc(size_t size)
{
    if (size > SIZE_MAX - HDR) {
        oom();
    }
    unsigned char *raw = malloc(size + HDR);
    if (!raw) {
        oom();
    }
    return account(raw, size);
}

void *mw_calloc(size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - HDR) / size) {
        oom();
    }
    unsigned char *raw = calloc(1, n * size + HDR);
    if (!raw) {
        oom();
    }
    return account(raw, n * size);
}

void *mw_realloc(void *ptr, size_t size)
{
    if (!ptr) {
        return mw_malloc(size);
    }
    if (size > SIZE_MAX - HDR) {
        oom();
    }
    unsigned char *raw = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, raw, sizeof old);
    unsigned char *grown = realloc(raw, size + HDR);
    if (!grown) {
        oom();
    }
    current_bytes -= old;
    return account(grown, size);
}

void mw_free(void *ptr)
{
    if (!ptr) {
        return;
    }
    unsigned char *raw = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, raw, sizeof old);
    current_bytes -= old;
    free(raw);
}

char *mw_strndup(const char *s, size_t n)
{
    char *copy = mw_malloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *mw_strdup(const char *s)
{
    return mw_strndup(s, strlen(s));
}

size_t mw_alloc_current(void)
{
    return current_bytes;
}

size_t mw_alloc_peak(void)
{
    return peak_bytes;
}

/* input/rotation.c: the rotated family of a log file's name and its place in it, so that the
 * files of one log rotated by logrotate are read oldest first and a source can hand its joins
 * (Dovecot sessions, Postfix messages) from one file to the next (docs/formats/syslog.md,
 * Rotated files).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/str.h"
#include "input/input.h"

/* Compression suffixes logrotate's `compress` and `compressext` write. */
static const char *const compressed[] = { ".gz", ".zst", ".bz2", ".xz", NULL };

static int64_t digits_value(const char *p, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

int64_t mw_rotation_order(const char *path, size_t *family_len)
{
    size_t len = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t name_at = slash ? (size_t)(slash - path) + 1 : 0;
    for (size_t i = 0; compressed[i]; i++) {
        size_t n = strlen(compressed[i]);
        if (len - name_at > n && memcmp(path + len - n, compressed[i], n) == 0) {
            len -= n;
            break;
        }
    }
    *family_len = len;
    /* `.N` (logrotate's default; N = 1 is the newest rotated file): older as N grows */
    size_t d = len;
    while (d > name_at && mw_is_digit(path[d - 1])) {
        d--;
    }
    size_t nd = len - d;
    if (nd >= 1 && nd <= 4 && d > name_at + 1 && path[d - 1] == '.') {
        *family_len = d - 1;
        return -digits_value(path + d, nd);
    }
    /* `-YYYYMMDD` or `-YYYYMMDDHH` (`dateext`): older as the date is earlier; every dated file
     * is older than the live file (order 0) */
    if ((nd == 8 || nd == 10) && d > name_at + 1 && path[d - 1] == '-') {
        int64_t v = digits_value(path + d, nd);
        if (nd == 8) {
            v *= 100;
        }
        *family_len = d - 1;
        return v - 10000000000LL; /* YYYYMMDDHH < 10^10 */
    }
    return 0;
}

/* tests/support/test_files.h: temporary input files for unit tests and fuzz targets, so every
 * test that feeds bytes through a real mw_stream makes them the same way.
 * SPDX-License-Identifier: MIT */
#ifndef MW_TEST_FILES_H
#define MW_TEST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"

/* Writes all of data to fd; 0 on success, -1 on a write error. */
static inline int mw_test_write_all(int fd, const void *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)data + done, len - done);
        if (n <= 0) {
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

/* Makes a new empty temp file ("<TMPDIR or /tmp>/mw_<tag>_XXXXXX") and returns its path in path.
 * Returns 0, or -1 when no file could be made. */
static inline int mw_test_temp_path(const char *tag, char *path, size_t size)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/mw_%s_XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(path);
    if (fd < 0) {
        return -1;
    }
    close(fd);
    return 0;
}

/* Writes data to path (created or truncated); 0 on success. */
static inline int mw_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        return -1;
    }
    int rc = (len && fwrite(data, 1, len, f) != len) ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

/* Puts data in an anonymous memory file (or, where memfd is missing, an unlinked-later temp file)
 * readable by path, for fuzz targets that must go through mw_stream_open. Returns the fd to close
 * afterwards, and *temp_fd >= 0 when path is a temp file to unlink. -1 on failure. */
static inline int mw_test_input_fd(const char *tag, const uint8_t *data, size_t size, char *path,
                                   size_t path_size, int *temp_fd)
{
#ifdef SYS_memfd_create
    int fd = (int)syscall(SYS_memfd_create, tag, 0);
#else
    int fd = -1;
#endif
    *temp_fd = -1;
    if (fd >= 0) {
        snprintf(path, path_size, "/proc/self/fd/%d", fd);
    } else {
        snprintf(path, path_size, "/tmp/mw_%s_XXXXXX", tag);
        fd = mkstemp(path);
        if (fd < 0) {
            return -1;
        }
        *temp_fd = fd;
    }
    if (mw_test_write_all(fd, data, size) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Releases what mw_test_input_fd made. */
static inline void mw_test_input_close(int fd, const char *path, int temp_fd)
{
    if (temp_fd >= 0) {
        unlink(path);
    }
    close(fd);
}

/* Everything written to f so far (a tmpfile a sink wrote to), as a NUL-terminated mw_malloc'd
 * copy; closes f. *len_out gets the length when not NULL. NULL when f cannot be read back. */
static inline char *mw_test_slurp(FILE *f, size_t *len_out)
{
    long size = ftell(f);
    if (size < 0) {
        fclose(f);
        return NULL;
    }
    rewind(f);
    char *buf = mw_malloc((size_t)size + 1);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) {
        mw_free(buf);
        return NULL;
    }
    buf[size] = '\0';
    if (len_out) {
        *len_out = (size_t)size;
    }
    return buf;
}

#endif

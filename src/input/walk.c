/* input/walk.c: turns the command line's paths into a list of files: directories recursively
 * in sorted order, hidden names skipped, symlinks followed with loops cut by a (dev, inode)
 * set, unreadable paths reported to the callback while the walk goes on.
 * SPDX-License-Identifier: MIT */
#include "input/input.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/hash.h"

#define WALK_MAX_DEPTH 64
#define WALK_MAX_PATH  4096

struct walk {
    mw_walk_fn *fn;
    void *arg;
    struct mw_u64set dirs; /* directories entered, as hashes of (st_dev, st_ino) */
};

static int report(struct walk *w, const char *path, int err, const char *what)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    mw_diag_set(&diag, MW_E_IO, "%s: %s", what, strerror(err));
    diag.sys_errno = err;
    diag.path = path;
    return w->fn(w->arg, path, &diag);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int visit(struct walk *w, const char *path, unsigned depth);

/* Collects the directory's visible names, sorted. Returns 0 or an errno. */
static int list_dir(const char *path, char ***names_out, size_t *count_out)
{
    DIR *d = opendir(path);
    if (!d) {
        return errno;
    }
    char **names = NULL;
    size_t count = 0, size = 0;
    int err = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            err = errno;
            break;
        }
        if (de->d_name[0] == '.') {
            continue; /* hidden entries, "." and ".." */
        }
        if (count == size) {
            size = size ? size * 2 : 32;
            names = mw_realloc(names, size * sizeof *names);
        }
        names[count++] = mw_strdup(de->d_name);
    }
    closedir(d);
    if (count > 1) {
        qsort(names, count, sizeof *names, cmp_names);
    }
    *names_out = names;
    *count_out = count;
    return err;
}

static int walk_dir(struct walk *w, const char *path, const struct stat *st, unsigned depth)
{
    uint64_t key[2] = { (uint64_t)st->st_dev, (uint64_t)st->st_ino };
    if (!mw_u64set_add(&w->dirs, mw_hash(key, sizeof key, 0x6d77616c6bu))) {
        return MW_OK; /* seen before: a symlink loop or the same directory twice */
    }
    if (depth >= WALK_MAX_DEPTH) {
        return report(w, path, ELOOP, "directory nesting too deep");
    }
    char **names = NULL;
    size_t count = 0;
    int err = list_dir(path, &names, &count);
    int rc = MW_OK;
    if (err) {
        rc = report(w, path, err, "cannot read directory");
    }
    size_t plen = strlen(path);
    bool slash = plen > 0 && path[plen - 1] == '/';
    char child[WALK_MAX_PATH];
    for (size_t i = 0; i < count && rc >= 0; i++) {
        int n = snprintf(child, sizeof child, "%s%s%s", path, slash ? "" : "/", names[i]);
        if (n < 0 || (size_t)n >= sizeof child) {
            rc = report(w, path, ENAMETOOLONG, "path too long");
            continue;
        }
        rc = visit(w, child, depth + 1);
    }
    for (size_t i = 0; i < count; i++) {
        mw_free(names[i]);
    }
    mw_free(names);
    return rc < 0 ? rc : MW_OK;
}

static int visit(struct walk *w, const char *path, unsigned depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return report(w, path, errno, "cannot open");
    }
    if (S_ISDIR(st.st_mode)) {
        return walk_dir(w, path, &st, depth);
    }
    if (depth > 0 && !S_ISREG(st.st_mode)) {
        return MW_OK; /* sockets, devices and FIFOs inside directories are not logs */
    }
    if (access(path, R_OK) != 0) {
        return report(w, path, errno, "cannot open");
    }
    int rc = w->fn(w->arg, path, NULL);
    return rc < 0 ? rc : MW_OK;
}

int mw_input_walk(const char *const *paths, size_t npaths, mw_walk_fn *fn, void *arg)
{
    struct walk w = { .fn = fn, .arg = arg };
    mw_u64set_init(&w.dirs);
    int rc = MW_OK;
    for (size_t i = 0; i < npaths && rc >= 0; i++) {
        if (strcmp(paths[i], "-") == 0) {
            rc = fn(arg, "-", NULL);
        } else {
            rc = visit(&w, paths[i], 0);
        }
    }
    mw_u64set_fini(&w.dirs);
    return rc < 0 ? rc : MW_OK;
}

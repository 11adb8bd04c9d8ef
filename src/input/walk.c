/* input/walk.c: turns the command line's paths into a list of files: directories recursively
 * in sorted order, hidden names and special files skipped (and named to a skip callback),
 * symlinks followed only inside the directory given, loops cut by a (dev, inode) set,
 * unreadable paths reported to the callback while the walk goes on.
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
    mw_walk_skip_fn *skip; /* may be NULL */
    void *arg;
    struct mw_u64set dirs; /* directories entered, as hashes of (st_dev, st_ino) */
    char *root;            /* real path of the command-line directory being walked */
};

static void skipped(struct walk *w, const char *path, const char *reason)
{
    if (w->skip) {
        w->skip(w->arg, path, reason);
    }
}

static uint64_t dir_key(const struct stat *st)
{
    uint64_t key[2] = { (uint64_t)st->st_dev, (uint64_t)st->st_ino };
    return mw_hash(key, sizeof key, 0x6d77616c6bu);
}

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

/* Collects the directory's visible names, sorted; hidden ones go to the skip callback.
 * Returns 0 or an errno. */
static int list_dir(struct walk *w, const char *path, char ***names_out, size_t *count_out)
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
            /* hidden entries, "." and ".." */
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 && w->skip) {
                char child[WALK_MAX_PATH];
                size_t plen = strlen(path);
                bool slash = plen > 0 && path[plen - 1] == '/';
                snprintf(child, sizeof child, "%s%s%s", path, slash ? "" : "/", de->d_name);
                skipped(w, child, "hidden name");
            }
            continue;
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
    if (!mw_u64set_add(&w->dirs, dir_key(st))) {
        return MW_OK; /* seen before: a symlink loop or the same directory twice */
    }
    if (depth >= WALK_MAX_DEPTH) {
        return report(w, path, ELOOP, "directory nesting too deep");
    }
    char **names = NULL;
    size_t count = 0;
    int err = list_dir(w, path, &names, &count);
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

/* A symlink inside a directory: followed only when it resolves inside the directory given on
 * the command line (and not to a directory already walked). Returns true to follow it. */
static bool follow_link(struct walk *w, const char *path)
{
    char *real = realpath(path, NULL);
    if (!real) {
        if (errno == ELOOP) {
            skipped(w, path, "symlink loop");
            return false;
        }
        return true; /* dangling: reported as unreadable by the caller */
    }
    size_t rl = w->root ? strlen(w->root) : 0;
    bool inside = w->root && strncmp(real, w->root, rl) == 0 &&
                  (real[rl] == '/' || real[rl] == '\0' || (rl == 1 && w->root[0] == '/'));
    free(real);
    if (!inside) {
        skipped(w, path, "symlink to outside the directory given");
        return false;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && mw_u64set_has(&w->dirs, dir_key(&st))) {
        skipped(w, path, "symlink to a directory already walked");
        return false;
    }
    return true;
}

static int visit(struct walk *w, const char *path, unsigned depth)
{
    struct stat st;
    if (depth > 0 && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && !follow_link(w, path)) {
        return MW_OK;
    }
    if (stat(path, &st) != 0) {
        return report(w, path, errno, "cannot open");
    }
    if (S_ISDIR(st.st_mode)) {
        if (depth == 0) {
            free(w->root);
            w->root = realpath(path, NULL);
        }
        return walk_dir(w, path, &st, depth);
    }
    if (depth > 0 && !S_ISREG(st.st_mode)) {
        /* sockets, devices and FIFOs inside directories are not logs */
        skipped(w, path, "not a regular file");
        return MW_OK;
    }
    if (access(path, R_OK) != 0) {
        return report(w, path, errno, "cannot open");
    }
    int rc = w->fn(w->arg, path, NULL);
    return rc < 0 ? rc : MW_OK;
}

int mw_input_walk(const char *const *paths, size_t npaths, mw_walk_fn *fn, void *arg)
{
    return mw_input_walk_skips(paths, npaths, fn, NULL, arg);
}

int mw_input_walk_skips(const char *const *paths, size_t npaths, mw_walk_fn *fn,
                        mw_walk_skip_fn *skip, void *arg)
{
    struct walk w = { .fn = fn, .skip = skip, .arg = arg };
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
    free(w.root);
    return rc < 0 ? rc : MW_OK;
}

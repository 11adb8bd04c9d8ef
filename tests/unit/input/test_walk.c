/* tests/unit/input/test_walk.c: the directory walk over a temporary tree: sorted order, hidden
 * names skipped, symlinks to files followed, loops cut, unreadable paths reported, early stop;
 * skipped entries named with the reason, symlinks out of the directory given not followed.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/str.h"
#include "input/input.h"

static char root[64];

struct seen {
    struct mw_buf log; /* one line per callback: "F path" or "E path: message" */
    int calls;
    int stop_at; /* return MW_E_CONFIG on this call (1-based), 0: never */
};

static int record(void *arg, const char *path, const struct mw_diag *error)
{
    struct seen *s = arg;
    s->calls++;
    const char *rel = path;
    size_t rl = strlen(root);
    if (strncmp(path, root, rl) == 0) {
        rel = path + rl;
    }
    if (error) {
        assert_int_equal(error->status, MW_E_IO);
        assert_string_equal(error->path, path);
        assert_true(error->sys_errno != 0);
        mw_buf_printf(&s->log, "E %s: %s\n", rel, error->msg);
    } else {
        mw_buf_printf(&s->log, "F %s\n", rel);
    }
    return (s->stop_at && s->calls == s->stop_at) ? MW_E_CONFIG : MW_OK;
}

static void touch(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static void mkdir_rel(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void symlink_rel(const char *target, const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/mw_walk_XXXXXX");
    if (!mkdtemp(root)) {
        return -1;
    }
    touch("b.log");
    touch("a.log");
    touch("Zed.log");
    touch(".hidden.log");
    mkdir_rel(".git");
    touch(".git/config");
    mkdir_rel("sub");
    touch("sub/c.log");
    mkdir_rel("sub/z");
    touch("sub/z/d.log.gz");
    symlink_rel("a.log", "link_to_a");
    symlink_rel(".", "sub/loop");  /* points at its own directory */
    symlink_rel("..", "sub/z/up"); /* points at an ancestor */
    symlink_rel("/nonexistent-mw", "dangling");
    return 0;
}

static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        static const char *const kids[] = { "a.log",    "b.log",     "Zed.log", ".hidden.log",
                                            ".git",     "sub",       "c.log",   "z",
                                            "d.log.gz", "link_to_a", "loop",    "up",
                                            "dangling", "config",    "locked" };
        for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++) {
            char child[512];
            snprintf(child, sizeof child, "%s/%s", path, kids[i]);
            remove_tree(child);
        }
        chmod(path, 0755);
        return rmdir(path);
    }
    return unlink(path);
}

static int teardown(void **state)
{
    (void)state;
    return remove_tree(root);
}

static void test_walk_tree(void **state)
{
    (void)state;
    struct seen s = { .calls = 0 };
    mw_buf_init(&s.log, 0);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing.log", root);
    const char *paths[] = { root, "-", missing };
    assert_int_equal(mw_input_walk(paths, 3, record, &s), MW_OK);
    const char *want = "F /Zed.log\n"
                       "F /a.log\n"
                       "F /b.log\n"
                       "E /dangling: cannot open: No such file or directory\n"
                       "F /link_to_a\n"
                       "F /sub/c.log\n"
                       "F /sub/z/d.log.gz\n"
                       "F -\n"
                       "E /missing.log: cannot open: No such file or directory\n";
    assert_string_equal(s.log.ptr, want);
    mw_buf_fini(&s.log);
}

static void test_walk_single_file_and_slash(void **state)
{
    (void)state;
    struct seen s = { .calls = 0 };
    mw_buf_init(&s.log, 0);
    char file[128], sub[128];
    snprintf(file, sizeof file, "%s/.hidden.log", root); /* named explicitly: not skipped */
    snprintf(sub, sizeof sub, "%s/sub/", root);
    char notdir[128];
    snprintf(notdir, sizeof notdir, "%s/a.log/x", root);
    const char *paths[] = { file, sub, notdir };
    assert_int_equal(mw_input_walk(paths, 3, record, &s), MW_OK);
    assert_string_equal(s.log.ptr, "F /.hidden.log\n"
                                   "F /sub/c.log\n"
                                   "F /sub/z/d.log.gz\n"
                                   "E /a.log/x: cannot open: Not a directory\n");
    mw_buf_fini(&s.log);
}

static void test_walk_stop(void **state)
{
    (void)state;
    struct seen s = { .stop_at = 2 };
    mw_buf_init(&s.log, 0);
    const char *paths[] = { root, root };
    assert_int_equal(mw_input_walk(paths, 2, record, &s), MW_E_CONFIG);
    assert_int_equal(s.calls, 2);
    mw_buf_fini(&s.log);

    struct seen none = { .calls = 0 };
    mw_buf_init(&none.log, 0);
    assert_int_equal(mw_input_walk(NULL, 0, record, &none), MW_OK);
    assert_int_equal(none.calls, 0);
    mw_buf_fini(&none.log);
}

/* record() without cmocka asserts, for a forked child: a failed assert there would unwind into
 * the child's copy of the test runner. */
static int record_plain(void *arg, const char *path, const struct mw_diag *error)
{
    struct seen *s = arg;
    const char *rel = strncmp(path, root, strlen(root)) == 0 ? path + strlen(root) : path;
    if (error && (error->status != MW_E_IO || error->sys_errno == 0)) {
        mw_buf_printf(&s->log, "bad error %d/%d for %s\n", error->status, error->sys_errno, rel);
    } else if (error) {
        mw_buf_printf(&s->log, "E %s: %s\n", rel, error->msg);
    } else {
        mw_buf_printf(&s->log, "F %s\n", rel);
    }
    return MW_OK;
}

/* Root reads every directory, so as root the walk runs in a child that dropped to nobody
 * (uid and gid 65534, no supplementary groups); the child sends its log back through a pipe. */
static void walk_as_nobody(const char *path, char *out, size_t outsize)
{
    assert_int_equal(chmod(root, 0711), 0); /* nobody may pass through the temporary root */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0 || geteuid() == 0 ||
            setuid(0) == 0) {
            _exit(3); /* privileges not dropped, or could be taken back */
        }
        struct seen s = { .calls = 0 };
        mw_buf_init(&s.log, 0);
        const char *paths[] = { path };
        int st = mw_input_walk(paths, 1, record_plain, &s);
        ssize_t w = write(fds[1], s.log.ptr ? s.log.ptr : "", s.log.len);
        _exit(st == MW_OK && w == (ssize_t)s.log.len ? 0 : 4);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t n;
    while (len + 1 < outsize && (n = read(fds[0], out + len, outsize - 1 - len)) > 0) {
        len += (size_t)n;
    }
    out[len] = '\0';
    close(fds[0]);
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFEXITED(wst));
    assert_int_equal(WEXITSTATUS(wst), 0);
    assert_int_equal(chmod(root, 0700), 0);
}

static void test_walk_unreadable_dir(void **state)
{
    (void)state;
    mkdir_rel("locked");
    char locked[128];
    snprintf(locked, sizeof locked, "%s/locked", root);
    assert_int_equal(chmod(locked, 0), 0);
    char log[512];
    if (geteuid() == 0) {
        walk_as_nobody(locked, log, sizeof log);
    } else {
        struct seen s = { .calls = 0 };
        mw_buf_init(&s.log, 0);
        const char *paths[] = { locked };
        assert_int_equal(mw_input_walk(paths, 1, record, &s), MW_OK);
        snprintf(log, sizeof log, "%s", s.log.ptr ? s.log.ptr : "");
        mw_buf_fini(&s.log);
    }
    chmod(locked, 0755);
    rmdir(locked);
    assert_string_equal(log, "E /locked: cannot read directory: Permission denied\n");
}

static void note_skip(void *arg, const char *path, const char *reason)
{
    struct seen *s = arg;
    const char *rel = path;
    size_t rl = strlen(root);
    if (strncmp(path, root, rl) == 0) {
        rel = path + rl;
    }
    mw_buf_printf(&s->log, "S %s: %s\n", rel, reason);
}

/* What a walk leaves out of a directory is named with the reason; a symlink is followed only
 * inside the directory given on the command line, and loops end. */
static void test_walk_skips_named(void **state)
{
    (void)state;
    char outside[64];
    snprintf(outside, sizeof outside, "/tmp/mw_walk_out_XXXXXX");
    assert_non_null(mkdtemp(outside));
    char target[128];
    snprintf(target, sizeof target, "%s/secret.log", outside);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fclose(f);
    mkdir_rel("skips");
    touch("skips/in.log");
    touch("skips/.dot.log");
    symlink_rel(target, "skips/out_file");
    symlink_rel(outside, "skips/out_dir");
    symlink_rel("loop_b", "skips/loop_a");
    symlink_rel("loop_a", "skips/loop_b");
    symlink_rel(".", "skips/self");
    symlink_rel("in.log", "skips/to_in");
    char fifo[128];
    snprintf(fifo, sizeof fifo, "%s/skips/pipe", root);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    struct seen s = { .calls = 0 };
    mw_buf_init(&s.log, 0);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/skips", root);
    const char *paths[] = { dir, target }; /* a path named on the command line is followed */
    assert_int_equal(mw_input_walk_skips(paths, 2, record, note_skip, &s), MW_OK);
    char want[1024];
    snprintf(want, sizeof want,
             "S /skips/.dot.log: hidden name\n"
             "F /skips/in.log\n"
             "S /skips/loop_a: symlink loop\n"
             "S /skips/loop_b: symlink loop\n"
             "S /skips/out_dir: symlink to outside the directory given\n"
             "S /skips/out_file: symlink to outside the directory given\n"
             "S /skips/pipe: not a regular file\n"
             "S /skips/self: symlink to a directory already walked\n"
             "F /skips/to_in\n"
             "F %s\n",
             target);
    assert_string_equal(s.log.ptr, want);
    mw_buf_fini(&s.log);

    static const char *const kids[] = { "in.log", ".dot.log", "out_file", "out_dir", "loop_a",
                                        "loop_b", "self",     "to_in",    "pipe" };
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s/%s", dir, kids[i]);
        assert_int_equal(unlink(p), 0);
    }
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(unlink(target), 0);
    assert_int_equal(rmdir(outside), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_tree),        cmocka_unit_test(test_walk_single_file_and_slash),
        cmocka_unit_test(test_walk_stop),        cmocka_unit_test(test_walk_unreadable_dir),
        cmocka_unit_test(test_walk_skips_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

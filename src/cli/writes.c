/* cli/writes.c: every command checks that its output was written: a full disk or a closed
 * pipe is an error (exit status 2) with a message, never a silent success.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int mw_cli_check_write(FILE *f, const char *cmd, const char *what, int err)
{
    if (fflush(f) != 0) {
        err = err ? err : errno;
    } else if (!ferror(f) && !err) {
        return MW_EXIT_CLEAN;
    }
    if (err == 0) {
        err = EIO;
    }
    fprintf(stderr, "mailward%s%s: error writing %s: %s\n", cmd ? " " : "", cmd ? cmd : "", what,
            strerror(err));
    return MW_EXIT_ERROR;
}

int mw_cli_check_stdout(const char *cmd)
{
    return mw_cli_check_write(stdout, cmd, "standard output", 0);
}

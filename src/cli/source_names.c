/* cli/source_names.c: the registered source names as help texts and error messages show them,
 * taken from the registry (sources/source.h), never typed by hand.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "cli/cli.h"
#include "sources/source.h"

#define NAMES_MAX   (MW_MAX_SOURCES * 64)
#define HELP_WIDTH  91 /* the widest line of the help texts */
#define HELP_INDENT 28

const char *mw_cli_source_names(void)
{
    static char names[NAMES_MAX];
    (void)mw_sources_names(names, sizeof names);
    return names;
}

void mw_cli_put_source_option(FILE *out)
{
    static const char lead[] = "  -s, --source NAME         read every file as source NAME";
    const char *names = mw_cli_source_names();
    if (strlen(lead) + 3 + strlen(names) <= HELP_WIDTH) {
        fprintf(out, "%s (%s)\n", lead, names);
        return;
    }
    /* too many to follow on the line: one of them per ", " piece, wrapped under the text */
    fprintf(out, "%s, one of:\n%*s", lead, HELP_INDENT, "");
    size_t col = HELP_INDENT;
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(all[i]->name) + (i + 1 < n ? 1 : 0);
        if (col > HELP_INDENT && col + 1 + len > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
        } else if (col > HELP_INDENT) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%s%s", all[i]->name, i + 1 < n ? "," : "");
        col += len;
    }
    fputc('\n', out);
}

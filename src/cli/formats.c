/* cli/formats.c: `mailward formats`: every registered source with its summary, the decoders it
 * reads, the Sigma logsources of its events and the file shapes it recognises, each with an
 * example; all taken from the registry (sources/source.h).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sources/source.h"

static const char formats_help[] =
        "usage: mailward formats\n"
        "\n"
        "Lists every source mailward reads: its name (for --source), what it reads, the\n"
        "containers it is framed from (json, csv), the Sigma logsources its events carry\n"
        "(product, service, category), and the file shapes it recognises with a short example\n"
        "of each (a header row or the start of a first record).\n"
        "\n"
        "options:\n"
        "  -h, --help                this text\n";

static void put_decoders(const struct mw_source *src)
{
    size_t n = 0;
    const struct mw_decoder *const *all = mw_decoders_all(&n);
    fputs("  containers:", stdout);
    const char *sep = " ";
    for (size_t i = 0; i < n; i++) {
        if (mw_source_uses(src, all[i]->container)) {
            printf("%s%s", sep, all[i]->name);
            sep = ", ";
        }
    }
    putchar('\n');
}

static void put_logsources(const struct mw_logsource *ls)
{
    if (!ls || !ls->product) {
        return;
    }
    fputs("  logsources:\n", stdout);
    for (; ls->product; ls++) {
        printf("    product: %s", ls->product);
        if (ls->service) {
            printf(", service: %s", ls->service);
        }
        if (ls->category) {
            printf(", category: %s", ls->category);
        }
        putchar('\n');
    }
}

static void put_shapes(const struct mw_source_shape *sh)
{
    if (!sh || !sh->name) {
        return;
    }
    fputs("  shapes:\n", stdout);
    for (; sh->name; sh++) {
        printf("    %s\n", sh->name);
        if (sh->example) {
            printf("      %s\n", sh->example);
        }
    }
}

int mw_cmd_formats(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(formats_help, stdout);
            return mw_cli_check_stdout("formats");
        }
        fprintf(stderr,
                "mailward formats: unexpected argument '%s' (it takes none)\n"
                "(see 'mailward formats --help')\n",
                argv[i]);
        return MW_EXIT_ERROR;
    }
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    for (size_t i = 0; i < n; i++) {
        printf("%s%s\n  %s\n", i ? "\n" : "", all[i]->name, all[i]->summary ? all[i]->summary : "");
        put_decoders(all[i]);
        put_logsources(all[i]->logsources);
        put_shapes(all[i]->shapes);
    }
    return mw_cli_check_stdout("formats");
}

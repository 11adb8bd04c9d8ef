/* sources/windows_int.h: helpers of the Windows event source (windows_event.c): the EventData
 * names of events whose containers keep only the values (windows_names.c), the parameters of an
 * MSExchange Management cmdlet event, and PowerShell 4104 script blocks split over several events
 * joined again (windows_script.c). Facts: docs/formats/windows_event.md.
 * SPDX-License-Identifier: MIT */
#ifndef MW_WINDOWS_INT_H
#define MW_WINDOWS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/source.h"

/* The event families whose EventData order is known (docs/formats/windows_event.md,
 * Positional data). */
enum mw_win_family {
    MW_WIN_OTHER,
    MW_WIN_SYSMON,
    MW_WIN_SECURITY,
    MW_WIN_POWERSHELL,
    MW_WIN_EXMGMT,
};

/* The family of a record by its channel, else its provider (either may be empty). */
enum mw_win_family mw_win_family(struct mw_str channel, struct mw_str provider);

/* The EventData names of event id of family f in the order the event writes them, *n of them;
 * NULL when the order is not known (the values are then named param1, param2, ...). */
const char *const *mw_win_data_names(enum mw_win_family f, unsigned id, size_t *n);

/* The name of the value at position i (0-based) of an event of family f and id: its EventData
 * name when known, else "param<i+1>" written into buf (size >= 16). */
struct mw_str mw_win_position_name(enum mw_win_family f, unsigned id, size_t i, char *buf);

/* The parameters text of an MSExchange Management cmdlet event (-Mailbox "ceo" -FilePath "..."
 * or Exchange 2010's {Identity=DAG1, MailboxServer=EX02}) as Parameters.<Name> fields, smtp:
 * dropped as in the unified audit log. Returns how many parameters were read. */
size_t mw_win_exmgmt_params(struct mw_map_ctx *ctx, struct mw_str text);

/* ---- PowerShell 4104 script blocks (windows_script.c) -------------------------------------- */

#define MW_WIN_SCRIPTS_MAX      64                   /* blocks waiting for parts, per file */
#define MW_WIN_SCRIPT_BYTES_MAX (8u * 1024u * 1024u) /* text held for them, per file */
#define MW_WIN_SCRIPT_PARTS_MAX 4096                 /* a MessageTotal above: parts left alone */

struct mw_win_scripts;

/* What a waiting block keeps of its latest part, to be emitted alone if the block never
 * completes. */
struct mw_win_script_meta {
    struct mw_str computer, channel, provider, user, path, block_id, time_raw, record_id;
    int64_t time_ns;
    bool has_time;
    struct mw_origin origin;
    const struct mw_logsource *logsource;
    uint64_t dedup;
};

struct mw_win_scripts *mw_win_scripts_create(void);
void mw_win_scripts_destroy(struct mw_win_scripts *s); /* NULL-safe */

enum {
    MW_WIN_PART_ALONE, /* not part of a split block: emit the event as it is */
    MW_WIN_PART_HELD,  /* kept until its block is whole: emit nothing now */
    MW_WIN_PART_WHOLE, /* the last missing part: emit the event with *joined as ScriptBlockText */
};

/* Takes part num of total of block id with text. *joined lives in arena. */
int mw_win_scripts_add(struct mw_win_scripts *s, unsigned num, unsigned total, struct mw_str text,
                       const struct mw_win_script_meta *meta, struct mw_arena *arena,
                       struct mw_str *joined, unsigned *parts);

/* Emits, through ctx, the blocks that must go out incomplete: all of them when `all` (end of
 * file), else those evicted by the bounds. Each event says which parts are missing. */
/* True when blocks were evicted since the last flush (flush them before the next record). */
bool mw_win_scripts_pending(const struct mw_win_scripts *s);
int mw_win_scripts_flush(struct mw_win_scripts *s, bool all, struct mw_map_ctx *ctx);

#endif

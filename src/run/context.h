/* run/context.h: the context of incidents: the sign-ins, rule and mailbox changes, mail access,
 * sends, deletes, permission grants, exports and mail-store file events of the accounts that end
 * up in incidents, whether or not a rule matched them (docs/triage.md, Timeline context).
 *
 * Memory stays bounded whatever the input: while the inputs are read, each context event is
 * written as a 32-byte entry (account key, file, offset, time, kind) to an unlinked temporary
 * file, not kept. At the end, the entries of the incidents' accounts are picked from it, sorted
 * by file and offset, and only those records are read back: the files that hold them are read
 * again (compressed ones decompressed again), and only the records at those offsets are mapped.
 *
 * Ownership: events handed to the callback of mw_context_read are valid during the call only.
 * They are mapped whole (every field the source offers, as `mailward parse` shows it), with a
 * field table of their own: look fields up by name in ev->fields.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CONTEXT_H
#define MW_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time.h"
#include "core/tzmap.h"
#include "event/event.h"

enum mw_ctx_kind {
    MW_CTX_NONE = 0,
    MW_CTX_SIGNIN,        /* a successful sign-in */
    MW_CTX_SIGNIN_FAILED, /* a failed sign-in */
    MW_CTX_RULE,          /* an inbox rule created, changed, enabled or removed */
    MW_CTX_MAILBOX,       /* mailbox settings, forwarding, permissions, delegation */
    MW_CTX_MAIL_ACCESS,   /* MailItemsAccessed */
    MW_CTX_SEND,          /* Send, SendAs, SendOnBehalf */
    MW_CTX_DELETE,        /* SoftDelete, HardDelete, MoveToDeletedItems */
    MW_CTX_GRANT,         /* an application consent or permission grant */
    MW_CTX_EXPORT,        /* a mailbox export, eDiscovery search or export */
    MW_CTX_FILE,          /* a mail store or archive touched on a device */
    MW_CTX_KINDS
};

/* "signin", "signin_failed", "rule_change", "mailbox_change", "mail_access", "send", "delete",
 * "grant", "export", "file_access"; NULL for MW_CTX_NONE. */
const char *mw_ctx_kind_name(int kind);

struct mw_context;

/* Interns in fields the names it reads (so the sources keep them). NULL never. */
struct mw_context *mw_context_create(struct mw_fieldtab *fields);
void mw_context_destroy(struct mw_context *c);
/* The inputs are read again from the start (run.c read_again): forgets every entry. */
void mw_context_reset(struct mw_context *c);

/* The values of the operation field that make an event context, for the sources' prefilters:
 * records holding them must be mapped although no rule may need them. */
const char *const *mw_context_operations(size_t *n);

/* The kind of context an event is, MW_CTX_NONE for none. */
int mw_context_kind(struct mw_context *c, const struct mw_event *ev);
/* While reading: writes an entry per account the event names (actor, and target mailbox when
 * different) when it is context. MW_OK, or MW_E_IO when the temporary file failed (then every
 * later call does nothing and mw_context_error says why). */
int mw_context_observe(struct mw_context *c, const struct mw_event *ev);
uint64_t mw_context_entries(const struct mw_context *c);
const char *mw_context_error(const struct mw_context *c);

/* The key of an account form ("Alice@Example.org", "CONTOSO\alice", a GUID): ASCII case
 * ignored; what mw_context_read is given for each form of the incidents' identities. */
uint64_t mw_context_key(const char *form, size_t len);

struct mw_ctx_event {
    uint64_t key; /* the account key the entry was written under */
    int kind;     /* enum mw_ctx_kind */
    const struct mw_event *ev;
};

typedef int mw_ctx_event_fn(void *arg, const struct mw_ctx_event *ce);

struct mw_ctx_read_opts {
    const struct mw_tzmap *tz; /* as the first reading had them */
    enum mw_date_order date_order;
    int year;                                     /* --year, as the first reading had it */
    const struct mw_access_format *access_format; /* likewise */
    size_t max_events; /* at most this many entries are read back (0: 100,000) */
    /* The fields fn reads, NULL-terminated: only they are mapped (a record mapped whole costs
     * twice as much). NULL: every field. */
    const char *const *fields;
    /* The files the first reading read, in its order (NULL: none): a file of a rotated family
     * is read back after the older files of its family, so that its logouts and deliveries join
     * the sessions and messages those left open, as in the first reading (docs/formats/syslog.md,
     * Rotated files). */
    const char *const *inputs;
    size_t ninputs;
    /* Called once with fn's arg before the records are read back (NULL: not called): the keys
     * given, ascending and each once, and how many entries of each are read back (each is handed
     * to fn once for the record at its offset), so that the caller can size what it fills. */
    void (*picked)(void *arg, const uint64_t *keys, const uint32_t *counts, size_t n);
};

/* After the reading: reads back the events of the accounts whose keys are given (any order),
 * file by file in offset order, and calls fn for each. *dropped counts the entries past
 * max_events (not read back). MW_OK, a negative status from fn, or MW_E_IO (the temporary file
 * or an input could not be read again; mw_context_error says why). */
int mw_context_read(struct mw_context *c, const uint64_t *keys, size_t nkeys,
                    const struct mw_ctx_read_opts *o, mw_ctx_event_fn *fn, void *arg,
                    uint64_t *dropped);

#endif

/* triage/triage_int.h: the loaded config as the triage files share it (triage/config.c loads
 * it, triage/policy.c matches alerts against its allow lists).
 * SPDX-License-Identifier: MIT */
#ifndef MW_TRIAGE_INT_H
#define MW_TRIAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "core/ip.h"
#include "triage/triage.h"

struct mw_window {
    int64_t from_ns;
    int64_t until_ns;
};

struct mw_strlist {
    char **v;
    size_t n;
};

struct mw_allowlist {
    char *name;
    struct mw_strlist accounts;     /* exact (case-insensitive) or with * wildcards */
    struct mw_strlist processes;    /* file names or full paths, case-insensitive */
    struct mw_strlist destinations; /* addresses, or "@domain" / "domain" */
    struct mw_strlist rules;        /* rule ids; empty: every rule */
    struct mw_cidr *ranges;
    size_t nranges;
    struct mw_window *windows;
    size_t nwindows;
    bool lower; /* action: informational (keep the alert at that level) rather than suppress */
};

/* Threat intelligence lists (config `threat_intel:`), read from plain files at load. */
struct mw_ti {
    struct mw_cidr *ranges;
    size_t nranges;
    struct mw_strlist domains; /* lower-case, no leading '@' or '.' */
    struct mw_strlist apps;    /* lower-case */
    char *files[3];            /* ips, domains, apps: the paths as given */
};

struct mw_config {
    struct mw_strlist domains;
    struct mw_ti ti;
    struct mw_strlist vips; /* `vip:` accounts, exact (case-insensitive) or with * wildcards */
    struct mw_allowlist *lists;
    size_t nlists;
    int64_t learning;          /* learning_period; 0: not given */
    char *access_format;       /* access_log_format (checked: it compiles); NULL: not given */
    struct mw_placeholder *ph; /* placeholders: name -> values (strings owned here) */
    size_t nph;
    /* Incidents (triage/incident.c, docs/incidents.md): */
    char *identities;       /* identities: mapping file, resolved against the config's dir */
    struct mw_cidr *egress; /* egress_ranges: NAT / proxy ranges whose IPs never link */
    size_t negress;
    int64_t incident_span; /* incident_span: gap that starts a new incident; 0: default */
    long ip_link_max;      /* ip_link_max_accounts; -1: default */
};

/* Case-insensitive match of s against pat, where * stands for any run of characters
 * (triage/policy.c). */
bool mw_glob_ieq(const char *pat, const char *s);

/* ---- YAML loading shared by the config and the playbook (triage/yaml_load.c) ------------------
 */

struct mw_yload {
    yaml_document_t doc;
    const char *path;     /* the file, for "file:line: message" */
    struct mw_diag *diag; /* where errors go */
};

/* Sets diag to MW_E_CONFIG at node's line (0: none) with the message; returns MW_E_CONFIG. */
int mw_yload_fail(struct mw_yload *ld, yaml_node_t *node, const char *fmt, ...) MW_PRINTF(3, 4);
/* The node's text when it is a scalar, else NULL. */
const char *mw_yload_scalar(yaml_node_t *n);

#endif

/* triage/pb_load.c: loads a playbook (playbooks/t1114.yml, docs/playbook.md) with libyaml, as
 * triage/config.c loads the config: errors are "file:line: message" with MW_E_CONFIG.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "triage/playbook_int.h"
#include "triage/triage_int.h"

#define PLAYBOOK_MAX (4 << 20) /* bytes of a playbook file */

extern const char mw_builtin_playbook[];
extern const size_t mw_builtin_playbook_len;

typedef yaml_node_t node_t;

static node_t *node_at(struct mw_yload *ld, int i)
{
    return yaml_document_get_node(&ld->doc, i);
}

static int text_value(struct mw_yload *ld, node_t *v, const char *key, char **out)
{
    const char *s = mw_yload_scalar(v);
    if (!s) {
        return mw_yload_fail(ld, v, "'%s' must be text", key);
    }
    mw_free(*out);
    *out = mw_strdup(s);
    return MW_OK;
}

static int bool_value(struct mw_yload *ld, node_t *v, const char *key, bool *out)
{
    const char *s = mw_yload_scalar(v);
    if (s && !strcmp(s, "true")) {
        *out = true;
    } else if (s && !strcmp(s, "false")) {
        *out = false;
    } else {
        return mw_yload_fail(ld, v, "'%s' must be true or false", key);
    }
    return MW_OK;
}

/* A list of text values (or one). */
static int str_list(struct mw_yload *ld, node_t *v, const char *key, struct mw_pb_strs *out)
{
    if (v->type == YAML_SCALAR_NODE) {
        mw_pb_strs_add(out, mw_yload_scalar(v));
        return MW_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, v, "'%s' must be a list of text values", key);
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        node_t *n = node_at(ld, *it);
        if (!mw_yload_scalar(n)) {
            return mw_yload_fail(ld, n, "'%s' holds text values", key);
        }
        mw_pb_strs_add(out, mw_yload_scalar(n));
    }
    return MW_OK;
}

/* ---- matchers ------------------------------------------------------------------------------- */

static int load_match(struct mw_yload *ld, node_t *n, struct mw_pb_match *m)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s",
                             "an alert matcher is a mapping (techniques, rules, files, "
                             "not_files, categories, operations, external)");
    }
    bool any = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        const char *key = mw_yload_scalar(k);
        int rc;
        key = key ? key : "?";
        if (!strcmp(key, "techniques")) {
            rc = str_list(ld, v, key, &m->techniques);
        } else if (!strcmp(key, "rules")) {
            rc = str_list(ld, v, key, &m->rules);
        } else if (!strcmp(key, "files")) {
            rc = str_list(ld, v, key, &m->files);
        } else if (!strcmp(key, "not_files")) {
            rc = str_list(ld, v, key, &m->not_files);
        } else if (!strcmp(key, "categories")) {
            rc = str_list(ld, v, key, &m->categories);
        } else if (!strcmp(key, "operations")) {
            rc = str_list(ld, v, key, &m->operations);
        } else if (!strcmp(key, "external")) {
            rc = bool_value(ld, v, key, &m->external);
        } else {
            return mw_yload_fail(ld, k,
                                 "unknown matcher key '%s' (techniques, rules, files, not_files, "
                                 "categories, operations, external)",
                                 key);
        }
        if (rc != MW_OK) {
            return rc;
        }
        any = true;
    }
    if (!any) {
        return mw_yload_fail(ld, n, "%s",
                             "an alert matcher names nothing (it would match every alert)");
    }
    return MW_OK;
}

static int load_matchset(struct mw_yload *ld, node_t *v, const char *key, struct mw_pb_matchset *s)
{
    if (v->type == YAML_MAPPING_NODE) {
        s->m = mw_realloc(s->m, (s->n + 1) * sizeof *s->m);
        memset(&s->m[s->n], 0, sizeof *s->m);
        return load_match(ld, v, &s->m[s->n++]);
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, v, "'%s' must be a list of alert matchers", key);
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        s->m = mw_realloc(s->m, (s->n + 1) * sizeof *s->m);
        memset(&s->m[s->n], 0, sizeof *s->m);
        int rc = load_match(ld, node_at(ld, *it), &s->m[s->n++]);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

/* ---- questions ------------------------------------------------------------------------------ */

static const char *const counter_names[MW_PB_NCOUNTERS] = {
    "signins",     "signins_failed", "mail_access", "throttled",   "audit",
    "entra_audit", "exchange_admin", "file_events", "mail_server",
};

static int counter_index(const char *s)
{
    for (int i = 0; s && i < MW_PB_NCOUNTERS; i++) {
        if (!strcmp(counter_names[i], s)) {
            return i;
        }
    }
    return -1;
}

static int counter_bits(struct mw_yload *ld, node_t *v, unsigned *bits)
{
    struct mw_pb_strs l = { 0 };
    int rc = str_list(ld, v, "coverage", &l);
    for (size_t i = 0; rc == MW_OK && i < l.n; i++) {
        int c = counter_index(l.v[i]);
        if (c < 0) {
            rc = mw_yload_fail(
                    ld, v,
                    "unknown coverage counter '%s' (signins, signins_failed, mail_access, "
                    "throttled, audit, entra_audit, exchange_admin, file_events, "
                    "mail_server)",
                    l.v[i]);
        } else {
            *bits |= 1u << c;
        }
    }
    mw_pb_strs_free(&l);
    return rc;
}

static int load_coverage(struct mw_yload *ld, node_t *v, struct mw_pb_question *q)
{
    if (v->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, v, "%s", "coverage is {all: [counters]} or {any: [counters]}");
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key);
        const char *key = mw_yload_scalar(k);
        int rc;
        if (key && !strcmp(key, "all")) {
            rc = counter_bits(ld, node_at(ld, p->value), &q->cov_all);
        } else if (key && !strcmp(key, "any")) {
            rc = counter_bits(ld, node_at(ld, p->value), &q->cov_any);
        } else {
            rc = mw_yload_fail(ld, k, "unknown coverage key '%s' (all, any)", key ? key : "?");
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

#define PARTIAL_SHAPE                                                                              \
    "a partial entry is {counter: NAME, warning: TEXT} with an optional when: NAME (coverage "     \
    "counters: signins, signins_failed, mail_access, throttled, audit, entra_audit, "              \
    "exchange_admin, file_events, mail_server)"

static int load_partial_one(struct mw_yload *ld, node_t *n, struct mw_pb_question *q)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", PARTIAL_SHAPE);
    }
    struct mw_pb_partial pt = { -1, -1, NULL };
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        const char *key = mw_yload_scalar(k);
        if (key && !strcmp(key, "counter") && counter_index(mw_yload_scalar(v)) >= 0) {
            pt.counter = counter_index(mw_yload_scalar(v));
        } else if (key && !strcmp(key, "when") && counter_index(mw_yload_scalar(v)) >= 0) {
            pt.when = counter_index(mw_yload_scalar(v));
        } else if (key && !strcmp(key, "warning") && mw_yload_scalar(v)) {
            mw_free(pt.warning);
            pt.warning = mw_strdup(mw_yload_scalar(v));
        } else {
            mw_free(pt.warning);
            return mw_yload_fail(ld, k, "%s", PARTIAL_SHAPE);
        }
    }
    if (pt.counter < 0 || !pt.warning) {
        mw_free(pt.warning);
        return mw_yload_fail(ld, n, "%s", "a partial entry needs a counter and a warning");
    }
    q->partial = mw_realloc(q->partial, (q->npartial + 1) * sizeof *q->partial);
    q->partial[q->npartial++] = pt;
    return MW_OK;
}

static int load_partial(struct mw_yload *ld, node_t *v, struct mw_pb_question *q)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, v, "%s", "partial must be a list");
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        int rc = load_partial_one(ld, node_at(ld, *it), q);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

static int question_key(struct mw_yload *ld, const char *key, node_t *k, node_t *v,
                        struct mw_pb_question *q)
{
    if (!strcmp(key, "id")) {
        return text_value(ld, v, key, &q->id);
    }
    if (!strcmp(key, "question")) {
        return text_value(ld, v, key, &q->question);
    }
    if (!strcmp(key, "missing")) {
        return text_value(ld, v, key, &q->missing);
    }
    if (!strcmp(key, "account_coverage")) {
        int rc = counter_bits(ld, v, &q->acc_cov);
        if (rc == MW_OK && (q->acc_cov & ~((1u << MW_PB_SIGNINS) | (1u << MW_PB_MAIL_ACCESS)))) {
            rc = mw_yload_fail(ld, v, "%s", "account_coverage takes signins and mail_access only");
        }
        return rc;
    }
    if (!strcmp(key, "missing_for_accounts")) {
        return text_value(ld, v, key, &q->missing_accounts);
    }
    if (!strcmp(key, "yes")) {
        return load_matchset(ld, v, key, &q->yes);
    }
    if (!strcmp(key, "failures")) {
        return load_matchset(ld, v, key, &q->failures);
    }
    if (!strcmp(key, "destinations")) {
        return bool_value(ld, v, key, &q->destinations);
    }
    if (!strcmp(key, "history")) {
        return bool_value(ld, v, key, &q->history);
    }
    if (!strcmp(key, "throttle_warning")) {
        return bool_value(ld, v, key, &q->throttle_warning);
    }
    if (!strcmp(key, "coverage")) {
        return load_coverage(ld, v, q);
    }
    if (!strcmp(key, "partial")) {
        return load_partial(ld, v, q);
    }
    return mw_yload_fail(ld, k,
                         "unknown question key '%s' (id, question, yes, failures, destinations, "
                         "history, throttle_warning, coverage, partial, missing)",
                         key);
}

static int load_question(struct mw_yload *ld, struct mw_playbook *pb, node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "each question is a mapping with an id");
    }
    pb->questions = mw_realloc(pb->questions, (pb->nquestions + 1) * sizeof *pb->questions);
    struct mw_pb_question *q = &pb->questions[pb->nquestions++];
    memset(q, 0, sizeof *q);
    q->line = n->start_mark.line + 1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key);
        int rc = question_key(ld, mw_yload_scalar(k) ? mw_yload_scalar(k) : "?", k,
                              node_at(ld, p->value), q);
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!q->id || !q->question) {
        return mw_yload_fail(ld, n, "%s", "a question needs an id and a question");
    }
    if (!q->missing) {
        return mw_yload_fail(
                ld, n, "question %s needs `missing` (what to say when its log is absent)", q->id);
    }
    if (q->acc_cov && !q->missing_accounts) {
        return mw_yload_fail(ld, n,
                             "question %s has account_coverage and needs missing_for_accounts "
                             "(what to say when its accounts have no such records)",
                             q->id);
    }
    if (!q->yes.n) {
        return mw_yload_fail(ld, n, "question %s needs `yes` (the alerts that answer it)", q->id);
    }
    for (size_t i = 0; i + 1 < pb->nquestions; i++) {
        if (!strcmp(pb->questions[i].id, q->id)) {
            return mw_yload_fail(ld, n, "question %s is given twice", q->id);
        }
    }
    return MW_OK;
}

/* ---- escalation ----------------------------------------------------------------------------- */

static int signal_value(struct mw_yload *ld, node_t *v, enum mw_pb_signal *out)
{
    static const char *const names[] = { "", "failure_then_success", "new_place_then_collection",
                                         "threat_intel", "vip" };
    const char *s = mw_yload_scalar(v);
    for (int i = 1; s && i < (int)(sizeof names / sizeof *names); i++) {
        if (!strcmp(names[i], s)) {
            *out = (enum mw_pb_signal)i;
            return MW_OK;
        }
    }
    return mw_yload_fail(ld, v,
                         "unknown signal '%s' (failure_then_success, new_place_then_collection, "
                         "threat_intel, vip)",
                         s ? s : "?");
}

static int question_ref(struct mw_yload *ld, struct mw_playbook *pb, node_t *v, int *out)
{
    const char *s = mw_yload_scalar(v);
    for (size_t i = 0; s && i < pb->nquestions; i++) {
        if (!strcmp(pb->questions[i].id, s)) {
            *out = (int)i;
            return MW_OK;
        }
    }
    return mw_yload_fail(ld, v, "escalation names question '%s', which no question above has",
                         s ? s : "?");
}

static int criterion_key(struct mw_yload *ld, struct mw_playbook *pb, const char *key, node_t *k,
                         node_t *v, struct mw_pb_criterion *c)
{
    if (!strcmp(key, "name")) {
        return text_value(ld, v, key, &c->name);
    }
    if (!strcmp(key, "reason")) {
        return text_value(ld, v, key, &c->reason);
    }
    if (!strcmp(key, "otherwise")) {
        return text_value(ld, v, key, &c->otherwise);
    }
    if (!strcmp(key, "question")) {
        return question_ref(ld, pb, v, &c->question);
    }
    if (!strcmp(key, "signal")) {
        return signal_value(ld, v, &c->signal);
    }
    if (!strcmp(key, "match")) {
        return load_matchset(ld, v, key, &c->match);
    }
    return mw_yload_fail(ld, k,
                         "unknown escalation key '%s' (name, question, signal, match, reason, "
                         "otherwise)",
                         key);
}

static int load_criterion(struct mw_yload *ld, struct mw_playbook *pb, node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "each escalation criterion is a mapping with a name");
    }
    pb->criteria = mw_realloc(pb->criteria, (pb->ncriteria + 1) * sizeof *pb->criteria);
    struct mw_pb_criterion *c = &pb->criteria[pb->ncriteria++];
    memset(c, 0, sizeof *c);
    c->question = -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key);
        int rc = criterion_key(ld, pb, mw_yload_scalar(k) ? mw_yload_scalar(k) : "?", k,
                               node_at(ld, p->value), c);
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!c->name || !c->reason) {
        return mw_yload_fail(ld, n, "%s", "an escalation criterion needs a name and a reason");
    }
    int kinds = (c->question >= 0) + (c->signal != MW_PB_SIG_NONE) + (c->match.n > 0);
    if (kinds != 1) {
        return mw_yload_fail(ld, n,
                             "escalation criterion '%s' needs exactly one of question, signal, "
                             "match",
                             c->name);
    }
    return MW_OK;
}

/* ---- containment kinds ---------------------------------------------------------------------- */

static int load_value(struct mw_yload *ld, node_t *k, node_t *v, struct mw_pb_finding_kind *f)
{
    if (f->nvalues >= MW_PB_VALUES_MAX) {
        return mw_yload_fail(ld, k, "more than %d values", MW_PB_VALUES_MAX);
    }
    f->values = mw_realloc(f->values, (f->nvalues + 1) * sizeof *f->values);
    struct mw_pb_value *val = &f->values[f->nvalues++];
    memset(val, 0, sizeof *val);
    val->name = mw_strdup(mw_yload_scalar(k) ? mw_yload_scalar(k) : "?");
    if (v->type != YAML_MAPPING_NODE) {
        return str_list(ld, v, val->name, &val->fields);
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        node_t *kk = node_at(ld, p->key), *vv = node_at(ld, p->value);
        const char *key = mw_yload_scalar(kk);
        int rc;
        if (key && !strcmp(key, "fields")) {
            rc = str_list(ld, vv, key, &val->fields);
        } else if (key && !strcmp(key, "guid")) {
            rc = bool_value(ld, vv, key, &val->guid);
        } else {
            rc = mw_yload_fail(ld, kk, "unknown value key '%s' (fields, guid)", key ? key : "?");
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!val->fields.n) {
        return mw_yload_fail(ld, v, "value '%s' names no fields", val->name);
    }
    return MW_OK;
}

static int load_values(struct mw_yload *ld, node_t *v, struct mw_pb_finding_kind *f)
{
    if (v->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, v, "%s", "values is a mapping of names to evidence fields");
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        int rc = load_value(ld, node_at(ld, p->key), node_at(ld, p->value), f);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

static int load_persist(struct mw_yload *ld, node_t *v, struct mw_pb_finding_kind *f)
{
    if (v->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, v, "%s",
                             "persist is {removed_by: [operations], key: VALUE, empty: "
                             "[fields]}");
    }
    f->persist = true;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key), *vv = node_at(ld, p->value);
        const char *key = mw_yload_scalar(k);
        int rc;
        if (key && !strcmp(key, "removed_by")) {
            rc = str_list(ld, vv, key, &f->removed_by);
        } else if (key && !strcmp(key, "empty")) {
            rc = str_list(ld, vv, key, &f->empty);
        } else if (key && !strcmp(key, "key")) {
            rc = text_value(ld, vv, key, &f->persist_key);
        } else {
            rc = mw_yload_fail(ld, k, "unknown persist key '%s' (removed_by, key, empty)",
                               key ? key : "?");
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!f->removed_by.n) {
        return mw_yload_fail(ld, v, "%s",
                             "persist needs removed_by (the operations that remove it)");
    }
    return MW_OK;
}

static int load_step(struct mw_yload *ld, node_t *n, struct mw_pb_finding_kind *f)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s",
                             "a step is {shell: NAME, command: TEXT} or {command: TEXT}");
    }
    struct mw_pb_tstep st = { NULL, NULL };
    int rc = MW_OK;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         rc == MW_OK && p < n->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        const char *key = mw_yload_scalar(k);
        if (key && !strcmp(key, "shell")) {
            rc = text_value(ld, v, key, &st.shell);
        } else if (key && !strcmp(key, "command")) {
            rc = text_value(ld, v, key, &st.command);
        } else {
            rc = mw_yload_fail(ld, k, "unknown step key '%s' (shell, command)", key ? key : "?");
        }
    }
    if (rc == MW_OK && !st.command) {
        rc = mw_yload_fail(ld, n, "%s", "a step needs a command (or the step's text)");
    }
    f->steps = mw_realloc(f->steps, (f->nsteps + 1) * sizeof *f->steps);
    f->steps[f->nsteps++] = st;
    return rc;
}

static int load_steps(struct mw_yload *ld, node_t *v, struct mw_pb_finding_kind *f)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, v, "%s", "steps must be a list");
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        int rc = load_step(ld, node_at(ld, *it), f);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

static int kind_key(struct mw_yload *ld, const char *key, node_t *k, node_t *v,
                    struct mw_pb_finding_kind *f)
{
    if (!strcmp(key, "kind")) {
        return text_value(ld, v, key, &f->kind);
    }
    if (!strcmp(key, "what")) {
        return text_value(ld, v, key, &f->what);
    }
    if (!strcmp(key, "match")) {
        return load_matchset(ld, v, key, &f->match);
    }
    if (!strcmp(key, "values")) {
        return load_values(ld, v, f);
    }
    if (!strcmp(key, "persist")) {
        return load_persist(ld, v, f);
    }
    if (!strcmp(key, "steps")) {
        return load_steps(ld, v, f);
    }
    if (!strcmp(key, "scope")) {
        const char *s = mw_yload_scalar(v);
        if (s && !strcmp(s, "escalated")) {
            f->escalated_only = true;
            return MW_OK;
        }
        if (s && !strcmp(s, "finding")) {
            return MW_OK;
        }
        return mw_yload_fail(ld, v, "scope '%s' is not finding or escalated", s ? s : "?");
    }
    if (!strcmp(key, "accounts")) {
        const char *s = mw_yload_scalar(v);
        if (s && (!strcmp(s, "any") || !strcmp(s, "upn"))) {
            f->any_account = !strcmp(s, "any");
            return MW_OK;
        }
        return mw_yload_fail(ld, v, "accounts '%s' is not upn or any", s ? s : "?");
    }
    return mw_yload_fail(
            ld, k,
            "unknown containment key '%s' (kind, match, scope, accounts, values, what, "
            "persist, steps)",
            key);
}

static bool builtin_value(const char *name, size_t len)
{
    static const char *const names[] = { "mailbox", "account", "host", "destination" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (strlen(names[i]) == len && !memcmp(names[i], name, len)) {
            return true;
        }
    }
    return false;
}

static const struct mw_pb_value *find_value(const struct mw_pb_finding_kind *f, const char *name,
                                            size_t len)
{
    for (size_t i = 0; i < f->nvalues; i++) {
        if (strlen(f->values[i].name) == len && !memcmp(f->values[i].name, name, len)) {
            return &f->values[i];
        }
    }
    return NULL;
}

/* Every {name} of a template is a value of the kind or a built-in one; in a command, a value
 * inside a double-quoted string (where PowerShell expands $ and ` ) must be a checked GUID. */
static int check_template(struct mw_yload *ld, node_t *n, const struct mw_pb_finding_kind *f,
                          const char *t, bool command)
{
    bool dq = false;
    for (const char *p = t; *p; p++) {
        if (*p == '"' && command) {
            dq = !dq;
            continue;
        }
        if (*p != '{') {
            continue;
        }
        size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
        if (!len || p[1 + len] != '}') {
            continue; /* a script block or other brace: literal */
        }
        const struct mw_pb_value *v = find_value(f, p + 1, len);
        if (!v && !builtin_value(p + 1, len)) {
            return mw_yload_fail(ld, n, "containment '%s' names an unknown value {%.*s}", f->kind,
                                 (int)len, p + 1);
        }
        if (dq && (!v || !v->guid)) {
            return mw_yload_fail(
                    ld, n,
                    "containment '%s': {%.*s} inside a double-quoted string (only a value "
                    "marked guid may be there)",
                    f->kind, (int)len, p + 1);
        }
        p += len + 1;
    }
    return MW_OK;
}

static int check_kind(struct mw_yload *ld, node_t *n, const struct mw_pb_finding_kind *f)
{
    if (!f->kind || !f->what || !f->nsteps) {
        return mw_yload_fail(ld, n, "%s", "a containment entry needs kind, what and steps");
    }
    if (!f->match.n && !f->escalated_only) {
        return mw_yload_fail(ld, n, "containment '%s' needs match (or scope: escalated)", f->kind);
    }
    int rc = check_template(ld, n, f, f->what, false);
    for (size_t i = 0; rc == MW_OK && i < f->nsteps; i++) {
        rc = check_template(ld, n, f, f->steps[i].command, f->steps[i].shell != NULL);
    }
    if (rc == MW_OK && f->persist_key && !find_value(f, f->persist_key, strlen(f->persist_key)) &&
        !builtin_value(f->persist_key, strlen(f->persist_key))) {
        rc = mw_yload_fail(ld, n, "containment '%s': persist key '%s' is not one of its values",
                           f->kind, f->persist_key);
    }
    return rc;
}

static int load_kind(struct mw_yload *ld, struct mw_playbook *pb, node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "each containment entry is a mapping with a kind");
    }
    pb->kinds = mw_realloc(pb->kinds, (pb->nkinds + 1) * sizeof *pb->kinds);
    struct mw_pb_finding_kind *f = &pb->kinds[pb->nkinds++];
    memset(f, 0, sizeof *f);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        node_t *k = node_at(ld, p->key);
        int rc = kind_key(ld, mw_yload_scalar(k) ? mw_yload_scalar(k) : "?", k,
                          node_at(ld, p->value), f);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return check_kind(ld, n, f);
}

/* ---- the document --------------------------------------------------------------------------- */

static int each_item(struct mw_yload *ld, struct mw_playbook *pb, node_t *v, const char *key,
                     int (*fn)(struct mw_yload *, struct mw_playbook *, node_t *))
{
    if (v->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, v, "'%s' must be a list", key);
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        int rc = fn(ld, pb, node_at(ld, *it));
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

static int root_key(struct mw_yload *ld, struct mw_playbook *pb, const char *key, node_t *k,
                    node_t *v)
{
    if (!strcmp(key, "playbook")) {
        return text_value(ld, v, key, &pb->name);
    }
    if (!strcmp(key, "title")) {
        return text_value(ld, v, key, &pb->title);
    }
    if (!strcmp(key, "indicators")) {
        return str_list(ld, v, key, &pb->indicators);
    }
    if (!strcmp(key, "l1_steps")) {
        return str_list(ld, v, key, &pb->l1);
    }
    if (!strcmp(key, "tier2_actions")) {
        return str_list(ld, v, key, &pb->tier2);
    }
    if (!strcmp(key, "questions")) {
        return each_item(ld, pb, v, key, load_question);
    }
    if (!strcmp(key, "escalation")) {
        return each_item(ld, pb, v, key, load_criterion);
    }
    if (!strcmp(key, "containment")) {
        return each_item(ld, pb, v, key, load_kind);
    }
    return mw_yload_fail(ld, k,
                         "unknown key '%s' (playbook, title, indicators, questions, escalation, "
                         "l1_steps, tier2_actions, containment)",
                         key);
}

static int load_root(struct mw_yload *ld, struct mw_playbook *pb)
{
    node_t *root = yaml_document_get_root_node(&ld->doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, root, "%s", "a playbook is a mapping (playbook, questions, ...)");
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        node_t *k = node_at(ld, p->key);
        int rc = root_key(ld, pb, mw_yload_scalar(k) ? mw_yload_scalar(k) : "?", k,
                          node_at(ld, p->value));
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!pb->nquestions) {
        return mw_yload_fail(ld, root, "%s", "a playbook needs questions");
    }
    return MW_OK;
}

/* ---- freeing -------------------------------------------------------------------------------- */

static void matchset_free(struct mw_pb_matchset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        mw_pb_strs_free(&s->m[i].techniques);
        mw_pb_strs_free(&s->m[i].rules);
        mw_pb_strs_free(&s->m[i].files);
        mw_pb_strs_free(&s->m[i].not_files);
        mw_pb_strs_free(&s->m[i].categories);
        mw_pb_strs_free(&s->m[i].operations);
    }
    mw_free(s->m);
}

static void question_free(struct mw_pb_question *q)
{
    mw_free(q->id);
    mw_free(q->question);
    mw_free(q->missing);
    mw_free(q->missing_accounts);
    matchset_free(&q->yes);
    matchset_free(&q->failures);
    for (size_t i = 0; i < q->npartial; i++) {
        mw_free(q->partial[i].warning);
    }
    mw_free(q->partial);
}

static void kind_free(struct mw_pb_finding_kind *f)
{
    mw_free(f->kind);
    mw_free(f->what);
    matchset_free(&f->match);
    for (size_t i = 0; i < f->nvalues; i++) {
        mw_free(f->values[i].name);
        mw_pb_strs_free(&f->values[i].fields);
    }
    mw_free(f->values);
    mw_pb_strs_free(&f->removed_by);
    mw_pb_strs_free(&f->empty);
    mw_free(f->persist_key);
    for (size_t i = 0; i < f->nsteps; i++) {
        mw_free(f->steps[i].shell);
        mw_free(f->steps[i].command);
    }
    mw_free(f->steps);
}

void mw_playbook_destroy(struct mw_playbook *pb)
{
    if (!pb) {
        return;
    }
    mw_free(pb->name);
    mw_free(pb->title);
    mw_pb_strs_free(&pb->indicators);
    mw_pb_strs_free(&pb->l1);
    mw_pb_strs_free(&pb->tier2);
    for (size_t i = 0; i < pb->nquestions; i++) {
        question_free(&pb->questions[i]);
    }
    mw_free(pb->questions);
    for (size_t i = 0; i < pb->ncriteria; i++) {
        mw_free(pb->criteria[i].name);
        mw_free(pb->criteria[i].reason);
        mw_free(pb->criteria[i].otherwise);
        matchset_free(&pb->criteria[i].match);
    }
    mw_free(pb->criteria);
    for (size_t i = 0; i < pb->nkinds; i++) {
        kind_free(&pb->kinds[i]);
    }
    mw_free(pb->kinds);
    mw_free(pb);
}

/* ---- entry points --------------------------------------------------------------------------- */

int mw_playbook_load_text(struct mw_playbook **out, const char *name, const char *text, size_t len,
                          struct mw_diag *diag)
{
    *out = NULL;
    struct mw_yload ld = { .path = name, .diag = diag };
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &ld.doc)) {
        diag->path = name;
        diag->line = parser.problem_mark.line + 1;
        int rc = mw_diag_set(diag, MW_E_CONFIG, "YAML error: %s",
                             parser.problem ? parser.problem : "unreadable");
        yaml_parser_delete(&parser);
        return rc;
    }
    struct mw_playbook *pb = mw_calloc(1, sizeof *pb);
    int rc = load_root(&ld, pb);
    yaml_document_delete(&ld.doc);
    yaml_parser_delete(&parser);
    if (rc != MW_OK) {
        mw_playbook_destroy(pb);
        return rc;
    }
    *out = pb;
    return MW_OK;
}

int mw_playbook_load(struct mw_playbook **out, const char *path, struct mw_diag *diag)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag->path = path;
        diag->sys_errno = errno;
        return mw_diag_set(diag, MW_E_IO, "cannot read playbook: %s", strerror(errno));
    }
    struct mw_buf b;
    mw_buf_init(&b, PLAYBOOK_MAX);
    char chunk[4096];
    size_t got;
    bool big = false;
    while (!big && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        big = mw_buf_append(&b, chunk, got) != MW_OK;
    }
    if (big) {
        fclose(f);
        mw_buf_fini(&b);
        diag->path = path;
        return mw_diag_set(diag, MW_E_CONFIG, "the playbook is larger than %d MiB",
                           PLAYBOOK_MAX >> 20);
    }
    bool bad = ferror(f) != 0;
    int err = errno;
    fclose(f);
    if (bad) {
        mw_buf_fini(&b);
        diag->path = path;
        diag->sys_errno = err;
        return mw_diag_set(diag, MW_E_IO, "cannot read playbook: %s", strerror(err));
    }
    int rc = mw_playbook_load_text(out, path, b.ptr ? b.ptr : "", b.len, diag);
    mw_buf_fini(&b);
    return rc;
}

int mw_playbook_builtin(struct mw_playbook **out, struct mw_diag *diag)
{
    return mw_playbook_load_text(out, "playbooks/t1114.yml", mw_builtin_playbook,
                                 mw_builtin_playbook_len, diag);
}

const char *const *mw_playbook_indicators(const struct mw_playbook *pb, size_t *n)
{
    *n = pb->indicators.n;
    return (const char *const *)pb->indicators.v;
}

const char *const *mw_playbook_l1_steps(const struct mw_playbook *pb, size_t *n)
{
    *n = pb->l1.n;
    return (const char *const *)pb->l1.v;
}

const char *const *mw_playbook_tier2_actions(const struct mw_playbook *pb, size_t *n)
{
    *n = pb->tier2.n;
    return (const char *const *)pb->tier2.v;
}

/* decode/xml.c: one XML document read with expat as a series of records, each a child element
 * of the document element (the Exchange admin audit report's <Event>, docs/formats/
 * exchange_admin_audit.md). The input goes to expat chunk by chunk; the parser is suspended at
 * the end of each record, so one record at a time is held, and expat's own allocations are
 * counted against a budget. A document type declaration (entities, external DTDs) is refused.
 * SPDX-License-Identifier: MIT */
/* Debian's libexpat is built with DTD support (XML_DTD), which declares the entity expansion
 * limits below; the header only declares them when XML_DTD is defined. */
#ifndef XML_DTD
#define XML_DTD 1
#endif
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "decode/decode.h"

#define CHUNK         (64u * 1024u)         /* bytes handed to expat at a time */
#define EXPAT_BUDGET  (64u * 1024u * 1024u) /* expat's own memory (its buffer, names) */
#define NAME_MAX_KEPT 64                    /* of the document and record element names */

struct mw_xml_reader {
    struct mw_stream *stream;
    XML_Parser p;
    struct mw_arena arena; /* the current record's names, values and text */
    struct mw_xml_node *nodes;
    size_t n, cap;
    int stack[MW_XML_MAX_DEPTH]; /* node index per nesting level in the record, -1: not kept */
    unsigned depth;              /* 0 outside the document element, 1 inside it, 2 in a record */
    char root[NAME_MAX_KEPT], rec[NAME_MAX_KEPT];
    char path[2 * NAME_MAX_KEPT + 2];
    uint64_t rec_line, rec_off;
    int rec_status; /* MW_OK, or MW_E_LIMIT for the record being read */
    char rec_why[160];
    bool have;      /* a whole record is waiting */
    bool suspended; /* expat stopped at its end, to be resumed */
    bool last;      /* the final chunk was handed to expat */
    bool done;      /* nothing more to read */
    bool refused;   /* stopped by us (entity declaration) */
    size_t mem;     /* bytes expat holds */
};

/* ---- expat's memory, counted ---------------------------------------------------------------- */

static _Thread_local struct mw_xml_reader *mem_owner; /* set around every expat call */

#define MEM_HDR 16 /* the size of a block, before it (keeps 16-byte alignment) */

static void *mem_malloc(size_t size)
{
    struct mw_xml_reader *r = mem_owner;
    if (r && r->mem + size > EXPAT_BUDGET) {
        return NULL; /* expat reports "out of memory": the document stops there */
    }
    unsigned char *b = malloc(size + MEM_HDR);
    if (!b) {
        return NULL;
    }
    memcpy(b, &size, sizeof size);
    if (r) {
        r->mem += size;
    }
    return b + MEM_HDR;
}

static void mem_free(void *ptr)
{
    if (!ptr) {
        return;
    }
    unsigned char *b = (unsigned char *)ptr - MEM_HDR;
    size_t size;
    memcpy(&size, b, sizeof size);
    if (mem_owner && mem_owner->mem >= size) {
        mem_owner->mem -= size;
    }
    free(b);
}

static void *mem_realloc(void *ptr, size_t size)
{
    if (!ptr) {
        return mem_malloc(size);
    }
    void *n = mem_malloc(size);
    if (!n) {
        return NULL;
    }
    unsigned char *b = (unsigned char *)ptr - MEM_HDR;
    size_t old;
    memcpy(&old, b, sizeof old);
    memcpy(n, ptr, old < size ? old : size);
    mem_free(ptr);
    return n;
}

static const XML_Memory_Handling_Suite mem_suite = { mem_malloc, mem_realloc, mem_free };

/* ---- handlers ------------------------------------------------------------------------------- */

static void limit(struct mw_xml_reader *r, const char *why)
{
    if (r->rec_status == MW_OK) {
        r->rec_status = MW_E_LIMIT;
        snprintf(r->rec_why, sizeof r->rec_why, "%s", why);
    }
}

static struct mw_str keep(struct mw_xml_reader *r, const char *s, size_t len)
{
    struct mw_str out = mw_arena_dup(&r->arena, s, len);
    if (!out.ptr && len) {
        limit(r, "record bigger than the record cap");
    }
    return out;
}

static void copy_name(char *dst, const char *name)
{
    snprintf(dst, NAME_MAX_KEPT, "%s", name);
}

static void begin_record(struct mw_xml_reader *r, const XML_Char *name)
{
    mw_arena_reset(&r->arena);
    r->n = 0;
    r->rec_status = MW_OK;
    r->rec_why[0] = '\0';
    r->rec_line = (uint64_t)XML_GetCurrentLineNumber(r->p);
    long long at = (long long)XML_GetCurrentByteIndex(r->p);
    r->rec_off = at > 0 ? (uint64_t)at : 0;
    copy_name(r->rec, name);
}

/* Adds the element as a node of the record; its index, or -1 when it is not kept. */
static int add_node(struct mw_xml_reader *r, const XML_Char *name, const XML_Char **atts,
                    int parent)
{
    if (r->n >= MW_XML_MAX_NODES) {
        limit(r, "record with more elements than the 4096 read per record");
        return -1;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->nodes = mw_realloc(r->nodes, r->cap * sizeof *r->nodes);
    }
    size_t na = 0;
    while (atts[2 * na]) {
        na++;
    }
    struct mw_xml_attr *a = NULL;
    if (na) {
        a = mw_arena_alloc(&r->arena, na * sizeof *a, _Alignof(struct mw_xml_attr));
        if (!a) {
            limit(r, "record bigger than the record cap");
            return -1;
        }
        for (size_t i = 0; i < na; i++) {
            a[i].name = keep(r, atts[2 * i], strlen(atts[2 * i]));
            a[i].value = keep(r, atts[2 * i + 1], strlen(atts[2 * i + 1]));
        }
    }
    struct mw_xml_node *nd = &r->nodes[r->n];
    nd->name = keep(r, name, strlen(name));
    nd->attrs = a;
    nd->nattrs = na;
    nd->text = MW_STR_NULL;
    nd->parent = parent;
    nd->line = (uint64_t)XML_GetCurrentLineNumber(r->p);
    return (int)r->n++;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct mw_xml_reader *r = ud;
    r->depth++;
    if (r->depth == 1) {
        copy_name(r->root, name);
        return;
    }
    if (r->depth == 2) {
        begin_record(r, name);
    }
    unsigned level = r->depth - 2; /* 0: the record element */
    if (level >= MW_XML_MAX_DEPTH) {
        limit(r, "record nested deeper than 32 levels");
        return;
    }
    int parent = level ? r->stack[level - 1] : -1;
    r->stack[level] = (level && parent < 0) ? -1 : add_node(r, name, atts, parent);
}

static void on_end(void *ud, const XML_Char *name)
{
    struct mw_xml_reader *r = ud;
    (void)name;
    if (r->depth >= 2 && r->depth - 2 < MW_XML_MAX_DEPTH && r->stack[r->depth - 2] >= 0) {
        struct mw_xml_node *nd = &r->nodes[r->stack[r->depth - 2]];
        nd->text = mw_str_trim(nd->text); /* trailing white space (indentation) too */
    }
    if (r->depth == 2) {
        r->have = true;
        XML_StopParser(r->p, XML_TRUE); /* hand the record out, resume after it */
    }
    if (r->depth > 0) {
        r->depth--;
    }
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    struct mw_xml_reader *r = ud;
    if (r->depth < 2 || r->depth - 2 >= MW_XML_MAX_DEPTH) {
        return;
    }
    int idx = r->stack[r->depth - 2];
    if (idx < 0 || len <= 0) {
        return;
    }
    struct mw_xml_node *nd = &r->nodes[idx];
    struct mw_str add = mw_str_make(s, (size_t)len);
    if (!nd->text.len) {
        add = mw_str_trim(add); /* leading white space (indentation) is not kept */
    }
    if (!add.len || nd->text.len >= MW_XML_TEXT_MAX) {
        return;
    }
    size_t take = add.len;
    if (nd->text.len + take > MW_XML_TEXT_MAX) {
        take = MW_XML_TEXT_MAX - nd->text.len;
    }
    char *buf = mw_arena_alloc(&r->arena, nd->text.len + take, 1);
    if (!buf) {
        limit(r, "record bigger than the record cap");
        return;
    }
    if (nd->text.len) {
        memcpy(buf, nd->text.ptr, nd->text.len);
    }
    memcpy(buf + nd->text.len, add.ptr, take);
    nd->text = mw_str_make(buf, nd->text.len + take);
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *system_id,
                       const XML_Char *public_id, int has_internal_subset)
{
    struct mw_xml_reader *r = ud;
    (void)name, (void)system_id, (void)public_id, (void)has_internal_subset;
    r->refused = true;
    XML_StopParser(r->p, XML_FALSE);
}

static void on_entity_decl(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                           int value_len, const XML_Char *base, const XML_Char *system_id,
                           const XML_Char *public_id, const XML_Char *notation)
{
    struct mw_xml_reader *r = ud;
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)system_id;
    (void)public_id, (void)notation;
    r->refused = true;
    XML_StopParser(r->p, XML_FALSE);
}

/* ---- the reader ------------------------------------------------------------------------------ */

int mw_xml_reader_create(struct mw_xml_reader **out, struct mw_stream *s, struct mw_diag *diag)
{
    struct mw_xml_reader *r = mw_calloc(1, sizeof *r);
    r->stream = s;
    mem_owner = r;
    /* the stream hands out UTF-8 whatever the file's encoding declaration says */
    r->p = XML_ParserCreate_MM("UTF-8", &mem_suite, NULL);
    mem_owner = NULL;
    if (!r->p) {
        mw_free(r);
        *out = NULL;
        return mw_diag_set(diag, MW_E_NOMEM, "cannot create the XML parser");
    }
    XML_SetUserData(r->p, r);
    XML_SetElementHandler(r->p, on_start, on_end);
    XML_SetCharacterDataHandler(r->p, on_text);
    XML_SetStartDoctypeDeclHandler(r->p, on_doctype);
    XML_SetEntityDeclHandler(r->p, on_entity_decl);
    XML_SetParamEntityParsing(r->p, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    /* expat >= 2.4: refuse entity expansion past 10x the input once 64 KiB were expanded */
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(r->p, 10.0f);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(r->p, 64u * 1024u);
#endif
    mw_arena_init(&r->arena, 16 * 1024, mw_stream_record_cap(s));
    *out = r;
    return MW_OK;
}

void mw_xml_reader_destroy(struct mw_xml_reader *r)
{
    if (!r) {
        return;
    }
    mem_owner = r;
    XML_ParserFree(r->p);
    mem_owner = NULL;
    mw_arena_fini(&r->arena);
    mw_free(r->nodes);
    mw_free(r);
}

struct mw_str mw_xml_record_path(const struct mw_xml_reader *r)
{
    return mw_str_c(r->path);
}

/* Hands the next chunk of the stream to expat. */
static enum XML_Status feed(struct mw_xml_reader *r, int *io, struct mw_diag *diag)
{
    struct mw_str avail;
    int rc = mw_stream_fill(r->stream, CHUNK, &avail, diag);
    if (rc != MW_OK && rc != MW_DONE && rc != MW_E_LIMIT) {
        *io = rc;
        return XML_STATUS_ERROR;
    }
    size_t len = rc == MW_DONE ? 0 : (avail.len < CHUNK ? avail.len : CHUNK);
    r->last = len == 0;
    void *buf = XML_GetBuffer(r->p, (int)(len ? len : 1));
    if (!buf) {
        return XML_STATUS_ERROR;
    }
    if (len) {
        memcpy(buf, avail.ptr, len);
        mw_stream_consume(r->stream, len);
    }
    return XML_ParseBuffer(r->p, (int)len, r->last);
}

/* The document cannot be read on: what expat (or the refusal) says, and where. */
static int fatal(struct mw_xml_reader *r, uint64_t *line_no, struct mw_diag *diag)
{
    r->done = true;
    *line_no = (uint64_t)XML_GetCurrentLineNumber(r->p);
    if (r->refused) {
        return mw_diag_set(diag, MW_E_TRUNCATED,
                           "XML with a <!DOCTYPE> (entities, DTD), which a log report never "
                           "has: refused, no entity is expanded");
    }
    enum XML_Error e = XML_GetErrorCode(r->p);
    return mw_diag_set(diag, MW_E_TRUNCATED, "XML not well-formed at line %llu, column %llu: %s",
                       (unsigned long long)*line_no,
                       (unsigned long long)XML_GetCurrentColumnNumber(r->p) + 1,
                       XML_ErrorString(e) ? XML_ErrorString(e) : "error");
}

/* Hands out the waiting record. */
static int take(struct mw_xml_reader *r, struct mw_xml_rec *out, uint64_t *line_no,
                uint64_t *offset, struct mw_diag *diag)
{
    r->have = false;
    snprintf(r->path, sizeof r->path, "%s/%s", r->root, r->rec);
    out->nodes = r->nodes;
    out->n = r->n;
    *line_no = r->rec_line;
    *offset = r->rec_off;
    if (r->rec_status != MW_OK) {
        out->n = 0;
        return mw_diag_set(diag, r->rec_status, "%s", r->rec_why);
    }
    return MW_OK;
}

int mw_xml_next(struct mw_xml_reader *r, struct mw_xml_rec *out, uint64_t *line_no,
                uint64_t *offset, struct mw_diag *diag)
{
    out->nodes = NULL;
    out->n = 0;
    for (;;) {
        if (r->have) {
            return take(r, out, line_no, offset, diag);
        }
        if (r->done) {
            return MW_DONE;
        }
        int io = MW_OK;
        mem_owner = r;
        enum XML_Status st;
        if (r->suspended) {
            r->suspended = false;
            st = XML_ResumeParser(r->p);
        } else {
            st = feed(r, &io, diag);
        }
        mem_owner = NULL;
        if (io != MW_OK) {
            r->done = true;
            return io;
        }
        if (st == XML_STATUS_SUSPENDED) {
            r->suspended = true;
        } else if (st == XML_STATUS_ERROR) {
            return fatal(r, line_no, diag);
        } else if (r->last) {
            r->done = true;
        }
    }
}

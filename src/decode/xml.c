/* decode/xml.c: one XML document read with libxml2's SAX2 push parser as a series of records,
 * each a child element of the document element (the Exchange admin audit report's <Event>,
 * docs/formats/exchange_admin_audit.md). The input goes to the parser CHUNK bytes at a time; the
 * records completed during a chunk are queued in a batch and handed out one by one, so memory
 * holds one chunk's records plus the record in progress. A <!DOCTYPE> is refused.
 * SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* memrchr */
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "core/alloc.h"
#include "decode/decode.h"

#define CHUNK         (64u * 1024u) /* bytes handed to the parser at a time */
#define DOC_DEPTH_MAX 256           /* nesting of the whole document (libxml2's own default) */
#define NAME_MAX_KEPT 64            /* of the document and record element names */
#define DICT_LIMIT    (1u << 20)    /* bytes of distinct names the parser may intern */
#define NO_MARK       UINT64_MAX

/* A record completed during the current chunk, waiting to be handed out. */
struct queued {
    size_t first, n; /* its nodes in the batch */
    uint64_t line, off;
    const char *why; /* NULL, or why it is skipped (MW_E_LIMIT) */
    char name[NAME_MAX_KEPT];
};

#define NAME_CACHE 64

struct name_len {
    const xmlChar *p;
    size_t len;
};

struct mw_xml_reader {
    struct mw_stream *stream;
    struct name_len names[NAME_CACHE]; /* lengths of dictionary names, by address */
    xmlParserCtxtPtr ctxt;
    struct mw_arena arena[2]; /* the batch's names, values and text; [cur] is in use */
    unsigned cur;
    size_t rec_base;           /* bytes of arena[cur] used before the record in progress */
    size_t cap;                /* the stream's record cap: bytes one record may take */
    struct mw_xml_node *nodes; /* the batch's nodes, record after record */
    size_t n, ncap;
    size_t rec_first; /* first node of the record in progress */
    struct queued *q; /* records completed, handed out from qhead */
    size_t qn, qcap, qhead;
    int stack[MW_XML_MAX_DEPTH]; /* node per nesting level in the record (relative), -1: not kept */
    unsigned depth;              /* 0 outside the document element, 1 inside it, 2 in a record */
    char root[NAME_MAX_KEPT], rec[NAME_MAX_KEPT];
    char path[2 * NAME_MAX_KEPT + 2];
    uint64_t rec_line, rec_off;
    uint64_t mark_off;   /* offset where the parser stood after the last event, or NO_MARK */
    uint64_t mark_line;  /* its line there */
    const char *rec_why; /* NULL, or why the record in progress is skipped */
    uint64_t stop_line;  /* where the parser was stopped by us */
    bool last;           /* the end of the input was handed to the parser */
    bool done;           /* nothing more to read */
    bool failed;         /* a fatal error waits to be reported after the queued records */
    bool refused;        /* stopped by us at a <!DOCTYPE> */
    bool too_deep;       /* stopped by us: nested deeper than DOC_DEPTH_MAX */
};

/* ---- the record's memory -----------------------------------------------------------------------
 */

static void limit(struct mw_xml_reader *r, const char *why)
{
    if (!r->rec_why) {
        r->rec_why = why;
    }
}

/* Memory for the record in progress, within the record cap (NULL past it). */
static void *alloc(struct mw_xml_reader *r, size_t size, size_t align)
{
    struct mw_arena *a = &r->arena[r->cur];
    if (a->used_total - r->rec_base + size > r->cap) {
        limit(r, "record bigger than the record cap");
        return NULL;
    }
    return mw_arena_alloc(a, size, align);
}

/* Whether [s, end) lies in the parser's input buffer (compared as addresses: the value may be
 * in a buffer of libxml2's own). */
static bool in_input(const xmlParserInput *in, const xmlChar *s, const xmlChar *end)
{
    uintptr_t b = (uintptr_t)in->base, e = (uintptr_t)in->end;
    return (uintptr_t)s >= b && (uintptr_t)end <= e;
}

/* An attribute value as libxml2's SAX2 gives it, copied to p: entities are replaced, except that
 * an '&' (from &amp; or &#38;) stays written as "&#38;" (it leaves them for a tree builder;
 * without a DTD no other entity exists), decoded here, so every '&' starts such a reference.
 * A value written without any reference is handed out straight from the input buffer, and only
 * then (its fast path stops at the first '&'): such a value is copied as it is. */
static struct mw_str copy_value(char *p, const xmlParserInput *in, const xmlChar *s,
                                const xmlChar *end)
{
    size_t len = (size_t)(end - s);
    if (!len) {
        return MW_STR_NULL;
    }
    if (in_input(in, s, end)) {
        memcpy(p, s, len);
        return mw_str_make(p, len);
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        p[o++] = (char)s[i];
        if (s[i] == '&' && i + 4 < len && memcmp(s + i + 1, "#38;", 4) == 0) {
            i += 4;
        }
    }
    return mw_str_make(p, o);
}

/* Names come from the parser's dictionary, which keeps every string as long as the parser
 * lives: they are viewed there, and the lengths of recent ones are cached by address. */
static inline size_t name_len(struct mw_xml_reader *r, const xmlChar *s)
{
    struct name_len *c = &r->names[((uintptr_t)s >> 3) % NAME_CACHE];
    if (c->p != s) {
        c->p = s;
        c->len = strlen((const char *)s);
    }
    return c->len;
}

/* "prefix:local" as written (namespaces are not resolved). */
static struct mw_str keep_prefixed(struct mw_xml_reader *r, const xmlChar *prefix,
                                   const xmlChar *local)
{
    size_t ll = name_len(r, local), pl = name_len(r, prefix);
    char *p = alloc(r, pl + 1 + ll, 1);
    if (!p) {
        return MW_STR_NULL;
    }
    memcpy(p, prefix, pl);
    p[pl] = ':';
    memcpy(p + pl + 1, local, ll);
    return mw_str_make(p, pl + 1 + ll);
}

/* The name as written: local alone is viewed in the dictionary, not copied. */
static inline struct mw_str keep_qname(struct mw_xml_reader *r, const xmlChar *prefix,
                                       const xmlChar *local)
{
    if (MW_LIKELY(!prefix)) {
        return mw_str_make((const char *)local, name_len(r, local));
    }
    return keep_prefixed(r, prefix, local);
}

static void copy_name(char *dst, const xmlChar *prefix, const xmlChar *local)
{
    if (prefix) {
        snprintf(dst, NAME_MAX_KEPT, "%s:%s", (const char *)prefix, (const char *)local);
        return;
    }
    size_t len = strnlen((const char *)local, NAME_MAX_KEPT - 1); /* once per record: no printf */
    memcpy(dst, local, len);
    dst[len] = '\0';
}

/* ---- the batch ------------------------------------------------------------------------------- */

static struct mw_str move_str(struct mw_arena *a, struct mw_str s)
{
    return s.len ? mw_arena_dup(a, s.ptr, s.len) : s;
}

/* Empties the batch once every queued record was handed out. A record in progress moves to the
 * front: its nodes to the start of the array, its bytes to the other arena. */
static void batch_reset(struct mw_xml_reader *r)
{
    r->qn = r->qhead = 0;
    if (r->depth < 2) {
        mw_arena_reset(&r->arena[r->cur]);
        r->n = r->rec_first = r->rec_base = 0;
        return;
    }
    unsigned to = !r->cur;
    struct mw_arena *a = &r->arena[to];
    mw_arena_reset(a);
    size_t k = r->n - r->rec_first;
    if (k) {
        memmove(r->nodes, r->nodes + r->rec_first, k * sizeof *r->nodes);
    }
    for (size_t i = 0; i < k; i++) {
        struct mw_xml_node *nd = &r->nodes[i];
        nd->name = move_str(a, nd->name);
        nd->text = move_str(a, nd->text);
        if (nd->nattrs) {
            struct mw_xml_attr *at =
                    mw_arena_alloc(a, nd->nattrs * sizeof *at, _Alignof(struct mw_xml_attr));
            for (size_t j = 0; j < nd->nattrs; j++) {
                at[j].name = move_str(a, nd->attrs[j].name);
                at[j].value = move_str(a, nd->attrs[j].value);
            }
            nd->attrs = at;
        }
    }
    mw_arena_reset(&r->arena[r->cur]);
    r->cur = to;
    r->n = k;
    r->rec_first = 0;
    r->rec_base = 0;
}

static void enqueue(struct mw_xml_reader *r)
{
    if (r->qn == r->qcap) {
        r->qcap = r->qcap ? r->qcap * 2 : 64;
        r->q = mw_realloc(r->q, r->qcap * sizeof *r->q);
    }
    struct queued *e = &r->q[r->qn++];
    e->first = r->rec_first;
    e->n = r->n - r->rec_first;
    e->line = r->rec_line;
    e->off = r->rec_off;
    e->why = r->rec_why;
    memcpy(e->name, r->rec, sizeof e->name);
    r->rec_first = r->n;
}

/* ---- handlers ------------------------------------------------------------------------------- */

/* Notes where the parser stands after an event, and its line there: the next construct starts
 * at that offset. */
static void mark(struct mw_xml_reader *r, const xmlChar *at)
{
    const xmlParserInput *in = r->ctxt->input;
    r->mark_off = (uint64_t)in->consumed + (uint64_t)(at - in->base);
    r->mark_line = in->line > 0 ? (uint64_t)in->line : 1;
}

/* Line and offset of the start tag being reported: the parser stands at its '>' (or "/>"), and
 * the tag, which holds no '<', is still in its buffer. Every construct before it that is not a
 * start tag ends with an event that marks where it ends (text, end tag), or starts with "<!" or
 * "<?" (comment, processing instruction: no event): when the mark is at a '<' that starts a
 * tag, that '<' is this tag's, and the mark's line is its line. Else the buffer is searched. */
static uint64_t tag_line(const struct mw_xml_reader *r, uint64_t *off)
{
    const xmlParserInput *in = r->ctxt->input;
    uint64_t at = (uint64_t)in->consumed, seen = (uint64_t)(in->cur - in->base);
    if (r->mark_off != NO_MARK && r->mark_off >= at && r->mark_off - at < seen) {
        const xmlChar *m = in->base + (r->mark_off - at);
        if (m[0] == '<' && m[1] != '/' && m[1] != '!' && m[1] != '?') {
            *off = r->mark_off;
            return r->mark_line;
        }
    }
    const xmlChar *lt = memrchr(in->base, '<', (size_t)(in->cur - in->base));
    const xmlChar *p = lt ? lt : in->base;
    long line = in->line;
    while ((p = memchr(p, '\n', (size_t)(in->cur - p))) != NULL) {
        line--;
        p++;
    }
    *off = (uint64_t)in->consumed + (uint64_t)((lt ? lt : in->base) - in->base);
    return line > 0 ? (uint64_t)line : 1;
}

static void begin_record(struct mw_xml_reader *r, const xmlChar *prefix, const xmlChar *local)
{
    r->rec_first = r->n;
    r->rec_base = r->arena[r->cur].used_total;
    r->rec_why = NULL;
    copy_name(r->rec, prefix, local);
}

/* The element's attributes: their array and values in one piece of the record's memory. */
static struct mw_xml_attr *keep_attrs(struct mw_xml_reader *r, size_t na, const xmlChar **attrs)
{
    size_t bytes = na * sizeof(struct mw_xml_attr);
    for (size_t i = 0; i < na; i++) {
        bytes += (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]);
    }
    struct mw_xml_attr *a = alloc(r, bytes, _Alignof(struct mw_xml_attr));
    if (!a) {
        return NULL;
    }
    char *p = (char *)(a + na);
    const xmlParserInput *in = r->ctxt->input;
    for (size_t i = 0; i < na; i++) {
        const xmlChar **at = attrs + 5 * i; /* local, prefix, URI, value, value end */
        a[i].name = keep_qname(r, at[1], at[0]);
        a[i].value = copy_value(p, in, at[3], at[4]);
        p += a[i].value.len;
    }
    return a;
}

/* Adds the element as a node of the record; its index in the record, or -1 when not kept. */
static int add_node(struct mw_xml_reader *r, const xmlChar *prefix, const xmlChar *local,
                    int nattrs, const xmlChar **attrs, int parent, uint64_t line)
{
    if (r->n - r->rec_first >= MW_XML_MAX_NODES) {
        limit(r, "record with more elements than the 4096 read per record");
        return -1;
    }
    struct mw_xml_attr *a = NULL;
    size_t na = nattrs > 0 ? (size_t)nattrs : 0;
    if (na && !(a = keep_attrs(r, na, attrs))) {
        return -1;
    }
    if (r->n == r->ncap) {
        r->ncap = r->ncap ? r->ncap * 2 : 256;
        r->nodes = mw_realloc(r->nodes, r->ncap * sizeof *r->nodes);
    }
    struct mw_xml_node *nd = &r->nodes[r->n];
    nd->name = keep_qname(r, prefix, local);
    nd->attrs = a;
    nd->nattrs = na;
    nd->text = MW_STR_NULL;
    nd->parent = parent;
    nd->line = line;
    return (int)(r->n++ - r->rec_first);
}

static void stop(struct mw_xml_reader *r, bool *why)
{
    *why = true;
    r->stop_line = (uint64_t)r->ctxt->input->line;
    xmlStopParser(r->ctxt);
}

static void start_element(struct mw_xml_reader *r, const xmlChar *local, const xmlChar *prefix,
                          int nattrs, const xmlChar **attrs)
{
    if (++r->depth > DOC_DEPTH_MAX) {
        stop(r, &r->too_deep);
        return;
    }
    if (r->depth == 1) {
        copy_name(r->root, prefix, local);
        return;
    }
    unsigned level = r->depth - 2; /* 0: the record element */
    if (level >= MW_XML_MAX_DEPTH) {
        limit(r, "record nested deeper than 32 levels");
        return;
    }
    int parent = level ? r->stack[level - 1] : -1;
    if (level && parent < 0) {
        r->stack[level] = -1;
        return;
    }
    uint64_t off, line = tag_line(r, &off);
    if (level == 0) {
        begin_record(r, prefix, local);
        r->rec_line = line;
        r->rec_off = off;
    }
    r->stack[level] = add_node(r, prefix, local, nattrs, attrs, parent, line);
}

static void on_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nattrs, int ndefaulted,
                     const xmlChar **attrs)
{
    struct mw_xml_reader *r = ud;
    (void)uri, (void)nb_ns, (void)ns, (void)ndefaulted;
    start_element(r, local, prefix, nattrs, attrs);
    const xmlChar *cur = r->ctxt->input->cur;
    if (*cur == '>') {
        mark(r, cur + 1); /* the '>' is consumed after the event */
    } else {
        r->mark_off = NO_MARK; /* "/>": the end event marks */
    }
}

static void on_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    struct mw_xml_reader *r = ud;
    (void)local, (void)prefix, (void)uri;
    if (r->depth >= 2 && r->depth - 2 < MW_XML_MAX_DEPTH && r->stack[r->depth - 2] >= 0) {
        struct mw_xml_node *nd = &r->nodes[r->rec_first + (size_t)r->stack[r->depth - 2]];
        if (nd->text.len) {
            nd->text = mw_str_trim(nd->text); /* trailing white space (indentation) too */
        }
    }
    if (r->depth == 2) {
        enqueue(r);
    }
    if (r->depth > 0) {
        r->depth--;
    }
    mark(r, r->ctxt->input->cur); /* past the end tag's '>' (or "/>") */
}

static bool is_blank(xmlChar c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static void add_text(struct mw_xml_reader *r, const xmlChar *s, int len)
{
    if (r->depth < 2 || r->depth - 2 >= MW_XML_MAX_DEPTH) {
        return;
    }
    int idx = r->stack[r->depth - 2];
    if (idx < 0 || len <= 0) {
        return;
    }
    struct mw_xml_node *nd = &r->nodes[r->rec_first + (size_t)idx];
    struct mw_str add = mw_str_make((const char *)s, (size_t)len);
    if (!nd->text.len) {
        while (add.len && is_blank((xmlChar)add.ptr[0])) { /* most runs are indentation */
            add.ptr++;
            add.len--;
        }
        add = mw_str_trim(add); /* leading white space (indentation) is not kept */
    }
    if (!add.len || nd->text.len >= MW_XML_TEXT_MAX) {
        return;
    }
    size_t take = add.len;
    if (nd->text.len + take > MW_XML_TEXT_MAX) {
        take = MW_XML_TEXT_MAX - nd->text.len;
    }
    char *buf = alloc(r, nd->text.len + take, 1);
    if (!buf) {
        return;
    }
    if (nd->text.len) {
        memcpy(buf, nd->text.ptr, nd->text.len);
    }
    memcpy(buf + nd->text.len, add.ptr, take);
    nd->text = mw_str_make(buf, nd->text.len + take);
}

/* Text read as it is written is handed out from the input buffer once the parser has moved to
 * its end (and counted its lines): where it ends is where the parser stands. */
static void on_text(void *ud, const xmlChar *s, int len)
{
    struct mw_xml_reader *r = ud;
    add_text(r, s, len);
    if (len >= 0 && in_input(r->ctxt->input, s, s + len)) {
        mark(r, s + len);
    } else {
        r->mark_off = NO_MARK; /* rewritten text (references, line ends): where is not known */
    }
}

/* A CDATA section is handed out before the parser moves past it. */
static void on_cdata(void *ud, const xmlChar *s, int len)
{
    struct mw_xml_reader *r = ud;
    add_text(r, s, len);
    r->mark_off = NO_MARK;
}

static void on_doctype(void *ud, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    struct mw_xml_reader *r = ud;
    (void)name, (void)external_id, (void)system_id;
    stop(r, &r->refused);
}

static void on_entity_decl(void *ud, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    struct mw_xml_reader *r = ud;
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    stop(r, &r->refused);
}

static void on_error(void *ud, xmlErrorPtr err)
{
    (void)ud, (void)err; /* kept by the parser (xmlCtxtGetLastError), reported by fatal() */
}

/* ---- the reader ------------------------------------------------------------------------------ */

static once_flag init_once = ONCE_FLAG_INIT;

int mw_xml_reader_create(struct mw_xml_reader **out, struct mw_stream *s, struct mw_diag *diag)
{
    call_once(&init_once, xmlInitParser); /* libxml2's global state, set up once */
    struct mw_xml_reader *r = mw_calloc(1, sizeof *r);
    r->stream = s;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_cdata;
    sax.ignorableWhitespace = on_text;
    sax.internalSubset = on_doctype;
    sax.externalSubset = on_doctype;
    sax.entityDecl = on_entity_decl;
    sax.serror = on_error;
    r->ctxt = xmlCreatePushParserCtxt(&sax, r, NULL, 0, NULL);
    if (!r->ctxt) {
        mw_free(r);
        *out = NULL;
        return mw_diag_set(diag, MW_E_NOMEM, "cannot create the XML parser");
    }
    /* No network, no DTD loading, no entity substitution, and libxml2's limits kept (no
     * XML_PARSE_HUGE): a name, a text or attribute run, a tag waiting for its '>' and the
     * names seen are capped (about 10 MB each), so its memory is bounded. */
    xmlCtxtUseOptions(r->ctxt, XML_PARSE_NONET);
    /* A report has a few dozen distinct names; libxml2's default allows 10 MB of them, whose
     * entries would take tens of MB more (and its 2.9 hashing slows down as they grow). */
    xmlDictSetLimit(r->ctxt->dict, DICT_LIMIT);
    /* The stream hands out UTF-8 (a UTF-16 file is transcoded, yet still declares utf-16): with
     * an encoding set, that label is not taken for a mismatch; other labels (ISO-8859-1,
     * windows-1252) still switch the decoder. */
    r->ctxt->encoding = xmlStrdup(BAD_CAST "UTF-8");
    r->cap = mw_stream_record_cap(s);
    r->mark_off = NO_MARK;
    mw_arena_init(&r->arena[0], 16 * 1024, 0);
    mw_arena_init(&r->arena[1], 16 * 1024, 0);
    *out = r;
    return MW_OK;
}

void mw_xml_reader_destroy(struct mw_xml_reader *r)
{
    if (!r) {
        return;
    }
    xmlFreeParserCtxt(r->ctxt);
    mw_arena_fini(&r->arena[0]);
    mw_arena_fini(&r->arena[1]);
    mw_free(r->nodes);
    mw_free(r->q);
    mw_free(r);
}

struct mw_str mw_xml_record_path(const struct mw_xml_reader *r)
{
    return mw_str_c(r->path);
}

/* Hands the next chunk of the stream (or the end of it) to the parser. */
static int feed(struct mw_xml_reader *r, struct mw_diag *diag)
{
    struct mw_str avail;
    int rc = mw_stream_fill(r->stream, CHUNK, &avail, diag);
    if (rc != MW_OK && rc != MW_DONE && rc != MW_E_LIMIT) {
        return rc;
    }
    size_t len = rc == MW_DONE ? 0 : (avail.len < CHUNK ? avail.len : CHUNK);
    r->last = len == 0;
    xmlParseChunk(r->ctxt, len ? avail.ptr : NULL, (int)len, r->last);
    if (len) {
        mw_stream_consume(r->stream, len);
        /* The parser drops what it has read from the front of its buffer (moving the rest to the
         * front) when it starts parsing: here, while only the unfinished tail remains, rather
         * than after the next chunk is added, which would move that chunk too. */
        xmlParseChunk(r->ctxt, NULL, 0, 0);
    }
    if (r->refused || r->too_deep || !r->ctxt->wellFormed || r->ctxt->disableSAX) {
        r->failed = true;
    } else if (r->last) {
        r->done = true;
    }
    return MW_OK;
}

/* What is wrong, in words: libxml2's message, except at the end of the input, where it says
 * "Extra content at the end of the document" whatever is missing. */
static void describe(const struct mw_xml_reader *r, const xmlError *e, char *msg, size_t size)
{
    if (e && e->code == XML_ERR_DOCUMENT_END && r->depth > 0) {
        snprintf(msg, size, "the file ends before <%s> is closed (cut short)", r->root);
        return;
    }
    if (e && e->code == XML_ERR_DOCUMENT_END && !r->root[0]) {
        snprintf(msg, size, "no document element (not XML, or cut short)");
        return;
    }
    if (xmlDictGetUsage(r->ctxt->dict) + 256 > DICT_LIMIT) {
        snprintf(msg, size, "more than %u KiB of distinct element and attribute names",
                 DICT_LIMIT >> 10);
        return;
    }
    if (e && e->message && strstr(e->message, "Huge input lookup")) {
        snprintf(msg, size, "a tag or text run longer than the parser's 10 MB limit");
        return;
    }
    snprintf(msg, size, "%s", e && e->message ? e->message : "error");
    for (char *p = msg; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = p[1] ? ' ' : '\0'; /* the trailing newline dropped, controls blanked */
        }
    }
}

/* The document cannot be read on: what libxml2 (or our refusal) says, and where. */
static int fatal(struct mw_xml_reader *r, uint64_t *line_no, struct mw_diag *diag)
{
    r->failed = false;
    r->done = true;
    *line_no = r->stop_line;
    if (r->refused) {
        return mw_diag_set(diag, MW_E_TRUNCATED,
                           "XML with a <!DOCTYPE> (entities, DTD), which a log report never "
                           "has: refused, no entity is expanded");
    }
    if (r->too_deep) {
        return mw_diag_set(diag, MW_E_TRUNCATED,
                           "XML nested deeper than %d levels at line %llu: not read on",
                           DOC_DEPTH_MAX, (unsigned long long)r->stop_line);
    }
    const xmlError *e = xmlCtxtGetLastError(r->ctxt);
    char msg[160];
    describe(r, e, msg, sizeof msg);
    *line_no = e && e->line > 0 ? (uint64_t)e->line : 0;
    return mw_diag_set(diag, MW_E_TRUNCATED, "XML not well-formed at line %llu, column %d: %s",
                       (unsigned long long)*line_no, e && e->int2 > 0 ? e->int2 : 1, msg);
}

/* Hands out the next queued record. */
static int take(struct mw_xml_reader *r, struct mw_xml_rec *out, uint64_t *line_no,
                uint64_t *offset, struct mw_diag *diag)
{
    const struct queued *e = &r->q[r->qhead++];
    size_t rl = strlen(r->root), nl = strlen(e->name); /* both < NAME_MAX_KEPT */
    memcpy(r->path, r->root, rl);
    r->path[rl] = '/';
    memcpy(r->path + rl + 1, e->name, nl + 1);
    out->nodes = r->nodes ? r->nodes + e->first : NULL;
    out->n = e->n;
    *line_no = e->line;
    *offset = e->off;
    if (e->why) {
        out->n = 0;
        return mw_diag_set(diag, MW_E_LIMIT, "%s", e->why);
    }
    return MW_OK;
}

int mw_xml_next(struct mw_xml_reader *r, struct mw_xml_rec *out, uint64_t *line_no,
                uint64_t *offset, struct mw_diag *diag)
{
    out->nodes = NULL;
    out->n = 0;
    for (;;) {
        if (r->qhead < r->qn) {
            return take(r, out, line_no, offset, diag);
        }
        if (r->failed) {
            return fatal(r, line_no, diag);
        }
        if (r->done) {
            return MW_DONE;
        }
        batch_reset(r);
        int rc = feed(r, diag);
        if (rc != MW_OK) {
            r->done = true;
            return rc;
        }
    }
}

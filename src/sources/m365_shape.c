/* sources/m365_shape.c: which shape of the Unified Audit Log a file is (docs/formats/m365_audit.md,
 * Shapes), told from a CSV header or the first good JSON record; the sniff score follows from
 * the shape. Mapping does not depend on it: every shape goes through the same key table.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "sources/m365_int.h"

static const int shape_scores[M365_SHAPE_COUNT] = {
    [M365_SHAPE_NONE] = 0,           [M365_SHAPE_CSV_AUDITDATA] = 90,
    [M365_SHAPE_CSV_SENTINEL] = 90,  [M365_SHAPE_CSV_CLOUDAPP] = 80,
    [M365_SHAPE_CSV_FLAT] = 50,      [M365_SHAPE_JSON_ENVELOPE] = 90,
    [M365_SHAPE_JSON_SENTINEL] = 90, [M365_SHAPE_JSON_API] = 90,
    [M365_SHAPE_JSON_CLOUDAPP] = 80, [M365_SHAPE_JSON_LOOSE] = 60,
};

int mw_m365_shape_score(enum m365_shape shape)
{
    return (unsigned)shape < M365_SHAPE_COUNT ? shape_scores[shape] : 0;
}

enum m365_shape mw_m365_shape_csv(const struct mw_csv_header *hdr)
{
    bool audit = false, wl = false, raw = false, cdate = false, ops = false;
    for (size_t i = 0; hdr && i < hdr->n; i++) {
        struct mw_str h = mw_sources_header_name(hdr->names[i]);
        audit |= mw_str_eq_c(h, "AuditData");
        wl |= mw_str_eq_c(h, "OfficeWorkload");
        raw |= mw_str_eq_c(h, "RawEventData");
        cdate |= mw_str_eq_c(h, "CreationDate");
        ops |= mw_str_eq_c(h, "Operations") || mw_str_eq_c(h, "Operation");
    }
    if (audit) {
        return M365_SHAPE_CSV_AUDITDATA;
    }
    if (wl) {
        return M365_SHAPE_CSV_SENTINEL;
    }
    if (raw) {
        return M365_SHAPE_CSV_CLOUDAPP;
    }
    return (cdate && ops) ? M365_SHAPE_CSV_FLAT : M365_SHAPE_NONE;
}

static bool has_key(struct mw_str obj, const char *key, struct mw_json_val *out)
{
    struct mw_json_val v;
    return mw_json_get(obj, key, out ? out : &v) == MW_OK;
}

enum m365_shape mw_m365_shape_json(struct mw_str first)
{
    struct mw_json_val v;
    if (has_key(first, "AuditData", NULL)) {
        return M365_SHAPE_JSON_ENVELOPE;
    }
    if (has_key(first, "OfficeWorkload", NULL)) {
        return M365_SHAPE_JSON_SENTINEL;
    }
    if (has_key(first, "Type", &v) && v.type == MW_J_STRING &&
        mw_str_eq_c(v.raw, "OfficeActivity")) {
        return M365_SHAPE_JSON_SENTINEL;
    }
    bool op = has_key(first, "Operation", NULL);
    if (op && has_key(first, "CreationTime", NULL) && has_key(first, "Workload", NULL)) {
        return M365_SHAPE_JSON_API;
    }
    if (has_key(first, "RawEventData", NULL)) {
        return M365_SHAPE_JSON_CLOUDAPP;
    }
    if (op && has_key(first, "RecordType", NULL) && has_key(first, "UserId", NULL)) {
        return M365_SHAPE_JSON_LOOSE;
    }
    return M365_SHAPE_NONE;
}

void mw_m365_note_json_shape(struct m365_state *st, struct mw_str first)
{
    if (st->shape_known) {
        return;
    }
    st->shape = (unsigned char)mw_m365_shape_json(first);
    st->shape_known = true;
    st->cmdlet = has_key(first, "ResultIndex", NULL) || has_key(first, "ResultCount", NULL);
}

/* docs/formats/m365_audit.md, Export truncation: the Purview portal exports at most 50,000
 * rows; Search-UnifiedAuditLog returns at most 5,000 (one page, or ReturnNextPreviewPage) or
 * 50,000 (ReturnLargeSet), and 10,000 when session commands are mixed. Its Export-Csv or
 * ConvertTo-Json output cannot be told from the Purview export unless it kept the cmdlet's
 * own ResultIndex/ResultCount, so an AuditData file is flagged at 5,000 and 50,000 and, with
 * those, at 10,000 too. Defender Advanced Hunting returns at most 100,000 rows. The
 * Management Activity API, Sentinel tables and flattened CSV have no cap of their own. */
static const uint64_t caps_auditdata[] = { 5000, 50000, 0 };
static const uint64_t caps_cmdlet[] = { 5000, 10000, 50000, 0 };
static const uint64_t caps_hunting[] = { 100000, 0 };

const uint64_t *mw_m365_file_caps(void *state, uint64_t *rows)
{
    const struct m365_state *st = state;
    (void)rows; /* one row per record in every capped shape */
    switch (st->shape) {
        case M365_SHAPE_CSV_AUDITDATA:
        case M365_SHAPE_JSON_ENVELOPE:
            return st->cmdlet ? caps_cmdlet : caps_auditdata;
        case M365_SHAPE_CSV_CLOUDAPP:
        case M365_SHAPE_JSON_CLOUDAPP:
            return caps_hunting;
        default:
            return NULL;
    }
}

int mw_m365_sniff(enum mw_container container, struct mw_str first, const struct mw_csv_header *hdr)
{
    if (container == MW_CONT_CSV) {
        return mw_m365_shape_score(mw_m365_shape_csv(hdr));
    }
    return mw_m365_shape_score(mw_m365_shape_json(first));
}

/* For `mailward formats` (docs/formats/m365_audit.md, Shapes). */
const struct mw_source_shape mw_m365_shapes[] = {
    { "Management Activity API JSON (JSON Lines, arrays, one blob per line)",
      "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Id\":\"...\",\"Operation\":"
      "\"MailItemsAccessed\",\"RecordType\":50,\"UserId\":\"a@contoso.com\",\"Workload\":"
      "\"Exchange\",...}" },
    { "Purview portal CSV (AuditData column)",
      "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,"
      "AssociatedAdminUnitsNames" },
    { "Search-UnifiedAuditLog | Export-Csv (a #TYPE line first or not)",
      "\"RecordType\",\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\",\"ResultIndex\","
      "\"ResultCount\",\"Identity\",..." },
    { "Sentinel OfficeActivity JSON rows",
      "{\"TimeGenerated\":\"2025-03-04T09:40:02Z\",\"OfficeWorkload\":\"Exchange\","
      "\"Operation\":\"MailItemsAccessed\",\"Type\":\"OfficeActivity\",...}" },
    { "Sentinel OfficeActivity portal CSV",
      "TimeGenerated [UTC],OfficeWorkload,Operation,UserId,Client_IPAddress,Parameters,..." },
    { "Defender CloudAppEvents rows with RawEventData (JSON or CSV)",
      "{\"Timestamp\":\"2025-03-04T09:15:22Z\",\"ActionType\":\"MailItemsAccessed\","
      "\"RawEventData\":{...}}" },
    { NULL, NULL },
};

// bench/reference_duckdb.mjs -- the four benchmark detections in DuckDB SQL (run through
// @duckdb/node-api), the second reference mailward is timed and checked against. Same logic and
// same output as bench/reference.jq: one compact finding per line on stdout.
// Run: node bench/reference_duckdb.mjs FILE   (env DUCKDB_THREADS=N limits DuckDB's threads)
// SPDX-License-Identifier: MIT

import { DuckDBInstance } from '@duckdb/node-api';
import { openSync, readSync, closeSync } from 'node:fs';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node reference_duckdb.mjs FILE.jsonl\n');
  process.exit(2);
}

// Which table is this? Look at the first 64 KiB (a file may hold both kinds).
function sniff(file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(65536);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const head = buf.subarray(0, n).toString('utf8');
  return { files: head.includes('"ActionType"'), office: head.includes('"Operation"') };
}

const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const src = (cols) =>
  `read_ndjson(${lit(path)}, columns = {${cols.map((c) => `${c}: 'VARCHAR'`).join(', ')}})`;

const MACROS = `
CREATE MACRO strip0(g) AS CASE WHEN g = '' THEN '' ELSE coalesce(nullif(ltrim(g, '0'), ''), '0') END;
CREATE MACRO v6_head(ip) AS CASE WHEN split_part(ip, '::', 1) = '' THEN []::VARCHAR[]
                                 ELSE string_split(split_part(ip, '::', 1), ':') END;
CREATE MACRO v6_tail(ip) AS CASE WHEN split_part(ip, '::', 2) = '' THEN []::VARCHAR[]
                                 ELSE string_split(split_part(ip, '::', 2), ':') END;
CREATE MACRO v6_groups(ip) AS CASE WHEN contains(ip, '::') THEN
    list_concat(list_concat(v6_head(ip),
                            list_transform(range(8 - len(v6_head(ip)) - len(v6_tail(ip))), x -> '0')),
                v6_tail(ip))
  ELSE string_split(ip, ':') END;
-- IPv6 counted per /64: the first four groups of the expanded address.
CREATE MACRO v6_64(ip) AS
  array_to_string(list_transform(list_slice(v6_groups(ip), 1, 4), g -> strip0(g)), ':') || '::/64';
CREATE MACRO v6key(x) AS CASE WHEN starts_with(x, '::ffff:') AND contains(x, '.') THEN substr(x, 8)
                              ELSE v6_64(x) END;
CREATE MACRO ip_norm(raw) AS CASE
  WHEN coalesce(raw, '') = '' THEN NULL
  WHEN starts_with(lower(raw), '[') THEN v6key(split_part(substr(lower(raw), 2), ']', 1))
  WHEN NOT contains(raw, ':') THEN lower(raw)
  WHEN len(string_split(raw, ':')) = 2 THEN split_part(lower(raw), ':', 1)
  ELSE v6key(lower(raw)) END;
CREATE MACRO bin30(t) AS substr(coalesce(t, ''), 1, 14)
  || CASE WHEN substr(coalesce(t, ''), 15, 2) < '30' THEN '00' ELSE '30' END || ':00Z';
-- Name/Value arrays carried as JSON text (Parameters, OperationProperties).
CREATE MACRO nv(txt) AS CASE WHEN json_valid(txt) AND json_type(txt) = 'ARRAY' THEN
    list_transform(from_json(txt, '[{"Name":"VARCHAR","Value":"VARCHAR"}]'),
                   e -> {name: lower(coalesce(e.Name, '')), value: coalesce(e.Value, '')})
  ELSE [] END;
CREATE MACRO fwd_actions(v) AS CASE WHEN json_valid(v) THEN
    len(list_filter(
      CASE json_type(v) WHEN 'ARRAY' THEN json_extract_string(v, '$[*].ActionType')
                        WHEN 'OBJECT' THEN [json_extract_string(v, '$.ActionType')]
                        ELSE []::VARCHAR[] END,
      a -> starts_with(lower(coalesce(a, '')), 'forward')
           OR starts_with(lower(coalesce(a, '')), 'redirect'))) > 0
  ELSE false END;
`;

// (1) DeviceFileEvents: mail stores touched by a non-mail process. KQL `has` = whole term.
const FILES_SQL = `
SELECT to_json({detection: 1,
                key: coalesce(DeviceName, '') || '|' || coalesce("Timestamp", '') || '|' || coalesce(FileName, ''),
                device: coalesce(DeviceName, ''), time: coalesce("Timestamp", ''), file: coalesce(FileName, '')}) AS j
FROM ${src(['Timestamp', 'DeviceName', 'ActionType', 'FileName', 'FolderPath', 'InitiatingProcessFileName'])}
WHERE ActionType IN ('FileRead', 'FileCopied', 'FileCreated', 'FileRenamed')
  AND regexp_matches(lower(coalesce(FileName, '')), '\\.(pst|ost|mbox|eml|msg|dbx|nsf)($|[^a-z0-9])')
  AND lower(coalesce(InitiatingProcessFileName, '')) NOT IN ('outlook.exe', 'thunderbird.exe',
      'searchindexer.exe', 'searchprotocolhost.exe', 'msmpeng.exe', 'mssense.exe', 'msedge.exe')
  AND (regexp_replace(lower(coalesce(InitiatingProcessFileName, '')), '\\.exe$', '') IN ('cmd',
         'powershell', 'pwsh', 'python', 'python3', 'wscript', 'cscript', 'mshta', 'robocopy',
         'xcopy', '7z', 'winrar', 'rar', 'curl', 'wget')
       OR regexp_matches(lower(coalesce(FolderPath, '')),
         '(^|[^a-z0-9])appdata\\\\(local\\\\microsoft\\\\outlook|roaming\\\\thunderbird|local\\\\microsoft\\\\windows mail|roaming\\\\mozilla thunderbird)($|[^a-z0-9])'))
`;

// (2) bulk access, (3) forwarding, (4) hiding rules, over one scan of the OfficeActivity rows.
const OFFICE_SQL = `
WITH rows AS MATERIALIZED (
  SELECT TimeGenerated, Operation, UserId, ClientIP, ResultStatus, OfficeId, Parameters,
         OperationProperties
  FROM ${src(['TimeGenerated', 'Operation', 'UserId', 'ClientIP', 'ResultStatus', 'OfficeId',
              'Parameters', 'OperationProperties'])}
  WHERE Operation IN ('MailItemsAccessed', 'MessageBind', 'FolderBind', 'New-InboxRule',
                      'Set-InboxRule', 'Set-Mailbox', 'UpdateInboxRules')
),
bulk AS (
  SELECT coalesce(UserId, '') AS u, bin30(TimeGenerated) AS b,
         count(DISTINCT coalesce(OfficeId, '') || '|' || coalesce(TimeGenerated, '') || '|'
                        || coalesce(Operation, '')) AS n,
         count(DISTINCT ip_norm(ClientIP)) AS d
  FROM rows
  WHERE Operation IN ('MailItemsAccessed', 'MessageBind', 'FolderBind')
    AND (ResultStatus IS NULL OR lower(ResultStatus) IN ('succeeded', 'success', 'true'))
  GROUP BY ALL
  HAVING n > 200 OR d > 3
),
rules AS (
  SELECT coalesce(UserId, '') AS u, coalesce(TimeGenerated, '') AS t, coalesce(Operation, '') AS op,
         nv(Parameters) AS p, Operation AS raw_op, OperationProperties
  FROM rows
  WHERE Operation IN ('New-InboxRule', 'Set-InboxRule', 'Set-Mailbox', 'UpdateInboxRules')
)
SELECT to_json({detection: 2, key: u || '|' || b, user: u, bin: b, count: n, distinct_ips: d}) AS j
FROM bulk
UNION ALL
SELECT to_json({detection: 3, key: u || '|' || t || '|' || op, user: u, time: t, operation: op})
FROM rules
WHERE (raw_op IN ('New-InboxRule', 'Set-InboxRule')
       AND len(list_filter(p, e -> e.name IN ('forwardto', 'forwardasattachmentto', 'redirectto'))) > 0)
   OR (raw_op = 'Set-Mailbox'
       AND len(list_filter(p, e -> e.name IN ('forwardingsmtpaddress', 'forwardingaddress')
                                   AND e.value <> '')) > 0)
   OR (raw_op = 'UpdateInboxRules'
       AND len(list_filter(nv(OperationProperties),
                           e -> e.name = 'ruleactions' AND fwd_actions(e.value))) > 0)
UNION ALL
SELECT to_json({detection: 4, key: u || '|' || t || '|' || op, user: u, time: t, operation: op})
FROM rules
WHERE raw_op IN ('New-InboxRule', 'Set-InboxRule')
  AND len(list_filter(p, e ->
        (e.name IN ('deletemessage', 'softdeletemessage', 'markasread') AND lower(e.value) = 'true')
        OR (e.name = 'movetofolder'
            AND lower(list_last(string_split(e.value, '\\'))) IN ('rss feeds', 'rss subscriptions',
                'archive', 'conversation history', 'deleted items', 'junk email')))) > 0
`;

const kinds = sniff(path);
const options = {};
if (process.env.DUCKDB_THREADS) {
  options.threads = String(process.env.DUCKDB_THREADS);
}
const instance = await DuckDBInstance.create(':memory:', options);
const conn = await instance.connect();
await conn.run(MACROS);
const out = [];
for (const [wanted, sql] of [[kinds.files, FILES_SQL], [kinds.office, OFFICE_SQL]]) {
  if (!wanted) {
    continue;
  }
  const reader = await conn.runAndReadAll(sql);
  for (const row of reader.getRows()) {
    out.push(String(row[0]));
  }
}
if (out.length > 0) {
  process.stdout.write(out.join('\n') + '\n');
}

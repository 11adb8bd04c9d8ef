/* sources/windows_names.c: the EventData names of the Windows events mailward reads, in the order
 * the events write them, for containers that keep only the values (Get-WinEvent's Properties,
 * unnamed EVTX data); and the parameters of an MSExchange Management cmdlet event.
 * Facts: docs/formats/windows_event.md, Positional data and MSExchange Management.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "sources/sources_int.h"
#include "sources/windows_int.h"

enum mw_win_family mw_win_family(struct mw_str channel, struct mw_str provider)
{
    static const struct {
        const char *channel, *provider;
        enum mw_win_family f;
    } tab[] = {
        { "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", MW_WIN_SYSMON },
        { "Security", "Microsoft-Windows-Security-Auditing", MW_WIN_SECURITY },
        { "Microsoft-Windows-PowerShell/Operational", "Microsoft-Windows-PowerShell",
          MW_WIN_POWERSHELL },
        { "PowerShellCore/Operational", "PowerShellCore", MW_WIN_POWERSHELL },
        { "MSExchange Management", "MSExchange CmdletLogs", MW_WIN_EXMGMT },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (channel.len ? mw_str_ieq_c(channel, tab[i].channel)
                        : mw_str_ieq_c(provider, tab[i].provider)) {
            return tab[i].f;
        }
    }
    return MW_WIN_OTHER;
}

/* docs/formats/windows_event.md, Positional data. */
static const char *const sysmon1[] = {
    "RuleName",
    "UtcTime",
    "ProcessGuid",
    "ProcessId",
    "Image",
    "FileVersion",
    "Description",
    "Product",
    "Company",
    "OriginalFileName",
    "CommandLine",
    "CurrentDirectory",
    "User",
    "LogonGuid",
    "LogonId",
    "TerminalSessionId",
    "IntegrityLevel",
    "Hashes",
    "ParentProcessGuid",
    "ParentProcessId",
    "ParentImage",
    "ParentCommandLine",
    "ParentUser",
};
static const char *const sysmon3[] = {
    "RuleName",        "UtcTime",
    "ProcessGuid",     "ProcessId",
    "Image",           "User",
    "Protocol",        "Initiated",
    "SourceIsIpv6",    "SourceIp",
    "SourceHostname",  "SourcePort",
    "SourcePortName",  "DestinationIsIpv6",
    "DestinationIp",   "DestinationHostname",
    "DestinationPort", "DestinationPortName",
};
static const char *const sysmon11[] = {
    "RuleName", "UtcTime",        "ProcessGuid",     "ProcessId",
    "Image",    "TargetFilename", "CreationUtcTime", "User",
};
static const char *const sysmon23[] = {
    "RuleName", "UtcTime",        "ProcessGuid", "ProcessId",    "User",
    "Image",    "TargetFilename", "Hashes",      "IsExecutable", "Archived",
};
static const char *const sec4624[] = {
    "SubjectUserSid",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectLogonId",
    "TargetUserSid",
    "TargetUserName",
    "TargetDomainName",
    "TargetLogonId",
    "LogonType",
    "LogonProcessName",
    "AuthenticationPackageName",
    "WorkstationName",
    "LogonGuid",
    "TransmittedServices",
    "LmPackageName",
    "KeyLength",
    "ProcessId",
    "ProcessName",
    "IpAddress",
    "IpPort",
    "ImpersonationLevel",
    "RestrictedAdminMode",
    "TargetOutboundUserName",
    "TargetOutboundDomainName",
    "VirtualAccount",
    "TargetLinkedLogonId",
    "ElevatedToken",
};
static const char *const sec4625[] = {
    "SubjectUserSid",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectLogonId",
    "TargetUserSid",
    "TargetUserName",
    "TargetDomainName",
    "Status",
    "FailureReason",
    "SubStatus",
    "LogonType",
    "LogonProcessName",
    "AuthenticationPackageName",
    "WorkstationName",
    "TransmittedServices",
    "LmPackageName",
    "KeyLength",
    "ProcessId",
    "ProcessName",
    "IpAddress",
    "IpPort",
};
static const char *const sec4663[] = {
    "SubjectUserSid", "SubjectUserName", "SubjectDomainName",  "SubjectLogonId", "ObjectServer",
    "ObjectType",     "ObjectName",      "HandleId",           "AccessList",     "AccessMask",
    "ProcessId",      "ProcessName",     "ResourceAttributes",
};
static const char *const sec4688[] = {
    "SubjectUserSid", "SubjectUserName",   "SubjectDomainName",  "SubjectLogonId",
    "NewProcessId",   "NewProcessName",    "TokenElevationType", "ProcessId",
    "CommandLine",    "TargetUserSid",     "TargetUserName",     "TargetDomainName",
    "TargetLogonId",  "ParentProcessName", "MandatoryLabel",
};
static const char *const sec5145[] = {
    "SubjectUserSid",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectLogonId",
    "ObjectType",
    "IpAddress",
    "IpPort",
    "ShareName",
    "ShareLocalPath",
    "RelativeTargetName",
    "AccessMask",
    "AccessList",
    "AccessReason",
};
static const char *const ps4104[] = {
    "MessageNumber", "MessageTotal", "ScriptBlockText", "ScriptBlockId", "Path",
};

#define N(a) (sizeof(a) / sizeof(a)[0])

static const struct {
    enum mw_win_family f;
    unsigned id;
    const char *const *names;
    size_t n;
} orders[] = {
    { MW_WIN_SYSMON, 1, sysmon1, N(sysmon1) },
    { MW_WIN_SYSMON, 3, sysmon3, N(sysmon3) },
    { MW_WIN_SYSMON, 11, sysmon11, N(sysmon11) },
    { MW_WIN_SYSMON, 23, sysmon23, N(sysmon23) },
    { MW_WIN_SYSMON, 26, sysmon23, N(sysmon23) - 1 }, /* 23 without Archived */
    { MW_WIN_SECURITY, 4624, sec4624, N(sec4624) },
    { MW_WIN_SECURITY, 4625, sec4625, N(sec4625) },
    { MW_WIN_SECURITY, 4663, sec4663, N(sec4663) },
    { MW_WIN_SECURITY, 4688, sec4688, N(sec4688) },
    { MW_WIN_SECURITY, 5145, sec5145, N(sec5145) },
    { MW_WIN_POWERSHELL, 4104, ps4104, N(ps4104) },
};

const char *const *mw_win_data_names(enum mw_win_family f, unsigned id, size_t *n)
{
    for (size_t i = 0; i < N(orders); i++) {
        if (orders[i].f == f && orders[i].id == id) {
            *n = orders[i].n;
            return orders[i].names;
        }
    }
    *n = 0;
    return NULL;
}

struct mw_str mw_win_position_name(enum mw_win_family f, unsigned id, size_t i, char *buf)
{
    size_t n;
    const char *const *names = mw_win_data_names(f, id, &n);
    if (names && i < n) {
        return mw_str_c(names[i]);
    }
    int len = snprintf(buf, 16, "param%zu", i + 1);
    return mw_str_make(buf, len > 0 ? (size_t)len : 0);
}

/* ---- MSExchange Management parameters ----------------------------------------------------- */

#define EXMGMT_PARAMS_MAX 200

static void add_param(struct mw_map_ctx *ctx, struct mw_str name, struct mw_str value)
{
    int id = mw_fieldtab_want2(ctx->fields, "Parameters", name);
    if (id >= 0 && name.len) {
        mw_event_add(ctx->event, id, mw_strip_smtp(mw_str_trim(value)));
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* " -Name" at p (p at the '-'): the end of the name, else NULL. */
static const char *dash_name(const char *p, const char *end)
{
    if (p >= end || *p != '-' || p + 1 >= end || !mw_is_alnum(p[1]) ||
        (p[1] >= '0' && p[1] <= '9')) {
        return NULL;
    }
    p++;
    while (p < end && mw_is_alnum(*p)) {
        p++;
    }
    return p < end && !is_space(*p) && *p != ':' ? NULL : p;
}

/* An unquoted value: up to white space that a " -Name" follows, or the end. */
static const char *bare_end(const char *p, const char *end)
{
    for (const char *q = p; q < end; q++) {
        if (is_space(*q) && q + 1 < end && dash_name(q + 1, end)) {
            return q;
        }
    }
    return end;
}

/* -Name "value" -Switch -Name:value ... (docs/formats/windows_event.md, MSExchange Management). */
static size_t cmdline_params(struct mw_map_ctx *ctx, const char *p, const char *end)
{
    size_t n = 0;
    while (p < end && n < EXMGMT_PARAMS_MAX) {
        const char *ne = dash_name(p, end);
        if (!ne) {
            return n;
        }
        struct mw_str name = mw_str_make(p + 1, (size_t)(ne - p - 1));
        p = ne;
        bool colon = p < end && *p == ':';
        p += colon;
        while (!colon && p < end && is_space(*p)) {
            p++;
        }
        struct mw_str value = MW_STR_LIT("True"); /* a switch written alone */
        if (p < end && *p == '"') {
            const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
            const char *ve = q ? q : end;
            value = mw_str_make(p + 1, (size_t)(ve - p - 1));
            p = q ? q + 1 : end;
        } else if (p < end && (colon || !dash_name(p, end))) {
            const char *ve = bare_end(p, end);
            value = mw_str_make(p, (size_t)(ve - p));
            p = ve;
        }
        add_param(ctx, name, value);
        n++;
        while (p < end && is_space(*p)) {
            p++;
        }
    }
    return n;
}

/* Where a braced value starting at v ends: at a ',' that " Name=" follows, else at end. */
static const char *braced_value_end(const char *v, const char *end)
{
    for (const char *q = memchr(v, ',', (size_t)(end - v)); q;
         q = memchr(q + 1, ',', (size_t)(end - q - 1))) {
        const char *r = q + 1;
        while (r < end && *r == ' ') {
            r++;
        }
        const char *s = r;
        while (s < end && mw_is_alnum(*s)) {
            s++;
        }
        if (s > r && s < end && *s == '=') {
            return q;
        }
    }
    return end;
}

/* {Name=Value, Name=Value} of Exchange 2010: a ", " ends a value only when a "Name=" follows. */
static size_t braced_params(struct mw_map_ctx *ctx, const char *p, const char *end)
{
    size_t n = 0;
    while (p < end && n < EXMGMT_PARAMS_MAX) {
        const char *eq = p;
        while (eq < end && mw_is_alnum(*eq)) {
            eq++;
        }
        if (eq == p || eq >= end || *eq != '=') {
            return n;
        }
        const char *v = eq + 1, *ve = braced_value_end(v, end);
        add_param(ctx, mw_str_make(p, (size_t)(eq - p)), mw_str_make(v, (size_t)(ve - v)));
        n++;
        p = ve < end ? ve + 1 : end;
        while (p < end && *p == ' ') {
            p++;
        }
    }
    return n;
}

size_t mw_win_exmgmt_params(struct mw_map_ctx *ctx, struct mw_str text)
{
    struct mw_str s = mw_str_trim(text);
    if (s.len >= 2 && s.ptr[0] == '{' && s.ptr[s.len - 1] == '}') {
        return braced_params(ctx, s.ptr + 1, s.ptr + s.len - 1);
    }
    return cmdline_params(ctx, s.ptr, s.ptr + s.len);
}

/* detect/re_literal.c: a literal every match of a regular expression contains, found before the
 * rule runs so a subject without it skips PCRE2 (a `re` value is tried on every candidate event).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "detect/detect_int.h"

/* Escapes of a letter that stand for one character class or an assertion and take no argument:
 * they end a run of literals. Any other escape of a letter or digit (\x41, \p{L}, \Q, \1, ...)
 * makes the scan give up. */
static bool simple_class_escape(char c)
{
    return c && strchr("sSdDwWbBAzZhHvVRnrtfe", c) != NULL;
}

/* A bracketed character class starting at p[i] == '['; returns the index just after its ']', or
 * n when it does not end. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
    i++;
    if (i < n && p[i] == '^') {
        i++;
    }
    if (i < n && p[i] == ']') {
        i++; /* a leading ']' is literal */
    }
    while (i < n && p[i] != ']') {
        if (p[i] == '\\') {
            i++;
        } else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
            for (i += 2; i + 1 < n && !(p[i] == ':' && p[i + 1] == ']'); i++) {
            }
            i++; /* at the ']' of [:alpha:] */
        }
        i++;
    }
    return i < n ? i + 1 : n;
}

/* A counted quantifier {m}, {m,}, {m,n} starting at p[i] == '{': the index after it, or 0 when the
 * brace is not one (PCRE2 then reads it literally; the scan gives up rather than guess). */
static size_t skip_braces(const char *p, size_t n, size_t i)
{
    size_t j = i + 1;
    bool digits = false;
    while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ',')) {
        digits |= p[j] != ',';
        j++;
    }
    return j < n && p[j] == '}' && digits ? j + 1 : 0;
}

struct scan {
    char *out;            /* the literal being collected */
    size_t run, best_off; /* length of the current run, start of the best one in out */
    size_t best, off;     /* length of the best run, start of the current run */
};

static void end_run(struct scan *sc, bool drop_last)
{
    size_t run = drop_last && sc->run ? sc->run - 1 : sc->run;
    if (run > sc->best) {
        sc->best = run;
        sc->best_off = sc->off;
    }
    sc->off += sc->run;
    sc->run = 0;
}

static void add(struct scan *sc, char c)
{
    sc->out[sc->off + sc->run++] = c;
}

/* One token at depth 0 starting at p[i]: collects or ends the run; the index after the token, or
 * 0 to give up. */
static size_t step(struct scan *sc, const char *p, size_t n, size_t i)
{
    unsigned char c = (unsigned char)p[i];
    if (c == '\\') {
        unsigned char e = i + 1 < n ? (unsigned char)p[i + 1] : 0;
        if (e >= 0x80 || e == 0) {
            return 0;
        }
        if ((e >= '0' && e <= '9') || (unsigned)((e | 0x20) - 'a') < 26u) {
            if (!simple_class_escape((char)e)) {
                return 0;
            }
            end_run(sc, false);
        } else {
            add(sc, (char)e);
        }
        return i + 2;
    }
    if (c == '*' || c == '?') {
        end_run(sc, true); /* the byte before is optional */
        return i + 1;
    }
    if (c == '{') {
        end_run(sc, true);
        return skip_braces(p, n, i);
    }
    if (c == '[') {
        end_run(sc, false);
        return skip_class(p, n, i);
    }
    if (c >= 0x80 || c == '+' || c == '.' || c == '^' || c == '$') {
        end_run(sc, false); /* '+': the byte before may repeat */
        return i + 1;
    }
    add(sc, (char)c);
    return i + 1;
}

/* Inline options, verbs, look-arounds, named groups and \Q...\E quoting start at p[i]: not read
 * here. */
static bool unread_construct(const char *p, size_t n, size_t i)
{
    if (p[i] == '\\') {
        return i + 1 < n && p[i + 1] == 'Q';
    }
    return p[i] == '(' && i + 1 < n && (p[i + 1] == '*' || p[i + 1] == '?') &&
           !(p[i + 1] == '?' && i + 2 < n && p[i + 2] == ':');
}

/* Inside a group (or at one of its parentheses): nothing is collected; returns the index after
 * the token and updates *depth. */
static size_t group_step(struct scan *sc, const char *p, size_t n, size_t i, int *depth)
{
    char c = p[i];
    end_run(sc, false);
    *depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    return c == '\\' ? i + 2 : c == '[' ? skip_class(p, n, i) : i + 1;
}

size_t mw_re_literal(const char *p, size_t n, char *out)
{
    struct scan sc = { out, 0, 0, 0, 0 };
    if (memchr(p, '\0', n)) {
        return 0;
    }
    int depth = 0;
    for (size_t i = 0; i < n && depth >= 0;) {
        char c = p[i];
        if (unread_construct(p, n, i) || (c == '|' && depth == 0)) {
            return 0; /* an alternative at the top: no literal every match needs */
        }
        i = c == '(' || c == ')' || depth > 0 ? group_step(&sc, p, n, i, &depth)
                                              : step(&sc, p, n, i);
        if (i == 0) {
            return 0;
        }
    }
    end_run(&sc, false);
    if (depth != 0) {
        return 0;
    }
    memmove(out, out + sc.best_off, sc.best);
    return sc.best;
}

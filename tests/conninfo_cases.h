/*
 * conninfo_cases.h - conninfo strings holding passwords, in every form libpq
 * accepts and in malformed ones, for the tests that a password never shows
 * (test_conninfo for all of them, test_pipeline for a sample).
 *
 * Each case is one form (keyword=value plain or quoted, sslpassword, a URI's
 * user:password@ or ?password=, percent-encoded or not, malformed) times one
 * awkward piece (spaces, quotes, backslashes, %, =, unicode, ...). A password
 * is TOKEN1 + piece + TOKEN2 with tokens unique to the case ("Kq007x"), so a
 * leak of any part around the piece is found by looking for the tokens.
 * Every well-formed case points at 127.0.0.1 port 1, where nothing listens.
 */
#ifndef HS_CONNINFO_CASES_H
#define HS_CONNINFO_CASES_H

#include <stdio.h>
#include <string.h>

#define CC_MAX_CASES 600
#define CC_TOKENS 4

struct cc_case {
    char conninfo[512];
    char token[CC_TOKENS][16]; /* the tokens of its passwords; "" when unused */
};

enum cc_encoding { CC_RAW, CC_QUOTED, CC_PERCENT, CC_PERCENT_ALL };

struct cc_form {
    const char *fmt; /* one or two %s: the password, then the sslpassword */
    enum cc_encoding enc;
};

static const struct cc_form cc_forms[] = {
    {"host=127.0.0.1 port=1 user=u password=%s", CC_RAW},
    {"password=%s host=127.0.0.1 port=1", CC_RAW},
    {"host=127.0.0.1 port=1 password='%s'", CC_QUOTED},
    {"user=password_admin host = 127.0.0.1  port = 1 password = '%s' ", CC_QUOTED},
    {"host=127.0.0.1 port=1 password='%s'", CC_RAW}, /* not escaped inside the quotes */
    {"host=127.0.0.1 port=1 password='%s' sslpassword='%s'", CC_QUOTED},
    {"sslpassword=%s password=%s host=127.0.0.1 port=1", CC_RAW},
    {"postgresql://u:%s@127.0.0.1:1/db", CC_PERCENT},
    {"postgresql://u:%s@127.0.0.1:1/db", CC_RAW},
    {"postgres://127.0.0.1:1/db?password=%s&connect_timeout=2", CC_PERCENT},
    {"postgres://127.0.0.1:1/db?password=%s", CC_RAW},
    {"postgresql://u:%s@127.0.0.1:1/db?sslpassword=%s", CC_PERCENT},
    {"postgresql://u:%s@127.0.0.1:1/db", CC_PERCENT_ALL},
    /* malformed on purpose */
    {"host=127.0.0.1 port=1 password='%s", CC_QUOTED},
    {"password=%s host=127.0.0.1 port=1 stray", CC_RAW},
    {"postgresql://u:%s@[127.0.0.1:1/db", CC_PERCENT},
    {"postgresql://u:%s@127.0.0.1:1/db?password", CC_PERCENT},
    {"postgresql://u:%s%%zz@127.0.0.1:1/db", CC_PERCENT},
    {"host=127.0.0.1 port=1 password='%s' nosuchoption=1", CC_QUOTED},
    {"postgresql://u:%s@127.0.0.1:1/db?nosuchoption=%s", CC_PERCENT},
};

static const char *const cc_pieces[] = {
    "",     " ",      "two words", "'",     "''",  "\\",  "\\'", "'\\",
    "=",    "==x",    "%",         "%41",   "%zz", "%%",  "\"",  "\xc3\xa9" /* é */,
    "\xe5\xaf\x86\xe7\xa0\x81" /* 密码 */, "\xf0\x9f\x94\x91" /* 🔑 */, "\t",
    "@:/?#&", "a=b c", "!*;,",
};

/* Writes s into out in the case's encoding. */
static inline void cc_encode(char *out, size_t cap, const char *s, enum cc_encoding enc)
{
    size_t n = 0;
    for (; *s != '\0' && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        int unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || strchr("-._~", c) != NULL;
        if ((enc == CC_PERCENT && !unreserved) || enc == CC_PERCENT_ALL)
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
        else if (enc == CC_QUOTED && (c == '\'' || c == '\\'))
            n += (size_t)snprintf(out + n, cap - n, "\\%c", c);
        else
            out[n++] = (char)c;
    }
    out[n] = '\0';
}

static inline void cc_make(struct cc_case *c, int number, const struct cc_form *f, const char *piece)
{
    char pw[2][96], enc[2][300];
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 2; i++) {
        snprintf(c->token[2 * i], sizeof c->token[0], "%cq%03dx", i ? 'S' : 'K', number);
        snprintf(c->token[2 * i + 1], sizeof c->token[0], "%cr%03dw", i ? 'T' : 'Z', number);
        snprintf(pw[i], sizeof pw[i], "%s%s%s", c->token[2 * i], piece, c->token[2 * i + 1]);
        cc_encode(enc[i], sizeof enc[i], pw[i], f->enc);
    }
    snprintf(c->conninfo, sizeof c->conninfo, f->fmt, enc[0], enc[1]);
    const char *first = strstr(f->fmt, "%s");
    if (strstr(first + 2, "%s") == NULL) /* one password only */
        c->token[2][0] = c->token[3][0] = '\0';
}

/* Fills cases (CC_MAX_CASES) with every form times every piece; returns how many. */
static inline int cc_generate(struct cc_case *cases)
{
    int n = 0;
    for (size_t f = 0; f < sizeof cc_forms / sizeof cc_forms[0]; f++)
        for (size_t p = 0; p < sizeof cc_pieces / sizeof cc_pieces[0] && n < CC_MAX_CASES; p++, n++)
            cc_make(&cases[n], n, &cc_forms[f], cc_pieces[p]);
    return n;
}

/* The token of case c found in text, or NULL. */
static inline const char *cc_leak(const struct cc_case *c, const char *text)
{
    for (int i = 0; i < CC_TOKENS; i++)
        if (c->token[i][0] != '\0' && strstr(text, c->token[i]) != NULL)
            return c->token[i];
    return NULL;
}

/* The conninfo as a libconfuse double-quoted string's contents. */
static inline void cc_confuse_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s != '\0' && n + 3 < cap; s++) {
        if (*s == '"' || *s == '\\')
            out[n++] = '\\';
        out[n++] = *s;
    }
    out[n] = '\0';
}

#endif

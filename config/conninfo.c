/*
 * conninfo.c - see conninfo.h.
 */
#include "conninfo.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../common/buf.h"

/* libpq's keyword=value parser ends an unquoted value at white space and
 * treats a backslash as an escape in it, so such values (and empty ones) are
 * quoted, with ' and \ escaped inside the quotes. */
static bool needs_quotes(const char *v)
{
    if (*v == '\0')
        return true;
    for (; *v != '\0'; v++)
        if (isspace((unsigned char)*v) || *v == '\'' || *v == '\\')
            return true;
    return false;
}

static void append_value(struct hs_buf *b, const char *v)
{
    if (!needs_quotes(v)) {
        hs_buf_puts(b, v);
        return;
    }
    hs_buf_puts(b, "'");
    for (; *v != '\0'; v++) {
        if (*v == '\'' || *v == '\\')
            hs_buf_append(b, "\\", 1);
        hs_buf_append(b, v, 1);
    }
    hs_buf_puts(b, "'");
}

/* keyword=value for every option the string sets, in libpq's order; an
 * option libpq displays as "*" (password, sslpassword, ...) as HS_PG_MASK. */
static void render_options(struct hs_buf *b, const PQconninfoOption *opts, bool mask)
{
    for (const PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL)
            continue;
        if (b->len > 0)
            hs_buf_puts(b, " ");
        hs_buf_printf(b, "%s=", o->keyword);
        bool secret = o->dispchar != NULL && strcmp(o->dispchar, "*") == 0;
        append_value(b, mask && secret && o->val[0] != '\0' ? HS_PG_MASK : o->val);
    }
}

int hs_pg_mask_conninfo(const char *conninfo, char *out, size_t cap)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
    if (opts == NULL) { /* no reason: out of memory; the reason may quote the password */
        snprintf(out, cap, "%s", why != NULL ? HS_PG_UNPARSABLE : HS_PG_UNSHOWN);
        PQfreemem(why);
        return -1;
    }
    struct hs_buf b = {0};
    render_options(&b, opts, true);
    PQconninfoFree(opts);
    int rc = hs_buf_failed(&b) || b.len >= cap ? -1 : 0;
    if (rc == 0)
        snprintf(out, cap, "%.*s", (int)b.len, b.len ? b.data : "");
    else
        snprintf(out, cap, "%s", HS_PG_UNSHOWN);
    hs_buf_free(&b);
    return rc;
}

static PQconninfoOption *password_option(PQconninfoOption *opts)
{
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0)
            return o;
    return NULL;
}

int hs_pg_conninfo_has_password(const char *conninfo)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    if (opts == NULL)
        return 0;
    PQconninfoOption *pw = password_option(opts);
    int has = pw != NULL && pw->val != NULL && pw->val[0] != '\0';
    PQconninfoFree(opts);
    return has;
}

int hs_pg_conninfo_add_password(const char *conninfo, const char *password, char *out,
                                size_t cap)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
    PQfreemem(why); /* it may quote the string */
    if (opts == NULL)
        return HS_PG_ADD_UNPARSABLE;
    PQconninfoOption *pw = password_option(opts);
    int rc = HS_PG_ADD_OK;
    if (pw == NULL || (pw->val != NULL && pw->val[0] != '\0')) {
        rc = HS_PG_ADD_HAS_PASSWORD;
    } else {
        char *own = pw->val; /* NULL or "": libpq frees it, not ours */
        struct hs_buf b = {0};
        pw->val = (char *)password;
        render_options(&b, opts, false);
        pw->val = own;
        if (hs_buf_failed(&b) || b.len >= cap)
            rc = HS_PG_ADD_TOO_LONG;
        else
            snprintf(out, cap, "%.*s", (int)b.len, b.data);
        if (b.data != NULL)
            explicit_bzero(b.data, b.cap);
        hs_buf_free(&b);
    }
    PQconninfoFree(opts);
    return rc;
}

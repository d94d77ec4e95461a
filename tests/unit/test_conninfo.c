/*
 * test_conninfo.c - a PostgreSQL password never shows: not in the masked
 * conninfo (hs_pg_mask_conninfo), not in `housingsup config`'s output
 * (hs_config_print), not in the reason hs_pg_connect gives, for every case of
 * tests/conninfo_cases.h; and the masked conninfo means to libpq what the
 * original does, apart from the passwords.
 *
 * The PG* environment is pointed at 127.0.0.1 port 1, so a case whose host
 * libpq reads otherwise still contacts nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../config/config.h"
#include "../../config/conninfo.h"
#include "../../workers/pg_conn.h"
#include "../conninfo_cases.h"

static struct cc_case cases[CC_MAX_CASES];
static int ncases;

static void fail_on_leak(const struct cc_case *c, const char *where, const char *text)
{
    const char *token = cc_leak(c, text);
    if (token != NULL)
        fail_msg("%s shows %s of the password in [%s]: %s", where, token, c->conninfo, text);
}

/* Every option means the same in both, except that passwords are masked. */
static void assert_same_but_passwords(const char *original, const char *masked)
{
    PQconninfoOption *a = PQconninfoParse(original, NULL), *b = PQconninfoParse(masked, NULL);
    if (b == NULL)
        fail_msg("the masked [%s] of [%s] does not parse", masked, original);
    for (int i = 0; a[i].keyword != NULL; i++) {
        assert_string_equal(a[i].keyword, b[i].keyword);
        assert_int_equal(a[i].val == NULL, b[i].val == NULL);
        if (a[i].val == NULL)
            continue;
        int secret = strcmp(a[i].dispchar, "*") == 0 && a[i].val[0] != '\0';
        assert_string_equal(b[i].val, secret ? HS_PG_MASK : a[i].val);
    }
    PQconninfoFree(a);
    PQconninfoFree(b);
}

static void mask_never_shows_a_password(void **state)
{
    (void)state;
    int parsed = 0;
    for (int i = 0; i < ncases; i++) {
        char out[2048];
        int rc = hs_pg_mask_conninfo(cases[i].conninfo, out, sizeof out);
        fail_on_leak(&cases[i], "hs_pg_mask_conninfo", out);
        PQconninfoOption *opts = PQconninfoParse(cases[i].conninfo, NULL);
        assert_int_equal(rc, opts != NULL ? 0 : -1);
        if (opts != NULL)
            assert_same_but_passwords(cases[i].conninfo, out), parsed++;
        else
            assert_string_equal(out, HS_PG_UNPARSABLE);
        PQconninfoFree(opts);
    }
    /* both kinds are well represented */
    assert_true(parsed > ncases / 3 && parsed < ncases - ncases / 10);
}

static void connect_errors_never_show_a_password(void **state)
{
    (void)state;
    for (int i = 0; i < ncases; i++) {
        char err[1024] = "";
        PGconn *conn = hs_pg_connect(cases[i].conninfo, "", "test_conninfo", err, sizeof err);
        assert_null(conn);
        fail_on_leak(&cases[i], "hs_pg_connect", err);
        PQconninfoOption *opts = PQconninfoParse(cases[i].conninfo, NULL);
        if (opts == NULL)
            assert_non_null(strstr(err, "postgres.conninfo is invalid (libpq cannot parse it"));
        PQconninfoFree(opts);
    }
}

static char *print_config(const char *conninfo, struct hs_config *cfg)
{
    char path[] = "/tmp/housingsup-conninfo-XXXXXX", escaped[1200], err[1024] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    cc_confuse_escape(escaped, sizeof escaped, conninfo);
    dprintf(fd, "postgres { conninfo = \"%s\" }\n", escaped);
    close(fd);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (hs_config_load(path, cfg, err, sizeof err) != 0 || hs_config_print(path, out, err, sizeof err) != 0)
        fail_msg("[%s]: %s", conninfo, err);
    fclose(out);
    unlink(path);
    return text;
}

static void config_never_shows_a_password(void **state)
{
    (void)state;
    for (int i = 0; i < ncases; i++) {
        struct hs_config cfg;
        char *text = print_config(cases[i].conninfo, &cfg);
        assert_string_equal(cfg.pg_conninfo, cases[i].conninfo); /* the file says what we mean */
        fail_on_leak(&cases[i], "housingsup config", text);
        assert_non_null(strstr(text, "\npostgres.conninfo = \""));
        free(text);
    }
}

static void expect_mask(const char *conninfo, const char *expect)
{
    char out[1024];
    hs_pg_mask_conninfo(conninfo, out, sizeof out);
    assert_string_equal(out, expect);
}

/* The forms the hand-written masking got wrong, and quoting of other values. */
static void masked_forms(void **state)
{
    (void)state;
    expect_mask("user=password_admin password=x", "user=password_admin password=********");
    expect_mask("password='a b' host=h", "password=******** host=h");
    expect_mask("sslpassword=a password=b", "password=******** sslpassword=********");
    expect_mask("postgresql://u:secret@h/db", "user=u password=******** dbname=db host=h");
    expect_mask("postgresql://h:5/db?password=secret&sslmode=require",
                "password=******** dbname=db host=h port=5 sslmode=require");
    expect_mask("password='' dbname='my db' application_name='it\\'s a\\\\b'",
                "password='' dbname='my db' application_name='it\\'s a\\\\b'");
    expect_mask("", "");
    expect_mask("password='a", HS_PG_UNPARSABLE);
    char small[16];
    assert_int_equal(hs_pg_mask_conninfo("host=a-rather-long-host-name", small, sizeof small), -1);
    assert_string_equal(small, "(not shown: out"); /* HS_PG_UNSHOWN, cut */
}

static void the_cases_are_many(void **state)
{
    (void)state;
    assert_true(ncases >= 300);
    for (int i = 0; i < ncases; i++) /* each holds its password, maybe percent-encoded */
        assert_true(strstr(cases[i].conninfo, cases[i].token[0]) != NULL ||
                    strstr(cases[i].conninfo, "%4B%71") != NULL);
}

int main(void)
{
    setenv("PGHOST", "127.0.0.1", 1);
    setenv("PGPORT", "1", 1);
    setenv("PGCONNECT_TIMEOUT", "2", 1);
    unsetenv("PGSERVICE");
    unsetenv("PGHOSTADDR");
    ncases = cc_generate(cases);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_cases_are_many),
        cmocka_unit_test(masked_forms),
        cmocka_unit_test(mask_never_shows_a_password),
        cmocka_unit_test(config_never_shows_a_password),
        cmocka_unit_test(connect_errors_never_show_a_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

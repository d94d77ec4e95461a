/*
 * test_passwords.c - a PostgreSQL password in postgres.conninfo never shows
 * in a started run: for a sample of the cases of tests/conninfo_cases.h
 * (keyword=value plain and quoted, sslpassword, URIs with user:password@,
 * ?password= and percent-encoding, malformed strings), each pointing at
 * 127.0.0.1 port 1 where nothing listens, neither `housingsup config`, nor
 * the log once the writers have failed to connect, nor `housingsup status`,
 * nor the status file shows any part of the password. test_conninfo checks
 * all the cases at the unit level; a start costs seconds, so here a sample.
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

#include "../conninfo_cases.h"
#include "../harness.h"

#define OUT 16384
#define NPIECES (int)(sizeof cc_pieces / sizeof cc_pieces[0])

/* (form, piece) of tests/conninfo_cases.h: every kind of form, awkward pieces */
static const int sample[][2] = {
    {0, 8},   /* password=K=Z */
    {3, 2},   /* password = 'K two wordsZ' */
    {4, 6},   /* password='K\'Z' unescaped: unterminated, malformed */
    {5, 16},  /* password='K密码Z' sslpassword='S密码T' */
    {7, 19},  /* postgresql://u:K%40%3A...Z@ */
    {8, 12},  /* postgresql://u:K%zzZ@: bad percent-encoding, malformed */
    {10, 11}, /* ?password=K%41Z */
    {12, 17}, /* every byte percent-encoded, with a key emoji */
    {13, 3},  /* password='K\'Z, no closing quote */
    {14, 20}, /* password=Ka=b cZ ... stray: missing "=" */
    {15, 1},  /* postgresql://u:K%20Z@[127.0.0.1:1/db: unterminated IPv6 address */
};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t cap = 0;
    if (f == NULL)
        return strdup("");
    if (getdelim(&text, &cap, '\0', f) < 0) {
        free(text);
        text = strdup("");
    }
    fclose(f);
    return text;
}

static void assert_hidden(const struct cc_case *c, const char *where, const char *text)
{
    const char *token = cc_leak(c, text);
    if (token != NULL)
        fail_msg("%s shows %s of the password of [%s]:\n%s", where, token, c->conninfo, text);
}

static void assert_file_hidden(const struct cc_case *c, const struct run *r, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    char *text = read_file(path);
    const char *token = cc_leak(c, text);
    if (token != NULL)
        fprintf(stderr, "%s:\n%s\n", name, text);
    free(text);
    if (token != NULL)
        fail_msg("%s shows %s of the password of [%s]", name, token, c->conninfo);
}

/* The writers have tried: the log names the failure, whichever it is. */
static void wait_for_connect_failure(const struct run *r)
{
    for (int i = 0; i < 20; i++) {
        if (run_log_contains(r, "postgres: cannot connect to host=") ||
            run_log_contains(r, "postgres.conninfo is invalid (libpq cannot parse it"))
            return;
        usleep(500000);
    }
    fail_msg("no connection failure in the log of %s", r->dir);
}

static void run_case(const struct cc_case *c, int number)
{
    struct run r;
    char name[32], escaped[1200], extra[1400], out[OUT];
    snprintf(name, sizeof name, "pw%d", number);
    cc_confuse_escape(escaped, sizeof escaped, c->conninfo);
    snprintf(extra, sizeof extra, "stop_timeout = 1\npostgres { conninfo = \"%s\" }", escaped);
    run_init(&r, name, "data/housing.csv", extra);
    assert_int_equal(run_housingsup(&r, "config", out, sizeof out), 0);
    assert_hidden(c, "housingsup config", out);
    assert_int_equal(run_housingsup(&r, "check", out, sizeof out), 1); /* no server at port 1 */
    assert_hidden(c, "housingsup check", out);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_hidden(c, "housingsup start", out);
    wait_for_connect_failure(&r);
    run_housingsup(&r, "status", out, sizeof out);
    assert_hidden(c, "housingsup status", out);
    run_housingsup(&r, "status --json", out, sizeof out);
    assert_hidden(c, "housingsup status --json", out);
    run_housingsup(&r, "stop", out, sizeof out); /* 1: the records could not be written */
    assert_hidden(c, "housingsup stop", out);
    assert_file_hidden(c, &r, HS_LOG_FILE);
    assert_file_hidden(c, &r, HS_STATUS_FILE);
}

static void started_runs_never_show_a_password(void **state)
{
    (void)state;
    static struct cc_case cases[CC_MAX_CASES];
    int n = cc_generate(cases);
    for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++) {
        int index = sample[i][0] * NPIECES + sample[i][1];
        assert_true(index < n);
        run_case(&cases[index], (int)i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(started_runs_never_show_a_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

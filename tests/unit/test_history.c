/*
 * test_history.c - the status page's history (supervisor/history.h) and
 * the JSON the page reads (/status.json, hs_metrics_render_status_json):
 * at most one sample per interval; a full ring keeps the newest
 * HS_HISTORY_SAMPLES, oldest first; a series per role in the order first
 * seen, null where a role was not shown or the lag unknown; no more series
 * than roles whatever names come; /status.json is valid JSON (jsmn, strict)
 * with status.json's members and the history, hostile text escaped, also
 * before the first snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "../../supervisor/history.h"
#include "../../supervisor/metrics.h"

static struct hs_history history; /* large: not on the stack */

static void add_row(struct hs_status *st, const char *role, double rate, long ring_fill)
{
    st->rows[st->nrows++] = (struct hs_status_row){.role = role, .state = "running", .rate = rate,
                                                   .lag = -1, .ring_fill = ring_fill,
                                                   .ring_cap = ring_fill < 0 ? -1 : 4096,
                                                   .last_exit = "-", .reason = ""};
}

/* history's JSON as a string the caller frees. */
static char *history_json(void)
{
    struct hs_buf b = {0};
    hs_history_render_json(&history, &b);
    char *text = hs_buf_take_string(&b);
    assert_non_null(text);
    return text;
}

static void one_sample_per_interval(void **state)
{
    (void)state;
    memset(&history, 0, sizeof history);
    struct hs_status st = {.lag = 1};
    assert_true(hs_history_record(&history, &st, 5000));
    assert_false(hs_history_record(&history, &st, 5000 + HS_HISTORY_INTERVAL_MS / 2));
    assert_false(hs_history_record(&history, &st, 5000 + HS_HISTORY_INTERVAL_MS - 1));
    assert_true(hs_history_record(&history, &st, 5000 + HS_HISTORY_INTERVAL_MS));
    assert_true(hs_history_record(&history, &st, 5000 + 5 * HS_HISTORY_INTERVAL_MS)); /* after a gap */
    assert_int_equal(history.count, 3);
}

/* Many more samples than the ring holds: the newest HS_HISTORY_SAMPLES stay,
 * oldest first, their ages counted back from the newest. */
static void a_full_ring_keeps_the_newest(void **state)
{
    (void)state;
    memset(&history, 0, sizeof history);
    const int extra = HS_HISTORY_SAMPLES / 2 + 7;
    for (int i = 0; i < HS_HISTORY_SAMPLES + extra; i++) {
        struct hs_status st = {.lag = i, .dead_letters = (uint64_t)i};
        assert_true(hs_history_record(&history, &st, (int64_t)i * HS_HISTORY_INTERVAL_MS));
    }
    assert_int_equal(history.count, HS_HISTORY_SAMPLES);
    char *text = history_json(), start[64], end[64];
    snprintf(start, sizeof start, "\"lag\":[%d,%d,", extra, extra + 1);
    snprintf(end, sizeof end, ",%d],\"ring_fill\":", HS_HISTORY_SAMPLES + extra - 1);
    assert_non_null(strstr(text, start));
    assert_non_null(strstr(text, end));
    snprintf(start, sizeof start, "\"age_s\":[%.1f,", (HS_HISTORY_SAMPLES - 1) * HS_HISTORY_INTERVAL_MS / 1000.0);
    assert_non_null(strstr(text, start));
    assert_non_null(strstr(text, ",1.0,0.0],\"lag\":"));
    /* every series has one value per sample: as many commas as samples - 1 */
    const char *lag = strstr(text, "\"lag\":["), *lag_end = strchr(lag, ']');
    int commas = 0;
    for (const char *p = lag; p < lag_end; p++)
        commas += *p == ',';
    assert_int_equal(commas, HS_HISTORY_SAMPLES - 1);
    free(text);
}

/* A writer that appears at a reload gets its own series from then on; one
 * that is no longer shown, null; an unknown lag, null. */
static void a_series_per_role_with_gaps(void **state)
{
    (void)state;
    memset(&history, 0, sizeof history);
    struct hs_status st = {.lag = -1};
    add_row(&st, "csv-reader", 5, -1);
    add_row(&st, "writer-0", 2.5, 3);
    assert_true(hs_history_record(&history, &st, 10000));
    st = (struct hs_status){.lag = 7, .dead_letters = 2};
    add_row(&st, "csv-reader", 6, -1);
    add_row(&st, "writer-0", 3, 1);
    add_row(&st, "writer-1", 1, 4);
    assert_true(hs_history_record(&history, &st, 11000));
    st = (struct hs_status){.lag = 0, .dead_letters = 2};
    add_row(&st, "csv-reader", 0, -1);
    add_row(&st, "writer-1", 4, 0);
    assert_true(hs_history_record(&history, &st, 12500));
    char *text = history_json(), want[1024];
    snprintf(want, sizeof want,
             "{\"interval_ms\":%d,\"capacity\":%d,\"age_s\":[2.5,1.5,0.0],\"lag\":[null,7,0],"
             "\"ring_fill\":[3,5,0],\"dead_letters\":[0,2,2],\"rates\":["
             "{\"role\":\"csv-reader\",\"rate\":[5.0,6.0,0.0]},"
             "{\"role\":\"writer-0\",\"rate\":[2.5,3.0,null]},"
             "{\"role\":\"writer-1\",\"rate\":[null,1.0,4.0]}]}",
             HS_HISTORY_INTERVAL_MS, HS_HISTORY_SAMPLES);
    assert_string_equal(text, want);
    free(text);
}

static void no_more_series_than_roles(void **state)
{
    (void)state;
    memset(&history, 0, sizeof history);
    static char names[HS_MAX_CHILDREN + 5][HS_HISTORY_ROLE_MAX + 8];
    for (int i = 0; i < HS_MAX_CHILDREN + 5; i++) {
        /* long names too: cut to what a series keeps, they are still found again */
        snprintf(names[i], sizeof names[i], "role-%d-%0*d", i, HS_HISTORY_ROLE_MAX, 0);
        struct hs_status st = {.lag = -1};
        add_row(&st, names[i], i, -1);
        add_row(&st, names[0], 1, -1);
        assert_true(hs_history_record(&history, &st, (int64_t)i * HS_HISTORY_INTERVAL_MS));
    }
    assert_int_equal(history.nroles, HS_MAX_CHILDREN);
    assert_int_equal(strlen(history.roles[0]), HS_HISTORY_ROLE_MAX - 1);
    char *text = history_json();
    assert_non_null(strstr(text, "\"rate\":[1.0,1.0,1.0,")); /* names[0], found every time */
    free(text);
}

/* ---- /status.json ---- */

static int parse(const char *text, jsmntok_t *tokens, unsigned cap)
{
    jsmn_parser p;
    jsmn_init(&p);
    return jsmn_parse(&p, text, strlen(text), tokens, cap);
}

static bool token_is(const char *text, const jsmntok_t *t, const char *word)
{
    return t->type == JSMN_STRING && (size_t)(t->end - t->start) == strlen(word) &&
           memcmp(text + t->start, word, strlen(word)) == 0;
}

/* The index of the value of the root object's member `key`, or -1. */
static int member(const char *text, const jsmntok_t *t, int n, const char *key)
{
    for (int i = 1; i + 1 < n; i++)
        if (t[i].parent == 0 && token_is(text, &t[i], key))
            return i + 1;
    return -1;
}

#define TOKENS 4096

static void status_json_is_valid_and_carries_the_history(void **state)
{
    (void)state;
    memset(&history, 0, sizeof history);
    const char *hostile = "/data/</script><img src=x onerror=alert(1)>\"\\\n\x01.csv";
    struct hs_status st = {.state = "running", .pid = 7, .config = "/etc/h.conf", .csv = hostile,
                           .topic = "t", .table = "housing", .health = "healthy", .lag = 3};
    add_row(&st, "csv-reader", 10, -1);
    add_row(&st, "writer-0", 9, 2);
    st.rows[1].reason = "waiting for <b>PostgreSQL</b>";
    assert_true(hs_history_record(&history, &st, 1000));
    struct hs_buf b = {0}, plain = {0};
    hs_metrics_render_status_json(&st, &history, &b);
    hs_status_render_json(&st, &plain);
    hs_buf_append(&b, "", 1);
    hs_buf_append(&plain, "", 1);
    assert_false(hs_buf_failed(&b) || hs_buf_failed(&plain));

    static jsmntok_t t[TOKENS], u[TOKENS];
    int n = parse(b.data, t, TOKENS), m = parse(plain.data, u, TOKENS);
    assert_true(n > 0 && t[0].type == JSMN_OBJECT);
    assert_true(m > 0);
    assert_int_equal(t[0].size, u[0].size + 1); /* status.json's members, and one more */
    assert_int_equal(strncmp(b.data, plain.data, strlen(plain.data) - 2), 0); /* the same, first */
    int h = member(b.data, t, n, "history");
    assert_true(h > 0 && t[h].type == JSMN_OBJECT);
    int csv = member(b.data, t, n, "csv");
    assert_true(csv > 0);
    const char *escaped = "/data/</script><img src=x onerror=alert(1)>\\\"\\\\\\u000a\\u0001.csv";
    assert_int_equal(t[csv].end - t[csv].start, (int)strlen(escaped));
    assert_memory_equal(b.data + t[csv].start, escaped, strlen(escaped));
    hs_buf_free(&b);
    hs_buf_free(&plain);
}

/* A request may come before the first snapshot: every string is still NULL. */
static void status_json_before_the_first_snapshot(void **state)
{
    (void)state;
    memset(&history, 0, sizeof history);
    static struct hs_status st; /* all zero, as the supervisor's is at first */
    struct hs_buf b = {0};
    hs_metrics_render_status_json(&st, &history, &b);
    hs_buf_append(&b, "", 1);
    static jsmntok_t t[TOKENS];
    int n = parse(b.data, t, TOKENS);
    assert_true(n > 0 && t[0].type == JSMN_OBJECT);
    assert_non_null(strstr(b.data, "{\"state\":\"\",\"pid\":0,"));
    assert_non_null(strstr(b.data, "\"history\":{\"interval_ms\":"));
    assert_non_null(strstr(b.data, "\"age_s\":[],\"lag\":[],"));
    hs_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_sample_per_interval),
        cmocka_unit_test(a_full_ring_keeps_the_newest),
        cmocka_unit_test(a_series_per_role_with_gaps),
        cmocka_unit_test(no_more_series_than_roles),
        cmocka_unit_test(status_json_is_valid_and_carries_the_history),
        cmocka_unit_test(status_json_before_the_first_snapshot),
    };
    return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}

/*
 * test_status.c - reading words back from a status snapshot
 * (supervisor/status.h): a member of the top-level JSON object is found
 * wherever it stands, never inside a string or a child's object; values
 * that are not plain strings, or do not fit, are refused; `state` and
 * `health` come back from a status.json written by hs_status_write, also
 * when long paths put them far into the file; the supervisor's phase by its
 * name in the table and the JSON.
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

#include "../../supervisor/status.h"

/* The member's value, or "(none)" when the lookup refuses. */
static const char *member(const char *text, const char *key)
{
    static char out[64];
    if (hs_status_json_member(text, key, out, sizeof out) != 0)
        snprintf(out, sizeof out, "(none)");
    return out;
}

static void finds_top_level_members_only(void **state)
{
    (void)state;
    const char *text = "{\"state\":\"running\",\"children\":[{\"role\":\"writer-0\","
                       "\"state\":\"waiting\",\"health\":\"inner\"}],\"health\":\"degraded\"}";
    assert_string_equal(member(text, "state"), "running");
    assert_string_equal(member(text, "health"), "degraded");
    assert_string_equal(member(text, "role"), "(none)"); /* a child's */
    assert_string_equal(member("{\"a\":{\"health\":\"x\"},\"health\":\"y\"}", "health"), "y");
    assert_string_equal(member("{ \"state\" : \"stopped cleanly, rings empty\" }\n", "state"),
                        "stopped cleanly, rings empty");
}

static void strings_are_skipped_whole(void **state)
{
    (void)state;
    /* a key spelled inside a value, escaped quotes included, is text */
    const char *text = "{\"config\":\"/x,\\\"health\\\":\\\"healthy\\\"\",\"topic\":\"health\","
                       "\"reason\":\"a \\\\\",\"health\":\"stalled\"}";
    assert_string_equal(member(text, "health"), "stalled");
    assert_string_equal(member(text, "topic"), "health");
    assert_string_equal(member("{\"x\":\"health\"}", "health"), "(none)");
    assert_string_equal(member("{\"x\":\"a\", \"health\":\"ok\"}", "health"), "ok");
}

static void refuses_what_is_not_a_plain_word(void **state)
{
    (void)state;
    char small[4];
    assert_string_equal(member("{\"pid\":12}", "pid"), "(none)");
    assert_string_equal(member("{\"lag\":null}", "lag"), "(none)");
    assert_string_equal(member("{\"health\":\"a\\\"b\"}", "health"), "(none)");
    assert_string_equal(member("{\"health\":\"unterminated", "health"), "(none)");
    assert_string_equal(member("{\"health", "health"), "(none)");
    assert_string_equal(member("", "health"), "(none)");
    assert_string_equal(member("[\"health\",\"x\"]", "health"), "(none)");
    assert_int_equal(hs_status_json_member("{\"state\":\"running\"}", "state", small, sizeof small), -1);
    assert_int_equal(hs_status_json_member("{\"state\":\"run\"}", "state", small, sizeof small), 0);
    assert_string_equal(small, "run");
}

static void reads_back_what_status_writes(void **state)
{
    (void)state;
    char dir[] = "/tmp/housingsup-status-XXXXXX", path[600], out[128];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(hs_status_read_state(dir, out, sizeof out), -1); /* no file yet */
    char config[3000]; /* far past the first 512 bytes, quotes and all */
    memset(config, 'c', sizeof config - 1);
    config[sizeof config - 1] = '\0';
    memcpy(config, "/\"health\":\"healthy\"", 19);
    struct hs_status st = {.state = HS_STATE_STOPPED_CLEANLY, .pid = 7, .config = config,
                           .csv = "in.csv", .topic = "t", .table = "housing", .health = "degraded", .lag = -1,
                           .nrows = 1};
    st.rows[0] = (struct hs_status_row){.role = "writer-0", .state = "waiting", .lag = -1,
                                        .ring_fill = -1, .ring_cap = -1, .last_exit = "-",
                                        .reason = "\"health\":\"healthy\""};
    snprintf(st.health_reason, sizeof st.health_reason, "writer-0 waiting");
    char err[256] = "";
    assert_int_equal(hs_status_write(dir, &st, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(hs_status_read_state(dir, out, sizeof out), 0);
    assert_string_equal(out, HS_STATE_STOPPED_CLEANLY);
    assert_int_equal(hs_status_read_health(dir, out, sizeof out), 0);
    assert_string_equal(out, "degraded");
    hs_status_path(dir, path, sizeof path);
    unlink(path);
    hs_status_json_path(dir, path, sizeof path);
    unlink(path);
    rmdir(dir);
}

static void phase_shows_by_name(void **state)
{
    (void)state;
    static const char *const names[HS_PHASES] = {"starting", "running", "draining",
                                                 "draining-writers", "stopped"};
    for (enum hs_phase p = 0; p < HS_PHASES; p++)
        assert_string_equal(hs_phase_name(p), names[p]);
    assert_string_equal(hs_phase_name(HS_PHASES), "unknown");
    struct hs_status st = {.state = "stopping", .pid = 7, .uptime_s = 3, .config = "c",
                           .csv = "in.csv", .topic = "t", .table = "housing", .health = "healthy", .lag = -1,
                           .phase = HS_PHASE_DRAINING_WRITERS};
    struct hs_buf b = {0};
    hs_status_render_json(&st, &b);
    hs_buf_append(&b, "", 1);
    assert_false(hs_buf_failed(&b));
    assert_non_null(strstr(b.data, "{\"state\":\"stopping\",\"pid\":7,\"uptime_s\":3,"
                                   "\"phase\":\"draining-writers\",\"config\":"));
    assert_string_equal(member(b.data, "phase"), "draining-writers");
    assert_string_equal(member(b.data, "health"), "healthy");
    hs_buf_reset(&b);
    hs_status_render_table(&st, &b);
    hs_buf_append(&b, "", 1);
    const char *headline = "housingsup stopping: pid 7, phase draining-writers, up 3 s, config c, "
                           "csv in.csv, topic t,";
    assert_int_equal(strncmp(b.data, headline, strlen(headline)), 0);
    hs_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_top_level_members_only),
        cmocka_unit_test(strings_are_skipped_whole),
        cmocka_unit_test(refuses_what_is_not_a_plain_word),
        cmocka_unit_test(reads_back_what_status_writes),
        cmocka_unit_test(phase_shows_by_name),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}

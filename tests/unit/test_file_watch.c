/*
 * test_file_watch.c - the inotify waits of follow mode: a watched file wakes
 * a wait when it is appended to, renamed, removed or truncated; its
 * directory when its name is created or moved in, and not for other names;
 * a followed directory when a file is moved in or closed after writing, not
 * while one is being created; a watch set anew says so; and without inotify
 * every wait just times out. No test depends on how long anything took: a
 * wait that must be woken is given seconds, and one that must not, 50 ms.
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

#include "../../workers/file_watch.h"

#define WOKEN_MS 10000
#define QUIET_MS 50

struct fixture {
    char dir[64];
    char file[128];
    struct hs_watch w;
    char err[512];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_file_watch.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->file, sizeof f->file, "%s/in.csv", f->dir);
    if (hs_watch_open(&f->w, f->err, sizeof f->err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    hs_watch_close(&f->w);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *mode, const char *text)
{
    FILE *out = fopen(path, mode);
    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
}

/* Waits until something of interest comes, up to WOKEN_MS: events of no
 * interest end a wait early with 0. */
static int woken(struct fixture *f)
{
    for (int i = 0; i < WOKEN_MS / 100; i++) {
        int rc = hs_watch_wait(&f->w, 100, f->err, sizeof f->err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int quiet(struct fixture *f)
{
    return hs_watch_wait(&f->w, QUIET_MS, f->err, sizeof f->err) == 0;
}

static void file_changes_wake(void **state)
{
    struct fixture *f = *state;
    char moved[160];
    write_file(f->file, "w", "a,b\n");
    assert_int_equal(hs_watch_file(&f->w, f->file, f->err, sizeof f->err), 1);
    assert_int_equal(hs_watch_file(&f->w, f->file, f->err, sizeof f->err), 0); /* already */
    assert_true(quiet(f));
    write_file(f->file, "a", "1,2\n");
    assert_int_equal(woken(f), 1);
    assert_true(quiet(f)); /* the write was told once */
    assert_int_equal(truncate(f->file, 0), 0);
    assert_int_equal(woken(f), 1);
    snprintf(moved, sizeof moved, "%s.1", f->file);
    assert_int_equal(rename(f->file, moved), 0);
    assert_int_equal(woken(f), 1);
    assert_int_equal(unlink(moved), 0);
    assert_int_equal(woken(f), 1);
}

static void the_path_filled_again_wakes(void **state)
{
    struct fixture *f = *state;
    char other[160];
    snprintf(other, sizeof other, "%s/other.csv", f->dir);
    assert_int_equal(hs_watch_file(&f->w, f->file, f->err, sizeof f->err), 0); /* no file yet */
    assert_int_equal(hs_watch_entry(&f->w, f->dir, "in.csv", f->err, sizeof f->err), 1);
    write_file(other, "w", "x\n");
    assert_true(quiet(f));
    write_file(f->file, "w", "a,b\n");
    assert_int_equal(woken(f), 1);
    assert_int_equal(hs_watch_file(&f->w, f->file, f->err, sizeof f->err), 1);
    assert_int_equal(rename(other, f->file), 0); /* replaced: a new file under the name */
    assert_int_equal(woken(f), 1);
    assert_int_equal(hs_watch_file(&f->w, f->file, f->err, sizeof f->err), 1);
}

static void a_directory_wakes_for_whole_files(void **state)
{
    struct fixture *f = *state;
    char part[160], final[160];
    snprintf(part, sizeof part, "%s/../%s.part", f->dir, strrchr(f->dir, '/') + 1);
    snprintf(final, sizeof final, "%s/b.csv", f->dir);
    assert_int_equal(hs_watch_files(&f->w, f->dir, f->err, sizeof f->err), 1);
    FILE *out = fopen(f->file, "w"); /* created in place: not yet */
    assert_non_null(out);
    assert_true(quiet(f));
    fputs("a,b\n", out);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(woken(f), 1);
    write_file(part, "w", "a,b\n");
    assert_int_equal(rename(part, final), 0); /* moved in */
    assert_int_equal(woken(f), 1);
}

static void without_inotify_waits_time_out(void **state)
{
    struct fixture *f = *state;
    write_file(f->file, "w", "a,b\n");
    hs_watch_close(&f->w);
    assert_false(hs_watch_active(&f->w));
    assert_int_equal(hs_watch_file(&f->w, f->file, f->err, sizeof f->err), 0);
    assert_int_equal(hs_watch_files(&f->w, f->dir, f->err, sizeof f->err), 0);
    write_file(f->file, "a", "1,2\n");
    assert_true(quiet(f));
}

static void a_watch_that_cannot_be_set_is_an_error(void **state)
{
    struct fixture *f = *state;
    assert_true(hs_watch_active(&f->w));
    assert_int_equal(hs_watch_files(&f->w, "/nonexistent-dir/x", f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "cannot watch directory /nonexistent-dir/x with inotify"));
    write_file(f->file, "w", "a,b\n");
    assert_int_equal(hs_watch_files(&f->w, f->file, f->err, sizeof f->err), -1); /* not a directory */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_changes_wake, setup, teardown),
        cmocka_unit_test_setup_teardown(the_path_filled_again_wakes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_directory_wakes_for_whole_files, setup, teardown),
        cmocka_unit_test_setup_teardown(without_inotify_waits_time_out, setup, teardown),
        cmocka_unit_test_setup_teardown(a_watch_that_cannot_be_set_is_an_error, setup, teardown),
    };
    return cmocka_run_group_tests_name("file_watch", tests, NULL, NULL);
}

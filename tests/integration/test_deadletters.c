/*
 * test_deadletters.c - `housingsup dead-letters` and `housingsup replay` on
 * the real broker and database, with dead letters made by real runs:
 *
 *  - a CSV with bad lines (one holding terminal escapes) and a CHECK
 *    constraint refusing rows: the listing shows each with its source,
 *    reason, SQLSTATE and a safe excerpt, exactly; --json is one valid
 *    array; --since filters, and a bad --since is a usage error;
 *  - the constraint loosened: the rows it still refuses fail again with the
 *    new constraint's name, the others land; dropped: the rest land; every
 *    dead letter stays, marked replayed; a second replay changes nothing;
 *  - a table of one's own: a line not valid UTF-8 and a value too long
 *    land once `encoding` is set and the column widened (the line's file
 *    is found again by its identity, for its header); an object from a
 *    foreign producer that still does not fit fails again, and a whole
 *    message that is not a batch is skipped, saying why;
 *  - replay killed (SIGKILL) while it waits to take a dead letter and while
 *    its INSERT waits: nothing half done; replay again lands every record
 *    exactly once (count, sum, no identity twice).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "../harness.h"

#define OUT 65536
#define HOUSING_ROWS 506
#define BAD_NUMBER "abc,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24"
#define BAD_ESCAPES "\033]0;pwned\007\033[31mred,1"

/* ---- running the commands ---- */

static char *read_all(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    return out;
}

/* Starts housingsup with `args` (NULL-terminated, after the command) and
 * -c config; stdout to dir/out, stderr to dir/err. */
static pid_t spawn(const struct run *r, const char *command, const char *const *args)
{
    const char *argv[16] = {getenv("HOUSINGSUP_BIN"), command, "-c", r->config};
    int n = 4;
    for (int i = 0; args != NULL && args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char out[700], err[700];
    snprintf(out, sizeof out, "%s/out", r->dir);
    snprintf(err, sizeof err, "%s/err", r->dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen(out, "w", stdout) == NULL || freopen(err, "w", stderr) == NULL)
            _exit(99);
        execv(argv[0], (char *const *)argv);
        _exit(98);
    }
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs a command to its end: its exit code, stdout in out, stderr in err. */
static int command(const struct run *r, const char *cmd, const char *const *args, char *out,
                   char *err)
{
    int rc = wait_exit(spawn(r, cmd, args));
    char path[700];
    snprintf(path, sizeof path, "%s/out", r->dir);
    read_all(path, out, OUT);
    snprintf(path, sizeof path, "%s/err", r->dir);
    read_all(path, err, OUT);
    return rc;
}

/* ---- the data ---- */

struct expected {
    long rows, refused;  /* records of the file; those with medv >= limit */
    double medv_sum;     /* of all of them */
};

/* data/housing.csv with two bad lines after it (lines 508 and 509). */
static void write_csv(char *path, size_t cap, struct expected *e, double limit)
{
    char line[1024];
    mkdir("build/it", 0755);
    snprintf(path, cap, "build/it/deadletters-%d.csv", (int)getpid());
    FILE *in = fopen("data/housing.csv", "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    *e = (struct expected){0};
    assert_non_null(fgets(line, sizeof line, in));
    fputs(line, out);
    while (fgets(line, sizeof line, in) != NULL) {
        fputs(line, out);
        double medv = strtod(strrchr(line, ',') + 1, NULL);
        e->rows++;
        e->refused += medv >= limit;
        e->medv_sum += medv;
    }
    fputs(BAD_NUMBER "\n" BAD_ESCAPES "\n", out);
    fclose(in);
    fclose(out);
}

static void drop_constraints(void)
{
    sql_exec("ALTER TABLE housing DROP CONSTRAINT IF EXISTS dlq_medv");
    sql_exec("ALTER TABLE housing DROP CONSTRAINT IF EXISTS dlq_medv50");
}

/* Whatever happened, the next test finds housing without them. */
static int teardown(void **state)
{
    (void)state;
    drop_constraints();
    return 0;
}

static void reset_tables(void)
{
    drop_constraints();
    sql_exec("TRUNCATE housing, housing_dead_letter");
}

/* Runs the file through the pipeline to its end. */
static void ingest(struct run *r, const char *name, const char *csv, const struct expected *e)
{
    run_init(r, name, csv, NULL);
    run_start(r);
    long dead = e->refused + 2, rows = e->rows - e->refused;
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter", dead, 120), dead);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing", rows, 120), rows);
    run_stop_cleanly(r);
}

/* Every record of the file exactly once, by count, sum and identity. */
static void assert_landed_once(const struct expected *e, long rows)
{
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing"), rows);
    assert_int_equal(sql_long("SELECT COUNT(DISTINCT (src_file, src_line)) FROM housing"), rows);
    if (rows == e->rows)
        assert_true(fabs(sql_double("SELECT SUM(medv) FROM housing") - e->medv_sum) < 1e-6);
}

static const char *src_file(char *out, size_t cap)
{
    return sql_text("SELECT src_file FROM housing LIMIT 1", out, cap);
}

/* The listing's block for dead letter at `source`. */
static void expect_block(const char *listing, const char *source, const char *rest)
{
    char q[512], head[512], when[64], id[32], block[2048];
    snprintf(q, sizeof q, "SELECT id FROM housing_dead_letter WHERE source = '%s'", source);
    sql_text(q, id, sizeof id);
    snprintf(q, sizeof q, "SELECT to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') FROM "
             "housing_dead_letter WHERE source = '%s'", source);
    sql_text(q, when, sizeof when);
    snprintf(head, sizeof head, "#%s %s %s", id, when, source);
    snprintf(block, sizeof block, "%s%s", head, rest);
    if (strstr(listing, block) == NULL)
        fail_msg("no block\n%s\nin\n%s", block, listing);
}

/* ---- listing ---- */

static void listing_shows_each_kind(const struct run *r, const struct expected *e)
{
    char out[OUT], err[OUT], src[128], source[256], q[512], rest[1024];
    assert_int_equal(command(r, "dead-letters", NULL, out, err), 0);
    src_file(src, sizeof src);
    snprintf(source, sizeof source, "%s:508", src);
    expect_block(out, source, " not replayed\n    reason: crim is not a double precision: "
                 "'abc'\n    raw: " BAD_NUMBER "\n");
    snprintf(source, sizeof source, "%s:509", src);
    expect_block(out, source, " not replayed\n    reason: expected 14 fields, got 2\n"
                 "    raw: \\x1b]0;pwned\\x07\\x1b[31mred,1\n");
    snprintf(source, sizeof source, "%s:4", src); /* the first medv >= 30: 34.7 */
    snprintf(rest, sizeof rest, " sqlstate 23514 not replayed\n    reason: refused by "
             "PostgreSQL (SQLSTATE 23514): new row for relation \"housing\" violates check "
             "constraint \"dlq_medv\"\n    raw: 0.02729,0,7.07,0,0.469,7.185,61.1,4.9671,2,242,"
             "17.8,392.83,4.03,34.7\n");
    expect_block(out, source, rest);
    snprintf(q, sizeof q, "%ld dead letters, 0 replayed\n", e->refused + 2);
    assert_non_null(strstr(out, q));
    assert_null(strchr(out, '\033')); /* never a raw escape on the terminal */
    assert_null(strchr(out, '\007'));
}

static void json_is_one_array(const struct run *r, const struct expected *e)
{
    char out[OUT], err[OUT], cmd[1400], line[256] = "";
    const char *args[] = {"--json", NULL};
    assert_int_equal(command(r, "dead-letters", args, out, err), 0);
    assert_null(strchr(out, '\033'));
    snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
             "b=[x for x in d if x[\"source\"].endswith(\":509\")][0]; "
             "s=[x for x in d if x[\"sqlstate\"]]; print(len(d), len(s), b[\"excerpt\"], "
             "b[\"raw_bytes\"], b[\"sqlstate\"], b[\"replayed_at\"])' '%s/out'", r->dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    pclose(p);
    char expect[256];
    snprintf(expect, sizeof expect, "%ld %ld \\x1b]0;pwned\\x07\\x1b[31mred,1 %zu None None\n",
             e->refused + 2, e->refused, strlen(BAD_ESCAPES));
    assert_string_equal(line, expect);
}

static void since_filters(const struct run *r, const struct expected *e)
{
    char out[OUT], err[OUT], all[64];
    const char *future[] = {"--since", "2999-01-01 00:00", NULL};
    const char *hour[] = {"--since", "1 hour", NULL};
    const char *bogus[] = {"--since", "yesterday-ish", NULL};
    const char *empty[] = {"--since", NULL};
    assert_int_equal(command(r, "dead-letters", future, out, err), 0);
    assert_string_equal(out, "0 dead letters, 0 replayed\n");
    assert_int_equal(command(r, "dead-letters", hour, out, err), 0);
    snprintf(all, sizeof all, "\n%ld dead letters, 0 replayed\n", e->refused + 2);
    assert_non_null(strstr(out, all));
    /* the refused rows made two hours ago: an hour back shows only the two lines */
    sql_exec("UPDATE housing_dead_letter SET created_at = created_at - interval '2 hours' "
             "WHERE sqlstate IS NOT NULL");
    assert_int_equal(command(r, "dead-letters", hour, out, err), 0);
    assert_non_null(strstr(out, "\n2 dead letters, 0 replayed\n"));
    assert_non_null(strstr(out, ":508 not replayed\n"));
    assert_non_null(strstr(out, ":509 not replayed\n"));
    assert_null(strstr(out, "sqlstate"));
    sql_exec("UPDATE housing_dead_letter SET created_at = created_at + interval '2 hours' "
             "WHERE sqlstate IS NOT NULL");
    assert_int_equal(command(r, "dead-letters", bogus, out, err), 64);
    assert_string_equal(err, "housingsup: --since 'yesterday-ish' is neither a timestamp nor "
                        "an interval PostgreSQL reads (e.g. '2026-11-26 14:00' or '1 hour')\n");
    assert_int_equal(command(r, "dead-letters", empty, out, err), 64);
    assert_non_null(strstr(err, "housingsup: --since needs a value\n"));
}

/* ---- replay ---- */

static long count_of(const char *query)
{
    return sql_long(query);
}

static void replay_lands_what_is_fixed(const struct run *r, const struct expected *e,
                                       long medv50)
{
    char out[OUT], err[OUT], expect[256];
    /* loosened, not dropped: the rows of medv 50 are still refused */
    sql_exec("ALTER TABLE housing DROP CONSTRAINT dlq_medv");
    sql_exec("ALTER TABLE housing ADD CONSTRAINT dlq_medv50 CHECK (medv < 50)");
    assert_int_equal(command(r, "replay", NULL, out, err), 1);
    snprintf(expect, sizeof expect, "replay: %ld replayed (landed), %ld failed again, 0 "
             "skipped\n", e->refused - medv50, medv50 + 2);
    assert_memory_equal(out, expect, strlen(expect));
    assert_non_null(strstr(out, ":508: crim is not a double precision: 'abc'\n"));
    assert_non_null(strstr(out, ":509: expected 14 fields, got 2\n"));
    assert_null(strchr(out, '\033'));
    assert_int_equal(count_of("SELECT COUNT(*) FROM housing_dead_letter WHERE reason LIKE "
                              "'%check constraint \"dlq_medv50\"' AND replayed_at IS NULL "
                              "AND sqlstate = '23514'"), medv50);
    assert_landed_once(e, e->rows - medv50);
    /* dropped: the rest land; a second replay finds nothing more to land */
    sql_exec("ALTER TABLE housing DROP CONSTRAINT dlq_medv50");
    const char *refused_only[] = {"--reason", "refused by PostgreSQL%", NULL};
    assert_int_equal(command(r, "replay", refused_only, out, err), 0);
    snprintf(expect, sizeof expect, "replay: %ld replayed (landed), 0 failed again, 0 "
             "skipped\n", medv50);
    assert_string_equal(out, expect);
    assert_int_equal(command(r, "replay", NULL, out, err), 1);
    assert_memory_equal(out, "replay: 0 replayed (landed), 2 failed again, 0 skipped\n",
                        strlen("replay: 0 replayed (landed), 2 failed again, 0 skipped\n"));
    assert_landed_once(e, e->rows);
    assert_int_equal(count_of("SELECT COUNT(*) FROM housing_dead_letter"), e->refused + 2);
    assert_int_equal(count_of("SELECT COUNT(*) FROM housing_dead_letter WHERE replayed_at IS "
                              "NOT NULL"), e->refused);
    assert_int_equal(command(r, "dead-letters", NULL, out, err), 0);
    snprintf(expect, sizeof expect, "%ld dead letters, %ld replayed\n", e->refused + 2,
             e->refused);
    assert_non_null(strstr(out, expect));
}

static void dead_letters_listed_and_replayed(void **state)
{
    (void)state;
    struct run r;
    struct expected e, e50;
    char csv[256];
    reset_tables();
    write_csv(csv, sizeof csv, &e50, 50);
    write_csv(csv, sizeof csv, &e, 30);
    sql_exec("ALTER TABLE housing ADD CONSTRAINT dlq_medv CHECK (medv < 30)");
    ingest(&r, "deadletters", csv, &e);
    listing_shows_each_kind(&r, &e);
    json_is_one_array(&r, &e);
    since_filters(&r, &e);
    replay_lands_what_is_fixed(&r, &e, e50.refused);
    unlink(csv);
}

/* ---- killed midway ---- */

static PGconn *side_connection(void)
{
    PGconn *c = PQconnectdb("");
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    return c;
}

static void side_exec(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(res);
}

/* Polls until the replay's backend waits for a lock (60 s at most). */
static void wait_until_replay_waits(void)
{
    long waiting = sql_wait_for("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name "
                                "= 'housingsup-replay' AND wait_event_type = 'Lock'", 1, 60);
    assert_int_equal(waiting, 1);
}

/* Replay, held by `hold` (statements on a side connection, in a
 * transaction), killed with SIGKILL while it waits; then released. */
static void replay_killed_while_held(const struct run *r, const char *hold)
{
    PGconn *side = side_connection();
    side_exec(side, "BEGIN");
    side_exec(side, hold);
    pid_t pid = spawn(r, "replay", NULL);
    wait_until_replay_waits();
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(wait_exit(pid), 128 + SIGKILL);
    side_exec(side, "ROLLBACK");
    PQfinish(side);
    /* the killed replay's backend ends (its transaction undone) once it
     * has the lock and finds its client gone */
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM pg_stat_activity WHERE "
                                  "application_name = 'housingsup-replay'", 0, 60), 0);
}

static void replay_killed_then_run_again(void **state)
{
    (void)state;
    struct run r;
    struct expected e;
    char csv[256], hold[1024], src[128], line[32], out[OUT], err[OUT];
    reset_tables();
    write_csv(csv, sizeof csv, &e, 30);
    sql_exec("ALTER TABLE housing ADD CONSTRAINT dlq_medv CHECK (medv < 30)");
    ingest(&r, "deadletters-kill", csv, &e);
    sql_exec("ALTER TABLE housing DROP CONSTRAINT dlq_medv");
    /* 1: killed while it waits to take the dead letter in the middle */
    snprintf(hold, sizeof hold, "SELECT id FROM housing_dead_letter WHERE id = (SELECT id FROM "
             "housing_dead_letter WHERE sqlstate IS NOT NULL ORDER BY id OFFSET %ld LIMIT 1) "
             "FOR UPDATE", e.refused / 2); /* OFFSET under FOR UPDATE would lock those before */
    replay_killed_while_held(&r, hold);
    long marked = sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE replayed_at IS NOT "
                           "NULL");
    assert_int_equal(marked, e.refused / 2);
    assert_landed_once(&e, e.rows - e.refused + marked);
    /* 2: killed while its INSERT waits on a row of the same identity,
     * between landing the record and marking its dead letter */
    src_file(src, sizeof src);
    sql_text("SELECT split_part(source, ':', 2) FROM housing_dead_letter WHERE replayed_at IS "
             "NULL AND sqlstate IS NOT NULL ORDER BY id LIMIT 1", line, sizeof line);
    snprintf(hold, sizeof hold, "INSERT INTO housing (crim, zn, indus, chas, nox, rm, age, dis, "
             "rad, tax, ptratio, b, lstat, medv, src_file, src_line) VALUES (0, 0, 0, 0, 0, 0, "
             "0, 0, 0, 0, 0, 0, 0, 0, '%s', %s)", src, line);
    replay_killed_while_held(&r, hold);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE replayed_at IS "
                              "NOT NULL"), marked);
    assert_landed_once(&e, e.rows - e.refused + marked);
    /* again: every record exactly once */
    assert_int_equal(command(&r, "replay", NULL, out, err), 1);
    char expect[128];
    snprintf(expect, sizeof expect, "replay: %ld replayed (landed), 2 failed again, 0 skipped\n",
             e.refused - marked);
    assert_memory_equal(out, expect, strlen(expect));
    assert_landed_once(&e, e.rows);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE replayed_at IS "
                              "NOT NULL"), e.refused);
    unlink(csv);
}

/* ---- other kinds ---- */

#define NOTES_SECTION                                                                          \
    "table {\n name = \"%s\"\n column n { type = \"integer\" }\n"                        \
    " column note { type = \"varchar(%d)\" }\n}\n%s"

static void notes_config(const struct run *r, const char *table, int width, const char *more)
{
    char extra[512];
    snprintf(extra, sizeof extra, NOTES_SECTION, table, width, more);
    run_rewrite_config(r, extra);
}

static void other_kinds_land_fail_or_skip(void **state)
{
    (void)state;
    struct run r;
    char table[64], csv[256], q[512], out[OUT], err[OUT], extra[512];
    snprintf(table, sizeof table, "dlq_notes_%d", (int)getpid());
    snprintf(q, sizeof q, "DROP TABLE IF EXISTS %s, %s_dead_letter", table, table);
    sql_exec(q);
    mkdir("build/it", 0755);
    snprintf(csv, sizeof csv, "build/it/notes-%d.csv", (int)getpid());
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("n,note\n1,plain\n2,caf\xe9\n3,toolong\n", f); /* line 3 is latin1 */
    fclose(f);
    snprintf(extra, sizeof extra, NOTES_SECTION, table, 5, "");
    run_init(&r, "deadletters-notes", csv, extra);
    run_start(&r);
    kafka_produce(r.topic, NULL, "not json", 8);
    const char *foreign = "[{\"n\":\"x\",\"note\":\"a\"}]";
    kafka_produce(r.topic, NULL, foreign, strlen(foreign));
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM %s_dead_letter", table);
    assert_int_equal(sql_wait_for(q, 4, 120), 4);
    run_stop_cleanly(&r);
    /* the causes fixed: the file's encoding named, the column widened */
    snprintf(q, sizeof q, "ALTER TABLE %s ALTER note TYPE varchar(10)", table);
    sql_exec(q);
    notes_config(&r, table, 10, "encoding = \"latin1\"\n");
    assert_int_equal(command(&r, "replay", NULL, out, err), 1);
    assert_memory_equal(out, "replay: 2 replayed (landed), 1 failed again, 1 skipped\n",
                        strlen("replay: 2 replayed (landed), 1 failed again, 1 skipped\n"));
    assert_non_null(strstr(out, ":1: n is not an integer: 'x'\n"));
    assert_non_null(strstr(out, "skipped: #")); /* the message's offset depends on the race */
    assert_non_null(strstr(out, ": a whole Kafka message that is not a batch has no "
                                "record identity, and its bytes would fail the same way: send "
                                "it corrected\n"));
    snprintf(q, sizeof q, "SELECT string_agg(n || '=' || note || '@' || src_line, ' ' ORDER BY n) "
             "FROM %s", table);
    assert_string_equal(sql_text(q, out, sizeof out), "1=plain@2 2=caf\xc3\xa9@3 3=toolong@4");
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM %s_dead_letter WHERE replayed_at IS NOT NULL",
             table);
    assert_int_equal(sql_long(q), 2);
    snprintf(q, sizeof q, "DROP TABLE %s, %s_dead_letter", table, table);
    sql_exec(q);
    unlink(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(dead_letters_listed_and_replayed, teardown),
        cmocka_unit_test_teardown(replay_killed_then_run_again, teardown),
        cmocka_unit_test(other_kinds_land_fail_or_skip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

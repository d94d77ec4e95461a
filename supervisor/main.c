/*
 * main.c - the housingsup command line:
 *
 *   housingsup start  [-c FILE] [--foreground]
 *   housingsup status [-c FILE] [--json | --watch]
 *   housingsup stop   [-c FILE]
 *   housingsup config [-c FILE]
 *   housingsup check  [-c FILE]
 *   housingsup infer  CSV [--table NAME]
 *   housingsup dead-letters [-c FILE] [--since TIME] [--json]
 *   housingsup replay [-c FILE] [--source PATTERN] [--reason PATTERN]
 *
 * status and stop find the running supervisor through the pid file in the
 * configured state_dir; they never talk to it except by signal. status only
 * reads the files the supervisor rewrites twice a second.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/exitcodes.h"
#include "../config/config.h"
#include "../workers/pg_schema.h"
#include "../workers/settings.h"
#include "check.h"
#include "deadletters.h"
#include "infer.h"
#include "pidfile.h"
#include "status.h"
#include "supervisor.h"

static int usage(void)
{
    fprintf(stderr, "usage: housingsup start  [-c FILE] [--foreground]\n"
                    "       housingsup status [-c FILE] [--json | --watch]\n"
                    "       housingsup stop   [-c FILE]\n"
                    "       housingsup config [-c FILE]\n"
                    "       housingsup check  [-c FILE]\n"
                    "       housingsup infer  CSV [--table NAME]\n"
                    "       housingsup dead-letters [-c FILE] [--since TIME] [--json]\n"
                    "       housingsup replay [-c FILE] [--source PATTERN] [--reason PATTERN]\n"
                    "FILE defaults to %s\n", HS_DEFAULT_CONFIG);
    return HS_EXIT_USAGE;
}

static int print_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "housingsup: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL)
        fputs(line, stdout);
    fclose(f);
    return 0;
}

static pid_t find_supervisor(const struct hs_config *cfg)
{
    char pid_path[PATH_MAX + 32];
    hs_pidfile_path(cfg->state_dir, pid_path, sizeof pid_path);
    pid_t pid = hs_pidfile_running(pid_path);
    if (pid == 0)
        fprintf(stderr, "housingsup is not running (no supervisor holds %s)\n", pid_path);
    return pid;
}

enum status_form { STATUS_TABLE, STATUS_JSON, STATUS_WATCH };

static int print_status_once(const struct hs_config *cfg, bool json)
{
    char path[PATH_MAX + 16];
    pid_t pid = find_supervisor(cfg);
    if (pid == 0)
        return HS_EXIT_NOT_RUNNING;
    if (json)
        hs_status_json_path(cfg->state_dir, path, sizeof path);
    else
        hs_status_path(cfg->state_dir, path, sizeof path);
    if (pid < 0 || access(path, R_OK) != 0) {
        if (json)
            printf("{\"state\":\"starting\",\"pid\":null,\"phase\":\"%s\",\"children\":[],"
                   "\"partitions\":[]}\n", hs_phase_name(HS_PHASE_STARTING));
        else
            printf("housingsup is starting\n");
        return HS_EXIT_OK;
    }
    if (print_file(path) != 0)
        return HS_EXIT_FAILURE;
    /* 0 healthy, 1 degraded or stalled (health.h): what a healthcheck asks */
    char health[32];
    if (hs_status_read_health(cfg->state_dir, health, sizeof health) == 0 &&
        strcmp(health, "healthy") != 0)
        return HS_EXIT_FAILURE;
    return HS_EXIT_OK;
}

/* Redraws the table every second until the supervisor is gone. */
static int watch_status(const struct hs_config *cfg)
{
    bool tty = isatty(STDOUT_FILENO);
    for (;;) {
        if (tty)
            fputs("\033[H\033[2J", stdout);
        int rc = print_status_once(cfg, false);
        fflush(stdout);
        if (rc != HS_EXIT_OK)
            return rc;
        if (!tty)
            putchar('\n');
        sleep(1);
    }
}

static int cmd_status(const struct hs_config *cfg, enum status_form form)
{
    if (form == STATUS_WATCH)
        return watch_status(cfg);
    return print_status_once(cfg, form == STATUS_JSON);
}

static int cmd_config(const char *config_path)
{
    char err[1024];
    if (hs_config_print(config_path, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "housingsup: %s\n", err);
        return HS_EXIT_FATAL;
    }
    return HS_EXIT_OK;
}

/* Exits 0 when every check passes, 1 when one fails, 2 for a bad configuration. */
static int cmd_check(const char *config_path)
{
    struct hs_config cfg;
    char err[1024];
    if (hs_settings_load(config_path, &cfg, err, sizeof err) != 0) {
        printf("FAIL config: %s\n", err);
        return HS_EXIT_FATAL;
    }
    printf("ok   config: %s\n", cfg.path);
    for (int i = 0; i < cfg.nwarnings; i++)
        printf("warning: %s\n", cfg.warnings[i]);
    return hs_check_all(&cfg, 5000, stdout) == 0 ? HS_EXIT_OK : HS_EXIT_FAILURE;
}

/* Before `start`: each failed check as a warning; it starts anyway, since
 * its children wait for a server that is down. */
static void warn_before_start(const struct hs_config *cfg)
{
    char *text = NULL, *line, *save = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL)
        return;
    hs_check_all(cfg, 2000, out);
    fclose(out);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, "FAIL ", 5) == 0)
            fprintf(stderr, "housingsup: warning: %s (starting anyway)\n", line + 5);
    free(text);
}

static int cmd_stop(const struct hs_config *cfg)
{
    char status_path[PATH_MAX + 16], pid_path[PATH_MAX + 32];
    pid_t pid = find_supervisor(cfg);
    if (pid == 0)
        return HS_EXIT_NOT_RUNNING;
    if (pid < 0 || kill(pid, SIGTERM) != 0) {
        fprintf(stderr, "housingsup: cannot signal the supervisor (pid %d): %s\n", (int)pid,
                pid < 0 ? "it is still starting" : strerror(errno));
        return HS_EXIT_FAILURE;
    }
    hs_pidfile_path(cfg->state_dir, pid_path, sizeof pid_path);
    int waited_ms = 0, limit_ms = (cfg->stop_timeout + 15) * 1000;
    while (hs_pidfile_running(pid_path) != 0 && waited_ms < limit_ms) {
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
        waited_ms += 100;
    }
    if (waited_ms >= limit_ms) {
        fprintf(stderr, "housingsup: the supervisor (pid %d) did not stop within %d s\n", (int)pid,
                limit_ms / 1000);
        return HS_EXIT_FAILURE;
    }
    hs_status_path(cfg->state_dir, status_path, sizeof status_path);
    print_file(status_path);
    char state[128];
    if (hs_status_read_state(cfg->state_dir, state, sizeof state) != 0)
        return HS_EXIT_FAILURE;
    return strcmp(state, HS_STATE_STOPPED_CLEANLY) == 0 ? HS_EXIT_OK : HS_EXIT_FAILURE;
}

/* A table that cannot take the rows stops the start; anything else that
 * fails a check is a warning, since the children wait for a server that
 * is down. */
static int cmd_start(const char *config_path, bool foreground)
{
    static struct hs_config cfg;
    static char err[HS_PG_SCHEMA_ERR_MAX];
    if (hs_settings_load(config_path, &cfg, err, sizeof err) != 0)
        return hs_supervisor_start(config_path, foreground); /* which says what is wrong */
    if (hs_check_table(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "housingsup: %s\n", err);
        return HS_EXIT_FATAL;
    }
    for (int i = 0; i < cfg.nwarnings; i++) /* the daemon logs them too; in the foreground, that is here */
        if (!foreground)
            fprintf(stderr, "housingsup: warning: %s\n", cfg.warnings[i]);
    warn_before_start(&cfg);
    return hs_supervisor_start(config_path, foreground);
}

/* housingsup infer CSV [--table NAME]: 0, or 2 when the file cannot be read. */
static int cmd_infer(int argc, char **argv)
{
    char err[1024];
    const char *table = NULL;
    if (argc == 5 && strcmp(argv[3], "--table") == 0)
        table = argv[4];
    else if (argc != 3)
        return usage();
    if (hs_infer(argv[2], table, stdout, err, sizeof err) == 0)
        return HS_EXIT_OK;
    fprintf(stderr, "housingsup: %s\n", err);
    return HS_EXIT_FATAL;
}

/* housingsup dead-letters | replay: exit codes in deadletters.h. */
static int cmd_dead_letters(enum hs_dl_command command, int argc, char **argv)
{
    struct hs_dl_args args;
    char err[256];
    if (hs_dl_parse_args(command, argc, argv, &args, err, sizeof err) != 0) {
        fprintf(stderr, "housingsup: %s\n", err);
        return usage();
    }
    return command == HS_DL_LIST ? hs_dl_list(&args, stdout, stderr)
                                 : hs_dl_replay(&args, stdout, stderr);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "infer") == 0)
        return cmd_infer(argc, argv);
    if (strcmp(argv[1], "dead-letters") == 0)
        return cmd_dead_letters(HS_DL_LIST, argc, argv);
    if (strcmp(argv[1], "replay") == 0)
        return cmd_dead_letters(HS_DL_REPLAY, argc, argv);
    const char *command = argv[1], *config_path = HS_DEFAULT_CONFIG;
    bool foreground = false;
    enum status_form form = STATUS_TABLE;
    bool is_start = strcmp(command, "start") == 0, is_status = strcmp(command, "status") == 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            config_path = argv[++i];
        else if (strcmp(argv[i], "--foreground") == 0 && is_start)
            foreground = true;
        else if (strcmp(argv[i], "--json") == 0 && is_status && form == STATUS_TABLE)
            form = STATUS_JSON;
        else if (strcmp(argv[i], "--watch") == 0 && is_status && form == STATUS_TABLE)
            form = STATUS_WATCH;
        else
            return usage();
    }
    if (is_start)
        return cmd_start(config_path, foreground);
    if (strcmp(command, "check") == 0)
        return cmd_check(config_path);
    if (strcmp(command, "config") == 0)
        return cmd_config(config_path);
    if (!is_status && strcmp(command, "stop") != 0)
        return usage();
    struct hs_config cfg;
    char err[1024];
    if (hs_config_load(config_path, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "housingsup: %s\n", err);
        return HS_EXIT_FATAL;
    }
    return is_status ? cmd_status(&cfg, form) : cmd_stop(&cfg);
}

/*
 * log.h - one-line log records: "TIME housingsup[PID] ROLE LEVEL: message".
 *
 * Every process logs through here with its role name so a reader of the
 * combined log can tell who said what. Records go to stderr, which the
 * supervisor points at the log file when it runs in the background.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

enum hs_log_level { HS_LOG_ERROR = 0, HS_LOG_WARN, HS_LOG_INFO, HS_LOG_DEBUG };

void hs_log_set_role(const char *role);
void hs_log_set_level(enum hs_log_level level);
enum hs_log_level hs_log_get_level(void);
/* Returns the level named by `name` ("error", "warn", "info", "debug") or -1. */
int hs_log_level_from_name(const char *name);
const char *hs_log_level_name(enum hs_log_level level);

void hs_log(enum hs_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define hs_error(...) hs_log(HS_LOG_ERROR, __VA_ARGS__)
#define hs_warn(...)  hs_log(HS_LOG_WARN, __VA_ARGS__)
#define hs_info(...)  hs_log(HS_LOG_INFO, __VA_ARGS__)
#define hs_debug(...) hs_log(HS_LOG_DEBUG, __VA_ARGS__)

#endif

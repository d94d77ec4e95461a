/*
 * log.h - one-line log records: "TIME housingsup[PID] ROLE LEVEL: message".
 *
 * Every process logs through here with its role name so a reader of the
 * combined log can tell who said what. Records go to stderr, which the
 * supervisor points at the log file when it runs in the background.
 *
 * Repeats are written once per interval (HS_LOG_REPEAT_MS, 10 s), with a
 * count. A message is a repeat of the previous one of the process when it
 * has the same level and the same text, every number taken as equal to any
 * other: a retry loop's "retrying in 400 ms", then "800 ms", or librdkafka's
 * "(after 12ms in state CONNECT)", are repeats. A number is a run of digits
 * that does not continue a name: digits after a letter, '-', '_' or '/'
 * ("writer-1", "topic/3", "ipv4") are compared as text, so messages about
 * different writers or partitions are not repeats of each other. A repeat
 * within the interval from the last written record is not written, only
 * counted. The count is written with the next record:
 *
 *  - the same message after the interval is written with the count appended,
 *    and starts a new interval (a retry loop writes one line per interval):
 *      MESSAGE (repeated N times in the last S s)
 *  - before a different message, one record at the repeated message's level:
 *      last message repeated N times in S s
 *
 * N counts the records not written; S runs from the last written record to
 * now, or to the last repeat; ", with other numbers" follows S when a
 * repeat's numbers differed from the written record's. Only the message just
 * before counts (two texts alternating are all written). A count still open
 * when the process exits normally (exit(3)) is written then; a process
 * killed by a signal loses it. Thread-safe (librdkafka logs from its own
 * threads); a forked child starts with no previous message.
 *
 * In common/, the bottom layer (libc only): every layer above may log.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

enum hs_log_level { HS_LOG_ERROR = 0, HS_LOG_WARN, HS_LOG_INFO, HS_LOG_DEBUG };

#define HS_LOG_REPEAT_MS 10000

void hs_log_set_role(const char *role);
void hs_log_set_level(enum hs_log_level level);
enum hs_log_level hs_log_get_level(void);
/* Returns the level named by `name` ("error", "warn", "info", "debug") or -1. */
int hs_log_level_from_name(const char *name);
const char *hs_log_level_name(enum hs_log_level level);
/* The repeat interval in ms (HS_LOG_REPEAT_MS unless set); 0 writes every record. */
void hs_log_set_repeat_interval(int ms);
/* Writes the count of repeats not yet written, if any (also done at exit). */
void hs_log_flush(void);

void hs_log(enum hs_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define hs_error(...) hs_log(HS_LOG_ERROR, __VA_ARGS__)
#define hs_warn(...)  hs_log(HS_LOG_WARN, __VA_ARGS__)
#define hs_info(...)  hs_log(HS_LOG_INFO, __VA_ARGS__)
#define hs_debug(...) hs_log(HS_LOG_DEBUG, __VA_ARGS__)

#endif

/*
 * metrics.c - see metrics.h. The listening socket is ours (bound here, so a
 * busy port is reported with the system's reason, and only to the configured
 * address); libmicrohttpd is handed it and does the HTTP, in epoll mode.
 */
#include "metrics.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "../workers/worker.h"
#include "page.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* What the endpoint serves: the status page, its data, the metrics. */
enum route { ROUTE_PAGE, ROUTE_STATUS, ROUTE_METRICS, ROUTES };

/* A connection libmicrohttpd has open: its socket, and when it came. */
struct conn {
    int fd; /* -1: a free entry */
    int64_t opened_ms;
    bool overdue; /* shut down already; libmicrohttpd closes it next */
};

struct hs_metrics {
    struct MHD_Daemon *daemon;
    int listen_fd, epoll_fd;
    const struct hs_status *snapshot;
    const struct hs_history *history;
    struct MHD_Response *answers[ROUTES]; /* kept answers; NULL until asked for */
    struct conn conns[HS_METRICS_MAX_CONNECTIONS];
    char said[200]; /* libmicrohttpd's last message: why a start failed */
};

static int listen_socket(const char *address, int port, char *err, size_t errlen)
{
    char service[16];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res = NULL;
    snprintf(service, sizeof service, "%d", port);
    int gai = getaddrinfo(address, service, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "metrics_address %s: %s", address, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
        listen(fd, HS_METRICS_MAX_CONNECTIONS) != 0) {
        snprintf(err, errlen, "cannot listen for metrics on %s:%d: %s", address, port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* ---- rendering ---- */

static void family(struct hs_buf *b, const char *name, const char *type, const char *help)
{
    hs_buf_printf(b, "# HELP housingsup_%s %s\n# TYPE housingsup_%s %s\n", name, help, name, type);
}

typedef double (*row_value)(const struct hs_status_row *r);
static double v_in(const struct hs_status_row *r) { return (double)r->records_in; }
static double v_out(const struct hs_status_row *r) { return (double)r->records_out; }
static double v_dead(const struct hs_status_row *r) { return (double)r->dead_letters; }
static double v_restarts(const struct hs_status_row *r) { return r->restarts; }
static double v_up(const struct hs_status_row *r) { return r->pid > 0; }
static double v_rate(const struct hs_status_row *r) { return r->rate; }
static double v_fill(const struct hs_status_row *r) { return (double)r->ring_fill; }
static double v_cap(const struct hs_status_row *r) { return (double)r->ring_cap; }
static double v_idle(const struct hs_status_row *r) { return (double)r->idle_s; }
static double v_kills(const struct hs_status_row *r) { return r->watchdog_kills; }

/* Running (or finished) and not waiting, stalled, restarting or failed. */
static double v_healthy(const struct hs_status_row *r)
{
    return r->reason[0] == '\0' && strcmp(r->state, "failed") != 0;
}

static void per_child(struct hs_buf *b, const struct hs_status *st, const char *name,
                      const char *type, const char *help, row_value value, bool ring_only)
{
    family(b, name, type, help);
    for (int i = 0; i < st->nrows; i++)
        if (!ring_only || st->rows[i].ring_cap >= 0)
            hs_buf_printf(b, "housingsup_%s{role=\"%s\"} %.17g\n", name, st->rows[i].role,
                          value(&st->rows[i]));
}

static void render_errors(struct hs_buf *b, const struct hs_status *st)
{
    static const char *const kinds[HS_ERR_KINDS] = {"postgres", "kafka", "input"};
    family(b, "errors_total", "counter", "Errors a child met, by kind (each retry counts).");
    for (int i = 0; i < st->nrows; i++)
        for (int k = 0; k < HS_ERR_KINDS; k++)
            hs_buf_printf(b, "housingsup_errors_total{role=\"%s\",kind=\"%s\"} %llu\n",
                          st->rows[i].role, kinds[k], (unsigned long long)st->rows[i].errors[k]);
}

static void render_health(struct hs_buf *b, const struct hs_status *st)
{
    static const char *const words[] = {"healthy", "degraded", "stalled"};
    family(b, "health", "gauge", "1 for the pipeline's current health (healthy, degraded or "
           "stalled), 0 for the others.");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        hs_buf_printf(b, "housingsup_health{state=\"%s\"} %d\n", words[i],
                      st->health != NULL && strcmp(st->health, words[i]) == 0);
}

static void render_phase(struct hs_buf *b, const struct hs_status *st)
{
    family(b, "phase", "gauge", "1 for the supervisor's current phase (starting, running, "
           "draining, draining-writers, stopped), 0 for the others.");
    for (enum hs_phase p = 0; p < HS_PHASES; p++)
        hs_buf_printf(b, "housingsup_phase{phase=\"%s\"} %d\n", hs_phase_name(p), st->phase == p);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static void label_value(struct hs_buf *b, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '\\' || *s == '"')
            hs_buf_append(b, "\\", 1);
        hs_buf_append(b, *s == '\n' ? "\\n" : s, *s == '\n' ? 2 : 1);
    }
}

static void render_info(struct hs_buf *b, const struct hs_status *st)
{
    family(b, "info", "gauge", "1, labelled with the table written to and the topic read.");
    hs_buf_puts(b, "housingsup_info{table=\"");
    label_value(b, st->table);
    hs_buf_puts(b, "\",topic=\"");
    label_value(b, st->topic);
    hs_buf_puts(b, "\"} 1\n");
}

void hs_metrics_render(const struct hs_status *st, struct hs_buf *b)
{
    family(b, "up", "gauge", "1 while the supervisor is running.");
    hs_buf_printf(b, "housingsup_up 1\n");
    render_info(b, st);
    family(b, "uptime_seconds", "gauge", "Seconds since the supervisor started.");
    hs_buf_printf(b, "housingsup_uptime_seconds %ld\n", st->uptime_s);
    render_phase(b, st);
    per_child(b, st, "records_in_total", "counter", "Records a child has taken in.", v_in, false);
    per_child(b, st, "records_out_total", "counter",
              "Records a child has passed on (writers: committed to PostgreSQL).", v_out, false);
    per_child(b, st, "dead_letters_total", "counter", "Records a child sent to the dead-letter table.",
              v_dead, false);
    per_child(b, st, "restarts_total", "counter", "Times the supervisor restarted a child.",
              v_restarts, false);
    per_child(b, st, "child_up", "gauge", "1 while a child process runs.", v_up, false);
    per_child(b, st, "rate_records_per_second", "gauge", "Records out per second, last second.",
              v_rate, false);
    per_child(b, st, "ring_fill", "gauge", "Records waiting in a child's input ring.", v_fill, true);
    per_child(b, st, "ring_capacity", "gauge", "Slots in a child's input ring.", v_cap, true);
    per_child(b, st, "child_healthy", "gauge", "1 while a child works or has finished; 0 while "
              "it waits, is stalled, restarting or failed.", v_healthy, false);
    per_child(b, st, "seconds_since_progress", "gauge", "Seconds since a child last passed a "
              "record on.", v_idle, false);
    per_child(b, st, "watchdog_kills_total", "counter", "Times the watchdog killed a silent child.",
              v_kills, false);
    render_errors(b, st);
    render_health(b, st);
    family(b, "consumer_lag", "gauge", "Messages not yet committed in PostgreSQL, by partition.");
    for (int i = 0; i < st->npartitions; i++)
        if (st->partitions[i].lag >= 0)
            hs_buf_printf(b, "housingsup_consumer_lag{topic=\"%s\",partition=\"%d\"} %lld\n",
                          st->topic, st->partitions[i].partition,
                          (long long)st->partitions[i].lag);
}

/* ---- serving ---- */

/* An answer is built once and kept for every request until the next
 * snapshot (hs_metrics_refresh), so a hundred browsers polling cost a
 * hundred sends, not a hundred renderings. */
typedef void (*render_fn)(const struct hs_metrics *m, struct hs_buf *b);

static void render_page(const struct hs_metrics *m, struct hs_buf *b)
{
    (void)m;
    hs_buf_puts(b, hs_page_html);
}

void hs_metrics_render_status_json(const struct hs_status *st, const struct hs_history *h,
                                   struct hs_buf *b)
{
    hs_buf_puts(b, "{");
    hs_status_render_json_members(st, b);
    hs_buf_puts(b, ",\"history\":");
    hs_history_render_json(h, b);
    hs_buf_puts(b, "}\n");
}

static void render_status(const struct hs_metrics *m, struct hs_buf *b)
{
    hs_metrics_render_status_json(m->snapshot, m->history, b);
}

static void render_metrics(const struct hs_metrics *m, struct hs_buf *b)
{
    hs_metrics_render(m->snapshot, b);
}

/* The page's scripts and styles are inline and it fetches from its own
 * origin only; nothing else may load, and no other site may frame it. */
#define PAGE_POLICY "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " \
                    "connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; "  \
                    "frame-ancestors 'none'"

static const struct route_def {
    const char *path, *content_type;
    render_fn render;
    bool fixed;         /* the same for the whole run: never refreshed */
    const char *policy; /* its Content-Security-Policy, or NULL */
} routes[ROUTES] = {
    [ROUTE_PAGE] = {"/", "text/html; charset=utf-8", render_page, true, PAGE_POLICY},
    [ROUTE_STATUS] = {"/status.json", "application/json", render_status, false, NULL},
    [ROUTE_METRICS] = {"/metrics", CONTENT_TYPE, render_metrics, false, NULL},
};

static bool add_headers(struct MHD_Response *r, const char *content_type, const char *policy)
{
    /* Connection: close, as before: a scraper's idle keep-alive would hold a slot. */
    return MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES &&
           MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES &&
           MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
           MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
           (policy == NULL ||
            MHD_add_response_header(r, "Content-Security-Policy", policy) == MHD_YES);
}

/* A response that owns `body` (freed with it); NULL when out of memory. */
static struct MHD_Response *response(struct hs_buf *body, const char *content_type,
                                     const char *policy)
{
    struct MHD_Response *r = NULL;
    if (!hs_buf_failed(body))
        r = MHD_create_response_from_buffer_with_free_callback(body->len, body->data, free);
    if (r == NULL) {
        hs_buf_free(body);
        return NULL;
    }
    if (!add_headers(r, content_type, policy)) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

static struct MHD_Response *not_found(void)
{
    struct hs_buf body = {0};
    hs_buf_puts(&body, "housingsup serves GET /, /status.json and /metrics only\n");
    return response(&body, "text/plain; charset=utf-8", NULL);
}

static struct MHD_Response *answer_of(struct hs_metrics *m, enum route route)
{
    if (m->answers[route] == NULL) {
        struct hs_buf body = {0};
        routes[route].render(m, &body);
        m->answers[route] = response(&body, routes[route].content_type, routes[route].policy);
    }
    return m->answers[route];
}

/* The answer to a request; NULL when out of memory. Ours to destroy when
 * *owned (a 404), else kept in m->answers. */
static struct MHD_Response *reply(struct hs_metrics *m, const char *url, const char *method,
                                  unsigned *code, bool *owned)
{
    *code = MHD_HTTP_OK;
    *owned = false;
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        for (int i = 0; i < ROUTES; i++)
            if (strcmp(url, routes[i].path) == 0)
                return answer_of(m, (enum route)i);
    *code = MHD_HTTP_NOT_FOUND;
    *owned = true;
    return not_found();
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version, (void)upload_data, (void)upload_data_size, (void)req_cls;
    unsigned code;
    bool owned;
    struct MHD_Response *r = reply(cls, url, method, &code, &owned);
    if (r == NULL)
        return MHD_NO; /* out of memory: libmicrohttpd drops the connection */
    enum MHD_Result queued = MHD_queue_response(c, code, r); /* holds r until sent */
    if (owned)
        MHD_destroy_response(r);
    return queued;
}

static void track(struct hs_metrics *m, int fd, bool open)
{
    for (int i = 0; i < HS_METRICS_MAX_CONNECTIONS; i++) {
        struct conn *k = &m->conns[i];
        if (open && k->fd < 0) {
            *k = (struct conn){.fd = fd, .opened_ms = hs_monotonic_ms()};
            return;
        }
        if (!open && k->fd == fd) {
            k->fd = -1;
            return;
        }
    }
    if (open) /* cannot happen: libmicrohttpd keeps to the same limit */
        hs_debug("metrics: connection on fd %d not tracked", fd);
}

/* libmicrohttpd's word on every connection opened or closed. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)socket_context;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != NULL)
        track(cls, info->connect_fd, toe == MHD_CONNECTION_NOTIFY_STARTED);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    struct hs_metrics *m = cls;
    vsnprintf(m->said, sizeof m->said, fmt, ap);
    m->said[strcspn(m->said, "\n")] = '\0';
    hs_debug("metrics: %s", m->said);
}

static struct MHD_Daemon *start_daemon(struct hs_metrics *m, int port)
{
    return MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, on_request, m,
        MHD_OPTION_LISTEN_SOCKET, m->listen_fd,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HS_METRICS_IDLE_S,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)HS_METRICS_MAX_CONNECTIONS,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, m,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, m,
        MHD_OPTION_END);
}

struct hs_metrics *hs_metrics_start(const char *address, int port, const struct hs_status *snapshot,
                                    const struct hs_history *history, char *err, size_t errlen)
{
    struct hs_metrics *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(err, errlen, "out of memory for the metrics endpoint");
        return NULL;
    }
    for (int i = 0; i < HS_METRICS_MAX_CONNECTIONS; i++)
        m->conns[i].fd = -1;
    m->snapshot = snapshot;
    m->history = history;
    if ((m->listen_fd = listen_socket(address, port, err, errlen)) < 0) {
        free(m);
        return NULL;
    }
    const union MHD_DaemonInfo *info = NULL;
    if ((m->daemon = start_daemon(m, port)) == NULL ||
        (info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD)) == NULL) {
        /* The listening socket is left open: a failed start may have closed it already. */
        snprintf(err, errlen, "cannot serve metrics on %s:%d: %s", address, port,
                 m->said[0] != '\0' ? m->said : "libmicrohttpd did not start");
        if (m->daemon != NULL)
            MHD_stop_daemon(m->daemon);
        free(m);
        return NULL;
    }
    m->epoll_fd = info->epoll_fd;
    return m;
}

int hs_metrics_poll_fd(const struct hs_metrics *m)
{
    return m != NULL ? m->epoll_fd : -1;
}

int hs_metrics_timeout(const struct hs_metrics *m, int max_ms)
{
    MHD_UNSIGNED_LONG_LONG ms;
    if (m != NULL && MHD_get_timeout(m->daemon, &ms) == MHD_YES && ms < (MHD_UNSIGNED_LONG_LONG)max_ms)
        return (int)ms;
    return max_ms;
}

/* libmicrohttpd's timeout counts from the last byte; this one from the
 * accept. Shutting the socket down makes it readable (EOF), and
 * libmicrohttpd closes it when it reads. */
static void close_overdue(struct hs_metrics *m)
{
    int64_t now = hs_monotonic_ms();
    for (int i = 0; i < HS_METRICS_MAX_CONNECTIONS; i++) {
        struct conn *k = &m->conns[i];
        if (k->fd >= 0 && !k->overdue && now - k->opened_ms >= HS_METRICS_DEADLINE_MS) {
            hs_debug("metrics: closing a connection open for %lld ms", (long long)(now - k->opened_ms));
            shutdown(k->fd, SHUT_RDWR);
            k->overdue = true;
        }
    }
}

void hs_metrics_run(struct hs_metrics *m)
{
    if (m == NULL)
        return;
    close_overdue(m);
    if (MHD_run(m->daemon) != MHD_YES)
        hs_debug("metrics: MHD_run failed");
}

/* Not MHD_stop_daemon: it shuts the sockets down, and the supervisor still
 * serves on them. */
void hs_metrics_close_in_child(struct hs_metrics *m)
{
    if (m == NULL)
        return;
    close(m->listen_fd);
    close(m->epoll_fd);
    for (int i = 0; i < HS_METRICS_MAX_CONNECTIONS; i++)
        if (m->conns[i].fd >= 0)
            close(m->conns[i].fd);
}

/* A connection still sending an answer holds its own reference to it. */
static void forget_answers(struct hs_metrics *m, bool fixed_too)
{
    for (int i = 0; i < ROUTES; i++)
        if (m->answers[i] != NULL && (fixed_too || !routes[i].fixed)) {
            MHD_destroy_response(m->answers[i]);
            m->answers[i] = NULL;
        }
}

void hs_metrics_refresh(struct hs_metrics *m)
{
    if (m != NULL)
        forget_answers(m, false);
}

void hs_metrics_stop(struct hs_metrics *m)
{
    if (m == NULL)
        return;
    MHD_stop_daemon(m->daemon); /* closes the listening socket too */
    forget_answers(m, true);
    free(m);
}

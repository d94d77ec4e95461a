/*
 * metrics.c - see metrics.h.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"

#define CLIENT_TIMEOUT_MS 250

int hs_metrics_listen(const char *address, int port, char *err, size_t errlen)
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
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
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

static void per_child(struct hs_buf *b, const struct hs_status *st, const char *name,
                      const char *type, const char *help, row_value value, bool ring_only)
{
    family(b, name, type, help);
    for (int i = 0; i < st->nrows; i++)
        if (!ring_only || st->rows[i].ring_cap >= 0)
            hs_buf_printf(b, "housingsup_%s{role=\"%s\"} %.17g\n", name, st->rows[i].role,
                          value(&st->rows[i]));
}

void hs_metrics_render(const struct hs_status *st, struct hs_buf *b)
{
    family(b, "up", "gauge", "1 while the supervisor is running.");
    hs_buf_printf(b, "housingsup_up 1\n");
    family(b, "uptime_seconds", "gauge", "Seconds since the supervisor started.");
    hs_buf_printf(b, "housingsup_uptime_seconds %ld\n", st->uptime_s);
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
    family(b, "consumer_lag", "gauge", "Messages behind the high watermark, by partition.");
    for (int i = 0; i < st->npartitions; i++)
        if (st->partitions[i].lag >= 0)
            hs_buf_printf(b, "housingsup_consumer_lag{topic=\"%s\",partition=\"%d\"} %lld\n",
                          st->topic, st->partitions[i].partition,
                          (long long)st->partitions[i].lag);
}

/* ---- serving ---- */

static void answer(int fd, const struct hs_status *st)
{
    struct timeval tv = {.tv_usec = CLIENT_TIMEOUT_MS * 1000};
    char request[2048];
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        return;
    ssize_t n = recv(fd, request, sizeof request - 1, 0);
    if (n <= 0)
        return;
    request[n] = '\0';
    struct hs_buf body = {0}, reply = {0};
    const char *status = "200 OK";
    if (strncmp(request, "GET /metrics ", 13) == 0 || strncmp(request, "GET /metrics?", 13) == 0) {
        hs_metrics_render(st, &body);
    } else {
        status = "404 Not Found";
        hs_buf_puts(&body, "housingsup serves /metrics only\n");
    }
    hs_buf_printf(&reply, "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, body.len);
    hs_buf_append(&reply, body.data, body.len);
    if (!hs_buf_failed(&reply) && send(fd, reply.data, reply.len, MSG_NOSIGNAL) < 0)
        hs_debug("metrics: sending the reply failed: %s", strerror(errno));
    hs_buf_free(&body);
    hs_buf_free(&reply);
}

void hs_metrics_serve(int listen_fd, const struct hs_status *st)
{
    int fd;
    while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        answer(fd, st);
        close(fd);
    }
}

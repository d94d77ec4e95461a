/*
 * check.h - `housingsup check`: is everything housingsup needs ready?
 * (the CSV input and its header, the brokers and the topic, PostgreSQL: the
 * connection, the tables, their columns, the identity index, privileges).
 */
#ifndef HS_CHECK_H
#define HS_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "../config/config.h"

/* Runs every check, printing one line each ("ok   ..." or "FAIL ...") on
 * out; returns how many failed. kafka_timeout_ms bounds the broker's answer. */
int hs_check_all(const struct hs_config *cfg, int kafka_timeout_ms, FILE *out);

/* Whether the configured table can take the rows, asked before `start`:
 * -1 with one line in `err` when it exists but cannot (or is missing and
 * table.create is false); 0 when it can, is missing and will be created,
 * or PostgreSQL cannot be asked now (the writers wait for it). */
int hs_check_table(const struct hs_config *cfg, char *err, size_t errlen);

#endif

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

#endif

/*
 * settings.h - the configuration as the workers judge it: config/ reads the
 * file (syntax, types, ranges); here the values are checked for what they
 * mean to the roles that use them, before anything starts.
 */
#ifndef HS_SETTINGS_H
#define HS_SETTINGS_H

#include <stddef.h>

#include "../config/config.h"

/* hs_config_load, then every check below. Returns 0, or -1 with a one-line
 * reason naming the file and the key in `err`. Every command that acts on a
 * configuration (start, reload, check) loads it through here. */
int hs_settings_load(const char *path, struct hs_config *cfg, char *err, size_t errlen);

/* Whether the input format names an encoding iconv knows, a one-byte
 * delimiter and a header mode: tried now, so a bad name stops the start (or
 * the reload) instead of every file. */
int hs_settings_check_format(const struct hs_config *cfg, char *err, size_t errlen);

/* Whether one record of the table, encoded at its largest (every byte of
 * its text, or of a dead letter's raw input, escaped), fits in one message
 * of max_message_bytes: a batch is sent as several messages when it does
 * not fit in one, but a record cannot be split. Returns 0, or -1 with a
 * reason naming the file, the table and both keys in `err`. */
int hs_settings_check_message(const struct hs_config *cfg, int max_message_bytes, char *err,
                              size_t errlen);

#endif

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

/* Whether a batch of batch_size records always fits in one message of
 * max_message_bytes, encoded at its largest (every record a dead letter
 * whose every byte needs escaping). Returns 0, or -1 with a reason naming
 * `file` and both keys in `err`. A reload checks the new batch_size against
 * the running max_message_bytes, which changes only at the next start. */
int hs_settings_check_batch(const char *file, int batch_size, int max_message_bytes, char *err,
                            size_t errlen);

#endif

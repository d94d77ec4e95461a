/*
 * settings.c - the configuration's values checked by the layer that knows
 * what they mean (see settings.h).
 */
#include "settings.h"

#include <stdio.h>

#include "csv_source.h"
#include "json.h"

int hs_settings_check_format(const struct hs_config *cfg, char *err, size_t errlen)
{
    char why[256];
    struct hs_csv_format format;
    if (hs_csv_format_from(cfg->encoding, cfg->delimiter, cfg->decimal_comma, cfg->header,
                           &format, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", cfg->path, why);
    return -1;
}

int hs_settings_check_batch(const char *file, int batch_size, int max_message_bytes, char *err,
                            size_t errlen)
{
    size_t need = HS_JSON_BATCH_MAX(batch_size);
    if (need <= (size_t)max_message_bytes)
        return 0;
    snprintf(err, errlen, "%s: batch_size = %d needs messages of up to %zu bytes, above "
             "kafka.max_message_bytes = %d; lower batch_size or raise max_message_bytes",
             file, batch_size, need, max_message_bytes);
    return -1;
}

int hs_settings_load(const char *path, struct hs_config *cfg, char *err, size_t errlen)
{
    if (hs_config_load(path, cfg, err, errlen) != 0 ||
        hs_settings_check_format(cfg, err, errlen) != 0)
        return -1;
    return hs_settings_check_batch(cfg->path, cfg->batch_size, cfg->max_message_bytes, err,
                                   errlen);
}

/*
 * settings.c - the configuration's values checked by the layer that knows
 * what they mean (see settings.h).
 */
#include "settings.h"

#include <stdio.h>

#include "csv_source.h"
#include "json.h"
#include "record.h"

int hs_settings_check_format(const struct hs_config *cfg, char *err, size_t errlen)
{
    char why[256];
    struct hs_csv_format format;
    if (hs_csv_format_from(cfg->encoding, cfg->delimiter, cfg->decimal_comma, cfg->header,
                           &cfg->schema, &format, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", cfg->path, why);
    return -1;
}

int hs_settings_check_message(const struct hs_config *cfg, int max_message_bytes, char *err,
                              size_t errlen)
{
    struct hs_layout l;
    hs_layout_of(&cfg->schema, &l);
    size_t need = hs_json_object_max(&l) + 2; /* in its array's brackets */
    if (need <= (size_t)max_message_bytes)
        return 0;
    snprintf(err, errlen, "%s: one record of table %s may encode to %zu bytes, above "
             "kafka.max_message_bytes = %d; lower table.max_row_bytes or raise max_message_bytes",
             cfg->path, cfg->schema.table, need, max_message_bytes);
    return -1;
}

int hs_settings_load(const char *path, struct hs_config *cfg, char *err, size_t errlen)
{
    if (hs_config_load(path, cfg, err, errlen) != 0 ||
        hs_settings_check_format(cfg, err, errlen) != 0)
        return -1;
    return hs_settings_check_message(cfg, cfg->max_message_bytes, err, errlen);
}

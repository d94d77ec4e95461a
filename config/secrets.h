/*
 * secrets.h - passwords kept in files of their own (the `*_file` settings:
 * kafka.sasl_password_file, kafka.ssl_key_password_file,
 * postgres.password_file), and the check that a file holding a password is
 * not readable by other users.
 *
 * In config/, as the files are read once at load (and again at a reload),
 * like the configuration file itself. No function here ever writes a secret
 * into `err` or a warning.
 */
#ifndef HS_SECRETS_H
#define HS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Reads the whole of `file` (the value of setting `key` in configuration
 * `conf`) into out, one trailing newline ("\n" or "\r\n") stripped. Returns
 * 0, or -1 with a line naming conf, key and file in err when the file cannot
 * be read (with the errno text), is empty, holds a NUL byte or does not fit
 * in cap. */
int hs_secret_read(const char *conf, const char *key, const char *file, char *out, size_t cap,
                   char *err, size_t errlen);

/* True when users other than the owner of the file described by st can
 * read it: its mode lets others read, or lets the group read and the group
 * lists (in the group database) a member other than the owner. A group that
 * only the service user belongs to (root:housingsup 0640) is not exposure. */
bool hs_secret_exposed(const struct stat *st);

#endif

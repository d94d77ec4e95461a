/*
 * csv_decode.c - see csv_decode.h. Everything about an encoding that the
 * reader needs (its newline, its byte-order mark) is asked of iconv itself,
 * by converting "\n" and U+FEFF into it, so any name iconv knows works the
 * same way and nothing is hard-wired but the byte-order marks "auto" knows.
 */
#include "csv_decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define UTF8_BOM "\xef\xbb\xbf"

/* Converts UTF-8 `in` into encoding `name`. Returns the bytes written to
 * out, or -1 when iconv does not know the name or cannot encode `in`. */
static ssize_t encode(const char *name, const char *in, size_t n, unsigned char *out, size_t cap)
{
    iconv_t cd = iconv_open(name, "UTF-8");
    if (cd == (iconv_t)-1)
        return -1;
    char *ip = (char *)in, *op = (char *)out;
    size_t il = n, ol = cap;
    size_t rc = iconv(cd, &ip, &il, &op, &ol);
    if (rc != (size_t)-1)
        rc = iconv(cd, NULL, NULL, &op, &ol); /* a stateful encoding's closing bytes */
    iconv_close(cd);
    return rc == (size_t)-1 ? -1 : (ssize_t)(cap - ol);
}

/* Whether iconv can decode `name` into UTF-8. */
static bool decodable(const char *name)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return false;
    iconv_close(cd);
    return true;
}

/* Fills the newline of encoding `name`. A name whose "\n\n" is not two
 * newlines (it writes a byte-order mark, or shifts state) cannot be split
 * into lines without decoding the whole file, and is refused. */
static int newline_of(const char *name, struct hs_csv_encoding *enc, char *err, size_t errlen)
{
    unsigned char one[16], two[16];
    /* "" is the locale's encoding and "//" adds iconv options: neither names one */
    bool known = name[0] != '\0' && strchr(name, '/') == NULL && decodable(name);
    ssize_t a = known ? encode(name, "\n", 1, one, sizeof one) : -1;
    ssize_t b = known ? encode(name, "\n\n", 2, two, sizeof two) : -1;
    if (a < 0) {
        snprintf(err, errlen, "encoding = \"%s\" is not an encoding iconv knows (auto, UTF-8, "
                 "latin1, cp1252, UTF-16LE, UTF-16BE, ...; `iconv -l` lists them)", name);
        return -1;
    }
    if ((a != 1 && a != 2 && a != 4) || b != 2 * a || memcmp(one, two, (size_t)a) != 0) {
        snprintf(err, errlen, "encoding = \"%s\" cannot be split into lines (it writes a "
                 "byte-order mark or shifts state): name the byte order, e.g. UTF-16LE, or use "
                 "auto", name);
        return -1;
    }
    memcpy(enc->nl, one, (size_t)a);
    enc->nl_len = (unsigned)a;
    return 0;
}

int hs_csv_encoding_check(const char *setting, char *err, size_t errlen)
{
    struct hs_csv_encoding enc;
    if (strcasecmp(setting, "auto") == 0)
        return 0;
    return newline_of(setting, &enc, err, errlen);
}

static void set_encoding(struct hs_csv_encoding *enc, const char *name, unsigned bom_len)
{
    memset(enc, 0, sizeof *enc);
    snprintf(enc->name, sizeof enc->name, "%s", name);
    enc->utf8 = strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0;
    enc->bom_len = bom_len;
    bool be = strcasecmp(name, "UTF-16BE") == 0;
    enc->nl_len = strncasecmp(name, "UTF-16", 6) == 0 ? 2 : 1;
    enc->nl[be ? 1 : 0] = '\n';
}

static bool starts_with(const unsigned char *head, size_t n, const char *bytes, size_t len)
{
    return n >= len && memcmp(head, bytes, len) == 0;
}

/* A file without a byte-order mark that holds NUL bytes: UTF-16 when every
 * other byte is NUL (ASCII text), else not text at all. */
static int explain_nul(const unsigned char *head, size_t n, char *err, size_t errlen)
{
    size_t zero[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        zero[i & 1] += head[i] == 0;
    size_t half = n / 2;
    if (half > 0 && (zero[0] >= half * 9 / 10 || zero[1] >= half * 9 / 10)) {
        const char *name = zero[1] > zero[0] ? "UTF-16LE" : "UTF-16BE";
        snprintf(err, errlen, "looks like %s without a byte-order mark (every other byte is "
                 "NUL): set encoding = \"%s\"", name, name);
        return -1;
    }
    const unsigned char *nul = memchr(head, 0, n);
    snprintf(err, errlen, "holds a NUL byte at byte offset %zu: a binary file, not CSV text "
             "(if it is text in another encoding, set encoding)", (size_t)(nul - head));
    return -1;
}

/* encoding = auto: the byte-order mark decides, else UTF-8. */
static int detect_auto(const unsigned char *head, size_t n, struct hs_csv_encoding *enc,
                       char *err, size_t errlen)
{
    if (starts_with(head, n, "\xff\xfe\0\0", 4) || starts_with(head, n, "\0\0\xfe\xff", 4)) {
        snprintf(err, errlen, "starts with a UTF-32%s byte-order mark: UTF-32 is not read by "
                 "encoding = auto; convert the file to UTF-8, or set encoding = \"UTF-32%s\"",
                 head[0] ? "LE" : "BE", head[0] ? "LE" : "BE");
        return -1;
    }
    if (starts_with(head, n, "\x1f\x8b", 2)) {
        snprintf(err, errlen, "is gzip-compressed (it starts with 1f 8b): decompress it first");
        return -1;
    }
    if (starts_with(head, n, UTF8_BOM, 3))
        set_encoding(enc, "UTF-8", 3);
    else if (starts_with(head, n, "\xff\xfe", 2))
        set_encoding(enc, "UTF-16LE", 2);
    else if (starts_with(head, n, "\xfe\xff", 2))
        set_encoding(enc, "UTF-16BE", 2);
    else if (memchr(head, 0, n) != NULL)
        return explain_nul(head, n, err, errlen);
    else
        set_encoding(enc, "UTF-8", 0);
    return 0;
}

int hs_csv_encoding_detect(const unsigned char *head, size_t n, const char *setting,
                           struct hs_csv_encoding *enc, char *err, size_t errlen)
{
    if (strcasecmp(setting, "auto") == 0)
        return detect_auto(head, n, enc, err, errlen);
    set_encoding(enc, setting, 0);
    if (newline_of(setting, enc, err, errlen) != 0)
        return -1;
    unsigned char bom[8]; /* U+FEFF as this encoding writes it, if it can */
    ssize_t b = encode(setting, UTF8_BOM, 3, bom, sizeof bom);
    if (b > 0 && starts_with(head, n, (const char *)bom, (size_t)b))
        enc->bom_len = (unsigned)b;
    if (enc->utf8 && memchr(head, 0, n) != NULL)
        return explain_nul(head, n, err, errlen);
    return 0;
}

int hs_csv_decoder_open(struct hs_csv_decoder *d, const struct hs_csv_encoding *enc,
                        char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->enc = *enc;
    if (enc->utf8)
        return 0;
    iconv_t cd = iconv_open("UTF-8", enc->name);
    if (cd == (iconv_t)-1) {
        snprintf(err, errlen, "encoding = \"%s\" is not an encoding iconv knows", enc->name);
        return -1;
    }
    d->cd = cd;
    return 0;
}

/* How many leading bytes are ASCII without NUL, 8 at a time: a CSV line of
 * numbers is all ASCII, so this is usually the whole check. */
static size_t ascii_prefix(const char *line, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, line + i, 8);
        if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0) /* a high bit, or a zero byte */
            break;
    }
    return i;
}

/* UTF-8 input is only checked: the common case stays a single pass. */
static const char *check_utf8(const char *line, size_t len, uint64_t offset, size_t *outlen,
                              char *err, size_t errlen)
{
    size_t ok = ascii_prefix(line, len);
    size_t bad = ok + hs_utf8_invalid_at(line + ok, len - ok);
    if (bad == len) {
        *outlen = len;
        return line;
    }
    unsigned long long at = (unsigned long long)(offset + bad);
    if (line[bad] == '\0')
        snprintf(err, errlen, "NUL byte at byte offset %llu: not UTF-8 text (a binary file, or "
                 "UTF-16/UTF-32 without a byte-order mark? set encoding)", at);
    else
        snprintf(err, errlen, "not valid UTF-8 at byte offset %llu (if the file is in another "
                 "encoding, set encoding, e.g. \"cp1252\")", at);
    return NULL;
}

static bool grow(struct hs_csv_decoder *d, size_t need)
{
    if (need <= d->cap)
        return true;
    char *p = realloc(d->out, need);
    if (p == NULL)
        return false;
    d->out = p;
    d->cap = need;
    return true;
}

/* Why iconv stopped at `at` (errno set by iconv). */
static void explain_iconv(const struct hs_csv_decoder *d, uint64_t at, char *err, size_t errlen)
{
    if (errno == EINVAL)
        snprintf(err, errlen, "the line ends inside a %s character at byte offset %llu "
                 "(a truncated or corrupt file?)", d->enc.name, (unsigned long long)at);
    else
        snprintf(err, errlen, "not valid %s at byte offset %llu", d->enc.name,
                 (unsigned long long)at);
}

const char *hs_csv_decode(struct hs_csv_decoder *d, const char *line, size_t len,
                          uint64_t offset, size_t *outlen, char *err, size_t errlen)
{
    if (d->cd == NULL)
        return check_utf8(line, len, offset, outlen, err, errlen);
    /* 4 bytes of UTF-8 per input byte is more than any encoding needs */
    if (!grow(d, len * 4 + 16)) {
        snprintf(err, errlen, "out of memory decoding a line of %zu bytes", len);
        return NULL;
    }
    iconv(d->cd, NULL, NULL, NULL, NULL); /* each line starts in the initial state */
    char *ip = (char *)line, *op = d->out;
    size_t il = len, ol = d->cap - 1;
    if (iconv(d->cd, &ip, &il, &op, &ol) == (size_t)-1) {
        explain_iconv(d, offset + (uint64_t)(ip - line), err, errlen);
        return NULL;
    }
    *outlen = (size_t)(op - d->out);
    *op = '\0';
    const char *nul = memchr(d->out, 0, *outlen);
    if (nul != NULL) {
        snprintf(err, errlen, "the line at byte offset %llu holds a NUL character: not %s text "
                 "(set encoding)", (unsigned long long)offset, d->enc.name);
        return NULL;
    }
    return d->out;
}

void hs_csv_decoder_close(struct hs_csv_decoder *d)
{
    if (d->cd != NULL)
        iconv_close((iconv_t)d->cd);
    free(d->out);
    memset(d, 0, sizeof *d);
}

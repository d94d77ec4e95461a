/*
 * page.h - the status page served at / by the metrics endpoint: one HTML
 * document with its CSS and JavaScript inline and no other asset, which
 * fetches status.json from where it was loaded every second and draws it.
 * Its source is supervisor/page.html, built into the binary (page.c).
 */
#ifndef HS_PAGE_H
#define HS_PAGE_H

/* The page, NUL-terminated. */
extern const char hs_page_html[];

#endif

/*
 * page.c - see page.h. The assembler's .incbin puts supervisor/page.html
 * into the binary as it is (the path is relative to the directory the
 * compiler runs in, the repository's: the Makefile's). The Makefile names
 * page.html as a dependency of page.o, so an edit to the page rebuilds it.
 */
#include "page.h"

__asm__(".pushsection .rodata\n"
        ".global hs_page_html\n"
        ".type hs_page_html, @object\n"
        "hs_page_html:\n"
        ".incbin \"supervisor/page.html\"\n"
        ".byte 0\n"
        ".size hs_page_html, . - hs_page_html\n"
        ".popsection\n");

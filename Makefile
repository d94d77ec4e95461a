# housingsup - build, test, demo.
#
#   make          build build/release/housingsup
#   make demo     set up everything, run data/housing.csv end to end, print a summary
#   make test     set up everything, run all tests (unit + integration, ASan+UBSan build)
#   make headerscheck  check that every header compiles on its own
#   make ui       pgAdmin on the local PostgreSQL, in the background (make ui-stop ends it)
#   make container  build the container image with Podman (localhost/housingsup:latest)
#   make test-container  its test alone (tests/container/check.sh, against the stack)
#
# Two builds side by side: build/release (-O2) and build/asan (ASan+UBSan), and
# build/fuzz (clang, libFuzzer) for the fuzzers; each has its libhousingsup.a.

PKGS      := rdkafka libpq libconfuse libmicrohttpd zlib
CC        ?= cc
WARN      := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wno-format-truncation  # messages are cut to fixed buffers on purpose
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

release_FLAGS := -O2 -g
asan_FLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRC  := $(wildcard common/*.c shm/*.c config/*.c workers/*.c) $(filter-out supervisor/main.c,$(wildcard supervisor/*.c))
MAIN_SRC := supervisor/main.c
# Every test is found by glob, as tests/run.sh finds them: build/<variant>/tests/unit/test_x
# from tests/unit/test_x.c, and the same for tests/integration/.
TESTS    := $(patsubst tests/%.c,%,$(sort $(wildcard tests/unit/test_*.c tests/integration/test_*.c)))
TEST_SUPPORT := tests/harness.c tests/housing.c
LAYERS   := common config shm workers supervisor

.PHONY: all setup demo test fuzz bench clean release asan install uninstall headerscheck \
        ui ui-stop container test-container
.SECONDARY:
all: build/release/housingsup

# Objects (with -MMD -MP dependency files: a change to a header rebuilds only
# what includes it) and build/<variant>/libhousingsup.a, the whole program but
# main(), which the binary, the tests and the fuzzers link.
define objects
build/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$($(1)_CC) $$($(1)_WARN) $$($(1)_FLAGS) $$(PKG_CFLAGS) -MMD -MP -c $$< -o $$@

build/$(1)/libhousingsup.a: $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef

define variant
build/$(1)/housingsup: $$(patsubst %.c,build/$(1)/%.o,$$(MAIN_SRC)) build/$(1)/libhousingsup.a
	$$(CC) $$($(1)_FLAGS) $$^ $$(PKG_LIBS) -lm -o $$@

build/$(1)/tests/%: build/$(1)/tests/%.o $$(patsubst %.c,build/$(1)/%.o,$$(TEST_SUPPORT)) \
                    build/$(1)/libhousingsup.a
	$$(CC) $$($(1)_FLAGS) $$^ $$(PKG_LIBS) $$(TEST_LIBS) -lm -o $$@

$(1): build/$(1)/housingsup $$(addprefix build/$(1)/tests/,$$(TESTS))
endef

release_CC := $(CC)
asan_CC    := $(CC)
release_WARN := $(WARN)
asan_WARN    := $(WARN)
$(eval $(call objects,release))
$(eval $(call objects,asan))
$(eval $(call variant,release))
$(eval $(call variant,asan))

# libFuzzer targets (clang): the CSV parser, the Kafka message decoder, the
# input formats and the typed value codec, each linking the library built
# with clang and the fuzzer's instrumentation.
fuzz_CC    := clang
fuzz_WARN  := $(WARN) -Wno-unknown-warning-option  # clang has no -Wformat-truncation
fuzz_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined
$(eval $(call objects,fuzz))
build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o build/fuzz/tests/housing.o build/fuzz/libhousingsup.a
	clang $(fuzz_FLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -lm -o $@
fuzzers: build/fuzz/fuzz_csv build/fuzz/fuzz_json build/fuzz/fuzz_formats build/fuzz/fuzz_value

# Every header compiles on its own (tests/headers.sh, one TAP test).
headerscheck:
	@CC="$(CC)" CFLAGS="$(WARN) $(PKG_CFLAGS)" tests/headers.sh $(LAYERS) tests

# The status page is built into the binary by page.c (.incbin).
$(foreach v,release asan fuzz,build/$(v)/supervisor/page.o): supervisor/page.html

-include $(shell find build -name '*.d' 2>/dev/null)

FUZZ_SECONDS ?= 600
fuzz: setup
	@$(MAKE) --no-print-directory -s fuzzers
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

setup:
	@scripts/setup.sh

demo: setup
	@$(MAKE) --no-print-directory -s release
	@scripts/demo.sh

test: setup
	@$(MAKE) --no-print-directory -s release asan fuzzers
	@tests/run.sh

# make bench [BENCH_ARGS="--rows 1000000 --big --repeats 3"]: see bench/README.md
bench: setup
	@$(MAKE) --no-print-directory -s release
	@scripts/stack.sh start >/dev/null
	@. "$${HS_STACK_DIR:-.stack}/env" && python3 bench/bench.py $(BENCH_ARGS); rc=$$?; scripts/stack.sh stop >/dev/null; exit $$rc

# make ui: the stack's servers, then pgAdmin 4 on http://127.0.0.1:5050/ (HS_UI_PORT, or
# HS_PORT_BASE+5) with the local PostgreSQL registered; it runs until make ui-stop.
ui: setup
	@scripts/stack.sh start >/dev/null
	@scripts/ui.sh start

ui-stop:
	@scripts/ui.sh stop

# The Dockerfile built with Podman, on a Debian 12 base image made from Debian's packages
# when no debian:12-slim is at hand (scripts/container/); test-container runs its test alone.
container: setup
	@scripts/container/build.sh

test-container: setup
	@scripts/stack.sh start >/dev/null
	@. "$${HS_STACK_DIR:-.stack}/env" && tests/container/check.sh; rc=$$?; scripts/stack.sh stop >/dev/null; exit $$rc

clean:
	rm -rf build

# make install [PREFIX=/usr/local] [DESTDIR=]: binary, man page, schema, systemd unit, and the
# configuration in /etc/housingsup unless one is there; uninstall keeps the configuration.
PREFIX ?= /usr/local
CONF   := $(DESTDIR)/etc/housingsup/housingsup.conf
install: build/release/housingsup
	install -D -m 0755 build/release/housingsup $(DESTDIR)$(PREFIX)/bin/housingsup
	install -D -m 0644 scripts/packaging/housingsup.8 $(DESTDIR)$(PREFIX)/share/man/man8/housingsup.8
	install -D -m 0644 init.sql $(DESTDIR)$(PREFIX)/share/housingsup/init.sql
	sed 's|@PREFIX@|$(PREFIX)|g' scripts/packaging/housingsup.service >build/housingsup.service
	install -D -m 0644 build/housingsup.service $(DESTDIR)$(PREFIX)/lib/systemd/system/housingsup.service
	@if [ ! -e $(CONF) ]; then install -D -m 0640 config/housingsup.conf $(CONF) || exit 1; \
	 echo "installed $(CONF)"; chgrp housingsup $(CONF) 2>/dev/null || true; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/housingsup $(DESTDIR)$(PREFIX)/share/man/man8/housingsup.8 \
	      $(DESTDIR)$(PREFIX)/share/housingsup/init.sql $(DESTDIR)$(PREFIX)/lib/systemd/system/housingsup.service
	rmdir $(DESTDIR)$(PREFIX)/share/housingsup 2>/dev/null || true

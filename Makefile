# housingsup - build, test, demo.
#
#   make          build build/release/housingsup
#   make demo     set up everything, run data/housing.csv end to end, print a summary
#   make test     set up everything, run all tests (unit + integration, ASan+UBSan build)
#
# Two builds side by side: build/release (-O2) and build/asan (ASan+UBSan).

PKGS      := rdkafka libpq libconfuse libmicrohttpd zlib
CC        ?= cc
WARN      := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wno-format-truncation  # messages are cut to fixed buffers on purpose
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

release_FLAGS := -O2 -g
asan_FLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRC  := $(wildcard shm/*.c config/*.c workers/*.c) $(filter-out supervisor/main.c,$(wildcard supervisor/*.c))
MAIN_SRC := supervisor/main.c
TESTS    := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
TEST_SUPPORT := tests/harness.c
HEADERS  := $(wildcard */*.h)

.PHONY: all setup demo test fuzz bench clean release asan install uninstall
.SECONDARY:
all: build/release/housingsup

define variant
build/$(1)/%.o: %.c $(HEADERS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(WARN) $$($(1)_FLAGS) $$(PKG_CFLAGS) -c $$< -o $$@

build/$(1)/housingsup: $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC) $$(MAIN_SRC))
	$$(CC) $$($(1)_FLAGS) $$^ $$(PKG_LIBS) -lm -o $$@

build/$(1)/tests/%: build/$(1)/tests/%.o $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC) $$(TEST_SUPPORT))
	$$(CC) $$($(1)_FLAGS) $$^ $$(PKG_LIBS) $$(TEST_LIBS) -lm -o $$@

$(1): build/$(1)/housingsup $$(addprefix build/$(1)/tests/,$$(TESTS))
endef
$(eval $(call variant,release))
$(eval $(call variant,asan))

# libFuzzer targets (clang): the CSV parser and the Kafka message decoder.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined
build/fuzz/fuzz_csv: tests/fuzz/fuzz_csv.c workers/csv.c workers/decimal.c workers/record.c $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(filter %.c,$^) -lm -o $@
build/fuzz/fuzz_json: tests/fuzz/fuzz_json.c workers/json.c workers/decimal.c workers/buf.c workers/record.c \
                      workers/utf8.c $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(filter %.c,$^) -lm -o $@
fuzzers: build/fuzz/fuzz_csv build/fuzz/fuzz_json

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

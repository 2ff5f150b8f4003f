# elcui - terminal operations console for Amazon ElastiCache for Redis.
#
#   make            build build/elcui
#   make check      install what is missing, then run every test (README)
#   make demo       local sandbox (moto + TLS Redis) and the console on it
#   make deps       install build and test dependencies (apt-get, pip for moto)
#   make install    PREFIX=/usr/local DESTDIR= (binary, man pages, themes, completions)
#   make completions  bash and zsh completion from the option tables
#   make man-keys   regenerate elcui(1)'s KEYS section from the keymap
#   make bench      benchmarks (tests/bench)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (clang)
#
# Knobs: CC=clang, SANITIZE=address,undefined (own build folder),
# BUILD=dir, V=1 for full command lines.

VERSION := 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/elcui
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR ?=

CC ?= cc
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
else
BUILD ?= build-san
endif

PKG_CONFIG ?= pkg-config
# Per layer, so a layer cannot even see the headers of libraries it must not
# use: aws/ has no curses and no hiredis; core/ has no curses.
AWS_PKGS := libcurl openssl jansson libxml-2.0 inih zlib
CORE_PKGS := $(AWS_PKGS) hiredis
TUI_PKGS := $(CORE_PKGS) ncursesw
TEST_PKGS := $(CORE_PKGS) cmocka

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O2 $(WARN) \
	-I. -MMD -MP -DELCUI_VERSION='"$(VERSION)"' -DELCUI_DATADIR='"$(DATADIR)"'
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all -O1
SAN_LDFLAGS := -fsanitize=$(SANITIZE)
endif
CFLAGS ?=
LDFLAGS ?=

# aws/ is flat; core/ and tui/ have rooms (core/stack/, tui/screen/...).
AWS_SRC := $(sort $(wildcard aws/*.c))
CORE_SRC := $(sort $(wildcard core/*.c core/*/*.c))
TUI_SRC := $(sort $(filter-out tui/main.c,$(wildcard tui/*.c tui/*/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
# the console's pure logic (keymap, list widget, command line): these link
# tui/ with ncursesw, without a terminal
TUI_TEST_SRC := $(sort $(wildcard tests/tui/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

AWS_OBJ := $(AWS_SRC:%.c=$(BUILD)/%.o)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ := $(TUI_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/tui/main.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
TUI_TEST_BIN := $(TUI_TEST_SRC:tests/tui/%.c=$(BUILD)/tests/%)
TUI_TEST_OBJ := $(TUI_TEST_SRC:%.c=$(BUILD)/%.o)

LIBAWS := $(BUILD)/libelcui-aws.a
LIBCORE := $(BUILD)/libelcui-core.a
LIBTUI := $(BUILD)/libelcui-tui.a
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BIN := $(BUILD)/elcui

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all check demo deps install uninstall clean bench fuzz fuzz-bins checksrc unit \
	format man-check man-keys completions
all: $(BIN)

$(BUILD)/aws/%.o: aws/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(call pc_cflags,$(AWS_PKGS)) $(CFLAGS) -c $< -o $@

$(BUILD)/core/%.o: core/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(call pc_cflags,$(CORE_PKGS)) $(CFLAGS) -c $< -o $@

$(BUILD)/tui/%.o: tui/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(call pc_cflags,$(TUI_PKGS)) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes $(call pc_cflags,$(TEST_PKGS)) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/tui/%.o: tests/tui/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes $(call pc_cflags,$(TUI_PKGS) cmocka) $(CFLAGS) -c $< -o $@

$(LIBAWS): $(AWS_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBCORE): $(CORE_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBTUI): $(TUI_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBTUI) $(LIBCORE) $(LIBAWS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBTUI) $(LIBCORE) $(LIBAWS) \
		$(call pc_libs,$(TUI_PKGS)) -lpthread -lm

# Unit tests link aws/ + core/ and no curses: a link failure here means the
# layering was broken.
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBCORE) $(LIBAWS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBCORE) $(LIBAWS) \
		$(call pc_libs,$(TEST_PKGS)) -lpthread -lm

$(TUI_TEST_BIN): $(BUILD)/tests/%: $(BUILD)/tests/tui/%.o $(LIBTUI) $(LIBCORE) $(LIBAWS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBTUI) $(LIBCORE) $(LIBAWS) \
		$(call pc_libs,$(TUI_PKGS) cmocka) -lpthread -lm

unit: $(UNIT_BIN) $(TUI_TEST_BIN)

# libFuzzer targets: build with
#   make CC=clang SANITIZE=fuzzer-no-link,address,undefined BUILD=build-fuzz fuzz-bins
$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes $(call pc_cflags,$(TUI_PKGS)) $(CFLAGS) -c $< -o $@

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(LIBTUI) $(LIBCORE) $(LIBAWS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $< $(LIBTUI) $(LIBCORE) \
		$(LIBAWS) $(call pc_libs,$(TUI_PKGS)) -lpthread -lm

fuzz-bins: $(FUZZ_BIN)
.SECONDARY: $(FUZZ_SRC:%.c=$(BUILD)/%.o)

# keep test objects (they are intermediates of the pattern chain)
.SECONDARY: $(UNIT_OBJ) $(TUI_TEST_OBJ)

-include $(AWS_OBJ:.o=.d) $(CORE_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(TUI_TEST_OBJ:.o=.d) \
	$(FUZZ_SRC:%.c=$(BUILD)/%.d)

# ---- tests, tools ----

deps:
	@tests/tools/deps.sh install

check:
	@tests/tools/deps.sh ensure
	@tests/run-check

demo:
	@tests/tools/deps.sh ensure
	@$(MAKE) --no-print-directory all
	@tests/sandbox/demo

checksrc:
	@tests/tools/checksrc

format:
	@clang-format -i $(AWS_SRC) $(CORE_SRC) $(TUI_SRC) tui/main.c $(wildcard aws/*.h core/*.h core/*/*.h tui/*.h tui/*/*.h tests/unit/*.h) $(UNIT_SRC)

# bash and zsh completion, written by the binary from its own option tables
completions: $(BUILD)/completions/elcui.bash $(BUILD)/completions/_elcui

$(BUILD)/completions/elcui.bash: $(BIN)
	@mkdir -p $(@D)
	$(Q)$(BIN) completion bash >$@

$(BUILD)/completions/_elcui: $(BIN)
	@mkdir -p $(@D)
	$(Q)$(BIN) completion zsh >$@

# elcui(1)'s KEYS section from the keymap table (make check compares)
man-keys: all
	@tests/tools/man-keys $(BIN) --update

man-check:
	@for f in man/*.1 man/*.5; do out=$$(groff -man -ww -z "$$f" 2>&1); \
		if [ -n "$$out" ]; then echo "$$f: $$out"; exit 1; fi; done

bench: all
	@tests/bench/run

FUZZ_SECONDS ?= 60
fuzz:
	@tests/tools/deps.sh ensure
	@tests/fuzz/run $(FUZZ_SECONDS)

install: all completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DATADIR)/themes $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 $(BUILD)/completions/elcui.bash $(DESTDIR)$(BASHCOMPDIR)/elcui
	install -m 0644 $(BUILD)/completions/_elcui $(DESTDIR)$(ZSHCOMPDIR)/_elcui
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/elcui
	install -m 0644 man/elcui.1 $(DESTDIR)$(MANDIR)/man1/elcui.1
	for f in man/*.5; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(MANDIR)/man5/ || true; done
	for f in themes/*.theme; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(DATADIR)/themes/ || true; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/elcui $(DESTDIR)$(MANDIR)/man1/elcui.1 \
		$(DESTDIR)$(MANDIR)/man5/elcui-spec.5 $(DESTDIR)$(MANDIR)/man5/elcui-theme.5 \
		$(DESTDIR)$(BASHCOMPDIR)/elcui $(DESTDIR)$(ZSHCOMPDIR)/_elcui
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-*

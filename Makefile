# Makefile — PGXS build of the schemamig extension.
#
#   make && make install        build and install into the server of PG_CONFIG,
#                               with the schemamig client (cli/) next to psql
#   make installcheck           every test against a running server that has
#                               shared_preload_libraries = 'schemamig':
#                               pg_regress files, pgTAP files (through
#                               pg_regress), isolation specs, Perl TAP tests

MODULE_big = schemamig
OBJS = \
	src/schemamig.o \
	src/checksum.o \
	src/version.o \
	src/script.o \
	src/redact.o \
	src/catalog.o \
	src/registrations_digest.o \
	src/migration_lock.o \
	src/recovery_guard.o \
	src/down_script.o \
	src/executor.o \
	src/api/common.o \
	src/api/register.o \
	src/api/apply.o \
	src/api/rollback.o \
	src/api/status.o \
	src/api/deploy.o \
	src/deploy_run.o \
	src/jobs.o \
	src/job_runner.o \
	src/worker.o \
	src/worker_registry.o \
	src/database_commands.o \
	src/sql_scan.o \
	src/lint/created.o \
	src/lint/registry.o \
	src/lint/relations.o \
	src/lint/semantics.o \
	src/lint/track.o \
	src/lint/text.o \
	src/lint/statement.o \
	src/lint/rules_alter_table.o \
	src/lint/rules_index.o \
	src/lint/rules_drop.o \
	src/lint/rules_dml.o \
	src/lint/rules_create.o \
	src/lint/rules_transaction.o \
	src/lint/events.o \
	src/lint_hook.o \
	src/lint_api.o \
	src/trace.o

EXTENSION = schemamig
# every install and upgrade script (test/t/640 walks the update chain)
DATA = $(wildcard sql/schemamig--*.sql)
PGFILEDESC = "schemamig - schema migrations inside PostgreSQL"

SHLIB_LINK = -lcrypto
PG_CPPFLAGS = -I$(srcdir)/src
# -Werror only in the project's own CI build (tools/test.sh): a user's newer
# compiler may warn about something new, and that must not fail the build.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

REGRESS = $(patsubst sql/%.sql,%,$(sort $(filter-out sql/schemamig--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=.

PGTAP_TESTS = $(patsubst test/pgtap/sql/%.sql,%,$(sort $(wildcard test/pgtap/sql/*.sql)))

ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=results/isolation

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

# No JIT bitcode: it would need clang on every machine that builds.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

EXTRA_CLEAN = results tmp_check

# pgTAP files run through pg_regress: their expected output is the TAP stream.
installcheck: installcheck-pgtap

.PHONY: installcheck-pgtap
installcheck-pgtap:
ifneq ($(PGTAP_TESTS),)
	$(MKDIR_P) results/pgtap
	$(pg_regress_installcheck) --inputdir=test/pgtap --outputdir=results/pgtap \
		--dbname=schemamig_pgtap $(PGTAP_TESTS)
endif

# every module includes the shared header
$(OBJS): src/schemamig.h src/compat.h
# the linter's objects see the rule list and the lint headers
$(filter src/lint/%,$(OBJS)) src/lint_hook.o src/lint_api.o src/trace.o: $(wildcard src/lint/*.h)
src/checksum.o src/registrations_digest.o: src/sha256_text.h
src/redact.o: src/redact_rules.h
src/version.o src/catalog.o $(filter src/api/%,$(OBJS)): src/version_rules.h
$(filter src/api/%,$(OBJS)): src/api/api.h

# The command-line client has a Makefile of its own (a PGXS PROGRAM).
all: cli-all
install: cli-install
clean: cli-clean

.PHONY: cli-all cli-install cli-clean
cli-all:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG)
cli-install:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG) install
cli-clean:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG) clean

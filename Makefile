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
	src/repeatable.o \
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
	src/backfill_directive.o \
	src/backfill.o \
	src/worker_pause.o \
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
	src/lint/inner.o \
	src/lint/rules_alter_table.o \
	src/lint/rules_index.o \
	src/lint/rules_drop.o \
	src/lint/rules_sequence.o \
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

# the project's headers each object includes, directly or through another
# (kept with the #include lines: a header change rebuilds only its users)
src/schemamig.o: src/database_commands.h src/executor.h src/lint/lint.h src/schemamig.h src/script.h src/worker.h
src/checksum.o: src/checksum.h src/compat.h src/sha256_text.h
src/version.o: src/compat.h src/version.h src/version_rules.h
src/script.o: src/backfill.h src/schemamig.h src/script.h src/sql_scan.h
src/redact.o: src/redact.h src/redact_rules.h
src/catalog.o: src/catalog.h src/compat.h src/script.h src/version_rules.h
src/registrations_digest.o: src/checksum.h src/sha256_text.h
src/migration_lock.o: src/migration_lock.h src/schemamig.h src/worker_registry.h
src/recovery_guard.o: src/catalog.h src/recovery_guard.h src/schemamig.h src/script.h
src/down_script.o: src/catalog.h src/down_script.h src/script.h
src/repeatable.o: src/catalog.h src/checksum.h src/migration_lock.h src/repeatable.h src/schemamig.h src/script.h src/version.h
src/executor.o: src/compat.h src/executor.h src/redact.h src/schemamig.h src/script.h
src/api/common.o: src/api/api.h src/catalog.h src/executor.h src/recovery_guard.h src/repeatable.h src/schemamig.h src/script.h
src/api/register.o: src/api/api.h src/backfill.h src/catalog.h src/checksum.h src/down_script.h src/migration_lock.h src/repeatable.h src/script.h src/version.h src/version_rules.h
src/api/apply.o: src/api/api.h src/catalog.h src/down_script.h src/job_state.h src/jobs.h src/migration_lock.h src/repeatable.h src/schemamig.h src/script.h src/version.h src/version_rules.h
src/api/rollback.o: src/api/api.h src/catalog.h src/down_script.h src/migration_lock.h src/schemamig.h src/script.h src/version.h src/version_rules.h
src/api/status.o: src/api/api.h src/catalog.h src/down_script.h src/recovery_guard.h src/repeatable.h src/schemamig.h src/script.h src/version_rules.h
src/api/deploy.o: src/api/api.h src/catalog.h src/deploy_run.h src/job_state.h src/jobs.h src/migration_lock.h src/repeatable.h src/schemamig.h src/script.h src/version.h src/version_rules.h src/worker_registry.h
src/deploy_run.o: src/deploy_run.h
src/jobs.o: src/catalog.h src/job_state.h src/jobs.h src/migration_lock.h src/schemamig.h src/script.h src/version.h src/worker_registry.h
src/job_runner.o: src/backfill.h src/catalog.h src/down_script.h src/executor.h src/job_runner.h src/job_state.h src/jobs.h src/lock_retry.h src/recovery_guard.h src/redact.h src/schemamig.h src/script.h src/worker_pause.h src/worker_registry.h
src/backfill_directive.o: src/backfill.h src/compat.h src/executor.h src/schemamig.h src/script.h src/sql_scan.h
src/backfill.o: src/backfill.h src/catalog.h src/executor.h src/job_state.h src/jobs.h src/lock_retry.h src/redact.h src/schemamig.h src/script.h src/worker_pause.h
src/worker_pause.o: src/worker_pause.h
src/worker.o: src/job_runner.h src/schemamig.h src/worker.h src/worker_registry.h
src/worker_registry.o: src/compat.h src/worker_registry.h
src/database_commands.o: src/database_commands.h src/worker_registry.h
src/sql_scan.o: src/sql_scan.h
src/lint/created.o: src/compat.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/registry.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/relations.o: src/deploy_run.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/semantics.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/track.o: src/compat.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/text.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h src/schemamig.h src/sql_scan.h
src/lint/statement.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/rules_alter_table.o: src/compat.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/rules_index.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h src/script.h
src/lint/rules_drop.o: src/catalog.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h src/script.h
src/lint/rules_sequence.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/rules_dml.o: src/compat.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h src/script.h
src/lint/rules_create.o: src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/rules_transaction.o: src/compat.h src/lint/lint.h src/lint/lint_internal.h src/lint/rulelist.h
src/lint/events.o: src/catalog.h src/executor.h src/lint/events.h src/script.h
src/lint_hook.o: src/compat.h src/executor.h src/lint/events.h src/lint/lint.h src/redact.h src/schemamig.h src/script.h
src/lint_api.o: src/backfill.h src/compat.h src/lint/lint.h src/schemamig.h src/script.h
src/trace.o: src/backfill.h src/script.h

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

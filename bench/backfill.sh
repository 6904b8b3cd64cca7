#!/usr/bin/env bash
# bench/backfill.sh — a batched backfill (-- schemamig:batch, run by the
# worker) against the same UPDATE in one statement, side by side in one
# run, on a table of N rows, with writers updating random rows of the same
# table during each, printing medians, the ratio, and the worst wait of a
# writer's one-row UPDATE under each.
#
#   bench/backfill.sh [N] [RUNS] [SIZE]    default N=1000000, RUNS=3, SIZE=
#                                          (empty: the directive's default)
#
# Each run starts from a fresh table (id bigint PRIMARY KEY, n int, w int)
# of N rows, vacuumed and analyzed, with fsync = on; the two are alternated
# so that noise hits both:
#   single   psql -c 'UPDATE bench SET n = n + 1 WHERE true'
#   batched  apply() of "-- schemamig:batch [size=SIZE]" + the same UPDATE,
#            queued to the worker, then CALL schemamig.wait() (end to end:
#            queueing, every batch and its progress commit, the wait's poll)
# Two writers each loop over one-row UPDATEs of random rows (SET w = w + 1),
# one transaction each, with 5 ms between them, from before the statement
# starts until it is done; each records its worst UPDATE-and-COMMIT time.
# Afterwards every row must have n = 1 (exactly once), or the script fails.
# Needs the extension installed (make install) and runs its own cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# the server's own psql: Debian's /usr/bin/psql is a Perl wrapper that adds ~40 ms per call
PATH="$(pg_config --bindir):$PATH"
n=${1:-1000000}
runs=${2:-3}
size=${3:-}
work=$(mktemp -d /tmp/schemamig-bench.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$work"
export SCHEMAMIG_TEST_PORT=${SCHEMAMIG_BENCH_PORT:-5521}
trap '"$top/tools/cluster.sh" stop "$work/cluster"; rm -rf "$work"' EXIT
eval "$("$top/tools/cluster.sh" start "$work/cluster")"

now_ms() { date +%s%3N; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres "$@"; }

# the throwaway cluster runs without fsync; a backfill commits once a batch, so measure with it
q -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET schemamig.lint = off" -c "SELECT pg_reload_conf()" >/dev/null
q -c 'CREATE EXTENSION schemamig'
q <<'SQL'
CREATE TABLE writer_control (stop boolean NOT NULL);
CREATE TABLE writer_waits (writer int, updates int, worst_ms float8);
CREATE PROCEDURE writer(me int, total int) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	target bigint;
	worst float8 := 0;
	done int := 0;
BEGIN
	LOOP
		target := 1 + floor(random() * total)::bigint;
		t0 := clock_timestamp();
		UPDATE bench SET w = w + 1 WHERE id = target;
		COMMIT;
		worst := greatest(worst, 1000 * extract(epoch FROM clock_timestamp() - t0));
		done := done + 1;
		EXIT WHEN (SELECT stop FROM writer_control);
		PERFORM pg_sleep(0.005);
	END LOOP;
	INSERT INTO writer_waits VALUES (me, done, worst);
END $$;
SQL

fresh_table() {
  q -c 'SET client_min_messages = warning' -c 'DROP TABLE IF EXISTS bench' \
    -c 'CREATE TABLE bench (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, w int NOT NULL DEFAULT 0)' \
    -c "INSERT INTO bench (id) SELECT g FROM generate_series(1, $n) g" \
    -c 'VACUUM ANALYZE bench' -c 'CHECKPOINT' \
    -c 'TRUNCATE writer_control, writer_waits' -c 'INSERT INTO writer_control VALUES (false)'
}

start_writers() {
  writer_pids=()
  for w in 1 2; do
    q -c "CALL writer($w, $n)" &
    writer_pids+=($!)
  done
  # both are running before the statement starts
  until [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CALL writer(%'")" = 2 ]; do sleep 0.05; done
}

stop_writers() {	# prints the worst wait in ms
  q -c 'UPDATE writer_control SET stop = true'
  wait "${writer_pids[@]}"
  q -c 'SELECT round(max(worst_ms)::numeric, 1) FROM writer_waits'
}

check_once() {
  local wrong
  wrong=$(q -c 'SELECT count(*) FROM bench WHERE n <> 1')
  [ "$wrong" = 0 ] || { echo "FAILED: $wrong rows not changed exactly once" >&2; exit 1; }
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

directive="-- schemamig:batch${size:+ size=$size}"
single_times=() batched_times=() inner_times=() single_waits=() batched_waits=()
for ((r = 1; r <= runs; r++)); do
  for what in single batched; do
    # alternate the order between runs
    if ((r % 2 == 0)); then [ "$what" = single ] && what=batched || what=single; fi
    fresh_table
    start_writers
    if [ "$what" = single ]; then
      t0=$(now_ms)
      q -c 'UPDATE bench SET n = n + 1 WHERE true'
      t1=$(now_ms)
      single_times+=($((t1 - t0)))
      single_waits+=("$(stop_writers)")
    else
      t0=$(now_ms)
      q -c "SELECT schemamig.register('b$r', \$m\$$directive
UPDATE bench SET n = n + 1 WHERE true;\$m\$)" >/dev/null
      job=$(q -c 'SET client_min_messages = warning' -c "SELECT schemamig.enqueue('b$r')")
      q -c 'SET client_min_messages = warning' -c "CALL schemamig.wait($job, '1 hour')"
      t1=$(now_ms)
      batched_times+=($((t1 - t0)))
      inner_times+=("$(q -c "SELECT round(1000 * extract(epoch FROM finished_at - started_at)) FROM schemamig.backfills WHERE job = $job")")
      batched_waits+=("$(stop_writers)")
      batches=$(q -c "SELECT batches || ' batches of ' || batch_size FROM schemamig.backfills WHERE job = $job")
    fi
    check_once
  done
done

single=$(printf '%s\n' "${single_times[@]}" | median)
batched=$(printf '%s\n' "${batched_times[@]}" | median)
inner=$(printf '%s\n' "${inner_times[@]}" | median)
printf 'N = %d rows, %d runs (medians), fsync = on, %s; load average %s\n' "$n" "$runs" "$batches" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %8s %8s\n' what ms ratio
printf '%-58s %8d %8.2f\n' 'single UPDATE ... WHERE true' "$single" 1
printf '%-58s %8d %8.2f\n' 'batched, end to end (queue, batches, wait)' "$batched" "$(awk "BEGIN {print $batched / $single}")"
printf '%-58s %8d %8.2f\n' 'batched, first batch to last (schemamig.backfills)' "$inner" "$(awk "BEGIN {print $inner / $single}")"
printf 'worst writer wait (ms), each run: single %s; batched %s\n' "${single_waits[*]}" "${batched_waits[*]}"

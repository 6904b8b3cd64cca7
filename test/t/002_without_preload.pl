# 002_without_preload.pl — schemamig works when it is not in
# shared_preload_libraries (the first call loads it), and the migration
# lock's timeout error names the process that holds the lock.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('no_preload');
$node->init;
$node->start;

is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), '', 'schemamig is not preloaded');
$node->safe_psql('postgres', 'CREATE EXTENSION schemamig');

# settings made before the library is loaded keep their values

my $checksum = $node->safe_psql('postgres',
	q{SELECT schemamig.register('2', 'CREATE TABLE t2 (id int)', 'DROP TABLE t2')});
like($checksum, qr/^[0-9a-f]{64}$/, 'register returns a SHA-256 checksum');
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || result, ',') FROM schemamig.migrate()}),
	'2=applied', 'migrate works');

# a second session waits for the lock, then reports who holds it
my $holder = $node->background_psql('postgres');
$holder->query_safe(q{BEGIN; SELECT * FROM schemamig.rollback();});
my $holder_pid = $holder->query_safe('SELECT pg_backend_pid()');
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET schemamig.lock_wait_timeout = '300ms'; SELECT * FROM schemamig.migrate();});
isnt($ret, 0, 'migrate gives up waiting for the lock');
like($stderr, qr/could not get the schemamig migration lock within 300 ms/, 'the error says why');
like($stderr, qr/DETAIL:  The lock is held by process $holder_pid \(application "[^"]*", transaction started /,
	'the detail names the process holding the lock');
like($stderr, qr/HINT:  .*schemamig\.lock_wait_timeout/, 'the hint says what to do');
$holder->query_safe('COMMIT');
$holder->quit;

is($node->safe_psql('postgres', q{SELECT state FROM schemamig.status() WHERE version = '2'}),
	'pending', 'the holder committed its rollback');

$node->stop;
done_testing();

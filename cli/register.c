/*-------------------------------------------------------------------------
 *
 * register.c
 *		Sending a migration folder to the server: what differs from what
 *		is registered, in one statement of register() calls.
 *
 * Invariants:
 *	- schemamig.registrations() has checksums, not scripts: an unchanged
 *	  folder costs one small query, and nothing is sent;
 *	- register() itself leaves identical text alone, so sending too much
 *	  is slower, never wrong;
 *	- a migration that must run outside a transaction block is always
 *	  sent (registrations() does not say transactional).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "commands.h"

/*
 * Register migrations: one statement, one register() per array element.
 * (Multi-argument unnest is FROM-clause syntax, so it cannot be
 * schema-qualified.)  The caller sends only what differs from what is
 * registered (see changed_migrations); register() itself leaves identical
 * text alone, so sending too much is slower, never wrong.
 */
static const char *register_sql =
"SELECT pg_catalog.count(schemamig.register(f.version, f.up_sql, f.down_sql, f.description))"
" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[],"
"             $3::pg_catalog.text[], $4::pg_catalog.text[])"
"      AS f(version, up_sql, down_sql, description)";

/* the same, when some migration must run outside a transaction block (0.2.0 servers) */
static const char *register_in_transaction_sql =
"SELECT pg_catalog.count(schemamig.register(f.version, f.up_sql, f.down_sql, f.description,"
"                                           f.in_transaction))"
" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[],"
"             $3::pg_catalog.text[], $4::pg_catalog.text[], $5::pg_catalog.bool[])"
"      AS f(version, up_sql, down_sql, description, in_transaction)";

/*
 * the same, when the folder holds repeatable migrations (Flyway's R__):
 * those go to register_repeatable() (0.2.0 servers)
 */
static const char *register_repeatable_sql =
"SELECT pg_catalog.count(CASE WHEN f.repeatable"
"                             THEN schemamig.register_repeatable(f.version, f.up_sql, f.description)"
"                             ELSE schemamig.register(f.version, f.up_sql, f.down_sql, f.description,"
"                                                     f.in_transaction) END)"
" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[],"
"             $3::pg_catalog.text[], $4::pg_catalog.text[], $5::pg_catalog.bool[],"
"             $6::pg_catalog.bool[])"
"      AS f(version, up_sql, down_sql, description, in_transaction, repeatable)";

typedef struct Registration
{
	const char *version;
	int			row;			/* in the registrations() result */
} Registration;

static int
registration_cmp(const void *a, const void *b)
{
	return strcmp(((const Registration *) a)->version, ((const Registration *) b)->version);
}

/*
 * Does row of registrations() differ from the file?  Checksums are
 * compared, as the server compares scripts; a NULL down script or
 * description in the folder keeps the registered one, so it is no
 * difference.
 */
static bool
registration_differs(PGresult *res, int row, const MigrationFile *file)
{
	if (PQgetisnull(res, row, 1) || strcmp(PQgetvalue(res, row, 1), file->checksum) != 0)
		return true;
	if (file->down_sql != NULL &&
		(PQgetisnull(res, row, 2) ||
		 strcmp(PQgetvalue(res, row, 2), file->down_checksum) != 0))
		return true;
	if (file->description != NULL &&
		(PQgetisnull(res, row, 3) || strcmp(PQgetvalue(res, row, 3), file->description) != 0))
		return true;
	return false;
}

/*
 * Which migrations of the folder must be (re-)registered: those whose
 * version is not registered, or whose up script, down script or
 * description differs from the registered one.  res is the answer of
 * schemamig.registrations() (cleared here), which has checksums, not
 * scripts:
 * an unchanged folder costs one small query, and nothing is sent.  Sets
 * changed[i]; returns the count, or -1 with *failed set on a query error.
 */
static int
changed_migrations(const MigrationFolder *folder, PGresult *res, bool *changed, PGresult **failed)
{
	Registration *rows;
	int			nrows;
	int			count = 0;
	int			i;

	*failed = NULL;
	if (res == NULL)
	{
		/* a server without registrations() (or not for us): send everything */
		for (i = 0; i < folder->nfiles; i++)
			changed[i] = true;
		return folder->nfiles;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		*failed = res;
		return -1;
	}

	/* rows by version, for binary search */
	nrows = PQntuples(res);
	rows = pg_malloc(sizeof(Registration) * (nrows + 1));
	for (i = 0; i < nrows; i++)
	{
		rows[i].version = PQgetvalue(res, i, 0);
		rows[i].row = i;
	}
	qsort(rows, nrows, sizeof(Registration), registration_cmp);

	for (i = 0; i < folder->nfiles; i++)
	{
		const MigrationFile *file = &folder->files[i];
		Registration key = {file->version, -1};
		Registration *hit = nrows > 0 ?
			bsearch(&key, rows, nrows, sizeof(Registration), registration_cmp) : NULL;
		int			row = hit ? hit->row : -1;

		/*
		 * registrations() says neither transactional nor repeatable: a NO
		 * TRANSACTION file and a repeatable one are always sent
		 */
		changed[i] = row < 0 || file->up_no_transaction || file->repeatable ||
			registration_differs(res, row, file);
		if (changed[i])
			count++;
	}
	free(rows);
	PQclear(res);
	return count;
}

/*
 * Register the migrations that changed.  Returns how many were sent, or -1
 * with *failed set to the failed query's result.
 */
int
register_folder(PGconn *conn, PGresult *registrations, const MigrationFolder *folder,
				PGresult **failed)
{
	char	  **columns[6];
	PQExpBufferData arrays[6];
	const char *params[6];
	bool	   *changed = pg_malloc(sizeof(bool) * (folder->nfiles + 1));
	int			ncolumns = 4;
	PGresult   *res;
	int			nchanged;
	int			n = 0;
	int			c;
	int			i;

	nchanged = changed_migrations(folder, registrations, changed, failed);
	if (nchanged <= 0)
	{
		free(changed);
		return nchanged;
	}
	for (c = 0; c < 6; c++)
		columns[c] = pg_malloc(sizeof(char *) * (nchanged + 1));
	for (i = 0; i < folder->nfiles; i++)
	{
		if (!changed[i])
			continue;
		columns[0][n] = folder->files[i].version;
		columns[1][n] = folder->files[i].up_sql;
		columns[2][n] = folder->files[i].down_sql;
		columns[3][n] = folder->files[i].description;
		columns[4][n] = folder->files[i].up_no_transaction ? "f" : "t";
		columns[5][n] = folder->files[i].repeatable ? "t" : "f";
		if (folder->files[i].up_no_transaction && ncolumns < 5)
			ncolumns = 5;
		if (folder->files[i].repeatable)
			ncolumns = 6;
		n++;
	}
	for (c = 0; c < ncolumns; c++)
	{
		initPQExpBuffer(&arrays[c]);
		text_array_literal(&arrays[c], columns[c], n);
		params[c] = arrays[c].data;
	}
	res = db_query(conn,
				   ncolumns == 6 ? register_repeatable_sql :
				   ncolumns == 5 ? register_in_transaction_sql : register_sql, ncolumns, params);
	for (c = 0; c < 6; c++)
	{
		if (c < ncolumns)
			termPQExpBuffer(&arrays[c]);
		free(columns[c]);
	}
	free(changed);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		*failed = res;
		return -1;
	}
	PQclear(res);
	return n;
}

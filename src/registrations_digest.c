/*-------------------------------------------------------------------------
 *
 * registrations_digest.c
 *		schemamig.registrations_digest(): everything registrations() says,
 *		summed up in one row.
 *
 * A client about to send a folder of migrations first wants to know
 * whether the folder is exactly what is registered and applied; then there
 * is nothing to send and nothing to run (the no-op re-run of a deploy,
 * the common case).  registrations() answers with a row per migration;
 * this answers with three values: the number of registered migrations, a
 * SHA-256 over all of them, and whether every one is applied as it stands.
 * The client computes the same digest over its folder and compares.
 *
 * The digest is the lower-case hex SHA-256 of, for every registered
 * migration in byte order of version, four fields: the version, the
 * checksum of the stored up script and of the stored down script
 * (recomputed, as registrations() does, so a catalog edited by hand does
 * not look unchanged), and the description; a field is "-" when NULL,
 * else its length in bytes, ":", and its bytes.  doc/functions.md states
 * this as the contract, and sql/core_registrations.sql recomputes it in
 * SQL from registrations().
 *
 * Unlike catalog.c, this reads the two catalogs with plain table scans
 * instead of SPI: it is called at the start of every run of the client, in
 * a backend that has just started, where parsing and planning a join costs
 * more than reading the rows.  It reads under the caller's snapshot, keeps
 * AccessShareLock on both catalogs to the end of the transaction (as a
 * query would), and reveals nothing registrations() does not (checksums,
 * never scripts).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_relation.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "checksum.h"
#include "sha256_text.h"

PG_FUNCTION_INFO_V1(schemamig_registrations_digest);

/* a row of schemamig.migrations, as the digest needs it */
typedef struct Registered
{
	char	   *version;
	char	   *checksum;		/* recomputed from up_sql */
	char	   *down_checksum;	/* recomputed from down_sql, or NULL */
	char	   *description;
	bool		checksum_ok;	/* recomputed checksum = registered one */
	char	   *registered;		/* the registered checksum */
} Registered;

/* a row of schemamig.applied */
typedef struct Applied
{
	char	   *version;
	char	   *checksum;
	bool		dirty;
} Applied;

static Relation
open_catalog(const char *name)
{
	Oid			schema = get_namespace_oid("schemamig", false);
	Oid			relid = get_relname_relid(name, schema);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schemamig catalog \"schemamig.%s\" is missing", name),
				 errhint("Reinstall the extension: DROP EXTENSION schemamig; CREATE EXTENSION schemamig.")));
	return table_open(relid, AccessShareLock);
}

static AttrNumber
column(Relation rel, const char *name)
{
	int			attnum = attnameAttNum(rel, name, false);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schemamig catalog \"%s\" has no column \"%s\"",
						RelationGetRelationName(rel), name)));
	return (AttrNumber) attnum;
}

static char *
text_column(TupleTableSlot *slot, AttrNumber attnum)
{
	bool		isnull;
	Datum		value = slot_getattr(slot, attnum, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

/* hex SHA-256 checksum of a text column, NULL when it is NULL */
static char *
checksum_column(TupleTableSlot *slot, AttrNumber attnum)
{
	bool		isnull;
	Datum		value = slot_getattr(slot, attnum, &isnull);
	text	   *script;
	char	   *checksum;

	if (isnull)
		return NULL;
	script = DatumGetTextPP(value);
	checksum = checksum_sha256_hex(VARDATA_ANY(script), VARSIZE_ANY_EXHDR(script));
	if ((Pointer) script != DatumGetPointer(value))
		pfree(script);
	return checksum;
}

static int
registered_cmp(const void *a, const void *b)
{
	return strcmp(((const Registered *) a)->version, ((const Registered *) b)->version);
}

static int
applied_cmp(const void *a, const void *b)
{
	return strcmp(((const Applied *) a)->version, ((const Applied *) b)->version);
}

/*
 * Scan a catalog under the caller's snapshot.  The named columns are
 * looked up once; read_row gets their numbers, in the same order, with
 * every row, and fills the next element (size bytes) of the array
 * returned, whose length goes to *count.  AccessShareLock is kept to the
 * end of the transaction, as a query would keep it.
 */
typedef void (*RowReader) (TupleTableSlot *slot, const AttrNumber *columns, void *element);

#define MAX_COLUMNS 8

static void *
scan_catalog(const char *name, const char *const *names, int ncolumns,
			 RowReader read_row, Size size, int *count)
{
	Relation	rel = open_catalog(name);
	AttrNumber	columns[MAX_COLUMNS];
	TupleTableSlot *slot;
	TableScanDesc scan;
	char	   *rows = NULL;
	int			n = 0;
	int			cap = 0;
	int			i;

	Assert(ncolumns <= MAX_COLUMNS);
	for (i = 0; i < ncolumns; i++)
		columns[i] = column(rel, names[i]);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (n == cap)
		{
			cap = cap ? cap * 2 : 256;
			rows = rows ? repalloc(rows, size * cap) : palloc(size * cap);
		}
		read_row(slot, columns, rows + size * n++);
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	*count = n;
	return rows;
}

static const char *const registered_columns[] = {"version", "up_sql", "down_sql", "description", "checksum"};

static void
read_registered(TupleTableSlot *slot, const AttrNumber *columns, void *element)
{
	Registered *r = element;

	r->version = text_column(slot, columns[0]);
	r->checksum = checksum_column(slot, columns[1]);
	r->down_checksum = checksum_column(slot, columns[2]);
	r->description = text_column(slot, columns[3]);
	r->registered = text_column(slot, columns[4]);
	/* the columns are NOT NULL; a catalog altered by hand is not trusted */
	if (r->version == NULL || r->checksum == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schemamig.migrations holds a row without version or up script"),
				 errhint("Restore the catalog from a backup, or delete the row.")));
	r->checksum_ok = r->registered != NULL && strcmp(r->checksum, r->registered) == 0;
}

static const char *const applied_columns[] = {"version", "checksum", "dirty"};

static void
read_applied(TupleTableSlot *slot, const AttrNumber *columns, void *element)
{
	Applied    *a = element;
	bool		isnull;

	a->version = text_column(slot, columns[0]);
	a->checksum = text_column(slot, columns[1]);
	a->dirty = DatumGetBool(slot_getattr(slot, columns[2], &isnull)) && !isnull;
	if (a->version == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schemamig.applied holds a row without version"),
				 errhint("Restore the catalog from a backup, or delete the row.")));
}

/* one field of the digest: "-" for NULL, else "length:bytes" */
static void
digest_field(StringInfo buf, const char *value)
{
	char		prefix[DIGEST_FIELD_PREFIX_MAX];
	size_t		prefix_len;
	const char *start = digest_field_prefix(value, prefix, &prefix_len);

	appendBinaryStringInfo(buf, start, prefix_len);
	if (value != NULL)
		appendBinaryStringInfo(buf, value, strlen(value));
}

/*
 * registrations_digest() → (migrations bigint, digest text, applied
 * boolean).  applied is registrations()' applied for every row at once:
 * applied, not dirty, and the applied, registered and recomputed
 * checksums agree (true when nothing is registered).
 */
Datum
schemamig_registrations_digest(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Registered *registered;
	Applied    *applied;
	int			nregistered;
	int			napplied;
	int			i;
	int			j = 0;
	bool		all_applied = true;
	StringInfoData buf;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type of schemamig.registrations_digest() must be a row type");

	registered = scan_catalog("migrations", registered_columns, lengthof(registered_columns),
							  read_registered, sizeof(Registered), &nregistered);
	applied = scan_catalog("applied", applied_columns, lengthof(applied_columns),
						   read_applied, sizeof(Applied), &napplied);
	if (nregistered > 1)
		qsort(registered, nregistered, sizeof(Registered), registered_cmp);
	if (napplied > 1)
		qsort(applied, napplied, sizeof(Applied), applied_cmp);

	initStringInfo(&buf);
	for (i = 0; i < nregistered; i++)
	{
		Registered *r = &registered[i];
		int			cmp = -1;

		/* both sorted: walk applied alongside */
		while (j < napplied && (cmp = strcmp(applied[j].version, r->version)) < 0)
			j++;
		if (j >= napplied || cmp != 0 || applied[j].dirty || !r->checksum_ok ||
			applied[j].checksum == NULL || strcmp(applied[j].checksum, r->registered) != 0)
			all_applied = false;
		digest_field(&buf, r->version);
		digest_field(&buf, r->checksum);
		digest_field(&buf, r->down_checksum);
		digest_field(&buf, r->description);
	}

	values[0] = Int64GetDatum((int64) nregistered);
	values[1] = CStringGetTextDatum(sha256_hex_raw(buf.data, buf.len));
	values[2] = BoolGetDatum(all_applied);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

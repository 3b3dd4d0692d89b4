//! The SQL text of every catalog query, one per catalog (never one per object). Every query
//! runs with an empty `search_path`, so the names PostgreSQL prints are schema-qualified;
//! objects of the system schemas and members of extensions are left out here, in SQL.

/// Schemas that belong to the system (`pg_*` is reserved: users cannot create such schemas).
/// No regular expression: a backend's first one builds locale tables, tens of milliseconds.
const USER_NS: &str = "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'";

fn not_ext_member(catalog: &str, oid_expr: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend xd WHERE xd.classid = '{catalog}'::regclass \
         AND xd.objid = {oid_expr} AND xd.deptype = 'e')"
    )
}

/// An expression yielding an object's ACL as JSON
/// `[[grantee|null(owner)|""(public), privilege, grantable], …]`, or NULL when the object has
/// the default ACL (spelled out client-side from `Catalog::default_acls`: no per-row work).
fn acl_json(acl: &str, owner: &str) -> String {
    format!(
        "CASE WHEN {acl} IS NOT NULL THEN (SELECT coalesce(json_agg(json_build_array(CASE WHEN x.grantee = {owner} THEN NULL \
         WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)), '[]'::json) \
         FROM aclexplode({acl}) x) END"
    )
}

fn collation_name(oid_expr: &str) -> String {
    format!(
        "(SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co \
         JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = {oid_expr})"
    )
}

pub(super) fn q_schemas() -> String {
    format!(
        "SELECT n.oid, n.nspname::text, pg_get_userbyid(n.nspowner)::text, d.description, {acl}
         FROM pg_namespace n
         LEFT JOIN pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
         WHERE {USER_NS} AND {ext}",
        acl = acl_json("n.nspacl", "n.nspowner"),
        ext = not_ext_member("pg_namespace", "n.oid")
    )
}

pub(super) const Q_EXTENSIONS: &str = "SELECT e.oid, e.extname::text, n.nspname::text, e.extversion, d.description
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     LEFT JOIN pg_description d ON d.objoid = e.oid AND d.classoid = 'pg_extension'::regclass AND d.objsubid = 0";

pub(super) fn q_collations() -> String {
    format!(
        "SELECT c.oid, n.nspname::text, c.collname::text, to_jsonb(c), d.description
         FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
         LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_collation'::regclass AND d.objsubid = 0
         WHERE {USER_NS} AND {ext}",
        ext = not_ext_member("pg_collation", "c.oid")
    )
}

pub(super) fn q_types() -> String {
    format!(
        "SELECT t.oid, n.nspname::text, t.typname::text, t.typtype::text, pg_get_userbyid(t.typowner)::text,
                d.description, {acl}, t.typarray, t.typrelid,
                CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                     WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END,
                CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                t.typnotnull, t.typdefault,
                CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN {dcoll} END,
                CASE WHEN t.typtype = 'd' THEN (SELECT json_agg(json_build_array(c.oid, c.conname, pg_get_constraintdef(c.oid), cd.description) ORDER BY c.conname)
                     FROM pg_constraint c LEFT JOIN pg_description cd ON cd.objoid = c.oid AND cd.classoid = 'pg_constraint'::regclass
                     WHERE c.contypid = t.oid AND c.contype = 'c') END,
                CASE WHEN t.typtype = 'c' THEN (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
                     CASE WHEN a.attcollation <> at.typcollation THEN {acoll} END) ORDER BY a.attnum)
                     FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
                     WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
                CASE WHEN t.typtype = 'r' THEN (SELECT json_build_array(format_type(r.rngsubtype, NULL),
                     CASE WHEN NOT opc.opcdefault THEN quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname) END,
                     CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN {rcoll} END,
                     CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END,
                     CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END,
                     format_type(r.rngmultitypid, NULL), r.rngmultitypid, mt.typarray)
                     FROM pg_range r JOIN pg_type st ON st.oid = r.rngsubtype
                     JOIN pg_opclass opc ON opc.oid = r.rngsubopc JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
                     LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid
                     WHERE r.rngtypid = t.oid) END,
                format_type(t.oid, NULL)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
         LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
         WHERE t.typtype IN ('e', 'd', 'c', 'r')
           AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
           AND {USER_NS} AND {ext}",
        acl = acl_json("t.typacl", "t.typowner"),
        dcoll = collation_name("t.typcollation"),
        acoll = collation_name("a.attcollation"),
        rcoll = collation_name("r.rngcollation"),
        ext = not_ext_member("pg_type", "t.oid")
    )
}

pub(super) fn q_relations() -> String {
    format!(
        "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text,
                pg_get_userbyid(c.relowner)::text, coalesce(c.reloptions, '{{}}'::text[]),
                c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text, c.reltuples::float8,
                CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
                d.description, {acl}, c.reltype, coalesce(rt.typarray, 0::oid)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_type rt ON rt.oid = c.reltype
         LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND {USER_NS} AND {ext}",
        acl = acl_json("c.relacl", "c.relowner"),
        ext = not_ext_member("pg_class", "c.oid")
    )
}

pub(super) fn q_attributes() -> String {
    format!(
        "SELECT a.attrelid, a.attnum::int4, a.attname::text, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, a.attidentity::text, a.attgenerated::text, a.attislocal, a.attinhcount::int4,
                CASE WHEN a.attcollation <> t.typcollation THEN {coll} END,
                CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
                coalesce(a.attstattarget::int4, -1), nullif(a.attcompression::text, ''),
                d.description, {acl}, ad.oid, pg_get_expr(ad.adbin, ad.adrelid),
                a.atttypid, a.attcollation, quote_ident(a.attname)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         LEFT JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
           AND {USER_NS}",
        coll = collation_name("a.attcollation"),
        acl = acl_json("a.attacl", "c.relowner")
    )
}

pub(super) const Q_SEQUENCES: &str =
    "SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
            s.seqmax, s.seqmin, s.seqcache, s.seqcycle,
            has_sequence_privilege(s.seqrelid, 'SELECT,USAGE') AND pg_sequence_last_value(s.seqrelid) IS NULL
     FROM pg_sequence s";

/// Indexes (of relations read; extension members are filtered with their relation), without
/// their definition: `pg_get_indexdef` costs tens of microseconds per index
/// (the largest part of reading a catalog). A *plain* index — key columns only, each with the
/// default operator class for its type and its column's collation, no ordering options,
/// expressions, predicate, NULLS NOT DISTINCT, storage parameters or tablespace — is spelled
/// client-side from its method and columns; the others are printed by `pg_get_indexdef` in a
/// second query ([`Q_INDEXDEFS`]).
pub(super) fn q_indexes() -> String {
    format!(
        "SELECT i.indexrelid, n.nspname::text, ic.relname::text, i.indrelid,
                i.indisunique, i.indisclustered, i.indisreplident, d.description,
                co.oid, ic.relispartition,
                ARRAY(SELECT a.attnum::int4 || ':' || a.attstattarget::int4 FROM pg_attribute a
                      WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget::int4, -1) >= 0 ORDER BY a.attnum),
                am.amname::text, ic.relam, i.indkey::int2[], i.indnkeyatts::int4,
                i.indclass::oid[], i.indcollation::oid[],
                i.indexprs IS NULL AND i.indpred IS NULL AND ic.reloptions IS NULL
                    AND ic.reltablespace = 0 AND NOT i.indnullsnotdistinct
                    AND 0 = ALL (i.indoption::int2[]),
                quote_ident(ic.relname), quote_ident(tn.nspname) || '.' || quote_ident(tc.relname)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
         JOIN pg_namespace n ON n.oid = ic.relnamespace
         JOIN pg_am am ON am.oid = ic.relam
         LEFT JOIN pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid
              AND co.contype IN ('p', 'u', 'x')
         LEFT JOIN pg_description d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
         WHERE {USER_NS}"
    )
}

pub(super) const Q_INDEXDEFS: &str =
    "SELECT i.indexrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indexrelid = ANY($1)";

/// Default operator classes, and implicit binary-coercible casts (what `GetDefaultOpClass`
/// looks at to pick a column's default operator class).
pub(super) const Q_OPCLASSES: &str = "SELECT o.opcmethod, o.opcintype, o.oid, t.typcategory::text, t.typispreferred
     FROM pg_opclass o JOIN pg_type t ON t.oid = o.opcintype WHERE o.opcdefault
     UNION ALL SELECT 0::oid, c.castsource, c.casttarget, t.typcategory::text, false
     FROM pg_cast c JOIN pg_type t ON t.oid = c.castsource WHERE c.castmethod = 'b' AND c.castcontext = 'i'";

/// Constraints. A plain primary key or unique constraint (not deferrable; its index a btree
/// (not `WITHOUT OVERLAPS`, 18+, whose index is a GiST) without INCLUDE columns, storage
/// parameters, tablespace or NULLS NOT DISTINCT) is what
/// `pg_get_constraintdef` prints as `PRIMARY KEY (cols)` / `UNIQUE (cols)`: its columns come
/// back instead and it is spelled client-side (half the constraints of a typical schema, at
/// about ten microseconds each); every other constraint is printed by `pg_get_constraintdef`.
pub(super) fn q_constraints() -> String {
    format!(
        "SELECT co.oid, co.conrelid, co.conname::text, co.contype::text,
                CASE WHEN NOT plain.is THEN pg_get_constraintdef(co.oid) END,
                co.convalidated, co.conislocal, co.coninhcount::int4, co.conindid, d.description, di.description,
                CASE WHEN plain.is THEN co.conkey END
         FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_index ci ON co.contype IN ('p', 'u') AND ci.indexrelid = co.conindid
         LEFT JOIN pg_class cic ON cic.oid = ci.indexrelid
         CROSS JOIN LATERAL (SELECT co.contype IN ('p', 'u') AND NOT co.condeferrable
                AND ci.indnatts = ci.indnkeyatts AND NOT ci.indnullsnotdistinct
                AND cic.reloptions IS NULL AND cic.reltablespace = 0
                AND cic.relam = 403 AS is) plain
         LEFT JOIN pg_description d ON d.objoid = co.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
         LEFT JOIN pg_description di ON co.contype IN ('p', 'u', 'x') AND di.objoid = co.conindid
              AND di.classoid = 'pg_class'::regclass AND di.objsubid = 0
         WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND co.conparentid = 0 AND {USER_NS}"
    )
}

pub(super) const Q_INHERITS: &str = "SELECT i.inhrelid, i.inhparent FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p') ORDER BY i.inhrelid, i.inhseqno";

/// An aggregate's `CREATE OR REPLACE AGGREGATE` statement, spelled from `pg_aggregate` as
/// pg_dump does (options at their default are left out; `pg_get_functiondef` refuses
/// aggregates). Support functions print as `regproc` (schema-qualified unless in
/// `pg_catalog`: the search path is empty), types through `format_type`, values quoted.
const AGGREGATE_DEF: &str = "(SELECT format('CREATE OR REPLACE AGGREGATE %I.%I(%s) (%s);', n.nspname, p.proname,
        CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(p.oid) END,
        concat_ws(', ', 'SFUNC = ' || a.aggtransfn::regproc, 'STYPE = ' || format_type(a.aggtranstype, NULL),
            CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
            CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc END,
            CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
            CASE WHEN a.aggfinalmodify <> dm.m THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify
                 WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
            CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc END,
            CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc END,
            CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc END,
            'INITCOND = ' || quote_literal(a.agginitval),
            CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc END,
            CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc END,
            CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END,
            CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
            CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc END,
            CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
            CASE WHEN a.aggmtransfn <> 0 AND a.aggmfinalmodify <> dm.m THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify
                 WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
            'MINITCOND = ' || quote_literal(a.aggminitval),
            CASE WHEN a.aggsortop <> 0 THEN (SELECT 'SORTOP = OPERATOR(' || quote_ident(opn.nspname) || '.' || op.oprname || ')'
                 FROM pg_operator op JOIN pg_namespace opn ON opn.oid = op.oprnamespace WHERE op.oid = a.aggsortop) END,
            CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,
            CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END))
     FROM pg_aggregate a CROSS JOIN LATERAL (SELECT CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END::\"char\" AS m) dm
     WHERE a.aggfnoid = p.oid)";

/// Functions, procedures and aggregates.
pub(super) fn q_functions() -> String {
    format!(
        "SELECT p.oid, n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), p.prokind::text,
                CASE WHEN p.prokind = 'a' THEN {AGGREGATE_DEF} ELSE pg_get_functiondef(p.oid) END,
                CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END,
                coalesce(p.proargnames, '{{}}'::text[]), p.pronargdefaults::int4, pg_get_userbyid(p.proowner)::text,
                d.description, {acl}
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
         WHERE {USER_NS} AND {ext}",
        acl = acl_json("p.proacl", "p.proowner"),
        ext = not_ext_member("pg_proc", "p.oid")
    )
}

pub(super) fn q_triggers() -> String {
    format!(
        "SELECT t.oid, t.tgrelid, t.tgname::text, pg_get_triggerdef(t.oid), t.tgenabled::text, t.tgconstraint, d.description
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
         WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {USER_NS}"
    )
}

pub(super) fn q_policies() -> String {
    format!(
        "SELECT p.oid, p.polrelid, p.polname::text, p.polpermissive, p.polcmd::text,
                ARRAY(SELECT CASE WHEN r = 0 THEN NULL ELSE pg_get_userbyid(r)::text END
                      FROM unnest(p.polroles) r ORDER BY 1 NULLS FIRST),
                pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), d.description
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass AND d.objsubid = 0
         WHERE {USER_NS}"
    )
}

pub(super) const Q_RULES: &str =
    "SELECT r.oid, r.ev_class FROM pg_rewrite r WHERE r.oid >= 16384 AND r.rulename = '_RETURN'";

/// `ALTER DEFAULT PRIVILEGES` entries (the role's own privileges as the owner's).
pub(super) fn q_default_privileges() -> String {
    format!(
        "SELECT pg_get_userbyid(d.defaclrole)::text, n.nspname::text, d.defaclobjtype::text, {acl}
         FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace",
        acl = acl_json("d.defaclacl", "d.defaclrole")
    )
}

/// Casts (`c`, source, target) and string-category types (`s`, type, NULL): what a column
/// type change can convert with.
pub(super) const Q_CASTS: &str =
    "SELECT 'c', format_type(c.castsource, NULL), format_type(c.casttarget, NULL) FROM pg_cast c
     UNION ALL SELECT 's', format_type(t.oid, NULL), NULL FROM pg_type t WHERE t.typcategory = 'S'";

pub(super) fn q_default_acls() -> String {
    format!(
        "SELECT k, {acl} FROM unnest(ARRAY['r', 's', 'f', 'n', 'T']) k",
        acl = acl_json("acldefault(k::\"char\", 10::oid)", "10::oid")
    )
}

/// Dependencies between user objects, without those the planner has no use for: membership
/// in a schema (schemas are created first and dropped last anyway) and an object's internal
/// parts (row and array types, toast tables, constraint indexes, view rules, the triggers of
/// foreign keys), which resolve to the object itself. Identity sequences (`i` on a column)
/// stay.
pub(super) const Q_DEPENDS: &str = "SELECT classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype::text
     FROM pg_depend
     WHERE objid >= 16384 AND deptype IN ('n', 'a', 'i', 'e')
       AND refclassid <> 'pg_namespace'::regclass
       AND NOT (deptype = 'i' AND classid IN ('pg_type'::regclass, 'pg_trigger'::regclass, 'pg_rewrite'::regclass))
       AND NOT (deptype = 'i' AND classid = 'pg_class'::regclass AND refobjsubid = 0)";

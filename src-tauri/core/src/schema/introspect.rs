//! Reads one database's catalog into a [`Catalog`] with a fixed set of set-based queries
//! (one per catalog, pipelined on one connection inside a read-only repeatable-read
//! transaction), never one query per object. `search_path` is empty while reading, so every
//! name PostgreSQL prints (`format_type`, `pg_get_*def`, `pg_get_expr`) is schema-qualified.
use super::model::*;
use crate::error::{ApiError, Result};
use serde_json::Value;
use std::collections::HashMap;
use tokio_postgres::{Client, Row};

// Fixed OIDs of the system catalogs (stable across versions).
const PG_TYPE: u32 = 1247;
const PG_PROC: u32 = 1255;
const PG_CLASS: u32 = 1259;
const PG_ATTRDEF: u32 = 2604;
const PG_CONSTRAINT: u32 = 2606;
const PG_REWRITE: u32 = 2618;
const PG_TRIGGER: u32 = 2620;
const PG_NAMESPACE: u32 = 2615;
const PG_EXTENSION: u32 = 3079;
const PG_POLICY: u32 = 3256;
const PG_COLLATION: u32 = 3456;

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

fn q_schemas() -> String {
    format!(
        "SELECT n.oid, n.nspname::text, pg_get_userbyid(n.nspowner)::text, d.description, {acl}
         FROM pg_namespace n
         LEFT JOIN pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
         WHERE {USER_NS} AND {ext}",
        acl = acl_json("n.nspacl", "n.nspowner"),
        ext = not_ext_member("pg_namespace", "n.oid")
    )
}

const Q_EXTENSIONS: &str = "SELECT e.oid, e.extname::text, n.nspname::text, e.extversion, d.description
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     LEFT JOIN pg_description d ON d.objoid = e.oid AND d.classoid = 'pg_extension'::regclass AND d.objsubid = 0";

fn q_collations() -> String {
    format!(
        "SELECT c.oid, n.nspname::text, c.collname::text, to_jsonb(c), d.description
         FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
         LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_collation'::regclass AND d.objsubid = 0
         WHERE {USER_NS} AND {ext}",
        ext = not_ext_member("pg_collation", "c.oid")
    )
}

fn q_types() -> String {
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

fn q_relations() -> String {
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

fn q_attributes() -> String {
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

const Q_SEQUENCES: &str =
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
fn q_indexes() -> String {
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

const Q_INDEXDEFS: &str =
    "SELECT i.indexrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indexrelid = ANY($1)";

/// Default operator classes, and implicit binary-coercible casts (what `GetDefaultOpClass`
/// looks at to pick a column's default operator class).
const Q_OPCLASSES: &str = "SELECT o.opcmethod, o.opcintype, o.oid, t.typcategory::text, t.typispreferred
     FROM pg_opclass o JOIN pg_type t ON t.oid = o.opcintype WHERE o.opcdefault
     UNION ALL SELECT 0::oid, c.castsource, c.casttarget, t.typcategory::text, false
     FROM pg_cast c JOIN pg_type t ON t.oid = c.castsource WHERE c.castmethod = 'b' AND c.castcontext = 'i'";

/// A `pg_depend` row.
struct DepRow {
    classid: u32,
    objid: u32,
    objsubid: i32,
    refclassid: u32,
    refobjid: u32,
    refobjsubid: i32,
    deptype: u8,
}

/// A row of [`q_attributes`].
struct AttrRow {
    relid: u32,
    attnum: i32,
    name: String,
    type_name: String,
    not_null: bool,
    identity: u8,
    generated: u8,
    is_local: bool,
    inherit_count: i32,
    collation: Option<String>,
    storage: Option<String>,
    statistics: i32,
    compression: Option<String>,
    comment: Option<String>,
    acl: Option<Value>,
    def_oid: Option<u32>,
    expr: Option<String>,
    typid: u32,
    collid: u32,
    quoted_name: String,
}

fn first_byte(s: &str) -> u8 {
    s.as_bytes().first().copied().unwrap_or(0)
}

/// The big results are converted row by row as they arrive (overlapping the server's work on
/// the next queries) into compact structs, so that the rows' buffers go right away.
async fn read_deps(c: &Client) -> std::result::Result<Vec<DepRow>, tokio_postgres::Error> {
    use futures_util::TryStreamExt;
    let none: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
    let stream = c.query_raw(Q_DEPENDS, none).await?;
    futures_util::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(r) = stream.try_next().await? {
        out.push(DepRow {
            classid: r.get(0),
            objid: r.get(1),
            objsubid: r.get(2),
            refclassid: r.get(3),
            refobjid: r.get(4),
            refobjsubid: r.get(5),
            deptype: first_byte(r.get(6)),
        });
    }
    Ok(out)
}

async fn read_attributes(
    c: &Client,
    sql: &str,
) -> std::result::Result<Vec<AttrRow>, tokio_postgres::Error> {
    use futures_util::TryStreamExt;
    let none: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
    let stream = c.query_raw(sql, none).await?;
    futures_util::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(r) = stream.try_next().await? {
        out.push(AttrRow {
            relid: r.get(0),
            attnum: r.get(1),
            name: r.get(2),
            type_name: r.get(3),
            not_null: r.get(4),
            identity: first_byte(r.get(5)),
            generated: first_byte(r.get(6)),
            is_local: r.get(7),
            inherit_count: r.get(8),
            collation: r.get(9),
            storage: r.get(10),
            statistics: r.get(11),
            compression: r.get(12),
            comment: r.get(13),
            acl: r.get(14),
            def_oid: r.get(15),
            expr: r.get(16),
            typid: r.get(17),
            collid: r.get(18),
            quoted_name: r.get(19),
        });
    }
    Ok(out)
}

/// Which indexes `pg_get_indexdef` must print: all but the plain ones (see [`q_indexes`]).
fn indexes_to_print(indexes: &[Row], attributes: &[AttrRow], opclasses: &[Row]) -> Vec<u32> {
    // (method, input type) → (default class, its input type's category and preferredness).
    let mut default_class: HashMap<(u32, u32), (u32, String, bool)> = HashMap::new();
    // type → (its category, the types it is implicitly binary-coercible to).
    let mut coercible: HashMap<u32, (String, Vec<u32>)> = HashMap::new();
    for r in opclasses {
        let (method, a, b): (u32, u32, u32) = (r.get(0), r.get(1), r.get(2));
        let (category, preferred): (String, bool) = (r.get(3), r.get(4));
        if method == 0 {
            coercible
                .entry(a)
                .or_insert_with(|| (category, Vec::new()))
                .1
                .push(b);
        } else {
            default_class.insert((method, a), (b, category, preferred));
        }
    }
    // GetDefaultOpClass: the exact input type; else among the implicitly binary-coercible
    // ones, the single one of the category's preferred type, or the single one at all.
    let expected = |method: u32, ty: u32| -> Option<u32> {
        if let Some((c, _, _)) = default_class.get(&(method, ty)) {
            return Some(*c);
        }
        let (category, targets) = coercible.get(&ty)?;
        let found: Vec<&(u32, String, bool)> = targets
            .iter()
            .filter_map(|t| default_class.get(&(method, *t)))
            .collect();
        let preferred: Vec<&&(u32, String, bool)> = found
            .iter()
            .filter(|(_, cat, pref)| *pref && cat == category)
            .collect();
        match (preferred.len(), found.len()) {
            (1, _) => Some(preferred[0].0),
            (0, 1) => Some(found[0].0),
            _ => None,
        }
    };
    let mut relids: std::collections::HashSet<u32> = std::collections::HashSet::new();
    for r in indexes {
        relids.insert(r.get(3));
    }
    let mut cols: HashMap<(u32, i16), (u32, u32)> = HashMap::new();
    for r in attributes {
        if relids.contains(&r.relid) {
            cols.insert((r.relid, r.attnum as i16), (r.typid, r.collid));
        }
    }
    let mut out = Vec::new();
    for r in indexes {
        let con: Option<u32> = r.get(8);
        let is_partition: bool = r.get(9);
        if con.is_some() || is_partition {
            continue;
        }
        let relid: u32 = r.get(3);
        let method: u32 = r.get(12);
        let keys: Vec<i16> = r.get(13);
        let nkey = r.get::<_, i32>(14).max(0) as usize;
        let classes: Vec<u32> = r.get(15);
        let collations: Vec<u32> = r.get(16);
        let simple: bool = r.get(17);
        let plain = simple
            && !keys.is_empty()
            && keys.iter().all(|k| *k > 0)
            && (0..nkey).all(|i| {
                let Some((ty, coll)) = cols.get(&(relid, keys[i])) else {
                    return false;
                };
                collations.get(i) == Some(coll)
                    && expected(method, *ty).is_some_and(|c| classes.get(i) == Some(&c))
            });
        if !plain {
            out.push(r.get(0));
        }
    }
    out
}

/// Constraints. A plain primary key or unique constraint (not deferrable; its index without
/// INCLUDE columns, storage parameters, tablespace or NULLS NOT DISTINCT) is what
/// `pg_get_constraintdef` prints as `PRIMARY KEY (cols)` / `UNIQUE (cols)`: its columns come
/// back instead and it is spelled client-side (half the constraints of a typical schema, at
/// about ten microseconds each); every other constraint is printed by `pg_get_constraintdef`.
fn q_constraints() -> String {
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
                AND cic.reloptions IS NULL AND cic.reltablespace = 0 AS is) plain
         LEFT JOIN pg_description d ON d.objoid = co.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
         LEFT JOIN pg_description di ON co.contype IN ('p', 'u', 'x') AND di.objoid = co.conindid
              AND di.classoid = 'pg_class'::regclass AND di.objsubid = 0
         WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND co.conparentid = 0 AND {USER_NS}"
    )
}

const Q_INHERITS: &str = "SELECT i.inhrelid, i.inhparent FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p') ORDER BY i.inhrelid, i.inhseqno";

fn q_functions() -> String {
    format!(
        "SELECT p.oid, n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), p.prokind::text,
                pg_get_functiondef(p.oid), CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END,
                coalesce(p.proargnames, '{{}}'::text[]), p.pronargdefaults::int4, pg_get_userbyid(p.proowner)::text,
                d.description, {acl}
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
         WHERE p.prokind <> 'a' AND {USER_NS} AND {ext}",
        acl = acl_json("p.proacl", "p.proowner"),
        ext = not_ext_member("pg_proc", "p.oid")
    )
}

fn q_triggers() -> String {
    format!(
        "SELECT t.oid, t.tgrelid, t.tgname::text, pg_get_triggerdef(t.oid), t.tgenabled::text, t.tgconstraint, d.description
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
         WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {USER_NS}"
    )
}

fn q_policies() -> String {
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

const Q_RULES: &str =
    "SELECT r.oid, r.ev_class FROM pg_rewrite r WHERE r.oid >= 16384 AND r.rulename = '_RETURN'";

fn q_default_acls() -> String {
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
const Q_DEPENDS: &str = "SELECT classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype::text
     FROM pg_depend
     WHERE objid >= 16384 AND deptype IN ('n', 'a', 'i', 'e')
       AND refclassid <> 'pg_namespace'::regclass
       AND NOT (deptype = 'i' AND classid IN ('pg_type'::regclass, 'pg_trigger'::regclass, 'pg_rewrite'::regclass))
       AND NOT (deptype = 'i' AND classid = 'pg_class'::regclass AND refobjsubid = 0)";

/// Parses an ACL from `acl_json`; NULL means the kind's default ACL.
fn parse_acl(v: Option<Value>, default: &Acl) -> Acl {
    let Some(Value::Array(items)) = v else {
        return default.clone();
    };
    let mut out = Acl::new();
    for item in items {
        let Value::Array(parts) = item else { continue };
        let grantee = match parts.first() {
            Some(Value::Null) | None => Grantee::Owner,
            Some(Value::String(s)) if s.is_empty() => Grantee::Public,
            Some(Value::String(s)) => Grantee::Role(s.clone()),
            Some(other) => Grantee::Role(other.to_string()),
        };
        let privilege = parts
            .get(1)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let grantable = parts.get(2).and_then(Value::as_bool).unwrap_or(false);
        out.insert(Privilege {
            grantee,
            privilege,
            grantable,
        });
    }
    out
}

fn json_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Interns graph nodes and resolves `pg_depend` rows to them.
#[derive(Default)]
struct Graph {
    nodes: Vec<ObjRef>,
    /// (catalog, oid) → node.
    objects: HashMap<(u32, u32), u32>,
    /// (relation, attnum) → column node.
    columns: HashMap<(u32, i32), u32>,
    /// Extension members → the extension's node.
    ext_members: HashMap<(u32, u32), u32>,
}

impl Graph {
    fn add(&mut self, r: ObjRef) -> u32 {
        self.nodes.push(r);
        (self.nodes.len() - 1) as u32
    }
    fn map(&mut self, class: u32, oid: u32, node: u32) {
        self.objects.insert((class, oid), node);
    }
    fn resolve(&self, class: u32, oid: u32, sub: i32) -> Option<u32> {
        if let Some(ext) = self.ext_members.get(&(class, oid)) {
            return Some(*ext);
        }
        if class == PG_CLASS && sub != 0 {
            if let Some(c) = self.columns.get(&(oid, sub)) {
                return Some(*c);
            }
        }
        self.objects.get(&(class, oid)).copied()
    }
}

// jit: catalog queries look expensive to the planner, and compiling them costs more than
// running them.
const SESSION: &str = "SET LOCAL search_path = ''; SET LOCAL statement_timeout = 0; \
     SET LOCAL lock_timeout = '30s'; SET LOCAL jit = off";

/// Reads the schema of the database `client` is connected to (one read-only, repeatable-read
/// transaction; all queries pipelined).
pub async fn introspect(client: &Client) -> Result<Catalog> {
    client
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {SESSION}"
        ))
        .await
        .map_err(|e| ApiError::from(e).context("reading the catalog"))?;
    let result = read_all(client, client).await;
    let _ = client.batch_execute("COMMIT").await;
    result.map_err(|e| e.context("reading the catalog"))
}

/// Like [`introspect`], with the queries split over two sessions to the same database that
/// share one snapshot (as `pg_dump -j` does): the server works on both at once.
pub async fn introspect_parallel(a: &Client, b: &Client) -> Result<Catalog> {
    let ctx = |e: tokio_postgres::Error| ApiError::from(e).context("reading the catalog");
    let row = async {
        a.batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {SESSION}"
        ))
        .await?;
        a.query_one("SELECT pg_export_snapshot()", &[]).await
    }
    .await;
    let snapshot: String = match row {
        Ok(r) => r.get(0),
        Err(e) => {
            let _ = a.batch_execute("ROLLBACK").await;
            return Err(ctx(e));
        }
    };
    if let Err(e) = b
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; {SESSION}",
            crate::ident::quote_literal(&snapshot)
        ))
        .await
    {
        // Snapshots cannot always be shared (e.g. some poolers): read on one session.
        tracing::debug!("snapshot not shared ({e}); reading on one session");
        let _ = b.batch_execute("ROLLBACK").await;
        let result = read_all(a, a).await;
        let _ = a.batch_execute("COMMIT").await;
        return result.map_err(|e| e.context("reading the catalog"));
    }
    let result = read_all(a, b).await;
    let _ = tokio::join!(a.batch_execute("COMMIT"), b.batch_execute("COMMIT"));
    result.map_err(|e| e.context("reading the catalog"))
}

/// Runs every query, pipelined: the two heaviest (indexes, constraints) on `b`, the rest on
/// `a` (the same session when there is one).
async fn read_all(a: &Client, b: &Client) -> Result<Catalog> {
    let (q_schemas, q_collations, q_types, q_relations, q_attributes) = (
        q_schemas(),
        q_collations(),
        q_types(),
        q_relations(),
        q_attributes(),
    );
    let (q_indexes, q_constraints, q_functions, q_triggers, q_policies) = (
        q_indexes(),
        q_constraints(),
        q_functions(),
        q_triggers(),
        q_policies(),
    );
    let q_default_acls = q_default_acls();
    let (
        (indexes, constraints),
        (version, deps, schemas, extensions, collations, types, relations, attributes),
        (sequences, inherits, functions, triggers, policies, rules, acls, opclasses),
    ) = tokio::try_join!(
        async { tokio::try_join!(b.query(&q_indexes, &[]), b.query(&q_constraints, &[])) },
        async {
            tokio::try_join!(
                a.query_one("SELECT current_setting('server_version_num')::int4", &[]),
                read_deps(a),
                a.query(&q_schemas, &[]),
                a.query(Q_EXTENSIONS, &[]),
                a.query(&q_collations, &[]),
                a.query(&q_types, &[]),
                a.query(&q_relations, &[]),
                read_attributes(a, &q_attributes),
            )
        },
        async {
            tokio::try_join!(
                a.query(Q_SEQUENCES, &[]),
                a.query(Q_INHERITS, &[]),
                a.query(&q_functions, &[]),
                a.query(&q_triggers, &[]),
                a.query(&q_policies, &[]),
                a.query(Q_RULES, &[]),
                a.query(&q_default_acls, &[]),
                a.query(Q_OPCLASSES, &[]),
            )
        },
    )?;
    let to_print = indexes_to_print(&indexes, &attributes, &opclasses);
    let mut index_defs: HashMap<u32, String> = HashMap::new();
    if !to_print.is_empty() {
        for r in b.query(Q_INDEXDEFS, &[&to_print]).await? {
            index_defs.insert(r.get(0), r.get(1));
        }
    }
    let rows = Rows {
        version: version.get(0),
        deps,
        schemas,
        extensions,
        collations,
        types,
        relations,
        attributes,
        sequences,
        indexes,
        constraints,
        inherits,
        functions,
        triggers,
        policies,
        rules,
        acls,
        index_defs,
    };
    Ok(assemble(rows))
}

struct Rows {
    version: i32,
    deps: Vec<DepRow>,
    schemas: Vec<Row>,
    extensions: Vec<Row>,
    collations: Vec<Row>,
    types: Vec<Row>,
    relations: Vec<Row>,
    attributes: Vec<AttrRow>,
    sequences: Vec<Row>,
    indexes: Vec<Row>,
    constraints: Vec<Row>,
    inherits: Vec<Row>,
    functions: Vec<Row>,
    triggers: Vec<Row>,
    policies: Vec<Row>,
    rules: Vec<Row>,
    acls: Vec<Row>,
    /// `pg_get_indexdef` of the indexes that are not plain.
    index_defs: HashMap<u32, String>,
}

enum RelKind {
    Table,
    View,
    Sequence,
}

fn new_seq_options() -> SequenceOptions {
    SequenceOptions {
        data_type: String::new(),
        start: 1,
        increment: 1,
        min: 1,
        max: i64::MAX,
        cache: 1,
        cycle: false,
    }
}

fn assemble(mut rows: Rows) -> Catalog {
    let mut cat = Catalog {
        server_version_num: rows.version,
        ..Default::default()
    };
    for r in &rows.acls {
        let k: String = r.get(0);
        cat.default_acls.insert(k, parse_acl(r.get(1), &Acl::new()));
    }
    let dflt = |k: &str| cat.default_acls.get(k).cloned().unwrap_or_default();
    let (acl_r, acl_s, acl_f, acl_n, acl_t) =
        (dflt("r"), dflt("s"), dflt("f"), dflt("n"), dflt("T"));
    let mut g = Graph::default();

    // Extensions and their members.
    let mut ext_nodes: HashMap<u32, u32> = HashMap::new();
    for r in &rows.extensions {
        let oid: u32 = r.get(0);
        let name: String = r.get(1);
        let node = g.add(ObjRef::Extension(name.clone()));
        g.map(PG_EXTENSION, oid, node);
        ext_nodes.insert(oid, node);
        cat.extensions.insert(
            name.clone(),
            Extension {
                name,
                schema: r.get(2),
                version: r.get(3),
                comment: r.get(4),
            },
        );
    }
    // Identity sequences (internal to a column), found before relations are read.
    let mut identity_seqs: HashMap<u32, (u32, i32)> = HashMap::new();
    for r in &rows.deps {
        if r.deptype == b'e' {
            if let Some(ext) = ext_nodes.get(&r.refobjid) {
                g.ext_members.insert((r.classid, r.objid), *ext);
            }
        } else if r.deptype == b'i'
            && r.classid == PG_CLASS
            && r.refclassid == PG_CLASS
            && r.refobjsubid > 0
        {
            identity_seqs.insert(r.objid, (r.refobjid, r.refobjsubid));
        }
    }

    for r in &rows.schemas {
        let name: String = r.get(1);
        let node = g.add(ObjRef::Schema(name.clone()));
        g.map(PG_NAMESPACE, r.get(0), node);
        cat.schemas.insert(
            name.clone(),
            Schema {
                name,
                owner: r.get(2),
                comment: r.get(3),
                acl: parse_acl(r.get(4), &acl_n),
            },
        );
    }

    for r in &rows.collations {
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let j: Value = r.get(3);
        let s = |k: &str| j.get(k).and_then(json_str).filter(|s| !s.is_empty());
        let node = g.add(ObjRef::Collation(name.clone()));
        g.map(PG_COLLATION, r.get(0), node);
        cat.collations.insert(
            name.clone(),
            Collation {
                name,
                provider: s("collprovider").unwrap_or_else(|| "c".into()),
                deterministic: j
                    .get("collisdeterministic")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                lc_collate: s("collcollate"),
                lc_ctype: s("collctype"),
                locale: s("colllocale").or_else(|| s("colliculocale")),
                icu_rules: s("collicurules"),
                comment: r.get(4),
            },
        );
    }

    for r in &rows.types {
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let typtype: String = r.get(3);
        let node = g.add(ObjRef::Type(name.clone()));
        g.map(PG_TYPE, oid, node);
        let arr: u32 = r.get(7);
        if arr != 0 {
            g.map(PG_TYPE, arr, node);
        }
        let relid: u32 = r.get(8);
        if relid != 0 {
            g.map(PG_CLASS, relid, node);
        }
        let kind = match typtype.as_str() {
            "e" => TypeKind::Enum {
                labels: r.get::<_, Option<Vec<String>>>(9).unwrap_or_default(),
            },
            "d" => {
                let mut checks = std::collections::BTreeMap::new();
                if let Some(Value::Array(items)) = r.get::<_, Option<Value>>(14) {
                    for it in items {
                        let oid = it.get(0).and_then(Value::as_u64).unwrap_or(0) as u32;
                        g.map(PG_CONSTRAINT, oid, node);
                        let cname = it.get(1).and_then(json_str).unwrap_or_default();
                        checks.insert(
                            cname,
                            DomainCheck {
                                definition: it.get(2).and_then(json_str).unwrap_or_default(),
                                comment: it.get(3).and_then(json_str),
                            },
                        );
                    }
                }
                TypeKind::Domain(Domain {
                    base_type: r.get::<_, Option<String>>(10).unwrap_or_default(),
                    not_null: r.get(11),
                    default: r.get(12),
                    collation: r.get(13),
                    checks,
                })
            }
            "c" => {
                let mut attributes = Vec::new();
                if let Some(Value::Array(items)) = r.get::<_, Option<Value>>(15) {
                    for it in items {
                        attributes.push(TypeAttribute {
                            name: it.get(0).and_then(json_str).unwrap_or_default(),
                            type_name: it.get(1).and_then(json_str).unwrap_or_default(),
                            collation: it.get(2).and_then(json_str),
                        });
                    }
                }
                TypeKind::Composite { attributes }
            }
            _ => {
                let j: Value = r.get::<_, Option<Value>>(16).unwrap_or(Value::Null);
                let get = |i: usize| j.get(i).and_then(json_str);
                for i in [6, 7] {
                    if let Some(o) = j.get(i).and_then(Value::as_u64) {
                        if o != 0 {
                            g.map(PG_TYPE, o as u32, node);
                        }
                    }
                }
                TypeKind::Range {
                    subtype: get(0).unwrap_or_default(),
                    subtype_opclass: get(1),
                    collation: get(2),
                    canonical: get(3),
                    subtype_diff: get(4),
                    multirange: get(5),
                }
            }
        };
        cat.types.insert(
            name.clone(),
            TypeDef {
                name,
                type_name: r.get(17),
                kind,
                owner: r.get(4),
                comment: r.get(5),
                acl: parse_acl(r.get(6), &acl_t),
            },
        );
    }

    // Sequence parameters (identity sequences' go to their column).
    let mut seq_opts: HashMap<u32, (SequenceOptions, bool)> = HashMap::new();
    for r in &rows.sequences {
        seq_opts.insert(
            r.get(0),
            (
                SequenceOptions {
                    data_type: r.get(1),
                    start: r.get(2),
                    increment: r.get(3),
                    max: r.get(4),
                    min: r.get(5),
                    cache: r.get(6),
                    cycle: r.get(7),
                },
                r.get::<_, Option<bool>>(8).unwrap_or(false),
            ),
        );
    }

    // Relations.
    let mut parts: Vec<Dependency> = Vec::new();
    let mut rels: HashMap<u32, (QualName, RelKind)> = HashMap::new();
    // By oid while assembling (looked up per column row); ordered by name at the end.
    let mut tables: HashMap<u32, Table> = HashMap::new();
    let mut views: HashMap<u32, View> = HashMap::new();
    let mut identity_names: HashMap<u32, QualName> = HashMap::new();
    let mut seq_owner_nodes: HashMap<u32, u32> = HashMap::new();
    for r in &rows.relations {
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let relkind: &str = r.get(3);
        let persistence: &str = r.get(4);
        let owner: String = r.get(5);
        let options: Vec<String> = r.get(6);
        let comment: Option<String> = r.get(14);
        let (reltype, relarray): (u32, u32) = (r.get(16), r.get(17));
        match relkind {
            "r" | "p" => {
                let node = g.add(ObjRef::Table(name.clone()));
                g.map(PG_CLASS, oid, node);
                for t in [reltype, relarray] {
                    if t != 0 {
                        g.map(PG_TYPE, t, node);
                    }
                }
                rels.insert(oid, (name.clone(), RelKind::Table));
                tables.insert(
                    oid,
                    Table {
                        name,
                        kind: if relkind == "p" {
                            TableKind::Partitioned
                        } else {
                            TableKind::Regular
                        },
                        unlogged: persistence == "u",
                        columns: Vec::new(),
                        partition_key: r.get(12),
                        // The parent is filled in from pg_inherits below.
                        partition_of: r
                            .get::<_, Option<String>>(11)
                            .map(|b| (QualName::new("", ""), b)),
                        inherits: Vec::new(),
                        options,
                        rls_enabled: r.get(7),
                        rls_forced: r.get(8),
                        replica_identity: r.get(9),
                        constraints: Default::default(),
                        policies: Default::default(),
                        owner,
                        comment,
                        acl: parse_acl(r.get(15), &acl_r),
                        estimated_rows: r.get(10),
                    },
                );
            }
            "v" | "m" => {
                let node = g.add(ObjRef::View(name.clone()));
                g.map(PG_CLASS, oid, node);
                for t in [reltype, relarray] {
                    if t != 0 {
                        g.map(PG_TYPE, t, node);
                    }
                }
                rels.insert(oid, (name.clone(), RelKind::View));
                views.insert(
                    oid,
                    View {
                        name,
                        materialized: relkind == "m",
                        definition: r.get::<_, Option<String>>(13).unwrap_or_default(),
                        options,
                        columns: Vec::new(),
                        owner,
                        comment,
                        acl: parse_acl(r.get(15), &acl_r),
                    },
                );
            }
            _ => {
                if identity_seqs.contains_key(&oid) {
                    identity_names.insert(oid, name);
                    continue;
                }
                let node = g.add(ObjRef::Sequence(name.clone()));
                g.map(PG_CLASS, oid, node);
                let owner_node = g.add(ObjRef::SequenceOwner(name.clone()));
                seq_owner_nodes.insert(oid, owner_node);
                for (a, b) in [(node, owner_node), (owner_node, node)] {
                    parts.push(Dependency {
                        dependent: a,
                        referenced: b,
                        kind: DepKind::Part,
                    });
                }
                rels.insert(oid, (name.clone(), RelKind::Sequence));
                let (options, never_used) = seq_opts
                    .get(&oid)
                    .cloned()
                    .unwrap_or_else(|| (new_seq_options(), false));
                cat.sequences.insert(
                    name.clone(),
                    Sequence {
                        name,
                        options,
                        unlogged: persistence == "u",
                        owned_by: None,
                        never_used,
                        owner,
                        comment,
                        acl: parse_acl(r.get(15), &acl_s),
                    },
                );
            }
        }
    }

    // Columns and defaults, in attnum order.
    let mut attrs = std::mem::take(&mut rows.attributes);
    attrs.sort_unstable_by_key(|r| (r.relid, r.attnum));
    let mut attnames: HashMap<(u32, i32), String> = HashMap::new();
    // Column names as `quote_ident` spells them, for plain index definitions.
    let mut quoted_attnames: HashMap<(u32, i32), String> = HashMap::new();
    for r in attrs {
        let (relid, attnum) = (r.relid, r.attnum);
        let Some((rel, kind)) = rels.get(&relid) else {
            continue;
        };
        quoted_attnames.insert((relid, attnum), r.quoted_name);
        match kind {
            RelKind::Table => {
                let name = r.name;
                attnames.insert((relid, attnum), name.clone());
                let col_node = g.add(ObjRef::Column(rel.clone(), name.clone()));
                g.columns.insert((relid, attnum), col_node);
                if let Some(t) = g.objects.get(&(PG_CLASS, relid)).copied() {
                    parts.push(Dependency {
                        dependent: col_node,
                        referenced: t,
                        kind: DepKind::Part,
                    });
                }
                let (default, generated) = if r.generated == 0 {
                    (r.expr, None)
                } else {
                    (None, r.expr)
                };
                if default.is_some() {
                    let d = g.add(ObjRef::Default(rel.clone(), name.clone()));
                    if let Some(oid) = r.def_oid {
                        g.map(PG_ATTRDEF, oid, d);
                    }
                } else if let Some(oid) = r.def_oid {
                    g.map(PG_ATTRDEF, oid, col_node);
                }
                let col = Column {
                    name,
                    type_name: r.type_name,
                    collation: r.collation,
                    not_null: r.not_null,
                    default,
                    identity: if r.identity == 0 {
                        None
                    } else {
                        Some(Identity {
                            always: r.identity == b'a',
                            sequence: QualName::new("", ""),
                            options: new_seq_options(),
                        })
                    },
                    generated_kind: match r.generated {
                        b's' => Some("STORED".into()),
                        b'v' => Some("VIRTUAL".into()),
                        _ => None,
                    },
                    generated,
                    storage: r.storage,
                    statistics: r.statistics,
                    compression: r.compression,
                    is_local: r.is_local,
                    inherit_count: r.inherit_count,
                    comment: r.comment,
                    acl: parse_acl(r.acl, &Acl::new()),
                };
                if let Some(t) = tables.get_mut(&relid) {
                    t.columns.push(col);
                }
            }
            RelKind::View => {
                if let Some(oid) = r.def_oid {
                    if let Some(v) = g.objects.get(&(PG_CLASS, relid)).copied() {
                        g.map(PG_ATTRDEF, oid, v);
                    }
                }
                if let Some(v) = views.get_mut(&relid) {
                    v.columns.push(ViewColumn {
                        name: r.name,
                        type_name: r.type_name,
                        default: r.expr,
                        comment: r.comment,
                        acl: parse_acl(r.acl, &Acl::new()),
                    });
                }
            }
            RelKind::Sequence => {}
        }
    }

    // Identity sequences belong to their column.
    for (seq_oid, (relid, attnum)) in &identity_seqs {
        let (Some(seq_name), Some(_), Some(col)) = (
            identity_names.get(seq_oid),
            rels.get(relid),
            attnames.get(&(*relid, *attnum)),
        ) else {
            continue;
        };
        if let Some(node) = g.columns.get(&(*relid, *attnum)).copied() {
            g.map(PG_CLASS, *seq_oid, node);
        }
        if let Some(c) = tables
            .get_mut(relid)
            .and_then(|t| t.columns.iter_mut().find(|c| &c.name == col))
        {
            if let Some(id) = &mut c.identity {
                id.sequence = seq_name.clone();
                if let Some((o, _)) = seq_opts.get(seq_oid) {
                    id.options = o.clone();
                }
            }
        }
    }

    // Inheritance and partitions.
    for r in &rows.inherits {
        let child: u32 = r.get(0);
        let parent: u32 = r.get(1);
        let (Some(_), Some((pname, _))) = (rels.get(&child), rels.get(&parent)) else {
            continue;
        };
        let pname = pname.clone();
        if let Some(t) = tables.get_mut(&child) {
            match &mut t.partition_of {
                Some((p, _)) => *p = pname,
                None => t.inherits.push(pname),
            }
        }
    }

    // Constraints (their indexes belong to them).
    let mut index_flags: HashMap<u32, (bool, bool)> = HashMap::new();
    for r in &rows.indexes {
        index_flags.insert(r.get(0), (r.get(5), r.get(6)));
    }
    for r in &rows.constraints {
        let oid: u32 = r.get(0);
        let relid: u32 = r.get(1);
        let Some((table, RelKind::Table)) = rels.get(&relid) else {
            continue;
        };
        let name: String = r.get(2);
        let kind: String = r.get(3);
        let node = g.add(ObjRef::Constraint(table.clone(), name.clone()));
        g.map(PG_CONSTRAINT, oid, node);
        let definition = match r.get::<_, Option<String>>(4) {
            Some(d) => d,
            None => {
                // Plain primary key / unique: `pg_get_constraintdef`'s spelling.
                let keys: Vec<i16> = r.get::<_, Option<Vec<i16>>>(11).unwrap_or_default();
                let cols: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        quoted_attnames
                            .get(&(relid, *k as i32))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
                format!(
                    "{} ({})",
                    if kind == "p" { "PRIMARY KEY" } else { "UNIQUE" },
                    cols.join(", ")
                )
            }
        };
        let indid: u32 = r.get(8);
        let mut index = None;
        let (mut clustered, mut replident) = (false, false);
        if matches!(kind.as_str(), "p" | "u" | "x") && indid != 0 {
            g.map(PG_CLASS, indid, node);
            if let Some((c, ri)) = index_flags.get(&indid) {
                clustered = *c;
                replident = *ri;
            }
            index = Some(QualName::new(table.schema.clone(), name.clone()));
        }
        if let Some(t) = tables.get_mut(&relid) {
            t.constraints.insert(
                name.clone(),
                Constraint {
                    name,
                    kind,
                    definition,
                    validated: r.get(5),
                    is_local: r.get(6),
                    inherit_count: r.get(7),
                    index,
                    clustered,
                    replica_identity: replident,
                    comment: r.get(9),
                    index_comment: r.get(10),
                },
            );
        }
    }

    // Indexes (not those of constraints, not partitions of a parent's index).
    for r in &rows.indexes {
        let is_partition: bool = r.get(9);
        let con: Option<u32> = r.get(8);
        if is_partition || con.is_some() {
            continue;
        }
        let oid: u32 = r.get(0);
        let relid: u32 = r.get(3);
        let Some((table, _)) = rels.get(&relid) else {
            continue;
        };
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let node = g.add(ObjRef::Index(name.clone()));
        g.map(PG_CLASS, oid, node);
        let stats: Vec<String> = r.get(10);
        let definition = match rows.index_defs.get(&oid) {
            Some(d) => d.clone(),
            None => {
                // A plain index: spelled from its method and columns.
                let am: String = r.get(11);
                let keys: Vec<i16> = r.get(13);
                let nkey = r.get::<_, i32>(14).max(0) as usize;
                let col = |attnum: i16| -> String {
                    quoted_attnames
                        .get(&(relid, attnum as i32))
                        .cloned()
                        .unwrap_or_default()
                };
                let key_cols: Vec<String> = keys.iter().take(nkey).map(|k| col(*k)).collect();
                let include: Vec<String> = keys.iter().skip(nkey).map(|k| col(*k)).collect();
                let (qname, qtable): (String, String) = (r.get(18), r.get(19));
                let mut d = format!(
                    "CREATE {}INDEX {qname} ON {qtable} USING {am} ({})",
                    if r.get::<_, bool>(4) { "UNIQUE " } else { "" },
                    key_cols.join(", ")
                );
                if !include.is_empty() {
                    d.push_str(&format!(" INCLUDE ({})", include.join(", ")));
                }
                d
            }
        };
        cat.indexes.insert(
            name.clone(),
            Index {
                name,
                table: table.clone(),
                definition,
                unique: r.get(4),
                clustered: r.get(5),
                replica_identity: r.get(6),
                column_statistics: stats
                    .iter()
                    .filter_map(|s| {
                        let (a, b) = s.split_once(':')?;
                        Some((a.parse().ok()?, b.parse().ok()?))
                    })
                    .collect(),
                comment: r.get(7),
            },
        );
    }

    // Functions.
    for r in &rows.functions {
        let id = FunctionId {
            schema: r.get(1),
            name: r.get(2),
            args: r.get(3),
        };
        let node = g.add(ObjRef::Function(id.clone()));
        g.map(PG_PROC, r.get(0), node);
        cat.functions.insert(
            id.clone(),
            Function {
                id,
                kind: r.get(4),
                definition: r.get(5),
                result: r.get(6),
                arg_names: r.get(7),
                arg_defaults: r.get(8),
                owner: r.get(9),
                comment: r.get(10),
                acl: parse_acl(r.get(11), &acl_f),
            },
        );
    }

    // Triggers.
    for r in &rows.triggers {
        let relid: u32 = r.get(1);
        let Some((rel, _)) = rels.get(&relid) else {
            continue;
        };
        let name: String = r.get(2);
        let node = g.add(ObjRef::Trigger(rel.clone(), name.clone()));
        g.map(PG_TRIGGER, r.get(0), node);
        let con: u32 = r.get(5);
        if con != 0 {
            g.map(PG_CONSTRAINT, con, node);
        }
        cat.triggers.insert(
            (rel.clone(), name.clone()),
            Trigger {
                table: rel.clone(),
                name,
                definition: r.get(3),
                enabled: r.get(4),
                comment: r.get(6),
            },
        );
    }

    // Policies.
    for r in &rows.policies {
        let relid: u32 = r.get(1);
        let Some((table, RelKind::Table)) = rels.get(&relid) else {
            continue;
        };
        let name: String = r.get(2);
        let node = g.add(ObjRef::Policy(table.clone(), name.clone()));
        g.map(PG_POLICY, r.get(0), node);
        let cmd: &str = r.get(4);
        if let Some(t) = tables.get_mut(&relid) {
            t.policies.insert(
                name.clone(),
                Policy {
                    name,
                    permissive: r.get(3),
                    command: match cmd {
                        "r" => "SELECT",
                        "a" => "INSERT",
                        "w" => "UPDATE",
                        "d" => "DELETE",
                        _ => "ALL",
                    }
                    .into(),
                    roles: r.get(5),
                    using: r.get(6),
                    with_check: r.get(7),
                    comment: r.get(8),
                },
            );
        }
    }

    for r in &rows.rules {
        let ev: u32 = r.get(1);
        if let Some((_, RelKind::View)) = rels.get(&ev) {
            if let Some(v) = g.objects.get(&(PG_CLASS, ev)).copied() {
                g.map(PG_REWRITE, r.get(0), v);
            }
        }
    }

    // Dependencies (and sequence ownership).
    let mut deps: Vec<Dependency> = Vec::with_capacity(rows.deps.len() + parts.len());
    deps.append(&mut parts);
    for r in &rows.deps {
        let deptype = r.deptype;
        if deptype == b'e' {
            continue;
        }
        let (classid, objid, objsubid) = (r.classid, r.objid, r.objsubid);
        let (refclassid, refobjid, refobjsubid) = (r.refclassid, r.refobjid, r.refobjsubid);
        if g.ext_members.contains_key(&(classid, objid)) {
            continue;
        }
        // OWNED BY: the sequence's owner link depends on the column.
        if classid == PG_CLASS && refclassid == PG_CLASS && refobjsubid > 0 && deptype == b'a' {
            if let Some(owner_node) = seq_owner_nodes.get(&objid).copied() {
                if let (Some((seq, _)), Some((table, RelKind::Table)), Some(col), Some(col_node)) = (
                    rels.get(&objid),
                    rels.get(&refobjid),
                    attnames.get(&(refobjid, refobjsubid)),
                    g.columns.get(&(refobjid, refobjsubid)).copied(),
                ) {
                    if let Some(s) = cat.sequences.get_mut(seq) {
                        s.owned_by = Some((table.clone(), col.clone()));
                    }
                    deps.push(Dependency {
                        dependent: owner_node,
                        referenced: col_node,
                        kind: DepKind::Auto,
                    });
                }
                continue;
            }
        }
        let (Some(dependent), Some(referenced)) = (
            g.resolve(classid, objid, objsubid),
            g.resolve(refclassid, refobjid, refobjsubid),
        ) else {
            continue;
        };
        if dependent == referenced {
            continue;
        }
        deps.push(Dependency {
            dependent,
            referenced,
            kind: if deptype == b'n' {
                DepKind::Normal
            } else {
                DepKind::Auto
            },
        });
    }

    cat.tables = tables.into_values().map(|t| (t.name.clone(), t)).collect();
    cat.views = views.into_values().map(|v| (v.name.clone(), v)).collect();

    // Inherited columns and constraints go away with (and come from) the parent's.
    let inheriting: Vec<&Table> = cat
        .tables
        .values()
        .filter(|t| t.partition_of.is_some() || !t.inherits.is_empty())
        .collect();
    if !inheriting.is_empty() {
        let index: HashMap<&ObjRef, u32> = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n, i as u32))
            .collect();
        for t in inheriting {
            let parents: Vec<&QualName> = t
                .partition_of
                .iter()
                .map(|(p, _)| p)
                .chain(t.inherits.iter())
                .collect();
            for c in t
                .columns
                .iter()
                .filter(|c| c.inherit_count > 0 && !c.is_local)
            {
                let parent = parents.iter().find(|p| {
                    cat.tables
                        .get(**p)
                        .is_some_and(|pt| pt.column(&c.name).is_some())
                });
                if let Some(p) = parent {
                    let child = ObjRef::Column(t.name.clone(), c.name.clone());
                    let par = ObjRef::Column((*p).clone(), c.name.clone());
                    if let (Some(a), Some(b)) = (index.get(&child), index.get(&par)) {
                        deps.push(Dependency {
                            dependent: *a,
                            referenced: *b,
                            kind: DepKind::Auto,
                        });
                    }
                }
            }
            for c in t
                .constraints
                .values()
                .filter(|c| c.inherit_count > 0 && !c.is_local)
            {
                let parent = parents.iter().find(|p| {
                    cat.tables
                        .get(**p)
                        .is_some_and(|pt| pt.constraints.contains_key(&c.name))
                });
                if let Some(p) = parent {
                    let child = ObjRef::Constraint(t.name.clone(), c.name.clone());
                    let par = ObjRef::Constraint((*p).clone(), c.name.clone());
                    if let (Some(a), Some(b)) = (index.get(&child), index.get(&par)) {
                        deps.push(Dependency {
                            dependent: *a,
                            referenced: *b,
                            kind: DepKind::Auto,
                        });
                    }
                }
            }
        }
    }
    deps.sort_unstable();
    deps.dedup();
    cat.dependencies = deps;
    cat.nodes = g.nodes;
    // Freeing hundreds of thousands of rows takes a while; nobody needs to wait for it.
    drop_later((rows, g.objects, g.columns));
    cat
}

/// Drops `v` on a background thread.
pub(crate) fn drop_later<T: Send + 'static>(v: T) {
    if std::thread::Builder::new()
        .name("grove-drop".into())
        .spawn(move || drop(v))
        .is_err()
    {
        // No thread: it is dropped here instead (the closure owned it).
    }
}

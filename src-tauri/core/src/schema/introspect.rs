//! Reads one database's catalog into a [`Catalog`] with a fixed set of set-based queries
//! (one per catalog, pipelined on one connection inside a read-only repeatable-read
//! transaction), never one query per object. `search_path` is empty while reading, so every
//! name PostgreSQL prints (`format_type`, `pg_get_*def`, `pg_get_expr`) is schema-qualified.
use super::model::*;
use crate::error::{ApiError, Result};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
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

/// Schemas that belong to the system.
const USER_NS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'";

fn not_ext_member(catalog: &str, oid_expr: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend xd WHERE xd.classid = '{catalog}'::regclass \
         AND xd.objid = {oid_expr} AND xd.deptype = 'e')"
    )
}

/// An expression yielding the effective ACL of an object as JSON
/// `[[grantee|null(owner)|""(public), privilege, grantable], …]`.
fn acl_json(acl: &str, kind: &str, owner: &str) -> String {
    format!(
        "(SELECT json_agg(json_build_array(CASE WHEN x.grantee = {owner} THEN NULL \
         WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) \
         FROM aclexplode(coalesce({acl}, acldefault({kind}, {owner}))) x)"
    )
}

/// An explicit ACL only (column privileges have no default).
fn explicit_acl_json(acl: &str, owner: &str) -> String {
    format!(
        "CASE WHEN {acl} IS NOT NULL THEN (SELECT json_agg(json_build_array(CASE WHEN x.grantee = {owner} THEN NULL \
         WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) \
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
        acl = acl_json("n.nspacl", "'n'", "n.nspowner"),
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
        acl = acl_json("t.typacl", "'T'", "t.typowner"),
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
        acl = acl_json(
            "c.relacl",
            "(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::\"char\"",
            "c.relowner"
        ),
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
                d.description, {acl}, ad.oid, pg_get_expr(ad.adbin, ad.adrelid)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         LEFT JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
           AND {USER_NS} AND {ext}
         ORDER BY a.attrelid, a.attnum",
        coll = collation_name("a.attcollation"),
        acl = explicit_acl_json("a.attacl", "c.relowner"),
        ext = not_ext_member("pg_class", "c.oid")
    )
}

const Q_SEQUENCES: &str =
    "SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
            s.seqmax, s.seqmin, s.seqcache, s.seqcycle,
            has_sequence_privilege(s.seqrelid, 'SELECT,USAGE') AND pg_sequence_last_value(s.seqrelid) IS NULL
     FROM pg_sequence s";

fn q_indexes() -> String {
    format!(
        "SELECT i.indexrelid, n.nspname::text, ic.relname::text, i.indrelid, pg_get_indexdef(i.indexrelid),
                i.indisunique, i.indisclustered, i.indisreplident, d.description,
                (SELECT co.oid FROM pg_constraint co WHERE co.conindid = i.indexrelid
                   AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x') LIMIT 1),
                ic.relispartition,
                ARRAY(SELECT a.attnum::int4 || ':' || a.attstattarget::int4 FROM pg_attribute a
                      WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget::int4, -1) >= 0 ORDER BY a.attnum)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = ic.relnamespace
         LEFT JOIN pg_description d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
         WHERE {USER_NS} AND {ext}",
        ext = not_ext_member("pg_class", "i.indexrelid")
    )
}

fn q_constraints() -> String {
    format!(
        "SELECT co.oid, co.conrelid, co.conname::text, co.contype::text, pg_get_constraintdef(co.oid),
                co.convalidated, co.conislocal, co.coninhcount::int4, co.conindid, d.description, di.description
         FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_description d ON d.objoid = co.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
         LEFT JOIN pg_description di ON co.contype IN ('p', 'u', 'x') AND di.objoid = co.conindid
              AND di.classoid = 'pg_class'::regclass AND di.objsubid = 0
         WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND co.conparentid = 0 AND {USER_NS} AND {ext}",
        ext = not_ext_member("pg_class", "c.oid")
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
        acl = acl_json("p.proacl", "'f'", "p.proowner"),
        ext = not_ext_member("pg_proc", "p.oid")
    )
}

fn q_triggers() -> String {
    format!(
        "SELECT t.oid, t.tgrelid, t.tgname::text, pg_get_triggerdef(t.oid), t.tgenabled::text, t.tgconstraint, d.description
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
         WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {USER_NS} AND {ext}",
        ext = not_ext_member("pg_class", "c.oid")
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
        acl = acl_json("NULL::aclitem[]", "k::\"char\"", "10::oid")
    )
}

const Q_DEPENDS: &str =
    "SELECT classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype::text
     FROM pg_depend WHERE objid >= 16384 AND deptype IN ('n', 'a', 'i', 'e')";

fn parse_acl(v: Option<Value>) -> Acl {
    let mut out = Acl::new();
    if let Some(Value::Array(items)) = v {
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

/// What each catalog row is, for resolving `pg_depend`.
#[derive(Default)]
struct OidMap {
    objects: HashMap<(u32, u32), ObjRef>,
    columns: HashMap<(u32, i32), ObjRef>,
    ext_members: HashMap<(u32, u32), String>,
}

impl OidMap {
    fn resolve(&self, class: u32, oid: u32, sub: i32) -> Option<ObjRef> {
        if let Some(ext) = self.ext_members.get(&(class, oid)) {
            return Some(ObjRef::Extension(ext.clone()));
        }
        if class == PG_CLASS && sub != 0 {
            if let Some(c) = self.columns.get(&(oid, sub)) {
                return Some(c.clone());
            }
        }
        self.objects.get(&(class, oid)).cloned()
    }
}

/// Reads the schema of the database `client` is connected to.
pub async fn introspect(client: &Client) -> Result<Catalog> {
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''; \
             SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '30s'",
        )
        .await
        .map_err(|e| ApiError::from(e).context("reading the catalog"))?;
    let result = read_all(client).await;
    let _ = client.batch_execute("COMMIT").await;
    result.map_err(|e| e.context("reading the catalog"))
}

async fn read_all(client: &Client) -> Result<Catalog> {
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
    // All queries are sent at once: tokio-postgres pipelines them on the one connection.
    let (version, deps, schemas, extensions, collations, types, relations, attributes) = tokio::try_join!(
        client.query_one("SELECT current_setting('server_version_num')::int4", &[]),
        client.query(Q_DEPENDS, &[]),
        client.query(&q_schemas, &[]),
        client.query(Q_EXTENSIONS, &[]),
        client.query(&q_collations, &[]),
        client.query(&q_types, &[]),
        client.query(&q_relations, &[]),
        client.query(&q_attributes, &[]),
    )?;
    let q_default_acls = q_default_acls();
    let (sequences, indexes, constraints, inherits, functions, triggers, policies, rules, acls) = tokio::try_join!(
        client.query(Q_SEQUENCES, &[]),
        client.query(&q_indexes, &[]),
        client.query(&q_constraints, &[]),
        client.query(Q_INHERITS, &[]),
        client.query(&q_functions, &[]),
        client.query(&q_triggers, &[]),
        client.query(&q_policies, &[]),
        client.query(Q_RULES, &[]),
        client.query(&q_default_acls, &[]),
    )?;
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
    };
    Ok(assemble(rows))
}

struct Rows {
    version: i32,
    deps: Vec<Row>,
    schemas: Vec<Row>,
    extensions: Vec<Row>,
    collations: Vec<Row>,
    types: Vec<Row>,
    relations: Vec<Row>,
    attributes: Vec<Row>,
    sequences: Vec<Row>,
    indexes: Vec<Row>,
    constraints: Vec<Row>,
    inherits: Vec<Row>,
    functions: Vec<Row>,
    triggers: Vec<Row>,
    policies: Vec<Row>,
    rules: Vec<Row>,
    acls: Vec<Row>,
}

enum RelKind {
    Table,
    View,
    Sequence,
}

fn assemble(rows: Rows) -> Catalog {
    let mut cat = Catalog {
        server_version_num: rows.version,
        ..Default::default()
    };
    let mut map = OidMap::default();
    for r in &rows.acls {
        cat.default_acls.insert(r.get(0), parse_acl(r.get(1)));
    }

    // Extensions and their members.
    let mut ext_names: HashMap<u32, String> = HashMap::new();
    for r in &rows.extensions {
        let oid: u32 = r.get(0);
        let name: String = r.get(1);
        ext_names.insert(oid, name.clone());
        map.objects
            .insert((PG_EXTENSION, oid), ObjRef::Extension(name.clone()));
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
    for r in &rows.deps {
        let deptype: String = r.get(6);
        if deptype == "e" {
            let refobj: u32 = r.get(4);
            if let Some(ext) = ext_names.get(&refobj) {
                map.ext_members.insert((r.get(0), r.get(1)), ext.clone());
            }
        }
    }

    for r in &rows.schemas {
        let name: String = r.get(1);
        map.objects
            .insert((PG_NAMESPACE, r.get(0)), ObjRef::Schema(name.clone()));
        cat.schemas.insert(
            name.clone(),
            Schema {
                name,
                owner: r.get(2),
                comment: r.get(3),
                acl: parse_acl(r.get(4)),
            },
        );
    }

    for r in &rows.collations {
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let j: Value = r.get(3);
        let s = |k: &str| j.get(k).and_then(json_str).filter(|s| !s.is_empty());
        map.objects
            .insert((PG_COLLATION, r.get(0)), ObjRef::Collation(name.clone()));
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
        let node = ObjRef::Type(name.clone());
        map.objects.insert((PG_TYPE, oid), node.clone());
        let arr: u32 = r.get(7);
        if arr != 0 {
            map.objects.insert((PG_TYPE, arr), node.clone());
        }
        let relid: u32 = r.get(8);
        if relid != 0 {
            map.objects.insert((PG_CLASS, relid), node.clone());
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
                        map.objects.insert((PG_CONSTRAINT, oid), node.clone());
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
                let g = |i: usize| j.get(i).and_then(json_str);
                for i in [6, 7] {
                    if let Some(o) = j.get(i).and_then(Value::as_u64) {
                        if o != 0 {
                            map.objects.insert((PG_TYPE, o as u32), node.clone());
                        }
                    }
                }
                TypeKind::Range {
                    subtype: g(0).unwrap_or_default(),
                    subtype_opclass: g(1),
                    collation: g(2),
                    canonical: g(3),
                    subtype_diff: g(4),
                    multirange: g(5),
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
                acl: parse_acl(r.get(6)),
            },
        );
    }

    // Relations.
    let mut rels: HashMap<u32, (QualName, RelKind)> = HashMap::new();
    for r in &rows.relations {
        let oid: u32 = r.get(0);
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        let relkind: String = r.get(3);
        let persistence: String = r.get(4);
        let owner: String = r.get(5);
        let options: Vec<String> = r.get(6);
        let comment: Option<String> = r.get(14);
        let acl = parse_acl(r.get(15));
        let (reltype, relarray): (u32, u32) = (r.get(16), r.get(17));
        match relkind.as_str() {
            "r" | "p" => {
                let node = ObjRef::Table(name.clone());
                map.objects.insert((PG_CLASS, oid), node.clone());
                for t in [reltype, relarray] {
                    if t != 0 {
                        map.objects.insert((PG_TYPE, t), node.clone());
                    }
                }
                rels.insert(oid, (name.clone(), RelKind::Table));
                cat.tables.insert(
                    name.clone(),
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
                        // Filled in from pg_inherits below.
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
                        acl,
                        estimated_rows: r.get(10),
                    },
                );
            }
            "v" | "m" => {
                let node = ObjRef::View(name.clone());
                map.objects.insert((PG_CLASS, oid), node.clone());
                for t in [reltype, relarray] {
                    if t != 0 {
                        map.objects.insert((PG_TYPE, t), node.clone());
                    }
                }
                rels.insert(oid, (name.clone(), RelKind::View));
                cat.views.insert(
                    name.clone(),
                    View {
                        name,
                        materialized: relkind == "m",
                        definition: r.get::<_, Option<String>>(13).unwrap_or_default(),
                        options,
                        columns: Vec::new(),
                        owner,
                        comment,
                        acl,
                    },
                );
            }
            _ => {
                map.objects
                    .insert((PG_CLASS, oid), ObjRef::Sequence(name.clone()));
                rels.insert(oid, (name.clone(), RelKind::Sequence));
                cat.sequences.insert(
                    name.clone(),
                    Sequence {
                        name,
                        options: SequenceOptions {
                            data_type: String::new(),
                            start: 1,
                            increment: 1,
                            min: 1,
                            max: i64::MAX,
                            cache: 1,
                            cycle: false,
                        },
                        unlogged: persistence == "u",
                        owned_by: None,
                        never_used: false,
                        owner,
                        comment,
                        acl,
                    },
                );
            }
        }
    }

    // Columns and defaults.
    let mut attnames: HashMap<(u32, i32), String> = HashMap::new();
    for r in &rows.attributes {
        let relid: u32 = r.get(0);
        let Some((rel, kind)) = rels.get(&relid) else {
            continue;
        };
        let attnum: i32 = r.get(1);
        let name: String = r.get(2);
        attnames.insert((relid, attnum), name.clone());
        let def_oid: Option<u32> = r.get(15);
        let expr: Option<String> = r.get(16);
        match kind {
            RelKind::Table => {
                let generated_code: String = r.get(6);
                let identity_code: String = r.get(5);
                let col_ref = ObjRef::Column(rel.clone(), name.clone());
                map.columns.insert((relid, attnum), col_ref.clone());
                let (default, generated) = if generated_code.is_empty() {
                    (expr, None)
                } else {
                    (None, expr)
                };
                if let Some(d) = def_oid {
                    let target = if default.is_some() {
                        ObjRef::Default(rel.clone(), name.clone())
                    } else {
                        col_ref.clone()
                    };
                    map.objects.insert((PG_ATTRDEF, d), target);
                }
                let col = Column {
                    name,
                    type_name: r.get(3),
                    collation: r.get(9),
                    not_null: r.get(4),
                    default,
                    identity: if identity_code.is_empty() {
                        None
                    } else {
                        Some(Identity {
                            always: identity_code == "a",
                            sequence: QualName::new("", ""),
                            options: SequenceOptions {
                                data_type: String::new(),
                                start: 1,
                                increment: 1,
                                min: 1,
                                max: i64::MAX,
                                cache: 1,
                                cycle: false,
                            },
                        })
                    },
                    generated_kind: match generated_code.as_str() {
                        "s" => Some("STORED".into()),
                        "v" => Some("VIRTUAL".into()),
                        _ => None,
                    },
                    generated,
                    storage: r.get(10),
                    statistics: r.get(11),
                    compression: r.get(12),
                    is_local: r.get(7),
                    inherit_count: r.get(8),
                    comment: r.get(13),
                    acl: parse_acl(r.get(14)),
                };
                if let Some(t) = cat.tables.get_mut(rel) {
                    t.columns.push(col);
                }
            }
            RelKind::View => {
                if let Some(d) = def_oid {
                    map.objects
                        .insert((PG_ATTRDEF, d), ObjRef::View(rel.clone()));
                }
                if let Some(v) = cat.views.get_mut(rel) {
                    v.columns.push(ViewColumn {
                        name,
                        type_name: r.get(3),
                        default: expr,
                        comment: r.get(13),
                        acl: parse_acl(r.get(14)),
                    });
                }
            }
            RelKind::Sequence => {}
        }
    }

    // Sequence parameters.
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
    for (oid, (name, kind)) in &rels {
        if let RelKind::Sequence = kind {
            if let (Some(s), Some((o, never))) = (cat.sequences.get_mut(name), seq_opts.get(oid)) {
                s.options = o.clone();
                s.never_used = *never;
            }
        }
    }

    // Inheritance and partitions.
    for r in &rows.inherits {
        let child: u32 = r.get(0);
        let parent: u32 = r.get(1);
        let (Some((cname, _)), Some((pname, _))) = (rels.get(&child), rels.get(&parent)) else {
            continue;
        };
        let pname = pname.clone();
        if let Some(t) = cat.tables.get_mut(cname) {
            match &mut t.partition_of {
                Some((p, _)) => *p = pname,
                None => t.inherits.push(pname),
            }
        }
    }

    // Indexes (constraint indexes belong to their constraint).
    let mut constraint_of_index: HashMap<u32, u32> = HashMap::new();
    let mut index_rows = Vec::new();
    for r in &rows.indexes {
        let is_partition: bool = r.get(10);
        if is_partition {
            continue;
        }
        let con: Option<u32> = r.get(9);
        if let Some(c) = con {
            constraint_of_index.insert(r.get(0), c);
        }
        index_rows.push(r);
    }

    // Constraints.
    let mut index_flags: HashMap<u32, (bool, bool)> = HashMap::new();
    for r in &index_rows {
        index_flags.insert(r.get(0), (r.get(6), r.get(7)));
    }
    for r in &rows.constraints {
        let oid: u32 = r.get(0);
        let relid: u32 = r.get(1);
        let Some((table, RelKind::Table)) = rels.get(&relid) else {
            continue;
        };
        let name: String = r.get(2);
        let kind: String = r.get(3);
        let node = ObjRef::Constraint(table.clone(), name.clone());
        map.objects.insert((PG_CONSTRAINT, oid), node.clone());
        let indid: u32 = r.get(8);
        let mut index = None;
        let (mut clustered, mut replident) = (false, false);
        if matches!(kind.as_str(), "p" | "u" | "x") && indid != 0 {
            map.objects.insert((PG_CLASS, indid), node.clone());
            if let Some((c, ri)) = index_flags.get(&indid) {
                clustered = *c;
                replident = *ri;
            }
            index = Some(QualName::new(table.schema.clone(), name.clone()));
        }
        if let Some(t) = cat.tables.get_mut(table) {
            t.constraints.insert(
                name.clone(),
                Constraint {
                    name,
                    kind,
                    definition: r.get(4),
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
    for r in index_rows {
        let oid: u32 = r.get(0);
        if constraint_of_index.contains_key(&oid) {
            continue;
        }
        let relid: u32 = r.get(3);
        let Some((table, _)) = rels.get(&relid) else {
            continue;
        };
        let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
        map.objects
            .insert((PG_CLASS, oid), ObjRef::Index(name.clone()));
        let stats: Vec<String> = r.get(11);
        cat.indexes.insert(
            name.clone(),
            Index {
                name,
                table: table.clone(),
                definition: r.get(4),
                unique: r.get(5),
                clustered: r.get(6),
                replica_identity: r.get(7),
                column_statistics: stats
                    .iter()
                    .filter_map(|s| {
                        let (a, b) = s.split_once(':')?;
                        Some((a.parse().ok()?, b.parse().ok()?))
                    })
                    .collect(),
                comment: r.get(8),
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
        map.objects
            .insert((PG_PROC, r.get(0)), ObjRef::Function(id.clone()));
        let names: Vec<String> = r.get(7);
        cat.functions.insert(
            id.clone(),
            Function {
                id,
                kind: r.get(4),
                definition: r.get(5),
                result: r.get(6),
                arg_names: names,
                arg_defaults: r.get(8),
                owner: r.get(9),
                comment: r.get(10),
                acl: parse_acl(r.get(11)),
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
        let node = ObjRef::Trigger(rel.clone(), name.clone());
        map.objects.insert((PG_TRIGGER, r.get(0)), node.clone());
        let con: u32 = r.get(5);
        if con != 0 {
            map.objects.insert((PG_CONSTRAINT, con), node);
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
        map.objects.insert(
            (PG_POLICY, r.get(0)),
            ObjRef::Policy(table.clone(), name.clone()),
        );
        let cmd: String = r.get(4);
        if let Some(t) = cat.tables.get_mut(table) {
            t.policies.insert(
                name.clone(),
                Policy {
                    name,
                    permissive: r.get(3),
                    command: match cmd.as_str() {
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
        if let Some((v, RelKind::View)) = rels.get(&ev) {
            map.objects
                .insert((PG_REWRITE, r.get(0)), ObjRef::View(v.clone()));
        }
    }

    // Dependencies, sequence ownership and identity sequences.
    let mut deps: BTreeSet<Dependency> = BTreeSet::new();
    let mut identity_seqs: HashMap<u32, (u32, i32)> = HashMap::new();
    for r in &rows.deps {
        let deptype: String = r.get(6);
        if deptype == "e" {
            continue;
        }
        let (classid, objid, objsubid): (u32, u32, i32) = (r.get(0), r.get(1), r.get(2));
        let (refclassid, refobjid, refobjsubid): (u32, u32, i32) = (r.get(3), r.get(4), r.get(5));
        if map.ext_members.contains_key(&(classid, objid)) {
            continue;
        }
        // A sequence owned by a column: identity (i) or OWNED BY (a).
        if classid == PG_CLASS && refclassid == PG_CLASS && refobjsubid > 0 {
            if let Some((seq, RelKind::Sequence)) = rels.get(&objid) {
                if deptype == "i" {
                    identity_seqs.insert(objid, (refobjid, refobjsubid));
                    continue;
                }
                if let (Some((table, RelKind::Table)), Some(col)) =
                    (rels.get(&refobjid), attnames.get(&(refobjid, refobjsubid)))
                {
                    if let Some(s) = cat.sequences.get_mut(seq) {
                        s.owned_by = Some((table.clone(), col.clone()));
                    }
                    deps.insert(Dependency {
                        dependent: ObjRef::SequenceOwner(seq.clone()),
                        referenced: ObjRef::Column(table.clone(), col.clone()),
                        kind: DepKind::Auto,
                    });
                    continue;
                }
            }
        }
        let Some(dependent) = map.resolve(classid, objid, objsubid) else {
            continue;
        };
        let Some(referenced) = map.resolve(refclassid, refobjid, refobjsubid) else {
            continue;
        };
        if dependent == referenced {
            continue;
        }
        deps.insert(Dependency {
            dependent,
            referenced,
            kind: if deptype == "n" {
                DepKind::Normal
            } else {
                DepKind::Auto
            },
        });
    }

    // Identity sequences are part of their column.
    for (seq_oid, (relid, attnum)) in identity_seqs {
        let Some((seq_name, _)) = rels.get(&seq_oid) else {
            continue;
        };
        let seq_name = seq_name.clone();
        let opts = cat.sequences.remove(&seq_name).map(|s| s.options);
        let (Some((table, _)), Some(col)) = (rels.get(&relid), attnames.get(&(relid, attnum)))
        else {
            continue;
        };
        map.objects.insert(
            (PG_CLASS, seq_oid),
            ObjRef::Column(table.clone(), col.clone()),
        );
        if let Some(c) = cat
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.iter_mut().find(|c| &c.name == col))
        {
            if let Some(id) = &mut c.identity {
                id.sequence = seq_name.clone();
                if let Some(o) = opts {
                    id.options = o;
                }
            }
        }
    }
    // Dependencies of identity sequences were resolved before they were re-mapped.
    deps.retain(|d| {
        !matches!(&d.dependent, ObjRef::Sequence(s) if !cat.sequences.contains_key(s))
            && !matches!(&d.referenced, ObjRef::Sequence(s) if !cat.sequences.contains_key(s))
    });

    // Inherited columns and constraints go away with (and come from) the parent's.
    for t in cat.tables.values() {
        let parents: Vec<&QualName> = t
            .partition_of
            .iter()
            .map(|(p, _)| p)
            .chain(t.inherits.iter())
            .collect();
        if parents.is_empty() {
            continue;
        }
        for c in t
            .columns
            .iter()
            .filter(|c| c.inherit_count > 0 && !c.is_local)
        {
            if let Some(p) = parents.iter().find(|p| {
                cat.tables
                    .get(**p)
                    .is_some_and(|pt| pt.column(&c.name).is_some())
            }) {
                deps.insert(Dependency {
                    dependent: ObjRef::Column(t.name.clone(), c.name.clone()),
                    referenced: ObjRef::Column((*p).clone(), c.name.clone()),
                    kind: DepKind::Auto,
                });
            }
        }
        for c in t
            .constraints
            .values()
            .filter(|c| c.inherit_count > 0 && !c.is_local)
        {
            if let Some(p) = parents.iter().find(|p| {
                cat.tables
                    .get(**p)
                    .is_some_and(|pt| pt.constraints.contains_key(&c.name))
            }) {
                deps.insert(Dependency {
                    dependent: ObjRef::Constraint(t.name.clone(), c.name.clone()),
                    referenced: ObjRef::Constraint((*p).clone(), c.name.clone()),
                    kind: DepKind::Auto,
                });
            }
        }
    }
    cat.dependencies = deps.into_iter().collect();
    cat
}

//! Objects the copy cannot carry yet. The schema model (see `crate::schema`) does not read
//! them, so a copy made without them would silently lack them: they are found first, in the
//! copy's snapshot, and named in an error before anything is created or any row moves.
use crate::error::{ApiError, Result};
use tokio_postgres::Client;

/// Not in a system schema.
const USER_NS: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// Not created by an extension (`deptype = 'e'`) for the catalog `cat` and object `obj`.
fn not_ext(cat: &str, obj: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{cat}'::regclass \
         AND e.objid = {obj}.oid AND e.deptype = 'e')"
    )
}

/// One `SELECT kind, name` per kind the model lacks; names are printed by the server.
fn query() -> String {
    let parts = [
        format!(
            "SELECT 'operator', o.oid::regoperator::text FROM pg_operator o \
             JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE {USER_NS} AND {}",
            not_ext("pg_operator", "o")
        ),
        format!(
            "SELECT 'operator class', quote_ident(n.nspname) || '.' || quote_ident(c.opcname) \
             FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace \
             WHERE {USER_NS} AND {}",
            not_ext("pg_opclass", "c")
        ),
        format!(
            "SELECT 'operator family', quote_ident(n.nspname) || '.' || quote_ident(f.opfname) \
             FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace \
             WHERE {USER_NS} AND {}",
            not_ext("pg_opfamily", "f")
        ),
        format!(
            "SELECT 'cast', format('(%s AS %s)', c.castsource::regtype, c.casttarget::regtype) \
             FROM pg_cast c WHERE c.oid >= 16384 AND {}",
            not_ext("pg_cast", "c")
        ),
        format!(
            "SELECT 'conversion', quote_ident(n.nspname) || '.' || quote_ident(c.conname) \
             FROM pg_conversion c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE {USER_NS} AND {}",
            not_ext("pg_conversion", "c")
        ),
        format!(
            "SELECT 'text search configuration', c.oid::regconfig::text FROM pg_ts_config c \
             JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE {USER_NS} AND {}",
            not_ext("pg_ts_config", "c")
        ),
        format!(
            "SELECT 'text search dictionary', d.oid::regdictionary::text FROM pg_ts_dict d \
             JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE {USER_NS} AND {}",
            not_ext("pg_ts_dict", "d")
        ),
        format!(
            "SELECT 'base type', t.oid::regtype::text FROM pg_type t \
             JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype IN ('b', 'p') AND {USER_NS} AND {} \
             AND NOT EXISTS (SELECT 1 FROM pg_type a WHERE a.typarray = t.oid)",
            not_ext("pg_type", "t")
        ),
        format!(
            "SELECT 'language', quote_ident(l.lanname) FROM pg_language l \
             WHERE l.oid >= 16384 AND {}",
            not_ext("pg_language", "l")
        ),
        format!(
            "SELECT 'event trigger', quote_ident(t.evtname) FROM pg_event_trigger t WHERE {}",
            not_ext("pg_event_trigger", "t")
        ),
        format!(
            "SELECT 'foreign data wrapper', quote_ident(w.fdwname) \
             FROM pg_foreign_data_wrapper w WHERE {}",
            not_ext("pg_foreign_data_wrapper", "w")
        ),
        format!(
            "SELECT 'foreign server', quote_ident(s.srvname) FROM pg_foreign_server s WHERE {}",
            not_ext("pg_foreign_server", "s")
        ),
        format!(
            "SELECT CASE c.relkind WHEN 'f' THEN 'foreign table' ELSE 'typed table' END, \
             c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE (c.relkind = 'f' OR (c.relkind IN ('r', 'p') AND c.reloftype <> 0)) \
             AND {USER_NS} AND {}",
            not_ext("pg_class", "c")
        ),
        format!(
            "SELECT 'table access method ' || quote_ident(a.amname), c.oid::regclass::text \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_am a ON a.oid = c.relam \
             WHERE c.relkind IN ('r', 'm') AND a.amname <> 'heap' AND {USER_NS} AND {}",
            not_ext("pg_class", "c")
        ),
        format!(
            "SELECT 'rule', format('%I ON %s', r.rulename, r.ev_class::regclass) \
             FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE r.rulename <> '_RETURN' AND {USER_NS} AND {}",
            not_ext("pg_rewrite", "r")
        ),
        format!(
            "SELECT 'extended statistics', quote_ident(n.nspname) || '.' || quote_ident(s.stxname) \
             FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace \
             WHERE {USER_NS} AND {}",
            not_ext("pg_statistic_ext", "s")
        ),
        "SELECT 'publication', quote_ident(p.pubname) FROM pg_publication p".to_string(),
        "SELECT 'large object', l.oid::text FROM pg_largeobject_metadata l".to_string(),
        // The model reads them, but the copy does not yet map their roles to the target's.
        "SELECT 'default privileges', format('FOR ROLE %I%s ON %s', pg_get_userbyid(d.defaclrole), \
         CASE WHEN d.defaclnamespace = 0 THEN '' ELSE ' IN SCHEMA ' || d.defaclnamespace::regnamespace END, \
         d.defaclobjtype) FROM pg_default_acl d"
            .to_string(),
        "SELECT 'security label', format('%s on %s', l.provider, l.objoid) FROM pg_seclabel l"
            .to_string(),
    ];
    format!(
        "SELECT kind, count(*)::int, (array_agg(name ORDER BY name))[1:5] FROM ({}) o(kind, name) \
         GROUP BY kind ORDER BY kind",
        parts.join(" UNION ALL ")
    )
}

/// Fails, naming each kind and up to five of its objects, when the source has objects the
/// copy cannot carry.
pub(super) async fn refuse_unsupported(source: &Client) -> Result<()> {
    // Names printed schema-qualified.
    let rows = async {
        source.batch_execute("SET LOCAL search_path = ''").await?;
        source.query(&query(), &[]).await
    }
    .await
    .map_err(|e| ApiError::from(e).context("looking for objects the copy cannot carry"))?;
    if rows.is_empty() {
        return Ok(());
    }
    let found: Vec<String> = rows
        .iter()
        .map(|r| {
            let (kind, n, names): (String, i32, Vec<String>) = (r.get(0), r.get(1), r.get(2));
            let more = if n as usize > names.len() {
                format!(" and {} more", n as usize - names.len())
            } else {
                String::new()
            };
            format!("{n} {kind} ({}{more})", names.join(", "))
        })
        .collect();
    Err(ApiError::invalid(format!(
        "the online copy cannot copy this database yet: it has {}; nothing was copied",
        found.join("; ")
    ))
    .with_hint("copy it with CREATE DATABASE … TEMPLATE on the same server, or drop these objects"))
}

//! SQL text for each object of the model: the statements that create it (what the report shows
//! as its DDL), and the small statements (`COMMENT`, `GRANT`/`REVOKE`, column options) the
//! migration reuses. Identifiers go through `quote_ident`, text through `quote_literal`; SQL
//! fragments PostgreSQL printed itself (`pg_get_*def`, expressions, type names) are used as is.
use super::model::*;
use crate::ident::{quote_ident, quote_literal};
use std::collections::BTreeMap;

pub fn qi(s: &str) -> String {
    quote_ident(s)
}

/// `COMMENT ON <target> IS '…';` (or `IS NULL`).
pub fn comment_on(target: &str, comment: Option<&str>) -> String {
    match comment {
        Some(c) => format!("COMMENT ON {target} IS {};", quote_literal(c)),
        None => format!("COMMENT ON {target} IS NULL;"),
    }
}

fn comment_if(out: &mut Vec<String>, target: &str, comment: &Option<String>) {
    if let Some(c) = comment {
        out.push(comment_on(target, Some(c)));
    }
}

/// The SQL spelling of a grantee. The owner is named (`owner`) for existing objects, or
/// `CURRENT_USER` for objects the migration creates.
fn grantee_sql(g: &Grantee, owner: &str) -> String {
    match g {
        Grantee::Owner => owner.to_string(),
        Grantee::Public => "PUBLIC".into(),
        Grantee::Role(r) => quote_ident(r),
    }
}

/// `GRANT`/`REVOKE` statements turning privileges `from` into `to` on an object.
/// `object` is e.g. `TABLE "s"."t"`, `columns` e.g. `Some("\"c\"")` for column privileges.
pub fn acl_changes(
    object: &str,
    columns: Option<&str>,
    from: &Acl,
    to: &Acl,
    owner: &str,
) -> Vec<String> {
    if from == to {
        return Vec::new();
    }
    let index = |acl: &Acl| -> BTreeMap<(Grantee, String), bool> {
        acl.iter()
            .map(|p| ((p.grantee.clone(), p.privilege.clone()), p.grantable))
            .collect()
    };
    let (f, t) = (index(from), index(to));
    // (grantee, kind) -> privileges; kind: 0 revoke, 1 revoke grant option, 2 grant, 3 grant
    // with grant option.
    let mut groups: BTreeMap<(Grantee, u8), Vec<String>> = BTreeMap::new();
    for ((g, p), fg) in &f {
        match t.get(&(g.clone(), p.clone())) {
            None => groups.entry((g.clone(), 0)).or_default().push(p.clone()),
            Some(tg) if *fg && !*tg => groups.entry((g.clone(), 1)).or_default().push(p.clone()),
            _ => {}
        }
    }
    for ((g, p), tg) in &t {
        match f.get(&(g.clone(), p.clone())) {
            None => groups
                .entry((g.clone(), if *tg { 3 } else { 2 }))
                .or_default()
                .push(p.clone()),
            Some(fg) if *tg && !*fg => groups.entry((g.clone(), 3)).or_default().push(p.clone()),
            _ => {}
        }
    }
    let cols = columns.map(|c| format!(" ({c})")).unwrap_or_default();
    let mut out = Vec::new();
    for ((g, kind), privs) in groups {
        let privs = privs
            .iter()
            .map(|p| format!("{p}{cols}"))
            .collect::<Vec<_>>()
            .join(", ");
        let who = grantee_sql(&g, owner);
        out.push(match kind {
            0 => format!("REVOKE {privs} ON {object} FROM {who};"),
            1 => format!("REVOKE GRANT OPTION FOR {privs} ON {object} FROM {who};"),
            2 => format!("GRANT {privs} ON {object} TO {who};"),
            _ => format!("GRANT {privs} ON {object} TO {who} WITH GRANT OPTION;"),
        });
    }
    // Revokes first, so that a privilege moving between grant options is never lost.
    out.sort_by_key(|s| !s.starts_with("REVOKE"));
    out
}

pub fn default_acl(cat: &Catalog, kind: &str) -> Acl {
    cat.default_acls.get(kind).cloned().unwrap_or_default()
}

// ---- schemas, extensions, collations -------------------------------------------------------

pub fn schema_create(s: &Schema, defaults: &Acl) -> Vec<String> {
    let target = format!("SCHEMA {}", qi(&s.name));
    let mut out = vec![format!("CREATE SCHEMA {};", qi(&s.name))];
    comment_if(&mut out, &target, &s.comment);
    out.extend(acl_changes(&target, None, defaults, &s.acl, "CURRENT_USER"));
    out
}

pub fn extension_create(e: &Extension) -> Vec<String> {
    vec![format!(
        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} VERSION {};",
        qi(&e.name),
        qi(&e.schema),
        quote_literal(&e.version)
    )]
}

pub fn collation_create(c: &Collation) -> Vec<String> {
    let mut opts = Vec::new();
    let lit = |s: &str| quote_literal(s);
    match c.provider.as_str() {
        "i" => {
            opts.push("provider = icu".to_string());
            if let Some(l) = &c.locale {
                opts.push(format!("locale = {}", lit(l)));
            }
            if let Some(r) = &c.icu_rules {
                opts.push(format!("rules = {}", lit(r)));
            }
        }
        "b" => {
            opts.push("provider = builtin".to_string());
            if let Some(l) = &c.locale {
                opts.push(format!("locale = {}", lit(l)));
            }
        }
        _ => {
            opts.push("provider = libc".to_string());
            if let Some(l) = &c.lc_collate {
                opts.push(format!("lc_collate = {}", lit(l)));
            }
            if let Some(l) = &c.lc_ctype {
                opts.push(format!("lc_ctype = {}", lit(l)));
            }
        }
    }
    if !c.deterministic {
        opts.push("deterministic = false".into());
    }
    let mut out = vec![format!(
        "CREATE COLLATION {} ({});",
        c.name.sql(),
        opts.join(", ")
    )];
    comment_if(&mut out, &format!("COLLATION {}", c.name.sql()), &c.comment);
    out
}

// ---- types ---------------------------------------------------------------------------------

pub fn type_keyword(t: &TypeDef) -> &'static str {
    match t.kind {
        TypeKind::Domain(_) => "DOMAIN",
        _ => "TYPE",
    }
}

pub fn enum_labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| quote_literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn composite_attribute(a: &TypeAttribute) -> String {
    let mut s = format!("{} {}", qi(&a.name), a.type_name);
    if let Some(c) = &a.collation {
        s.push_str(&format!(" COLLATE {c}"));
    }
    s
}

pub fn domain_check_add(name: &QualName, cname: &str, check: &DomainCheck) -> Vec<String> {
    let mut out = vec![format!(
        "ALTER DOMAIN {} ADD CONSTRAINT {} {};",
        name.sql(),
        qi(cname),
        check.definition
    )];
    comment_if(
        &mut out,
        &format!("CONSTRAINT {} ON DOMAIN {}", qi(cname), name.sql()),
        &check.comment,
    );
    out
}

pub fn type_create(t: &TypeDef, defaults: &Acl) -> Vec<String> {
    let name = t.name.sql();
    let mut out = Vec::new();
    match &t.kind {
        TypeKind::Enum { labels } => {
            out.push(format!(
                "CREATE TYPE {name} AS ENUM ({});",
                enum_labels(labels)
            ));
        }
        TypeKind::Composite { attributes } => {
            out.push(format!(
                "CREATE TYPE {name} AS ({});",
                attributes
                    .iter()
                    .map(composite_attribute)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        TypeKind::Range {
            subtype,
            subtype_opclass,
            collation,
            canonical,
            subtype_diff,
            multirange,
        } => {
            let mut opts = vec![format!("subtype = {subtype}")];
            if let Some(o) = subtype_opclass {
                opts.push(format!("subtype_opclass = {o}"));
            }
            if let Some(c) = collation {
                opts.push(format!("collation = {c}"));
            }
            if let Some(c) = canonical {
                opts.push(format!("canonical = {c}"));
            }
            if let Some(c) = subtype_diff {
                opts.push(format!("subtype_diff = {c}"));
            }
            if let Some(m) = multirange {
                opts.push(format!("multirange_type_name = {m}"));
            }
            out.push(format!(
                "CREATE TYPE {name} AS RANGE ({});",
                opts.join(", ")
            ));
        }
        TypeKind::Domain(d) => {
            let mut s = format!("CREATE DOMAIN {name} AS {}", d.base_type);
            if let Some(c) = &d.collation {
                s.push_str(&format!(" COLLATE {c}"));
            }
            if let Some(def) = &d.default {
                s.push_str(&format!(" DEFAULT {def}"));
            }
            if d.not_null {
                s.push_str(" NOT NULL");
            }
            s.push(';');
            out.push(s);
            for (cname, check) in &d.checks {
                out.extend(domain_check_add(&t.name, cname, check));
            }
        }
    }
    let target = format!("{} {name}", type_keyword(t));
    comment_if(&mut out, &target, &t.comment);
    out.extend(acl_changes(
        &format!("TYPE {name}"),
        None,
        defaults,
        &t.acl,
        "CURRENT_USER",
    ));
    out
}

// ---- sequences -----------------------------------------------------------------------------

fn type_bounds(data_type: &str) -> (i64, i64) {
    match data_type {
        "smallint" => (i16::MIN as i64, i16::MAX as i64),
        "integer" => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Sequence options, leaving out those equal to the defaults for the type and direction.
pub fn sequence_options(o: &SequenceOptions, with_type: bool) -> String {
    let (tmin, tmax) = type_bounds(&o.data_type);
    let asc = o.increment > 0;
    let (dmin, dmax) = if asc { (1, tmax) } else { (tmin, -1) };
    let dstart = if asc { o.min } else { o.max };
    let mut parts = Vec::new();
    if with_type && !o.data_type.is_empty() {
        parts.push(format!("AS {}", o.data_type));
    }
    if o.start != dstart {
        parts.push(format!("START WITH {}", o.start));
    }
    if o.increment != 1 {
        parts.push(format!("INCREMENT BY {}", o.increment));
    }
    if o.min != dmin {
        parts.push(format!("MINVALUE {}", o.min));
    }
    if o.max != dmax {
        parts.push(format!("MAXVALUE {}", o.max));
    }
    if o.cache != 1 {
        parts.push(format!("CACHE {}", o.cache));
    }
    if o.cycle {
        parts.push("CYCLE".into());
    }
    parts.join(" ")
}

/// The options that differ between two sequences, as `ALTER SEQUENCE` clauses. A type change
/// spells out the bounds, which PostgreSQL would otherwise keep or reset on its own.
pub fn sequence_option_changes(
    f: &SequenceOptions,
    t: &SequenceOptions,
    with_type: bool,
) -> Vec<String> {
    let mut parts = Vec::new();
    let type_changed = with_type && f.data_type != t.data_type;
    if type_changed {
        parts.push(format!("AS {}", t.data_type));
    }
    if f.increment != t.increment {
        parts.push(format!("INCREMENT BY {}", t.increment));
    }
    if type_changed || f.min != t.min {
        parts.push(format!("MINVALUE {}", t.min));
    }
    if type_changed || f.max != t.max {
        parts.push(format!("MAXVALUE {}", t.max));
    }
    if f.start != t.start {
        parts.push(format!("START WITH {}", t.start));
    }
    if f.cache != t.cache {
        parts.push(format!("CACHE {}", t.cache));
    }
    if f.cycle != t.cycle {
        parts.push(if t.cycle { "CYCLE" } else { "NO CYCLE" }.into());
    }
    parts
}

pub fn sequence_create(s: &Sequence, defaults: &Acl) -> Vec<String> {
    let opts = sequence_options(&s.options, true);
    let mut out = vec![format!(
        "CREATE {}SEQUENCE {}{}{};",
        if s.unlogged { "UNLOGGED " } else { "" },
        s.name.sql(),
        if opts.is_empty() { "" } else { " " },
        opts
    )];
    let target = format!("SEQUENCE {}", s.name.sql());
    comment_if(&mut out, &target, &s.comment);
    out.extend(acl_changes(&target, None, defaults, &s.acl, "CURRENT_USER"));
    out
}

pub fn sequence_owner(s: &Sequence) -> String {
    match &s.owned_by {
        Some((t, c)) => format!(
            "ALTER SEQUENCE {} OWNED BY {}.{};",
            s.name.sql(),
            t.sql(),
            qi(c)
        ),
        None => format!("ALTER SEQUENCE {} OWNED BY NONE;", s.name.sql()),
    }
}

// ---- tables --------------------------------------------------------------------------------

pub fn identity_clause(id: &Identity) -> String {
    let mut opts = format!("SEQUENCE NAME {}", id.sequence.sql());
    let rest = sequence_options(&id.options, false);
    if !rest.is_empty() {
        opts.push(' ');
        opts.push_str(&rest);
    }
    format!(
        "GENERATED {} AS IDENTITY ({opts})",
        if id.always { "ALWAYS" } else { "BY DEFAULT" }
    )
}

/// A column definition as in `CREATE TABLE` / `ADD COLUMN` (with its default).
pub fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", qi(&c.name), c.type_name);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(expr) = &c.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({expr}) {}",
            c.generated_kind.as_deref().unwrap_or("STORED")
        ));
    }
    if let Some(id) = &c.identity {
        s.push(' ');
        s.push_str(&identity_clause(id));
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

/// Column options set apart from the definition: storage, statistics, compression.
pub fn column_options(table: &QualName, c: &Column) -> Vec<String> {
    let mut out = Vec::new();
    let col = format!(
        "ALTER TABLE ONLY {} ALTER COLUMN {}",
        table.sql(),
        qi(&c.name)
    );
    if let Some(st) = &c.storage {
        out.push(format!("{col} SET STORAGE {};", storage_name(st)));
    }
    if c.statistics >= 0 {
        out.push(format!("{col} SET STATISTICS {};", c.statistics));
    }
    if let Some(cm) = &c.compression {
        out.push(format!("{col} SET COMPRESSION {};", compression_name(cm)));
    }
    out
}

pub fn storage_name(code: &str) -> &'static str {
    match code {
        "p" => "PLAIN",
        "e" => "EXTERNAL",
        "m" => "MAIN",
        _ => "EXTENDED",
    }
}

pub fn compression_name(code: &str) -> &'static str {
    match code {
        "l" => "lz4",
        _ => "pglz",
    }
}

pub fn column_comment_target(table: &QualName, col: &str) -> String {
    format!("COLUMN {}.{}", table.sql(), qi(col))
}

/// The parent a table's inherited column comes from, in `cat`.
pub fn parent_column<'a>(cat: &'a Catalog, t: &Table, col: &str) -> Option<&'a Column> {
    t.partition_of
        .iter()
        .map(|(p, _)| p)
        .chain(t.inherits.iter())
        .filter_map(|p| cat.tables.get(p))
        .find_map(|p| p.column(col))
}

/// `CREATE TABLE` and what follows it: column options, inherited-column adjustments, row
/// security, replica identity, comments and privileges. Constraints, indexes, triggers and
/// policies are separate objects.
pub fn table_create(t: &Table, cat: &Catalog, defaults: &Acl) -> Vec<String> {
    let name = t.name.sql();
    let unlogged = if t.unlogged { "UNLOGGED " } else { "" };
    let mut head = match &t.partition_of {
        Some((parent, bound)) => {
            format!(
                "CREATE {unlogged}TABLE {name} PARTITION OF {} {bound}",
                parent.sql()
            )
        }
        None => {
            let cols: Vec<String> = t
                .columns
                .iter()
                .filter(|c| c.is_local)
                .map(|c| format!("    {}", column_def(c)))
                .collect();
            let mut s = if cols.is_empty() {
                format!("CREATE {unlogged}TABLE {name} ()")
            } else {
                format!("CREATE {unlogged}TABLE {name} (\n{}\n)", cols.join(",\n"))
            };
            if !t.inherits.is_empty() {
                s.push_str(&format!(
                    " INHERITS ({})",
                    t.inherits
                        .iter()
                        .map(|p| p.sql())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            s
        }
    };
    if let Some(k) = &t.partition_key {
        head.push_str(&format!(" PARTITION BY {k}"));
    }
    if !t.options.is_empty() {
        head.push_str(&format!(" WITH ({})", t.options.join(", ")));
    }
    head.push(';');
    let mut out = vec![head];
    for c in &t.columns {
        if !c.is_local || t.partition_of.is_some() {
            // Inherited: PostgreSQL copies the parent's default and NOT NULL; adjust.
            let parent = parent_column(cat, t, &c.name);
            let col = format!("ALTER TABLE ONLY {name} ALTER COLUMN {}", qi(&c.name));
            let pdef = parent.and_then(|p| p.default.as_ref());
            if c.default.as_ref() != pdef {
                out.push(match &c.default {
                    Some(d) => format!("{col} SET DEFAULT {d};"),
                    None => format!("{col} DROP DEFAULT;"),
                });
            }
            if c.not_null && !parent.is_some_and(|p| p.not_null) {
                out.push(format!(
                    "ALTER TABLE {name} ALTER COLUMN {} SET NOT NULL;",
                    qi(&c.name)
                ));
            }
        }
        out.extend(column_options(&t.name, c));
    }
    if t.rls_enabled {
        out.push(format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;"));
    }
    if t.rls_forced {
        out.push(format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"));
    }
    if let Some(ri) = replica_identity_sql(&t.replica_identity) {
        out.push(format!("ALTER TABLE {name} REPLICA IDENTITY {ri};"));
    }
    comment_if(&mut out, &format!("TABLE {name}"), &t.comment);
    for c in &t.columns {
        comment_if(
            &mut out,
            &column_comment_target(&t.name, &c.name),
            &c.comment,
        );
    }
    let target = format!("TABLE {name}");
    out.extend(acl_changes(&target, None, defaults, &t.acl, "CURRENT_USER"));
    for c in &t.columns {
        out.extend(acl_changes(
            &target,
            Some(&qi(&c.name)),
            &Acl::new(),
            &c.acl,
            "CURRENT_USER",
        ));
    }
    out
}

/// `NOTHING` / `FULL`; `None` for the default (and for `USING INDEX`, set with the index).
pub fn replica_identity_sql(code: &str) -> Option<&'static str> {
    match code {
        "n" => Some("NOTHING"),
        "f" => Some("FULL"),
        _ => None,
    }
}

pub fn constraint_create(table: &QualName, c: &Constraint) -> Vec<String> {
    let mut out = vec![format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {};",
        table.sql(),
        qi(&c.name),
        c.definition
    )];
    if c.clustered {
        out.push(format!(
            "ALTER TABLE {} CLUSTER ON {};",
            table.sql(),
            qi(&c.name)
        ));
    }
    if c.replica_identity {
        out.push(format!(
            "ALTER TABLE {} REPLICA IDENTITY USING INDEX {};",
            table.sql(),
            qi(&c.name)
        ));
    }
    comment_if(
        &mut out,
        &format!("CONSTRAINT {} ON {}", qi(&c.name), table.sql()),
        &c.comment,
    );
    if let Some(i) = &c.index {
        comment_if(&mut out, &format!("INDEX {}", i.sql()), &c.index_comment);
    }
    out
}

pub fn index_create(i: &Index) -> Vec<String> {
    // pg_get_indexdef says `ON ONLY` for a partitioned table (pg_dump then attaches each
    // partition's index); created as is, the index must cascade to the partitions.
    let def = i.definition.replacen(" ON ONLY ", " ON ", 1);
    let mut out = vec![format!("{def};")];
    for (col, stat) in &i.column_statistics {
        out.push(format!(
            "ALTER INDEX {} ALTER COLUMN {col} SET STATISTICS {stat};",
            i.name.sql()
        ));
    }
    if i.clustered {
        out.push(format!(
            "ALTER TABLE {} CLUSTER ON {};",
            i.table.sql(),
            qi(&i.name.name)
        ));
    }
    if i.replica_identity {
        out.push(format!(
            "ALTER TABLE {} REPLICA IDENTITY USING INDEX {};",
            i.table.sql(),
            qi(&i.name.name)
        ));
    }
    comment_if(&mut out, &format!("INDEX {}", i.name.sql()), &i.comment);
    out
}

// ---- views, functions, triggers, policies --------------------------------------------------

pub fn view_keyword(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

pub fn view_body(v: &View) -> String {
    v.definition.trim_end().trim_end_matches(';').to_string()
}

/// `CREATE [OR REPLACE] VIEW` / `CREATE MATERIALIZED VIEW` alone.
pub fn view_statement(v: &View, or_replace: bool) -> String {
    let with = if v.options.is_empty() || (or_replace && !v.materialized) {
        String::new()
    } else {
        format!(" WITH ({})", v.options.join(", "))
    };
    if v.materialized {
        format!(
            "CREATE MATERIALIZED VIEW {}{with} AS\n{};",
            v.name.sql(),
            view_body(v)
        )
    } else {
        format!(
            "CREATE {}VIEW {}{with} AS\n{};",
            if or_replace { "OR REPLACE " } else { "" },
            v.name.sql(),
            view_body(v)
        )
    }
}

pub fn view_create(v: &View, defaults: &Acl) -> Vec<String> {
    let mut out = vec![view_statement(v, false)];
    out.extend(view_extras(v, defaults));
    out
}

/// Column defaults, comments and privileges of a view.
pub fn view_extras(v: &View, defaults: &Acl) -> Vec<String> {
    let mut out = Vec::new();
    for c in &v.columns {
        if let Some(d) = &c.default {
            out.push(format!(
                "ALTER VIEW {} ALTER COLUMN {} SET DEFAULT {d};",
                v.name.sql(),
                qi(&c.name)
            ));
        }
    }
    comment_if(
        &mut out,
        &format!("{} {}", view_keyword(v), v.name.sql()),
        &v.comment,
    );
    for c in &v.columns {
        comment_if(
            &mut out,
            &column_comment_target(&v.name, &c.name),
            &c.comment,
        );
    }
    let target = format!("TABLE {}", v.name.sql());
    out.extend(acl_changes(&target, None, defaults, &v.acl, "CURRENT_USER"));
    for c in &v.columns {
        out.extend(acl_changes(
            &target,
            Some(&qi(&c.name)),
            &Acl::new(),
            &c.acl,
            "CURRENT_USER",
        ));
    }
    out
}

pub fn function_keyword(f: &Function) -> &'static str {
    if f.kind == "p" {
        "PROCEDURE"
    } else {
        "FUNCTION"
    }
}

pub fn function_statement(f: &Function) -> String {
    let def = f.definition.trim_end();
    if def.ends_with(';') {
        def.to_string()
    } else {
        format!("{def};")
    }
}

pub fn function_create(f: &Function, defaults: &Acl) -> Vec<String> {
    let mut out = vec![function_statement(f)];
    let target = format!("{} {}", function_keyword(f), f.id.sql());
    comment_if(&mut out, &target, &f.comment);
    out.extend(acl_changes(&target, None, defaults, &f.acl, "CURRENT_USER"));
    out
}

pub fn trigger_enable(t: &Trigger) -> Option<String> {
    let what = match t.enabled.as_str() {
        "D" => "DISABLE TRIGGER",
        "R" => "ENABLE REPLICA TRIGGER",
        "A" => "ENABLE ALWAYS TRIGGER",
        _ => return None,
    };
    Some(format!(
        "ALTER TABLE {} {what} {};",
        t.table.sql(),
        qi(&t.name)
    ))
}

pub fn trigger_create(t: &Trigger) -> Vec<String> {
    let mut out = vec![format!("{};", t.definition)];
    out.extend(trigger_enable(t));
    comment_if(
        &mut out,
        &format!("TRIGGER {} ON {}", qi(&t.name), t.table.sql()),
        &t.comment,
    );
    out
}

pub fn policy_create(table: &QualName, p: &Policy) -> Vec<String> {
    let mut s = format!("CREATE POLICY {} ON {}", qi(&p.name), table.sql());
    if !p.permissive {
        s.push_str(" AS RESTRICTIVE");
    }
    s.push_str(&format!(" FOR {}", p.command));
    let roles: Vec<String> = p
        .roles
        .iter()
        .map(|r| match r {
            None => "PUBLIC".to_string(),
            Some(r) => qi(r),
        })
        .collect();
    if !roles.is_empty() {
        s.push_str(&format!(" TO {}", roles.join(", ")));
    }
    if let Some(u) = &p.using {
        s.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        s.push_str(&format!(" WITH CHECK ({c})"));
    }
    s.push(';');
    let mut out = vec![s];
    comment_if(
        &mut out,
        &format!("POLICY {} ON {}", qi(&p.name), table.sql()),
        &p.comment,
    );
    out
}

//! Tables and their columns, constraints and indexes, and what hangs on a table besides:
//! triggers and row security policies.
use super::sequences::sequence_options;
use super::{acl_changes, comment_if, qi, stable_reparse};
use crate::schema::model::*;

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
    if let Some(coll) = c.collation() {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(expr) = c.generated() {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({expr}) {}",
            c.generated_kind().unwrap_or("STORED")
        ));
    }
    if let Some(id) = c.identity() {
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
    if let Some(st) = c.storage() {
        out.push(format!("{col} SET STORAGE {};", storage_name(st)));
    }
    if c.statistics() >= 0 {
        out.push(format!("{col} SET STATISTICS {};", c.statistics()));
    }
    if let Some(cm) = c.compression() {
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
        stable_reparse(&c.definition)
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
    let def = stable_reparse(&i.definition.replacen(" ON ONLY ", " ON ", 1));
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
        s.push_str(&format!(" USING ({})", stable_reparse(u)));
    }
    if let Some(c) = &p.with_check {
        s.push_str(&format!(" WITH CHECK ({})", stable_reparse(c)));
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

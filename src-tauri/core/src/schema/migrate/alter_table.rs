//! Alters of tables and what hangs on them (defaults, constraints, indexes), and of views:
//! partitioning and inheritance, persistence, storage options, row level security, replica
//! identity, comments and privileges. Columns are in `alter_column`.
use super::alter::Alter;
use super::hazards;
use crate::schema::ddl::{self, qi};
use crate::schema::model::*;
use crate::schema::statement::{stmt, stmts, MigrationStatement};

/// `ALTER <target> RESET (…)` / `SET (…)` turning storage options `from` into `to`
/// (`name=value` strings as in pg_class.reloptions); `target` is e.g. `TABLE "s"."t"`.
fn reloption_changes(target: &str, from: &[String], to: &[String]) -> Vec<MigrationStatement> {
    let key = |o: &String| o.split('=').next().unwrap_or("").to_string();
    let reset: Vec<String> = from
        .iter()
        .filter(|o| !to.iter().any(|p| key(p) == key(o)))
        .map(key)
        .collect();
    let set: Vec<String> = to.iter().filter(|o| !from.contains(o)).cloned().collect();
    let mut out = Vec::new();
    if !reset.is_empty() {
        out.push(stmt(format!(
            "ALTER {target} RESET ({});",
            reset.join(", ")
        )));
    }
    if !set.is_empty() {
        out.push(stmt(format!("ALTER {target} SET ({});", set.join(", "))));
    }
    out
}

pub(super) fn alter_table(a: &Table, b: &Table) -> Alter {
    if a.kind != b.kind || a.partition_key != b.partition_key {
        return Alter::Recreate;
    }
    let name = b.name.sql();
    let mut out = parent_changes(a, b);
    if a.unlogged != b.unlogged {
        let mut s = stmt(format!(
            "ALTER TABLE {name} SET {};",
            if b.unlogged { "UNLOGGED" } else { "LOGGED" }
        ));
        s.hazards = hazards::persistence_change(&name, a);
        out.push(s);
    }
    out.extend(reloption_changes(
        &format!("TABLE {name}"),
        &a.options,
        &b.options,
    ));
    if a.rls_enabled != b.rls_enabled {
        out.push(stmt(format!(
            "ALTER TABLE {name} {} ROW LEVEL SECURITY;",
            if b.rls_enabled { "ENABLE" } else { "DISABLE" }
        )));
    }
    if a.rls_forced != b.rls_forced {
        out.push(stmt(format!(
            "ALTER TABLE {name} {} ROW LEVEL SECURITY;",
            if b.rls_forced { "FORCE" } else { "NO FORCE" }
        )));
    }
    if a.replica_identity != b.replica_identity && b.replica_identity != "i" {
        let ri = ddl::replica_identity_sql(&b.replica_identity).unwrap_or("DEFAULT");
        out.push(stmt(format!("ALTER TABLE {name} REPLICA IDENTITY {ri};")));
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &format!("TABLE {name}"),
            b.comment.as_deref(),
        )));
    }
    out.extend(stmts(ddl::acl_changes(
        &format!("TABLE {name}"),
        None,
        &a.acl,
        &b.acl,
        &qi(&a.owner),
    )));
    Alter::from_stmts(out)
}

/// Detach / attach as a partition, then inheritance parents gained and lost.
fn parent_changes(a: &Table, b: &Table) -> Vec<MigrationStatement> {
    let name = b.name.sql();
    let mut out = Vec::new();
    match (&a.partition_of, &b.partition_of) {
        (Some((fp, fb)), Some((tp, tb))) if fp == tp && fb == tb => {}
        (fpo, tpo) => {
            if let Some((fp, _)) = fpo {
                out.push(stmt(format!(
                    "ALTER TABLE {} DETACH PARTITION {name};",
                    fp.sql()
                )));
            }
            if let Some((tp, tb)) = tpo {
                out.push(
                    stmt(format!(
                        "ALTER TABLE {} ATTACH PARTITION {name} {tb};",
                        tp.sql()
                    ))
                    .with(hazards::attach_partition(&name, a)),
                );
            }
        }
    }
    // New parents first: a column inherited from both an old and a new parent stays
    // inherited (NO INHERIT first would turn it into the table's own column for good).
    for p in &b.inherits {
        if !a.inherits.contains(p) {
            out.push(stmt(format!("ALTER TABLE {name} INHERIT {};", p.sql())));
        }
    }
    for p in &a.inherits {
        if !b.inherits.contains(p) {
            out.push(stmt(format!("ALTER TABLE {name} NO INHERIT {};", p.sql())));
        }
    }
    out
}

/// A column default of table `q` (column `a` in FROM, `b` in TO).
pub(super) fn alter_default(q: &QualName, a: &Column, b: &Column) -> Alter {
    if a.default != b.default {
        Alter::Stmts(vec![stmt(format!(
            "ALTER TABLE ONLY {} ALTER COLUMN {} SET DEFAULT {};",
            q.sql(),
            qi(&b.name),
            b.default.as_deref().unwrap_or("NULL")
        ))])
    } else {
        Alter::Same
    }
}

/// A constraint of table `q`; `table` is TO's version of the table (for its row count).
pub(super) fn alter_constraint(
    q: &QualName,
    a: &Constraint,
    b: &Constraint,
    table: &Table,
) -> Alter {
    let c = &b.name;
    let mut out = Vec::new();
    if a.definition != b.definition || a.kind != b.kind {
        if !b.is_local && !a.is_local {
            // Inherited: follows the parent's constraint.
        } else if a.kind == b.kind
            && a.definition.strip_suffix(" NOT VALID") == Some(b.definition.as_str())
        {
            out.push(
                stmt(format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                    q.sql(),
                    qi(c)
                ))
                .with(hazards::validate_constraint(q, c, table)),
            );
        } else {
            return Alter::Recreate;
        }
    }
    if a.clustered != b.clustered {
        out.push(stmt(if b.clustered {
            format!("ALTER TABLE {} CLUSTER ON {};", q.sql(), qi(c))
        } else {
            format!("ALTER TABLE {} SET WITHOUT CLUSTER;", q.sql())
        }));
    }
    if b.replica_identity && !a.replica_identity {
        out.push(stmt(format!(
            "ALTER TABLE {} REPLICA IDENTITY USING INDEX {};",
            q.sql(),
            qi(c)
        )));
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &format!("CONSTRAINT {} ON {}", qi(c), q.sql()),
            b.comment.as_deref(),
        )));
    }
    if a.index_comment != b.index_comment {
        if let Some(i) = &b.index {
            out.push(stmt(ddl::comment_on(
                &format!("INDEX {}", i.sql()),
                b.index_comment.as_deref(),
            )));
        }
    }
    Alter::from_stmts(out)
}

pub(super) fn alter_index(q: &QualName, a: &Index, b: &Index) -> Alter {
    if a.definition != b.definition || a.table != b.table {
        return Alter::Recreate;
    }
    let mut out = Vec::new();
    if a.column_statistics != b.column_statistics {
        for (col, _) in &a.column_statistics {
            if !b.column_statistics.iter().any(|(c, _)| c == col) {
                out.push(stmt(format!(
                    "ALTER INDEX {} ALTER COLUMN {col} SET STATISTICS -1;",
                    q.sql()
                )));
            }
        }
        for (col, v) in &b.column_statistics {
            if !a.column_statistics.contains(&(*col, *v)) {
                out.push(stmt(format!(
                    "ALTER INDEX {} ALTER COLUMN {col} SET STATISTICS {v};",
                    q.sql()
                )));
            }
        }
    }
    if a.clustered != b.clustered {
        out.push(stmt(if b.clustered {
            format!("ALTER TABLE {} CLUSTER ON {};", b.table.sql(), qi(&q.name))
        } else {
            format!("ALTER TABLE {} SET WITHOUT CLUSTER;", b.table.sql())
        }));
    }
    if b.replica_identity && !a.replica_identity {
        out.push(stmt(format!(
            "ALTER TABLE {} REPLICA IDENTITY USING INDEX {};",
            b.table.sql(),
            qi(&q.name)
        )));
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &format!("INDEX {}", q.sql()),
            b.comment.as_deref(),
        )));
    }
    Alter::from_stmts(out)
}

/// A view or materialized view: `CREATE OR REPLACE VIEW` when the new query only appends
/// columns, else recreated; then options, column defaults, comments and privileges.
pub(super) fn alter_view(a: &View, b: &View) -> Alter {
    if a.materialized != b.materialized {
        return Alter::Recreate;
    }
    let name = b.name.sql();
    let kw = ddl::view_keyword(b);
    let mut out = Vec::new();
    let cols = |v: &View| -> Vec<(String, String)> {
        v.columns
            .iter()
            .map(|c| (c.name.clone(), c.type_name.clone()))
            .collect()
    };
    let (fc, tc) = (cols(a), cols(b));
    if a.definition != b.definition || fc != tc {
        if a.materialized || fc.len() > tc.len() || tc[..fc.len()] != fc[..] {
            return Alter::Recreate;
        }
        out.push(stmt(ddl::view_statement(b, true)));
    }
    out.extend(reloption_changes(
        &format!("{kw} {name}"),
        &a.options,
        &b.options,
    ));
    for c in &b.columns {
        out.extend(view_column_changes(a, b, c));
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &format!("{kw} {name}"),
            b.comment.as_deref(),
        )));
    }
    out.extend(stmts(ddl::acl_changes(
        &format!("TABLE {name}"),
        None,
        &a.acl,
        &b.acl,
        &qi(&a.owner),
    )));
    Alter::from_stmts(out)
}

/// Default, comment and privileges of column `c` of view `b` (`a` is FROM's version).
fn view_column_changes(a: &View, b: &View, c: &ViewColumn) -> Vec<MigrationStatement> {
    let name = b.name.sql();
    let mut out = Vec::new();
    let old = a.columns.iter().find(|x| x.name == c.name);
    let old_default = old.and_then(|x| x.default.clone());
    if old_default != c.default {
        out.push(stmt(match &c.default {
            Some(d) => format!(
                "ALTER VIEW {name} ALTER COLUMN {} SET DEFAULT {d};",
                qi(&c.name)
            ),
            None => format!(
                "ALTER VIEW {name} ALTER COLUMN {} DROP DEFAULT;",
                qi(&c.name)
            ),
        }));
    }
    let old_comment = old.and_then(|x| x.comment.clone());
    if old_comment != c.comment {
        out.push(stmt(ddl::comment_on(
            &ddl::column_comment_target(&b.name, &c.name),
            c.comment.as_deref(),
        )));
    }
    let old_acl = old.map(|x| x.acl.clone()).unwrap_or_default();
    out.extend(stmts(ddl::acl_changes(
        &format!("TABLE {name}"),
        Some(&qi(&c.name)),
        &old_acl,
        &c.acl,
        &qi(&a.owner),
    )));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_options_are_reset_then_set() {
        let from = vec![
            "fillfactor=70".to_string(),
            "autovacuum_enabled=false".into(),
        ];
        let to = vec!["fillfactor=80".to_string()];
        let sql: Vec<String> = reloption_changes("TABLE \"s\".\"t\"", &from, &to)
            .into_iter()
            .map(|s| s.sql)
            .collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE \"s\".\"t\" RESET (autovacuum_enabled);",
                "ALTER TABLE \"s\".\"t\" SET (fillfactor=80);"
            ]
        );
        assert!(reloption_changes("TABLE x", &to, &to).is_empty());
    }
}

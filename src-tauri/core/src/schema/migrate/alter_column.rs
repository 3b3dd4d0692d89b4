//! Alters of a table column, in the order PostgreSQL needs them: generation expression, type
//! (recorded in `retyped`, so that its dependents are dropped and recreated around it), NOT
//! NULL (before `ADD … AS IDENTITY`), identity, then storage, statistics, compression,
//! comment and privileges.
use super::alter::Alter;
use super::type_change::{castable, converts_through_text, default_storage, type_change_statement};
use super::{hazards, Planner};
use crate::schema::ddl::{self, qi};
use crate::schema::model::*;
use crate::schema::statement::{stmt, stmts, MigrationStatement};

impl<'a> Planner<'a> {
    /// Column `a` of FROM's table `ft` becoming column `b` of TO's table `tt`.
    pub(super) fn alter_column(&mut self, ft: &Table, tt: &Table, a: &Column, b: &Column) -> Alter {
        let (f, t) = (self.from, self.to);
        let alter_col = format!("ALTER TABLE {} ALTER COLUMN {}", tt.name.sql(), qi(&b.name));
        let mut out = Vec::new();
        match generation_change(f, ft, tt, a, b) {
            Some(v) => out.extend(v),
            None => return Alter::Recreate,
        }
        let inherited = !a.is_local && !b.is_local;
        let type_changed = a.type_name != b.type_name || a.collation() != b.collation();
        if type_changed && !inherited {
            let via_text = converts_through_text(f, t, &a.type_name, &b.type_name);
            if !via_text && !castable(f, &a.type_name, &b.type_name) {
                // No cast: the values cannot be kept (the drop says so).
                self.uncastable
                    .insert(ObjRef::Column(tt.name.clone(), b.name.clone()));
                return Alter::Recreate;
            }
            self.retyped
                .insert(ObjRef::Column(tt.name.clone(), b.name.clone()));
            out.push(type_change_statement(ft, tt, a, b, via_text));
        }
        // NOT NULL: an inherited column follows its parent's change.
        let predicted = if inherited {
            match (
                ddl::parent_column(f, ft, &a.name),
                ddl::parent_column(t, tt, &b.name),
            ) {
                (Some(fp), Some(tp)) if fp.not_null != tp.not_null => tp.not_null,
                _ => a.not_null,
            }
        } else {
            a.not_null
        };
        // (ADD … AS IDENTITY needs NOT NULL first: this comes before it.)
        if predicted != b.not_null {
            if b.not_null {
                let mut s = stmt(format!("{alter_col} SET NOT NULL;"));
                s.hazards = hazards::set_not_null(&tt.name.sql(), &qi(&b.name), ft);
                out.push(s);
            } else {
                out.push(stmt(format!("{alter_col} DROP NOT NULL;")));
            }
        }
        identity_changes(&alter_col, a, b, &mut out);
        out.extend(option_changes(ft, tt, a, b));
        Alter::from_stmts(out)
    }
}

/// Statements changing the generation expression (None: the column must be recreated).
fn generation_change(
    f: &Catalog,
    ft: &Table,
    tt: &Table,
    a: &Column,
    b: &Column,
) -> Option<Vec<MigrationStatement>> {
    let (table, col) = (tt.name.sql(), qi(&b.name));
    let alter_col = format!("ALTER TABLE {table} ALTER COLUMN {col}");
    match (a.generated(), b.generated()) {
        (None, None) => Some(Vec::new()),
        (Some(_), None) => Some(vec![stmt(format!("{alter_col} DROP EXPRESSION;"))]),
        (Some(x), Some(y)) if x == y && a.generated_kind() == b.generated_kind() => {
            Some(Vec::new())
        }
        (Some(_), Some(y))
            if f.server_version_num >= 170000
                && a.generated_kind() == b.generated_kind()
                && b.generated_kind() == Some("STORED") =>
        {
            Some(vec![stmt(format!("{alter_col} SET EXPRESSION AS ({y});"))
                .with(hazards::recompute_generated(&table, &col, ft))])
        }
        _ => None,
    }
}

/// Identity added, dropped or changed (kind, sequence options, sequence name).
fn identity_changes(alter_col: &str, a: &Column, b: &Column, out: &mut Vec<MigrationStatement>) {
    match (a.identity(), b.identity()) {
        (None, None) => {}
        (Some(_), None) => {
            // DROP IDENTITY keeps NOT NULL; drop it after when TO has none (handled above
            // only when the flag differs, which it does not for identity columns).
            let pos = out
                .iter()
                .position(|s| s.sql.ends_with("DROP NOT NULL;"))
                .unwrap_or(out.len());
            out.insert(pos, stmt(format!("{alter_col} DROP IDENTITY;")));
        }
        (None, Some(id)) => out.push(stmt(format!(
            "{alter_col} ADD {};",
            ddl::identity_clause(id)
        ))),
        (Some(x), Some(y)) => {
            if x.always != y.always {
                out.push(stmt(format!(
                    "{alter_col} SET GENERATED {};",
                    if y.always { "ALWAYS" } else { "BY DEFAULT" }
                )));
            }
            let parts = ddl::sequence_option_changes(&x.options, &y.options, false);
            if !parts.is_empty() {
                out.push(stmt(format!(
                    "{alter_col} {};",
                    parts
                        .iter()
                        .map(|p| format!("SET {p}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
            }
            if x.sequence != y.sequence && x.sequence.schema == y.sequence.schema {
                out.push(stmt(format!(
                    "ALTER SEQUENCE {} RENAME TO {};",
                    x.sequence.sql(),
                    qi(&y.sequence.name)
                )));
            }
        }
    }
}

/// Storage, statistics target, compression, comment and column privileges.
fn option_changes(ft: &Table, tt: &Table, a: &Column, b: &Column) -> Vec<MigrationStatement> {
    let (table, col) = (tt.name.sql(), qi(&b.name));
    let only = format!("ALTER TABLE ONLY {table} ALTER COLUMN {col}");
    let mut out = Vec::new();
    if a.storage() != b.storage() {
        let st = b
            .storage()
            .map(str::to_string)
            .unwrap_or_else(|| default_storage(&b.type_name).to_string());
        out.push(stmt(format!(
            "{only} SET STORAGE {};",
            ddl::storage_name(&st)
        )));
    }
    if a.statistics() != b.statistics() {
        out.push(stmt(format!("{only} SET STATISTICS {};", b.statistics())));
    }
    if a.compression() != b.compression() {
        out.push(stmt(format!(
            "{only} SET COMPRESSION {};",
            b.compression()
                .map(ddl::compression_name)
                .unwrap_or("default")
        )));
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &ddl::column_comment_target(&tt.name, &b.name),
            b.comment.as_deref(),
        )));
    }
    out.extend(stmts(ddl::acl_changes(
        &format!("TABLE {table}"),
        Some(&col),
        &a.acl,
        &b.acl,
        &qi(&ft.owner),
    )));
    out
}

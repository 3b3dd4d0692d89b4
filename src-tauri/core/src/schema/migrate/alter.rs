//! Alters: for a node present on both sides, nothing to do, statements that turn FROM's
//! version into TO's, or "recreate" (drop and create). This file dispatches by kind and
//! handles the objects that stand alone (schemas, extensions, collations, sequences,
//! functions, triggers, policies); tables and what hangs on them are in `alter_table`,
//! columns in `alter_column`, types in `alter_type`.
use super::Planner;
use crate::schema::ddl::{self, qi};
use crate::schema::model::*;
use crate::schema::statement::{stmt, stmts, MigrationStatement};

#[derive(Debug, Clone)]
pub(super) enum Alter {
    Same,
    Stmts(Vec<MigrationStatement>),
    Recreate,
}

impl Alter {
    pub(super) fn from_stmts(v: Vec<MigrationStatement>) -> Alter {
        if v.is_empty() {
            Alter::Same
        } else {
            Alter::Stmts(v)
        }
    }
    pub(super) fn is_same(&self) -> bool {
        matches!(self, Alter::Same)
    }
}

impl<'a> Planner<'a> {
    /// The alter of every node on both sides.
    pub(super) fn compute_alters(&mut self) {
        for u in 0..self.graph.node_count() {
            if self.graph.in_from[u] && self.graph.in_to[u] {
                let n = self.graph.nodes[u];
                let a = self.alter(n);
                self.alters[u] = Some(a);
            }
        }
    }

    fn alter(&mut self, n: &ObjRef) -> Alter {
        let (f, t) = (self.from, self.to);
        if surely_same(f, t, n) {
            return Alter::Same;
        }
        match n {
            ObjRef::Schema(s) => alter_schema(s, &f.schemas[s], &t.schemas[s]),
            ObjRef::Extension(e) => alter_extension(e, &f.extensions[e], &t.extensions[e]),
            ObjRef::Collation(c) => alter_collation(c, &f.collations[c], &t.collations[c]),
            ObjRef::Type(q) => self.alter_type(&f.types[q], &t.types[q]),
            ObjRef::Sequence(q) => alter_sequence(q, &f.sequences[q], &t.sequences[q]),
            ObjRef::SequenceOwner(q) => {
                let (a, b) = (&f.sequences[q], &t.sequences[q]);
                if a.owned_by != b.owned_by {
                    Alter::Stmts(vec![stmt(ddl::sequence_owner(b))])
                } else {
                    Alter::Same
                }
            }
            ObjRef::Table(q) => super::alter_table::alter_table(&f.tables[q], &t.tables[q]),
            ObjRef::Column(q, c) => {
                let (ft, tt) = (&f.tables[q], &t.tables[q]);
                self.alter_column(ft, tt, ft.column(c).unwrap(), tt.column(c).unwrap())
            }
            ObjRef::Default(q, c) => super::alter_table::alter_default(
                q,
                f.tables[q].column(c).unwrap(),
                t.tables[q].column(c).unwrap(),
            ),
            ObjRef::Constraint(q, c) => super::alter_table::alter_constraint(
                q,
                &f.tables[q].constraints[c],
                &t.tables[q].constraints[c],
                &t.tables[q],
            ),
            ObjRef::Index(q) => super::alter_table::alter_index(q, &f.indexes[q], &t.indexes[q]),
            ObjRef::View(q) => super::alter_table::alter_view(&f.views[q], &t.views[q]),
            ObjRef::Function(id) => alter_function(&f.functions[id], &t.functions[id]),
            ObjRef::Trigger(q, name) => {
                let key = (q.clone(), name.clone());
                alter_trigger(q, name, &f.triggers[&key], &t.triggers[&key])
            }
            ObjRef::Policy(q, name) => alter_policy(
                q,
                name,
                &f.tables[q].policies[name],
                &t.tables[q].policies[name],
            ),
        }
    }
}

/// A cheap equality test that settles most nodes of two similar catalogs without building
/// any SQL (false: look closer).
fn surely_same(f: &Catalog, t: &Catalog, n: &ObjRef) -> bool {
    match n {
        ObjRef::Column(q, c) => {
            let (ft, tt) = (&f.tables[q], &t.tables[q]);
            // Not inherited ones: a parent's change reaches them and may need undoing.
            match (ft.column(c), tt.column(c)) {
                (Some(a), Some(b)) => a.inherit_count() == 0 && a == b,
                _ => false,
            }
        }
        ObjRef::Default(q, c) => {
            f.tables[q].column(c).map(|c| &c.default) == t.tables[q].column(c).map(|c| &c.default)
        }
        ObjRef::Table(q) => {
            let (a, b) = (&f.tables[q], &t.tables[q]);
            a.kind == b.kind
                && a.unlogged == b.unlogged
                && a.partition_key == b.partition_key
                && a.partition_of == b.partition_of
                && a.inherits == b.inherits
                && a.options == b.options
                && a.rls_enabled == b.rls_enabled
                && a.rls_forced == b.rls_forced
                && a.replica_identity == b.replica_identity
                && a.comment == b.comment
                && a.acl == b.acl
        }
        ObjRef::View(q) => {
            let (a, b) = (&f.views[q], &t.views[q]);
            a.materialized == b.materialized
                && a.definition == b.definition
                && a.options == b.options
                && a.columns == b.columns
                && a.comment == b.comment
                && a.acl == b.acl
        }
        ObjRef::Function(id) => {
            let (a, b) = (&f.functions[id], &t.functions[id]);
            a.kind == b.kind
                && a.definition == b.definition
                && a.comment == b.comment
                && a.acl == b.acl
        }
        ObjRef::Constraint(q, c) => f.tables[q].constraints[c] == t.tables[q].constraints[c],
        ObjRef::Index(q) => {
            let (a, b) = (&f.indexes[q], &t.indexes[q]);
            a.definition == b.definition
                && a.table == b.table
                && a.clustered == b.clustered
                && a.replica_identity == b.replica_identity
                && a.column_statistics == b.column_statistics
                && a.comment == b.comment
        }
        ObjRef::Sequence(q) => {
            let (a, b) = (&f.sequences[q], &t.sequences[q]);
            a.options == b.options
                && a.unlogged == b.unlogged
                && a.comment == b.comment
                && a.acl == b.acl
        }
        ObjRef::SequenceOwner(q) => f.sequences[q].owned_by == t.sequences[q].owned_by,
        ObjRef::Trigger(q, name) => {
            let key = (q.clone(), name.clone());
            f.triggers[&key] == t.triggers[&key]
        }
        ObjRef::Policy(q, name) => f.tables[q].policies[name] == t.tables[q].policies[name],
        ObjRef::Type(q) => {
            let (a, b) = (&f.types[q], &t.types[q]);
            a.kind == b.kind && a.comment == b.comment && a.acl == b.acl
        }
        ObjRef::Schema(x) => {
            let (a, b) = (&f.schemas[x], &t.schemas[x]);
            a.comment == b.comment && a.acl == b.acl
        }
        _ => false,
    }
}

fn alter_schema(s: &str, a: &Schema, b: &Schema) -> Alter {
    let target = format!("SCHEMA {}", qi(s));
    let mut out = Vec::new();
    if a.comment != b.comment {
        out.push(ddl::comment_on(&target, b.comment.as_deref()));
    }
    out.extend(ddl::acl_changes(
        &target,
        None,
        &a.acl,
        &b.acl,
        &qi(&a.owner),
    ));
    Alter::from_stmts(stmts(out))
}

fn alter_extension(e: &str, a: &Extension, b: &Extension) -> Alter {
    let mut out = Vec::new();
    if a.schema != b.schema {
        out.push(format!(
            "ALTER EXTENSION {} SET SCHEMA {};",
            qi(e),
            qi(&b.schema)
        ));
    }
    if a.version != b.version {
        out.push(format!(
            "ALTER EXTENSION {} UPDATE TO {};",
            qi(e),
            crate::ident::quote_literal(&b.version)
        ));
    }
    if a.comment != b.comment {
        out.push(ddl::comment_on(
            &format!("EXTENSION {}", qi(e)),
            b.comment.as_deref(),
        ));
    }
    Alter::from_stmts(stmts(out))
}

fn alter_collation(c: &QualName, a: &Collation, b: &Collation) -> Alter {
    let same = Collation {
        comment: None,
        ..a.clone()
    } == Collation {
        comment: None,
        ..b.clone()
    };
    if !same {
        return Alter::Recreate;
    }
    if a.comment != b.comment {
        return Alter::Stmts(vec![stmt(ddl::comment_on(
            &format!("COLLATION {}", c.sql()),
            b.comment.as_deref(),
        ))]);
    }
    Alter::Same
}

fn alter_sequence(q: &QualName, a: &Sequence, b: &Sequence) -> Alter {
    let mut out = Vec::new();
    let mut parts = ddl::sequence_option_changes(&a.options, &b.options, true);
    // A sequence nobody has read yet sits at its old start: move it into the new range
    // (PostgreSQL refuses a current value outside it).
    let outside = a.options.start < b.options.min || a.options.start > b.options.max;
    if !parts.is_empty() && a.never_used && outside {
        parts.push("RESTART".into());
    }
    if !parts.is_empty() {
        let mut s = stmt(format!("ALTER SEQUENCE {} {};", q.sql(), parts.join(" ")));
        if let Some(h) = super::hazards::sequence_range_narrowing(q, &a.options, &b.options) {
            s = s.with(h);
        }
        out.push(s);
    }
    if a.unlogged != b.unlogged {
        out.push(stmt(format!(
            "ALTER SEQUENCE {} SET {};",
            q.sql(),
            if b.unlogged { "UNLOGGED" } else { "LOGGED" }
        )));
    }
    let target = format!("SEQUENCE {}", q.sql());
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(&target, b.comment.as_deref())));
    }
    out.extend(stmts(ddl::acl_changes(
        &target,
        None,
        &a.acl,
        &b.acl,
        &qi(&a.owner),
    )));
    Alter::from_stmts(out)
}

fn alter_function(a: &Function, b: &Function) -> Alter {
    let mut out = Vec::new();
    if a.kind != b.kind {
        return Alter::Recreate;
    }
    if a.definition != b.definition {
        // CREATE OR REPLACE keeps the signature's result, argument names and defaults.
        if a.result == b.result && a.arg_names == b.arg_names && b.arg_defaults >= a.arg_defaults {
            out.push(stmt(ddl::function_statement(b)));
        } else {
            return Alter::Recreate;
        }
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &ddl::function_target(b),
            b.comment.as_deref(),
        )));
    }
    out.extend(stmts(ddl::acl_changes(
        &ddl::function_acl_target(b),
        None,
        &a.acl,
        &b.acl,
        &qi(&a.owner),
    )));
    Alter::from_stmts(out)
}

fn alter_trigger(q: &QualName, name: &str, a: &Trigger, b: &Trigger) -> Alter {
    if a.definition != b.definition {
        return Alter::Recreate;
    }
    let mut out = Vec::new();
    if a.enabled != b.enabled {
        out.push(stmt(ddl::trigger_enable(b).unwrap_or_else(|| {
            format!("ALTER TABLE {} ENABLE TRIGGER {};", q.sql(), qi(name))
        })));
    }
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(
            &format!("TRIGGER {} ON {}", qi(name), q.sql()),
            b.comment.as_deref(),
        )));
    }
    Alter::from_stmts(out)
}

fn alter_policy(q: &QualName, name: &str, a: &Policy, b: &Policy) -> Alter {
    let strip = |p: &Policy| Policy {
        comment: None,
        ..p.clone()
    };
    if strip(a) != strip(b) {
        return Alter::Recreate;
    }
    if a.comment != b.comment {
        return Alter::Stmts(vec![stmt(ddl::comment_on(
            &format!("POLICY {} ON {}", qi(name), q.sql()),
            b.comment.as_deref(),
        ))]);
    }
    Alter::Same
}

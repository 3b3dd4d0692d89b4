//! The statements that drop one node of FROM or create one node of TO, with their hazards,
//! and which creates come with another's (a column with its new table, an inherited column
//! or constraint with its parent's).
use super::{hazards, Planner};
use crate::schema::ddl::{self, qi};
use crate::schema::model::*;
use crate::schema::statement::{stmt, stmts, MigrationStatement};

impl<'a> Planner<'a> {
    /// The statement dropping `n` (None: nothing to run, e.g. an OWNED BY link).
    pub(super) fn drop_stmt(&self, n: &ObjRef) -> Option<MigrationStatement> {
        let f = self.from;
        Some(match n {
            ObjRef::Schema(s) => stmt(format!("DROP SCHEMA {};", qi(s))),
            ObjRef::Extension(e) => {
                stmt(format!("DROP EXTENSION {};", qi(e))).with(hazards::drop_extension(e))
            }
            ObjRef::Collation(c) => stmt(format!("DROP COLLATION {};", c.sql())),
            ObjRef::Type(t) => {
                let ty = &f.types[t];
                stmt(format!("DROP {} {};", ddl::type_keyword(ty), t.sql()))
            }
            ObjRef::Sequence(s) => stmt(format!("DROP SEQUENCE {};", s.sql())),
            ObjRef::SequenceOwner(_) => return None,
            ObjRef::Table(t) => {
                stmt(format!("DROP TABLE {};", t.sql())).with(hazards::drop_table(t, &f.tables[t]))
            }
            ObjRef::Column(t, c) => self.drop_column_stmt(t, c),
            ObjRef::Default(t, c) => stmt(format!(
                "ALTER TABLE ONLY {} ALTER COLUMN {} DROP DEFAULT;",
                t.sql(),
                qi(c)
            )),
            ObjRef::Constraint(t, c) => stmt(format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                t.sql(),
                qi(c)
            )),
            ObjRef::Index(i) => stmt(format!("DROP INDEX {};", i.sql())),
            ObjRef::View(v) => {
                let view = &f.views[v];
                let s = stmt(format!("DROP {} {};", ddl::view_keyword(view), v.sql()));
                if view.materialized {
                    s.with(hazards::drop_materialized_view(v))
                } else {
                    s
                }
            }
            ObjRef::Function(id) => {
                stmt(format!("DROP {};", ddl::function_target(&f.functions[id])))
            }
            ObjRef::Trigger(t, n) => stmt(format!("DROP TRIGGER {} ON {};", qi(n), t.sql())),
            ObjRef::Policy(t, n) => stmt(format!("DROP POLICY {} ON {};", qi(n), t.sql())),
        })
    }

    fn drop_column_stmt(&self, t: &QualName, c: &str) -> MigrationStatement {
        let f = self.from;
        // Children that keep the column as their own: drop from the parent only.
        let keep_in_children = f.tables.values().any(|child| {
            child.inherits.contains(t)
                && child.column(c).is_some_and(|cc| !cc.is_local)
                && self
                    .to
                    .tables
                    .get(&child.name)
                    .and_then(|ct| ct.column(c))
                    .is_some_and(|cc| cc.is_local)
        });
        let s = stmt(format!(
            "ALTER TABLE {}{} DROP COLUMN {};",
            if keep_in_children { "ONLY " } else { "" },
            t.sql(),
            qi(c)
        ));
        let generated = f.tables[t]
            .column(c)
            .is_some_and(|c| c.generated().is_some());
        let s = match hazards::drop_column(t, c, generated) {
            Some(h) => s.with(h),
            None => s,
        };
        let node = ObjRef::Column(t.clone(), c.into());
        match (self.uncastable.contains(&node), f.tables[t].column(c)) {
            (true, Some(old)) => {
                let new = self.to.tables[t].column(c).map(|k| k.type_name.as_str());
                s.with(hazards::no_cast(t, c, &old.type_name, new.unwrap_or("?")))
            }
            _ => s,
        }
    }

    /// Statements creating `n` on its own (not counting creates absorbed by a parent's).
    pub(super) fn create_stmts(&self, n: &ObjRef) -> Vec<MigrationStatement> {
        let t = self.to;
        // A new object starts with TO's default privileges for the role running the script
        // (set before anything is created), on the server the script runs on.
        match n {
            ObjRef::Schema(s) => stmts(ddl::schema_create(
                &t.schemas[s],
                &self.new_object_acl("n", s),
            )),
            ObjRef::Extension(e) => stmts(ddl::extension_create(&t.extensions[e])),
            ObjRef::Collation(c) => stmts(ddl::collation_create(&t.collations[c])),
            ObjRef::Type(q) => stmts(ddl::type_create(
                &t.types[q],
                &self.new_object_acl("T", &q.schema),
            )),
            ObjRef::Sequence(q) => stmts(ddl::sequence_create(
                &t.sequences[q],
                &self.new_object_acl("s", &q.schema),
            )),
            ObjRef::SequenceOwner(q) => {
                let s = &t.sequences[q];
                if s.owned_by.is_some() {
                    vec![stmt(ddl::sequence_owner(s))]
                } else {
                    Vec::new()
                }
            }
            ObjRef::Table(q) => stmts(ddl::table_create(
                &t.tables[q],
                t,
                &self.new_object_acl("r", &q.schema),
            )),
            ObjRef::Column(q, c) => self.create_column_stmts(q, c),
            ObjRef::Default(q, c) => {
                let col = t.tables[q].column(c).unwrap();
                vec![stmt(format!(
                    "ALTER TABLE ONLY {} ALTER COLUMN {} SET DEFAULT {};",
                    q.sql(),
                    qi(c),
                    col.default.as_deref().unwrap_or("NULL")
                ))]
            }
            ObjRef::Constraint(q, c) => self.create_constraint_stmts(q, c),
            ObjRef::Index(q) => self.create_index_stmts(q),
            ObjRef::View(q) => {
                let v = &t.views[q];
                let mut out = stmts(ddl::view_create(v, &self.new_object_acl("r", &q.schema)));
                if v.materialized {
                    out[0].hazards.push(hazards::create_materialized_view(q));
                }
                out
            }
            ObjRef::Function(id) => stmts(ddl::function_create(
                &t.functions[id],
                &self.new_object_acl("f", &id.schema),
            )),
            ObjRef::Trigger(q, n) => {
                stmts(ddl::trigger_create(&t.triggers[&(q.clone(), n.clone())]))
            }
            ObjRef::Policy(q, n) => stmts(ddl::policy_create(q, &t.tables[q].policies[n])),
        }
    }

    /// The table FROM has by name `q`, unless it is dropped (and so recreated): the table a
    /// statement of the migration adds to.
    fn existing_table(&self, q: &QualName) -> Option<&'a Table> {
        let from: &'a Catalog = self.from;
        from.tables
            .get(q)
            .filter(|_| !self.dropping(&ObjRef::Table(q.clone())))
    }

    /// `ADD COLUMN`, then the column's options, comment and privileges.
    fn create_column_stmts(&self, q: &QualName, c: &str) -> Vec<MigrationStatement> {
        let (f, t) = (self.from, self.to);
        let col = t.tables[q].column(c).unwrap();
        let mut col_def = col.clone();
        // The default comes with the column only when the column is new.
        if !self.creating(&ObjRef::Default(q.clone(), c.into())) {
            col_def.default = None;
        }
        let mut s = stmt(format!(
            "ALTER TABLE {} ADD COLUMN {};",
            q.sql(),
            ddl::column_def(&col_def)
        ));
        if let Some(ft) = self.existing_table(q) {
            s.hazards = hazards::add_column(q, &col_def, ft);
            if let Some(note) = self.column_order_note(q, c, ft) {
                s.sql = format!("{note}\n{}", s.sql);
            }
        }
        let mut out = vec![s];
        out.extend(stmts(ddl::column_options(q, col)));
        if let Some(cm) = &col.comment {
            out.push(stmt(ddl::comment_on(
                &ddl::column_comment_target(q, c),
                Some(cm),
            )));
        }
        out.extend(stmts(ddl::acl_changes(
            &format!("TABLE {}", q.sql()),
            Some(&qi(c)),
            &Acl::new(),
            &col.acl,
            &f.tables
                .get(q)
                .map(|ft| qi(&ft.owner))
                .unwrap_or_else(|| "CURRENT_USER".into()),
        )));
        out
    }

    /// For the first column `q` gains (in TO's order), when the columns cannot all end up
    /// where TO has them (`ADD COLUMN` appends: a new column before a kept one, or kept
    /// columns in another order, need the table rebuilt), a comment saying so.
    fn column_order_note(&self, q: &QualName, c: &str, ft: &Table) -> Option<String> {
        let tt = &self.to.tables[q];
        let kept: Vec<&str> = ft
            .columns
            .iter()
            .filter(|k| {
                tt.column(&k.name).is_some()
                    && !self.dropping(&ObjRef::Column(q.clone(), k.name.clone()))
            })
            .map(|k| k.name.as_str())
            .collect();
        let added: Vec<&str> = tt
            .columns
            .iter()
            .map(|k| k.name.as_str())
            .filter(|k| !kept.contains(k))
            .collect();
        if added.first() != Some(&c) {
            return None;
        }
        let result: Vec<&str> = kept.iter().chain(&added).copied().collect();
        let target: Vec<&str> = tt.columns.iter().map(|k| k.name.as_str()).collect();
        if result == target {
            return None;
        }
        let list = |v: &[&str]| v.iter().map(|k| qi(k)).collect::<Vec<_>>().join(", ");
        // One comment line: a line break inside a name must not end it.
        let one_line = |s: String| s.replace(|ch: char| ch.is_control(), " ");
        Some(one_line(format!(
            "-- column order: TO has {} ({}); ADD COLUMN appends, so this gives ({}): \
             matching it needs the table rebuilt",
            q.sql(),
            list(&target),
            list(&result)
        )))
    }

    fn create_constraint_stmts(&self, q: &QualName, c: &str) -> Vec<MigrationStatement> {
        let con = &self.to.tables[q].constraints[c];
        let mut v = stmts(ddl::constraint_create(q, con));
        if let Some(ft) = self.existing_table(q) {
            v[0].hazards.extend(hazards::add_constraint(q, c, con, ft));
        }
        v
    }

    fn create_index_stmts(&self, q: &QualName) -> Vec<MigrationStatement> {
        let f = self.from;
        let idx = &self.to.indexes[q];
        let mut v = stmts(ddl::index_create(idx));
        let table_existing =
            f.tables.contains_key(&idx.table) && !self.dropping(&ObjRef::Table(idx.table.clone()));
        let matview_existing =
            f.views.contains_key(&idx.table) && !self.dropping(&ObjRef::View(idx.table.clone()));
        if table_existing || matview_existing {
            let rows = f
                .tables
                .get(&idx.table)
                .map(hazards::rows_note)
                .unwrap_or_default();
            v[0].hazards.push(hazards::create_index(&idx.table, rows));
        }
        v
    }

    /// The node whose create also creates `n` (a column with its table, …), if any.
    pub(super) fn create_absorber(&self, n: &ObjRef) -> Option<ObjRef> {
        let t = self.to;
        match n {
            ObjRef::Column(q, c) => {
                let table = ObjRef::Table(q.clone());
                if self.creating(&table) {
                    return Some(table);
                }
                let tt = &t.tables[q];
                let col = tt.column(c)?;
                if !col.is_local {
                    for p in parents(tt) {
                        let pc = ObjRef::Column(p.clone(), c.clone());
                        if t.has(&pc) && self.creating(&pc) {
                            return Some(pc);
                        }
                    }
                }
                None
            }
            ObjRef::Default(q, c) => {
                let col = ObjRef::Column(q.clone(), c.clone());
                if !self.creating(&col) {
                    return None;
                }
                match self.create_absorber(&col) {
                    None => Some(col),
                    Some(ObjRef::Table(tq)) => Some(ObjRef::Table(tq)),
                    // Created by the parent's ADD COLUMN: set this table's own default.
                    Some(_) => None,
                }
            }
            ObjRef::Constraint(q, c) => {
                let con = &t.tables[q].constraints[c];
                if con.is_local {
                    return None;
                }
                for p in parents(&t.tables[q]) {
                    let pc = ObjRef::Constraint(p.clone(), c.clone());
                    if t.has(&pc) && self.creating(&pc) {
                        return Some(pc);
                    }
                }
                let table = ObjRef::Table(q.clone());
                self.creating(&table).then_some(table)
            }
            _ => None,
        }
    }
}

/// The partition parent, then the inheritance parents, of `t`.
fn parents(t: &Table) -> impl Iterator<Item = &QualName> {
    t.partition_of
        .iter()
        .map(|(p, _)| p)
        .chain(t.inherits.iter())
}

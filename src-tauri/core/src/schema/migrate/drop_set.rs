//! Which FROM nodes are dropped: those TO lacks or must recreate, closed over FROM's
//! dependency graph (whatever depends on a dropped node goes too, unless its own alter
//! removes the dependency), plus the dependents of columns whose type changes. And which
//! drops PostgreSQL performs by itself ("absorbed" by the drop of another node).
use super::alter::Alter;
use super::Planner;
use crate::schema::model::{DepKind, ObjRef, QualName};
use std::collections::BTreeSet;

impl<'a> Planner<'a> {
    pub(super) fn close_drop_set(&mut self) {
        let n = self.graph.node_count();
        let mut work: Vec<usize> = Vec::new();
        for u in 0..n {
            if self.graph.in_from[u]
                && (!self.graph.in_to[u] || matches!(self.alters[u], Some(Alter::Recreate)))
            {
                self.drop_set[u] = true;
                work.push(u);
            }
        }
        // Dependents of a column whose type changes must go around the change.
        for c in self.retyped.clone() {
            if let Some(u) = self.id(&c) {
                self.add_retype_dependents(u, &mut work);
            }
        }
        while let Some(b) = work.pop() {
            for i in 0..self.graph.from_dependents[b].len() {
                let a = self.graph.from_dependents[b][i].0 as usize;
                if !self.drop_set[a] && self.dependent_is_dropped(a, b, &mut work) {
                    self.drop_set[a] = true;
                    work.push(a);
                }
            }
        }
    }

    /// Must `a`, which depends on the dropped `b`, be dropped too? Records why not when it
    /// survives (detaching alters, tables leaving a parent, converted enum columns).
    fn dependent_is_dropped(&mut self, a: usize, b: usize, work: &mut Vec<usize>) -> bool {
        let (aref, bref) = (self.graph.nodes[a], self.graph.nodes[b]);
        if let (ObjRef::Column(t, c), ObjRef::Column(p, _)) = (aref, bref) {
            if self.child_column_survives(t, c, p, b) {
                return false;
            }
        }
        // Its own alter removes the dependency.
        if self.graph.in_to[a]
            && !self.graph.to_deps[a].contains(&(b as u32))
            && matches!(self.alters[a], Some(Alter::Stmts(_)))
        {
            self.detaching[a] = true;
            return false;
        }
        // A column of a recreated enum is converted, not dropped.
        if let (ObjRef::Column(..), ObjRef::Type(ty)) = (aref, bref) {
            if self.renamed_enums.contains(ty) && self.graph.in_to[a] {
                if self.retyped.insert(aref.clone()) {
                    self.add_retype_dependents(a, work);
                }
                return false;
            }
        }
        true
    }

    /// Does column `c` of table `t`, inherited from the dropped column (uid `parent_col`) of
    /// parent `p`, survive?
    fn child_column_survives(
        &mut self,
        t: &QualName,
        c: &str,
        p: &QualName,
        parent_col: usize,
    ) -> bool {
        let table = ObjRef::Table(t.clone());
        // An inherited column that TO keeps as the table's own column survives an
        // `ALTER TABLE ONLY parent DROP COLUMN`.
        let kept_local = self
            .to
            .tables
            .get(t)
            .and_then(|t| t.column(c))
            .is_some_and(|c| c.is_local);
        if kept_local && !self.dropping(&table) {
            return true;
        }
        // A child column whose table stops inheriting from the parent survives.
        let leaves = self.to.tables.get(t).is_some_and(|tt| {
            tt.column(c).is_some()
                && !tt.inherits.contains(p)
                && tt.partition_of.as_ref().is_none_or(|(pp, _)| pp != p)
        }) && self.from.tables.get(t).is_some_and(|ft| {
            ft.inherits.contains(p) || ft.partition_of.as_ref().is_some_and(|(pp, _)| pp == p)
        });
        if leaves && !self.dropping(&table) {
            if let Some(tu) = self.id(&table) {
                self.detached_by_table.push((tu, parent_col));
            }
            return true;
        }
        false
    }

    /// Drops the views, triggers, policies and default depending on column `c` (whose type
    /// changes), to recreate them after the change.
    pub(super) fn add_retype_dependents(&mut self, c: usize, work: &mut Vec<usize>) {
        let ObjRef::Column(t, name) = self.graph.nodes[c] else {
            return;
        };
        let mut add: Vec<usize> = self.graph.from_dependents[c]
            .iter()
            .map(|(a, _)| *a as usize)
            .filter(|a| {
                matches!(
                    self.graph.nodes[*a],
                    ObjRef::View(_) | ObjRef::Trigger(..) | ObjRef::Policy(..)
                )
            })
            .collect();
        if let Some(d) = self.id(&ObjRef::Default(t.clone(), name.clone())) {
            if self.graph.in_from[d] {
                add.push(d);
            }
        }
        for a in add {
            if !self.drop_set[a] {
                self.drop_set[a] = true;
                work.push(a);
            }
        }
    }

    /// The node whose drop takes `u` away too, if any.
    fn absorber(&self, u: usize) -> Option<usize> {
        let owned_col = |s: &QualName| -> Option<usize> {
            let (t, c) = self.from.sequences[s].owned_by.clone()?;
            let col = self.id(&ObjRef::Column(t, c))?;
            self.drop_set[col].then_some(col)
        };
        match self.graph.nodes[u] {
            ObjRef::Sequence(s) => owned_col(s),
            ObjRef::SequenceOwner(s) => {
                if let Some(seq) = self.id(&ObjRef::Sequence(s.clone())) {
                    if self.drop_set[seq] {
                        return Some(seq);
                    }
                }
                owned_col(s)
            }
            a => {
                let deps = &self.graph.from_deps[u];
                if let ObjRef::Constraint(t, c) = a {
                    // A foreign key to a dropped table is dropped on its own: with both
                    // tables going, absorbing it would order each table before the other.
                    let fk = self.from.tables[t].constraints[c].kind == "f";
                    if fk
                        && deps
                            .iter()
                            .any(|(b, k)| *k == DepKind::Normal && self.drop_set[*b as usize])
                    {
                        return None;
                    }
                }
                deps.iter()
                    .find(|(b, k)| *k != DepKind::Normal && self.drop_set[*b as usize])
                    .map(|(b, _)| *b as usize)
            }
        }
    }

    /// The node whose drop statement takes `u` away (`u` itself when it needs its own).
    pub(super) fn root(&self, u: usize) -> usize {
        let mut cur = u;
        let mut seen = BTreeSet::new();
        while let Some(next) = self.absorber(cur) {
            if !seen.insert(cur) {
                break;
            }
            cur = next;
        }
        cur
    }
}

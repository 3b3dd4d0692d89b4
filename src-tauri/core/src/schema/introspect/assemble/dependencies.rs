//! The dependency graph's edges: `pg_depend` rows resolved to nodes (rows inside one object,
//! or of extension members, are dropped), sequence ownership (`OWNED BY`), and the links
//! from inherited columns and constraints to their parent's, which `pg_depend` does not
//! record. Sorted and without duplicates.
use super::super::read::DepRow;
use super::nodes::Nodes;
use super::{Assembly, RelKind, PG_CLASS};
use crate::schema::model::*;
use std::collections::HashMap;

impl Assembly {
    /// Before relations are read: which objects belong to an extension (they resolve to it),
    /// and which sequences are identity sequences (internal to a column).
    pub(super) fn extension_members_and_identity_sequences(
        &mut self,
        deps: &[DepRow],
        ext_nodes: &HashMap<u32, u32>,
    ) {
        for r in deps {
            if r.deptype == b'e' {
                if let Some(ext) = ext_nodes.get(&r.refobjid) {
                    self.g.ext_members.insert((r.classid, r.objid), *ext);
                }
            } else if r.deptype == b'i'
                && r.classid == PG_CLASS
                && r.refclassid == PG_CLASS
                && r.refobjsubid > 0
            {
                self.identity_seqs
                    .insert(r.objid, (r.refobjid, r.refobjsubid));
            }
        }
    }

    /// The parts recorded while assembling, then every `pg_depend` row that links two
    /// different nodes (and sequence ownership).
    pub(super) fn dependencies(&mut self, rows: &[DepRow]) -> Vec<Dependency> {
        let mut deps: Vec<Dependency> = Vec::with_capacity(rows.len() + self.parts.len());
        deps.append(&mut self.parts);
        for r in rows {
            let deptype = r.deptype;
            if deptype == b'e' || self.g.ext_members.contains_key(&(r.classid, r.objid)) {
                continue;
            }
            // OWNED BY: the sequence's owner link depends on the column.
            if r.classid == PG_CLASS
                && r.refclassid == PG_CLASS
                && r.refobjsubid > 0
                && deptype == b'a'
            {
                if let Some(owner_node) = self.seq_owner_nodes.get(&r.objid).copied() {
                    deps.extend(self.sequence_ownership(r, owner_node));
                    continue;
                }
            }
            let (Some(dependent), Some(referenced)) = (
                self.g.resolve(r.classid, r.objid, r.objsubid),
                self.g.resolve(r.refclassid, r.refobjid, r.refobjsubid),
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
        deps
    }

    /// Sequence `r.objid` is owned by a column: records it on the sequence; the owner link
    /// (node `owner_node`) depends on the column.
    fn sequence_ownership(&mut self, r: &DepRow, owner_node: u32) -> Option<Dependency> {
        let (refobjid, refobjsubid) = (r.refobjid, r.refobjsubid);
        let (Some((seq, _)), Some((table, RelKind::Table)), Some(col), Some(col_node)) = (
            self.rels.get(&r.objid),
            self.rels.get(&refobjid),
            self.column_name(refobjid, refobjsubid).cloned(),
            self.g.columns.get(&(refobjid, refobjsubid)).copied(),
        ) else {
            return None;
        };
        if let Some(s) = self.cat.sequences.get_mut(seq) {
            s.owned_by = Some((table.clone(), col));
        }
        Some(Dependency {
            dependent: owner_node,
            referenced: col_node,
            kind: DepKind::Auto,
        })
    }

    /// The finished catalog (tables and views by name, every dependency, the nodes), and
    /// what is left of the node index (to be dropped).
    pub(super) fn finish(mut self, mut deps: Vec<Dependency>) -> (Catalog, Nodes) {
        let mut cat = self.cat;
        // Vectors grown row by row have up to twice the room they need: with thousands of
        // tables, that is a good part of the catalog.
        cat.tables = self
            .tables
            .into_values()
            .map(|mut t| {
                t.columns.shrink_to_fit();
                (t.name.clone(), t)
            })
            .collect();
        cat.views = self
            .views
            .into_values()
            .map(|v| (v.name.clone(), v))
            .collect();
        deps.extend(inherited_dependencies(&cat, &self.g.nodes));
        deps.sort_unstable();
        deps.dedup();
        deps.shrink_to_fit();
        cat.dependencies = deps;
        cat.nodes = std::mem::take(&mut self.g.nodes);
        cat.nodes.shrink_to_fit();
        (cat, self.g)
    }
}

/// Inherited columns and constraints go away with (and come from) the parent's: each
/// depends on the same-named one of its first parent that has it.
fn inherited_dependencies(cat: &Catalog, nodes: &[ObjRef]) -> Vec<Dependency> {
    let mut deps = Vec::new();
    let inheriting: Vec<&Table> = cat
        .tables
        .values()
        .filter(|t| t.partition_of.is_some() || !t.inherits.is_empty())
        .collect();
    if inheriting.is_empty() {
        return deps;
    }
    let index: HashMap<&ObjRef, u32> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n, i as u32))
        .collect();
    let mut link = |child: ObjRef, parent: ObjRef| {
        if let (Some(a), Some(b)) = (index.get(&child), index.get(&parent)) {
            deps.push(Dependency {
                dependent: *a,
                referenced: *b,
                kind: DepKind::Auto,
            });
        }
    };
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
            .filter(|c| c.inherit_count() > 0 && !c.is_local)
        {
            let parent = parents.iter().find(|p| {
                cat.tables
                    .get(**p)
                    .is_some_and(|pt| pt.column(&c.name).is_some())
            });
            if let Some(p) = parent {
                link(
                    ObjRef::Column(t.name.clone(), c.name.clone()),
                    ObjRef::Column((*p).clone(), c.name.clone()),
                );
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
                link(
                    ObjRef::Constraint(t.name.clone(), c.name.clone()),
                    ObjRef::Constraint((*p).clone(), c.name.clone()),
                );
            }
        }
    }
    deps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_support;

    /// A table whose columns are local, or inherited (`true`) from a parent.
    fn table(name: &str, columns: &[(&str, bool)]) -> Table {
        let mut t = test_support::table(name, -1.0);
        t.columns = columns
            .iter()
            .map(|(c, inherited)| {
                let mut col = test_support::column(c, "integer");
                col.is_local = !inherited;
                col.more_mut().inherit_count = i32::from(*inherited);
                col
            })
            .collect();
        t
    }

    #[test]
    fn inherited_columns_depend_on_their_parents() {
        let parent = table("parent", &[("a", false), ("b", false)]);
        let mut child = table("child", &[("a", true), ("b", false), ("c", false)]);
        child.inherits.push(parent.name.clone());
        let mut cat = Catalog::default();
        let col = |t: &str, c: &str| ObjRef::Column(QualName::new("public", t), c.into());
        let nodes = vec![
            col("parent", "a"),
            col("parent", "b"),
            col("child", "a"),
            col("child", "b"),
            col("child", "c"),
        ];
        cat.tables.insert(parent.name.clone(), parent);
        cat.tables.insert(child.name.clone(), child);
        // Only the inherited, not local, column: child.a → parent.a.
        assert_eq!(
            inherited_dependencies(&cat, &nodes),
            [Dependency {
                dependent: 2,
                referenced: 0,
                kind: DepKind::Auto
            }]
        );
    }

    #[test]
    fn without_inheritance_there_is_nothing_to_link() {
        let mut cat = Catalog::default();
        let t = table("t", &[("a", false)]);
        cat.tables.insert(t.name.clone(), t);
        assert!(inherited_dependencies(&cat, &[]).is_empty());
    }
}

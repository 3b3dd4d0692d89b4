//! Three-way merge of schemas: what a child changed since its merge base, what its parent
//! changed since, where the two collide, and the parent with the child's changes applied.
//!
//! Changes are compared node by node (a column, a default, a constraint, a table's own
//! attributes…, see `model::ObjRef`), so that a child adding one column and the parent adding
//! another to the same table merge cleanly. A **conflict** is a node both sides changed to
//! different results (or one changed and the other dropped), or a node one side changed that
//! uses (by the dependency graph) something the other side dropped or reshaped: an index on a
//! column the parent dropped, a view over a column the parent retyped.
mod apply;
pub(crate) use apply::{prune_graph, take_node};
mod conflicts;

pub use conflicts::{Conflict, ConflictKind, Side};

use super::diff::{objects_holding, ObjectDiff};
use super::migrate;
use super::model::*;
use std::collections::BTreeSet;

/// The outcome of a three-way comparison.
pub struct ThreeWay {
    pub conflicts: Vec<Conflict>,
    /// Base → child: the objects holding a changed node.
    pub child_changes: Vec<ObjectDiff>,
    /// Base → parent.
    pub parent_changes: Vec<ObjectDiff>,
    /// The parent with the child's changes taken over (meaningful when there are no conflicts).
    pub merged: Catalog,
}

/// Compares `child` and `parent` with their merge `base`.
pub fn three_way(base: &Catalog, parent: &Catalog, child: &Catalog) -> ThreeWay {
    let (by_child, by_parent, apart) = std::thread::scope(|s| {
        let c = s.spawn(|| migrate::plan(base, child).changed);
        let p = s.spawn(|| migrate::plan(base, parent).changed);
        let apart = migrate::plan(parent, child).changed;
        let join = |h: std::thread::ScopedJoinHandle<'_, Vec<ObjRef>>| {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
        };
        (join(c), join(p), apart)
    });
    let sides = conflicts::Sides {
        base,
        parent,
        child,
        by_child: by_child.iter().cloned().collect(),
        by_parent: by_parent.iter().cloned().collect(),
        apart: apart.into_iter().collect(),
    };
    let mut found = sides.conflicts();
    found.extend(sides.default_privilege_conflicts());
    // Every node the parent left as it was comes from the child, changed or not: attributes
    // the planner does not count as changes (whether an inherited column is local) then
    // match the child too.
    let mut taken = sides.by_child.clone();
    taken.extend(
        child
            .nodes
            .iter()
            .filter(|n| !sides.by_parent.contains(*n))
            .cloned(),
    );
    let merged = merge(parent, child, &taken, base);
    ThreeWay {
        conflicts: found,
        child_changes: objects_holding(base, child, &by_child),
        parent_changes: objects_holding(base, parent, &by_parent),
        merged,
    }
}

/// `parent` with every node in `taken` as `child` has it, and the default privileges the
/// child changed since `base`.
fn merge(parent: &Catalog, child: &Catalog, taken: &BTreeSet<ObjRef>, base: &Catalog) -> Catalog {
    let mut m = parent.clone();
    // Containers before their parts: a table new to the parent arrives before its columns.
    let mut order: Vec<&ObjRef> = taken.iter().collect();
    order.sort_by_key(|n| match n {
        ObjRef::Schema(_) => 0,
        ObjRef::Table(_) => 1,
        ObjRef::Column(..) => 2,
        _ => 3,
    });
    for n in order {
        apply::take_node(&mut m, child, n);
    }
    let keys: BTreeSet<&DefaultPrivilegesKey> = base
        .default_privileges
        .keys()
        .chain(child.default_privileges.keys())
        .collect();
    for k in keys {
        let c = child.default_privileges.get(k);
        if base.default_privileges.get(k) != c {
            match c {
                Some(acl) => m.default_privileges.insert(k.clone(), acl.clone()),
                None => m.default_privileges.remove(k),
            };
        }
    }
    apply::rebuild_graph(&mut m, parent, child, taken);
    m
}

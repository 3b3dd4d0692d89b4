//! Building the merged catalog: the parent as it is, with the nodes the child changed taken
//! from the child, one node at a time (a column, a default, a constraint, a table's own
//! attributes), so that changes to different parts of one table both survive.
use crate::schema::model::*;
use std::collections::{BTreeSet, HashMap};

/// `m` with node `n` as `src` has it (present, changed or absent).
pub(crate) fn take_node(m: &mut Catalog, src: &Catalog, n: &ObjRef) {
    match n {
        ObjRef::Schema(k) => put(&mut m.schemas, k, src.schemas.get(k)),
        ObjRef::Extension(k) => put(&mut m.extensions, k, src.extensions.get(k)),
        ObjRef::Collation(k) => put(&mut m.collations, k, src.collations.get(k)),
        ObjRef::Type(k) => put(&mut m.types, k, src.types.get(k)),
        ObjRef::Index(k) => put(&mut m.indexes, k, src.indexes.get(k)),
        ObjRef::View(k) => put(&mut m.views, k, src.views.get(k)),
        ObjRef::Function(k) => put(&mut m.functions, k, src.functions.get(k)),
        ObjRef::Trigger(t, name) => {
            let k = (t.clone(), name.clone());
            let v = src.triggers.get(&k);
            put(&mut m.triggers, &k, v)
        }
        ObjRef::Sequence(k) => {
            // Its OWNED BY link is a node of its own.
            let owned_by = m.sequences.get(k).map(|s| s.owned_by.clone());
            put(&mut m.sequences, k, src.sequences.get(k));
            if let (Some(s), Some(o)) = (m.sequences.get_mut(k), owned_by) {
                s.owned_by = o;
            }
        }
        ObjRef::SequenceOwner(k) => {
            if let (Some(s), Some(from)) = (m.sequences.get_mut(k), src.sequences.get(k)) {
                s.owned_by = from.owned_by.clone();
            }
        }
        ObjRef::Table(k) => take_table(m, src, k),
        ObjRef::Column(t, c) => take_column(m, src, t, c),
        ObjRef::Default(t, c) => {
            let d = src
                .tables
                .get(t)
                .and_then(|t| t.column(c))
                .and_then(|c| c.default.clone());
            if let Some(col) = m
                .tables
                .get_mut(t)
                .and_then(|t| t.columns.iter_mut().find(|x| x.name == *c))
            {
                col.default = d;
            }
        }
        ObjRef::Constraint(t, c) => {
            let v = src.tables.get(t).and_then(|t| t.constraints.get(c));
            if let Some(mt) = m.tables.get_mut(t) {
                put(&mut mt.constraints, c, v);
            }
        }
        ObjRef::Policy(t, p) => {
            let v = src.tables.get(t).and_then(|t| t.policies.get(p));
            if let Some(mt) = m.tables.get_mut(t) {
                put(&mut mt.policies, p, v);
            }
        }
    }
}

fn put<K: Ord + Clone, V: Clone>(map: &mut std::collections::BTreeMap<K, V>, k: &K, v: Option<&V>) {
    match v {
        Some(v) => map.insert(k.clone(), v.clone()),
        None => map.remove(k),
    };
}

/// A table's own attributes; its columns, constraints and policies are nodes of their own
/// (a table new to `m` comes whole: its parts are all changed too).
fn take_table(m: &mut Catalog, src: &Catalog, k: &QualName) {
    let Some(s) = src.tables.get(k) else {
        m.tables.remove(k);
        return;
    };
    let Some(t) = m.tables.get_mut(k) else {
        m.tables.insert(k.clone(), s.clone());
        return;
    };
    let mut new = s.clone();
    new.estimated_rows = t.estimated_rows; // the parent's rows are the ones a deploy meets
    new.columns = std::mem::take(&mut t.columns);
    new.constraints = std::mem::take(&mut t.constraints);
    new.policies = std::mem::take(&mut t.policies);
    *t = new;
}

/// A column as `src` has it (its default is a node of its own). A new column goes after the
/// column `src` has before it, so that columns added last stay last.
fn take_column(m: &mut Catalog, src: &Catalog, t: &QualName, c: &str) {
    let Some(mt) = m.tables.get_mut(t) else {
        return;
    };
    let st = src.tables.get(t);
    let Some(new) = st.and_then(|st| st.column(c)) else {
        mt.columns.retain(|x| x.name != c);
        return;
    };
    if let Some(old) = mt.columns.iter_mut().find(|x| x.name == c) {
        let default = old.default.take();
        *old = new.clone();
        old.default = default;
        return;
    }
    let st = st.expect("has the column");
    let before: Vec<&str> = st
        .columns
        .iter()
        .take_while(|x| x.name != c)
        .map(|x| x.name.as_str())
        .collect();
    let at = before
        .iter()
        .rev()
        .find_map(|b| mt.columns.iter().position(|x| x.name == *b))
        .map_or(0, |i| i + 1);
    mt.columns.insert(at, new.clone());
}

/// The dependency graph of the merged catalog: each node's edges from the side its
/// definition came from (the child for `taken` nodes, else the parent), between nodes the
/// merged catalog has.
pub(super) fn rebuild_graph(
    m: &mut Catalog,
    parent: &Catalog,
    child: &Catalog,
    taken: &BTreeSet<ObjRef>,
) {
    // The child's order first (the planner breaks ties by it: a parent that did not change
    // gets the child's own migration, statement for statement), then what only the parent has.
    let mut nodes: Vec<ObjRef> = Vec::with_capacity(parent.nodes.len() + taken.len());
    let mut ids: HashMap<&ObjRef, u32> = HashMap::with_capacity(nodes.capacity());
    for n in child.nodes.iter().chain(parent.nodes.iter()) {
        if m.has(n) && !ids.contains_key(n) {
            ids.insert(n, nodes.len() as u32);
            nodes.push(n.clone());
        }
    }
    let index = |n: &ObjRef| ids.get(n).copied();
    let mut deps = Vec::new();
    for (side, from_child) in [(parent, false), (child, true)] {
        for d in &side.dependencies {
            let dependent = &side.nodes[d.dependent as usize];
            if taken.contains(dependent) != from_child {
                continue;
            }
            let referenced = &side.nodes[d.referenced as usize];
            if let (Some(a), Some(b)) = (index(dependent), index(referenced)) {
                deps.push(Dependency {
                    dependent: a,
                    referenced: b,
                    kind: d.kind,
                });
            }
        }
    }
    deps.sort();
    deps.dedup();
    m.nodes = nodes;
    m.dependencies = deps;
}

/// Drops from the dependency graph the nodes `cat` no longer has (after objects were removed
/// from it by hand).
pub(crate) fn prune_graph(cat: &mut Catalog) {
    let keep: Vec<bool> = cat.nodes.iter().map(|n| cat.has(n)).collect();
    let mut new_id = Vec::with_capacity(keep.len());
    let mut next = 0u32;
    for k in &keep {
        new_id.push(next);
        next += u32::from(*k);
    }
    cat.dependencies
        .retain(|d| keep[d.dependent as usize] && keep[d.referenced as usize]);
    for d in &mut cat.dependencies {
        d.dependent = new_id[d.dependent as usize];
        d.referenced = new_id[d.referenced as usize];
    }
    let mut i = 0;
    cat.nodes.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

//! The part of two catalogs that a migration between them touches: what changes, what uses
//! it (a view over a retyped column, a foreign key to a dropped table), what all of that
//! needs (its table with every column, types, functions, schemas), and whatever already owns
//! a name a new object takes. A dry run can rebuild just this part and run the whole script
//! on it: the script's statements only touch changed objects and their dependents.
use super::merge::{prune_graph, take_node};
use super::migrate;
use super::model::*;
use std::collections::HashSet;

/// `from` and `to` cut down to the nodes around the changes between them; `None` when that
/// would keep more than `max_share` of `from`'s nodes (rebuilding it all is then as quick).
pub fn around_changes(from: &Catalog, to: &Catalog, max_share: f64) -> Option<(Catalog, Catalog)> {
    let changed = migrate::plan(from, to).changed;
    let mut keep: HashSet<ObjRef> = changed.iter().cloned().collect();
    keep.extend(name_holders(from, to, &changed));
    // Schemas and extensions stay: few, and what uses them (a function's language, say) is
    // not always an edge of the graph.
    for cat in [from, to] {
        keep.extend(
            cat.nodes
                .iter()
                .filter(|n| matches!(n, ObjRef::Schema(_) | ObjRef::Extension(_)))
                .cloned(),
        );
    }
    for cat in [from, to] {
        let dependents = Edges::of(cat, true);
        dependents.close(cat, &mut keep);
    }
    // What the kept nodes need, in either catalog, until nothing more is added.
    let (need_from, need_to) = (Edges::of(from, false), Edges::of(to, false));
    loop {
        let before = keep.len();
        whole_tables(from, &mut keep);
        whole_tables(to, &mut keep);
        need_from.close(from, &mut keep);
        need_to.close(to, &mut keep);
        if keep.len() == before {
            break;
        }
    }
    let kept = from.nodes.iter().filter(|n| keep.contains(*n)).count();
    if kept as f64 > max_share * from.nodes.len() as f64 {
        return None;
    }
    Some((cut(from, &keep), cut(to, &keep)))
}

/// One direction of a catalog's dependency graph, as adjacency lists.
struct Edges(Vec<Vec<usize>>);

impl Edges {
    /// `dependents`: referenced → dependent; else dependent → referenced.
    fn of(cat: &Catalog, dependents: bool) -> Edges {
        let mut adj = vec![Vec::new(); cat.nodes.len()];
        for d in &cat.dependencies {
            let (a, b) = (d.dependent as usize, d.referenced as usize);
            if dependents {
                adj[b].push(a);
            } else {
                adj[a].push(b);
            }
        }
        Edges(adj)
    }

    /// Adds to `keep` every node of `cat` reachable from a kept one.
    fn close(&self, cat: &Catalog, keep: &mut HashSet<ObjRef>) {
        let mut stack: Vec<usize> = (0..cat.nodes.len())
            .filter(|i| keep.contains(&cat.nodes[*i]))
            .collect();
        let mut seen: HashSet<usize> = stack.iter().copied().collect();
        while let Some(u) = stack.pop() {
            for &v in &self.0[u] {
                if seen.insert(v) {
                    keep.insert(cat.nodes[v].clone());
                    stack.push(v);
                }
            }
        }
    }
}

/// A table comes with all its columns and their defaults, and any part of a table with the
/// table; every object with its schema.
fn whole_tables(cat: &Catalog, keep: &mut HashSet<ObjRef>) {
    let mut add = Vec::new();
    for n in keep.iter() {
        if let Some(t) = cat.owner_table(n).and_then(|t| cat.tables.get(t)) {
            add.push(ObjRef::Table(t.name.clone()));
            for c in &t.columns {
                add.push(ObjRef::Column(t.name.clone(), c.name.clone()));
                if c.default.is_some() {
                    add.push(ObjRef::Default(t.name.clone(), c.name.clone()));
                }
            }
        }
        if let Some(s) = schema_of(n) {
            add.push(ObjRef::Schema(s.into()));
        }
    }
    keep.extend(add.into_iter().filter(|n| cat.has(n)));
}

fn schema_of(n: &ObjRef) -> Option<&str> {
    match n {
        ObjRef::Collation(q)
        | ObjRef::Type(q)
        | ObjRef::Sequence(q)
        | ObjRef::SequenceOwner(q)
        | ObjRef::Table(q)
        | ObjRef::Column(q, _)
        | ObjRef::Default(q, _)
        | ObjRef::Constraint(q, _)
        | ObjRef::Index(q)
        | ObjRef::View(q)
        | ObjRef::Trigger(q, _)
        | ObjRef::Policy(q, _) => Some(&q.schema),
        ObjRef::Function(f) => Some(&f.schema),
        ObjRef::Schema(_) | ObjRef::Extension(_) => None,
    }
}

/// Objects of `from` holding a name that an object new in `to` takes (a new index named
/// like an existing view would fail on the real parent).
fn name_holders(from: &Catalog, to: &Catalog, changed: &[ObjRef]) -> Vec<ObjRef> {
    let named = |n: &ObjRef| match n {
        ObjRef::Type(q)
        | ObjRef::Sequence(q)
        | ObjRef::Table(q)
        | ObjRef::Index(q)
        | ObjRef::View(q) => Some((q.schema.clone(), q.name.clone())),
        ObjRef::Function(f) => Some((f.schema.as_str().into(), f.name.as_str().into())),
        _ => None,
    };
    let new: HashSet<(Name, Name)> = changed
        .iter()
        .filter(|n| !from.has(n) && to.has(n))
        .filter_map(named)
        .collect();
    if new.is_empty() {
        return Vec::new();
    }
    from.nodes
        .iter()
        .filter(|n| named(n).is_some_and(|k| new.contains(&k)))
        .cloned()
        .collect()
}

/// `cat` with only the `keep` nodes. A sequence kept without its owner is owned by nothing.
fn cut(cat: &Catalog, keep: &HashSet<ObjRef>) -> Catalog {
    let mut c = cat.clone();
    let empty = Catalog::default();
    for n in cat.nodes.iter().filter(|n| !keep.contains(*n)) {
        match n {
            ObjRef::SequenceOwner(s) => {
                if let Some(seq) = c.sequences.get_mut(s) {
                    seq.owned_by = None;
                }
            }
            _ => take_node(&mut c, &empty, n),
        }
    }
    prune_graph(&mut c);
    c
}

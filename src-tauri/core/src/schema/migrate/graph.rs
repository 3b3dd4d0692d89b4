//! The nodes of both catalogs, numbered once ("uid") so that every per-node fact of the
//! planner is a vector indexed by uid, and the dependency edges of each side by uid.
use crate::schema::model::{Catalog, DepKind, ObjRef};
use rustc_hash::FxHashMap;

pub(super) struct NodeGraph<'a> {
    /// Every node of either side, once; its position is its uid.
    pub nodes: Vec<&'a ObjRef>,
    /// Node → uid. Keys are short and trusted: a fast hasher, no flooding resistance.
    index: FxHashMap<&'a ObjRef, u32>,
    pub in_from: Vec<bool>,
    pub in_to: Vec<bool>,
    /// FROM: node → nodes depending on it.
    pub from_dependents: Adjacency<(u32, DepKind)>,
    /// FROM: node → what it depends on.
    pub from_deps: Adjacency<(u32, DepKind)>,
    /// TO: node → what it needs created first (parts impose no order).
    pub to_deps: Adjacency<u32>,
}

/// Each node's neighbours, all in one vector (compressed rows): `adjacency[u]` is node
/// `u`'s slice. A vector per node cost an allocation for each of ~200,000 nodes per side of
/// a 10,000-table diff.
pub(super) struct Adjacency<T> {
    /// Node `u`'s neighbours are `items[starts[u]..starts[u + 1]]`.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy> Adjacency<T> {
    /// From (node, neighbour) pairs; each node keeps its neighbours in the pairs' order.
    fn new(n: usize, mut pairs: Vec<(u32, T)>) -> Self {
        pairs.sort_by_key(|(u, _)| *u);
        let mut starts = vec![0u32; n + 1];
        for (u, _) in &pairs {
            starts[*u as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        Adjacency {
            starts,
            items: pairs.into_iter().map(|(_, t)| t).collect(),
        }
    }
}

impl<T> std::ops::Index<usize> for Adjacency<T> {
    type Output = [T];
    fn index(&self, u: usize) -> &[T] {
        &self.items[self.starts[u] as usize..self.starts[u + 1] as usize]
    }
}

impl<'a> NodeGraph<'a> {
    pub fn new(from: &'a Catalog, to: &'a Catalog) -> Self {
        // Both sides share most nodes: room for the larger side (the sum would double a
        // 10,000-table diff's biggest table).
        let most = from.nodes.len().max(to.nodes.len());
        let mut nodes: Vec<&'a ObjRef> = Vec::with_capacity(most);
        let mut index: FxHashMap<&'a ObjRef, u32> = FxHashMap::default();
        index.reserve(most);
        let mut uid = |n: &'a ObjRef, nodes: &mut Vec<&'a ObjRef>| -> u32 {
            *index.entry(n).or_insert_with(|| {
                nodes.push(n);
                (nodes.len() - 1) as u32
            })
        };
        let to_uid: Vec<u32> = to.nodes.iter().map(|n| uid(n, &mut nodes)).collect();
        let from_uid: Vec<u32> = from.nodes.iter().map(|n| uid(n, &mut nodes)).collect();
        let n = nodes.len();
        let mut in_from = vec![false; n];
        let mut in_to = vec![false; n];
        for u in &from_uid {
            in_from[*u as usize] = true;
        }
        for u in &to_uid {
            in_to[*u as usize] = true;
        }
        let from_pairs = || {
            from.dependencies.iter().map(|d| {
                let a = from_uid[d.dependent as usize];
                (a, from_uid[d.referenced as usize], d.kind)
            })
        };
        let from_dependents =
            Adjacency::new(n, from_pairs().map(|(a, b, k)| (b, (a, k))).collect());
        let from_deps = Adjacency::new(n, from_pairs().map(|(a, b, k)| (a, (b, k))).collect());
        let to_pairs = to
            .dependencies
            .iter()
            .filter(|d| d.kind != DepKind::Part)
            .map(|d| (to_uid[d.dependent as usize], to_uid[d.referenced as usize]))
            .collect();
        let to_deps = Adjacency::new(n, to_pairs);
        NodeGraph {
            nodes,
            index,
            in_from,
            in_to,
            from_dependents,
            from_deps,
            to_deps,
        }
    }

    /// How many nodes both sides have together.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The uid of `r`, if either side has it.
    pub fn id(&self, r: &ObjRef) -> Option<usize> {
        self.index.get(r).map(|u| *u as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::{Dependency, QualName};

    fn table(name: &str) -> ObjRef {
        ObjRef::Table(QualName::new("public", name))
    }

    fn catalog(nodes: Vec<ObjRef>, deps: &[(u32, u32, DepKind)]) -> Catalog {
        Catalog {
            nodes,
            dependencies: deps
                .iter()
                .map(|(a, b, kind)| Dependency {
                    dependent: *a,
                    referenced: *b,
                    kind: *kind,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn numbers_each_node_once_for_both_sides() {
        let schema = ObjRef::Schema("public".into());
        let from = catalog(vec![schema.clone(), table("old"), table("kept")], &[]);
        let to = catalog(vec![table("kept"), table("new"), schema.clone()], &[]);
        let g = NodeGraph::new(&from, &to);
        assert_eq!(g.node_count(), 4);
        // TO's nodes are numbered first, in their order.
        assert_eq!(g.id(&table("kept")), Some(0));
        assert_eq!(g.id(&table("new")), Some(1));
        assert_eq!(g.id(&schema), Some(2));
        assert_eq!(g.id(&table("old")), Some(3));
        assert_eq!(g.id(&table("missing")), None);
        let old = g.id(&table("old")).unwrap();
        assert!(g.in_from[old] && !g.in_to[old]);
        let new = g.id(&table("new")).unwrap();
        assert!(!g.in_from[new] && g.in_to[new]);
        let kept = g.id(&table("kept")).unwrap();
        assert!(g.in_from[kept] && g.in_to[kept]);
    }

    #[test]
    fn maps_dependencies_to_uids_and_ignores_parts_when_creating() {
        let (t, col) = (
            table("t"),
            ObjRef::Column(QualName::new("public", "t"), "c".into()),
        );
        let view = ObjRef::View(QualName::new("public", "v"));
        // FROM: the view uses the column, the column is part of the table.
        let from = catalog(
            vec![t.clone(), col.clone(), view.clone()],
            &[(2, 1, DepKind::Normal), (1, 0, DepKind::Part)],
        );
        let to = catalog(
            vec![view.clone(), col.clone(), t.clone()],
            &[(0, 1, DepKind::Normal), (1, 2, DepKind::Part)],
        );
        let g = NodeGraph::new(&from, &to);
        let (t, col, view) = (g.id(&t).unwrap(), g.id(&col).unwrap(), g.id(&view).unwrap());
        assert_eq!(g.from_dependents[col], vec![(view as u32, DepKind::Normal)]);
        assert_eq!(g.from_deps[col], vec![(t as u32, DepKind::Part)]);
        assert_eq!(g.to_deps[view], vec![col as u32]);
        assert!(g.to_deps[col].is_empty(), "a part imposes no order");
    }
}

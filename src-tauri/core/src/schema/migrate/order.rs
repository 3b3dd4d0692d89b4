//! The order of the actions: edges "this before that" (drops after the drops of their
//! dependents in FROM, creates and alters after what they need in TO, a name released before
//! it is reused, dependents of a retyped column dropped before the change), and a topological
//! sort that breaks ties by a fixed phase (drops by kind, renames, creates by kind, final
//! drops), so that the output is deterministic and reads naturally.
use super::actions::NodeActions;
use super::Planner;
use crate::schema::model::{Catalog, ObjRef};
use crate::schema::statement::MigrationStatement;
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

pub(super) type ActionId = usize;

/// Statements that run together, and the phase that places them among unrelated ones.
pub(super) struct Action {
    pub stmts: Vec<MigrationStatement>,
    pub phase: u16,
}

/// (before, after) pairs of actions.
pub(super) type Edges = BTreeSet<(ActionId, ActionId)>;

/// Creation order of the kinds (also the reverse order of their drops).
fn kind_rank(n: &ObjRef, cat: &Catalog) -> u16 {
    match n {
        ObjRef::Schema(_) => 0,
        ObjRef::Extension(_) => 1,
        ObjRef::Collation(_) => 2,
        ObjRef::Type(_) => 3,
        ObjRef::Sequence(_) => 4,
        ObjRef::Function(_) => 5,
        ObjRef::Table(_) => 6,
        ObjRef::Column(..) => 7,
        ObjRef::Default(..) => 8,
        ObjRef::SequenceOwner(_) => 9,
        ObjRef::Constraint(t, c) => {
            let fk = cat
                .tables
                .get(t)
                .and_then(|t| t.constraints.get(c))
                .is_some_and(|c| c.kind == "f");
            if fk {
                12
            } else {
                10
            }
        }
        ObjRef::Index(_) => 11,
        ObjRef::View(q) => {
            if cat.views.get(q).is_some_and(|v| v.materialized) {
                14
            } else {
                13
            }
        }
        ObjRef::Trigger(..) => 15,
        ObjRef::Policy(..) => 16,
    }
}

/// Phase of the drop of `n` (a FROM node): 10–26, dependents' kinds first; extensions and
/// schemas last (61, 62), once nothing uses them. Renames of recreated enums are 30, their
/// final drops 60.
pub(super) fn drop_phase(n: &ObjRef, from: &Catalog) -> u16 {
    match n {
        ObjRef::Extension(_) => 61,
        ObjRef::Schema(_) => 62,
        _ => 10 + (16 - kind_rank(n, from)),
    }
}

/// Phase of the create or alter of `n` (a TO node): 40–56 by kind.
pub(super) fn create_phase(n: &ObjRef, to: &Catalog) -> u16 {
    40 + kind_rank(n, to)
}

/// Objects sharing PostgreSQL's relation/type namespace, by (schema, name).
fn relation_name(
    n: &ObjRef,
    cat: &Catalog,
) -> Option<(crate::schema::model::Name, crate::schema::model::Name)> {
    match n {
        ObjRef::Table(q)
        | ObjRef::View(q)
        | ObjRef::Sequence(q)
        | ObjRef::Index(q)
        | ObjRef::Type(q) => Some((q.schema.clone(), q.name.clone())),
        ObjRef::Constraint(t, c) => {
            let con = cat.tables.get(t)?.constraints.get(c)?;
            con.index
                .as_ref()
                .map(|i| (i.schema.clone(), i.name.clone()))
        }
        _ => None,
    }
}

impl<'a> Planner<'a> {
    /// Every ordering constraint between the actions.
    pub(super) fn edges(&self, acts: &NodeActions) -> Edges {
        let mut edges = Edges::new();
        let retyped: Vec<usize> = self.retyped.iter().filter_map(|c| self.id(c)).collect();
        self.creation_edges(acts, &mut edges);
        self.drop_edges(acts, &retyped, &mut edges);
        self.change_edges(acts, &retyped, &mut edges);
        self.name_reuse_edges(acts, &mut edges);
        edges
    }

    /// TO: a create or alter after those of what it needs.
    fn creation_edges(&self, acts: &NodeActions, edges: &mut Edges) {
        for (u, made) in acts.make.iter().enumerate() {
            for b in &self.graph.to_deps[u] {
                for before in &acts.make[*b as usize] {
                    for after in made {
                        edges.insert((*before, *after));
                    }
                }
            }
        }
    }

    /// FROM: a drop after the drops (or detaching alters) of its dependents, and a parent's
    /// column after the alter of the child table that leaves it.
    fn drop_edges(&self, acts: &NodeActions, retyped: &[usize], edges: &mut Edges) {
        for b in &acts.drop_list {
            let Some(bd) = acts.drop[*b] else { continue };
            for (a, _) in &self.graph.from_dependents[*b] {
                let a = *a as usize;
                if let Some(ad) = acts.drop[a] {
                    edges.insert((ad, bd));
                } else if self.detaching[a] || retyped.contains(&a) {
                    for id in &acts.make[a] {
                        edges.insert((*id, bd));
                    }
                }
            }
        }
        for (table, parent_col) in &self.detached_by_table {
            if let Some(d) = acts.drop[*parent_col] {
                for id in &acts.make[*table] {
                    edges.insert((*id, d));
                }
            }
        }
    }

    /// A recreated node's release before its create; around a column type change, its
    /// dependents and its default dropped before.
    fn change_edges(&self, acts: &NodeActions, retyped: &[usize], edges: &mut Edges) {
        for (u, rel) in acts.release.iter().enumerate() {
            if let Some(rel) = rel {
                for id in &acts.make[u] {
                    edges.insert((*rel, *id));
                }
            }
        }
        for c in retyped {
            for (a, _) in &self.graph.from_dependents[*c] {
                if let Some(d) = acts.drop[*a as usize] {
                    for alter in &acts.make[*c] {
                        edges.insert((d, *alter));
                    }
                }
            }
        }
        // A column's default is dropped before the column changes (identity, type).
        for u in &acts.drop_list {
            if let ObjRef::Default(q, c) = self.graph.nodes[*u] {
                if let (Some(d), Some(col)) = (
                    acts.drop[*u],
                    self.id(&ObjRef::Column(q.clone(), c.clone())),
                ) {
                    for a in &acts.make[col] {
                        edges.insert((d, *a));
                    }
                }
            }
        }
    }

    /// A released name before a new object reusing it.
    fn name_reuse_edges(&self, acts: &NodeActions, edges: &mut Edges) {
        let mut released: FxHashMap<
            (crate::schema::model::Name, crate::schema::model::Name),
            Vec<ActionId>,
        > = FxHashMap::default();
        for (u, rel) in acts.release.iter().enumerate() {
            if let Some(rel) = rel {
                if let Some(k) = relation_name(self.graph.nodes[u], self.from) {
                    released.entry(k).or_default().push(*rel);
                }
            }
        }
        if released.is_empty() {
            return;
        }
        for (u, made) in acts.make.iter().enumerate() {
            if made.is_empty() {
                continue;
            }
            let Some(k) = relation_name(self.graph.nodes[u], self.to) else {
                continue;
            };
            if let Some(rels) = released.get(&k) {
                for id in made {
                    for r in rels {
                        edges.insert((*r, *id));
                    }
                }
            }
        }
    }
}

/// Kahn's algorithm, taking the ready action with the lowest (phase, index) first. Actions
/// on a cycle (which the rules above should not produce) are emitted in phase order.
pub(super) fn toposort(actions: &[Action], edges: &Edges) -> Vec<ActionId> {
    let n = actions.len();
    let mut indeg = vec![0usize; n];
    let mut out_edges: Vec<Vec<ActionId>> = vec![Vec::new(); n];
    for (a, b) in edges {
        if a != b {
            out_edges[*a].push(*b);
            indeg[*b] += 1;
        }
    }
    let mut heap: BinaryHeap<Reverse<(u16, ActionId)>> = BinaryHeap::new();
    for (i, a) in actions.iter().enumerate() {
        if indeg[i] == 0 {
            heap.push(Reverse((a.phase, i)));
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    loop {
        while let Some(Reverse((_, i))) = heap.pop() {
            if done[i] {
                continue;
            }
            done[i] = true;
            order.push(i);
            for j in &out_edges[i] {
                // Saturating: an action released from a cycle still has edges into it.
                indeg[*j] = indeg[*j].saturating_sub(1);
                if indeg[*j] == 0 && !done[*j] {
                    heap.push(Reverse((actions[*j].phase, *j)));
                }
            }
        }
        if order.len() == n {
            break;
        }
        // A cycle: release the lowest remaining action.
        let next = (0..n)
            .filter(|i| !done[*i])
            .min_by_key(|i| (actions[*i].phase, *i))
            .expect("remaining action");
        tracing::warn!("schema diff: dependency cycle, emitting statement out of order");
        indeg[next] = 0;
        heap.push(Reverse((actions[next].phase, next)));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::{QualName, View};
    use crate::schema::test_support::{constraint, table};

    fn actions(phases: &[u16]) -> Vec<Action> {
        phases
            .iter()
            .map(|p| Action {
                stmts: Vec::new(),
                phase: *p,
            })
            .collect()
    }

    fn edges(v: &[(ActionId, ActionId)]) -> Edges {
        v.iter().copied().collect()
    }

    #[test]
    fn without_edges_actions_run_by_phase_then_index() {
        let order = toposort(&actions(&[50, 10, 50, 40, 10]), &Edges::new());
        assert_eq!(order, [1, 4, 3, 0, 2]);
    }

    #[test]
    fn an_edge_overrides_the_phase() {
        // 0 (phase 50) must come before 1 (phase 10).
        let order = toposort(&actions(&[50, 10, 30]), &edges(&[(0, 1)]));
        assert_eq!(order, [2, 0, 1]);
        // Chains are followed through: 2 → 0 → 1.
        let order = toposort(&actions(&[50, 10, 60]), &edges(&[(0, 1), (2, 0)]));
        assert_eq!(order, [2, 0, 1]);
    }

    #[test]
    fn self_edges_are_ignored() {
        let order = toposort(&actions(&[20, 10]), &edges(&[(0, 0)]));
        assert_eq!(order, [1, 0]);
    }

    #[test]
    fn a_cycle_still_emits_every_action_once() {
        let order = toposort(&actions(&[30, 20, 10]), &edges(&[(0, 1), (1, 0)]));
        assert_eq!(order, [2, 1, 0]);
        let order = toposort(
            &actions(&[10, 20, 30, 5]),
            &edges(&[(0, 1), (1, 2), (2, 0)]),
        );
        assert_eq!(order, [3, 0, 1, 2]);
    }

    #[test]
    fn phases_create_in_dependency_order_and_drop_in_reverse() {
        let mut cat = Catalog::default();
        let mut t = table("t", -1.0);
        t.constraints.insert(
            "fk".into(),
            constraint("fk", "f", "FOREIGN KEY (a) REFERENCES u(a)").into(),
        );
        t.constraints
            .insert("pk".into(), constraint("pk", "p", "PRIMARY KEY (a)").into());
        cat.tables.insert(t.name.clone(), t);
        let mv = QualName::new("public", "mv");
        cat.views.insert(
            mv.clone(),
            View {
                name: mv.clone(),
                materialized: true,
                definition: String::new(),
                options: Vec::new(),
                columns: Vec::new(),
                owner: "x".into(),
                comment: None,
                acl: Default::default(),
            },
        );
        let q = QualName::new("public", "t");
        let kinds = [
            ObjRef::Schema("public".into()),
            ObjRef::Type(QualName::new("public", "e")),
            ObjRef::Function(crate::schema::model::FunctionId {
                schema: "public".into(),
                name: "f".into(),
                args: Default::default(),
            }),
            ObjRef::Table(q.clone()),
            ObjRef::Column(q.clone(), "a".into()),
            ObjRef::Constraint(q.clone(), "pk".into()),
            ObjRef::Index(QualName::new("public", "i")),
            ObjRef::Constraint(q.clone(), "fk".into()),
            ObjRef::View(QualName::new("public", "v")),
            ObjRef::View(mv),
            ObjRef::Trigger(q.clone(), "tg".into()),
            ObjRef::Policy(q, "p".into()),
        ];
        let creates: Vec<u16> = kinds.iter().map(|k| create_phase(k, &cat)).collect();
        assert!(creates.windows(2).all(|w| w[0] < w[1]), "{creates:?}");
        // Drops: dependents first; extensions and schemas after everything.
        let drops: Vec<u16> = kinds[1..].iter().map(|k| drop_phase(k, &cat)).collect();
        assert!(drops.windows(2).all(|w| w[0] > w[1]), "{drops:?}");
        assert!(drops.iter().all(|p| *p < 30));
        assert_eq!(drop_phase(&ObjRef::Extension("x".into()), &cat), 61);
        assert_eq!(drop_phase(&ObjRef::Schema("s".into()), &cat), 62);
        assert!(creates.iter().all(|p| (40..60).contains(p)));
    }

    #[test]
    fn relations_indexes_and_types_share_one_namespace() {
        let mut cat = Catalog::default();
        let mut t = table("t", -1.0);
        let mut pk = constraint("t_pkey", "p", "PRIMARY KEY (a)");
        pk.index = Some(QualName::new("public", "t_pkey"));
        t.constraints.insert("t_pkey".into(), pk.into());
        t.constraints
            .insert("c".into(), constraint("c", "c", "CHECK (a > 0)").into());
        cat.tables.insert(t.name.clone(), t);
        let q = QualName::new("public", "t");
        let key = Some(("public".into(), "t_pkey".into()));
        assert_eq!(
            relation_name(&ObjRef::Constraint(q.clone(), "t_pkey".into()), &cat),
            key
        );
        assert_eq!(
            relation_name(&ObjRef::Index(QualName::new("public", "t_pkey")), &cat),
            key
        );
        assert_eq!(
            relation_name(&ObjRef::Constraint(q.clone(), "c".into()), &cat),
            None
        );
        assert_eq!(relation_name(&ObjRef::Column(q, "a".into()), &cat), None);
    }
}

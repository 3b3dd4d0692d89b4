//! The migration planner: which objects to drop, create or alter, and in which order.
//!
//! Every object and sub-object (column, default, constraint, …) is a node. For each node
//! present on both sides an *alter* is computed: nothing, a list of statements, or "recreate"
//! (drop and create). The set of nodes to drop is then closed over FROM's dependency graph:
//! whatever depends on a dropped node is dropped too (and recreated if TO has it), unless
//! its own alter already removes the dependency (a column changing away from a dropped type,
//! a sequence changing owner). Dependents of a column whose type changes (views, triggers,
//! policies, its default) are dropped and recreated around the `ALTER COLUMN … TYPE`.
//! A drop that PostgreSQL performs by itself (a column with its table, an index with its
//! column, an owned sequence with its column) is *absorbed*: no statement of its own.
//!
//! Statements are then ordered topologically: drops after the drops of what depends on them
//! (FROM's graph), creates and alters after those of what they need (TO's graph), a drop of a
//! name before the create that reuses it; ties are broken by a fixed phase order (drops,
//! renames, creates by kind, final drops), so output is deterministic and reads naturally.
//! An enum whose values cannot be reached with `ADD VALUE` is renamed, recreated, its columns
//! converted through text, and the old type dropped last.
//!
//! The phases, one module each: `graph` numbers the nodes of both sides; `alter` (with
//! `alter_table`, `alter_column`, `alter_type`) computes the alters; `drop_set` closes the
//! set of drops; `create_drop` spells single creates and drops; `actions` groups statements
//! into actions; `order` sorts them. The rules about what can go wrong are in `hazards` and,
//! for column type changes, `type_change`.
mod actions;
mod alter;
mod alter_column;
mod alter_table;
mod alter_type;
mod attach;
mod create_drop;
mod default_privileges;
mod drop_set;
mod enum_commit;
mod graph;
mod hazards;
mod order;
mod type_change;

use super::model::*;
use super::statement::{stmt, MigrationStatement};
use alter::Alter;
use graph::NodeGraph;
use order::Action;
use std::collections::BTreeSet;

/// The ordered migration, and the nodes that differ (for the report).
pub(crate) struct Plan {
    pub statements: Vec<MigrationStatement>,
    pub changed: Vec<ObjRef>,
}

/// Plans the migration turning `from` into `to`.
pub(crate) fn plan(from: &Catalog, to: &Catalog) -> Plan {
    Planner::new(from, to).plan()
}

/// What the planner knows about each node (vectors by uid, see `graph`) as it goes.
struct Planner<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    graph: NodeGraph<'a>,
    /// For nodes on both sides.
    alters: Vec<Option<Alter>>,
    drop_set: Vec<bool>,
    /// Columns whose type changes (or must be converted, for a recreated enum).
    retyped: BTreeSet<ObjRef>,
    /// Columns recreated because their new type has no cast from the old one.
    uncastable: BTreeSet<ObjRef>,
    /// Enums recreated through a rename.
    renamed_enums: BTreeSet<QualName>,
    /// Nodes kept although something they depend on is dropped: their alter removes the
    /// dependency, so it must run before that drop.
    detaching: Vec<bool>,
    /// (child table, parent column): inherited columns kept by a child that leaves the parent
    /// (NO INHERIT / DETACH); the child table's alter runs before the parent's column goes.
    detached_by_table: Vec<(usize, usize)>,
    actions: Vec<Action>,
    /// `ADD VALUE` statements (their SQL) and the labels they add.
    enum_additions: BTreeSet<String>,
    added_labels: BTreeSet<String>,
    /// The action changing default privileges, if any.
    default_privileges: Option<order::ActionId>,
}

impl<'a> Planner<'a> {
    fn new(from: &'a Catalog, to: &'a Catalog) -> Self {
        let graph = NodeGraph::new(from, to);
        let n = graph.node_count();
        Planner {
            from,
            to,
            graph,
            alters: vec![None; n],
            drop_set: vec![false; n],
            retyped: BTreeSet::new(),
            uncastable: BTreeSet::new(),
            renamed_enums: BTreeSet::new(),
            detaching: vec![false; n],
            detached_by_table: Vec::new(),
            actions: Vec::new(),
            default_privileges: None,
            enum_additions: BTreeSet::new(),
            added_labels: BTreeSet::new(),
        }
    }

    fn id(&self, r: &ObjRef) -> Option<usize> {
        self.graph.id(r)
    }

    /// Is `r` (a FROM node) dropped?
    fn dropping(&self, r: &ObjRef) -> bool {
        self.id(r).is_some_and(|u| self.drop_set[u])
    }

    fn creating_u(&self, u: usize) -> bool {
        self.graph.in_to[u] && (!self.graph.in_from[u] || self.drop_set[u])
    }

    /// Will `n` be created (new, or dropped and recreated)?
    fn creating(&self, n: &ObjRef) -> bool {
        self.id(n).is_some_and(|u| self.creating_u(u))
    }

    fn plan(mut self) -> Plan {
        self.compute_alters();
        self.close_drop_set();
        self.keep_attachable();
        let mut acts = self.drop_actions();
        self.make_actions(&mut acts);
        self.default_privileges = self.default_privileges_action();
        let mut edges = self.edges(&acts);
        self.default_privileges_edges(&acts.make, &mut edges);
        let order = order::toposort(&self.actions, &edges);
        let statements = self.statements(order);
        // Nodes that differ: on one side only, or with a non-empty alter.
        let changed = (0..self.graph.node_count())
            .filter(|u| {
                self.graph.in_from[*u] != self.graph.in_to[*u]
                    || self.alters[*u].as_ref().is_some_and(|a| !a.is_same())
            })
            .map(|u| self.graph.nodes[u].clone())
            .collect();
        Plan {
            statements,
            changed,
        }
    }

    /// The actions' statements in `order`, after `SET check_function_bodies = false` when
    /// functions are created.
    fn statements(&mut self, order: Vec<order::ActionId>) -> Vec<MigrationStatement> {
        let mut statements = Vec::new();
        let creates_functions = order.iter().any(|i| {
            self.actions[*i].stmts.iter().any(|s| {
                s.sql.starts_with("CREATE OR REPLACE FUNCTION")
                    || s.sql.starts_with("CREATE OR REPLACE PROCEDURE")
            })
        });
        if creates_functions {
            // As pg_dump does: bodies may refer to objects created later in the script.
            statements.push(stmt("SET check_function_bodies = false;"));
        }
        for i in order {
            statements.append(&mut self.actions[i].stmts);
        }
        enum_commit::commit_added_enum_values(statements, &self.enum_additions, &self.added_labels)
    }
}

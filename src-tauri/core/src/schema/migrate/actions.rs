//! From nodes to actions: one action (a group of statements with a phase) per dropped node
//! that PostgreSQL does not drop by itself, per created node that no other create brings
//! along, and per alter; absorbed nodes share the action that takes them along.
use super::alter::Alter;
use super::order::{create_phase, drop_phase, Action, ActionId};
use super::type_change::type_change_statement;
use super::Planner;
use crate::schema::ddl::qi;
use crate::schema::model::ObjRef;
use crate::schema::statement::{stmt, MigrationStatement};

/// The actions of each node (by uid).
pub(super) struct NodeActions {
    /// The dropped nodes, in node order.
    pub drop_list: Vec<usize>,
    /// The action that drops the node (its own, or the one that takes it along).
    pub drop: Vec<Option<ActionId>>,
    /// The action after which the node's name is free (its drop, or an enum's rename).
    pub release: Vec<Option<ActionId>>,
    /// The actions that create or alter the node.
    pub make: Vec<Vec<ActionId>>,
}

impl<'a> Planner<'a> {
    pub(super) fn add_action(
        &mut self,
        stmts: Vec<MigrationStatement>,
        phase: u16,
    ) -> Option<ActionId> {
        if stmts.is_empty() {
            return None;
        }
        self.actions.push(Action { stmts, phase });
        Some(self.actions.len() - 1)
    }

    fn by_node(&self, list: &mut [usize]) {
        list.sort_by(|a, b| self.graph.nodes[*a].cmp(self.graph.nodes[*b]));
    }

    /// Node order, except that the columns of one table come in the order TO has them:
    /// `ADD COLUMN` appends, so they land as TO has them when they come last there.
    fn in_make_order(&self, list: &mut [usize]) {
        list.sort_by(|a, b| {
            let (x, y) = (self.graph.nodes[*a], self.graph.nodes[*b]);
            match (x, y) {
                (ObjRef::Column(qa, ca), ObjRef::Column(qb, cb)) if qa == qb => {
                    let pos = |c: &str| {
                        self.to
                            .tables
                            .get(qa)
                            .and_then(|t| t.columns.iter().position(|k| k.name == c))
                    };
                    pos(ca).cmp(&pos(cb)).then_with(|| ca.cmp(cb))
                }
                _ => x.cmp(y),
            }
        });
    }

    /// Creates the drop actions; the make actions are left empty.
    pub(super) fn drop_actions(&mut self) -> NodeActions {
        let n = self.graph.node_count();
        let mut drop_list: Vec<usize> = (0..n).filter(|u| self.drop_set[*u]).collect();
        self.by_node(&mut drop_list);
        let mut drop: Vec<Option<ActionId>> = vec![None; n];
        let mut release: Vec<Option<ActionId>> = vec![None; n];
        let roots: Vec<(usize, usize)> = drop_list.iter().map(|u| (*u, self.root(*u))).collect();
        for (u, r) in &roots {
            if r != u {
                continue;
            }
            let node = self.graph.nodes[*u];
            if let ObjRef::Type(q) = node {
                if self.renamed_enums.contains(q) && self.graph.in_to[*u] {
                    // Renamed out of the way, dropped once its columns are converted.
                    let old = truncate_ident(&format!("{}__old", q.name));
                    let rename = stmt(format!("ALTER TYPE {} RENAME TO {};", q.sql(), qi(&old)));
                    let fin = stmt(format!("DROP TYPE {}.{};", qi(&q.schema), qi(&old)));
                    release[*u] = self.add_action(vec![rename], 30);
                    drop[*u] = self.add_action(vec![fin], 60);
                    continue;
                }
            }
            if let Some(s) = self.drop_stmt(node) {
                let id = self.add_action(vec![s], drop_phase(node, self.from));
                drop[*u] = id;
                release[*u] = id;
            }
        }
        for (u, r) in &roots {
            if r != u {
                if let Some(id) = drop[*r] {
                    drop[*u] = Some(id);
                    release[*u].get_or_insert(id);
                }
            }
        }
        NodeActions {
            drop_list,
            drop,
            release,
            make: vec![Vec::new(); n],
        }
    }

    /// Creates the create and alter actions into `acts.make`.
    pub(super) fn make_actions(&mut self, acts: &mut NodeActions) {
        let n = self.graph.node_count();
        let make = &mut acts.make;
        let mut todo: Vec<usize> = (0..n)
            .filter(|u| {
                self.graph.in_to[*u]
                    && (self.creating_u(*u) || matches!(self.alters[*u], Some(Alter::Stmts(_))))
            })
            .collect();
        self.in_make_order(&mut todo);
        let mut absorbed: Vec<(usize, usize)> = Vec::new();
        for u in todo {
            let node = self.graph.nodes[u];
            if self.creating_u(u) {
                if let Some(p) = self.create_absorber(node) {
                    if let Some(pu) = self.id(&p) {
                        absorbed.push((u, pu));
                    }
                    continue;
                }
                let s = self.create_stmts(node);
                if let Some(id) = self.add_action(s, create_phase(node, self.to)) {
                    make[u].push(id);
                }
            } else if let Some(Alter::Stmts(s)) = self.alters[u].clone() {
                if let Some(id) = self.add_action(s, create_phase(node, self.to)) {
                    make[u].push(id);
                }
            }
        }
        self.enum_conversion_actions(make);
        // Absorbed creates take their parent's action (parents may be absorbed themselves).
        for _ in 0..4 {
            for (u, p) in &absorbed {
                if make[*u].is_empty() && !make[*p].is_empty() {
                    make[*u] = make[*p].clone();
                }
            }
        }
    }

    /// Columns converted for a recreated enum (their type text is unchanged, so they have no
    /// alter of their own).
    fn enum_conversion_actions(&mut self, make: &mut [Vec<ActionId>]) {
        for c in self.retyped.clone() {
            let ObjRef::Column(q, name) = &c else {
                continue;
            };
            let Some(u) = self.id(&c) else { continue };
            if self.drop_set[u] || !self.graph.in_to[u] {
                continue;
            }
            let (ft, tt) = (&self.from.tables[q], &self.to.tables[q]);
            let (a, b) = (ft.column(name).unwrap(), tt.column(name).unwrap());
            if a.type_name == b.type_name && a.collation() == b.collation() {
                let s = type_change_statement(ft, tt, a, b, true);
                if let Some(id) = self.add_action(vec![s], create_phase(&c, self.to)) {
                    make[u].push(id);
                }
            }
        }
    }
}

/// `s` cut to PostgreSQL's identifier length (on a character boundary).
fn truncate_ident(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() + c.len_utf8() > crate::ident::MAX_IDENT_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_cut_to_63_bytes_on_a_character_boundary() {
        assert_eq!(truncate_ident("mood__old"), "mood__old");
        let long = "x".repeat(70);
        assert_eq!(truncate_ident(&long).len(), 63);
        let wide = format!("{}é", "x".repeat(62));
        assert_eq!(truncate_ident(&wide), "x".repeat(62));
    }
}

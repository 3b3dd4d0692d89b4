//! Where the child's and the parent's changes since their base collide.
use crate::schema::diff::{node_ddl, ObjectKind};
use crate::schema::model::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum Side {
    Child,
    Parent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum ConflictKind {
    /// Both sides changed the object, to different results (or one dropped it).
    BothChanged,
    /// `side` changed the object, which uses something the other side dropped.
    UsesDropped,
    /// `side` changed the object, which uses something the other side reshaped (a column's
    /// type, a function's result…).
    UsesChanged,
}

/// One collision, with the object as it is in the base and on each side (its DDL; None where
/// it does not exist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Conflict {
    pub kind: ConflictKind,
    /// Whose change is affected (None for BothChanged).
    pub side: Option<Side>,
    pub object_kind: ObjectKind,
    /// The object (its SQL identity, e.g. `"public"."orders"`).
    pub identity: String,
    /// For Uses*: what it uses.
    pub uses: Option<String>,
    pub message: String,
    pub base_ddl: Option<String>,
    pub parent_ddl: Option<String>,
    pub child_ddl: Option<String>,
}

pub(super) struct Sides<'a> {
    pub base: &'a Catalog,
    pub parent: &'a Catalog,
    pub child: &'a Catalog,
    /// Nodes that differ base → child, base → parent, parent → child.
    pub by_child: BTreeSet<ObjRef>,
    pub by_parent: BTreeSet<ObjRef>,
    pub apart: BTreeSet<ObjRef>,
}

impl Sides<'_> {
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for n in self.by_child.intersection(&self.by_parent) {
            if !self.apart.contains(n) {
                continue; // the same change on both sides
            }
            let (p, c) = (self.parent.has(n), self.child.has(n));
            let message = match (self.base.has(n), p, c) {
                (_, true, false) => {
                    format!("the child drops {}, which the parent changed", describe(n))
                }
                (_, false, true) => format!(
                    "the parent dropped {}, which the child changed",
                    describe(n)
                ),
                (false, _, _) => format!("both branches added {}, differently", describe(n)),
                _ => format!("both branches changed {}, differently", describe(n)),
            };
            self.push(
                &mut out,
                &mut seen,
                ConflictKind::BothChanged,
                None,
                n,
                None,
                message,
            );
        }
        for (side, mine, theirs, cat) in [
            (Side::Child, &self.by_child, &self.by_parent, self.child),
            (Side::Parent, &self.by_parent, &self.by_child, self.parent),
        ] {
            let other = if side == Side::Child {
                self.parent
            } else {
                self.child
            };
            let (who, them) = match side {
                Side::Child => ("the child", "the parent"),
                Side::Parent => ("the parent", "the child"),
            };
            for d in &cat.dependencies {
                let (n, r) = (
                    &cat.nodes[d.dependent as usize],
                    &cat.nodes[d.referenced as usize],
                );
                if !mine.contains(n) || !theirs.contains(r) || mine.contains(r) {
                    continue;
                }
                let (kind, message) = if !other.has(r) {
                    let m = format!(
                        "{} ({who}'s change) uses {}, which {them} dropped",
                        describe(n),
                        describe(r)
                    );
                    (ConflictKind::UsesDropped, m)
                } else if let Some(what) = reshaped(self.base, other, r) {
                    let m = format!(
                        "{} ({who}'s change) uses {}, whose {what} {them} changed",
                        describe(n),
                        describe(r)
                    );
                    (ConflictKind::UsesChanged, m)
                } else {
                    continue;
                };
                self.push(&mut out, &mut seen, kind, Some(side), n, Some(r), message);
            }
        }
        out
    }

    /// Default privileges (not graph nodes): both sides changed one role's defaults differently.
    pub fn default_privilege_conflicts(&self) -> Vec<Conflict> {
        let (b, p, c) = (
            &self.base.default_privileges,
            &self.parent.default_privileges,
            &self.child.default_privileges,
        );
        let keys: BTreeSet<&DefaultPrivilegesKey> =
            b.keys().chain(p.keys()).chain(c.keys()).collect();
        keys.into_iter()
            .filter(|k| b.get(*k) != c.get(*k) && b.get(*k) != p.get(*k) && p.get(*k) != c.get(*k))
            .map(|k| Conflict {
                kind: ConflictKind::BothChanged,
                side: None,
                object_kind: ObjectKind::Schema,
                identity: format!("default privileges of {} ({})", k.role, k.object_type),
                uses: None,
                message: format!(
                    "both branches changed the default privileges of role \"{}\" differently",
                    k.role
                ),
                base_ddl: None,
                parent_ddl: None,
                child_ddl: None,
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        out: &mut Vec<Conflict>,
        seen: &mut BTreeSet<(ObjRef, Option<ObjRef>)>,
        kind: ConflictKind,
        side: Option<Side>,
        n: &ObjRef,
        uses: Option<&ObjRef>,
        message: String,
    ) {
        if !seen.insert((n.clone(), uses.cloned())) {
            return;
        }
        let (b, p, c) = (
            node_ddl(self.base, n),
            node_ddl(self.parent, n),
            node_ddl(self.child, n),
        );
        let Some((object_kind, identity, _)) = c.as_ref().or(p.as_ref()).or(b.as_ref()).cloned()
        else {
            return;
        };
        out.push(Conflict {
            kind,
            side,
            object_kind,
            identity,
            uses: uses.map(describe),
            message,
            base_ddl: b.map(|x| x.2),
            parent_ddl: p.map(|x| x.2),
            child_ddl: c.map(|x| x.2),
        });
    }
}

/// What about `r` changed from `base` to `now` that its users may rely on (None: nothing
/// they see, e.g. a comment or a grant).
fn reshaped(base: &Catalog, now: &Catalog, r: &ObjRef) -> Option<&'static str> {
    match r {
        ObjRef::Column(t, c) => {
            let col = |cat: &Catalog| cat.tables.get(t).and_then(|t| t.column(c)).cloned();
            let (a, b) = (col(base)?, col(now)?);
            (a.type_name != b.type_name
                || a.collation() != b.collation()
                || a.generated() != b.generated())
            .then_some("type")
        }
        ObjRef::Type(q) => {
            (base.types.get(q)?.kind != now.types.get(q)?.kind).then_some("definition")
        }
        ObjRef::Function(f) => {
            let (a, b) = (base.functions.get(f)?, now.functions.get(f)?);
            (a.result != b.result || a.arg_names != b.arg_names).then_some("result")
        }
        ObjRef::View(v) => {
            let cols = |cat: &Catalog| {
                cat.views.get(v).map(|v| {
                    v.columns
                        .iter()
                        .map(|c| (c.name.clone(), c.type_name.clone()))
                        .collect::<Vec<_>>()
                })
            };
            (cols(base)? != cols(now)?).then_some("columns")
        }
        ObjRef::Sequence(s) => (base.sequences.get(s)?.options.data_type
            != now.sequences.get(s)?.options.data_type)
            .then_some("type"),
        ObjRef::Index(i) => (base.indexes.get(i)?.definition != now.indexes.get(i)?.definition)
            .then_some("definition"),
        ObjRef::Constraint(t, c) => {
            let def = |cat: &Catalog| {
                cat.tables
                    .get(t)?
                    .constraints
                    .get(c)
                    .map(|c| c.definition.clone())
            };
            (def(base)? != def(now)?).then_some("definition")
        }
        ObjRef::Table(t) => {
            let (a, b) = (base.tables.get(t)?, now.tables.get(t)?);
            (a.kind != b.kind || a.partition_key != b.partition_key).then_some("partitioning")
        }
        _ => None,
    }
}

/// A node in words, e.g. `column "total" of "public"."orders"`.
pub(crate) fn describe(n: &ObjRef) -> String {
    match n {
        ObjRef::Schema(s) => format!("schema {}", crate::ident::quote_ident(s)),
        ObjRef::Extension(e) => format!("extension {}", crate::ident::quote_ident(e)),
        ObjRef::Collation(q) => format!("collation {q}"),
        ObjRef::Type(q) => format!("type {q}"),
        ObjRef::Sequence(q) => format!("sequence {q}"),
        ObjRef::SequenceOwner(q) => format!("the owner of sequence {q}"),
        ObjRef::Table(q) => format!("table {q}"),
        ObjRef::Column(q, c) => format!("column {} of {q}", crate::ident::quote_ident(c)),
        ObjRef::Default(q, c) => format!(
            "the default of column {} of {q}",
            crate::ident::quote_ident(c)
        ),
        ObjRef::Constraint(q, c) => format!("constraint {} on {q}", crate::ident::quote_ident(c)),
        ObjRef::Index(q) => format!("index {q}"),
        ObjRef::View(q) => format!("view {q}"),
        ObjRef::Function(f) => format!("function {}", f.sql()),
        ObjRef::Trigger(q, t) => format!("trigger {} on {q}", crate::ident::quote_ident(t)),
        ObjRef::Policy(q, p) => format!("policy {} on {q}", crate::ident::quote_ident(p)),
    }
}

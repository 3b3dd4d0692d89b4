//! Which tables a copy carries and which rows: an include list, an exclude list, tables whose
//! schema is copied without rows, and a row filter (a WHERE condition) per table.
//!
//! Checked against the source's catalog before anything is created: every table named must
//! exist, and no choice may break a foreign key. A kept table whose rows reference an
//! excluded table, a schema-only one, or a filtered one (its filter may drop rows that are
//! referenced) is refused with the foreign key named; a filtered referencing table is fine.
//! Excluded tables leave the catalog with everything that is part of them (columns,
//! constraints, indexes, triggers, policies, owned sequences); anything else depending on them
//! (a view, a function) is named in an error rather than silently dropped.
use crate::error::{ApiError, Result};
use crate::schema::model::{Catalog, DepKind, Name, ObjRef, QualName};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use ts_rs::TS;

/// What to copy. Empty: every table, every row. Tables are named `table` (in whichever
/// schema has it, if only one does) or `schema.table`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct TableSelection {
    /// Only these tables (and the partitions of partitioned ones); empty: all.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Created, but left empty.
    pub schema_only: Vec<String>,
    /// (table, condition): only the rows for which the condition holds.
    pub filters: Vec<(String, String)>,
}

impl TableSelection {
    pub fn is_everything(&self) -> bool {
        *self == TableSelection::default()
    }
}

/// The selection resolved against the source's catalog.
#[derive(Debug, Default)]
pub(super) struct Resolved {
    pub schema_only: BTreeSet<QualName>,
    pub filters: BTreeMap<QualName, String>,
}

/// Resolves `sel` against `cat`, refuses choices that break foreign keys, and removes the
/// excluded tables from `cat`.
pub(super) fn apply(cat: &mut Catalog, sel: &TableSelection) -> Result<Resolved> {
    if sel.is_everything() {
        return Ok(Resolved::default());
    }
    let find = |names: &[String]| -> Result<BTreeSet<QualName>> {
        names.iter().map(|n| resolve(cat, n)).collect()
    };
    let mut excluded = with_partitions(cat, find(&sel.exclude)?);
    if !sel.include.is_empty() {
        let included = with_partitions(cat, find(&sel.include)?);
        excluded.extend(cat.tables.keys().filter(|t| !included.contains(t)).cloned());
    }
    let schema_only = with_partitions(cat, find(&sel.schema_only)?);
    let mut filters = BTreeMap::new();
    for (t, cond) in &sel.filters {
        if cond.trim().is_empty() {
            return Err(ApiError::invalid(format!("the row filter of {t} is empty")));
        }
        let named = BTreeSet::from([resolve(cat, t)?]);
        for part in with_partitions(cat, named) {
            filters.insert(part, cond.clone());
        }
    }
    for t in schema_only.iter().chain(filters.keys()) {
        if excluded.contains(t) {
            return Err(ApiError::invalid(format!(
                "{t} is excluded from the copy: it cannot also be schema-only or filtered"
            )));
        }
    }
    check_foreign_keys(cat, &excluded, &schema_only, &filters)?;
    remove_tables(cat, &excluded)?;
    Ok(Resolved {
        schema_only,
        filters,
    })
}

/// The tables and, for partitioned ones, their partitions (at every level).
fn with_partitions(cat: &Catalog, mut tables: BTreeSet<QualName>) -> BTreeSet<QualName> {
    let in_set = |set: &BTreeSet<QualName>, t: &QualName| {
        let mut at = cat.tables.get(t).and_then(|t| t.partition_of.as_ref());
        while let Some((parent, _)) = at {
            if set.contains(parent) {
                return true;
            }
            at = cat.tables.get(parent).and_then(|p| p.partition_of.as_ref());
        }
        false
    };
    let parts: Vec<QualName> = cat
        .tables
        .keys()
        .filter(|t| in_set(&tables, t))
        .cloned()
        .collect();
    tables.extend(parts);
    tables
}

/// `schema.table`, or `table` when exactly one schema has a table of that name.
fn resolve(cat: &Catalog, name: &str) -> Result<QualName> {
    let name = name.trim();
    if let Some((schema, table)) = name.split_once('.') {
        let q = QualName::new(schema, table);
        if cat.tables.contains_key(&q) {
            return Ok(q);
        }
    }
    let matches: Vec<&QualName> = cat.tables.keys().filter(|q| q.name == name).collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(ApiError::not_found(format!(
            "the source has no table named \"{name}\""
        ))),
        many => Err(ApiError::invalid(format!(
            "\"{name}\" names tables in several schemas ({}): write schema.table",
            many.iter()
                .map(|q| q.schema.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Every foreign key: (table, constraint, referenced table).
fn foreign_keys(cat: &Catalog) -> Vec<(QualName, Name, QualName)> {
    let mut out = BTreeSet::new();
    for d in &cat.dependencies {
        let (dep, refd) = (
            &cat.nodes[d.dependent as usize],
            &cat.nodes[d.referenced as usize],
        );
        // Normal: the referenced columns and index (its own columns are Auto).
        let (ObjRef::Constraint(t, c), DepKind::Normal) = (dep, d.kind) else {
            continue;
        };
        let is_fk = cat
            .tables
            .get(t)
            .and_then(|tab| tab.constraints.get(c))
            .is_some_and(|k| k.kind == "f");
        let target = match refd {
            ObjRef::Table(r) | ObjRef::Column(r, _) => Some(r),
            ObjRef::Index(i) => cat.indexes.get(i).map(|i| &i.table),
            _ => None,
        };
        if let (true, Some(r)) = (is_fk, target) {
            out.insert((t.clone(), c.clone(), r.clone()));
        }
    }
    out.into_iter().collect()
}

fn check_foreign_keys(
    cat: &Catalog,
    excluded: &BTreeSet<QualName>,
    schema_only: &BTreeSet<QualName>,
    filters: &BTreeMap<QualName, String>,
) -> Result<()> {
    let mut broken = Vec::new();
    for (t, fk, r) in foreign_keys(cat) {
        if excluded.contains(&t) || schema_only.contains(&t) {
            continue; // no rows of t are copied
        }
        let why = if excluded.contains(&r) {
            "which is excluded"
        } else if schema_only.contains(&r) {
            "which is copied without rows"
        } else if filters.contains_key(&r) {
            "which is filtered (rows it drops may be referenced)"
        } else {
            continue;
        };
        broken.push(format!("foreign key \"{fk}\" of {t} references {r}, {why}"));
    }
    if broken.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "the table selection breaks {} foreign key{}: {}; nothing was copied",
        broken.len(),
        if broken.len() == 1 { "" } else { "s" },
        broken.join("; ")
    ))
    .with_hint(
        "exclude, filter or make schema-only the referencing tables too, or keep the referenced ones whole",
    ))
}

/// Removes the excluded tables and their parts (and sequences they own) from `cat`; anything
/// else that depends on them is named in an error.
fn remove_tables(cat: &mut Catalog, excluded: &BTreeSet<QualName>) -> Result<()> {
    if excluded.is_empty() {
        return Ok(());
    }
    let n = cat.nodes.len();
    let mut dependents = vec![Vec::new(); n];
    for d in &cat.dependencies {
        dependents[d.referenced as usize].push(d.dependent as usize);
    }
    let mut drop: Vec<bool> = cat
        .nodes
        .iter()
        .map(|r| cat.owner_table(r).is_some_and(|t| excluded.contains(t)))
        .collect();
    let mut stack: Vec<usize> = (0..n).filter(|i| drop[*i]).collect();
    let mut blockers = BTreeSet::new();
    while let Some(u) = stack.pop() {
        for &d in &dependents[u] {
            if drop[d] {
                continue;
            }
            match &cat.nodes[d] {
                ObjRef::Sequence(_) | ObjRef::SequenceOwner(_) => {
                    drop[d] = true;
                    stack.push(d);
                }
                other => {
                    blockers.insert(describe(other));
                }
            }
        }
    }
    if !blockers.is_empty() {
        return Err(ApiError::invalid(format!(
            "objects depend on the excluded tables: {}; nothing was copied",
            blockers.into_iter().collect::<Vec<_>>().join(", ")
        ))
        .with_hint("exclude what depends on them too, or keep those tables"));
    }
    let gone: BTreeSet<ObjRef> = (0..n)
        .filter(|i| drop[*i])
        .map(|i| cat.nodes[i].clone())
        .collect();
    cat.tables.retain(|k, _| !excluded.contains(k));
    cat.indexes.retain(|_, i| !excluded.contains(&i.table));
    cat.triggers.retain(|(t, _), _| !excluded.contains(t));
    cat.sequences
        .retain(|k, _| !gone.contains(&ObjRef::Sequence(k.clone())));
    super::plan::retain_nodes(cat, &drop);
    Ok(())
}

fn describe(n: &ObjRef) -> String {
    match n {
        ObjRef::View(v) => format!("view {v}"),
        ObjRef::Function(f) => format!("function {}", f.sql()),
        ObjRef::Table(t) => format!("table {t}"),
        ObjRef::Column(t, c) | ObjRef::Default(t, c) => format!("column \"{c}\" of {t}"),
        ObjRef::Constraint(t, c) => format!("constraint \"{c}\" of {t}"),
        ObjRef::Trigger(t, c) => format!("trigger \"{c}\" of {t}"),
        ObjRef::Policy(t, c) => format!("policy \"{c}\" of {t}"),
        other => format!("{other:?}"),
    }
}

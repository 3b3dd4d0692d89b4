//! The schema half of a copy, from Grove's own catalog model: a copy is a migration from an
//! empty database to the source. The source's catalog is split in two stages, and the schema
//! planner (`crate::schema::diff`) spells each step, so no DDL is written here:
//!
//! - *pre-data*: everything but what slows loading or refuses it — no indexes, no
//!   constraints other than NOT NULL, no triggers, no row security, no materialized views
//!   (they are created, and filled, after the rows);
//! - *post-data*: from pre-data to the whole source.
//!
//! Before planning, the catalog is fitted to the target server: grants to roles the target
//! lacks are removed (and reported), and each extension gets a version the target has.
use crate::error::{ApiError, Result};
use crate::schema::model::{Acl, Catalog, Grantee, ObjRef, QualName};
use std::collections::{BTreeMap, BTreeSet};

/// What the target server offers.
pub(super) struct TargetFacts {
    pub roles: BTreeSet<String>,
    /// Extension → (default version, all installable versions).
    pub extensions: BTreeMap<String, (String, BTreeSet<String>)>,
}

/// The source catalog fitted to the target, and what fitting changed.
pub(super) struct Fitted {
    pub catalog: Catalog,
    /// `SELECT ON "public"."t" TO "alice"`, …
    pub skipped_grants: Vec<String>,
}

/// Removes grants to roles the target lacks and picks extension versions the target has;
/// fails, naming them, when extensions are not available on the target.
pub(super) fn fit(mut cat: Catalog, target: &TargetFacts) -> Result<Fitted> {
    let mut missing = Vec::new();
    for (name, ext) in cat.extensions.iter_mut() {
        match target.extensions.get(name.as_str()) {
            None => missing.push(name.clone()),
            Some((default, versions)) => {
                if !versions.contains(&ext.version) {
                    ext.version = default.clone();
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::invalid(format!(
            "the target server cannot create the extension(s) {} that the source uses; nothing was copied",
            missing.join(", ")
        ))
        .with_hint("install them on the target server first"));
    }
    let mut skipped = Vec::new();
    let mut strip = |acl: &mut Acl, on: String| {
        acl.retain(|p| match &p.grantee {
            Grantee::Role(r) if !target.roles.contains(r.as_str()) => {
                skipped.push(format!(
                    "{} ON {on} TO {}",
                    p.privilege,
                    crate::ident::quote_ident(r)
                ));
                false
            }
            _ => true,
        })
    };
    for s in cat.schemas.values_mut() {
        strip(
            &mut s.acl,
            format!("SCHEMA {}", crate::ident::quote_ident(&s.name)),
        );
    }
    for t in cat.types.values_mut() {
        strip(&mut t.acl, format!("TYPE {}", t.name));
    }
    for s in cat.sequences.values_mut() {
        strip(&mut s.acl, format!("SEQUENCE {}", s.name));
    }
    for t in cat.tables.values_mut() {
        strip(&mut t.acl, format!("TABLE {}", t.name));
        for c in t.columns.iter_mut() {
            let on = format!("TABLE {} ({})", t.name, crate::ident::quote_ident(&c.name));
            strip(&mut c.acl, on);
        }
    }
    for v in cat.views.values_mut() {
        strip(&mut v.acl, format!("TABLE {}", v.name));
        for c in v.columns.iter_mut() {
            let on = format!("TABLE {} ({})", v.name, crate::ident::quote_ident(&c.name));
            strip(&mut c.acl, on);
        }
    }
    for f in cat.functions.values_mut() {
        strip(&mut f.acl, format!("FUNCTION {}", f.id.sql()));
    }
    skipped.sort();
    Ok(Fitted {
        catalog: cat,
        skipped_grants: skipped,
    })
}

/// Fails, naming both versions and the objects, when the source uses what the target's older
/// PostgreSQL cannot create (found before anything is created on the target).
pub(super) fn refuse_newer_features(cat: &Catalog, source: i32, target: i32) -> Result<()> {
    let (s, t) = (source / 10000, target / 10000);
    if s <= t {
        return Ok(());
    }
    let mut found = Vec::new();
    if t < 18 {
        let virtual_cols: Vec<String> = cat
            .tables
            .values()
            .flat_map(|tb| {
                tb.columns
                    .iter()
                    .filter(|c| c.generated_kind() == Some("VIRTUAL"))
                    .map(move |c| format!("{}.{}", tb.name, crate::ident::quote_ident(&c.name)))
            })
            .collect();
        if !virtual_cols.is_empty() {
            found.push(format!(
                "virtual generated columns (PostgreSQL 18+): {}",
                virtual_cols.join(", ")
            ));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "the source runs PostgreSQL {s} and uses what the target's PostgreSQL {t} lacks: {}; nothing was copied",
        found.join("; ")
    ))
    .with_hint(format!(
        "copy to a server running PostgreSQL {s}, or change these objects on the source"
    )))
}

/// What a schema step is called in its error: with both versions when the target is older
/// (the source may use what the target's PostgreSQL lacks).
pub(super) fn schema_step(what: &str, source: i32, target: i32) -> String {
    if source / 10000 > target / 10000 {
        format!(
            "{what}, of PostgreSQL {} on PostgreSQL {}",
            source / 10000,
            target / 10000
        )
    } else {
        what.to_string()
    }
}

/// Is this node built after the rows are loaded?
fn post_data(cat: &Catalog, n: &ObjRef) -> bool {
    match n {
        ObjRef::Constraint(..) | ObjRef::Index(_) | ObjRef::Trigger(..) | ObjRef::Policy(..) => {
            true
        }
        ObjRef::View(v) => cat.views.get(v).is_some_and(|v| v.materialized),
        _ => false,
    }
}

/// An ordinary table: not partitioned, not a partition, not an inheritance child.
fn plain(cat: &Catalog, t: &QualName) -> bool {
    use crate::schema::model::TableKind;
    cat.tables.get(t).is_some_and(|t| {
        t.kind == TableKind::Regular && t.partition_of.is_none() && t.inherits.is_empty()
    })
}

/// An index or key that is built on a worker's session as soon as its table's rows are in,
/// while other tables are still copying: plain indexes and primary, unique and exclusion
/// keys of ordinary tables, without the extras (clustering, replica identity) that the
/// post-data step sets.
fn built_with_rows(cat: &Catalog, n: &ObjRef) -> bool {
    match n {
        ObjRef::Index(i) => cat
            .indexes
            .get(i)
            .is_some_and(|i| plain(cat, &i.table) && !i.clustered && !i.replica_identity),
        ObjRef::Constraint(t, c) => {
            plain(cat, t)
                && cat.tables[t].constraints.get(c).is_some_and(|c| {
                    matches!(c.kind.as_str(), "p" | "u" | "x")
                        && c.is_local
                        && c.inherit_count == 0
                        && !c.clustered
                        && !c.replica_identity
                })
        }
        _ => false,
    }
}

/// The table that foreign key `i` references, when a worker adds it once both tables' rows
/// and keys are in: a local foreign key between ordinary tables both copied with rows, whose
/// referenced key is built with the rows (`early`) and which needs nothing else of post-data.
fn early_foreign_key<'a>(
    full: &'a Catalog,
    i: usize,
    refs: &[usize],
    drop: &[bool],
    early: &[bool],
    with_rows: &BTreeSet<&str>,
) -> Option<&'a QualName> {
    let ObjRef::Constraint(t, c) = &full.nodes[i] else {
        return None;
    };
    let con = full.tables.get(t)?.constraints.get(c)?;
    if con.kind != "f" || !con.is_local || con.inherit_count != 0 {
        return None;
    }
    // The referenced key: a key constraint or a unique index (its table's).
    let mut keys: Vec<&QualName> = refs
        .iter()
        .filter_map(|&r| match &full.nodes[r] {
            ObjRef::Constraint(rt, _) => Some(rt),
            ObjRef::Index(x) => full.indexes.get(x).map(|x| &x.table),
            _ => None,
        })
        .collect();
    keys.dedup();
    let [referenced] = keys[..] else {
        return None;
    };
    let copied = |q: &QualName| with_rows.contains(q.sql().as_str()) && plain(full, q);
    let needs_met = refs.iter().all(|&r| !drop[r] || early[r]);
    (drop[i] && copied(t) && copied(referenced) && needs_met).then_some(referenced)
}

/// The stages of a copy: `pre` (before the rows), `indexed` (pre plus what the workers build
/// with the rows) and the statements of the latter per table (`TableJob::indexes` and
/// `TableJob::foreign_keys`); the post-data script goes from `indexed` to the whole source.
pub(super) struct Stages {
    pub pre: Catalog,
    pub indexed: Catalog,
}

/// Splits `full` into stages and gives each table of `tables` its index statements.
pub(super) fn stages(full: &Catalog, tables: &mut [TableJob]) -> Stages {
    let drop = post_data_closure(full);
    let pre = without(full, &drop);
    let with_rows: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut refs = vec![Vec::new(); full.nodes.len()];
    for d in &full.dependencies {
        refs[d.dependent as usize].push(d.referenced as usize);
    }
    let early: Vec<bool> = (0..full.nodes.len())
        .map(|i| {
            let n = &full.nodes[i];
            let table = match n {
                ObjRef::Index(x) => full.indexes.get(x).map(|x| &x.table),
                ObjRef::Constraint(t, _) => Some(t),
                _ => None,
            };
            drop[i]
                && table.is_some_and(|t| with_rows.contains(t.sql().as_str()))
                && built_with_rows(full, n)
                && refs[i].iter().all(|&r| !drop[r])
        })
        .collect();
    let fks: Vec<Option<&QualName>> = (0..full.nodes.len())
        .map(|i| early_foreign_key(full, i, &refs[i], &drop, &early, &with_rows))
        .collect();
    let keep: Vec<bool> = (0..drop.len())
        .map(|i| drop[i] && !early[i] && fks[i].is_none())
        .collect();
    let mut indexed = without(full, &keep);
    let mut jobs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Referencing table → (referenced table, statement).
    let mut fk_jobs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (i, referenced) in fks.iter().enumerate() {
        let (Some(r), ObjRef::Constraint(t, c)) = (referenced, &full.nodes[i]) else {
            continue;
        };
        let mut con = full.tables[t].constraints[c].clone();
        con.comment = None;
        let sql = crate::schema::ddl::constraint_create(t, &con).join("\n");
        fk_jobs.entry(t.sql()).or_default().push((r.sql(), sql));
        if let Some(tab) = indexed.tables.get_mut(t) {
            tab.constraints.insert(c.clone(), con);
        }
    }
    for (i, n) in full.nodes.iter().enumerate().filter(|(i, _)| early[*i]) {
        match n {
            ObjRef::Index(x) => {
                let mut idx = full.indexes[x].clone();
                idx.comment = None;
                idx.column_statistics.clear();
                let sql = crate::schema::ddl::index_create(&idx);
                jobs.entry(idx.table.sql()).or_default().extend(sql);
                indexed.indexes.insert(x.clone(), idx);
            }
            ObjRef::Constraint(t, c) => {
                let mut con = full.tables[t].constraints[c].clone();
                con.comment = None;
                con.index_comment = None;
                let sql = crate::schema::ddl::constraint_create(t, &con);
                jobs.entry(t.sql()).or_default().extend(sql);
                if let Some(tab) = indexed.tables.get_mut(t) {
                    tab.constraints.insert(c.clone(), con);
                }
            }
            _ => unreachable!("only indexes and keys are built with the rows: {i}"),
        }
    }
    let position: BTreeMap<String, usize> = (tables.iter().enumerate())
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    for t in tables.iter_mut() {
        t.indexes = jobs.remove(&t.name).unwrap_or_default();
        t.foreign_keys = (fk_jobs.remove(&t.name).unwrap_or_default().into_iter())
            .map(|(r, sql)| (position[&r], sql))
            .collect();
    }
    Stages { pre, indexed }
}

/// Nodes built after the rows, closed over their dependents: whatever needs such a node
/// waits for post-data too (tables and columns excepted).
fn post_data_closure(full: &Catalog) -> Vec<bool> {
    let n = full.nodes.len();
    let mut drop: Vec<bool> = full.nodes.iter().map(|r| post_data(full, r)).collect();
    let mut dependents = vec![Vec::new(); n];
    for d in &full.dependencies {
        dependents[d.referenced as usize].push(d.dependent as usize);
    }
    let mut stack: Vec<usize> = (0..n).filter(|i| drop[*i]).collect();
    while let Some(u) = stack.pop() {
        for &d in &dependents[u] {
            if !drop[d] && !matches!(full.nodes[d], ObjRef::Column(..) | ObjRef::Table(_)) {
                drop[d] = true;
                stack.push(d);
            }
        }
    }
    drop
}

/// `full` without the nodes marked in `drop` and without any index, constraint (other than
/// NOT NULL), trigger, policy or row security.
fn without(full: &Catalog, drop: &[bool]) -> Catalog {
    let n = full.nodes.len();
    let mut pre = full.clone();
    let gone: BTreeSet<&ObjRef> = (0..n)
        .filter(|i| drop[*i])
        .map(|i| &full.nodes[i])
        .collect();
    pre.indexes.clear();
    pre.triggers.clear();
    pre.views
        .retain(|k, _| !gone.contains(&ObjRef::View(k.clone())));
    pre.functions
        .retain(|k, _| !gone.contains(&ObjRef::Function(k.clone())));
    for t in pre.tables.values_mut() {
        t.constraints.clear();
        t.policies.clear();
        t.rls_enabled = false;
        t.rls_forced = false;
        if t.replica_identity == "i" {
            t.replica_identity = "d".into();
        }
        for c in t.columns.iter_mut() {
            if gone.contains(&ObjRef::Default(t.name.clone(), c.name.clone())) {
                c.default = None;
            }
        }
    }
    retain_nodes(&mut pre, drop);
    pre
}

/// Keeps the graph's nodes not marked in `drop`, renumbering the dependencies.
pub(super) fn retain_nodes(cat: &mut Catalog, drop: &[bool]) {
    let nodes = std::mem::take(&mut cat.nodes);
    let mut new_id = vec![u32::MAX; nodes.len()];
    for (i, r) in nodes.into_iter().enumerate() {
        if !drop[i] {
            new_id[i] = cat.nodes.len() as u32;
            cat.nodes.push(r);
        }
    }
    cat.dependencies = std::mem::take(&mut cat.dependencies)
        .into_iter()
        .filter(|d| !drop[d.dependent as usize] && !drop[d.referenced as usize])
        .map(|mut d| {
            d.dependent = new_id[d.dependent as usize];
            d.referenced = new_id[d.referenced as usize];
            d
        })
        .collect();
}

/// The tables whose rows are copied: every table with storage (not partitioned parents) that
/// is not schema-only, with the columns COPY can write (not generated ones) and its row
/// filter, biggest first.
pub(super) fn tables(
    cat: &Catalog,
    schema_only: &BTreeSet<QualName>,
    filters: &BTreeMap<QualName, String>,
) -> Vec<TableJob> {
    use crate::schema::model::TableKind;
    let mut v: Vec<TableJob> = cat
        .tables
        .values()
        .filter(|t| t.kind == TableKind::Regular && !schema_only.contains(&t.name))
        .map(|t| TableJob {
            filter: filters.get(&t.name).cloned(),
            name: t.name.sql(),
            columns: t
                .columns
                .iter()
                .filter(|c| c.generated().is_none())
                .map(|c| crate::ident::quote_ident(&c.name))
                .collect(),
            estimated_rows: if t.estimated_rows > 0.0 {
                Some(t.estimated_rows as u64)
            } else {
                None
            },
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            pages: 0,
        })
        .collect();
    v.sort_by(|a, b| {
        b.estimated_rows
            .cmp(&a.estimated_rows)
            .then(a.name.cmp(&b.name))
    });
    v
}

/// One table to copy: its quoted name and quoted columns.
#[derive(Debug, Clone)]
pub(super) struct TableJob {
    pub name: String,
    pub columns: Vec<String>,
    pub estimated_rows: Option<u64>,
    /// A WHERE condition (the user's SQL, run on the source in the read-only snapshot).
    pub filter: Option<String>,
    /// Statements building its indexes and keys once its rows are in (`stages`).
    pub indexes: Vec<String>,
    /// Its foreign keys added once both tables' rows and keys are in: (the referenced
    /// table's position among the tables copied, the statement).
    pub foreign_keys: Vec<(usize, String)>,
    /// Its size on the source, in pages (for splitting it into block ranges).
    pub pages: u64,
}

//! Running the catalog queries: all pipelined (the two heaviest on a second session when
//! there is one), the big results (dependencies, columns) converted into compact structs as
//! their rows arrive, then the second query printing the indexes that cannot be spelled
//! client-side. The result is the raw [`Rows`]; `assemble` turns them into a catalog.
use super::queries::*;
use crate::error::Result;
use crate::schema::blocking::off_runtime;

/// A name as read: inline up to 24 bytes, without an allocation; the catalog's names are
/// made of them once per distinct name when assembling (see `assemble::Names`).
pub(super) type RowName = compact_str::CompactString;
use serde_json::Value;
use std::collections::HashMap;
use tokio_postgres::{Client, Row};

/// A `pg_depend` row.
pub(super) struct DepRow {
    pub classid: u32,
    pub objid: u32,
    pub objsubid: i32,
    pub refclassid: u32,
    pub refobjid: u32,
    pub refobjsubid: i32,
    pub deptype: u8,
}

/// A row of [`super::queries::q_attributes`].
pub(super) struct AttrRow {
    pub relid: u32,
    pub attnum: i32,
    pub name: RowName,
    pub type_name: RowName,
    pub not_null: bool,
    pub identity: u8,
    pub generated: u8,
    pub is_local: bool,
    pub inherit_count: i32,
    pub collation: Option<String>,
    pub storage: Option<String>,
    pub statistics: i32,
    pub compression: Option<String>,
    pub comment: Option<String>,
    /// Boxed: few columns have privileges of their own.
    pub acl: Option<Box<Value>>,
    pub def_oid: Option<u32>,
    pub expr: Option<String>,
    pub typid: u32,
    pub collid: u32,
    pub quoted_name: RowName,
}

fn first_byte(s: &str) -> u8 {
    s.as_bytes().first().copied().unwrap_or(0)
}

/// A row of [`super::queries::q_indexes`].
pub(super) struct IndexRow {
    pub oid: u32,
    pub schema: RowName,
    pub name: RowName,
    pub relid: u32,
    pub unique: bool,
    pub clustered: bool,
    pub replica_identity: bool,
    pub comment: Option<String>,
    /// The key or exclusion constraint the index belongs to.
    pub constraint: Option<u32>,
    pub is_partition: bool,
    /// `attnum:target` of columns with a statistics target.
    pub stats: Vec<String>,
    pub method: RowName,
    pub method_oid: u32,
    pub keys: Vec<i16>,
    pub nkey: i32,
    pub classes: Vec<u32>,
    pub collations: Vec<u32>,
    /// No expressions, predicate, options, tablespace or ordering options.
    pub simple: bool,
    pub quoted_name: RowName,
    pub quoted_table: RowName,
}

/// A row of [`super::queries::q_constraints`].
pub(super) struct ConstraintRow {
    pub oid: u32,
    pub relid: u32,
    pub name: RowName,
    pub kind: String,
    /// `pg_get_constraintdef`, except for plain keys (spelled from `keys`).
    pub definition: Option<String>,
    pub validated: bool,
    pub is_local: bool,
    pub inherit_count: i32,
    pub index: u32,
    pub comment: Option<String>,
    pub index_comment: Option<String>,
    pub keys: Option<Vec<i16>>,
}

/// The big results are converted row by row as they arrive (overlapping the server's work on
/// the next queries) into compact structs, so that the rows' buffers go right away (a row
/// keeps a range per column and pins the connection's read buffer it came in).
async fn read_rows<T>(
    c: &Client,
    sql: &str,
    convert: impl Fn(Row) -> T,
) -> std::result::Result<Vec<T>, tokio_postgres::Error> {
    use futures_util::TryStreamExt;
    let none: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
    let stream = c.query_raw(sql, none).await?;
    futures_util::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(r) = stream.try_next().await? {
        out.push(convert(r));
    }
    Ok(out)
}

fn dep_row(r: Row) -> DepRow {
    DepRow {
        classid: r.get(0),
        objid: r.get(1),
        objsubid: r.get(2),
        refclassid: r.get(3),
        refobjid: r.get(4),
        refobjsubid: r.get(5),
        deptype: first_byte(r.get(6)),
    }
}

fn attr_row(r: Row) -> AttrRow {
    AttrRow {
        relid: r.get(0),
        attnum: r.get(1),
        name: r.get::<_, &str>(2).into(),
        type_name: r.get::<_, &str>(3).into(),
        not_null: r.get(4),
        identity: first_byte(r.get(5)),
        generated: first_byte(r.get(6)),
        is_local: r.get(7),
        inherit_count: r.get(8),
        collation: r.get(9),
        storage: r.get(10),
        statistics: r.get(11),
        compression: r.get(12),
        comment: r.get(13),
        acl: r.get::<_, Option<Value>>(14).map(Box::new),
        def_oid: r.get(15),
        expr: r.get(16),
        typid: r.get(17),
        collid: r.get(18),
        quoted_name: r.get::<_, &str>(19).into(),
    }
}

fn index_row(r: Row) -> IndexRow {
    IndexRow {
        oid: r.get(0),
        schema: r.get::<_, &str>(1).into(),
        name: r.get::<_, &str>(2).into(),
        relid: r.get(3),
        unique: r.get(4),
        clustered: r.get(5),
        replica_identity: r.get(6),
        comment: r.get(7),
        constraint: r.get(8),
        is_partition: r.get(9),
        stats: r.get(10),
        method: r.get::<_, &str>(11).into(),
        method_oid: r.get(12),
        keys: r.get(13),
        nkey: r.get(14),
        classes: r.get(15),
        collations: r.get(16),
        simple: r.get(17),
        quoted_name: r.get::<_, &str>(18).into(),
        quoted_table: r.get::<_, &str>(19).into(),
    }
}

fn constraint_row(r: Row) -> ConstraintRow {
    ConstraintRow {
        oid: r.get(0),
        relid: r.get(1),
        name: r.get::<_, &str>(2).into(),
        kind: r.get(3),
        definition: r.get(4),
        validated: r.get(5),
        is_local: r.get(6),
        inherit_count: r.get(7),
        index: r.get(8),
        comment: r.get(9),
        index_comment: r.get(10),
        keys: r.get(11),
    }
}

/// Which indexes `pg_get_indexdef` must print: all but the plain ones (see
/// [`super::queries::q_indexes`]).
fn indexes_to_print(indexes: &[IndexRow], attributes: &[AttrRow], opclasses: &[Row]) -> Vec<u32> {
    // (method, input type) → (default class, its input type's category and preferredness).
    let mut default_class: HashMap<(u32, u32), (u32, String, bool)> = HashMap::new();
    // type → (its category, the types it is implicitly binary-coercible to).
    let mut coercible: HashMap<u32, (String, Vec<u32>)> = HashMap::new();
    for r in opclasses {
        let (method, a, b): (u32, u32, u32) = (r.get(0), r.get(1), r.get(2));
        let (category, preferred): (String, bool) = (r.get(3), r.get(4));
        if method == 0 {
            coercible
                .entry(a)
                .or_insert_with(|| (category, Vec::new()))
                .1
                .push(b);
        } else {
            default_class.insert((method, a), (b, category, preferred));
        }
    }
    // GetDefaultOpClass: the exact input type; else among the implicitly binary-coercible
    // ones, the single one of the category's preferred type, or the single one at all.
    let expected = |method: u32, ty: u32| -> Option<u32> {
        if let Some((c, _, _)) = default_class.get(&(method, ty)) {
            return Some(*c);
        }
        let (category, targets) = coercible.get(&ty)?;
        let found: Vec<&(u32, String, bool)> = targets
            .iter()
            .filter_map(|t| default_class.get(&(method, *t)))
            .collect();
        let preferred: Vec<&&(u32, String, bool)> = found
            .iter()
            .filter(|(_, cat, pref)| *pref && cat == category)
            .collect();
        match (preferred.len(), found.len()) {
            (1, _) => Some(preferred[0].0),
            (0, 1) => Some(found[0].0),
            _ => None,
        }
    };
    let mut relids: std::collections::HashSet<u32> = std::collections::HashSet::new();
    for r in indexes {
        relids.insert(r.relid);
    }
    let mut cols: HashMap<(u32, i16), (u32, u32)> = HashMap::new();
    for r in attributes {
        if relids.contains(&r.relid) {
            cols.insert((r.relid, r.attnum as i16), (r.typid, r.collid));
        }
    }
    let mut out = Vec::new();
    for r in indexes {
        if r.constraint.is_some() || r.is_partition {
            continue;
        }
        let (relid, method, keys) = (r.relid, r.method_oid, &r.keys);
        let nkey = r.nkey.max(0) as usize;
        let (classes, collations) = (&r.classes, &r.collations);
        let plain = r.simple
            && !keys.is_empty()
            && keys.iter().all(|k| *k > 0)
            && (0..nkey).all(|i| {
                let Some((ty, coll)) = cols.get(&(relid, keys[i])) else {
                    return false;
                };
                collations.get(i) == Some(coll)
                    && expected(method, *ty).is_some_and(|c| classes.get(i) == Some(&c))
            });
        if !plain {
            out.push(r.oid);
        }
    }
    out
}

pub(super) struct Rows {
    pub version: i32,
    pub deps: Vec<DepRow>,
    pub schemas: Vec<Row>,
    pub extensions: Vec<Row>,
    pub collations: Vec<Row>,
    pub types: Vec<Row>,
    pub relations: Vec<Row>,
    pub attributes: Vec<AttrRow>,
    pub sequences: Vec<Row>,
    pub indexes: Vec<IndexRow>,
    pub constraints: Vec<ConstraintRow>,
    pub inherits: Vec<Row>,
    pub functions: Vec<Row>,
    pub triggers: Vec<Row>,
    pub policies: Vec<Row>,
    pub rules: Vec<Row>,
    pub acls: Vec<Row>,
    pub default_privileges: Vec<Row>,
    pub casts: Vec<Row>,
    pub current_user: String,
    /// `pg_get_indexdef` of the indexes that are not plain.
    pub index_defs: HashMap<u32, String>,
}

/// Runs every query, pipelined: the two heaviest (indexes, constraints) on `b`, the rest on
/// `a` (the same session when there is one).
pub(super) async fn read_all(a: &Client, b: &Client) -> Result<Rows> {
    let (q_schemas, q_collations, q_types, q_relations, q_attributes) = (
        q_schemas(),
        q_collations(),
        q_types(),
        q_relations(),
        q_attributes(),
    );
    let (q_indexes, q_constraints, q_functions, q_triggers, q_policies) = (
        q_indexes(),
        q_constraints(),
        q_functions(),
        q_triggers(),
        q_policies(),
    );
    let (q_default_acls, q_default_privileges) = (q_default_acls(), q_default_privileges());
    let (
        (indexes, constraints),
        (version, deps, schemas, extensions, collations, types, relations, attributes),
        (sequences, inherits, functions, triggers, policies, rules, acls, opclasses),
        (default_privileges, casts),
    ) = tokio::try_join!(
        async {
            tokio::try_join!(
                read_rows(b, &q_indexes, index_row),
                read_rows(b, &q_constraints, constraint_row)
            )
        },
        async {
            tokio::try_join!(
                a.query_one(
                    "SELECT current_setting('server_version_num')::int4, current_user::text",
                    &[]
                ),
                read_rows(a, Q_DEPENDS, dep_row),
                a.query(&q_schemas, &[]),
                a.query(Q_EXTENSIONS, &[]),
                a.query(&q_collations, &[]),
                a.query(&q_types, &[]),
                a.query(&q_relations, &[]),
                read_rows(a, &q_attributes, attr_row),
            )
        },
        async {
            tokio::try_join!(
                a.query(Q_SEQUENCES, &[]),
                a.query(Q_INHERITS, &[]),
                a.query(&q_functions, &[]),
                a.query(&q_triggers, &[]),
                a.query(&q_policies, &[]),
                a.query(Q_RULES, &[]),
                a.query(&q_default_acls, &[]),
                a.query(Q_OPCLASSES, &[]),
            )
        },
        async { tokio::try_join!(a.query(&q_default_privileges, &[]), a.query(Q_CASTS, &[])) },
    )?;
    // A pass over every column: not on the async runtime.
    let (to_print, indexes, attributes) = off_runtime(move || {
        let to_print = indexes_to_print(&indexes, &attributes, &opclasses);
        (to_print, indexes, attributes)
    })
    .await?;
    let mut index_defs: HashMap<u32, String> = HashMap::new();
    if !to_print.is_empty() {
        for r in b.query(Q_INDEXDEFS, &[&to_print]).await? {
            index_defs.insert(r.get(0), r.get(1));
        }
    }
    Ok(Rows {
        version: version.get(0),
        deps,
        schemas,
        extensions,
        collations,
        types,
        relations,
        attributes,
        sequences,
        indexes,
        constraints,
        inherits,
        functions,
        triggers,
        policies,
        rules,
        acls,
        default_privileges,
        casts,
        current_user: version.get(1),
        index_defs,
    })
}

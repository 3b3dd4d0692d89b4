//! Rows → [`Catalog`]: one assembler per object family, run in a fixed order (later families
//! look up what earlier ones registered: a column its relation, a constraint its columns'
//! names, a dependency row its two nodes). Each object becomes a node of the dependency
//! graph as it is assembled; the order nodes are added in is the order of `Catalog::nodes`.
mod columns;
mod constraints;
mod dependencies;
mod functions;
mod indexes;
mod namespaces;
mod nodes;
mod relations;
mod triggers_and_policies;
mod types;

use super::read::Rows;
use crate::schema::model::*;
use nodes::Nodes;
use serde_json::Value;
use std::collections::HashMap;

// Fixed OIDs of the system catalogs (stable across versions).
const PG_TYPE: u32 = 1247;
const PG_PROC: u32 = 1255;
const PG_CLASS: u32 = 1259;
const PG_ATTRDEF: u32 = 2604;
const PG_CONSTRAINT: u32 = 2606;
const PG_REWRITE: u32 = 2618;
const PG_TRIGGER: u32 = 2620;
const PG_NAMESPACE: u32 = 2615;
const PG_EXTENSION: u32 = 3079;
const PG_POLICY: u32 = 3256;
const PG_COLLATION: u32 = 3456;

enum RelKind {
    Table,
    View,
    Sequence,
}

/// What each kind of object gets when its ACL is the default (NULL in the catalog).
struct DefaultAcls {
    relations: Acl,
    sequences: Acl,
    functions: Acl,
    schemas: Acl,
    types: Acl,
}

/// Every distinct name once: a catalog names the same schema, table, column and type from
/// many places (a table's name is in its key, its nodes, its columns' and indexes' nodes, …),
/// and 10,000 tables make half a million such names.
#[derive(Default)]
pub(super) struct Names(rustc_hash::FxHashSet<Name>);

impl Names {
    pub fn get(&mut self, s: &str) -> Name {
        if let Some(n) = self.0.get(s) {
            return n.clone();
        }
        let n = Name::from(s);
        self.0.insert(n.clone());
        n
    }

    pub fn qual(&mut self, schema: &str, name: &str) -> QualName {
        QualName {
            schema: self.get(schema),
            name: self.get(name),
        }
    }
}

/// The catalog being assembled, and the lookups by oid the families share.
struct Assembly {
    cat: Catalog,
    names: Names,
    g: Nodes,
    acls: DefaultAcls,
    /// Identity sequences (internal to a column): sequence → (table, attnum).
    identity_seqs: HashMap<u32, (u32, i32)>,
    /// Sequence parameters, and whether the sequence was never used, by sequence.
    seq_opts: HashMap<u32, (SequenceOptions, bool)>,
    /// Dependencies the catalogs do not record (see `DepKind::Part`).
    parts: Vec<Dependency>,
    rels: HashMap<u32, (QualName, RelKind)>,
    /// By oid while assembling (looked up per column row); ordered by name at the end.
    tables: HashMap<u32, Table>,
    views: HashMap<u32, View>,
    identity_names: HashMap<u32, QualName>,
    /// Sequence → the node of its OWNED BY link.
    seq_owner_nodes: HashMap<u32, u32>,
    /// (relation, attnum) → column name as `quote_ident` spells it, for plain index and key
    /// definitions: views' columns, and tables' whose name needs quotes (the others' name
    /// is their column node's).
    quoted_attnames: HashMap<(u32, i32), Name>,
}

/// Assembles the catalog from everything read.
pub(super) fn assemble(mut rows: Rows) -> Catalog {
    let mut a = Assembly::new(rows.version, &rows.acls);
    a.g.nodes.reserve_exact(node_estimate(&rows));
    let ext_nodes = a.extensions(&rows.extensions);
    a.extension_members_and_identity_sequences(&rows.deps, &ext_nodes);
    a.schemas(&rows.schemas);
    a.collations(&rows.collations);
    a.types(&rows.types);
    a.sequence_parameters(&rows.sequences);
    a.relations(&rows.relations);
    // Each family's rows go once assembled (the big ones; see the end for the rest).
    drop(std::mem::take(&mut rows.relations));
    a.columns(std::mem::take(&mut rows.attributes));
    a.identity_sequences();
    a.inheritance(&rows.inherits);
    a.constraints(std::mem::take(&mut rows.constraints), &rows.indexes);
    a.indexes(std::mem::take(&mut rows.indexes), &rows.index_defs);
    drop(std::mem::take(&mut rows.index_defs));
    a.functions(&rows.functions);
    a.triggers(&rows.triggers);
    a.policies(&rows.policies);
    a.view_rules(&rows.rules);
    a.default_privileges(&rows.default_privileges);
    a.cat.current_user = std::mem::take(&mut rows.current_user);
    for r in &rows.casts {
        let (kind, a_type, b_type): (&str, String, Option<String>) = (r.get(0), r.get(1), r.get(2));
        match (kind, b_type) {
            ("c", Some(b_type)) => {
                a.cat.casts.insert((a_type, b_type));
            }
            _ => {
                a.cat.string_types.insert(a_type);
            }
        }
    }
    let deps = a.dependencies(&rows.deps);
    let (cat, g) = a.finish(deps);
    // Freeing hundreds of thousands of rows takes a while; nobody needs to wait for it.
    super::drop_later((rows, g.objects, g.columns));
    cat
}

/// How many nodes the rows make, at least: the node list is some 200,000 entries of 80 bytes
/// at 10,000 tables, and grown by doubling it would hold up to twice that while assembling.
fn node_estimate(rows: &Rows) -> usize {
    let defaults = rows
        .attributes
        .iter()
        .filter(|r| r.expr.is_some() && r.generated == 0)
        .count();
    rows.extensions.len()
        + rows.schemas.len()
        + rows.collations.len()
        + rows.types.len()
        + rows.relations.len()
        + rows.sequences.len()
        + rows.attributes.len()
        + defaults
        + rows.indexes.len()
        + rows.functions.len()
        + rows.triggers.len()
        + rows.policies.len()
}

impl Assembly {
    fn new(version: i32, acl_rows: &[tokio_postgres::Row]) -> Self {
        let mut cat = Catalog {
            server_version_num: version,
            ..Default::default()
        };
        for r in acl_rows {
            let k: String = r.get(0);
            cat.default_acls.insert(k, parse_acl(r.get(1), &Acl::new()));
        }
        let dflt = |k: &str| cat.default_acls.get(k).cloned().unwrap_or_default();
        let acls = DefaultAcls {
            relations: dflt("r"),
            sequences: dflt("s"),
            functions: dflt("f"),
            schemas: dflt("n"),
            types: dflt("T"),
        };
        Assembly {
            cat,
            names: Names::default(),
            g: Nodes::default(),
            acls,
            identity_seqs: HashMap::new(),
            seq_opts: HashMap::new(),
            parts: Vec::new(),
            rels: HashMap::new(),
            tables: HashMap::new(),
            views: HashMap::new(),
            identity_names: HashMap::new(),
            seq_owner_nodes: HashMap::new(),
            quoted_attnames: HashMap::new(),
        }
    }

    /// Registers `node` for a relation's row type and array type (when it has them).
    fn map_row_types(&mut self, node: u32, reltype: u32, relarray: u32) {
        for t in [reltype, relarray] {
            if t != 0 {
                self.g.map(PG_TYPE, t, node);
            }
        }
    }
}

/// Sequence parameters before they are read (PostgreSQL's defaults for a new sequence).
fn new_seq_options() -> SequenceOptions {
    SequenceOptions {
        data_type: String::new(),
        start: 1,
        increment: 1,
        min: 1,
        max: i64::MAX,
        cache: 1,
        cycle: false,
    }
}

/// Parses an ACL from `acl_json`; NULL means the kind's default ACL.
fn parse_acl(v: Option<Value>, default: &Acl) -> Acl {
    let Some(Value::Array(items)) = v else {
        return default.clone();
    };
    let mut out = Acl::new();
    for item in items {
        let Value::Array(parts) = item else { continue };
        let grantee = match parts.first() {
            Some(Value::Null) | None => Grantee::Owner,
            Some(Value::String(s)) if s.is_empty() => Grantee::Public,
            Some(Value::String(s)) => Grantee::Role(s.as_str().into()),
            Some(other) => Grantee::Role(other.to_string().into()),
        };
        let privilege = parts
            .get(1)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
        let grantable = parts.get(2).and_then(Value::as_bool).unwrap_or(false);
        out.insert(Privilege {
            grantee,
            privilege,
            grantable,
        });
    }
    out
}

/// A JSON value as text (None for null).
/// An oid in JSON: PostgreSQL's `json_build_array` prints `oid` values as strings.
fn json_oid(v: &Value) -> Option<u32> {
    match v {
        Value::String(s) => s.parse().ok(),
        other => other.as_u64().and_then(|o| u32::try_from(o).ok()),
    }
}

fn json_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_in_json_are_read_as_strings_or_numbers() {
        let v: Value = serde_json::from_str(r#"["16388", 16389, null, "x"]"#).unwrap();
        assert_eq!(json_oid(&v[0]), Some(16388));
        assert_eq!(json_oid(&v[1]), Some(16389));
        assert_eq!(json_oid(&v[2]), None);
        assert_eq!(json_oid(&v[3]), None);
    }
    use serde_json::json;

    #[test]
    fn acls_are_parsed_with_owner_and_public_apart() {
        let default: Acl = [Privilege {
            grantee: Grantee::Public,
            privilege: "USAGE".into(),
            grantable: false,
        }]
        .into_iter()
        .collect();
        assert_eq!(parse_acl(None, &default), default);
        let acl = parse_acl(
            Some(json!([
                [null, "SELECT", true],
                ["", "SELECT", false],
                ["alice", "UPDATE", false]
            ])),
            &default,
        );
        let got: Vec<(Grantee, &str, bool)> = acl
            .iter()
            .map(|p| (p.grantee.clone(), p.privilege.as_str(), p.grantable))
            .collect();
        assert_eq!(
            got,
            [
                (Grantee::Owner, "SELECT", true),
                (Grantee::Public, "SELECT", false),
                (Grantee::Role("alice".into()), "UPDATE", false)
            ]
        );
        assert!(
            parse_acl(Some(json!([])), &default).is_empty(),
            "no privileges at all"
        );
    }

    #[test]
    fn each_distinct_name_is_made_once() {
        let mut names = Names::default();
        let (a, b) = (names.get("orders"), names.get("orders"));
        assert!(Name::ptr_eq(&a, &b), "the same text, one allocation");
        let q = names.qual("public", "orders");
        assert!(Name::ptr_eq(&q.name, &a));
        assert_eq!(q.schema, "public");
        assert!(
            !Name::ptr_eq(&names.get("Orders"), &a),
            "names are case-sensitive"
        );
    }

    #[test]
    fn json_values_become_text() {
        assert_eq!(json_str(&json!("x")), Some("x".into()));
        assert_eq!(json_str(&json!(null)), None);
        assert_eq!(json_str(&json!(12)), Some("12".into()));
    }
}

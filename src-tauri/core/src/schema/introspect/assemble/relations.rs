//! Relations: tables (and partitioned tables), views (and materialized views), sequences
//! with their parameters; then inheritance and partition parents, and view rules. A
//! relation's row and array types resolve to its node. Identity sequences are not objects
//! of their own: they belong to their column (see `columns`).
use super::{new_seq_options, parse_acl, Assembly, RelKind, PG_CLASS, PG_REWRITE};
use crate::schema::model::*;
use tokio_postgres::Row;

/// The columns of a `queries::q_relations` row every kind of relation has.
struct RelationRow {
    oid: u32,
    name: QualName,
    persistence: String,
    owner: String,
    options: Vec<String>,
    comment: Option<String>,
}

impl Assembly {
    /// Sequence parameters (identity sequences' go to their column).
    pub(super) fn sequence_parameters(&mut self, rows: &[Row]) {
        for r in rows {
            self.seq_opts.insert(
                r.get(0),
                (
                    SequenceOptions {
                        data_type: r.get(1),
                        start: r.get(2),
                        increment: r.get(3),
                        max: r.get(4),
                        min: r.get(5),
                        cache: r.get(6),
                        cycle: r.get(7),
                    },
                    r.get::<_, Option<bool>>(8).unwrap_or(false),
                ),
            );
        }
    }

    pub(super) fn relations(&mut self, rows: &[Row]) {
        for r in rows {
            let rel = RelationRow {
                oid: r.get(0),
                name: self.names.qual(r.get(1), r.get(2)),
                persistence: r.get(4),
                owner: r.get(5),
                options: r.get(6),
                comment: r.get(14),
            };
            let relkind: &str = r.get(3);
            match relkind {
                "r" | "p" => self.table(r, rel, relkind == "p"),
                "v" | "m" => self.view(r, rel, relkind == "m"),
                _ => self.sequence(r, rel),
            }
        }
    }

    fn table(&mut self, r: &Row, rel: RelationRow, partitioned: bool) {
        let node = self.g.add(ObjRef::Table(rel.name.clone()));
        self.g.map(PG_CLASS, rel.oid, node);
        self.map_row_types(node, r.get(16), r.get(17));
        self.rels
            .insert(rel.oid, (rel.name.clone(), RelKind::Table));
        self.tables.insert(
            rel.oid,
            Table {
                name: rel.name,
                kind: if partitioned {
                    TableKind::Partitioned
                } else {
                    TableKind::Regular
                },
                unlogged: rel.persistence == "u",
                columns: Vec::new(),
                partition_key: r.get(12),
                // The parent is filled in from pg_inherits (see `inheritance`).
                partition_of: r
                    .get::<_, Option<String>>(11)
                    .map(|b| (QualName::new("", ""), b)),
                inherits: Vec::new(),
                options: rel.options,
                rls_enabled: r.get(7),
                rls_forced: r.get(8),
                replica_identity: r.get(9),
                constraints: Default::default(),
                policies: Default::default(),
                owner: rel.owner,
                comment: rel.comment,
                acl: parse_acl(r.get(15), &self.acls.relations),
                estimated_rows: r.get(10),
            },
        );
    }

    fn view(&mut self, r: &Row, rel: RelationRow, materialized: bool) {
        let node = self.g.add(ObjRef::View(rel.name.clone()));
        self.g.map(PG_CLASS, rel.oid, node);
        self.map_row_types(node, r.get(16), r.get(17));
        self.rels.insert(rel.oid, (rel.name.clone(), RelKind::View));
        self.views.insert(
            rel.oid,
            View {
                name: rel.name,
                materialized,
                definition: r.get::<_, Option<String>>(13).unwrap_or_default(),
                options: rel.options,
                columns: Vec::new(),
                owner: rel.owner,
                comment: rel.comment,
                acl: parse_acl(r.get(15), &self.acls.relations),
            },
        );
    }

    /// A sequence, and the node of its OWNED BY link (each a part of the other).
    fn sequence(&mut self, r: &Row, rel: RelationRow) {
        let (oid, name) = (rel.oid, rel.name);
        if self.identity_seqs.contains_key(&oid) {
            self.identity_names.insert(oid, name);
            return;
        }
        let node = self.g.add(ObjRef::Sequence(name.clone()));
        self.g.map(PG_CLASS, oid, node);
        let owner_node = self.g.add(ObjRef::SequenceOwner(name.clone()));
        self.seq_owner_nodes.insert(oid, owner_node);
        for (a, b) in [(node, owner_node), (owner_node, node)] {
            self.parts.push(Dependency {
                dependent: a,
                referenced: b,
                kind: DepKind::Part,
            });
        }
        self.rels.insert(oid, (name.clone(), RelKind::Sequence));
        let (options, never_used) = self
            .seq_opts
            .get(&oid)
            .cloned()
            .unwrap_or_else(|| (new_seq_options(), false));
        self.cat.sequences.insert(
            name.clone(),
            Sequence {
                name,
                options,
                unlogged: rel.persistence == "u",
                owned_by: None,
                never_used,
                owner: rel.owner,
                comment: rel.comment,
                acl: parse_acl(r.get(15), &self.acls.sequences),
            },
        );
    }

    /// Inheritance parents, in order, and the parent of each partition.
    pub(super) fn inheritance(&mut self, rows: &[Row]) {
        for r in rows {
            let child: u32 = r.get(0);
            let parent: u32 = r.get(1);
            let (Some(_), Some((pname, _))) = (self.rels.get(&child), self.rels.get(&parent))
            else {
                continue;
            };
            let pname = pname.clone();
            if let Some(t) = self.tables.get_mut(&child) {
                match &mut t.partition_of {
                    Some((p, _)) => *p = pname,
                    None => t.inherits.push(pname),
                }
            }
        }
    }

    /// A view's `_RETURN` rule resolves to the view (dependencies on the view's query are
    /// recorded for the rule).
    pub(super) fn view_rules(&mut self, rows: &[Row]) {
        for r in rows {
            let ev: u32 = r.get(1);
            if let Some((_, RelKind::View)) = self.rels.get(&ev) {
                if let Some(v) = self.g.objects.get(&(PG_CLASS, ev)).copied() {
                    self.g.map(PG_REWRITE, r.get(0), v);
                }
            }
        }
    }
}

//! Columns of tables and views (in attnum order), column defaults (nodes of their own; a
//! generation expression is part of its column), and identity sequences, which belong to
//! their column: the column's node stands for them and it carries their parameters.
use super::super::read::AttrRow;
use super::{new_seq_options, parse_acl, Assembly, RelKind, PG_ATTRDEF, PG_CLASS};
use crate::schema::model::*;

impl Assembly {
    pub(super) fn columns(&mut self, mut attrs: Vec<AttrRow>) {
        // Taken from the end in (relation, attnum) order, the rows' room given back as they
        // go: the rows and the columns made of them are not both held in full.
        attrs.sort_unstable_by_key(|r| std::cmp::Reverse((r.relid, r.attnum)));
        while let Some(r) = attrs.pop() {
            if attrs.len().is_multiple_of(4096) {
                attrs.shrink_to_fit();
            }
            let (relid, attnum) = (r.relid, r.attnum);
            let Some((rel, kind)) = self.rels.get(&relid) else {
                continue;
            };
            // Most names need no quotes: only the others are kept (see `quoted_column`).
            if !matches!(kind, RelKind::Table) || r.quoted_name != r.name {
                let quoted = Name::from(r.quoted_name.as_str());
                self.quoted_attnames.insert((relid, attnum), quoted);
            }
            match kind {
                RelKind::Table => {
                    let rel = rel.clone();
                    // Room for the table's columns at its first: the rest of them are at the
                    // end of `attrs` (a column list grown by doubling holds up to twice its size).
                    if let Some(t) = self.tables.get_mut(&relid) {
                        if t.columns.is_empty() {
                            let rest = attrs.iter().rev().take_while(|a| a.relid == relid).count();
                            t.columns.reserve_exact(rest + 1);
                        }
                    }
                    self.table_column(rel, r);
                }
                RelKind::View => self.view_column(r),
                RelKind::Sequence => {}
            }
        }
    }

    fn table_column(&mut self, rel: QualName, r: AttrRow) {
        let (relid, attnum) = (r.relid, r.attnum);
        let name = self.names.get(&r.name);
        let col_node = self.g.add(ObjRef::Column(rel.clone(), name.clone()));
        self.g.columns.insert((relid, attnum), col_node);
        if let Some(t) = self.g.objects.get(&(PG_CLASS, relid)).copied() {
            self.parts.push(Dependency {
                dependent: col_node,
                referenced: t,
                kind: DepKind::Part,
            });
        }
        let (default, generated) = if r.generated == 0 {
            (r.expr, None)
        } else {
            (None, r.expr)
        };
        if default.is_some() {
            let d = self.g.add(ObjRef::Default(rel, name.clone()));
            if let Some(oid) = r.def_oid {
                self.g.map(PG_ATTRDEF, oid, d);
            }
        } else if let Some(oid) = r.def_oid {
            self.g.map(PG_ATTRDEF, oid, col_node);
        }
        let mut col = Column::new(name, self.names.get(&r.type_name));
        col.not_null = r.not_null;
        col.default = default;
        col.is_local = r.is_local;
        col.comment = r.comment;
        col.acl = parse_acl(r.acl.map(|a| *a), &Acl::new());
        col.set_more(ColumnMore {
            collation: r.collation,
            identity: (r.identity != 0).then(|| Identity {
                always: r.identity == b'a',
                sequence: QualName::new("", ""),
                options: new_seq_options(),
            }),
            generated_kind: match r.generated {
                b's' => Some("STORED".into()),
                b'v' => Some("VIRTUAL".into()),
                _ => None,
            },
            generated,
            storage: r.storage,
            statistics: r.statistics,
            compression: r.compression,
            inherit_count: r.inherit_count,
        });
        if let Some(t) = self.tables.get_mut(&relid) {
            t.columns.push(col);
        }
    }

    /// The name of a table's column, from its node.
    pub(super) fn column_name(&self, relid: u32, attnum: i32) -> Option<&Name> {
        let node = self.g.columns.get(&(relid, attnum))?;
        match &self.g.nodes[*node as usize] {
            ObjRef::Column(_, name) => Some(name),
            _ => None,
        }
    }

    /// A column's name as `quote_ident` spells it ("" when unknown).
    pub(super) fn quoted_column(&self, relid: u32, attnum: i32) -> String {
        match self.quoted_attnames.get(&(relid, attnum)) {
            Some(q) => q.to_string(),
            None => self
                .column_name(relid, attnum)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        }
    }

    /// A view column; its default (`ALTER VIEW … SET DEFAULT`) resolves to the view.
    fn view_column(&mut self, r: AttrRow) {
        let relid = r.relid;
        if let Some(oid) = r.def_oid {
            if let Some(v) = self.g.objects.get(&(PG_CLASS, relid)).copied() {
                self.g.map(PG_ATTRDEF, oid, v);
            }
        }
        if let Some(v) = self.views.get_mut(&relid) {
            v.columns.push(ViewColumn {
                name: r.name.to_string(),
                type_name: r.type_name.to_string(),
                default: r.expr,
                comment: r.comment,
                acl: parse_acl(r.acl.map(|a| *a), &Acl::new()),
            });
        }
    }

    /// Identity sequences belong to their column.
    pub(super) fn identity_sequences(&mut self) {
        for (seq_oid, (relid, attnum)) in &self.identity_seqs {
            let (Some(seq_name), Some(_), Some(col)) = (
                self.identity_names.get(seq_oid),
                self.rels.get(relid),
                self.column_name(*relid, *attnum).cloned(),
            ) else {
                continue;
            };
            if let Some(node) = self.g.columns.get(&(*relid, *attnum)).copied() {
                self.g.map(PG_CLASS, *seq_oid, node);
            }
            if let Some(c) = self
                .tables
                .get_mut(relid)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == *col))
            {
                if let Some(id) = &mut c.more_mut().identity {
                    id.sequence = seq_name.clone();
                    if let Some((o, _)) = self.seq_opts.get(seq_oid) {
                        id.options = o.clone();
                    }
                }
            }
        }
    }
}

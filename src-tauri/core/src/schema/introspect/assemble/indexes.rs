//! Indexes that stand alone (not those of constraints, not partitions of a parent's index),
//! on tables and materialized views. Plain indexes (see `queries::q_indexes`) are spelled here
//! as `pg_get_indexdef` would; the others come printed by it.
use super::super::read::IndexRow;
use super::{Assembly, PG_CLASS};
use crate::schema::model::*;
use std::collections::HashMap;

impl Assembly {
    /// `defs`: `pg_get_indexdef` of the indexes that are not plain.
    pub(super) fn indexes(&mut self, rows: Vec<IndexRow>, defs: &HashMap<u32, String>) {
        for r in rows {
            if r.is_partition || r.constraint.is_some() {
                continue;
            }
            let Some((table, _)) = self.rels.get(&r.relid) else {
                continue;
            };
            let table = table.clone();
            let name = self.names.qual(&r.schema, &r.name);
            let node = self.g.add(ObjRef::Index(name.clone()));
            self.g.map(PG_CLASS, r.oid, node);
            let definition = match defs.get(&r.oid) {
                Some(d) => d.clone(),
                None => self.plain_index(&r),
            };
            self.cat.indexes.insert(
                name.clone(),
                Index {
                    name,
                    table,
                    definition,
                    unique: r.unique,
                    clustered: r.clustered,
                    replica_identity: r.replica_identity,
                    column_statistics: r
                        .stats
                        .iter()
                        .filter_map(|s| {
                            let (a, b) = s.split_once(':')?;
                            Some((a.parse().ok()?, b.parse().ok()?))
                        })
                        .collect(),
                    comment: r.comment,
                },
            );
        }
    }

    /// A plain index: spelled from its method and columns.
    fn plain_index(&self, r: &IndexRow) -> String {
        let nkey = r.nkey.max(0) as usize;
        let col = |attnum: &i16| -> String { self.quoted_column(r.relid, *attnum as i32) };
        PlainIndex {
            unique: r.unique,
            name: r.quoted_name.to_string(),
            table: r.quoted_table.to_string(),
            method: r.method.to_string(),
            key_columns: r.keys.iter().take(nkey).map(col).collect(),
            included: r.keys.iter().skip(nkey).map(col).collect(),
        }
        .definition()
    }
}

/// What a plain index's definition is made of, every name quoted as `quote_ident` does.
struct PlainIndex {
    unique: bool,
    name: String,
    table: String,
    method: String,
    key_columns: Vec<String>,
    included: Vec<String>,
}

impl PlainIndex {
    /// The definition as `pg_get_indexdef` prints it.
    fn definition(&self) -> String {
        let mut d = format!(
            "CREATE {}INDEX {} ON {} USING {} ({})",
            if self.unique { "UNIQUE " } else { "" },
            self.name,
            self.table,
            self.method,
            self.key_columns.join(", ")
        );
        if !self.included.is_empty() {
            d.push_str(&format!(" INCLUDE ({})", self.included.join(", ")));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_indexes_are_spelled_like_pg_get_indexdef() {
        let mut i = PlainIndex {
            unique: false,
            name: "\"Quoted Idx\"".into(),
            table: "\"Odd Schema\".\"Mixed Case\"".into(),
            method: "btree".into(),
            key_columns: vec!["\"Col\"\"Q\"".into(), "v".into()],
            included: Vec::new(),
        };
        assert_eq!(
            i.definition(),
            "CREATE INDEX \"Quoted Idx\" ON \"Odd Schema\".\"Mixed Case\" USING btree (\"Col\"\"Q\", v)"
        );
        i.unique = true;
        i.key_columns.truncate(1);
        i.included = vec!["n".into(), "\"user\"".into()];
        assert_eq!(
            i.definition(),
            "CREATE UNIQUE INDEX \"Quoted Idx\" ON \"Odd Schema\".\"Mixed Case\" USING btree (\"Col\"\"Q\") INCLUDE (n, \"user\")"
        );
    }
}

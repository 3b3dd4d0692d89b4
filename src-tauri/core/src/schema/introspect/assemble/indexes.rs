//! Indexes that stand alone (not those of constraints, not partitions of a parent's index),
//! on tables and materialized views. Plain indexes (see `queries::q_indexes`) are spelled here
//! as `pg_get_indexdef` would; the others come printed by it.
use super::{Assembly, PG_CLASS};
use crate::schema::model::*;
use std::collections::HashMap;
use tokio_postgres::Row;

impl Assembly {
    /// `defs`: `pg_get_indexdef` of the indexes that are not plain.
    pub(super) fn indexes(&mut self, rows: &[Row], defs: &HashMap<u32, String>) {
        for r in rows {
            let is_partition: bool = r.get(9);
            let con: Option<u32> = r.get(8);
            if is_partition || con.is_some() {
                continue;
            }
            let oid: u32 = r.get(0);
            let relid: u32 = r.get(3);
            let Some((table, _)) = self.rels.get(&relid) else {
                continue;
            };
            let table = table.clone();
            let name = QualName::new(r.get::<_, String>(1), r.get::<_, String>(2));
            let node = self.g.add(ObjRef::Index(name.clone()));
            self.g.map(PG_CLASS, oid, node);
            let stats: Vec<String> = r.get(10);
            let definition = match defs.get(&oid) {
                Some(d) => d.clone(),
                None => self.plain_index(r, relid),
            };
            self.cat.indexes.insert(
                name.clone(),
                Index {
                    name,
                    table,
                    definition,
                    unique: r.get(4),
                    clustered: r.get(5),
                    replica_identity: r.get(6),
                    column_statistics: stats
                        .iter()
                        .filter_map(|s| {
                            let (a, b) = s.split_once(':')?;
                            Some((a.parse().ok()?, b.parse().ok()?))
                        })
                        .collect(),
                    comment: r.get(7),
                },
            );
        }
    }

    /// A plain index of relation `relid`: spelled from its method and columns.
    fn plain_index(&self, r: &Row, relid: u32) -> String {
        let keys: Vec<i16> = r.get(13);
        let nkey = r.get::<_, i32>(14).max(0) as usize;
        let col = |attnum: &i16| -> String {
            self.quoted_attnames
                .get(&(relid, *attnum as i32))
                .cloned()
                .unwrap_or_default()
        };
        PlainIndex {
            unique: r.get(4),
            name: r.get(18),
            table: r.get(19),
            method: r.get(11),
            key_columns: keys.iter().take(nkey).map(col).collect(),
            included: keys.iter().skip(nkey).map(col).collect(),
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

//! Table constraints (primary key, unique, foreign key, check, exclusion). A key's or
//! exclusion constraint's index belongs to the constraint: it resolves to the constraint's
//! node and is not reported as an index. Plain keys (see `queries::q_constraints`) are spelled
//! here as `pg_get_constraintdef` would.
use super::{Assembly, RelKind, PG_CLASS, PG_CONSTRAINT};
use crate::schema::model::*;
use std::collections::HashMap;
use tokio_postgres::Row;

impl Assembly {
    pub(super) fn constraints(&mut self, rows: &[Row], index_rows: &[Row]) {
        // Index → (clustered, replica identity).
        let mut index_flags: HashMap<u32, (bool, bool)> = HashMap::new();
        for r in index_rows {
            index_flags.insert(r.get(0), (r.get(5), r.get(6)));
        }
        for r in rows {
            let oid: u32 = r.get(0);
            let relid: u32 = r.get(1);
            let Some((table, RelKind::Table)) = self.rels.get(&relid) else {
                continue;
            };
            let table = table.clone();
            let name = Name::from(r.get::<_, &str>(2));
            let kind: String = r.get(3);
            let node = self.g.add(ObjRef::Constraint(table.clone(), name.clone()));
            self.g.map(PG_CONSTRAINT, oid, node);
            let definition = match r.get::<_, Option<String>>(4) {
                Some(d) => d,
                None => {
                    let keys: Vec<i16> = r.get::<_, Option<Vec<i16>>>(11).unwrap_or_default();
                    let cols: Vec<String> = keys
                        .iter()
                        .map(|k| {
                            self.quoted_attnames
                                .get(&(relid, *k as i32))
                                .cloned()
                                .unwrap_or_default()
                        })
                        .collect();
                    plain_key_definition(&kind, &cols)
                }
            };
            let indid: u32 = r.get(8);
            let mut index = None;
            let (mut clustered, mut replident) = (false, false);
            if matches!(kind.as_str(), "p" | "u" | "x") && indid != 0 {
                self.g.map(PG_CLASS, indid, node);
                if let Some((c, ri)) = index_flags.get(&indid) {
                    clustered = *c;
                    replident = *ri;
                }
                index = Some(QualName::new(table.schema.clone(), name.clone()));
            }
            if let Some(t) = self.tables.get_mut(&relid) {
                t.constraints.insert(
                    name.clone(),
                    Box::new(Constraint {
                        name,
                        kind,
                        definition,
                        validated: r.get(5),
                        is_local: r.get(6),
                        inherit_count: r.get(7),
                        index,
                        clustered,
                        replica_identity: replident,
                        comment: r.get(9),
                        index_comment: r.get(10),
                    }),
                );
            }
        }
    }
}

/// A plain primary key (`kind` `p`) or unique constraint on `cols` (quoted as `quote_ident`
/// does), spelled as `pg_get_constraintdef` prints it.
fn plain_key_definition(kind: &str, cols: &[String]) -> String {
    format!(
        "{} ({})",
        if kind == "p" { "PRIMARY KEY" } else { "UNIQUE" },
        cols.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_are_spelled_like_pg_get_constraintdef() {
        let cols = ["id".to_string(), "\"Mixed Col\"".into()];
        assert_eq!(
            plain_key_definition("p", &cols),
            "PRIMARY KEY (id, \"Mixed Col\")"
        );
        assert_eq!(plain_key_definition("u", &cols[..1]), "UNIQUE (id)");
    }
}

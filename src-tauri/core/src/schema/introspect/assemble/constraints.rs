//! Table constraints (primary key, unique, foreign key, check, exclusion). A key's or
//! exclusion constraint's index belongs to the constraint: it resolves to the constraint's
//! node and is not reported as an index. Plain keys (see `queries::q_constraints`) are spelled
//! here as `pg_get_constraintdef` would.
use super::super::read::{ConstraintRow, IndexRow};
use super::{Assembly, RelKind, PG_CLASS, PG_CONSTRAINT};
use crate::schema::model::*;
use std::collections::HashMap;

impl Assembly {
    pub(super) fn constraints(&mut self, rows: Vec<ConstraintRow>, index_rows: &[IndexRow]) {
        // Index → (clustered, replica identity).
        let index_flags: HashMap<u32, (bool, bool)> = index_rows
            .iter()
            .map(|r| (r.oid, (r.clustered, r.replica_identity)))
            .collect();
        for r in rows {
            let Some((table, RelKind::Table)) = self.rels.get(&r.relid) else {
                continue;
            };
            let table = table.clone();
            let name = self.names.get(&r.name);
            let node = self.g.add(ObjRef::Constraint(table.clone(), name.clone()));
            self.g.map(PG_CONSTRAINT, r.oid, node);
            let definition = match r.definition {
                Some(d) => d,
                None => {
                    let cols: Vec<String> = r
                        .keys
                        .iter()
                        .flatten()
                        .map(|k| self.quoted_column(r.relid, *k as i32))
                        .collect();
                    plain_key_definition(&r.kind, &cols)
                }
            };
            let mut index = None;
            let (mut clustered, mut replident) = (false, false);
            if matches!(r.kind.as_str(), "p" | "u" | "x") && r.index != 0 {
                self.g.map(PG_CLASS, r.index, node);
                if let Some((c, ri)) = index_flags.get(&r.index) {
                    clustered = *c;
                    replident = *ri;
                }
                index = Some(QualName::new(table.schema.clone(), name.clone()));
            }
            if let Some(t) = self.tables.get_mut(&r.relid) {
                t.constraints.insert(
                    name.clone(),
                    Box::new(Constraint {
                        name,
                        kind: r.kind,
                        definition,
                        validated: r.validated,
                        is_local: r.is_local,
                        inherit_count: r.inherit_count,
                        index,
                        clustered,
                        replica_identity: replident,
                        comment: r.comment,
                        index_comment: r.index_comment,
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

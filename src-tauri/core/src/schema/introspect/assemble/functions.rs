//! Functions and procedures, by identity signature (overloads are separate objects).
use super::{parse_acl, Assembly, PG_PROC};
use crate::schema::model::*;
use tokio_postgres::Row;

impl Assembly {
    pub(super) fn functions(&mut self, rows: &[Row]) {
        for r in rows {
            let id = FunctionId {
                schema: self.names.get(r.get(1)),
                name: self.names.get(r.get(2)),
                args: r.get::<_, &str>(3).into(),
            };
            let node = self.g.add(ObjRef::Function(id.clone()));
            self.g.map(PG_PROC, r.get(0), node);
            self.cat.functions.insert(
                id.clone(),
                Function {
                    id,
                    kind: r.get(4),
                    definition: r.get(5),
                    result: r.get(6),
                    arg_names: r.get(7),
                    arg_defaults: r.get(8),
                    owner: r.get(9),
                    comment: r.get(10),
                    acl: parse_acl(r.get(11), &self.acls.functions),
                },
            );
        }
    }
}

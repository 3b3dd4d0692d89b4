//! Extensions, schemas and collations: the objects other objects live in or refer to by name;
//! and default privileges (per role, and per schema or everywhere).
use super::{json_str, parse_acl, Assembly, PG_COLLATION, PG_EXTENSION, PG_NAMESPACE};
use crate::schema::model::*;
use serde_json::Value;
use std::collections::HashMap;
use tokio_postgres::Row;

impl Assembly {
    /// Extensions; returns extension oid → node (to find their members).
    pub(super) fn extensions(&mut self, rows: &[Row]) -> HashMap<u32, u32> {
        let mut ext_nodes: HashMap<u32, u32> = HashMap::new();
        for r in rows {
            let oid: u32 = r.get(0);
            let name = self.names.get(r.get(1));
            let node = self.g.add(ObjRef::Extension(name.clone()));
            self.g.map(PG_EXTENSION, oid, node);
            ext_nodes.insert(oid, node);
            self.cat.extensions.insert(
                name.clone(),
                Extension {
                    name,
                    schema: r.get::<_, &str>(2).into(),
                    version: r.get(3),
                    comment: r.get(4),
                },
            );
        }
        ext_nodes
    }

    pub(super) fn schemas(&mut self, rows: &[Row]) {
        for r in rows {
            let name = self.names.get(r.get(1));
            let node = self.g.add(ObjRef::Schema(name.clone()));
            self.g.map(PG_NAMESPACE, r.get(0), node);
            self.cat.schemas.insert(
                name.clone(),
                Schema {
                    name,
                    owner: r.get(2),
                    comment: r.get(3),
                    acl: parse_acl(r.get(4), &self.acls.schemas),
                },
            );
        }
    }

    pub(super) fn collations(&mut self, rows: &[Row]) {
        for r in rows {
            let name = self.names.qual(r.get(1), r.get(2));
            let j: Value = r.get(3);
            let s = |k: &str| j.get(k).and_then(json_str).filter(|s| !s.is_empty());
            let node = self.g.add(ObjRef::Collation(name.clone()));
            self.g.map(PG_COLLATION, r.get(0), node);
            self.cat.collations.insert(
                name.clone(),
                Collation {
                    name,
                    provider: s("collprovider").unwrap_or_else(|| "c".into()),
                    deterministic: j
                        .get("collisdeterministic")
                        .and_then(Value::as_bool)
                        .unwrap_or(true),
                    lc_collate: s("collcollate"),
                    lc_ctype: s("collctype"),
                    locale: s("colllocale").or_else(|| s("colliculocale")),
                    icu_rules: s("collicurules"),
                    comment: r.get(4),
                },
            );
        }
    }

    pub(super) fn default_privileges(&mut self, rows: &[Row]) {
        for r in rows {
            let key = DefaultPrivilegesKey {
                role: r.get(0),
                schema: r.get(1),
                object_type: r.get(2),
            };
            let acl = parse_acl(r.get(3), &Acl::new());
            self.cat.default_privileges.insert(key, acl);
        }
    }
}

//! User-defined types: enums, domains (with their checks), composite and range types. A
//! type's array type, a composite type's relation, a domain's checks and a range's
//! multirange resolve to the type's node.
use super::{json_oid, json_str, parse_acl, Assembly, PG_CLASS, PG_CONSTRAINT, PG_TYPE};
use crate::schema::model::*;
use serde_json::Value;
use std::collections::BTreeMap;
use tokio_postgres::Row;

impl Assembly {
    pub(super) fn types(&mut self, rows: &[Row]) {
        for r in rows {
            let oid: u32 = r.get(0);
            let name = self.names.qual(r.get(1), r.get(2));
            let typtype: String = r.get(3);
            let node = self.g.add(ObjRef::Type(name.clone()));
            self.g.map(PG_TYPE, oid, node);
            let arr: u32 = r.get(7);
            if arr != 0 {
                self.g.map(PG_TYPE, arr, node);
            }
            let relid: u32 = r.get(8);
            if relid != 0 {
                self.g.map(PG_CLASS, relid, node);
            }
            let kind = match typtype.as_str() {
                "e" => TypeKind::Enum {
                    labels: r.get::<_, Option<Vec<String>>>(9).unwrap_or_default(),
                },
                "d" => self.domain(r, node),
                "c" => composite(r),
                _ => self.range(r, node),
            };
            self.cat.types.insert(
                name.clone(),
                TypeDef {
                    name,
                    type_name: r.get(17),
                    kind,
                    owner: r.get(4),
                    comment: r.get(5),
                    acl: parse_acl(r.get(6), &self.acls.types),
                },
            );
        }
    }

    fn domain(&mut self, r: &Row, node: u32) -> TypeKind {
        let mut checks = BTreeMap::new();
        if let Some(Value::Array(items)) = r.get::<_, Option<Value>>(14) {
            for it in items {
                let oid = it.get(0).and_then(json_oid).unwrap_or(0);
                self.g.map(PG_CONSTRAINT, oid, node);
                let cname = it.get(1).and_then(json_str).unwrap_or_default();
                checks.insert(
                    cname,
                    DomainCheck {
                        definition: it.get(2).and_then(json_str).unwrap_or_default(),
                        comment: it.get(3).and_then(json_str),
                    },
                );
            }
        }
        TypeKind::Domain(Domain {
            base_type: r.get::<_, Option<String>>(10).unwrap_or_default(),
            not_null: r.get(11),
            default: r.get(12),
            collation: r.get(13),
            checks,
        })
    }

    fn range(&mut self, r: &Row, node: u32) -> TypeKind {
        let j: Value = r.get::<_, Option<Value>>(16).unwrap_or(Value::Null);
        let get = |i: usize| j.get(i).and_then(json_str);
        // The multirange type and its array type.
        for i in [6, 7] {
            if let Some(o) = j.get(i).and_then(json_oid) {
                if o != 0 {
                    self.g.map(PG_TYPE, o, node);
                }
            }
        }
        TypeKind::Range {
            subtype: get(0).unwrap_or_default(),
            subtype_opclass: get(1),
            collation: get(2),
            canonical: get(3),
            subtype_diff: get(4),
            multirange: get(5),
        }
    }
}

fn composite(r: &Row) -> TypeKind {
    let mut attributes = Vec::new();
    if let Some(Value::Array(items)) = r.get::<_, Option<Value>>(15) {
        for it in items {
            attributes.push(TypeAttribute {
                name: it.get(0).and_then(json_str).unwrap_or_default(),
                type_name: it.get(1).and_then(json_str).unwrap_or_default(),
                collation: it.get(2).and_then(json_str),
            });
        }
    }
    TypeKind::Composite { attributes }
}

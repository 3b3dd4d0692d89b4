//! Default privileges (`ALTER DEFAULT PRIVILEGES`): one action with every change, run after
//! the schemas are created and before anything else is, so that the objects the migration
//! creates start with TO's default privileges for the role running it (FROM's reader), which
//! is what their own `GRANT`/`REVOKE` statements start from.
use super::order::{ActionId, Edges};
use super::Planner;
use crate::schema::ddl;
use crate::schema::model::*;
use crate::schema::statement::stmts;
use std::collections::BTreeSet;

/// The built-in ACL kind (`acldefault`) of a `pg_default_acl` object type.
fn builtin_kind(object_type: &str) -> &str {
    match object_type {
        "S" => "s",
        k => k,
    }
}

/// The default privileges of `key` in effect in `cat`: its entry; without one, the built-in
/// default for an entry of every schema, nothing for a per-schema one.
fn in_effect(cat: &Catalog, key: &DefaultPrivilegesKey) -> Acl {
    match cat.default_privileges.get(key) {
        Some(acl) => acl.clone(),
        None if key.schema.is_none() => ddl::default_acl(cat, builtin_kind(&key.object_type)),
        None => Acl::new(),
    }
}

/// `a` with the privileges of `b` added (a grant option wins, as PostgreSQL merges ACLs).
fn merged(mut a: Acl, b: &Acl) -> Acl {
    for p in b {
        if p.grantable {
            a.remove(&Privilege {
                grantable: false,
                ..p.clone()
            });
        } else if a.contains(&Privilege {
            grantable: true,
            ..p.clone()
        }) {
            continue;
        }
        a.insert(p.clone());
    }
    a
}

impl<'a> Planner<'a> {
    /// The action changing default privileges, if any changes. Entries of a schema TO does
    /// not have go away with it.
    pub(super) fn default_privileges_action(&mut self) -> Option<ActionId> {
        let (f, t) = (self.from, self.to);
        let keys: BTreeSet<&DefaultPrivilegesKey> = f
            .default_privileges
            .keys()
            .chain(t.default_privileges.keys())
            .filter(|k| {
                k.schema
                    .as_ref()
                    .is_none_or(|s| t.schemas.contains_key(s.as_str()))
            })
            .collect();
        let mut out = Vec::new();
        for k in keys {
            out.extend(ddl::default_privileges_changes(
                k,
                &in_effect(f, k),
                &in_effect(t, k),
            ));
        }
        self.add_action(stmts(out), 40)
    }

    /// What an object of ACL kind `kind` (`r`, `s`, `f`, `T`, `n`) that the migration creates
    /// in `schema` starts with: TO's default privileges for the role running the migration.
    pub(super) fn new_object_acl(&self, kind: &str, schema: &str) -> Acl {
        let object_type = if kind == "s" { "S" } else { kind };
        let key = |schema: Option<&str>| DefaultPrivilegesKey {
            role: self.from.current_user.clone(),
            schema: schema.map(str::to_string),
            object_type: object_type.to_string(),
        };
        let base = match self.to.default_privileges.get(&key(None)) {
            Some(acl) => acl.clone(),
            None => ddl::default_acl(self.from, kind),
        };
        match self.to.default_privileges.get(&key(Some(schema))) {
            Some(extra) if kind != "n" => merged(base, extra),
            _ => base,
        }
    }

    /// The default privileges after the schemas' creates, before every other create.
    pub(super) fn default_privileges_edges(&self, make: &[Vec<ActionId>], edges: &mut Edges) {
        let Some(dp) = self.default_privileges else {
            return;
        };
        for (u, made) in make.iter().enumerate() {
            if !self.creating_u(u) {
                continue;
            }
            for id in made {
                if matches!(self.graph.nodes[u], ObjRef::Schema(_)) {
                    edges.insert((*id, dp));
                } else {
                    edges.insert((dp, *id));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(v: &[(&str, bool)]) -> Acl {
        v.iter()
            .map(|(p, g)| Privilege {
                grantee: Grantee::Role("r".into()),
                privilege: (*p).into(),
                grantable: *g,
            })
            .collect()
    }

    #[test]
    fn a_per_schema_entry_adds_to_the_default_and_a_grant_option_wins() {
        let a = acl(&[("SELECT", false), ("UPDATE", true)]);
        let b = acl(&[("SELECT", true), ("UPDATE", false), ("INSERT", false)]);
        assert_eq!(
            merged(a, &b),
            acl(&[("SELECT", true), ("UPDATE", true), ("INSERT", false)])
        );
    }

    #[test]
    fn an_entry_of_every_schema_stands_for_the_built_in_default_when_absent() {
        let mut cat = Catalog::default();
        cat.default_acls
            .insert("s".into(), acl(&[("USAGE", false)]));
        let key = |schema: Option<&str>| DefaultPrivilegesKey {
            role: "me".into(),
            schema: schema.map(str::to_string),
            object_type: "S".into(),
        };
        assert_eq!(in_effect(&cat, &key(None)), acl(&[("USAGE", false)]));
        assert!(in_effect(&cat, &key(Some("s"))).is_empty());
        cat.default_privileges.insert(key(None), Acl::new());
        assert!(in_effect(&cat, &key(None)).is_empty());
    }
}

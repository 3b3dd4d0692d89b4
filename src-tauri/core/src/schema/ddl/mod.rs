//! SQL text for each object of the model: the statements that create it (what the report shows
//! as its DDL), and the small statements (`COMMENT`, `GRANT`/`REVOKE`, column options) the
//! migration reuses. Identifiers go through `quote_ident`, text through `quote_literal`; SQL
//! fragments PostgreSQL printed itself (`pg_get_*def`, expressions, type names) are used as is.
//!
//! Here: what every kind of object uses (quoting, comments, privileges); the statements of
//! each family of objects are in a module of their own, re-exported here.
use super::model::*;
use crate::ident::{quote_ident, quote_literal};
use std::collections::BTreeMap;

mod functions;
mod namespaces;
mod reparse;
mod sequences;
mod tables;
mod types;
mod views;

pub use functions::*;
pub use namespaces::*;
pub use reparse::stable_reparse;
pub use sequences::*;
pub use tables::*;
pub use types::*;
pub use views::*;

pub fn qi(s: &str) -> String {
    quote_ident(s)
}

/// `COMMENT ON <target> IS '…';` (or `IS NULL`).
pub fn comment_on(target: &str, comment: Option<&str>) -> String {
    match comment {
        Some(c) => format!("COMMENT ON {target} IS {};", quote_literal(c)),
        None => format!("COMMENT ON {target} IS NULL;"),
    }
}

pub(super) fn comment_if(out: &mut Vec<String>, target: &str, comment: &Option<String>) {
    if let Some(c) = comment {
        out.push(comment_on(target, Some(c)));
    }
}

/// The SQL spelling of a grantee. The owner is named (`owner`) for existing objects, or
/// `CURRENT_USER` for objects the migration creates.
fn grantee_sql(g: &Grantee, owner: &str) -> String {
    match g {
        Grantee::Owner => owner.to_string(),
        Grantee::Public => "PUBLIC".into(),
        Grantee::Role(r) => quote_ident(r),
    }
}

/// `GRANT`/`REVOKE` statements turning privileges `from` into `to` on an object.
/// `object` is e.g. `TABLE "s"."t"`, `columns` e.g. `Some("\"c\"")` for column privileges.
pub fn acl_changes(
    object: &str,
    columns: Option<&str>,
    from: &Acl,
    to: &Acl,
    owner: &str,
) -> Vec<String> {
    if from == to {
        return Vec::new();
    }
    let index = |acl: &Acl| -> BTreeMap<(Grantee, Name), bool> {
        acl.iter()
            .map(|p| ((p.grantee.clone(), p.privilege.clone()), p.grantable))
            .collect()
    };
    let (f, t) = (index(from), index(to));
    // (grantee, kind) -> privileges; kind: 0 revoke, 1 revoke grant option, 2 grant, 3 grant
    // with grant option.
    let mut groups: BTreeMap<(Grantee, u8), Vec<Name>> = BTreeMap::new();
    for ((g, p), fg) in &f {
        match t.get(&(g.clone(), p.clone())) {
            None => groups.entry((g.clone(), 0)).or_default().push(p.clone()),
            Some(tg) if *fg && !*tg => groups.entry((g.clone(), 1)).or_default().push(p.clone()),
            _ => {}
        }
    }
    for ((g, p), tg) in &t {
        match f.get(&(g.clone(), p.clone())) {
            None => groups
                .entry((g.clone(), if *tg { 3 } else { 2 }))
                .or_default()
                .push(p.clone()),
            Some(fg) if *tg && !*fg => groups.entry((g.clone(), 3)).or_default().push(p.clone()),
            _ => {}
        }
    }
    let cols = columns.map(|c| format!(" ({c})")).unwrap_or_default();
    let mut out = Vec::new();
    for ((g, kind), privs) in groups {
        let privs = privs
            .iter()
            .map(|p| format!("{p}{cols}"))
            .collect::<Vec<_>>()
            .join(", ");
        let who = grantee_sql(&g, owner);
        out.push(match kind {
            0 => format!("REVOKE {privs} ON {object} FROM {who};"),
            1 => format!("REVOKE GRANT OPTION FOR {privs} ON {object} FROM {who};"),
            2 => format!("GRANT {privs} ON {object} TO {who};"),
            _ => format!("GRANT {privs} ON {object} TO {who} WITH GRANT OPTION;"),
        });
    }
    // Revokes first, so that a privilege moving between grant options is never lost.
    out.sort_by_key(|s| !s.starts_with("REVOKE"));
    out
}

pub fn default_acl(cat: &Catalog, kind: &str) -> Acl {
    cat.default_acls.get(kind).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(v: &[(Grantee, &str, bool)]) -> Acl {
        v.iter()
            .map(|(g, p, grantable)| Privilege {
                grantee: g.clone(),
                privilege: (*p).into(),
                grantable: *grantable,
            })
            .collect()
    }

    #[test]
    fn privilege_changes_revoke_first_then_go_by_grantee() {
        let alice = Grantee::Role("alice".into());
        let from = acl(&[
            (Grantee::Owner, "SELECT", false),
            (Grantee::Public, "SELECT", false),
            (alice.clone(), "UPDATE", true),
        ]);
        let to = acl(&[
            (Grantee::Owner, "SELECT", true),
            (alice.clone(), "UPDATE", false),
            (alice, "INSERT", false),
        ]);
        assert_eq!(
            acl_changes("TABLE \"s\".\"t\"", None, &from, &to, "\"bob\""),
            [
                "REVOKE SELECT ON TABLE \"s\".\"t\" FROM PUBLIC;",
                "REVOKE GRANT OPTION FOR UPDATE ON TABLE \"s\".\"t\" FROM \"alice\";",
                "GRANT SELECT ON TABLE \"s\".\"t\" TO \"bob\" WITH GRANT OPTION;",
                "GRANT INSERT ON TABLE \"s\".\"t\" TO \"alice\";",
            ]
        );
        assert!(acl_changes("TABLE x", None, &from, &from, "o").is_empty());
    }

    #[test]
    fn column_privileges_name_the_column() {
        let to = acl(&[(Grantee::Public, "UPDATE", false)]);
        assert_eq!(
            acl_changes("TABLE x", Some("\"c\""), &Acl::new(), &to, "o"),
            ["GRANT UPDATE (\"c\") ON TABLE x TO PUBLIC;"]
        );
    }

    #[test]
    fn comments_are_quoted_literals() {
        assert_eq!(
            comment_on("TABLE x", Some("it's")),
            "COMMENT ON TABLE x IS 'it''s';"
        );
        assert_eq!(comment_on("TABLE x", None), "COMMENT ON TABLE x IS NULL;");
    }
}

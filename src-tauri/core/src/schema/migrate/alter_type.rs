//! Alters of user-defined types: enum values added in place (or the enum recreated through a
//! rename when the old values cannot keep their order), domain defaults / NOT NULL / checks,
//! composite attributes; range types are recreated when anything differs.
use super::alter::Alter;
use super::{hazards, Planner};
use crate::ident::quote_literal;
use crate::schema::ddl::{self, qi};
use crate::schema::model::*;
use crate::schema::statement::{stmt, stmts, MigrationStatement};

impl<'a> Planner<'a> {
    pub(super) fn alter_type(&mut self, a: &TypeDef, b: &TypeDef) -> Alter {
        let name = b.name.sql();
        let out = match (&a.kind, &b.kind) {
            (TypeKind::Enum { labels: fl }, TypeKind::Enum { labels: tl }) => {
                match enum_value_additions(&name, fl, tl) {
                    Some(v) => {
                        self.enum_additions.extend(v.iter().map(|s| s.sql.clone()));
                        let new = tl.iter().filter(|l| !fl.contains(l)).cloned();
                        self.added_labels.extend(new);
                        v
                    }
                    None => {
                        self.renamed_enums.insert(b.name.clone());
                        return Alter::Recreate;
                    }
                }
            }
            (TypeKind::Domain(fd), TypeKind::Domain(td)) => {
                if fd.base_type != td.base_type || fd.collation != td.collation {
                    return Alter::Recreate;
                }
                domain_changes(&b.name, fd, td)
            }
            (TypeKind::Composite { attributes: fa }, TypeKind::Composite { attributes: ta }) => {
                attribute_changes(&name, fa, ta)
            }
            (TypeKind::Range { .. }, TypeKind::Range { .. }) => {
                if a.kind != b.kind {
                    return Alter::Recreate;
                }
                Vec::new()
            }
            _ => return Alter::Recreate,
        };
        Alter::from_stmts(with_comment_and_privileges(out, a, b))
    }
}

/// `out`, then the type's comment and privilege changes.
fn with_comment_and_privileges(
    mut out: Vec<MigrationStatement>,
    a: &TypeDef,
    b: &TypeDef,
) -> Vec<MigrationStatement> {
    let name = b.name.sql();
    let target = format!("{} {name}", ddl::type_keyword(b));
    if a.comment != b.comment {
        out.push(stmt(ddl::comment_on(&target, b.comment.as_deref())));
    }
    out.extend(stmts(ddl::acl_changes(
        &format!("TYPE {name}"),
        None,
        &a.acl,
        &b.acl,
        &qi(&a.owner),
    )));
    out
}

/// `ADD VALUE` statements turning labels `fl` into `tl`, or None when that is impossible (a
/// value removed or the old values reordered).
fn enum_value_additions(
    name: &str,
    fl: &[String],
    tl: &[String],
) -> Option<Vec<MigrationStatement>> {
    let mut out = Vec::new();
    if fl == tl {
        return Some(out);
    }
    // Reachable with ADD VALUE when the old labels keep their order.
    let kept: Vec<&String> = tl.iter().filter(|l| fl.contains(l)).collect();
    if kept.len() != fl.len() || kept.iter().zip(fl).any(|(x, y)| *x != y) {
        return None;
    }
    for (i, l) in tl.iter().enumerate() {
        if fl.contains(l) {
            continue;
        }
        let next = tl[i + 1..].iter().find(|x| fl.contains(x));
        let sql = match next {
            Some(n) => format!(
                "ALTER TYPE {name} ADD VALUE {} BEFORE {};",
                quote_literal(l),
                quote_literal(n)
            ),
            None => format!("ALTER TYPE {name} ADD VALUE {};", quote_literal(l)),
        };
        out.push(stmt(sql));
    }
    Some(out)
}

/// Default, NOT NULL and check constraints of a domain with the same base type.
fn domain_changes(q: &QualName, fd: &Domain, td: &Domain) -> Vec<MigrationStatement> {
    let name = q.sql();
    let mut out = Vec::new();
    if fd.default != td.default {
        out.push(stmt(match &td.default {
            Some(d) => format!("ALTER DOMAIN {name} SET DEFAULT {d};"),
            None => format!("ALTER DOMAIN {name} DROP DEFAULT;"),
        }));
    }
    if fd.not_null != td.not_null {
        out.push(if td.not_null {
            stmt(format!("ALTER DOMAIN {name} SET NOT NULL;"))
                .with(hazards::domain_set_not_null(&name))
        } else {
            stmt(format!("ALTER DOMAIN {name} DROP NOT NULL;"))
        });
    }
    for (cn, c) in &fd.checks {
        match td.checks.get(cn) {
            Some(t) if t.definition == c.definition => {
                if t.comment != c.comment {
                    out.push(stmt(ddl::comment_on(
                        &format!("CONSTRAINT {} ON DOMAIN {name}", qi(cn)),
                        t.comment.as_deref(),
                    )));
                }
            }
            Some(t) if c.definition.strip_suffix(" NOT VALID") == Some(&t.definition) => {
                out.push(stmt(format!(
                    "ALTER DOMAIN {name} VALIDATE CONSTRAINT {};",
                    qi(cn)
                )));
            }
            _ => out.push(stmt(format!(
                "ALTER DOMAIN {name} DROP CONSTRAINT {};",
                qi(cn)
            ))),
        }
    }
    for (cn, c) in &td.checks {
        let replace = match fd.checks.get(cn) {
            None => true,
            Some(f) => {
                f.definition != c.definition
                    && f.definition.strip_suffix(" NOT VALID") != Some(&c.definition)
            }
        };
        if replace {
            let mut v = stmts(ddl::domain_check_add(q, cn, c));
            v[0].hazards.push(hazards::domain_add_check(&name, cn));
            out.extend(v);
        }
    }
    out
}

/// Attributes of a composite type dropped, added or changed.
fn attribute_changes(
    name: &str,
    fa: &[TypeAttribute],
    ta: &[TypeAttribute],
) -> Vec<MigrationStatement> {
    let mut out = Vec::new();
    for x in fa {
        if !ta.iter().any(|y| y.name == x.name) {
            out.push(stmt(format!(
                "ALTER TYPE {name} DROP ATTRIBUTE {};",
                qi(&x.name)
            )));
        }
    }
    for y in ta {
        match fa.iter().find(|x| x.name == y.name) {
            None => out.push(stmt(format!(
                "ALTER TYPE {name} ADD ATTRIBUTE {};",
                ddl::composite_attribute(y)
            ))),
            Some(x) if x != y => {
                let coll = y
                    .collation
                    .as_ref()
                    .map(|c| format!(" COLLATE {c}"))
                    .unwrap_or_default();
                out.push(stmt(format!(
                    "ALTER TYPE {name} ALTER ATTRIBUTE {} TYPE {}{coll};",
                    qi(&y.name),
                    y.type_name
                )));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn enum_values_are_added_before_the_next_kept_value() {
        let sql: Vec<String> = enum_value_additions(
            "\"s\".\"mood\"",
            &labels(&["sad", "ok"]),
            &labels(&["sad", "meh", "ok", "great"]),
        )
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
        assert_eq!(
            sql,
            [
                "ALTER TYPE \"s\".\"mood\" ADD VALUE 'meh' BEFORE 'ok';",
                "ALTER TYPE \"s\".\"mood\" ADD VALUE 'great';"
            ]
        );
    }

    #[test]
    fn an_enum_losing_or_reordering_values_is_recreated() {
        let from = labels(&["a", "b"]);
        assert!(enum_value_additions("e", &from, &labels(&["a"])).is_none());
        assert!(enum_value_additions("e", &from, &labels(&["b", "a"])).is_none());
        assert_eq!(enum_value_additions("e", &from, &from).unwrap().len(), 0);
    }
}

//! Enum, domain, composite and range types.
use super::{acl_changes, comment_if, qi};
use crate::ident::quote_literal;
use crate::schema::model::*;

pub fn type_keyword(t: &TypeDef) -> &'static str {
    match t.kind {
        TypeKind::Domain(_) => "DOMAIN",
        _ => "TYPE",
    }
}

pub fn enum_labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| quote_literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn composite_attribute(a: &TypeAttribute) -> String {
    let mut s = format!("{} {}", qi(&a.name), a.type_name);
    if let Some(c) = &a.collation {
        s.push_str(&format!(" COLLATE {c}"));
    }
    s
}

pub fn domain_check_add(name: &QualName, cname: &str, check: &DomainCheck) -> Vec<String> {
    let mut out = vec![format!(
        "ALTER DOMAIN {} ADD CONSTRAINT {} {};",
        name.sql(),
        qi(cname),
        super::stable_reparse(&check.definition)
    )];
    comment_if(
        &mut out,
        &format!("CONSTRAINT {} ON DOMAIN {}", qi(cname), name.sql()),
        &check.comment,
    );
    out
}

pub fn type_create(t: &TypeDef, defaults: &Acl) -> Vec<String> {
    let name = t.name.sql();
    let mut out = Vec::new();
    match &t.kind {
        TypeKind::Enum { labels } => {
            out.push(format!(
                "CREATE TYPE {name} AS ENUM ({});",
                enum_labels(labels)
            ));
        }
        TypeKind::Composite { attributes } => {
            out.push(format!(
                "CREATE TYPE {name} AS ({});",
                attributes
                    .iter()
                    .map(composite_attribute)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        TypeKind::Range {
            subtype,
            subtype_opclass,
            collation,
            canonical,
            subtype_diff,
            multirange,
        } => {
            let mut opts = vec![format!("subtype = {subtype}")];
            if let Some(o) = subtype_opclass {
                opts.push(format!("subtype_opclass = {o}"));
            }
            if let Some(c) = collation {
                opts.push(format!("collation = {c}"));
            }
            if let Some(c) = canonical {
                opts.push(format!("canonical = {c}"));
            }
            if let Some(c) = subtype_diff {
                opts.push(format!("subtype_diff = {c}"));
            }
            if let Some(m) = multirange {
                opts.push(format!("multirange_type_name = {m}"));
            }
            out.push(format!(
                "CREATE TYPE {name} AS RANGE ({});",
                opts.join(", ")
            ));
        }
        TypeKind::Domain(d) => {
            let mut s = format!("CREATE DOMAIN {name} AS {}", d.base_type);
            if let Some(c) = &d.collation {
                s.push_str(&format!(" COLLATE {c}"));
            }
            if let Some(def) = &d.default {
                s.push_str(&format!(" DEFAULT {def}"));
            }
            if d.not_null {
                s.push_str(" NOT NULL");
            }
            s.push(';');
            out.push(s);
            for (cname, check) in &d.checks {
                out.extend(domain_check_add(&t.name, cname, check));
            }
        }
    }
    let target = format!("{} {name}", type_keyword(t));
    comment_if(&mut out, &target, &t.comment);
    out.extend(acl_changes(
        &format!("TYPE {name}"),
        None,
        defaults,
        &t.acl,
        "CURRENT_USER",
    ));
    out
}

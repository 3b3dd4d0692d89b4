//! Schemas, extensions and collations.
use super::{acl_changes, comment_if, qi};
use crate::ident::quote_literal;
use crate::schema::model::*;

pub fn schema_create(s: &Schema, defaults: &Acl) -> Vec<String> {
    let target = format!("SCHEMA {}", qi(&s.name));
    let mut out = vec![format!("CREATE SCHEMA {};", qi(&s.name))];
    comment_if(&mut out, &target, &s.comment);
    out.extend(acl_changes(&target, None, defaults, &s.acl, "CURRENT_USER"));
    out
}

pub fn extension_create(e: &Extension) -> Vec<String> {
    vec![format!(
        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} VERSION {};",
        qi(&e.name),
        qi(&e.schema),
        quote_literal(&e.version)
    )]
}

pub fn collation_create(c: &Collation) -> Vec<String> {
    let mut opts = Vec::new();
    let lit = |s: &str| quote_literal(s);
    match c.provider.as_str() {
        "i" => {
            opts.push("provider = icu".to_string());
            if let Some(l) = &c.locale {
                opts.push(format!("locale = {}", lit(l)));
            }
            if let Some(r) = &c.icu_rules {
                opts.push(format!("rules = {}", lit(r)));
            }
        }
        "b" => {
            opts.push("provider = builtin".to_string());
            if let Some(l) = &c.locale {
                opts.push(format!("locale = {}", lit(l)));
            }
        }
        _ => {
            opts.push("provider = libc".to_string());
            if let Some(l) = &c.lc_collate {
                opts.push(format!("lc_collate = {}", lit(l)));
            }
            if let Some(l) = &c.lc_ctype {
                opts.push(format!("lc_ctype = {}", lit(l)));
            }
        }
    }
    if !c.deterministic {
        opts.push("deterministic = false".into());
    }
    let mut out = vec![format!(
        "CREATE COLLATION {} ({});",
        c.name.sql(),
        opts.join(", ")
    )];
    comment_if(&mut out, &format!("COLLATION {}", c.name.sql()), &c.comment);
    out
}

//! Schemas, extensions and collations; default privileges.
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

/// What `ALTER DEFAULT PRIVILEGES … ON <objects>` calls an object type of `pg_default_acl`.
pub fn default_privileges_objects(object_type: &str) -> Option<&'static str> {
    Some(match object_type {
        "r" => "TABLES",
        "S" => "SEQUENCES",
        "f" => "FUNCTIONS",
        "T" => "TYPES",
        "n" => "SCHEMAS",
        "L" => "LARGE OBJECTS",
        _ => return None,
    })
}

/// `ALTER DEFAULT PRIVILEGES FOR ROLE … [IN SCHEMA …] GRANT/REVOKE …` turning the default
/// privileges of `key` from `from` into `to` (both as in effect: for an entry of every schema,
/// the built-in default when there is none).
pub fn default_privileges_changes(key: &DefaultPrivilegesKey, from: &Acl, to: &Acl) -> Vec<String> {
    let Some(objects) = default_privileges_objects(&key.object_type) else {
        return Vec::new();
    };
    let prefix = match &key.schema {
        Some(s) => format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} ",
            qi(&key.role),
            qi(s)
        ),
        None => format!("ALTER DEFAULT PRIVILEGES FOR ROLE {} ", qi(&key.role)),
    };
    acl_changes(objects, None, from, to, &qi(&key.role))
        .into_iter()
        .map(|s| format!("{prefix}{s}"))
        .collect()
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

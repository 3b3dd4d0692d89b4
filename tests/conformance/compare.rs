//! Comparing two databases' schemas: normalised `pg_dump --schema-only` statements (where a
//! pg_dump of the server's version exists) or the catalog-query oracle, strict and loose
//! (column order inside a table ignored).
use grove_core::conn::Session;

/// pg_dump output without comments, SET lines, blank lines and `\restrict` lines, as a sorted
/// list of statements (pg_dump breaks ties between same-named objects by OID).
pub fn normalize_dump(text: &str) -> Vec<String> {
    let mut stmts = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut dollar: Option<String> = None;
    for line in text.lines() {
        if dollar.is_none()
            && cur.is_empty()
            && (line.trim().is_empty()
                || line.starts_with("--")
                || line.starts_with("SET ")
                || line.starts_with("SELECT pg_catalog.set_config(")
                || line.starts_with("\\restrict")
                || line.starts_with("\\unrestrict"))
        {
            continue;
        }
        if dollar.is_none() && line.trim().is_empty() {
            continue;
        }
        cur.push(line);
        // Track dollar quotes ($tag$ … $tag$).
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if j < b.len() && b[j] == b'$' {
                    let tag = &line[i..=j];
                    match &dollar {
                        None => dollar = Some(tag.to_string()),
                        Some(t) if t == tag => dollar = None,
                        _ => {}
                    }
                    i = j + 1;
                    continue;
                }
            }
            i += 1;
        }
        if dollar.is_none() && line.trim_end().ends_with(';') {
            stmts.push(cur.join("\n"));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        stmts.push(cur.join("\n"));
    }
    stmts.sort();
    stmts
}

/// The same statements with the column lines of each CREATE TABLE sorted.
pub fn loosen_dump(stmts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = stmts
        .iter()
        .map(|s| {
            let lines: Vec<&str> = s.lines().collect();
            if (s.starts_with("CREATE TABLE") || s.starts_with("CREATE UNLOGGED TABLE"))
                && lines.len() > 2
            {
                let mut mid: Vec<String> = lines[1..lines.len() - 1]
                    .iter()
                    .map(|l| l.trim_end_matches(',').to_string())
                    .collect();
                mid.sort();
                format!(
                    "{}\n{}\n{}",
                    lines[0],
                    mid.join("\n"),
                    lines[lines.len() - 1]
                )
            } else {
                s.clone()
            }
        })
        .collect();
    out.sort();
    out
}

pub fn loosen_oracle(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.starts_with("colorder "))
        .cloned()
        .collect()
}

pub fn difference(a: &[String], b: &[String]) -> String {
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        let mut y: Vec<&String> = y.iter().collect();
        let mut out = Vec::new();
        for s in x {
            if let Some(p) = y.iter().position(|t| *t == s) {
                y.remove(p);
            } else {
                out.push(s.clone());
            }
        }
        out
    };
    let clip = |s: &String| {
        let one = s.replace('\n', " ");
        if one.chars().count() > 300 {
            format!("{}…", one.chars().take(300).collect::<String>())
        } else {
            one
        }
    };
    let mut text = String::new();
    for s in only(a, b).iter().take(8) {
        text.push_str(&format!("\n      migrated only: {}", clip(s)));
    }
    for s in only(b, a).iter().take(8) {
        text.push_str(&format!("\n      target only:   {}", clip(s)));
    }
    text
}

/// The catalog-query oracle: one sorted line per fact, written independently of
/// `grove_core::schema::introspect` (different queries, PostgreSQL's own printers, owners
/// normalised away as in `pg_dump --no-owner`).
pub async fn oracle(s: &Session) -> Result<Vec<String>, String> {
    const USER: &str = "n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
    let not_ext = |cat: &str, oid: &str| {
        format!("NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{cat}'::regclass AND e.objid = {oid} AND e.deptype = 'e')")
    };
    let acl = |acl: &str, kind: &str, owner: &str| {
        format!(
            "(SELECT string_agg(p, ',' ORDER BY p) FROM (SELECT format('%s:%s:%s', CASE WHEN x.grantee = {owner} THEN 'OWNER' WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, x.privilege_type, x.is_grantable) AS p FROM aclexplode(coalesce({acl}, acldefault({kind}, {owner}))) x) x)"
        )
    };
    let queries = vec![
        format!("SELECT format('schema %I comment=%s acl=%s', n.nspname, obj_description(n.oid, 'pg_namespace'), {}) FROM pg_namespace n WHERE {USER}", acl("n.nspacl", "'n'", "n.nspowner")),
        "SELECT format('extension %I version=%s schema=%I', e.extname, e.extversion, n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace".into(),
        format!("SELECT format('collation %s %s comment=%s', c.oid::regcollation, (to_jsonb(c) - 'oid' - 'collowner' - 'collnamespace' - 'collname' - 'collversion')::text, obj_description(c.oid, 'pg_collation')) FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE {USER} AND {}", not_ext("pg_collation", "c.oid")),
        format!("SELECT format('relation %s kind=%s persistence=%s options=%s rls=%s force=%s replident=%s bound=%s partkey=%s comment=%s acl=%s', c.oid::regclass, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relreplident, pg_get_expr(c.relpartbound, c.oid), CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, obj_description(c.oid, 'pg_class'), CASE WHEN c.relkind IN ('r','p','v','m','f','S') THEN {} END) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','S','f','c') AND {USER} AND {}", acl("c.relacl", "(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::\"char\"", "c.relowner"), not_ext("pg_class", "c.oid")),
        format!("SELECT format('column %s.%I type=%s notnull=%s default=%s identity=%s generated=%s collation=%s storage=%s statistics=%s compression=%s local=%s comment=%s acl=%s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END, CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END, coalesce(a.attstattarget::int, -1), a.attcompression, CASE WHEN c.relispartition THEN NULL ELSE a.attislocal END, col_description(a.attrelid, a.attnum), (SELECT string_agg(p, ',' ORDER BY p) FROM (SELECT format('%s:%s:%s', CASE WHEN x.grantee = c.relowner THEN 'OWNER' WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, x.privilege_type, x.is_grantable) AS p FROM aclexplode(a.attacl) x) x)) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f','c') AND {USER} AND {}", not_ext("pg_class", "c.oid")),
        format!("SELECT format('colorder %s %s', c.oid::regclass, string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f','c') AND {USER} GROUP BY c.oid"),
        format!("SELECT format('constraint %s %I %s local=%s comment=%s', coalesce(co.conrelid::regclass::text, co.contypid::regtype::text), co.conname, pg_get_constraintdef(co.oid), co.conislocal, obj_description(co.oid, 'pg_constraint')) FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE co.contype <> 'n' AND {USER}"),
        format!("SELECT format('index %s clustered=%s replident=%s statistics=%s comment=%s', pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident, (SELECT string_agg(a.attnum || ':' || a.attstattarget, ',') FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget::int, -1) >= 0), obj_description(i.indexrelid, 'pg_class')) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER} AND {}", not_ext("pg_class", "c.oid")),
        format!("SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v','m') AND {USER} AND {}", not_ext("pg_class", "c.oid")),
        format!("SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s', s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER} AND {}", not_ext("pg_class", "c.oid")),
        "SELECT format('owned %s by %s.%I (%s)', d.objid::regclass, d.refobjid::regclass, a.attname, d.deptype) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S' JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0".into(),
        format!("SELECT format('function %s %s comment=%s acl=%s', p.oid::regprocedure, CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END, obj_description(p.oid, 'pg_proc'), {}) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {USER} AND {}", acl("p.proacl", "'f'", "p.proowner"), not_ext("pg_proc", "p.oid")),
        format!("SELECT format('trigger %s enabled=%s comment=%s', pg_get_triggerdef(t.oid), t.tgenabled, obj_description(t.oid, 'pg_trigger')) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND {USER}"),
        "SELECT format('policy %I.%I %I permissive=%s roles=%s cmd=%s qual=%s check=%s comment=%s', p.schemaname, p.tablename, p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check, obj_description(po.oid, 'pg_policy')) FROM pg_policies p JOIN pg_policy po ON po.polname = p.policyname AND po.polrelid = format('%I.%I', p.schemaname, p.tablename)::regclass".into(),
        format!("SELECT format('type %s kind=%s labels=%s base=%s notnull=%s default=%s range=%s comment=%s acl=%s', t.oid::regtype, t.typtype, (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typnotnull, t.typdefault, (SELECT format('%s %s %s %s %s', r.rngsubtype::regtype, r.rngsubopc, r.rngcollation, r.rngcanonical, r.rngsubdiff) FROM pg_range r WHERE r.rngtypid = t.oid), obj_description(t.oid, 'pg_type'), {}) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype IN ('e','d','r','c','b','m') AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') AND {USER} AND {}", acl("t.typacl", "'T'", "t.typowner"), not_ext("pg_type", "t.oid")),
        // Parents in order (numbering gaps left by NO INHERIT are invisible).
        "SELECT format('inherits %s %s', i.inhrelid::regclass, string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r','p','f') GROUP BY i.inhrelid".into(),
        "SELECT format('rule %s', pg_get_ruledef(r.oid)) FROM pg_rewrite r WHERE r.rulename <> '_RETURN' AND r.oid >= 16384".into(),
        "SELECT format('statistics %s', pg_get_statisticsobjdef(s.oid)) FROM pg_statistic_ext s".into(),
        // Default privileges: the role's own, as granted, by role, schema and kind.
        "SELECT format('default acl %s in %s on %s: %s', d.defaclrole::regrole, coalesce(quote_ident(n.nspname), '-'), d.defaclobjtype, (SELECT string_agg(p, ',' ORDER BY p) FROM (SELECT format('%s:%s:%s', CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, x.privilege_type, x.is_grantable) AS p FROM aclexplode(d.defaclacl) x) x)) FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace".into(),
        // Aggregates: their pg_aggregate row (support functions by name; types and the sort
        // operator through their printers, not by OID).
        format!("SELECT format('aggregate %s parallel=%s %s stype=%s mstype=%s sortop=%s', p.oid::regprocedure, p.proparallel, (to_jsonb(a) - 'aggfnoid' - 'aggtranstype' - 'aggmtranstype' - 'aggsortop')::text, format_type(a.aggtranstype, NULL), format_type(a.aggmtranstype, NULL), CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoperator::text END) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {USER} AND {}", not_ext("pg_proc", "p.oid")),
    ];
    s.batch_execute("SET search_path = ''")
        .await
        .map_err(|e| format!("oracle: {e}"))?;
    let mut lines = Vec::new();
    for q in queries {
        let rows = s
            .query(q.as_str(), &[])
            .await
            .map_err(|e| format!("oracle query failed: {e:?}\n{q}"))?;
        for r in rows {
            let l: Option<String> = r.get(0);
            lines.extend(l);
        }
    }
    lines.sort();
    Ok(lines)
}

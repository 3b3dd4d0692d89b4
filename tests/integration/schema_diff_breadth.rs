//! Schema diff breadth against real PostgreSQL 15 and 18: aggregates, default privileges,
//! domains whose CHECK calls a function, the position of added columns, indexes of
//! partitioned tables, enum values used in the migration that adds them, type changes
//! without a cast.
use crate::for_each_version;
use crate::schema_diff::{apply_and_recheck, diff, load, position};
use grove_core::schema::HazardKind;

#[tokio::test]
async fn a_domain_whose_check_calls_a_function_is_created_after_the_function() {
    for_each_version!(|pg| {
        let a = load(pg, "SELECT 1").await;
        let b = load(
            pg,
            "CREATE FUNCTION valid_id(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                 AS $$ BEGIN RETURN v LIKE 'id\\_%'; END $$;
             CREATE DOMAIN custom_id AS text CHECK (valid_id(VALUE));
             CREATE TABLE t (id custom_id);",
        )
        .await;
        let d = diff(&a, &b).await;
        assert!(
            position(&d, "FUNCTION public.valid_id") < position(&d, "CREATE DOMAIN"),
            "{}",
            d.migration_sql()
        );
        apply_and_recheck(&a, &b, &d).await;
    });
}

const AGGREGATES: &str = "
    CREATE FUNCTION num_add(numeric, numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
        AS 'SELECT $1 + $2';
    CREATE FUNCTION num_sub(numeric, numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
        AS 'SELECT $1 - $2';
    CREATE AGGREGATE my_sum(numeric) (SFUNC = num_add, STYPE = numeric, INITCOND = '0',
        COMBINEFUNC = num_add, MSFUNC = num_add, MINVFUNC = num_sub, MSTYPE = numeric,
        MINITCOND = '0', PARALLEL = SAFE);
    CREATE AGGREGATE my_max(integer) (SFUNC = int4larger, STYPE = integer,
        SORTOP = >);
    CREATE FUNCTION tick(text) RETURNS text LANGUAGE sql AS 'SELECT $1 || ''x''';
    CREATE AGGREGATE my_count(*) (SFUNC = tick, STYPE = text, INITCOND = '');
    COMMENT ON AGGREGATE my_count(*) IS 'counts';
    CREATE AGGREGATE my_pct(float8 ORDER BY anyelement) (SFUNC = ordered_set_transition,
        STYPE = internal, FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
    REVOKE ALL ON FUNCTION my_sum(numeric) FROM PUBLIC;
";

#[tokio::test]
async fn aggregates_are_created_commented_and_dropped_with_their_functions() {
    for_each_version!(|pg| {
        let a = load(pg, "SELECT 1").await;
        let b = load(pg, AGGREGATES).await;
        let d = diff(&a, &b).await;
        let sql = d.migration_sql();
        assert!(sql.contains("CREATE OR REPLACE AGGREGATE"), "{sql}");
        assert!(
            position(&d, "FUNCTION public.num_add") < position(&d, "\"my_sum\"(numeric)"),
            "{sql}"
        );
        apply_and_recheck(&a, &b, &d).await;
        // Back: the aggregates go before the functions they use.
        let empty = load(pg, "SELECT 1").await;
        let d = diff(&b, &empty).await;
        assert!(
            position(&d, "DROP AGGREGATE \"public\".\"my_sum\"(numeric)")
                < position(&d, "DROP FUNCTION \"public\".\"num_add\""),
            "{}",
            d.migration_sql()
        );
        assert!(d
            .migration_sql()
            .contains("DROP AGGREGATE \"public\".\"my_count\"(*)"));
        apply_and_recheck(&b, &empty, &d).await;
    });
}

#[tokio::test]
async fn a_changed_aggregate_is_replaced() {
    for_each_version!(|pg| {
        let a = load(pg, AGGREGATES).await;
        let b = load(
            pg,
            &AGGREGATES
                .replace("INITCOND = '0',", "INITCOND = '1',")
                .replace("IS 'counts'", "IS 'counts rows'"),
        )
        .await;
        let d = diff(&a, &b).await;
        assert!(
            d.migration_sql().contains("INITCOND = '1'"),
            "{}",
            d.migration_sql()
        );
        apply_and_recheck(&a, &b, &d).await;
    });
}

/// The columns of `table` in order, read from the catalog.
async fn column_order(s: &grove_core::conn::Session, table: &str) -> Vec<String> {
    s.query(
        "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::text::regclass
           AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        &[&table],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn added_columns_come_in_the_order_of_the_target() {
    for_each_version!(|pg| {
        let a = load(pg, "CREATE TABLE t (id int); CREATE TABLE u (b int);").await;
        let b = load(
            pg,
            "CREATE TABLE t (id int, zeta text, alpha int DEFAULT 1, mid date);
             CREATE TABLE u (\"a\nb\" int, b int, c int);",
        )
        .await;
        let d = diff(&a, &b).await;
        let sql = d.migration_sql();
        // Where the target's order can be had, no note; where not, one (on one line).
        assert!(
            !sql.contains("column order: TO has \"public\".\"t\""),
            "{sql}"
        );
        assert!(
            sql.contains("-- column order: TO has \"public\".\"u\" (\"a b\", \"b\", \"c\")"),
            "{sql}"
        );
        apply_and_recheck(&a, &b, &d).await;
        assert_eq!(column_order(&a, "t").await, ["id", "zeta", "alpha", "mid"]);
        assert_eq!(column_order(&a, "u").await, ["b", "a\nb", "c"]);
    });
}

/// `pg_default_acl` as text, read without the differ.
async fn default_acl_facts(s: &grove_core::conn::Session) -> Vec<String> {
    s.query(
        "SELECT format('%s %s %s %s', d.defaclrole::regrole, n.nspname, d.defaclobjtype,
                (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(d.defaclacl) a))
         FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn default_privileges_are_changed_before_the_objects_that_get_them_are_created() {
    for_each_version!(|pg| {
        for r in ["grove_dp_reader", "grove_dp_owner"] {
            crate::harness::create_role(pg, r, "unused").await;
        }
        let a = load(
            pg,
            "CREATE SCHEMA s1;
             ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO grove_dp_reader;
             ALTER DEFAULT PRIVILEGES IN SCHEMA s1 GRANT SELECT ON TABLES TO grove_dp_reader;
             ALTER DEFAULT PRIVILEGES FOR ROLE grove_dp_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
        )
        .await;
        let b = load(
            pg,
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public
                 GRANT SELECT, INSERT ON TABLES TO grove_dp_reader WITH GRANT OPTION;
             ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO grove_dp_reader;
             CREATE SCHEMA s2;
             ALTER DEFAULT PRIVILEGES IN SCHEMA s2 GRANT USAGE ON TYPES TO grove_dp_reader;
             CREATE TABLE secrets (id int);
             REVOKE SELECT ON secrets FROM grove_dp_reader;
             CREATE TABLE plain (id int);
             CREATE SEQUENCE sq;
             CREATE TYPE s2.mood AS ENUM ('ok');",
        )
        .await;
        let d = diff(&a, &b).await;
        let sql = d.migration_sql();
        assert!(
            position(&d, "CREATE SCHEMA \"s2\"")
                < position(&d, "IN SCHEMA \"s2\" GRANT USAGE ON TYPES")
                && position(&d, "GRANT USAGE ON SEQUENCES") < position(&d, "CREATE TABLE"),
            "{sql}"
        );
        assert!(sql.contains("ALTER DEFAULT PRIVILEGES FOR ROLE \"grove_dp_owner\" GRANT EXECUTE ON FUNCTIONS TO PUBLIC;"), "{sql}");
        assert!(
            !sql.contains("IN SCHEMA \"s1\""),
            "dropped with its schema: {sql}"
        );
        apply_and_recheck(&a, &b, &d).await;
        assert_eq!(default_acl_facts(&a).await, default_acl_facts(&b).await);
        // Default privileges alone are a difference too.
        let empty = load(pg, "SELECT 1").await;
        let only = load(
            pg,
            "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO grove_dp_reader;",
        )
        .await;
        let d = diff(&empty, &only).await;
        assert!(
            !d.is_empty() && d.summary() != "no differences",
            "{}",
            d.summary()
        );
        apply_and_recheck(&empty, &only, &d).await;
    });
}

#[tokio::test]
async fn enum_values_used_in_the_migration_that_adds_them_are_committed_first() {
    for_each_version!(|pg| {
        let a = load(
            pg,
            "CREATE TYPE st AS ENUM ('new'); CREATE TABLE t (s st DEFAULT 'new');",
        )
        .await;
        let b = load(
            pg,
            "CREATE TYPE st AS ENUM ('new', 'done');
             CREATE TABLE t (s st DEFAULT 'done', CHECK (s <> 'done' OR true));
             CREATE VIEW v AS SELECT * FROM t WHERE s = 'done';",
        )
        .await;
        let d = diff(&a, &b).await;
        let sql = d.migration_sql();
        let commit = position(&d, "COMMIT;");
        assert!(position(&d, "ADD VALUE 'done'") < commit, "{sql}");
        assert!(commit < position(&d, "SET DEFAULT 'done'"), "{sql}");
        assert!(
            !d.migration[commit].hazards.is_empty(),
            "the step is marked: {sql}"
        );
        apply_and_recheck(&a, &b, &d).await;
    });
}

#[tokio::test]
async fn a_type_change_without_a_cast_drops_and_adds_the_column_as_data_loss() {
    for_each_version!(|pg| {
        let a = load(
            pg,
            "CREATE TABLE t (id int, d integer, n integer, b boolean);
             INSERT INTO t VALUES (1, 20240101, 5, true);",
        )
        .await;
        let b = load(pg, "CREATE TABLE t (id int, d date, n bigint, b integer);").await;
        let d = diff(&a, &b).await;
        let sql = d.migration_sql();
        let drop = position(&d, "DROP COLUMN \"d\"");
        assert!(
            d.migration[drop]
                .hazards
                .iter()
                .any(|h| h.kind == HazardKind::DataLoss
                    && h.message.contains("no cast from integer to date")),
            "{sql}"
        );
        assert!(position(&d, "ADD COLUMN \"d\" date") > drop, "{sql}");
        assert!(!sql.contains("USING \"d\""), "{sql}");
        assert!(sql.contains("TYPE bigint USING \"n\"::bigint"), "{sql}");
        assert!(sql.contains("TYPE integer USING \"b\"::integer"), "{sql}");
        apply_and_recheck(&a, &b, &d).await;
    });
}

#[tokio::test]
async fn a_primary_key_without_overlaps_keeps_its_period() {
    // WITHOUT OVERLAPS is new in PostgreSQL 18.
    let pg = crate::harness::server(18).await;
    let a = load(
        pg,
        "CREATE EXTENSION btree_gist; CREATE TABLE r (id int, p daterange);",
    )
    .await;
    let b = load(
        pg,
        "CREATE EXTENSION btree_gist;
         CREATE TABLE r (id int, p daterange, PRIMARY KEY (id, p WITHOUT OVERLAPS));",
    )
    .await;
    let d = diff(&a, &b).await;
    assert!(
        d.migration_sql()
            .contains("PRIMARY KEY (id, p WITHOUT OVERLAPS)"),
        "{}",
        d.migration_sql()
    );
    apply_and_recheck(&a, &b, &d).await;
}

const PARTITIONS: &str = "
    CREATE TABLE m (id int NOT NULL, at date NOT NULL, v text) PARTITION BY RANGE (at);
    CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
";

/// The indexes of `table` as (name, attached to a parent index).
async fn partition_indexes(s: &grove_core::conn::Session, table: &str) -> Vec<(String, bool)> {
    s.query(
        "SELECT c.relname::text, c.relispartition FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = $1::text::regclass ORDER BY 1",
        &[&table],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[tokio::test]
async fn indexes_and_keys_of_a_partitioned_table_attach_those_the_partitions_have() {
    for_each_version!(|pg| {
        let own = "CREATE INDEX m_2024_v_idx ON m_2024 (v);
             ALTER TABLE m_2024 ADD CONSTRAINT m_2024_pkey PRIMARY KEY (id, at);
             CREATE UNIQUE INDEX m_2025_key ON m_2025 (id, at);";
        let a = load(pg, &format!("{PARTITIONS}{own}")).await;
        let b = load(
            pg,
            &format!(
                "{PARTITIONS}{own}
                 CREATE INDEX m_v_idx ON m (v);
                 ALTER TABLE m ADD PRIMARY KEY (id, at);"
            ),
        )
        .await;
        let d = diff(&a, &b).await;
        let sql = d.migration_sql();
        assert!(!sql.contains("DROP INDEX"), "attached, not rebuilt: {sql}");
        assert!(
            !sql.contains("DROP CONSTRAINT"),
            "attached, not rebuilt: {sql}"
        );
        apply_and_recheck(&a, &b, &d).await;
        for p in ["m_2024", "m_2025"] {
            assert_eq!(
                partition_indexes(&a, p).await,
                partition_indexes(&b, p).await
            );
        }
        assert!(partition_indexes(&a, "m_2024")
            .await
            .iter()
            .all(|(_, attached)| *attached));
    });
}

#[tokio::test]
async fn a_varchar_in_list_parses_back_into_the_same_definition() {
    for_each_version!(|pg| {
        let a = load(pg, "CREATE TABLE o (status varchar(10));").await;
        let b = load(
            pg,
            "CREATE TABLE o (status varchar(10) CHECK (status IN ('new', 'it''s')));
             CREATE INDEX o_open ON o (status) WHERE status IN ('new', 'open');
             CREATE VIEW v AS SELECT * FROM o WHERE status IN ('new', 'done');
             CREATE DOMAIN d AS varchar(5) CHECK (VALUE IN ('x', 'y'));",
        )
        .await;
        let d = diff(&a, &b).await;
        apply_and_recheck(&a, &b, &d).await;
    });
}

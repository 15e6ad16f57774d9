"""PostgreSQL: the single-entry append as a server-side function (see `yimen.ledger.store.append_one`).

It does what `merkle.Frontier.append` and `store.append_write` do for one entry, in one round trip: lock
the head row, write the entry and its leaf, hash up the perfect subtrees the leaf completes, move the
head. The head row is then locked only for the function's own few microseconds and the commit, not for
two round trips and the Python in between. SQLite has no such functions; it keeps the Python path.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION ledger_append_one(
    p_leaf bytea, p_kind varchar, p_subject varchar, p_actor varchar, p_time timestamptz, p_digest varchar
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
    v_size bigint;
    v_frontier bytea;
    v_count integer;
    v_hash bytea := p_leaf;
    v_level integer := 0;
    v_root bytea;
BEGIN
    SELECT "size", "frontier" INTO v_size, v_frontier FROM "ledger_head" WHERE "id" = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;  -- no head row yet: the caller creates it (see services._head_for_update)
    END IF;
    v_count := length(v_frontier) / 32;
    IF v_count <> length(replace(v_size::bit(64)::text, '0', '')) THEN
        RAISE EXCEPTION 'ledger head frontier has % hashes for size %', v_count, v_size;
    END IF;
    INSERT INTO "ledger_entry" ("index", "kind", "subject", "actor", "time", "digest")
        VALUES (v_size, p_kind, p_subject, p_actor, p_time, p_digest);
    INSERT INTO "ledger_node" ("level", "index", "hash") VALUES (0, v_size, p_leaf);
    -- Each trailing 1 bit of the index completes a perfect subtree with the frontier's last hash.
    WHILE ((v_size >> v_level) & 1) = 1 LOOP
        v_hash := sha256('\x01'::bytea || substring(v_frontier FROM (v_count - 1) * 32 + 1 FOR 32) || v_hash);
        v_count := v_count - 1;
        v_frontier := substring(v_frontier FROM 1 FOR v_count * 32);
        v_level := v_level + 1;
        INSERT INTO "ledger_node" ("level", "index", "hash") VALUES (v_level, v_size >> v_level, v_hash);
    END LOOP;
    v_frontier := v_frontier || v_hash;
    v_count := v_count + 1;
    -- The root folds the frontier from the right: node(h1, node(h2, ... node(h_{k-1}, h_k))).
    v_root := substring(v_frontier FROM (v_count - 1) * 32 + 1 FOR 32);
    FOR i IN REVERSE v_count - 1 .. 1 LOOP
        v_root := sha256('\x01'::bytea || substring(v_frontier FROM (i - 1) * 32 + 1 FOR 32) || v_root);
    END LOOP;
    UPDATE "ledger_head" SET "size" = v_size + 1, "frontier" = v_frontier, "root" = v_root WHERE "id" = 1;
    RETURN v_size;
END
$fn$;
"""
DROP = "DROP FUNCTION IF EXISTS ledger_append_one(bytea, varchar, varchar, varchar, timestamptz, varchar);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # the SQL has RAISE placeholders (%), not parameters


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]

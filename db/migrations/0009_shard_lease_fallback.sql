-- Up Migration
-- Shard ownership of record for the lease quorum's fallback (docs/leases.md).
-- Every replica that holds a shard, whether Redis is up or not, keeps a row
-- here whose expiry is on the database's clock; a row can be taken only once
-- it has expired (or by its own owner). Rows, not advisory locks: a
-- session-level lock held by a frozen process's still-open connection would
-- never be released, while a frozen owner's row simply expires.

CREATE TABLE realtime_shard_leases (
  lease_prefix text NOT NULL,
  shard integer NOT NULL CHECK (shard >= 0),
  owner text NOT NULL,
  -- New at every take: a renewal or release names the hold it means, so a
  -- late statement about an earlier hold of the same owner changes nothing.
  token text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (lease_prefix, shard)
);

-- Membership as PostgreSQL sees it: the fair share is computed from these
-- rows while the Redis quorum is unreachable. mode says which coordination
-- the replica used in its last round (redis or postgres), for on-call.
CREATE TABLE realtime_lease_members (
  lease_prefix text NOT NULL,
  member text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('redis', 'postgres')),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (lease_prefix, member)
);


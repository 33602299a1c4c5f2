-- Down Migration of 0009_shard_lease_fallback: releases before 0009 coordinate
-- shards through Redis only. The rows expire within seconds anyway.
DROP TABLE realtime_lease_members;
DROP TABLE realtime_shard_leases;

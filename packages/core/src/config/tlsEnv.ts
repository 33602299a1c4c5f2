import { caFileField } from './fields.ts';

/**
 * CA bundles of a private CA for the connections to PostgreSQL and Redis
 * (mounted from a Secret or ConfigMap; see the chart's `tls` values). Spread
 * into a service's config shape; combine with withDatabaseCaFile and redisCaFileOf.
 */
export const tlsEnvShape = {
  DATABASE_CA_FILE: caFileField.optional(),
  REDIS_CA_FILE: caFileField.optional(),
};

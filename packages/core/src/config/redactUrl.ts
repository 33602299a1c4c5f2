const notShown = '(not a URL, not shown)';

/** Query parameters that carry credentials in connection strings (libpq's `password`, `sslpassword`, …). */
const secretParam = /pass|secret|token|key/i;

/**
 * A connection string fit for a log or the console: the password and any
 * credential-bearing query parameter replaced by `***`. Something that is
 * not a URL with a host (`user:password@db` parses as scheme `user:`) is not
 * shown at all, since its secret part cannot be told apart.
 */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return notShown;
  }
  if (url.host === '') return notShown;
  if (url.password !== '') url.password = '***';
  for (const name of [...url.searchParams.keys()])
    if (secretParam.test(name)) url.searchParams.set(name, '***');
  return url.toString();
}

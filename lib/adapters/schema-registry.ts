// The one client of a Confluent-compatible schema registry (Confluent Schema Registry, Karapace,
// Apicurio's ccompat API, Redpanda): registers a schema under a subject and returns its id, which
// is what the wire format carries. Registering the same schema again returns the same id.
import { miroirError } from '#core/errors.ts';

export async function registerSchema(baseUrl: string, subject: string, schema: object): Promise<number> {
  const url = `${baseUrl.replace(/\/+$/, '')}/subjects/${encodeURIComponent(subject)}/versions`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(schema) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw miroirError(
      'miroir_log_unavailable',
      `The schema registry at ${baseUrl} cannot be reached: ${String(err)}.`,
    );
  }
  const body = (await res.json().catch(() => ({}))) as { id?: unknown; message?: unknown };
  if (!res.ok || typeof body.id !== 'number')
    throw miroirError(
      'miroir_log_unavailable',
      `The schema registry at ${baseUrl} refused subject \`${subject}\` (${res.status}): ${typeof body.message === 'string' ? body.message : 'no id in the answer'}.`,
    );
  return body.id;
}

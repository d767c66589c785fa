import { z } from 'zod';

/**
 * A receiver's secret (bot token, routing key, ...) as written in the config file: a REFERENCE to where the
 * secret lives, `{ env: NAME }` or `{ file: PATH }`, resolved by `NotifierDeps.secrets` when the notifier is
 * created. A literal value is rejected: it would sit in the config file, in backups and in diffs.
 * Messages never repeat the rejected value (it may be the secret).
 */

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretRefExample {
  /** e.g. SLACK_BOT_TOKEN */
  readonly env: string;
  /** e.g. /run/secrets/slack-bot-token */
  readonly file: string;
}

/** Schema of one secret reference; `field` and `example` make the messages say exactly what to write. */
export function secretRef(field: string, example: SecretRefExample) {
  const hint = `write ${field}: { env: ${example.env} } or ${field}: { file: ${example.file} }`;
  return z
    .strictObject(
      {
        env: z.string().regex(ENV_NAME_RE, { error: `is not an environment variable name\n${hint}` }).optional(),
        file: z.string().min(1, { error: `is empty\n${hint}` }).optional(),
      },
      {
        error: (issue) => {
          if (issue.code !== 'invalid_type') return undefined;
          return typeof issue.input === 'string' || typeof issue.input === 'number'
            ? `must not hold the secret itself (it would sit in the config file and could leak)\n${hint}`
            : `must say where to read the secret\n${hint}`;
        },
      },
    )
    .refine((ref) => (ref.env === undefined) !== (ref.file === undefined), {
      error: `must name exactly one of env or file\n${hint}`,
    })
    .meta({ description: `Where to read the secret: { env: ${example.env} } or { file: ${example.file} }. Never the secret itself.` });
}

export type SecretRef = z.infer<ReturnType<typeof secretRef>>;

/**
 * Replaces every occurrence of the secrets in `text` (belt and braces: messages are built without secrets,
 * but an SDK or the network stack could echo one).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/** The reference in the shape `SecretResolver` takes (exactly one of env/file, no undefined members). */
export function secretSource(ref: SecretRef): { readonly env: string } | { readonly file: string } {
  return ref.env !== undefined ? { env: ref.env } : { file: ref.file ?? '' };
}

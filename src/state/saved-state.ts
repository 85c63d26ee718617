import { z } from 'zod';

// The state file's format (`stateFile:`): what an operator and the health checks changed at
// runtime, per pool. It also carries runtime state from one program generation to the next at an
// upgrade. Read back with this schema: anything that does not match is a corrupt file.

const savedTarget = z
  .object({
    id: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    weight: z.number().int().min(0),
    backup: z.boolean(),
    maxConnections: z.number().int().positive().optional(),
    admin: z.enum(['ready', 'drain', 'maint']),
    /** The last known health: stale once read back, until the next check confirms it. */
    health: z.enum(['unknown', 'healthy', 'unhealthy']),
    /** When that health was last set (ms since the epoch). */
    healthSince: z.number().optional(),
  })
  .strict();

const savedPool = z
  .object({
    /** Membership or weights were changed at runtime: `targets` is the membership to restore. */
    changedAtRuntime: z.boolean(),
    targets: z.array(savedTarget),
  })
  .strict();

export const savedStateSchema = z
  .object({
    format: z.literal('tcp-loadbalancer-state'),
    version: z.literal(1),
    savedAt: z.string(),
    pools: z.record(z.string(), savedPool),
  })
  .strict();

export type SavedState = z.infer<typeof savedStateSchema>;
export type SavedPool = z.infer<typeof savedPool>;
export type SavedTarget = z.infer<typeof savedTarget>;

/** Parses a state file's text: the state, or why it cannot be used (a warning, never fatal). */
export function parseSavedState(text: string): { ok: true; state: SavedState } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, why: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const r = savedStateSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { ok: false, why: `not a state file: ${i.path.join('.') || '(top)'}: ${i.message}` };
  }
  return { ok: true, state: r.data };
}

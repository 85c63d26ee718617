import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A temporary directory holding config files; `remove()` deletes it. */
export function configDir(): {
  dir: string;
  /** Writes `name` (YAML from an object, or text as is) and returns its path. */
  write: (name: string, content: unknown) => string;
  /** Writes through a temporary file and a rename, as editors and config managers do. */
  replace: (name: string, content: unknown) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'lb-config-'));
  const text = (content: unknown): string => (typeof content === 'string' ? content : stringify(content));
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, text(content));
    return file;
  };
  return {
    dir,
    write,
    replace: (name, content) => {
      const tmp = write(`.${name}.tmp`, content);
      renameSync(tmp, join(dir, name));
      return join(dir, name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

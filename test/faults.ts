/**
 * Fault injection for the reliability tests: a small file system that fills up (a tmpfs of a given size) and a
 * read-only one (the same, remounted read-only). Both need mount(2): root with CAP_SYS_ADMIN, as in CI's container.
 * Elsewhere the helpers answer with the reason, and the suite skips visibly (see docs/notes/reliability.md).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MountedFolder {
  dir: string;
  /** Remounts the folder read-only (EROFS for every writer, root included). */
  makeReadOnly(): void;
  unmount(): void;
}

let probed: string | null | undefined;

/** Why tmpfs folders cannot be mounted here, or null when they can. */
export function mountUnavailableReason(): string | null {
  if (probed !== undefined) return probed;
  if (process.platform !== 'linux') return (probed = `mounting a tmpfs needs Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return (probed = 'mounting a tmpfs needs root (CAP_SYS_ADMIN)');
  try {
    const m = mountTmpfs(64 * 1024);
    m.unmount();
    probed = null;
  } catch (err) {
    probed = `mount -t tmpfs is not permitted here: ${(err as Error).message.split('\n')[0]}`;
  }
  return probed;
}

/** A tmpfs of `bytes` (rounded up to pages by the kernel) mounted on a new temporary folder. */
export function mountTmpfs(bytes: number): MountedFolder {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  let mounted = true;
  return {
    dir,
    makeReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' }),
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * SQLite's WAL mode needs shared memory between the processes using a file, which network file systems do not
 * provide reliably (https://www.sqlite.org/wal.html, "WAL does not work over a network filesystem"). A library
 * found on a share is opened with the rollback journal instead and the user is warned.
 *
 * Detection: Windows UNC paths (\\server\share); on Linux the file system type of the longest matching mount
 * point in /proc/mounts. Mapped Windows drive letters and macOS network mounts are not detected (documented).
 */
const NETWORK_FS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'fuse.sshfs', 'sshfs', 'afs', 'ceph', 'glusterfs', 'fuse.glusterfs', 'davfs', 'fuse.davfs2', '9p', 'ncpfs', 'lustre', 'gpfs', 'fuse.rclone', 'fuse.s3fs']);

export function parseMounts(text: string): Array<{ mountPoint: string; type: string }> {
  const out: Array<{ mountPoint: string; type: string }> = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts.length < 3) continue;
    // /proc/mounts escapes spaces as \040.
    out.push({ mountPoint: parts[1]!.replace(/\\040/g, ' '), type: parts[2]! });
  }
  return out;
}

/** The network file system type under `path`, or undefined when local (or unknown). */
export function networkFilesystemOf(path: string, mountsText?: string, platform: string = process.platform): string | undefined {
  if (/^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(path) && (platform === 'win32' || path.startsWith('\\\\'))) return 'smb (UNC path)';
  if (platform !== 'linux') return undefined;
  let text = mountsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/mounts', 'utf8');
    } catch {
      return undefined;
    }
  }
  let real = resolve(path);
  try {
    real = realpathSync(dirname(real));
  } catch {
    real = dirname(real);
  }
  let best: { mountPoint: string; type: string } | undefined;
  for (const m of parseMounts(text)) {
    const mp = m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`;
    if ((real + '/').startsWith(mp) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best && NETWORK_FS.has(best.type) ? best.type : undefined;
}

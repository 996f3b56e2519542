import { open } from 'node:fs/promises';
import { SpecmatchError } from '../../errors.js';
import type { ReadResult } from '../../formats/FormatReader.js';
import { MAX_FILE_BYTES, readSpectra } from '../../formats/readSpectra.js';

/** Read a file's bytes with the size limit checked before reading (a 50 GB file is refused, not loaded). */
export async function readFileBytes(path: string, maxBytes = MAX_FILE_BYTES): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new SpecmatchError('E_READ', `${path}: cannot read: ${why}`, { file: path, cause: err });
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new SpecmatchError('E_READ', `${path}: cannot read: is a directory`, { file: path });
    if (st.size > maxBytes) throw new SpecmatchError('E_TOO_LARGE', `${path}: file is ${st.size} bytes, over the ${maxBytes}-byte limit`, { file: path });
    const buf = await handle.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if (err instanceof SpecmatchError) throw err;
    throw new SpecmatchError('E_READ', `${path}: cannot read: ${(err as Error).message}`, { file: path, cause: err });
  } finally {
    await handle.close();
  }
}

/** Read and parse a spectrum file from disk. Throws only SpecmatchError. */
export async function readSpectrumFile(path: string, opts: { format?: string } = {}): Promise<ReadResult> {
  const bytes = await readFileBytes(path);
  return readSpectra(bytes, path, opts);
}

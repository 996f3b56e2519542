import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import type { JobInfo } from '../../../ipc/contract.js';
import { JobManager } from '../JobManager.js';

describe('JobManager', () => {
  it('answers at once, publishes progress, and ends done with the summary', async () => {
    const events: JobInfo[] = [];
    const jobs = new JobManager((j) => events.push(j), 0);
    let bodyStarted = false;
    const job = jobs.start('import', 'Importing 3 files', async (ctx) => {
      bodyStarted = true;
      for (let i = 1; i <= 3; i++) {
        ctx.progress({ done: i, total: 3, phase: `file ${i}` });
        await new Promise((r) => setTimeout(r, 1));
      }
      ctx.fileError({ file: 'b.txt', code: 'E_CORRUPT', message: 'bad' });
      return '2 spectra imported';
    });
    expect(job.state).toBe('running');
    expect(bodyStarted).toBe(false);
    const end = await jobs.settled(job.id);
    expect(end.state).toBe('done');
    expect(end.summary).toBe('2 spectra imported');
    expect(end.fileErrors).toEqual([{ file: 'b.txt', code: 'E_CORRUPT', message: 'bad' }]);
    expect(events.some((e) => e.phase === 'file 2' && e.done === 2)).toBe(true);
    expect(events.at(-1)?.state).toBe('done');
  });

  it('cancels through the signal and refuses a second job of the same kind meanwhile', async () => {
    const jobs = new JobManager(() => undefined);
    const job = jobs.start('train', 'Training', async (ctx) => {
      while (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, 2));
      throw new SpecmatchError('E_CANCELLED', 'stopped');
    });
    expect(() => jobs.start('train', 'again', () => Promise.resolve(''))).toThrow(/already running/);
    jobs.cancel(job.id);
    expect((await jobs.settled(job.id)).state).toBe('cancelled');
    // Another kind may run at any time; the same kind again once the first ended.
    expect(jobs.start('train', 'again', () => Promise.resolve('ok')).state).toBe('running');
  });

  it('reports a failure with its code and message, and unknown ids as E_NOT_FOUND', async () => {
    const jobs = new JobManager(() => undefined);
    const job = jobs.start('embed', 'Embedding', () => Promise.reject(new SpecmatchError('E_MODEL', 'model gone')));
    const end = await jobs.settled(job.id);
    expect(end.state).toBe('failed');
    expect(end.error).toEqual({ code: 'E_MODEL', message: 'model gone' });
    expect(() => jobs.get('nope')).toThrow(/no job with id nope/);
  });
});

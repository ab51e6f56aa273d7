import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-cli-'))

function cli(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/switchboard.ts', ...args],
      { env: { ...process.env, PORT: '0', LOG_LEVEL: 'error' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    )
  })
}

describe('switchboard CLI', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('migrates once, then finds the database up to date', async () => {
    const data = path.join(dir, 'data')
    expect(await cli('migrate', '--data-dir', data)).toMatchObject({
      code: 0,
      out: expect.stringContaining('applied: 0001_initial'),
    })
    expect(await cli('migrate', '--data-dir', data)).toMatchObject({
      code: 0,
      out: expect.stringContaining('up to date'),
    })
  }, 60_000)

  it('refuses to start on an invalid configuration, listing every problem with its path', async () => {
    const file = path.join(dir, 'bad.yaml')
    writeFileSync(
      file,
      'tenants:\n  - id: x\n    queues: [{ id: q, skillGroups: [nope] }]\n    entryPoints: [{ id: 1, queue: zz }]\n',
    )
    const r = await cli('start', '--config', file, '--data-dir', path.join(dir, 'data2'))
    expect(r.code).toBe(1)
    expect(r.out).toContain('tenants[0].queues[0].skillGroups[0]: no skill group "nope"')
    expect(r.out).toContain('tenants[0].entryPoints[0].queue: no queue "zz"')
  }, 60_000)
})

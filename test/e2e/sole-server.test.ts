import { spawn } from 'node:child_process'
import { hostname } from 'node:os'
import { afterAll, describe, expect, it } from 'vitest'
import { backends } from './backends.js'
import { exited, startServerProcess } from './server-process.js'

/** Starts the CLI expecting it to refuse: its exit code and every line it printed. */
function refusedStart(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/switchboard.ts', 'start', '--config', 'config/demo.yaml'],
    {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SIP_PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return new Promise((resolve) =>
    child.once('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) })),
  )
}

for (const backend of backends()) {
  describe(`${backend.name}: hardening item 1, one server per database`, () => {
    afterAll(() => backend.cleanup())

    it('item 1: a second server on the same database refuses to start, naming the holder; a crashed holder does not lock it for good', async () => {
      const env = { ...(await backend.env()), SIP_PORT: '0' }
      const first = await startServerProcess(env)
      try {
        const second = await refusedStart(env)
        expect(second.code, second.lines.join('\n')).not.toBe(0)
        const fatal = second.lines.filter((l) => l.includes('"level":60'))
        expect(fatal, second.lines.join('\n')).toHaveLength(1)
        const line = JSON.parse(fatal[0]!) as {
          database: string
          holder: { host: string; pid: number; since: string }
          msg: string
        }
        expect(line.database).toMatch(backend.name === 'pglite' ? /PGlite data directory/ : /^PostgreSQL /)
        expect(line.holder).toMatchObject({ host: hostname(), pid: first.child.pid })
        expect(Date.parse(line.holder.since)).not.toBeNaN()
        expect(line.msg).toContain('in use by another Switchboard server')
        // Nothing but that line: no stack trace, no second message.
        expect(second.lines.filter((l) => !l.startsWith('{"level":30'))).toEqual(fatal)
      } finally {
        first.child.kill('SIGKILL')
        await exited(first.child)
      }
      // The holder crashed (kill -9): the next server starts.
      const next = await startServerProcess(env)
      next.child.kill('SIGTERM')
      expect(await exited(next.child)).toBe(0)
    }, 120_000)
  })
}

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileTenant } from './compile.js'
import { parseConfigFile, parseTenantDoc } from './parse.js'

describe('configuration', () => {
  it('accepts the demo configuration', () => {
    const doc = parseConfigFile(readFileSync('config/demo.yaml', 'utf8'))
    const t = compileTenant(doc.tenants[0]!)
    expect(t.entryPoints.map((e) => [e.id, e.queueId, e.active])).toEqual([
      ['1000', 'support', true],
      ['1001', 'sales', true],
      ['1002', 'support', false],
      ['1003', 'support', true],
      ['8000', 'voice-support', true],
      ['8100', 'voice-support', true],
    ])
    expect(t.voice).toMatchObject({
      realm: 'demo',
      numbers: { '8000': '8000', '8100': '8100' },
      menus: { '8100': { id: '610', choices: { '1': '8000' }, otherwise: '8000' } },
      trunks: [{ id: 'local-trunk', host: '127.0.0.1', port: 5080, transport: 'UDP' }],
      queues: { 'voice-support': { recordCalls: true, announceEverySeconds: 30, announcePosition: true } },
    })
    expect(t.voice?.extensions.map((x) => [x.number, x.agentId])).toEqual([
      ['801', 'agent1'],
      ['802', 'agent2'],
      ['803', 'agent3'],
      ['804', 'agent4'],
    ])
    expect(t.queues.find((q) => q.id === 'support')).toMatchObject({
      maxDepth: 5,
      channel: 'chat',
      strategy: 'longest_available',
    })
    expect(t.agents.find((a) => a.id === 'agent4')!.channels).toEqual({
      chat: { maxTasks: 2, exclusive: false },
      email: { maxTasks: 5, exclusive: false },
      voice: { maxTasks: 1, exclusive: true },
    })
  })

  it('reports every problem at once with its path', () => {
    const yaml = `
tenants:
  - id: x
    timeZone: Mars/Olympus
    agents:
      - { id: a1, channels: { chat: { maxTasks: 0 } } }
    skillGroups:
      - { id: g1, channel: chat, members: { ghost: 5 } }
    queues:
      - { id: q1, skillGroups: [g1, nope], overflowQueue: q9 }
    entryPoints:
      - { id: 1, queue: missing, bogus: true }
`
    let error: { code?: string; details?: string[] } = {}
    try {
      parseConfigFile(yaml)
    } catch (e) {
      error = e as typeof error
    }
    expect(error.code).toBe('CONFIG_INVALID')
    // Shape errors come first (zod); cross-references are checked once the shape is right.
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tenants\[0\]\.agents\[0\]\.channels\.chat\.maxTasks: /),
        expect.stringMatching(/^tenants\[0\]\.entryPoints\[0\]: .*bogus/),
      ]),
    )
  })

  it('checks cross-references across the whole tenant', () => {
    let details: string[] = []
    try {
      parseTenantDoc({
        id: 'x',
        timeZone: 'Mars/Olympus',
        agents: [{ id: 'a1', channels: { chat: { maxTasks: 1 } } }],
        skillGroups: [{ id: 'g1', channel: 'chat', members: { ghost: 5 } }],
        queues: [{ id: 'q1', skillGroups: ['g1', 'nope'], overflowQueue: 'q9' }],
        entryPoints: [{ id: 1, queue: 'missing' }],
      })
    } catch (e) {
      details = (e as { details: string[] }).details
    }
    expect(details).toEqual([
      'tenant.timeZone: unknown time zone "Mars/Olympus"',
      'tenant.skillGroups[0].members.ghost: no agent "ghost"',
      'tenant.queues[0].skillGroups[1]: no skill group "nope"',
      'tenant.queues[0].overflowQueue: no queue "q9"',
      'tenant.queues[0].maxWaitSeconds: overflow needs maxWaitSeconds',
      'tenant.entryPoints[0].queue: no queue "missing"',
    ])
  })

  it("reads 004's api.conf settings, bounds the wrap-up of calls by its pause, and checks menus", () => {
    const doc = parseConfigFile(readFileSync('config/demo.yaml', 'utf8')).tenants[0]!
    const t = compileTenant({ ...doc, pbx: { ...doc.pbx!, pauseSeconds: 10, blacklistAnswer: 'decline' } })
    expect(t.pbx).toMatchObject({ webKey: 'demo-webkey', dialBeginEvent: 'dialbegein', blacklistStatus: 603 })
    expect(t.queues.find((q) => q.id === 'voice-support')?.wrapUpSeconds).toBe(10)
    expect(t.queues.find((q) => q.id === 'support')?.wrapUpSeconds).toBe(120)
    expect(t.voice?.queues['voice-support']?.number).toBe('630')
    let details: string[] = []
    try {
      parseTenantDoc({
        ...doc,
        entryPoints: doc.entryPoints.map((e) =>
          e.voice?.menu
            ? {
                ...e,
                voice: { ...e.voice, menu: { ...e.voice.menu, choices: { '1': '1000', '2': 'nope' } } },
              }
            : e,
        ),
      })
    } catch (e) {
      details = (e as { details: string[] }).details
    }
    expect(details).toEqual([
      'tenant.entryPoints[5].voice.menu.choices.1: entry point "1000" does not lead to a voice queue',
      'tenant.entryPoints[5].voice.menu.choices.2: no entry point "nope"',
    ])
  })

  it('reports YAML syntax errors with a line', () => {
    expect(() => parseConfigFile('tenants: [\n  - id: x\n')).toThrow(/line/)
  })
})

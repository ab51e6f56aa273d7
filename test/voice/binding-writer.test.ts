import { describe, expect, it } from 'vitest'
import type { PhoneBinding, PhoneBindingChange } from '../../src/app/voice-ports.js'
import { BindingWriter } from '../../src/channels/voice/binding-writer.js'

const binding = (extension: string, port: number, expiresAt: number): PhoneBinding => ({
  tenantId: 't1',
  extension,
  contact: `sip:${extension}@127.0.0.1:${port}`,
  source: { transport: 'UDP', host: '127.0.0.1', port },
  expiresAt,
  userAgent: null,
  registeredAt: 0,
})
const save = (b: PhoneBinding): PhoneBindingChange => ({ kind: 'save', binding: b })

/** A store whose writes wait until the test lets them through. */
function heldStore() {
  const writes: PhoneBindingChange[][] = []
  const gates: { release: () => void; fail: (e: Error) => void }[] = []
  return {
    writes,
    next: () => gates.shift()!,
    store: {
      live: async () => [],
      write: (changes: readonly PhoneBindingChange[]) =>
        new Promise<void>((resolve, reject) => {
          writes.push([...changes])
          gates.push({ release: resolve, fail: reject })
        }),
    },
  }
}

describe('binding writer (group commit)', () => {
  it('writes what arrives during a write in one batch, the latest change of a binding winning', async () => {
    const held = heldStore()
    const writer = new BindingWriter(held.store, (e) => {
      throw e
    })
    const first = writer.write([save(binding('801', 5091, 1000))])
    const refreshed = writer.write([save(binding('802', 5092, 1000))])
    const again = writer.write([save(binding('802', 5092, 2000)), save(binding('803', 5093, 1000))])
    const gone = writer.write([
      { kind: 'remove', tenantId: 't1', extension: '801', contact: 'sip:801@127.0.0.1:5091' },
    ])
    expect(held.writes).toEqual([[save(binding('801', 5091, 1000))]])
    held.next().release()
    expect(await first).toBe(true)
    expect(held.writes[1]).toEqual([
      save(binding('802', 5092, 2000)),
      save(binding('803', 5093, 1000)),
      { kind: 'remove', tenantId: 't1', extension: '801', contact: 'sip:801@127.0.0.1:5091' },
    ])
    const drained = writer.drain()
    held.next().release()
    expect(await Promise.all([refreshed, again, gone])).toEqual([true, true, true])
    await drained
    expect(held.writes).toHaveLength(2)
    expect(await writer.write([])).toBe(true)
  })

  it('answers false to everyone in a failed batch and goes on with the next', async () => {
    const held = heldStore()
    const errors: unknown[] = []
    const writer = new BindingWriter(held.store, (e) => errors.push(e))
    const first = writer.write([save(binding('801', 5091, 1000))])
    const second = writer.write([save(binding('802', 5092, 1000))])
    held.next().fail(new Error('database unreachable'))
    expect(await first).toBe(false)
    held.next().release()
    expect(await second).toBe(true)
    expect(errors).toEqual([new Error('database unreachable')])
  })
})

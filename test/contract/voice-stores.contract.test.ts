import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqlBlockedNumberStore } from '../../src/adapters/storage/sql-blocked-number-store.js'
import { SqlCallRecordingStore } from '../../src/adapters/storage/sql-call-recording-store.js'
import { SqlPhoneBindingStore } from '../../src/adapters/storage/sql-phone-binding-store.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import type { PhoneBinding } from '../../src/app/voice-ports.js'
import { databases } from '../support/databases.js'

const T0 = Date.UTC(2026, 10, 21, 9)

const binding = (extension: string, contact: string, expiresAt: number): PhoneBinding => ({
  tenantId: 't1',
  extension,
  contact,
  source: { transport: 'UDP', host: '127.0.0.1', port: 5091 },
  expiresAt,
  userAgent: 'baresip v1.0.0',
  registeredAt: T0,
})

for (const harness of databases()) {
  describe(`${harness.name}: voice stores`, () => {
    let opened: OpenedDatabase
    beforeEach(async () => {
      opened = await harness.open()
    })
    afterEach(async () => {
      await opened.close()
    })

    it('keeps phone bindings across a restart until they expire; a refresh replaces, a removal removes', async () => {
      const store = new SqlPhoneBindingStore(opened.db)
      const save = (binding: PhoneBinding) => ({ kind: 'save' as const, binding })
      await store.write([
        save(binding('801', 'sip:801@127.0.0.1:5091', T0 + 60_000)),
        save(binding('802', 'sip:802@127.0.0.1:5092', T0 + 5_000)),
        save(binding('803', 'sip:803@127.0.0.1:5093', T0 + 60_000)),
      ])
      const moved = {
        ...binding('801', 'sip:801@127.0.0.1:5091', T0 + 120_000),
        source: { transport: 'TCP' as const, host: '10.0.0.5', port: 40000 },
      }
      await store.write([
        save(moved),
        { kind: 'remove', tenantId: 't1', extension: '803', contact: 'sip:803@127.0.0.1:5093' },
        { kind: 'remove', tenantId: 't1', extension: '801', contact: 'sip:801@10.9.9.9:1' },
      ])
      const again = new SqlPhoneBindingStore(opened.db)
      expect(await again.live(T0 + 10_000)).toEqual([moved])
      await again.write([{ kind: 'remove', tenantId: 't1', extension: '801', contact: moved.contact }])
      expect(await again.live(T0)).toEqual([])
    })

    it('stores a batch of thousands of bindings in one write, or none of it', async () => {
      const store = new SqlPhoneBindingStore(opened.db)
      const many = Array.from({ length: 2500 }, (_, i) => ({
        kind: 'save' as const,
        binding: binding(String(10_000 + i), `sip:${10_000 + i}@127.0.0.1:5091`, T0 + 60_000),
      }))
      await store.write(many)
      expect(await store.live(T0)).toHaveLength(2500)
      // A row no column can hold fails the batch: nothing of it is stored.
      const bad = {
        ...binding('9', 'sip:9@127.0.0.1', T0 + 60_000),
        source: { transport: 'UDP' as const, host: 'h', port: Number.NaN },
      }
      await expect(
        store.write([
          { kind: 'remove', tenantId: 't1', extension: '10000', contact: 'sip:10000@127.0.0.1:5091' },
          { kind: 'save', binding: bad },
        ]),
      ).rejects.toThrow()
      expect(await store.live(T0)).toHaveLength(2500)
    })

    it('lists a call recording with its contact, within its tenant', async () => {
      const store = new SqlCallRecordingStore(opened.db)
      const rec = {
        tenantId: 't1',
        contactId: 'c1',
        file: '/recordings/c1.wav',
        bytes: 128_044,
        durationMs: 4000,
        createdAt: T0,
      }
      await store.save(rec)
      expect(await store.get('t1', 'c1')).toEqual(rec)
      expect(await store.get('t2', 'c1')).toBeUndefined()
    })

    it('keeps a blacklist per tenant: listed once, in the order added, removed on request', async () => {
      const store = new SqlBlockedNumberStore(opened.db)
      expect(await store.add('t1', '123456', T0)).toBe(true)
      expect(await store.add('t1', '123123', T0 + 1)).toBe(true)
      expect(await store.add('t1', '123456', T0 + 2)).toBe(false)
      expect(await store.add('t2', '999', T0)).toBe(true)
      expect(await store.list('t1')).toEqual(['123456', '123123'])
      expect(await store.has('t1', '123123')).toBe(true)
      expect(await store.has('t2', '123123')).toBe(false)
      expect(await store.remove('t1', '123456')).toBe(true)
      expect(await store.remove('t1', '123456')).toBe(false)
      expect(await store.list('t1')).toEqual(['123123'])
      expect(await store.list('t2')).toEqual(['999'])
    })
  })
}

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
      await store.save(binding('801', 'sip:801@127.0.0.1:5091', T0 + 60_000))
      await store.save(binding('802', 'sip:802@127.0.0.1:5092', T0 + 5_000))
      await store.save({
        ...binding('801', 'sip:801@127.0.0.1:5091', T0 + 120_000),
        source: { transport: 'TCP', host: '10.0.0.5', port: 40000 },
      })
      const again = new SqlPhoneBindingStore(opened.db)
      expect(await again.live(T0 + 10_000)).toEqual([
        {
          ...binding('801', 'sip:801@127.0.0.1:5091', T0 + 120_000),
          source: { transport: 'TCP', host: '10.0.0.5', port: 40000 },
        },
      ])
      await again.remove('t1', '801', null)
      expect(await again.live(T0)).toEqual([])
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

import { createHash } from 'node:crypto'
import { compileTenant } from '../config/compile.js'
import type { TenantDoc } from '../config/document.js'
import type { TenantConfig } from '../core/tenant-config.js'
import { hashPassword, verifyPassword } from './auth.js'

// The passwords of the shipped demo configuration: the server warns while any is in use.
const DEMO_PASSWORDS = new Set([
  'agent',
  'supervisor',
  'admin',
  'demo-app-secret',
  'phone801',
  'phone802',
  'phone803',
  'phone804',
])

export interface SealedTenant {
  readonly config: TenantConfig
  readonly demoUsers: string[]
}

/**
 * Replaces plaintext passwords with scrypt hashes. A password that still matches the stored hash
 * keeps that hash, so applying the same file twice changes nothing.
 */
export async function sealTenant(doc: TenantDoc, previous: TenantConfig | undefined): Promise<SealedTenant> {
  const oldHash = new Map(previous?.users.map((u) => [u.username, u.passwordHash]))
  const demoUsers: string[] = []
  const seal = async (
    username: string,
    password: string | undefined,
    hash: string | undefined,
  ): Promise<string | undefined> => {
    if (password === undefined) return hash
    if (DEMO_PASSWORDS.has(password)) demoUsers.push(username)
    const old = oldHash.get(username)
    return old !== undefined && (await verifyPassword(password, old)) ? old : hashPassword(password)
  }
  const agents = await Promise.all(
    doc.agents.map(async (a) => {
      const { password, ...rest } = a
      const sealed = {
        ...rest,
        ...(a.extension ? { extension: sealExtension(doc.id, a.extension, demoUsers) } : {}),
      }
      return a.username
        ? { ...sealed, passwordHash: await seal(a.username, password, a.passwordHash) }
        : sealed
    }),
  )
  const users = await Promise.all(
    doc.users.map(async (u) => {
      const { password, ...rest } = u
      return { ...rest, passwordHash: await seal(u.username, password, u.passwordHash) }
    }),
  )
  const oldApp = new Map(previous?.aicc?.apps.map((a) => [a.appKey, a.appSecretHash]))
  const aicc = doc.aicc && {
    ...doc.aicc,
    apps: await Promise.all(
      doc.aicc.apps.map(async ({ appSecret, ...a }) => {
        if (appSecret === undefined) return a
        if (DEMO_PASSWORDS.has(appSecret)) demoUsers.push(`aicc app ${a.appKey}`)
        const old = oldApp.get(a.appKey)
        const keep = old !== undefined && (await verifyPassword(appSecret, old))
        return { ...a, appSecretHash: keep ? old : await hashPassword(appSecret) }
      }),
    ),
  }
  return { config: compileTenant({ ...doc, agents, users, aicc }), demoUsers }
}

/**
 * A phone's password becomes HA1 = md5(number:realm:password), the realm being the tenant id:
 * digest authentication needs no more, and the password itself is not kept.
 */
function sealExtension(
  realm: string,
  x: { readonly number: string; readonly password?: string; readonly ha1?: string },
  demoUsers: string[],
): { number: string; ha1?: string } {
  if (x.password === undefined) return { number: x.number, ...(x.ha1 ? { ha1: x.ha1 } : {}) }
  if (DEMO_PASSWORDS.has(x.password)) demoUsers.push(`extension ${x.number}`)
  return {
    number: x.number,
    ha1: createHash('md5').update(`${x.number}:${realm}:${x.password}`).digest('hex'),
  }
}

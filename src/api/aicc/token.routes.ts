import type { FastifyInstance } from 'fastify'
import { verifyPassword } from '../../app/auth.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { AppToken } from './auth.js'
import { appOf, issueSessionToken } from './auth.js'
import { AICC, AiccError, ok } from './errors.js'

const OPEN = { access: 'open' as const }

/** How an AICC client signs in: the API Fabric's AccessToken, then the ccmessaging-token. */
export function tokenRoutes(app: FastifyInstance, sb: Switchboard): void {
  // The API Fabric's token: app key and secret in, a bearer AccessToken out.
  app.post<{ Body: { app_key: string; app_secret: string } }>(
    '/apigovernance/api/oauth/tokenByAkSk',
    {
      config: { ...OPEN, rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['AICC'],
        summary: 'AICC API Fabric token from app key and secret (X-Token-Expire: seconds, ≤ 3600)',
        body: {
          type: 'object',
          properties: {
            app_key: { type: 'string', minLength: 1, maxLength: 128 },
            app_secret: { type: 'string', minLength: 1, maxLength: 256 },
          },
          required: ['app_key', 'app_secret'],
        },
      },
    },
    async (req) => {
      const { app_key: appKey, app_secret: secret } = req.body
      const tenantId = sb.findTenant((c) => c.aicc?.apps.some((a) => a.appKey === appKey) === true)
      const stored = tenantId && sb.storedConfig(tenantId).config.aicc?.apps.find((a) => a.appKey === appKey)
      if (!tenantId || !stored || !(await verifyPassword(secret, stored.appSecretHash)))
        throw new AiccError(401, AICC.token, 'app_key or app_secret is wrong')
      const asked = Number(req.headers['x-token-expire'] ?? 600)
      const seconds = Number.isInteger(asked) && asked > 0 ? Math.min(asked, 3600) : 600
      const now = sb.now()
      const token = sb.tokensFor<AppToken>('aicc-app').sign({ tenantId, appKey, exp: now + seconds * 1000 })
      return {
        AccessToken: token,
        ApplyType: 'Bearer',
        CreateTime: String(Math.floor(now / 1000)),
        Expires: String(seconds),
        Scope: 'ccmessaging',
        AppKey: appKey,
        UserID: 'Anonymous',
      }
    },
  )

  app.post<{ Body: { userId: string; userName: string; channelId: string; locale: string } }>(
    '/apiaccess/ccmessaging/applyToken',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: 'The ccmessaging-token for one user on one channel configuration (1 hour)',
        body: {
          type: 'object',
          properties: {
            userId: { type: 'string', minLength: 1, maxLength: 32 },
            userName: { type: 'string', minLength: 1, maxLength: 200 },
            channelId: { type: 'string', minLength: 1, maxLength: 64 },
            locale: { type: 'string', minLength: 2, maxLength: 16 },
          },
          required: ['userId', 'userName', 'channelId', 'locale'],
        },
      },
    },
    async (req) => {
      const a = appOf(req, sb)
      const { userId, userName, channelId, locale } = req.body
      if (!a.config.channels.some((c) => c.configId === channelId))
        throw new AiccError(200, '1', `no channel configuration ${channelId}`)
      const token = issueSessionToken(sb, {
        tenantId: a.tenantId,
        appKey: a.appKey,
        userId,
        userName,
        channelId,
        locale,
      })
      return ok({ token })
    },
  )
}

import { randomBytes } from 'node:crypto'
import type { Switchboard } from '../../app/switchboard.js'
import type { ClickToCallRequest, ClickToCallStarted } from '../../app/voice-ports.js'
import type { CallHostDeps } from './call-host.js'
import { callHost, settingsOf } from './call-host.js'
import type { VoiceDirectory } from './directory.js'
import { placeholderOffer } from './sdp.js'
import type { SipRequest } from './sip/message.js'
import { parseNameAddr } from './sip/name-addr.js'
import type { ServerTransaction } from './sip/transactions.js'
import { newTag } from './sip/transactions.js'
import { isWebSocket } from './sip/transport.js'
import { parseAnyUri } from './sip/uri.js'
import { VoiceCall } from './voice-call.js'

/** What click-to-call needs of the voice channel: its tenants, and a place for its calls. */
export interface ClickToCallHost {
  readonly sb: Switchboard
  readonly hostDeps: CallHostDeps
  directory(): VoiceDirectory
  newId(): string
  /** A call being set up (its contact exists a moment before the call does), or no longer. */
  arriving(tenantId: string, contactId: string, arriving: boolean): void
  /** The call is this channel's from now on (the router's decisions reach it). */
  keep(tenantId: string, contactId: string, call: VoiceCall): void
}

/**
 * Click-to-call (002): a customer who chats asks for a call; the call queues (with the chat's
 * place in line, or for the chat's agent) before any SIP exists. The agent's phone rings and
 * answers against a stand-in, the customer's page is told the call is up (with the caller name
 * to dial as, good for this call only), and its browser dials the access number over SIP on
 * WebSocket: that INVITE joins the call.
 */
export class ClickToCalls {
  /** Browsers expected, by the caller name each was given: tenant and call. */
  private readonly expected = new Map<string, { tenantId: string; call: VoiceCall; accessNumber: string }>()

  constructor(private readonly host: ClickToCallHost) {}

  async start(req: ClickToCallRequest): Promise<ClickToCallStarted> {
    const tenant = this.host.directory().tenant(req.tenantId)
    const entryPointId = tenant?.voice.numbers[req.accessNumber]
    if (!tenant || entryPointId === undefined)
      return { started: false, reason: 'invalid_entry_point', contactId: null }
    const contactId = this.host.newId()
    // Unguessable: the name is the browser's only credential, for this call only.
    const callerName = `c2c${randomBytes(12).toString('hex')}`
    this.host.arriving(req.tenantId, contactId, true)
    try {
      const admission = await this.host.sb.tenant(req.tenantId).run({
        type: 'admitContact',
        contact: {
          contactId,
          entryPointId,
          customer: req.customer,
          subject: null,
          relatedContactId: req.chatContactId,
          ...(req.enqueuedAt === undefined ? {} : { enqueuedAt: req.enqueuedAt }),
          ...(req.preferredAgentId ? { preferredAgentId: req.preferredAgentId } : {}),
        },
      })
      if (!admission.admitted) return { started: false, reason: admission.reason, contactId }
      const call = new VoiceCall(
        {
          tenantId: req.tenantId,
          contactId,
          caller: {
            number: req.customer.phone ?? callerName,
            name: req.customer.name,
            dialled: req.accessNumber,
            trunkId: 'webrtc',
          },
          startedAt: this.host.sb.now(),
          callerTag: newTag(),
          ourTag: newTag(),
          callerOffer: placeholderOffer(),
          callerIdentity: `"${req.customer.name.replace(/["\\]/g, '')}" <sip:${callerName}@webrtc.invalid>`,
          joinsLater: true,
        },
        settingsOf(tenant, admission.contact.queueId),
        callHost(this.host.hostDeps, tenant, contactId),
      )
      await call.openForLaterCaller()
      this.expected.set(callerName, { tenantId: req.tenantId, call, accessNumber: req.accessNumber })
      this.host.keep(req.tenantId, contactId, call)
      call.sync()
      return { started: true, contactId, callerName }
    } finally {
      this.host.arriving(req.tenantId, contactId, false)
    }
  }

  /** The call ended: its caller name is good for nothing more. */
  ended(tenantId: string, contactId: string): void {
    for (const [name, e] of this.expected)
      if (e.tenantId === tenantId && e.call.contactId === contactId) this.expected.delete(name)
  }

  /**
   * An INVITE from a browser (SIP over WebSocket): the click-to-call whose caller name it comes
   * as, to that call's access number, joins it; anything else is refused.
   */
  invited(req: SipRequest, tx: ServerTransaction): boolean {
    if (!isWebSocket(tx.source.transport)) return false
    const from = safely(() => parseNameAddr(req.headers.get('from') ?? '').uri.user)
    const dialled = safely(() => parseAnyUri(req.uri).user)
    const e = from ? this.expected.get(from) : undefined
    if (!e || e.call.ended) {
      tx.reply(403, 'Forbidden (no click-to-call expects this caller)')
      return true
    }
    if (dialled !== e.accessNumber) {
      tx.reply(404, 'Not Found (dial the access number the call was given)')
      return true
    }
    if (from) this.expected.delete(from)
    e.call.join(req, tx)
    return true
  }
}

function safely<T>(read: () => T): T | null {
  try {
    return read()
  } catch {
    return null
  }
}

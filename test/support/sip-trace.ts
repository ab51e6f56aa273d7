import type { SipMessage, SipRequest, SipResponse } from '../../src/channels/voice/sip/message.js'
import { callIdOf, cseqOf, fromOf, toOf, topVia } from '../../src/channels/voice/sip/message.js'
import { parseMessage } from '../../src/channels/voice/sip/parse.js'
import { serialize } from '../../src/channels/voice/sip/serialize.js'

export interface TracedMessage {
  readonly dir: 'in' | 'out'
  readonly msg: SipMessage
  readonly at: number
}

/** A copy of every message as it was on the wire (later changes to the objects do not show). */
export function recorder(): {
  messages: TracedMessage[]
  listen: (dir: 'in' | 'out', msg: SipMessage) => void
} {
  const messages: TracedMessage[] = []
  return {
    messages,
    listen: (dir, msg) => messages.push({ dir, msg: parseMessage(serialize(msg)), at: Date.now() }),
  }
}

const branchOf = (m: SipMessage) => topVia(m).params.branch ?? ''
const isReq = (t: TracedMessage): t is TracedMessage & { msg: SipRequest } => t.msg.kind === 'request'
const isRes = (t: TracedMessage): t is TracedMessage & { msg: SipResponse } => t.msg.kind === 'response'

/**
 * Checks our side of a SIP trace against RFC 3261's transaction and dialog rules; returns every
 * breach found (empty: none). Our side: what we sent, judged against what we received.
 */
export function breachesOfRfc3261(trace: readonly TracedMessage[]): string[] {
  const out: string[] = []
  const fail = (t: TracedMessage, rule: string) =>
    out.push(
      `${rule}: ${t.msg.kind === 'request' ? t.msg.method : `${t.msg.status} ${cseqOf(t.msg).method}`} (Call-ID ${callIdOf(t.msg)})`,
    )
  const sentReqs = trace.filter((t) => t.dir === 'out').filter(isReq)
  const sentRes = trace.filter((t) => t.dir === 'out').filter(isRes)
  const gotReqs = trace.filter((t) => t.dir === 'in').filter(isReq)
  const gotRes = trace.filter((t) => t.dir === 'in').filter(isRes)

  // §8.1.1: what every request we send carries.
  for (const t of sentReqs) {
    if (!branchOf(t.msg).startsWith('z9hG4bK')) fail(t, '§8.1.1.7 the branch starts with z9hG4bK')
    if (!t.msg.headers.has('max-forwards')) fail(t, '§8.1.1.6 Max-Forwards')
    if (!fromOf(t.msg).params.tag) fail(t, '§8.1.1.3 From has a tag')
    if (cseqOf(t.msg).method !== t.msg.method) fail(t, '§8.1.1.5 CSeq method is the request method')
  }

  // §8.2.6, §17.2: what we answer to each request we received.
  const serverTx = new Map<string, { req: SipRequest; responses: SipResponse[] }>()
  for (const t of gotReqs) {
    if (t.msg.method === 'ACK') continue
    const key = `${branchOf(t.msg)}|${t.msg.method}`
    if (!serverTx.has(key)) serverTx.set(key, { req: t.msg, responses: [] })
  }
  for (const t of sentRes) {
    const tx = serverTx.get(`${branchOf(t.msg)}|${cseqOf(t.msg).method}`)
    if (!tx) continue
    tx.responses.push(t.msg)
    if (t.msg.headers.getAll('via').join(',') !== tx.req.headers.getAll('via').join(','))
      fail(t, '§8.2.6.2 a response copies the request’s Via headers, in order')
    for (const h of ['call-id', 'cseq', 'from'])
      if (t.msg.headers.get(h) !== tx.req.headers.get(h)) fail(t, `§8.2.6.2 a response copies ${h}`)
    if (t.msg.status > 100 && !toOf(t.msg).params.tag) fail(t, '§8.2.6.2 a response above 100 has a To tag')
  }
  for (const { req, responses } of serverTx.values()) {
    const finals = responses.filter((r) => r.status >= 200)
    const first = finals[0]
    if (!first) out.push(`§17.2 ${req.method} (Call-ID ${callIdOf(req)}) got no final response`)
    if (first && finals.some((r) => r.status !== first.status))
      out.push(`§17.2 ${req.method} (Call-ID ${callIdOf(req)}) got two different final responses`)
    const tags = new Set(responses.filter((r) => r.status > 100).map((r) => toOf(r).params.tag))
    if (tags.size > 1)
      out.push(`§12.1.1 ${req.method} (Call-ID ${callIdOf(req)}) answered with ${tags.size} To tags`)
    if (req.method === 'INVITE' && !toOf(req).params.tag && responses[0]?.status !== 100)
      out.push(`§17.2.1 a new INVITE (Call-ID ${callIdOf(req)}) is answered 100 Trying first`)
  }

  // §17.1.1.3, §13.2.2.4: ACKs of our INVITEs; §9.1: our CANCELs.
  for (const inv of sentReqs.filter((t) => t.msg.method === 'INVITE')) {
    const branch = branchOf(inv.msg)
    const seq = cseqOf(inv.msg).seq
    const finals = gotRes.filter(
      (r) => branchOf(r.msg) === branch && cseqOf(r.msg).method === 'INVITE' && r.msg.status >= 200,
    )
    const acks = sentReqs.filter(
      (a) => a.msg.method === 'ACK' && callIdOf(a.msg) === callIdOf(inv.msg) && cseqOf(a.msg).seq === seq,
    )
    for (const f of finals) {
      if (f.msg.status >= 300) {
        const ack = acks.find((a) => branchOf(a.msg) === branch && a.at >= f.at)
        if (!ack) fail(f, '§17.1.1.3 a failure to our INVITE is ACKed in its transaction (same branch)')
        else if (toOf(ack.msg).params.tag !== toOf(f.msg).params.tag)
          fail(ack, '§17.1.1.3 the ACK’s To is the response’s')
        else if (ack.msg.uri !== inv.msg.uri) fail(ack, '§17.1.1.3 the ACK’s Request-URI is the INVITE’s')
      } else {
        const ack = acks.find((a) => a.at >= f.at && toOf(a.msg).params.tag === toOf(f.msg).params.tag)
        if (!ack) fail(f, '§13.2.2.4 a 2xx to our INVITE is ACKed')
        else if (branchOf(ack.msg) === branch)
          fail(ack, '§13.2.2.4 the ACK of a 2xx is a new transaction (new branch)')
      }
    }
    for (const c of sentReqs.filter((t) => t.msg.method === 'CANCEL' && branchOf(t.msg) === branch)) {
      if (c.msg.uri !== inv.msg.uri || cseqOf(c.msg).seq !== seq || callIdOf(c.msg) !== callIdOf(inv.msg))
        fail(c, '§9.1 a CANCEL has the INVITE’s Request-URI, Call-ID and CSeq number')
      const heard = gotRes.some((r) => branchOf(r.msg) === branch && r.msg.status < 200 && r.at <= c.at)
      if (!heard) fail(c, '§9.1 a CANCEL is sent only after a provisional response')
    }
  }

  // §12.2.1.1: our requests inside a dialog count CSeq up.
  const lastSeq = new Map<string, number>()
  for (const t of sentReqs) {
    if (t.msg.method === 'ACK' || t.msg.method === 'CANCEL' || !toOf(t.msg).params.tag) continue
    const key = `${callIdOf(t.msg)}|${fromOf(t.msg).params.tag}`
    const seq = cseqOf(t.msg).seq
    const before = lastSeq.get(key)
    const resent = sentReqs.some((o) => o !== t && o.at < t.at && branchOf(o.msg) === branchOf(t.msg))
    if (before !== undefined && seq <= before && !resent) fail(t, '§12.2.1.1 CSeq grows within a dialog')
    lastSeq.set(key, Math.max(seq, before ?? 0))
  }
  return out
}

import type { Server } from 'node:http'
import { createServer } from 'node:http'

export type PushedEvent = Record<string, string | number> & { event: string }

const S = 'string'
const N = 'number'
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/
const STAMP = /^\d{10}\.\d{6}$/
const DIGITS = /^\d+$/

/**
 * Every field of 004's samples, with the type the sample gives it (holdTime and pauseTime are
 * the sample's only unquoted numbers), and the form of those whose form it shows.
 */
const FIELDS: Record<string, Record<string, [string, RegExp?]>> = {
  dialbegein: {
    event: [S],
    timestamp: [S, STAMP],
    channel: [S, /^SIP\/.+-\w+$/],
    calleridnum: [S],
    destchannel: [S, /^SIP\/\d+-\w+$/],
    destcalleridnum: [S, DIGITS],
    destuniqueid: [S],
    dialstring: [S, /^SIP\/\d+$/],
    uniqueid: [S],
    mac: [S],
  },
  dialend: {
    event: [S],
    timestamp: [S, STAMP],
    channel: [S],
    calleridnum: [S],
    destchannel: [S],
    destcalleridnum: [S, DIGITS],
    uniqueid: [S],
    dialstatus: [S, /^(ANSWER|NOANSWER|BUSY|CANCEL|CHANUNAVAIL)$/],
  },
  hangup: {
    event: [S],
    calleridnum: [S],
    calleridname: [S],
    connectedlinenum: [S],
    connectedlinename: [S],
    uniqueid: [S],
  },
  extensionstatus: {
    event: [S],
    exten: [S, DIGITS],
    status: [S, /^(0|1|2|4|8|16)$/],
    statustext: [S],
  },
  cdr: {
    event: [S],
    callerid: [S, /^".*" <.+>$/],
    source: [S],
    destination: [S],
    starttime: [S, LOCAL_TIME],
    answertime: [S, /^(|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$/],
    endtime: [S, LOCAL_TIME],
    disposition: [S, /^(ANSWERED|NO ANSWER|BUSY|FAILED)$/],
    duration: [S, DIGITS],
    billableseconds: [S, DIGITS],
    calltype: [S, /^(|inbound|outbound)$/],
    recordfile: [S],
    uniqueid: [S],
  },
  cc_cdr: {
    event: [S],
    uuid: [S],
    caller: [S],
    called: [S],
    queueCode: [S],
    agentCode: [S],
    callType: [S],
    cdrState: [S, /^(bridged|feedback|queue|ivr)$/],
    hangupSide: [S],
    hangupCause: [S],
    startTime: [S, LOCAL_TIME],
    endTime: [S, LOCAL_TIME],
    duration: [S, DIGITS],
    queueTime: [S, DIGITS],
    feedbackTime: [S, DIGITS],
    ivrTime: [S],
    ringTime: [S, DIGITS],
    holdTime: [N],
    pauseTime: [N],
    talkingTime: [S, DIGITS],
    voicemailState: [S, /^[01]$/],
    ivrId: [S],
    ivrName: [S],
    ivrDtmf: [S],
    fwType: [S],
    score: [S, DIGITS],
    trunkNumber: [S],
    forwardNumber: [S],
    filePath: [S],
    missCause: [S, /^(|NO_ASSIGN|NO_AGENT_ANSWER|NO_AGENT_LOGIN|MEMBER_CANCEL)$/],
    mac: [S],
  },
  ivr: {
    event: [S],
    uuid: [S],
    caller: [S],
    called: [S],
    callType: [S],
    queueCode: [S],
    startTime: [S, LOCAL_TIME],
    endTime: [S, LOCAL_TIME],
    duration: [S, DIGITS],
    ivrId: [S],
    ivrName: [S],
    ivrDtmf: [S],
    trunkNumber: [S],
    mac: [S],
  },
}

// 004's sample spells it dialbegein; a tenant may switch to dialbegin.
FIELDS.dialbegin = FIELDS.dialbegein!

/** What is wrong with one pushed event against 004's samples: missing, extra or mistyped fields. */
export function breachesOf004(e: Record<string, unknown>): string[] {
  const event = String(e.event)
  const spec = FIELDS[event]
  if (!spec) return [`unknown event ${JSON.stringify(e.event)}`]
  const out: string[] = []
  for (const [name, [type, form]] of Object.entries(spec)) {
    const v = e[name]
    if (!(name in e)) out.push(`${event}: ${name} missing`)
    else if (typeof v !== type) out.push(`${event}: ${name} is ${typeof v}, not ${type}`)
    else if (form && !form.test(String(v)))
      out.push(`${event}: ${name} ${JSON.stringify(v)} is not ${String(form)}`)
  }
  for (const name of Object.keys(e)) if (!(name in spec)) out.push(`${event}: ${name} is not 004's`)
  return out
}

/**
 * A CRM's receiver: takes 004's pushed events as JSON POSTs (answering `failing` with 503 while
 * set), keeps what it took in order, and every breach of the samples it saw.
 */
export class PushSink {
  readonly events: PushedEvent[] = []
  readonly breaches: string[] = []
  failing = false
  refused = 0

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<PushSink> {
    // eslint-disable-next-line prefer-const -- the handler is made before the sink it serves
    let sink: PushSink | undefined
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        if (!sink || sink.failing) {
          if (sink) sink.refused++
          res.writeHead(503).end()
          return
        }
        try {
          if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').includes('application/json'))
            sink.breaches.push(`${req.method} with content-type ${req.headers['content-type']}`)
          const e = JSON.parse(body) as PushedEvent
          sink.breaches.push(...breachesOf004(e))
          sink.events.push(e)
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}')
        } catch {
          sink.breaches.push(`not JSON: ${body.slice(0, 100)}`)
          res.writeHead(400).end()
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    sink = new PushSink(server, `http://127.0.0.1:${port}/crm/events`)
    return sink
  }

  of(uniqueid: string): PushedEvent[] {
    return this.events.filter((e) => e.uniqueid === uniqueid || e.uuid === uniqueid)
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

import type JsSIP from 'jssip'
import type { Request } from '../shared/http.js'
import { ApiError } from '../shared/http.js'

/** What POST /api/v1/chats/{id}/call answers: where and as whom the browser calls. */
interface CallTicket {
  callId: string
  webSocket: string
  uri: string
  from: string
}

type SipLibrary = typeof JsSIP
let sipLibrary: Promise<SipLibrary> | undefined

/** JsSIP is big: only a customer who calls loads it (widget-sip.js, beside widget.js). */
function loadJsSip(base: string): Promise<SipLibrary> {
  sipLibrary ??= new Promise<SipLibrary>((resolve, reject) => {
    const script = document.createElement('script')
    script.src = `${base}/widget-sip.js`
    script.onload = () => {
      const lib = (window as unknown as { SwitchboardSip?: SipLibrary }).SwitchboardSip
      if (lib) resolve(lib)
      else reject(new Error('widget-sip.js did not load the SIP client'))
    }
    script.onerror = () => {
      sipLibrary = undefined
      reject(new Error('widget-sip.js could not be loaded'))
    }
    document.head.append(script)
  })
  return sipLibrary
}

/** Why the server takes no call now: nobody to answer it (the chat can go on). */
const NOBODY = new Set(['NO_AGENT_AVAILABLE', 'OUTSIDE_BUSINESS_HOURS', 'QUEUE_FULL', 'SERVICE_NOT_RUNNING'])

export type CallState = 'idle' | 'calling' | 'talking' | 'ended' | 'failed'

/**
 * The customer's call from the chat ("Call us"): the server opens the call (joined to the chat)
 * and names a caller good for this call only; the browser calls it over SIP on WebSocket with
 * JsSIP, loaded only when the customer asks for a call. Until an agent answers, the browser
 * hears the queue.
 */
export class BrowserCall {
  state: CallState = 'idle'
  muted = false
  problem: 'noMicrophone' | 'callFailed' | 'noAgentForCall' | null = null
  private hangUpNow: (() => void) | null = null
  private mute: ((on: boolean) => void) | null = null

  constructor(
    private readonly api: Request,
    /** Where the widget's scripts come from. */
    private readonly base: string,
    private readonly chatId: string,
    private readonly token: string,
    private readonly speaker: HTMLAudioElement,
    private readonly changed: () => void,
  ) {}

  async start(): Promise<void> {
    if (this.state === 'calling' || this.state === 'talking') return
    this.set('calling', null)
    // The microphone first: a customer who refuses it gets no call queued for nobody.
    let mic: MediaStream
    try {
      mic = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch {
      return this.set('failed', 'noMicrophone')
    }
    let ticket: CallTicket
    let Sip: SipLibrary
    try {
      ;[ticket, Sip] = await Promise.all([
        this.api<CallTicket>(`/api/v1/chats/${this.chatId}/call`, { method: 'POST', token: this.token }),
        loadJsSip(this.base),
      ])
    } catch (e) {
      console.warn('Switchboard widget: the call was not placed', e)
      mic.getTracks().forEach((t) => t.stop())
      const nobody = e instanceof ApiError && NOBODY.has(e.code)
      return this.set('failed', nobody ? 'noAgentForCall' : 'callFailed')
    }
    const ua = new Sip.UA({
      sockets: [new Sip.WebSocketInterface(ticket.webSocket)],
      uri: ticket.from,
      register: false,
    })
    ua.start()
    const session = ua.call(ticket.uri, { mediaStream: mic })
    const over = (failed: boolean) => {
      mic.getTracks().forEach((t) => t.stop())
      this.speaker.srcObject = null
      this.hangUpNow = this.mute = null
      ua.stop()
      // A call that never got through leaves nothing waiting on the server.
      if (failed)
        void this.api(`/api/v1/chats/${this.chatId}/call/end`, { method: 'POST', token: this.token }).catch(
          () => undefined,
        )
      this.set(failed ? 'failed' : 'ended', failed ? 'callFailed' : null)
    }
    session.on('confirmed', () => this.set('talking', null))
    session.on('ended', () => over(false))
    session.on('failed', (e: { cause?: string }) => {
      console.warn(`Switchboard widget: the call failed (${e.cause ?? 'no cause given'})`)
      over(true)
    })
    session.connection.addEventListener('track', (t: RTCTrackEvent) => {
      this.speaker.srcObject = t.streams[0] ?? new MediaStream([t.track])
      void this.speaker.play().catch(() => undefined)
    })
    this.hangUpNow = () => session.terminate()
    this.mute = (on) => (on ? session.mute({ audio: true }) : session.unmute({ audio: true }))
  }

  hangUp(): void {
    this.hangUpNow?.()
  }

  setMuted(on: boolean): void {
    this.mute?.(on)
    this.muted = on
    this.changed()
  }

  private set(state: CallState, problem: BrowserCall['problem']): void {
    this.state = state
    this.problem = problem
    if (state !== 'talking') this.muted = false
    this.changed()
  }
}

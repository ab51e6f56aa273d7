// Document 002's click-to-call sample (先多媒体文本后点击通话), with its own axios calls, run
// against Switchboard: compare it line by line with the document. Only the WebRTC part is ours:
// 002 leaves it to Huawei's SDK; this page dials with JsSIP.
//
// A demo shortcut: the page gets its fabric token with the demo app's key and secret itself.
// A real site gets it on its server (the secret never reaches a browser).
import axios from 'axios'
import JsSIP from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession.js'

const APIfabric = location.origin
const c = { appKey: 'demo-app-key', appSecret: 'demo-app-secret' }
// The AICC channel (aicc.channels[].configId): ?channel= picks another than the demo's own.
const channelId = new URLSearchParams(location.search).get('channel') ?? 'web-1000'
const userId = `demo${Math.floor(Math.random() * 1e9)}`
const fabric = { token: '' }
const ccmessaging = { token: '' }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const log = (line: string): void => {
  $('log').textContent += `${line}\n`
}
const state = (text: string): void => {
  $('state').textContent = text
}

// 002: a renewed ccmessaging-token comes back in the response header; the client swaps it in.
axios.interceptors.response.use((res) => {
  const renewed = res.headers['ccmessaging-token'] as string | undefined
  if (renewed) ccmessaging.token = renewed
  return res
})

/** What the calls here answer (002's bodies; the fabric token's too). */
interface Answer {
  resultCode: string
  resultDesc: string
  AccessToken?: string
  token?: string
  webRTCSupported?: boolean
  clickToCallSupported?: boolean
  eventId?: number
  content?: Gateway & { causeId?: number; causeDesc?: string }
}

interface Gateway {
  domain: string
  gwAddresses: string[]
  accessCode: string
  clickToCallCaller: string
}

let session: RTCSession | null = null
let ua: JsSIP.UA | null = null
let polling = false

async function startChat(): Promise<void> {
  const token = await axios<Answer>({
    method: 'post',
    url: APIfabric + '/apigovernance/api/oauth/tokenByAkSk',
    headers: { 'Content-Type': 'application/json' },
    data: { app_key: c.appKey, app_secret: c.appSecret },
  })
  fabric.token = `Bearer ${token.data.AccessToken ?? ''}`
  const cc = await axios<Answer>({
    method: 'post',
    url: APIfabric + '/apiaccess/ccmessaging/applyToken',
    headers: { 'Content-Type': 'application/json', 'x-app-key': c.appKey, Authorization: fabric.token },
    data: { userId, userName: $<HTMLInputElement>('name').value, channelId, locale: 'en_US' },
  })
  ccmessaging.token = cc.data.token ?? ''
  // 请求send接口。
  const sent = await axios<Answer>({
    method: 'post',
    url: APIfabric + '/apiaccess/ccmessaging/send',
    headers: {
      'Content-Type': 'application/json',
      'x-app-key': c.appKey,
      Authorization: fabric.token,
      'ccmessaging-token': ccmessaging.token,
    },
    data: {
      channel: 'WEB',
      content: 'start',
      controlType: 'CONNECT',
      from: userId,
      mediaType: 'TEXT',
      sourceType: 'CUSTOMER',
      to: channelId,
    },
  })
  log(`send CONNECT: resultCode ${sent.data.resultCode}`)
  // 返回消息体resultCode为0,则成功。
  if (sent.data.resultCode !== '0') return state(`The chat did not start: ${sent.data.resultDesc}`)
  state('Chat connected')
  $<HTMLButtonElement>('call').disabled = false
}

async function callUs(): Promise<void> {
  // 检查浏览器环境支持WebRTC
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
    throw new Error('WebRTC is not supported')
  // 请求checkClickToCallSupport接口
  const support = await axios<Answer>({
    method: 'get',
    url: APIfabric + '/apiaccess/ccmessaging/v1/checkClickToCallSupport?channel=WEB',
    headers: {
      'Content-Type': 'application/json',
      'x-app-key': c.appKey,
      Authorization: fabric.token,
      'ccmessaging-token': ccmessaging.token,
    },
  })
  log(
    `checkClickToCallSupport: webRTCSupported ${support.data.webRTCSupported}, clickToCallSupported ${support.data.clickToCallSupported}`,
  )
  if (!support.data.webRTCSupported || !support.data.clickToCallSupported)
    return state('Calls are not offered here')
  // 请求createClickToCall。 (The page marks each step in the browser's performance timeline.)
  performance.mark('c2c:create')
  const created = await axios<Answer>({
    method: 'post',
    url: APIfabric + '/apiaccess/ccmessaging/v1/createClickToCall',
    headers: {
      'Content-Type': 'application/json',
      'x-app-key': c.appKey,
      Authorization: fabric.token,
      'ccmessaging-token': ccmessaging.token,
    },
    data: { channel: 'WEB', mediaAbility: '0' },
  })
  log(`createClickToCall: resultCode ${created.data.resultCode} ${created.data.resultDesc}`)
  if (created.data.resultCode !== '0') return state(created.data.resultDesc)
  state('Calling…')
  $<HTMLButtonElement>('call').disabled = true
  $<HTMLButtonElement>('drop').disabled = false
  void poll()
}

// 长轮询请求getClickToCallEvents。
async function poll(): Promise<void> {
  polling = true
  let failures = 0
  while (polling) {
    let res
    try {
      res = await axios<Answer>({
        method: 'get',
        url: APIfabric + '/apiaccess/ccmessaging/v1/getClickToCallEvents?channel=WEB',
        timeout: 60000,
        headers: {
          'Content-Type': 'application/json',
          'x-app-key': c.appKey,
          Authorization: fabric.token,
          'ccmessaging-token': ccmessaging.token,
        },
      })
    } catch {
      // 重试3次后,仍然失败则停止请求重试。
      if (++failures >= 3) return state('Lost contact with the server')
      continue
    }
    if (res.data.resultCode !== '0') {
      if (++failures >= 3) return state(res.data.resultDesc)
      continue
    }
    failures = 0
    const { eventId, content, resultDesc } = res.data
    if (eventId === undefined) continue
    performance.mark(`c2c:${eventId}`)
    log(`getClickToCallEvents: ${eventId} ${resultDesc}${content ? ` ${JSON.stringify(content)}` : ''}`)
    if (eventId === 168102) state('Waiting for an agent…')
    if (eventId === 168106) state('Transferring you…')
    if (eventId === 168101 && content) dial(content)
    if (eventId === 168103 || eventId === 168105 || eventId === 168110) {
      polling = false
      hangUpHere()
      state(`${resultDesc}${content?.causeDesc ? `: ${content.causeDesc}` : ''}`)
    }
  }
}

/** 168101: the call is connected; the browser reaches the WebRTC gateway and dials the access code. */
function dial(content: {
  domain: string
  gwAddresses: string[]
  accessCode: string
  clickToCallCaller: string
}): void {
  ua = new JsSIP.UA({
    sockets: content.gwAddresses.map((url) => new JsSIP.WebSocketInterface(url)),
    uri: `sip:${content.clickToCallCaller}@${content.domain}`,
    register: false,
  })
  ua.start()
  session = ua.call(`sip:${content.accessCode}@${content.domain}`, {
    mediaConstraints: { audio: true, video: false },
    eventHandlers: {
      confirmed: () => {
        performance.mark('c2c:confirmed')
        state('On the call')
      },
      ended: () => hangUpHere(),
      failed: (e: { cause?: string }) => {
        log(`the call failed: ${e.cause ?? ''}`)
        hangUpHere()
      },
    },
  })
  session.connection.addEventListener('track', (t) => {
    const speaker = $<HTMLAudioElement>('remote')
    speaker.srcObject = t.streams[0] ?? new MediaStream([t.track])
    void speaker.play().catch(() => undefined)
  })
}

function hangUpHere(): void {
  if (session && !session.isEnded()) session.terminate()
  session = null
  ua?.stop()
  ua = null
  $<HTMLButtonElement>('drop').disabled = true
  $<HTMLButtonElement>('call').disabled = false
}

// 主动挂断时,调用dropClickToCall接口。
async function drop(): Promise<void> {
  const res = await axios<Answer>({
    method: 'post',
    url: APIfabric + '/apiaccess/ccmessaging/v1/dropClickToCall',
    headers: {
      'Content-Type': 'application/json',
      'x-app-key': c.appKey,
      Authorization: fabric.token,
      'ccmessaging-token': ccmessaging.token,
    },
    data: { channel: 'WEB' },
  })
  log(`dropClickToCall: resultCode ${res.data.resultCode}`)
}

const guard = (work: () => Promise<void>) => () =>
  void work().catch((e: unknown) => {
    log(`error: ${e instanceof Error ? e.message : String(e)}`)
    state('Something went wrong: see the steps below')
  })
$('chat').addEventListener('click', guard(startChat))
$('call').addEventListener('click', guard(callUs))
$('drop').addEventListener('click', guard(drop))

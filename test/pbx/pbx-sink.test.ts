import { describe, expect, it } from 'vitest'
import { breachesOf004 } from '../support/pbx-sink.js'

// 004's own samples, as JSON: the checker the CRM stand-in uses must pass them and catch breaches.
const CC_CDR = {
  event: 'cc_cdr',
  uuid: '1541415929.807',
  caller: '85322361',
  called: '100',
  queueCode: '630',
  agentCode: '100',
  callType: 'incoming',
  cdrState: 'queue',
  hangupSide: 'caller',
  hangupCause: 'ANALOG ANALOG_EVENT_ONHOOK',
  startTime: '2018-11-05 19:05:31',
  endTime: '2018-11-05 19:05:39',
  duration: '8',
  queueTime: '7',
  feedbackTime: '0',
  ivrTime: '',
  ringTime: '7',
  holdTime: 0,
  pauseTime: 0,
  talkingTime: '0',
  voicemailState: '0',
  ivrId: '',
  ivrName: '',
  ivrDtmf: '0',
  fwType: '',
  score: '0',
  trunkNumber: '',
  forwardNumber: '',
  filePath: '',
  missCause: 'MEMBER_CANCEL',
  mac: '68:69:2e:03:8b:3e',
}

describe("the stand-in CRM's check of 004's fields", () => {
  it("passes 004's samples", () => {
    expect(breachesOf004(CC_CDR)).toEqual([])
    expect(
      breachesOf004({
        event: 'dialbegein',
        timestamp: '1534993059.785012',
        channel: 'DAHDI/i1/18782985586-51',
        calleridnum: '18782985586',
        destchannel: 'SIP/886-00000065',
        destcalleridnum: '886',
        destuniqueid: '1534993059.630',
        dialstring: 'SIP/886',
        uniqueid: '1534993030.626',
        mac: '68:69:2e:05:0f:9a',
      }),
    ).toEqual(['dialbegein: channel "DAHDI/i1/18782985586-51" is not /^SIP\\/.+-\\w+$/'])
    expect(
      breachesOf004({ event: 'extensionstatus', exten: '808', status: '0', statustext: 'Idle' }),
    ).toEqual([])
  })

  it('names each missing, extra, mistyped or malformed field', () => {
    const { score: _gone, ...noScore } = CC_CDR
    expect(breachesOf004(noScore)).toEqual(['cc_cdr: score missing'])
    expect(breachesOf004({ ...CC_CDR, extra: '1' })).toEqual(["cc_cdr: extra is not 004's"])
    expect(breachesOf004({ ...CC_CDR, holdTime: '0', duration: 8 })).toEqual([
      'cc_cdr: duration is number, not string',
      'cc_cdr: holdTime is string, not number',
    ])
    expect(breachesOf004({ ...CC_CDR, startTime: '2018-11-05T19:05:31Z', missCause: 'LOST' })).toHaveLength(2)
    expect(breachesOf004({ event: 'dial' })).toEqual(['unknown event "dial"'])
  })
})

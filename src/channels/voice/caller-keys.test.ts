import { describe, expect, it } from 'vitest'
import { infoDigit } from './caller-keys.js'

describe('keys pressed as SIP INFO', () => {
  it('reads application/dtmf-relay and application/dtmf, and nothing else', () => {
    expect(infoDigit('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toBe('5')
    expect(infoDigit('Application/DTMF-Relay', 'Signal= #\r\n')).toBe('#')
    expect(infoDigit('application/dtmf', '*')).toBe('*')
    expect(infoDigit('application/dtmf-relay', 'Signal=A\r\n')).toBeUndefined()
    expect(infoDigit('text/plain', '5')).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { compileMasks, maskText } from './masking.js'
import { DEFAULT_MASKING_PATTERNS } from './tenant-config.js'

describe('masking', () => {
  const masks = compileMasks(DEFAULT_MASKING_PATTERNS)

  it('masks card numbers but their last four digits, keeping separators', () => {
    expect(maskText('my card is 4111 1111 1111 1234, ok?', masks)).toBe('my card is **** **** **** 1234, ok?')
    expect(maskText('5500-0000-0000-0004', masks)).toBe('****-****-****-0004')
    expect(maskText('4111111111111111', masks)).toBe('************1111')
  })

  it('leaves ordinary numbers alone', () => {
    expect(maskText('order 12345, call 020 7946 0000 at 9', masks)).toBe(
      'order 12345, call 020 7946 0000 at 9',
    )
  })

  it('skips an invalid pattern instead of failing', () => {
    expect(compileMasks(['(', '\\d{3}'])).toHaveLength(1)
  })
})

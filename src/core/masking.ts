/**
 * Masks sensitive numbers in chat text before it is stored or delivered: every digit of a match
 * except the last four becomes "*" (spaces and dashes kept), as card receipts print them.
 */
export function compileMasks(patterns: readonly string[]): RegExp[] {
  // Patterns are validated when configuration is applied; a bad one here is skipped, not fatal.
  return patterns.flatMap((p) => {
    try {
      return [new RegExp(p, 'g')]
    } catch {
      return []
    }
  })
}

export function maskText(text: string, masks: readonly RegExp[]): string {
  let out = text
  for (const re of masks) {
    out = out.replace(re, (match) => {
      let keep = 4
      const chars = [...match]
      for (let i = chars.length - 1; i >= 0; i--) {
        if (!/\d/.test(chars[i] as string)) continue
        if (keep > 0) keep--
        else chars[i] = '*'
      }
      return chars.join('')
    })
  }
  return out
}

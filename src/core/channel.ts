export const CHANNELS = ['chat', 'voice', 'email'] as const
export type Channel = (typeof CHANNELS)[number]

export function isChannel(s: string): s is Channel {
  return (CHANNELS as readonly string[]).includes(s)
}

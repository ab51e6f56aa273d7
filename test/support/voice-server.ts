import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import type { RunningServer } from '../../src/main.js'
import { startServer } from '../../src/main.js'

/**
 * The real server, in memory, with these tenants (written to a YAML file as a user would) and
 * SIP on a free loopback port, its media in the rtpengine at `ng`.
 */
export function startVoiceServer(
  tenants: readonly unknown[],
  media: { readonly ng: string; readonly recordingDir?: string },
  more: Partial<NonNullable<Parameters<typeof startServer>[0]['voice']>> = {},
  server: Partial<Parameters<typeof startServer>[0]> = {},
): Promise<RunningServer> {
  const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'voice-server-')), 'config.yaml')
  writeFileSync(configFile, stringify({ tenants }))
  return startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: undefined,
    databaseUrl: undefined,
    configFile,
    logLevel: 'warn',
    voice: {
      sipHost: '127.0.0.1',
      sipPort: 0,
      rtpengine: media.ng,
      recordingDir: media.recordingDir,
      ...more,
    },
    ...server,
  })
}

import type { RunningServer } from '../../src/main.js'
import { startServer } from '../../src/main.js'

/** The real server with the demo configuration, in memory, on a free port. */
export function startDemoServer(logLevel = 'warn'): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: undefined,
    databaseUrl: undefined,
    configFile: 'config/demo.yaml',
    logLevel,
  })
}

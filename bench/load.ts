// Child process for the status benchmarks: the load generator, apart from the server's CPU.
// Arguments: base URL, seconds, connections, then optional paths cycled in order.
import autocannon from 'autocannon'

const [url = '', seconds = '5', connections = '100', ...paths] = process.argv.slice(2)
const result = await autocannon({
  url,
  duration: Number(seconds),
  connections: Number(connections),
  ...(paths.length > 0 ? { requests: paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
})
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  }) + '\n',
)

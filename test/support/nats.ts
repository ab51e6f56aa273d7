/**
 * The NATS server the cluster suites use: TEST_NATS_URL. In CI it must be set (.ci/run sets it
 * to the machine's server): a cluster suite that silently ran in-process only would hide bugs.
 */
export function natsUrl(): string | undefined {
  const url = process.env.TEST_NATS_URL
  if (!url && process.env.CI) throw new Error('CI requires TEST_NATS_URL to run the cluster suites on NATS')
  return url
}

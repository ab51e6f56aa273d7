import type { EventBus } from './cluster-ports.js'
import { BusTimeout, CLUSTER_WIDE, NoResponder } from './cluster-ports.js'
import { asDomain } from './remote-tenant.js'

/** A node that does not answer in this time is frozen or gone: the survey goes on without it. */
const ANSWER_WITHIN_MS = 1_500

export interface SurveyDeps {
  readonly bus: EventBus
  readonly nodeId: string
  /** The other nodes heard from lately. */
  readonly peers: () => readonly string[]
}

/** A question every node answers for what it alone holds, and how to put it to all of them. */
export interface Survey<Q, A> {
  /** The answers of this node and of every live peer that answered in time. */
  ask(question: Q): Promise<A[]>
  stop(): void
}

const subjectOf = (subject: string, nodeId: string): string =>
  `${subject}-${Buffer.from(nodeId, 'utf8').toString('base64url')}`

/**
 * Puts a question to every node of a cluster (the calls each holds, say: a call's SIP dialog and
 * media stay on the node it arrived at). A node that is gone or frozen is left out; an error a
 * node throws (a domain error) is thrown here as the same domain error.
 */
export function survey<Q, A>(
  deps: SurveyDeps,
  subject: string,
  answer: (question: Q) => Promise<A>,
): Survey<Q, A> {
  const stop = deps.bus.respond(CLUSTER_WIDE, subjectOf(subject, deps.nodeId), (q) => answer(q as Q))
  return {
    stop,
    async ask(question) {
      const theirs = deps.peers().map((peer) =>
        deps.bus.request(CLUSTER_WIDE, subjectOf(subject, peer), question, ANSWER_WITHIN_MS).then(
          (a) => [a as A],
          (e: unknown) => {
            if (e instanceof NoResponder || e instanceof BusTimeout) return []
            throw asDomain(e)
          },
        ),
      )
      const all = await Promise.all([answer(question).then((a) => [a]), ...theirs])
      return all.flat()
    },
  }
}

/** The same question on a single server: only this node answers. */
export function alone<Q, A>(answer: (question: Q) => Promise<A>): Survey<Q, A> {
  return { ask: async (q) => [await answer(q)], stop: () => undefined }
}

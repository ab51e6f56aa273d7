/** Why an agent got a contact: written with every offer and readable through the API. */
export interface RoutingDecision {
  readonly trigger: 'contact_arrived' | 'agent_available' | 'tier_relaxed' | 'requeued' | 'transfer'
  readonly strategy: string
  readonly tier: number
  readonly rule: string
  /** The best candidates in the order the strategy ranked them (at most a handful). */
  readonly candidates: readonly { readonly agentId: string; readonly key: readonly number[] }[]
  readonly chosenAgentId: string
  /**
   * When a freed agent chose among queues: the head contact of each queue it serves, in the
   * global order's terms (priority, original enqueue time). The first one won.
   */
  readonly contenders?: readonly {
    readonly contactId: string
    readonly queueId: string
    readonly priority: number
    readonly enqueuedAt: number
  }[]
  readonly waitedMs: number
}

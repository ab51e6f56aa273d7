import type { Contact } from './model.js'

/** An open contact as the agent works it, with the contacts that continue it (its calls). */
export interface Conversation {
  readonly contact: Contact
  readonly linked: Contact[]
}

/**
 * The open contacts as the agent works them: a contact that continues another one open here
 * (a call from a chat) is shown inside it, not on its own.
 */
export function openConversations(open: ReadonlyMap<string, Contact>): Conversation[] {
  const all = [...open.values()]
  const inside = (c: Contact) => c.relatedContactId !== null && open.has(c.relatedContactId)
  return all
    .filter((c) => !inside(c))
    .map((contact) => ({ contact, linked: all.filter((c) => c.relatedContactId === contact.id) }))
}

/** The conversation a contact is shown in: its own, or the open one it continues. */
export function shownIn(open: ReadonlyMap<string, Contact>, contactId: string): string {
  const related = open.get(contactId)?.relatedContactId
  return related && open.has(related) ? related : contactId
}

/**
 * The media server a voice call's audio is anchored in (rtpengine). A call is one media session
 * (`callId`) between two parties named by tags: the caller's, and ours, which stands for whoever
 * the caller is connected to (hold music, then an agent's phone).
 */
export interface MediaServer {
  /** Why voice cannot work now, or null when the media server answers. */
  readonly unavailableReason: string | null
  /** The caller's offer in; the SDP to send the other side out. `record` starts recording. */
  offer(req: MediaOffer): Promise<string>
  /** The other side's answer in; the SDP to send the caller out. */
  answer(req: MediaAnswer): Promise<string>
  /** Plays a file to the party `toTag`; resolves with how long it lasts (ms), once through. */
  play(callId: string, toTag: string, file: string, repeat?: number): Promise<number>
  stopPlaying(callId: string, toTag: string): Promise<void>
  /** Stops (or lets through again) the audio coming from party `fromTag` (an agent on hold). */
  silence(callId: string, fromTag: string, silenced: boolean): Promise<void>
  /** Ends the session; its recording, if any, is then complete. */
  end(callId: string): Promise<void>
  /** The finished recording of a call as a WAV file (after `end`), or null if there is none. */
  recording(callId: string): Promise<string | null>
}

export interface MediaOffer {
  readonly callId: string
  readonly fromTag: string
  /** Set on a re-offer within the session (the agent leg after the queue leg). */
  readonly toTag?: string
  readonly sdp: string
  readonly record?: boolean
}

export interface MediaAnswer {
  readonly callId: string
  readonly fromTag: string
  readonly toTag: string
  readonly sdp: string
}

/** Where a phone can be reached: kept so a restart does not wait for every phone to register again. */
export interface PhoneBinding {
  readonly tenantId: string
  readonly extension: string
  /** The Contact URI the phone registered. */
  readonly contact: string
  /** The address its REGISTER came from: calls go there (it may be behind NAT). */
  readonly source: { readonly transport: 'UDP' | 'TCP'; readonly host: string; readonly port: number }
  readonly expiresAt: number
  readonly userAgent: string | null
  readonly registeredAt: number
}

export interface PhoneBindingStore {
  /** Bindings that have not expired at `now`. */
  live(now: number): Promise<PhoneBinding[]>
  save(binding: PhoneBinding): Promise<void>
  remove(tenantId: string, extension: string, contact: string | null): Promise<void>
}

/** A call's recording: a WAV file on this server's disk, listed with its contact. */
export interface CallRecording {
  readonly tenantId: string
  readonly contactId: string
  readonly file: string
  readonly bytes: number
  readonly durationMs: number
  readonly createdAt: number
}

export interface CallRecordingStore {
  save(r: CallRecording): Promise<void>
  get(tenantId: string, contactId: string): Promise<CallRecording | undefined>
}

export {
  launchBroadcaster,
  startBroadcaster,
  type BroadcasterService,
  type BroadcasterOverrides,
} from './service.ts';
export { outboxChannel } from './relay/outboxListener.ts';
export {
  loadBroadcasterConfig,
  developmentApiToken,
  developmentAdminToken,
  developmentDatabaseUrl,
  developmentPubnubOrigin,
  type BroadcasterConfig,
  type RelaySettings,
} from './config.ts';
export {
  eventCatalogue,
  eventTypes,
  apiEventTypes,
  isEventType,
  timestampRange,
  type EventType,
  type ApiEventInput,
  type CatalogueEntry,
} from './events/catalogue.ts';
export {
  channelFor,
  parseChannel,
  outboxShardOf,
  type ChannelTarget,
  type ChannelScope,
} from './events/channels.ts';
export {
  buildEnvelope,
  envelopeVersion,
  maxEnvelopeBytes,
  type Envelope,
  type EventSource,
} from './events/envelope.ts';
export { validateEvent, validateSingle, validateBatch, maxBatchEvents } from './events/validateEvents.ts';
export { OutboxRelay, type DeliveryEvent } from './relay/outboxRelay.ts';
export { circuitGaugeValue, type CircuitStateName } from './relay/publishCircuit.ts';
export { createPubnubPublisher } from './relay/pubnubPublisher.ts';
export { createUndiciPublisher } from './relay/undiciPublisher.ts';
export { createRelayPublisher, type RelayPublisherOptions } from './relay/relayPublisher.ts';
export { publisherKinds, type Publisher, type PublisherKind } from './relay/publisher.ts';

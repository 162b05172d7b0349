import { channel } from 'node:diagnostics_channel';

/**
 * `fabrik:gateway:request`: one message per finished request, the UsageRecord the gateway meters
 * (ids, counts and timings; never a prompt). Published only when someone subscribes.
 */
export const gatewayRequestChannel = channel('fabrik:gateway:request');

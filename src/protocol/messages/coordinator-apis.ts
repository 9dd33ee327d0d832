/** The APIs of the group and transaction coordinators. */
import type { Api } from '../schema.js';

export const COORDINATOR_APIS: readonly Api[] = [];

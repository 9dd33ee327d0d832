/** Registers one handler per API. Anything registered here is advertised by ApiVersions, so register only what works. */
import { ApiVersions, Metadata } from '../../protocol/messages/core-apis.js';
import { Produce } from '../../protocol/messages/produce.js';
import { Fetch } from '../../protocol/messages/fetch.js';
import type { Broker } from '../broker.js';
import { apiVersions } from './api-versions.js';
import { metadata } from './metadata.js';
import { produce } from './produce.js';
import { fetch } from './fetch.js';
import { AlterConfigs, CreatePartitions, CreateTopics, DeleteRecords, DeleteTopics, DescribeCluster, DescribeConfigs, DescribeLogDirs, IncrementalAlterConfigs, ListOffsets, OffsetForLeaderEpoch } from '../../protocol/messages/core-apis.js';
import { listOffsets } from './list-offsets.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { createPartitions } from './create-partitions.js';
import { describeConfigs } from './describe-configs.js';
import { alterConfigs } from './alter-configs.js';
import { incrementalAlterConfigs } from './incremental-alter-configs.js';
import { deleteRecords } from './delete-records.js';
import { describeCluster } from './describe-cluster.js';
import { describeLogDirs } from './describe-log-dirs.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';

import { DeleteGroups, DescribeGroups, FindCoordinator, Heartbeat, JoinGroup, LeaveGroup, ListGroups, OffsetCommit, OffsetDelete, OffsetFetch, SyncGroup } from '../../protocol/messages/coordinator-apis.js';
import { findCoordinator } from './find-coordinator.js';
import { joinGroup } from './join-group.js';
import { syncGroup } from './sync-group.js';
import { heartbeat } from './heartbeat.js';
import { leaveGroup } from './leave-group.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { offsetDelete } from './offset-delete.js';
import { describeGroups } from './describe-groups.js';
import { listGroups } from './list-groups.js';
import { deleteGroups } from './delete-groups.js';

export function registerHandlers(broker: Broker): void {
  const d = broker.dispatcher;
  d.register(ApiVersions, apiVersions(broker));
  d.register(Metadata, metadata(broker));
  d.register(Produce, produce(broker));
  d.register(Fetch, fetch(broker));
  d.register(ListOffsets, listOffsets(broker));
  d.register(CreateTopics, createTopics(broker));
  d.register(DeleteTopics, deleteTopics(broker));
  d.register(CreatePartitions, createPartitions(broker));
  d.register(DescribeConfigs, describeConfigs(broker));
  d.register(AlterConfigs, alterConfigs(broker));
  d.register(IncrementalAlterConfigs, incrementalAlterConfigs(broker));
  d.register(DeleteRecords, deleteRecords(broker));
  d.register(DescribeCluster, describeCluster(broker));
  d.register(DescribeLogDirs, describeLogDirs(broker));
  d.register(OffsetForLeaderEpoch, offsetForLeaderEpoch(broker));
  // Group coordinator and committed offsets.
  d.register(FindCoordinator, findCoordinator(broker));
  d.register(JoinGroup, joinGroup(broker));
  d.register(SyncGroup, syncGroup(broker));
  d.register(Heartbeat, heartbeat(broker));
  d.register(LeaveGroup, leaveGroup(broker));
  d.register(OffsetCommit, offsetCommit(broker));
  d.register(OffsetFetch, offsetFetch(broker));
  d.register(OffsetDelete, offsetDelete(broker));
  d.register(DescribeGroups, describeGroups(broker));
  d.register(ListGroups, listGroups(broker));
  d.register(DeleteGroups, deleteGroups(broker));
}

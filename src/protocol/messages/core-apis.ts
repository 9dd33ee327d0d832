/** The APIs of the broker core: data path, topics, configs and cluster description. */
import type { Api } from '../schema.js';
import { AlterClientQuotas } from './alter-client-quotas.js';
import { AlterConfigs } from './alter-configs.js';
import { ApiVersions } from './api-versions.js';
import { CreateAcls } from './create-acls.js';
import { CreatePartitions } from './create-partitions.js';
import { CreateTopics } from './create-topics.js';
import { DeleteAcls } from './delete-acls.js';
import { DeleteRecords } from './delete-records.js';
import { DeleteTopics } from './delete-topics.js';
import { DescribeAcls } from './describe-acls.js';
import { DescribeClientQuotas } from './describe-client-quotas.js';
import { DescribeCluster } from './describe-cluster.js';
import { DescribeConfigs } from './describe-configs.js';
import { DescribeLogDirs } from './describe-log-dirs.js';
import { Fetch } from './fetch.js';
import { IncrementalAlterConfigs } from './incremental-alter-configs.js';
import { ListOffsets } from './list-offsets.js';
import { Metadata } from './metadata.js';
import { OffsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { Produce } from './produce.js';
import { SaslAuthenticate } from './sasl-authenticate.js';
import { SaslHandshake } from './sasl-handshake.js';
import { DescribeUserScramCredentials } from './describe-user-scram-credentials.js';
import { AlterUserScramCredentials } from './alter-user-scram-credentials.js';

export const CORE_APIS: readonly Api[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  OffsetForLeaderEpoch,
  DescribeConfigs,
  AlterConfigs,
  DescribeLogDirs,
  SaslAuthenticate,
  CreatePartitions,
  IncrementalAlterConfigs,
  DescribeCluster,
  DescribeClientQuotas,
  AlterClientQuotas,
  DescribeUserScramCredentials,
  AlterUserScramCredentials,
  DescribeAcls,
  CreateAcls,
  DeleteAcls,
];

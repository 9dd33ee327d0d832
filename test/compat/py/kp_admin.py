"""kafka-python's KafkaAdminClient against Samsa: create, describe, alter, grow and delete topics.

usage: kp_admin.py BOOTSTRAP TOPIC_PREFIX
"""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic

from kafka.errors import KafkaError

from _common import CheckFailed, check, eq, log, main

# Kafka's error codes that this script expects by number.
NONE = 0
TOPIC_ALREADY_EXISTS = 36
INVALID_PARTITIONS = 37
INVALID_REPLICATION_FACTOR = 38
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_CONFIG = 40


def topic_errors(resp):
    """{topic: error_code} from a CreateTopics response of any version kafka-python speaks."""
    return {t[0]: t[1] for t in resp.topic_errors}


def expect_error(fn, code, what):
    """KafkaAdminClient raises on a topic error in controller requests; the error class carries Kafka's code."""
    try:
        resp = fn()
    except KafkaError as e:
        eq(getattr(e, 'errno', None), code, what + ' (raised %s)' % type(e).__name__)
        return
    raise CheckFailed('%s: expected error code %d, got a successful response %r' % (what, code, resp))


def partitions_of(admin, topic):
    for t in admin.describe_topics([topic]):
        if t['topic'] == topic:
            if t['error_code'] != NONE:
                return None
            return sorted(p['partition'] for p in t['partitions'])
    return None


def wait_for(fn, what, timeout_s=10):
    deadline = time.time() + timeout_s
    while True:
        v = fn()
        if v:
            return v
        check(time.time() < deadline, 'timed out waiting for ' + what)
        time.sleep(0.1)


def describe_topic_configs(admin, topic, keys=None):
    """{name: (value, read_only, is_default_or_source)} for one topic; checks the per-resource error code."""
    resps = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=keys)])
    eq(len(resps), 1, 'DescribeConfigs responses')
    resources = resps[0].resources
    eq(len(resources), 1, 'DescribeConfigs resources')
    err, msg, rtype, rname, entries = resources[0][:5]
    eq((err, rname), (NONE, topic), 'DescribeConfigs error/name for %s (message %r)' % (topic, msg))
    eq(rtype, ConfigResourceType.TOPIC.value, 'DescribeConfigs resource type')
    return {e[0]: (e[1], e[2], e[3]) for e in entries}, resps[0].API_VERSION


def run(argv):
    bootstrap, prefix = argv[0], argv[1]
    summary = {}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='samsa-compat-admin', request_timeout_ms=10000)
    log('admin api_version', admin.config['api_version'])
    summary['api_version'] = list(admin.config['api_version'])
    a, b, c = prefix + '-a', prefix + '-b', prefix + '-c'
    try:
        # --- create_topics: plain, with configs, duplicate, invalid ---
        resp = admin.create_topics([
            NewTopic(a, num_partitions=2, replication_factor=1),
            NewTopic(b, num_partitions=1, replication_factor=1,
                     topic_configs={'retention.ms': '3600000', 'cleanup.policy': 'compact'}),
        ], timeout_ms=10000)
        summary['create_topics_version'] = resp.API_VERSION
        eq(topic_errors(resp), {a: NONE, b: NONE}, 'create_topics errors')
        eq(wait_for(lambda: partitions_of(admin, a), a + ' in metadata'), [0, 1], 'partitions of ' + a)
        eq(wait_for(lambda: partitions_of(admin, b), b + ' in metadata'), [0], 'partitions of ' + b)
        check(a in admin.list_topics() and b in admin.list_topics(), 'list_topics lacks new topics', admin.list_topics())

        expect_error(lambda: admin.create_topics([NewTopic(a, num_partitions=1, replication_factor=1)], timeout_ms=10000),
                     TOPIC_ALREADY_EXISTS, 'create_topics on an existing topic')
        expect_error(lambda: admin.create_topics([NewTopic(c, num_partitions=0, replication_factor=1)], timeout_ms=10000),
                     INVALID_PARTITIONS, 'create_topics with 0 partitions')
        expect_error(lambda: admin.create_topics([NewTopic(c, num_partitions=1, replication_factor=3)], timeout_ms=10000),
                     INVALID_REPLICATION_FACTOR, 'create_topics with replication 3 on one broker')
        check(c not in admin.list_topics(), 'a rejected topic exists anyway', c)

        # --- describe_configs: values given at creation, defaults, filtering by key ---
        cfg, version = describe_topic_configs(admin, b)
        summary['describe_configs_version'] = version
        eq(cfg.get('retention.ms', (None,))[0], '3600000', 'retention.ms of ' + b)
        eq(cfg.get('cleanup.policy', (None,))[0], 'compact', 'cleanup.policy of ' + b)
        check('segment.bytes' in cfg, 'describe_configs lacks segment.bytes', sorted(cfg))
        check(len(cfg) >= 10, 'describe_configs returned few entries', sorted(cfg))
        only, _ = describe_topic_configs(admin, b, {'retention.ms': None})
        eq(sorted(only), ['retention.ms'], 'describe_configs filtered to one key')
        summary['config_entries'] = len(cfg)

        # --- alter_configs: replaces the topic's whole set of overrides ---
        resp = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, b, configs={'retention.ms': '7200000'})])
        eq([(r[0], r[3]) for r in resp.resources], [(NONE, b)], 'alter_configs result (error, name)')
        cfg, _ = describe_topic_configs(admin, b)
        eq(cfg['retention.ms'][0], '7200000', 'retention.ms after alter_configs')
        # AlterConfigs is not incremental: cleanup.policy was not in the request, so it is back to its default.
        eq(cfg['cleanup.policy'][0], 'delete', 'cleanup.policy after a non-incremental alter_configs')
        resp = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, b, configs={'retention.ms': 'soon'})])
        eq(resp.resources[0][0], INVALID_CONFIG, 'alter_configs with a non-numeric retention.ms')
        cfg, _ = describe_topic_configs(admin, b)
        eq(cfg['retention.ms'][0], '7200000', 'retention.ms after a rejected alter_configs')

        # --- create_partitions: grow a topic, then use the new partition ---
        resp = admin.create_partitions({a: NewPartitions(total_count=5)}, timeout_ms=10000)
        eq([(t[0], t[1]) for t in resp.topic_errors], [(a, NONE)], 'create_partitions result')
        eq(wait_for(lambda: (partitions_of(admin, a) or [None]) == [0, 1, 2, 3, 4] and [0, 1, 2, 3, 4],
                    a + ' with 5 partitions'), [0, 1, 2, 3, 4], 'partitions after create_partitions')
        expect_error(lambda: admin.create_partitions({a: NewPartitions(total_count=3)}, timeout_ms=10000),
                     INVALID_PARTITIONS, 'create_partitions shrinking 5 -> 3')
        producer = KafkaProducer(bootstrap_servers=bootstrap)
        md = producer.send(a, value=b'on the new partition', partition=4).get(timeout=10)
        eq((md.partition, md.offset), (4, 0), 'first record on a new partition')
        producer.close(timeout=10)

        # --- delete_topics ---
        resp = admin.delete_topics([a, b], timeout_ms=10000)
        eq(sorted((t[0], t[1]) for t in resp.topic_error_codes), sorted([(a, NONE), (b, NONE)]), 'delete_topics result')
        wait_for(lambda: a not in admin.list_topics() and b not in admin.list_topics(), 'deleted topics to vanish')
        expect_error(lambda: admin.delete_topics([a], timeout_ms=10000), UNKNOWN_TOPIC_OR_PARTITION, 'delete_topics twice')

        # A deleted name can be used again, and starts empty.
        resp = admin.create_topics([NewTopic(a, num_partitions=1, replication_factor=1)], timeout_ms=10000)
        eq(topic_errors(resp), {a: NONE}, 'create_topics after delete')
        wait_for(lambda: partitions_of(admin, a), a + ' re-created')
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        end = consumer.end_offsets([TopicPartition(a, 0)])
        consumer.close()
        eq(list(end.values()), [0], 'end offset of a re-created topic')
        summary['topics_checked'] = [a, b, c]
    finally:
        admin.close()
    return summary


if __name__ == '__main__':
    main(run)

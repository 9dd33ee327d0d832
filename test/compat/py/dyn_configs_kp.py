"""Dynamic broker configs through kafka-python's KafkaAdminClient on one broker: describe the broker's configs with
their sources, alter them (AlterConfigs), see a topic inherit the new default, see message.max.bytes enforced on
the next produce, and a read-only key refused.

usage: dyn_configs_kp.py BOOTSTRAP NODE_ID TOPIC
"""
from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, MessageSizeTooLargeError

from _common import check, eq, log, main

INVALID_REQUEST = 42
DYNAMIC_BROKER_CONFIG = 2
DEFAULT_CONFIG = 5


def describe(admin, rtype, name, keys=None):
    wanted = None if keys is None else {k: None for k in keys}
    resps = admin.describe_configs([ConfigResource(rtype, name, configs=wanted)], include_synonyms=True)
    res = resps[0].resources[0]
    eq(res[0], 0, 'DescribeConfigs error of %s' % name)
    # (name, value, read_only, config_source, is_sensitive, synonyms)
    return {e[0]: {'value': e[1], 'readOnly': e[2], 'source': e[3]} for e in res[4]}


def run(argv):
    bootstrap, node, topic = argv[0], argv[1], argv[2]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    out = {}
    try:
        before = describe(admin, ConfigResourceType.BROKER, node, ['message.max.bytes', 'listeners', 'log.retention.ms'])
        out['before'] = before
        resp = admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, node,
                                                   configs={'message.max.bytes': '3000', 'log.retention.ms': '3600000'})])
        eq(resp.resources[0][0], 0, 'alter_configs on the broker')
        after = describe(admin, ConfigResourceType.BROKER, node, ['message.max.bytes', 'listeners', 'log.retention.ms'])
        out['after'] = after
        resp = admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, node,
                                                   configs={'listeners': 'PLAINTEXT://:1'})])
        out['readOnlyError'] = [resp.resources[0][0], resp.resources[0][1]]
        # The failed request changed nothing.
        again = describe(admin, ConfigResourceType.BROKER, node, ['message.max.bytes'])
        eq(again['message.max.bytes']['value'], '3000', 'message.max.bytes after a refused alter')

        admin.create_topics([NewTopic(topic, 1, 1)])
        t = describe(admin, ConfigResourceType.TOPIC, topic, ['retention.ms', 'max.message.bytes'])
        out['topic'] = t
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, retries=0, max_request_size=100000)
    try:
        producer.send(topic, b'x' * 500).get(timeout=10)
        try:
            producer.send(topic, b'y' * 5000).get(timeout=10)
            out['bigRecord'] = 'accepted'
        except MessageSizeTooLargeError:
            out['bigRecord'] = 'MESSAGE_TOO_LARGE'
        except KafkaError as e:
            out['bigRecord'] = type(e).__name__
    finally:
        producer.close()
    log('done', out)
    return out


main(run)

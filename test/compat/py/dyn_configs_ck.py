"""Dynamic broker and topic configs through confluent-kafka's AdminClient on a cluster: AlterConfigs on one broker
and on a topic, then DescribeConfigs of every broker. The cluster-wide default (the empty broker name, which
confluent-kafka 1.7 cannot name) is set with kafka-python's AlterConfigs, sent to whichever broker it picks.

usage: dyn_configs_ck.py BOOTSTRAP TOPIC BROKER_ID [BROKER_ID ...]
"""
from confluent_kafka.admin import AdminClient, ConfigResource
from kafka.admin import ConfigResource as KpResource, ConfigResourceType, KafkaAdminClient

from _common import eq, log, main


def alter(admin, resource):
    for _, f in admin.alter_configs([resource], request_timeout=15).items():
        f.result()


def run(argv):
    bootstrap, topic, ids = argv[0], argv[1], argv[2:]
    admin = AdminClient({'bootstrap.servers': bootstrap})
    out = {'brokers': {}}
    alter(admin, ConfigResource('broker', ids[1], set_config={'log.retention.ms': '123456'}))
    kp = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        resp = kp.alter_configs([KpResource(ConfigResourceType.BROKER, '',
                                            configs={'message.max.bytes': '4000', 'log.retention.ms': '654321'})])
        eq(resp.resources[0][0], 0, 'kafka-python AlterConfigs of the cluster default')
    finally:
        kp.close()
    alter(admin, ConfigResource('topic', topic, set_config={'retention.ms': '555000', 'cleanup.policy': 'compact'}))
    try:
        alter(admin, ConfigResource('broker', ids[0], set_config={'broker.rack': 'x'}))
        out['readOnly'] = 'accepted'
    except Exception as e:  # KafkaException carrying the broker's error
        err = e.args[0]
        out['readOnly'] = err.name() if hasattr(err, 'name') else str(e)
    for b in ids:
        for _, f in admin.describe_configs([ConfigResource('broker', b)], request_timeout=15).items():
            entries = f.result()
            out['brokers'][b] = {k: [entries[k].value, int(entries[k].source), entries[k].is_read_only]
                                 for k in ('log.retention.ms', 'message.max.bytes', 'broker.rack')}
    log('done', out)
    return out


main(run)

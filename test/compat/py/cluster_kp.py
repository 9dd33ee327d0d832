"""kafka-python against a Samsa cluster: bootstrap with every broker, create a topic with replication factor 3 through
one given broker (not necessarily the controller), read its leaders and replicas from the metadata, produce to
every partition, consume with a consumer group and commit, and read the committed offsets back.

usage: cluster_kp.py BOOTSTRAP_LIST ADMIN_BROKER TOPIC PARTITIONS COUNT
"""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from _common import check, eq, log, main


def run(argv):
    bootstrap = argv[0].split(',')
    admin_broker, topic, partitions, count = argv[1], argv[2], int(argv[3]), int(argv[4])
    admin = KafkaAdminClient(bootstrap_servers=[admin_broker], client_id='samsa-cluster-admin')
    res = admin.create_topics([NewTopic(topic, partitions, 3)])
    errs = [e for (_, e, _) in res.topic_errors] if hasattr(res, 'topic_errors') else []
    check(all(e == 0 for e in errs), 'create_topics failed', res)
    desc = None
    for _ in range(50):
        desc = admin.describe_topics([topic])[0]
        if len(desc['partitions']) == partitions and all(p['leader'] >= 0 for p in desc['partitions']):
            break
        time.sleep(0.1)
    parts = sorted(desc['partitions'], key=lambda p: p['partition'])
    leaders = [p['leader'] for p in parts]
    replicas = [sorted(p['replicas']) for p in parts]
    isr = [sorted(p['isr']) for p in parts]
    cluster = admin.describe_cluster()
    admin.close()
    log('leaders', leaders)

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, retries=5, client_id='samsa-cluster-producer')
    for i in range(count):
        producer.send(topic, key=b'k%d' % i, value=b'v%d' % i, partition=i % partitions).get(timeout=20)
    producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id='cluster-kp-' + topic,
        auto_offset_reset='earliest',
        enable_auto_commit=False,
        consumer_timeout_ms=15000,
    )
    got = []
    for m in consumer:
        got.append((m.partition, m.offset, m.value.decode()))
        if len(got) == count:
            break
    consumer.commit()
    committed = {p: consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    consumer.close()
    eq(len(got), count, 'records consumed')
    per_partition = {}
    for p, o, v in got:
        per_partition.setdefault(p, []).append(o)
    for p, offs in per_partition.items():
        eq(offs, sorted(offs), 'offsets in order in partition %d' % p)
    eq(sum(committed.values()), count, 'committed offsets')
    return {
        'leaders': leaders,
        'replicas': replicas,
        'isr': isr,
        'controller': cluster.get('controller_id'),
        'brokers': sorted(b['node_id'] for b in cluster['brokers']),
        'consumed': len(got),
    }


main(run)

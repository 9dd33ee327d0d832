"""kafka-python consumer groups against Samsa: commit() after each message, resume from the committed position,
and the admin client's group listing, description and offsets.

usage: groups_kp_commit.py BOOTSTRAP TOPIC GROUP
"""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from _common import check, eq, log, main


def consumer(bootstrap, topic, group):
    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset='earliest',
        enable_auto_commit=False,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
        consumer_timeout_ms=4000,
    )


def drain(c, want=None, limit_s=30):
    """Reads until `want` messages arrived (then waits a little for extras) or, without want, until idle."""
    got = []
    deadline = time.time() + limit_s
    while time.time() < deadline:
        batch = c.poll(timeout_ms=500)
        for tp, msgs in batch.items():
            for m in msgs:
                got.append(m.value.decode())
                c.commit()
        if want is not None and len(got) >= want:
            # Anything beyond want would be a duplicate: give it a moment to show up.
            extra = c.poll(timeout_ms=1000)
            for msgs in extra.values():
                got.extend(m.value.decode() for m in msgs)
            break
        if want is None and not batch and c.assignment():
            # Idle with an assignment: read the position a few more times to be sure nothing comes.
            more = c.poll(timeout_ms=2500)
            for msgs in more.values():
                got.extend(m.value.decode() for m in msgs)
            break
    return got


def run(argv):
    bootstrap, topic, group = argv
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1)])
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(30):
        producer.send(topic, ('a%d' % i).encode(), partition=i % 3)
    producer.flush()

    c1 = consumer(bootstrap, topic, group)
    first = drain(c1, want=30)
    eq(sorted(first), sorted('a%d' % i for i in range(30)), 'first run reads every record once')
    committed = {p: c1.committed(TopicPartition(topic, p)) for p in range(3)}
    eq(committed, {0: 10, 1: 10, 2: 10}, 'committed offsets after the first run')
    c1.close()
    log('first run read', len(first))

    c2 = consumer(bootstrap, topic, group)
    nothing = drain(c2)
    eq(nothing, [], 'a second run of the same group starts at the committed offsets')
    for i in range(6):
        producer.send(topic, ('b%d' % i).encode(), partition=i % 3)
    producer.flush()
    second = drain(c2, want=6)
    eq(sorted(second), sorted('b%d' % i for i in range(6)), 'the second run reads exactly the new records')

    groups = admin.list_consumer_groups()
    log('groups', groups)
    check((group, 'consumer') in groups, 'list_consumer_groups shows the group', groups)
    desc = admin.describe_consumer_groups([group])[0]
    log('describe', desc)
    eq(desc.group, group, 'described group id')
    eq(desc.state, 'Stable', 'state while a member is active')
    eq(desc.protocol_type, 'consumer', 'protocol type')
    eq(len(desc.members), 1, 'one member')
    member = desc.members[0]
    assigned = sorted(p for t, ps in member.member_assignment.assignment for p in ps)
    eq(assigned, [0, 1, 2], 'the member holds all three partitions')
    c2.close()

    offsets = admin.list_consumer_group_offsets(group)
    got = {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == topic}
    eq(got, {0: 12, 1: 12, 2: 12}, 'list_consumer_group_offsets after both runs')
    desc = admin.describe_consumer_groups([group])[0]
    eq(desc.state, 'Empty', 'state after the last member left')
    admin.close()
    producer.close()
    return {'first': len(first), 'second': len(second), 'offsets': got, 'groups': [g for g, _ in groups]}


if __name__ == '__main__':
    main(run)

"""confluent-kafka (librdkafka) consumer groups against Samsa: two members sharing a topic with auto commit and
no duplicates, then the cooperative-sticky assignor moving only the partitions that have to move.

usage: groups_ck_share.py BOOTSTRAP TOPIC_PREFIX
"""
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from _common import check, eq, log, main


class Member(threading.Thread):
    def __init__(self, bootstrap, topic, group, strategy):
        super().__init__(daemon=True)
        self.topic = topic
        self.consumer = Consumer({
            'bootstrap.servers': bootstrap,
            'group.id': group,
            'auto.offset.reset': 'earliest',
            'enable.auto.commit': True,
            'auto.commit.interval.ms': 200,
            'session.timeout.ms': 6000,
            'heartbeat.interval.ms': 500,
            'partition.assignment.strategy': strategy,
        })
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.assigned = set()
        self.revoked = []
        self.received = []
        self.errors = []

    def on_assign(self, c, parts):
        with self.lock:
            self.assigned |= {p.partition for p in parts}

    def on_revoke(self, c, parts):
        with self.lock:
            self.revoked.append(sorted(p.partition for p in parts))
            self.assigned -= {p.partition for p in parts}

    def run(self):
        self.consumer.subscribe([self.topic], on_assign=self.on_assign, on_revoke=self.on_revoke)
        while not self.stop.is_set():
            m = self.consumer.poll(0.2)
            if m is None:
                continue
            if m.error():
                self.errors.append(str(m.error()))
                continue
            with self.lock:
                self.received.append(m.value().decode())
        self.consumer.close()

    def state(self):
        with self.lock:
            return set(self.assigned), list(self.received), list(self.revoked)


def wait_for(pred, what, limit_s=60):
    deadline = time.time() + limit_s
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError('timed out waiting for ' + what)


def create(admin, topic, partitions):
    for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        f.result()


def produce(producer, topic, prefix, n, partitions):
    for i in range(n):
        producer.produce(topic, ('%s%d' % (prefix, i)).encode(), partition=i % partitions)
    producer.flush(10)


def share(bootstrap, admin, producer, topic):
    create(admin, topic, 4)
    group = topic + '-g'
    a = Member(bootstrap, topic, group, 'range')
    b = Member(bootstrap, topic, group, 'range')
    a.start()
    b.start()
    wait_for(lambda: len(a.state()[0]) == 2 and len(b.state()[0]) == 2, 'two partitions each')
    produce(producer, topic, 's', 200, 4)
    wait_for(lambda: len(a.state()[1]) + len(b.state()[1]) >= 200, 'all records')
    time.sleep(1)
    got = a.state()[1] + b.state()[1]
    eq(len(got), 200, 'records received by the two members')
    eq(len(set(got)), 200, 'distinct records (no duplicates)')
    check(a.state()[0].isdisjoint(b.state()[0]), 'members hold different partitions')
    time.sleep(0.6)  # one more auto commit
    a.stop.set()
    b.stop.set()
    a.join(20)
    b.join(20)
    check(not a.errors and not b.errors, 'no consumer errors', a.errors, b.errors)
    probe = Consumer({'bootstrap.servers': bootstrap, 'group.id': group})
    committed = probe.committed([TopicPartition(topic, p) for p in range(4)], timeout=10)
    probe.close()
    offsets = {tp.partition: tp.offset for tp in committed}
    eq(offsets, {0: 50, 1: 50, 2: 50, 3: 50}, 'auto-committed offsets')
    return offsets


def cooperative(bootstrap, admin, producer, topic):
    create(admin, topic, 4)
    group = topic + '-g'
    a = Member(bootstrap, topic, group, 'cooperative-sticky')
    a.start()
    wait_for(lambda: a.state()[0] == {0, 1, 2, 3}, 'the first member to own all four partitions')
    b = Member(bootstrap, topic, group, 'cooperative-sticky')
    b.start()
    wait_for(lambda: len(a.state()[0]) == 2 and len(b.state()[0]) == 2, 'two partitions each after the second joined')
    time.sleep(2)
    sa, _, revoked_a = a.state()
    sb, _, _ = b.state()
    log('cooperative: a', sorted(sa), 'b', sorted(sb), 'a revoked', revoked_a)
    check(sa.isdisjoint(sb), 'members hold different partitions', sa, sb)
    # Incremental: the first member gave up exactly the two partitions that moved and kept the others throughout.
    eq(revoked_a, [sorted(sb)], 'partitions revoked from the first member')
    produce(producer, topic, 'c', 40, 4)
    wait_for(lambda: len(a.state()[1]) + len(b.state()[1]) >= 40, 'all records')
    got = a.state()[1] + b.state()[1]
    eq(len(set(got)), 40, 'distinct records')
    a.stop.set()
    b.stop.set()
    a.join(20)
    b.join(20)
    return {'a': sorted(sa), 'b': sorted(sb), 'revoked': revoked_a}


def run(argv):
    bootstrap, prefix = argv
    admin = AdminClient({'bootstrap.servers': bootstrap})
    producer = Producer({'bootstrap.servers': bootstrap})
    offsets = share(bootstrap, admin, producer, prefix + '-share')
    coop = cooperative(bootstrap, admin, producer, prefix + '-coop')
    return {'offsets': offsets, 'cooperative': coop}


if __name__ == '__main__':
    main(run)

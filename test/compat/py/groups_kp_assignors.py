"""kafka-python group assignment against Samsa: the Range and RoundRobin assignors share a topic's partitions
between three members, and a member beyond the partition count stays idle.

usage: groups_kp_assignors.py BOOTSTRAP TOPIC_PREFIX GROUP_PREFIX
"""
import threading
import time

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

from _common import check, eq, log, main


class Member(threading.Thread):
    """One consumer polling on its own thread (a JoinGroup blocks until every member has joined)."""

    def __init__(self, bootstrap, topic, group, assignor):
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            auto_offset_reset='earliest',
            enable_auto_commit=False,
            session_timeout_ms=10000,
            heartbeat_interval_ms=500,
            partition_assignment_strategy=[assignor],
        )
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.assigned = set()
        self.received = []

    def run(self):
        while not self.stop.is_set():
            batch = self.consumer.poll(timeout_ms=200)
            with self.lock:
                self.assigned = {tp.partition for tp in self.consumer.assignment()}
                for msgs in batch.values():
                    self.received.extend((m.partition, m.offset) for m in msgs)
            if batch:
                self.consumer.commit()
        self.consumer.close()

    def snapshot(self):
        with self.lock:
            return set(self.assigned), list(self.received)


def settle(members, partitions, sizes, limit_s=60):
    """Waits until the members' assignments cover every partition once with the expected sizes."""
    deadline = time.time() + limit_s
    last = None
    while time.time() < deadline:
        sets = [m.snapshot()[0] for m in members]
        union = set().union(*sets)
        if union == set(range(partitions)) and sum(len(s) for s in sets) == partitions and sorted(len(s) for s in sets) == sorted(sizes):
            # Stable for a moment, not a passing state of a rebalance.
            time.sleep(1.5)
            again = [m.snapshot()[0] for m in members]
            if again == sets:
                return sets
        last = sets
        time.sleep(0.2)
    raise AssertionError('assignment did not settle: %r' % (last,))


def scenario(bootstrap, admin, producer, topic, group, assignor, partitions, members_n, sizes):
    admin.create_topics([NewTopic(topic, partitions, 1)])
    members = [Member(bootstrap, topic, group, assignor) for _ in range(members_n)]
    for m in members:
        m.start()
    try:
        sets = settle(members, partitions, sizes)
        log(assignor.name, topic, 'assignment', sets)
        for i in range(partitions * 5):
            producer.send(topic, b'x', partition=i % partitions)
        producer.flush()
        deadline = time.time() + 30
        while time.time() < deadline:
            got = [r for m in members for r in m.snapshot()[1]]
            if len(got) >= partitions * 5:
                break
            time.sleep(0.2)
        time.sleep(1)
        got = [r for m in members for r in m.snapshot()[1]]
        eq(len(got), partitions * 5, '%s: records received by the group' % assignor.name)
        eq(len(set(got)), len(got), '%s: no record was received twice' % assignor.name)
        for m, s in zip(members, sets):
            parts = {p for p, _ in m.snapshot()[1]}
            check(parts <= s, '%s: a member received only its own partitions' % assignor.name, parts, s)
        return [sorted(s) for s in sets]
    finally:
        for m in members:
            m.stop.set()
        for m in members:
            m.join(timeout=20)


def run(argv):
    bootstrap, prefix, gprefix = argv
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    out = {}
    for assignor in (RangePartitionAssignor, RoundRobinPartitionAssignor):
        six = scenario(bootstrap, admin, producer, '%s-%s-6' % (prefix, assignor.name), '%s-%s-6' % (gprefix, assignor.name), assignor, 6, 3, [2, 2, 2])
        two = scenario(bootstrap, admin, producer, '%s-%s-2' % (prefix, assignor.name), '%s-%s-2' % (gprefix, assignor.name), assignor, 2, 3, [0, 1, 1])
        out[assignor.name] = {'six': six, 'two': two}
    producer.close()
    admin.close()
    return out


if __name__ == '__main__':
    main(run)

"""One confluent-kafka group member that reports what it holds and reads, line by line on stdout, until killed
or its stdin closes. Lines: 'ASSIGN p,p,...' after each change, 'MSG value' per record.

usage: groups_ck_member.py BOOTSTRAP TOPIC GROUP
"""
import select
import sys

from confluent_kafka import Consumer

bootstrap, topic, group = sys.argv[1:4]
assigned = set()


def report():
    print('ASSIGN ' + ','.join(str(p) for p in sorted(assigned)), flush=True)


def on_assign(c, parts):
    assigned.update(p.partition for p in parts)
    report()


def on_revoke(c, parts):
    assigned.difference_update(p.partition for p in parts)
    report()


c = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': True,
    'auto.commit.interval.ms': 200,
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 500,
})
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
while True:
    if select.select([sys.stdin], [], [], 0)[0] and sys.stdin.read(1) == '':
        break
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    print('MSG ' + m.value().decode(), flush=True)
c.close()
print('CLOSED', flush=True)

"""A confluent-kafka (librdkafka) consumer-group member driven by the node test over stdin/stdout.

usage: ck_group_member.py BOOTSTRAP TOPIC GROUP STRATEGY

Every event is one JSON line on stdout:
  {"ev": "assigned", "partitions": [...]}   {"ev": "revoked", "partitions": [...]}
  {"ev": "record", "partition": p, "offset": o, "key": k, "value": v}
  {"ev": "closed", "committed": {partition: offset}}
A line "stop" on stdin makes it commit synchronously, close (leaving the group) and exit.
"""
import json
import sys
import threading

from confluent_kafka import Consumer, KafkaException

bootstrap, topic, group, strategy = sys.argv[1:5]
lock = threading.Lock()


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()


stop = threading.Event()


def read_stdin():
    for line in sys.stdin:
        if line.strip() == 'stop':
            break
    stop.set()


threading.Thread(target=read_stdin, daemon=True).start()

c = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': True,
    'auto.commit.interval.ms': 500,
    'session.timeout.ms': 10000,
    'heartbeat.interval.ms': 300,
    'partition.assignment.strategy': strategy,
})


def on_assign(consumer, parts):
    emit({'ev': 'assigned', 'partitions': sorted(p.partition for p in parts)})


def on_revoke(consumer, parts):
    emit({'ev': 'revoked', 'partitions': sorted(p.partition for p in parts)})


c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
while not stop.is_set():
    m = c.poll(0.1)
    if m is None:
        continue
    if m.error():
        emit({'ev': 'error', 'error': str(m.error())})
        continue
    emit({'ev': 'record', 'partition': m.partition(), 'offset': m.offset(),
          'key': None if m.key() is None else m.key().decode(),
          'value': None if m.value() is None else m.value().decode()})
try:
    c.commit(asynchronous=False)
except KafkaException:
    pass  # nothing new to commit
committed = {}
try:
    for tp in c.committed(c.assignment(), timeout=10):
        committed[tp.partition] = tp.offset
except KafkaException:
    pass
c.close()
emit({'ev': 'closed', 'committed': committed})

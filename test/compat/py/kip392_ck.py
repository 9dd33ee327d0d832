"""Fetch from the closest replica (KIP-392) with confluent-kafka: a consumer with client.rack reads a partition whose
leader is in another rack; librdkafka's statistics show which broker it fetched from.

usage: kip392_ck.py BOOTSTRAP TOPIC CLIENT_RACK COUNT
"""
import json
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from _common import check, eq, log, main


def run(argv):
    bootstrap, topic, rack, count = argv[0], argv[1], argv[2], int(argv[3])
    stats = {}
    logs = []

    def on_stats(text):
        stats['last'] = json.loads(text)

    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'kip392-' + topic,
        'client.id': 'kip392-ck',
        'client.rack': rack,
        'enable.auto.commit': False,
        'statistics.interval.ms': 200,
        'stats_cb': on_stats,
        'debug': 'fetch',
        'logger': _Logger(logs),
    })
    got = []
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        deadline = time.time() + 60
        while len(got) < count and time.time() < deadline:
            m = consumer.poll(0.5)
            if m is None or m.error():
                continue
            got.append(m.value().decode())
        eq(len(got), count, 'records read')
        eq(got, ['r%d' % i for i in range(count)], 'records in order')
        time.sleep(1)  # one more statistics interval
        consumer.poll(0.3)
    finally:
        consumer.close()
    s = stats.get('last') or {}
    fetches = {}
    for b in s.get('brokers', {}).values():
        if b.get('nodeid', -1) >= 0:
            # A broker can appear twice (its bootstrap entry and its learned one): count both.
            key = str(b['nodeid'])
            fetches[key] = fetches.get(key, 0) + b.get('req', {}).get('Fetch', 0)
    part = s.get('topics', {}).get(topic, {}).get('partitions', {}).get('0', {})
    preferred = [l for l in logs if 'preferred' in l.lower()][:5]
    log('fetches per broker', fetches, 'partition', part.get('leader'), part.get('broker'), preferred)
    check(s, 'no statistics')
    return {'read': len(got), 'fetches': fetches, 'leader': part.get('leader'), 'broker': part.get('broker'),
            'preferredLogs': preferred}


class _Logger:
    """A logging.Logger stand-in for librdkafka's log lines."""

    def __init__(self, sink):
        self.sink = sink

    def log(self, level, fmt, *args):
        self.sink.append(fmt % args if args else fmt)

    def __getattr__(self, name):
        return lambda *a, **k: None


main(run)

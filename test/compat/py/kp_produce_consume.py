"""kafka-python against Samsa: producer features, then a group-less consumer (assign/seek) and offset look-ups.

usage: kp_produce_consume.py BOOTSTRAP TOPIC_PREFIX
The broker must auto-create topics with 3 partitions (num.partitions=3).
"""
import json
import pickle
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from _common import check, eq, log, main

PARTITIONS = 3


def consume_all(bootstrap, topic, partitions, expect_counts, start=None, timeout_s=20):
    """Reads each partition from `start` (default 0) until it has expect_counts[p] records; returns {p: [records]}."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        client_id='samsa-compat-consumer',
    )
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, (start or {}).get(tp.partition, 0))
        got = {p: [] for p in partitions}
        deadline = time.time() + timeout_s
        while any(len(got[p]) < expect_counts[p] for p in partitions):
            check(time.time() < deadline, 'timed out consuming %s' % topic,
                  {p: len(got[p]) for p in partitions}, 'wanted', expect_counts)
            for tp, recs in consumer.poll(timeout_ms=500).items():
                got[tp.partition].extend(recs)
        for p in partitions:
            eq(len(got[p]), expect_counts[p], 'records read from %s-%d' % (topic, p))
        return got
    finally:
        consumer.close()


def run(argv):
    bootstrap, prefix = argv[0], argv[1]
    summary = {}

    # --- JSON values, string keys, explicit partitions, futures, callbacks, headers, null key / null value ---
    topic = prefix + '-json'
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id='samsa-compat-producer',
        acks='all',
        key_serializer=lambda k: None if k is None else k.encode('utf-8'),
        value_serializer=lambda v: None if v is None else json.dumps(v, sort_keys=True).encode('utf-8'),
        linger_ms=5,
    )
    log('producer api_version', producer.config['api_version'])
    summary['api_version'] = list(producer.config['api_version'])
    sent = []  # (partition, key, value, headers)
    futures = []
    for i in range(60):
        p = i % PARTITIONS
        key = None if i % 10 == 3 else 'k%d' % i
        value = None if i % 10 == 7 else {'i': i, 'text': 'value %d \u00e9\u4e2d' % i, 'list': [i, i * 2]}
        headers = [('idx', str(i).encode()), ('empty', b'')] if i % 2 == 0 else []
        futures.append(producer.send(topic, key=key, value=value, partition=p, headers=headers))
        sent.append((p, key, value, headers))
    next_offset = {p: 0 for p in range(PARTITIONS)}
    for (p, key, value, headers), fut in zip(sent, futures):
        md = fut.get(timeout=10)
        eq(md.topic, topic, 'RecordMetadata.topic')
        eq(md.partition, p, 'RecordMetadata.partition for key %r' % key)
        # Sends to one partition from one producer are appended in order.
        eq(md.offset, next_offset[p], 'RecordMetadata.offset in partition %d' % p)
        next_offset[p] += 1
    summary['future_offsets'] = dict((str(k), v) for k, v in next_offset.items())

    # add_callback / add_errback: every send reports exactly once, through the callback.
    called, errors = [], []
    for i in range(30):
        fut = producer.send(topic, key='cb%d' % i, value={'cb': i}, partition=0)
        fut.add_callback(lambda md, i=i: called.append((i, md.partition, md.offset)))
        fut.add_errback(lambda exc, i=i: errors.append((i, repr(exc))))
        sent.append((0, 'cb%d' % i, {'cb': i}, []))
    producer.flush(timeout=10)
    eq(errors, [], 'errbacks')
    eq(len(called), 30, 'callbacks after flush')
    cb_offsets = sorted(o for _, _, o in called)
    eq(cb_offsets, list(range(next_offset[0], next_offset[0] + 30)), 'callback offsets')
    next_offset[0] += 30
    producer.close(timeout=10)

    got = consume_all(bootstrap, topic, range(PARTITIONS), next_offset)
    expect = {p: [s for s in sent if s[0] == p] for p in range(PARTITIONS)}
    for p in range(PARTITIONS):
        for n, (rec, (_, key, value, headers)) in enumerate(zip(got[p], expect[p])):
            where = '%s-%d@%d' % (topic, p, n)
            eq(rec.offset, n, where + ' offset')
            eq(rec.key, None if key is None else key.encode('utf-8'), where + ' key')
            eq(None if rec.value is None else json.loads(rec.value), value, where + ' value')
            eq([(k, bytes(v)) for k, v in rec.headers], headers, where + ' headers')
    summary['json_records'] = sum(len(v) for v in got.values())

    # Seek to the middle of a partition: the first record read is exactly that offset.
    mid = consume_all(bootstrap, topic, [1], {1: next_offset[1] - 5}, start={1: 5})
    eq(mid[1][0].offset, 5, 'first offset after seek(5)')
    eq(mid[1][0].key, expect[1][5][1].encode(), 'key after seek(5)')

    # --- pickle values, every compression codec kafka-python has ---
    obj_topic = prefix + '-pickle'
    codecs = [None, 'gzip', 'snappy', 'lz4', 'zstd']
    objs = []
    for ci, codec in enumerate(codecs):
        producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            value_serializer=pickle.dumps,
            compression_type=codec,
            linger_ms=20,
        )
        futs = []
        for i in range(40):
            obj = {'codec': codec, 'i': i, 'tuple': (i, 'x' * (i % 7)), 'set': {i, -i}, 'bytes': bytes(range(i % 256)),
                   'float': i / 3.0}
            objs.append(obj)
            futs.append(producer.send(obj_topic, value=obj, partition=0))
        producer.flush(timeout=10)
        offs = [f.get(timeout=10).offset for f in futs]
        eq(offs, list(range(ci * 40, ci * 40 + 40)), 'offsets with compression %s' % codec)
        producer.close(timeout=10)
    got = consume_all(bootstrap, obj_topic, [0], {0: len(objs)})[0]
    for n, (rec, obj) in enumerate(zip(got, objs)):
        eq(rec.offset, n, 'pickle offset')
        eq(pickle.loads(rec.value), obj, 'pickle value at offset %d' % n)
    summary['pickle_records'] = len(got)
    summary['codecs'] = [c or 'none' for c in codecs]

    # --- offsets: beginning/end, and offsets_for_times on explicit timestamps ---
    ts_topic = prefix + '-times'
    base = (int(time.time()) - 3600) * 1000
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    for i in range(10):
        producer.send(ts_topic, value=b'v%d' % i, partition=2, timestamp_ms=base + i * 1000).get(timeout=10)
    producer.close(timeout=10)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        tps = [TopicPartition(ts_topic, p) for p in range(PARTITIONS)]
        begin = consumer.beginning_offsets(tps)
        end = consumer.end_offsets(tps)
        eq({tp.partition: o for tp, o in begin.items()}, {0: 0, 1: 0, 2: 0}, 'beginning_offsets')
        eq({tp.partition: o for tp, o in end.items()}, {0: 0, 1: 0, 2: 10}, 'end_offsets')
        tp2 = TopicPartition(ts_topic, 2)
        # The first record whose timestamp is >= the target: exact hit, between two records, before all, after all.
        for target, want in [(base + 4000, 4), (base + 2500, 3), (base - 10, 0), (base + 60000, None)]:
            r = consumer.offsets_for_times({tp2: target})[tp2]
            if want is None:
                eq(r, None, 'offsets_for_times after the last record')
            else:
                check(r is not None, 'offsets_for_times(%d) returned None' % target)
                eq(r.offset, want, 'offsets_for_times(base+%d) offset' % (target - base))
                eq(r.timestamp, base + want * 1000, 'offsets_for_times(base+%d) timestamp' % (target - base))
        # Same answer on every partition at once; empty partitions have no such record.
        many = consumer.offsets_for_times({tp: base for tp in tps})
        eq(many[TopicPartition(ts_topic, 0)], None, 'offsets_for_times on an empty partition')
        eq(many[tp2].offset, 0, 'offsets_for_times(base) on partition 2')
        consumer.assign([tp2])
        consumer.seek(tp2, 0)
        recs = []
        deadline = time.time() + 20
        while len(recs) < 10:
            check(time.time() < deadline, 'timed out reading timestamps topic', len(recs))
            for _, rs in consumer.poll(timeout_ms=500).items():
                recs.extend(rs)
        eq([r.timestamp for r in recs], [base + i * 1000 for i in range(10)], 'record timestamps (CreateTime)')
        eq([r.value for r in recs], [b'v%d' % i for i in range(10)], 'timestamp topic values')
    finally:
        consumer.close()
    summary['times_checked'] = True
    return summary


if __name__ == '__main__':
    main(run)

"""confluent-kafka-python (librdkafka) against Samsa: produce N records with delivery callbacks, read them back with
assign() (no group membership), in order and byte-exact.

usage: ck_roundtrip.py BOOTSTRAP TOPIC COUNT [COMPRESSION]
"""
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from _common import check, eq, log, main


def value_of(i):
    # Varied sizes and every byte value, so framing or codec slips cannot hide.
    return (b'%08d:' % i) + bytes((i + j) % 256 for j in range(i % 97))


def run(argv):
    bootstrap, topic, count = argv[0], argv[1], int(argv[2])
    codec = argv[3] if len(argv) > 3 else 'none'
    errors = []
    producer = Producer({
        'bootstrap.servers': bootstrap,
        'client.id': 'samsa-compat-ck',
        'linger.ms': 5,
        'compression.codec': codec,
        'enable.idempotence': False,
        'error_cb': lambda err: errors.append(str(err)),
    })
    delivered = {}
    failed = []

    def on_delivery(err, msg):
        if err is not None:
            failed.append((msg.key(), str(err)))
        else:
            delivered[int(msg.key())] = (msg.partition(), msg.offset())

    t0 = time.time()
    for i in range(count):
        while True:
            try:
                producer.produce(topic, key=b'%d' % i, value=value_of(i), partition=0, on_delivery=on_delivery,
                                 headers=[('n', b'%d' % i)] if i % 100 == 0 else None)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    left = producer.flush(30)
    produce_s = time.time() - t0
    eq(left, 0, 'messages still queued after flush(30)')
    eq(failed[:5], [], 'delivery failures (first 5 of %d)' % len(failed))
    eq(len(delivered), count, 'delivery callbacks with success')
    # One producer, one partition, no retries needed: offsets are the send order.
    bad = [i for i in range(count) if delivered[i] != (0, i)]
    check(not bad, 'delivered (partition, offset) differs from send order', [(i, delivered[i]) for i in bad[:5]])
    log('produced', count, 'in %.2fs' % produce_s)

    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        # librdkafka wants a group.id for any consumer; nothing here joins or commits, since only assign() is used.
        'group.id': 'samsa-compat-unused',
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'enable.partition.eof': True,
        'error_cb': lambda err: errors.append(str(err)),
    })
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    t0 = time.time()
    n = 0
    deadline = time.time() + 60
    while True:
        check(time.time() < deadline, 'timed out consuming', n)
        msgs = consumer.consume(num_messages=1000, timeout=0.2)
        eof = False
        for m in msgs:
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof = True
                    continue
                check(False, 'consumer error', str(m.error()))
            eq(m.offset(), n, 'offset of record %d' % n)
            eq(m.key(), b'%d' % n, 'key at offset %d' % n)
            if m.value() != value_of(n):
                check(False, 'value at offset %d differs' % n, m.value()[:40], value_of(n)[:40])
            want_headers = [('n', b'%d' % n)] if n % 100 == 0 else None
            eq(m.headers(), want_headers, 'headers at offset %d' % n)
            n += 1
        if eof and n >= count:
            break
    consume_s = time.time() - t0
    eq(n, count, 'records consumed')
    lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    eq((lo, hi), (0, count), 'watermark offsets')
    consumer.close()
    log('consumed', n, 'in %.2fs;' % consume_s, 'client errors:', errors)
    return {'produced': len(delivered), 'consumed': n, 'produce_s': round(produce_s, 3),
            'consume_s': round(consume_s, 3), 'client_errors': errors[:10], 'codec': codec}


if __name__ == '__main__':
    main(run)

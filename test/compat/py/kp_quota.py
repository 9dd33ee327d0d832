"""kafka-python against Samsa's client quotas: produce or consume as fast as the broker lets this client id, and
report the steady rate (bytes per second between WARMUP and the end, after the first burst a quota window allows)
and the largest throttle time the client saw in responses (its own produce/fetch throttle metrics).

usage: kp_quota.py produce|consume BOOTSTRAP TOPIC CLIENT_ID SECONDS WARMUP
"""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from _common import check, log, main

VALUE = b'x' * 1000


def metric(metrics, group, name):
    for g, values in metrics.items():
        if g == group and name in values:
            return values[name]
    return None


def produce(bootstrap, topic, client_id, seconds, warmup):
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks=1,
        linger_ms=5,
        batch_size=16384,
        buffer_memory=262144,
        max_block_ms=120000,
        request_timeout_ms=120000,
    )
    acked = []

    def on_ack(_md):
        acked.append(time.monotonic())

    start = time.monotonic()
    end = start + seconds
    sent = 0
    while time.monotonic() < end:
        producer.send(topic, VALUE).add_callback(on_ack)
        sent += 1
    window = [t for t in acked if start + warmup <= t <= end]
    throttle_max = metric(producer.metrics(), 'producer-metrics', 'produce-throttle-time-max')
    producer.close(timeout=2)
    log('%s: sent %d, acked %d, %d in the measured window' % (client_id, sent, len(acked), len(window)))
    return {
        'bytes': len(acked) * len(VALUE),
        'rate': len(window) * len(VALUE) / (seconds - warmup),
        'throttleMax': throttle_max or 0,
    }


def consume(bootstrap, topic, client_id, seconds, warmup):
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=16384,
        fetch_max_wait_ms=100,
        request_timeout_ms=120000,
    )
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek(tp, 0)
    start = time.monotonic()
    end = start + seconds
    total = 0
    in_window = 0
    last = start
    while time.monotonic() < end:
        for records in consumer.poll(timeout_ms=200).values():
            now = time.monotonic()
            n = sum(len(r.value) for r in records)
            total += n
            last = now
            if start + warmup <= now <= end:
                in_window += n
    throttle_max = metric(consumer.metrics(), 'consumer-fetch-manager-metrics', 'fetch-throttle-time-max')
    consumer.close()
    check(total > 0, 'nothing consumed')
    log('%s: consumed %d bytes, %d in the measured window' % (client_id, total, in_window))
    return {
        'bytes': total,
        'rate': in_window / (seconds - warmup),
        'elapsed': last - start,
        'throttleMax': throttle_max or 0,
    }


def run(argv):
    mode, bootstrap, topic, client_id = argv[0], argv[1], argv[2], argv[3]
    seconds, warmup = float(argv[4]), float(argv[5])
    return (produce if mode == 'produce' else consume)(bootstrap, topic, client_id, seconds, warmup)


if __name__ == '__main__':
    main(run)

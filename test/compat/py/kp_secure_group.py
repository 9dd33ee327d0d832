"""kafka-python over a secured listener: produce COUNT records, then a group consumer with auto commit iterates
`for message in consumer` until it has every one of them (the case where users saw kafka-python lose records
over SSL), and a second consumer in the same group finds nothing left (the auto commits covered everything).

usage: kp_secure_group.py BOOTSTRAP TOPIC GROUP COUNT SECURITY_JSON
SECURITY_JSON: the keyword arguments of the security settings, e.g. {"security_protocol": "SSL", "ssl_cafile": ...}
"""
import json
import time

from kafka import KafkaConsumer, KafkaProducer

from _common import check, eq, log, main


def run(argv):
    bootstrap, topic, group, count = argv[0], argv[1], argv[2], int(argv[3])
    security = json.loads(argv[4])
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks='all', **security)
    futures = [producer.send(topic, value=b'%08d' % i, key=b'%d' % (i % 13)) for i in range(count)]
    producer.flush(timeout=120)
    for f in futures:
        f.get(timeout=60)
    producer.close()
    log('produced', count)

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset='earliest',
        enable_auto_commit=True,
        auto_commit_interval_ms=500,
        consumer_timeout_ms=20000,
        **security,
    )
    seen = set()
    received = 0
    deadline = time.time() + 240
    for message in consumer:
        received += 1
        seen.add(int(message.value))
        if len(seen) == count or time.time() > deadline:
            break
    consumer.close(autocommit=True)
    log('received', received, 'distinct', len(seen))
    missing = sorted(set(range(count)) - seen)
    eq(len(missing), 0, 'records never received (first ones: %r)' % missing[:10])

    again = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset='earliest',
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
        **security,
    )
    left = sum(1 for _ in again)
    again.close()
    check(left == 0, 'the group resumed before its committed end', left)
    return {'produced': count, 'received': received, 'distinct': len(seen), 'left': left}


if __name__ == '__main__':
    main(run)

"""confluent-kafka-python (librdkafka) over a secured listener: produce COUNT records with delivery callbacks, then
a group consumer reads every one of them.

usage: ck_secure.py BOOTSTRAP TOPIC GROUP COUNT SECURITY_JSON
SECURITY_JSON: librdkafka properties, e.g. {"security.protocol": "ssl", "ssl.ca.location": ...}
"""
import json
import time

from confluent_kafka import Consumer, Producer

from _common import check, eq, log, main


def run(argv):
    bootstrap, topic, group, count = argv[0], argv[1], argv[2], int(argv[3])
    security = json.loads(argv[4])
    errors = []
    producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 5, 'error_cb': lambda e: errors.append(str(e)), **security})
    delivered = []

    def on_delivery(err, msg):
        check(err is None, 'delivery failed', str(err))
        delivered.append(msg.offset())

    for i in range(count):
        while True:
            try:
                producer.produce(topic, value=b'%08d' % i, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    left = producer.flush(60)
    eq(left, 0, 'records not delivered')
    eq(len(delivered), count, 'delivery reports')
    log('produced', count)

    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': True,
        **security,
    })
    consumer.subscribe([topic])
    seen = set()
    deadline = time.time() + 120
    while len(seen) < count and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        check(msg.error() is None, 'consume error', str(msg.error()))
        seen.add(int(msg.value()))
    consumer.close()
    eq(len(seen), count, 'records received')
    return {'produced': count, 'distinct': len(seen), 'errors': errors}


if __name__ == '__main__':
    main(run)

"""confluent-kafka (librdkafka) over SASL: produce COUNT records and read them back with a group consumer.

usage: sasl_ck.py BOOTSTRAP TOPIC SECURITY_PROTOCOL MECHANISM USER PASSWORD COUNT [CAFILE]
"""
import time

from confluent_kafka import Consumer, Producer

from _common import check, eq, log, main


def run(argv):
    bootstrap, topic, protocol, mechanism, user, password, count = argv[:7]
    count = int(count)
    conf = {
        'bootstrap.servers': bootstrap,
        'security.protocol': protocol,
        'sasl.mechanism': mechanism,
        'sasl.username': user,
        'sasl.password': password,
    }
    if len(argv) > 7:
        conf['ssl.ca.location'] = argv[7]
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(str(err))

    p = Producer(dict(conf, **{'linger.ms': 5}))
    for i in range(count):
        while True:
            try:
                p.produce(topic, ('m%d' % i).encode(), on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
    left = p.flush(60)
    eq(left, 0, 'messages left unsent')
    eq(errors, [], 'delivery errors')
    log('sent', count)

    c = Consumer(dict(conf, **{'group.id': 'sasl-ck-' + topic, 'auto.offset.reset': 'earliest'}))
    c.subscribe([topic])
    seen = set()
    deadline = time.time() + 90
    while len(seen) < count and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        check(m.error() is None, 'consumer error', str(m.error()))
        seen.add(m.value().decode())
    c.close()
    eq(len(seen), count, 'distinct records received')
    return {'sent': count, 'distinct': len(seen)}


main(run)

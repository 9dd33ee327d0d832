"""kafka-python 2.0.2 over SASL: a producer sends COUNT records, then a group consumer iterating
`for message in consumer` with auto commit must receive every one of them exactly once.

usage: sasl_kp.py BOOTSTRAP TOPIC SECURITY_PROTOCOL MECHANISM USER PASSWORD COUNT [CAFILE]
"""
import time

from kafka import KafkaConsumer, KafkaProducer

from _common import check, eq, log, main


def run(argv):
    bootstrap, topic, protocol, mechanism, user, password, count = argv[:7]
    count = int(count)
    security = dict(
        bootstrap_servers=bootstrap,
        security_protocol=protocol,
        sasl_mechanism=mechanism,
        sasl_plain_username=user,
        sasl_plain_password=password,
    )
    if len(argv) > 7:
        security.update(ssl_cafile=argv[7], ssl_check_hostname=True)
    producer = KafkaProducer(acks='all', linger_ms=5, **security)
    futures = [producer.send(topic, ('m%d' % i).encode()) for i in range(count)]
    producer.flush()
    for f in futures:
        f.get(timeout=30)
    producer.close()
    log('sent', count)

    consumer = KafkaConsumer(
        topic,
        group_id='sasl-kp-' + topic,
        auto_offset_reset='earliest',
        enable_auto_commit=True,
        auto_commit_interval_ms=500,
        consumer_timeout_ms=10000,
        **security,
    )
    seen = set()
    received = 0
    deadline = time.time() + 120
    for message in consumer:
        received += 1
        seen.add(message.value.decode())
        if len(seen) >= count or time.time() > deadline:
            break
    consumer.commit()
    consumer.close()
    eq(len(seen), count, 'distinct records received')
    check(received == count, 'no record twice', received)
    return {'sent': count, 'received': received, 'distinct': len(seen)}


main(run)

"""kafka-python producing with acks='all' to every partition of a topic, each send confirmed before the next.

usage: kp_produce_acks_all.py BOOTSTRAP TOPIC PARTITIONS COUNT_PER_PARTITION
Prints {"sent": {partition: [offsets]}}: the offsets the broker acknowledged.
"""
from kafka import KafkaProducer

from _common import eq, main


def run(argv):
    bootstrap, topic, partitions, count = argv[0], argv[1], int(argv[2]), int(argv[3])
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(','), acks='all', retries=5, linger_ms=0)
    try:
        eq(sorted(producer.partitions_for(topic)), list(range(partitions)), 'partitions of %s' % topic)
        sent = {}
        for p in range(partitions):
            for i in range(count):
                md = producer.send(topic, value=('kp-%d-%d' % (p, i)).encode(), partition=p).get(timeout=30)
                sent.setdefault(str(p), []).append(md.offset)
        producer.flush()
        return {'sent': sent}
    finally:
        producer.close()


main(run)

"""kafka-python sends to the empty topic name (issue 9): the send fails with a client error, the broker keeps serving.

Usage: kp_empty_topic.py BOOTSTRAP TOPIC
Sends b'x' to '' and reports how the send ended, then produces and reads back one record on TOPIC through fresh
clients to show the broker still serves.
"""
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from _common import eq, log, main


def run(argv):
    bootstrap, topic = argv
    producer = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=5000, api_version_auto_timeout_ms=5000)
    outcome = 'sent'
    try:
        producer.send('', b'x').get(timeout=10)
    except Exception as e:  # the client gives up on a topic it cannot get metadata for
        outcome = type(e).__name__
        log('send to "" failed as expected:', outcome, e)
    producer.close(timeout=5)

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    md = producer.send(topic, b'after').get(timeout=30)
    producer.close(timeout=5)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=10000)
    tp = TopicPartition(topic, md.partition)
    consumer.assign([tp])
    consumer.seek(tp, md.offset)
    values = [m.value for m in consumer]
    consumer.close()
    eq(values[:1], [b'after'], 'the record produced after the bad send reads back')
    return {'emptyTopicSend': outcome, 'offset': md.offset}


if __name__ == '__main__':
    main(run)

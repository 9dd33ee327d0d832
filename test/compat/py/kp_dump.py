"""Reads every partition of a topic from its first to its last offset with kafka-python and prints the records as
JSON (keys, values and header values in base64, since they are bytes). Used to check what other clients wrote.

usage: kp_dump.py BOOTSTRAP TOPIC
"""
import base64
import time

from kafka import KafkaConsumer, TopicPartition

from _common import check, main


def b64(b):
    return None if b is None else base64.b64encode(bytes(b)).decode('ascii')


def run(argv):
    bootstrap, topic = argv[0], argv[1]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        parts = consumer.partitions_for_topic(topic)
        check(parts, 'no partitions known for topic', topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        begin = consumer.beginning_offsets(tps)
        end = consumer.end_offsets(tps)
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, begin[tp])
        got = {tp.partition: [] for tp in tps}
        want = {tp.partition: end[tp] - begin[tp] for tp in tps}
        deadline = time.time() + 30
        while any(len(got[p]) < want[p] for p in got):
            check(time.time() < deadline, 'timed out', {p: len(got[p]) for p in got}, want)
            for tp, recs in consumer.poll(timeout_ms=500).items():
                got[tp.partition].extend(recs)
        records = []
        for p in sorted(got):
            for r in got[p]:
                records.append({
                    'partition': p, 'offset': r.offset, 'timestamp': r.timestamp, 'key': b64(r.key),
                    'value': b64(r.value), 'headers': [[k, b64(v)] for k, v in r.headers],
                })
        return {
            'partitions': len(tps),
            'begin': {str(tp.partition): o for tp, o in begin.items()},
            'end': {str(tp.partition): o for tp, o in end.items()},
            'records': records,
        }
    finally:
        consumer.close()


if __name__ == '__main__':
    main(run)

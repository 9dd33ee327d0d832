"""kafka-python side of the client interop test.

consume <bootstrap> <topic> <count>: reads `count` records from partition offsets 0 and prints them as JSON.
produce <bootstrap> <topic> <count>: writes `count` records with keys, headers and timestamps, prints a summary.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

mode, bootstrap, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

if mode == "consume":
    c = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                      consumer_timeout_ms=20000)
    parts = c.partitions_for_topic(topic)
    deadline = time.time() + 20
    while not parts and time.time() < deadline:
        time.sleep(0.2)
        parts = c.partitions_for_topic(topic)
    c.assign([TopicPartition(topic, p) for p in sorted(parts)])
    c.seek_to_beginning()
    out = []
    for m in c:
        out.append({
            "partition": m.partition, "offset": m.offset, "timestamp": m.timestamp,
            "key": None if m.key is None else m.key.decode(),
            "value": None if m.value is None else m.value.decode(),
            "headers": [[k, None if v is None else v.decode()] for k, v in m.headers],
        })
        if len(out) >= count:
            break
    c.close()
    print(json.dumps({"records": out}))
elif mode == "produce":
    codec = sys.argv[5] if len(sys.argv) > 5 else None
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec)
    futures = []
    for i in range(count):
        futures.append(p.send(topic, key=("kp-%d" % i).encode(), value=("from-python-%d" % i).encode(),
                               headers=[("origin", b"kafka-python"), ("i", str(i).encode())],
                               timestamp_ms=1_500_000_000_000 + i))
    p.flush()
    parts = [f.get(timeout=10).partition for f in futures]
    p.close()
    print(json.dumps({"ok": True, "partitions": parts}))

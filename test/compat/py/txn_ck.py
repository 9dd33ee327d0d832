"""confluent-kafka-python (librdkafka) idempotent and transactional producers against Samsa.

usage: txn_ck.py MODE BOOTSTRAP TOPIC [ARGS...]
  idempotent BOOTSTRAP TOPIC COUNT        enable.idempotence with COUNT records on 3 partitions: no duplicates, no gaps
  commit-abort BOOTSTRAP TOPIC            committed and aborted transactions as read_committed / read_uncommitted see them
  lso BOOTSTRAP TOPIC                     an open transaction holds read_committed consumers at the last stable offset
  ctp BOOTSTRAP IN OUT GROUP              consume-transform-produce with send_offsets_to_transaction (and one abort)
  fence BOOTSTRAP TOPIC                   a second producer with the same transactional.id fences the first
"""
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition

from _common import check, eq, log, main


def consume_all(bootstrap, topic, partitions, isolation, expect=None, idle_s=3.0, limit_s=60.0):
    """Reads every record of the topic with assign(); returns [(partition, offset, key, value)]."""
    c = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'samsa-txn-reader-%s' % uuid.uuid4().hex[:8],
        'enable.auto.commit': False,
        'isolation.level': isolation,
        'fetch.wait.max.ms': 100,
    })
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    out = []
    t0 = time.time()
    last = time.time()
    while time.time() - t0 < limit_s:
        m = c.poll(0.2)
        if m is None:
            if expect is not None and len(out) >= expect and time.time() - last > 0.5:
                break
            if time.time() - last > idle_s:
                break
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(m.error())
        out.append((m.partition(), m.offset(), m.key(), m.value()))
        last = time.time()
    c.close()
    return out


def txn_producer(bootstrap, tid, errors, **extra):
    conf = {
        'bootstrap.servers': bootstrap,
        'transactional.id': tid,
        'linger.ms': 5,
        'error_cb': lambda err: errors.append(str(err)),
    }
    conf.update(extra)
    return Producer(conf)


def mode_idempotent(argv):
    bootstrap, topic, count = argv[0], argv[1], int(argv[2])
    errors = []
    p = Producer({
        'bootstrap.servers': bootstrap,
        'enable.idempotence': True,
        'linger.ms': 2,
        'batch.num.messages': 200,
        'error_cb': lambda err: errors.append(str(err)),
    })
    failed = []
    delivered = []

    def cb(err, msg):
        if err is not None:
            failed.append(str(err))
        else:
            delivered.append((msg.partition(), msg.offset(), int(msg.key())))

    for i in range(count):
        while True:
            try:
                p.produce(topic, key=b'%d' % i, value=b'v%d' % i, partition=i % 3, on_delivery=cb)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    eq(p.flush(60), 0, 'messages left after flush')
    eq(failed[:3], [], 'delivery failures')
    eq(len(delivered), count, 'delivered')
    got = consume_all(bootstrap, topic, 3, 'read_committed', expect=count)
    keys = [int(k) for (_, _, k, _) in got]
    eq(len(keys), count, 'records read back')
    eq(len(set(keys)), count, 'distinct keys (duplicates present otherwise)')
    # per partition the keys must be in send order
    for part in range(3):
        ks = [int(k) for (pp, _, k, _) in got if pp == part]
        eq(ks, sorted(ks), 'order in partition %d' % part)
    return {'produced': count, 'consumed': len(keys), 'distinct': len(set(keys)), 'client_errors': errors}


def mode_commit_abort(argv):
    bootstrap, topic = argv[0], argv[1]
    errors = []
    p = txn_producer(bootstrap, 'ck-ca-' + uuid.uuid4().hex[:8], errors)
    p.init_transactions(30)
    plan = [('c1', True, 10), ('a1', False, 7), ('c2', True, 5), ('a2', False, 3)]
    for name, commit, n in plan:
        p.begin_transaction()
        for i in range(n):
            p.produce(topic, key=b'%s-%d' % (name.encode(), i), value=name.encode(), partition=i % 2)
        p.flush(30)
        if commit:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
    # a non-transactional record after everything, so readers have something past the last marker
    plain = Producer({'bootstrap.servers': bootstrap})
    plain.produce(topic, key=b'plain', value=b'plain', partition=0)
    plain.flush(10)
    committed = consume_all(bootstrap, topic, 2, 'read_committed', expect=16)
    uncommitted = consume_all(bootstrap, topic, 2, 'read_uncommitted', expect=26)
    cvals = sorted(v.decode() for (_, _, _, v) in committed)
    uvals = sorted(v.decode() for (_, _, _, v) in uncommitted)
    eq(cvals, sorted(['c1'] * 10 + ['c2'] * 5 + ['plain']), 'read_committed values')
    eq(uvals, sorted(['c1'] * 10 + ['a1'] * 7 + ['c2'] * 5 + ['a2'] * 3 + ['plain']), 'read_uncommitted values')
    # markers take offsets but never surface: offsets have gaps exactly where markers are
    offs0 = sorted(o for (pp, o, _, _) in uncommitted if pp == 0)
    check(offs0[-1] > len(offs0) - 1, 'partition 0 offsets show no marker gaps', offs0)
    return {'read_committed': len(committed), 'read_uncommitted': len(uncommitted), 'client_errors': errors}


def mode_lso(argv):
    bootstrap, topic = argv[0], argv[1]
    errors = []
    p = txn_producer(bootstrap, 'ck-lso-' + uuid.uuid4().hex[:8], errors)
    p.init_transactions(30)
    p.begin_transaction()
    for i in range(5):
        p.produce(topic, key=b'a%d' % i, value=b'first', partition=0)
    p.commit_transaction(30)
    p.begin_transaction()
    for i in range(5):
        p.produce(topic, key=b'b%d' % i, value=b'open', partition=0)
    p.flush(30)
    # the second transaction is open: read_committed stops before it, read_uncommitted sees it
    held = consume_all(bootstrap, topic, 1, 'read_committed', idle_s=2.0)
    seen = consume_all(bootstrap, topic, 1, 'read_uncommitted', expect=10)
    eq([v for (_, _, _, v) in held], [b'first'] * 5, 'read_committed during the open transaction')
    eq(len(seen), 10, 'read_uncommitted during the open transaction')
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'lso-wm', 'isolation.level': 'read_committed'})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.close()
    p.commit_transaction(30)
    after = consume_all(bootstrap, topic, 1, 'read_committed', expect=10)
    eq(len(after), 10, 'read_committed after commit')
    return {'held': len(held), 'uncommitted': len(seen), 'after_commit': len(after), 'watermarks_while_open': [lo, hi], 'client_errors': errors}


def mode_ctp(argv):
    bootstrap, tin, tout, group = argv[0], argv[1], argv[2], argv[3]
    n = 60
    errors = []
    src = Producer({'bootstrap.servers': bootstrap})
    for i in range(n):
        src.produce(tin, key=b'%d' % i, value=b'in-%d' % i, partition=0)
    src.flush(10)
    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'enable.auto.commit': False,
        'auto.offset.reset': 'earliest',
        'isolation.level': 'read_committed',
    })
    consumer.subscribe([tin])
    p = txn_producer(bootstrap, 'ck-ctp-' + uuid.uuid4().hex[:8], errors)
    p.init_transactions(30)
    processed = 0
    aborted_once = False
    t0 = time.time()
    while processed < n and time.time() - t0 < 60:
        msgs = consumer.consume(num_messages=20, timeout=1.0)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            continue
        p.begin_transaction()
        for m in msgs:
            p.produce(tout, key=m.key(), value=b'out-' + m.value(), partition=0)
        p.flush(30)  # abort_transaction purges unsent messages; the aborted ones must reach the log
        positions = consumer.position(consumer.assignment())
        p.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
        if not aborted_once and processed >= 20:
            # abort one batch: its output must vanish and the group offsets must not move; then re-read it
            p.abort_transaction(30)
            aborted_once = True
            committed = consumer.committed([TopicPartition(tin, 0)], timeout=10)
            eq(committed[0].offset, processed, 'group offset after the aborted transaction')
            consumer.seek(TopicPartition(tin, 0, processed))
            continue
        p.commit_transaction(30)
        processed += len(msgs)
        committed = consumer.committed([TopicPartition(tin, 0)], timeout=10)
        eq(committed[0].offset, processed, 'group offset after a committed transaction')
    consumer.close()
    eq(processed, n, 'records processed')
    out = consume_all(bootstrap, tout, 1, 'read_committed', expect=n)
    keys = sorted(int(k) for (_, _, k, _) in out)
    eq(keys, list(range(n)), 'output keys: each input exactly once')
    raw = consume_all(bootstrap, tout, 1, 'read_uncommitted', expect=n + 1)
    check(len(raw) > n, 'the aborted batch is in the log for read_uncommitted readers', len(raw))
    return {'processed': processed, 'output': len(out), 'output_uncommitted': len(raw), 'aborted_once': aborted_once, 'client_errors': errors}


def mode_fence(argv):
    bootstrap, topic = argv[0], argv[1]
    tid = 'ck-fence-' + uuid.uuid4().hex[:8]
    e1, e2 = [], []
    p1 = txn_producer(bootstrap, tid, e1)
    p1.init_transactions(30)
    p1.begin_transaction()
    p1.produce(topic, key=b'zombie', value=b'zombie', partition=0)
    p1.flush(30)
    p2 = txn_producer(bootstrap, tid, e2)
    p2.init_transactions(30)
    fenced = None
    try:
        p1.produce(topic, key=b'zombie2', value=b'zombie', partition=0)
        p1.commit_transaction(30)
    except KafkaException as e:
        err = e.args[0]
        fenced = {'name': err.name(), 'fatal': err.fatal(), 'str': err.str()}
    check(fenced is not None, 'the first producer could still commit after being fenced')
    p2.begin_transaction()
    p2.produce(topic, key=b'live', value=b'live', partition=0)
    p2.commit_transaction(30)
    got = consume_all(bootstrap, topic, 1, 'read_committed', expect=1)
    eq([v for (_, _, _, v) in got], [b'live'], 'read_committed sees only the new producer')
    return {'fenced': fenced, 'client_errors': e1 + e2}


MODES = {'idempotent': mode_idempotent, 'commit-abort': mode_commit_abort, 'lso': mode_lso, 'ctp': mode_ctp, 'fence': mode_fence}

if __name__ == '__main__':
    import sys
    mode = sys.argv.pop(1)
    main(MODES[mode])

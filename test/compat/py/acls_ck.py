"""ACLs enforced on confluent-kafka (librdkafka) clients, users authenticated by client certificates (MODE ssl:
principals User:CN=<name>) or SASL PLAIN (MODE sasl: principals User:<name>). confluent-kafka 1.7.0 has no ACL admin
API, so the super user `admin` sets the ACLs with kafka-python's KafkaAdminClient. `carol` may write and read
topic A, use group GA and transactional id TX-OK; topic B, group GB and transactional id TX-NO are refused; an
idempotent producer is allowed because carol may write to some topic (KIP-679).

usage: acls_ck.py BOOTSTRAP PREFIX MODE [CERT_DIR]
"""
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from kafka import KafkaAdminClient
from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, NewTopic, ResourcePattern,
                         ResourceType)

from _common import check, eq, log, main

SETUP = {}


def conf(bootstrap, user, **extra):
    """librdkafka settings that log `user` in."""
    c = {'bootstrap.servers': bootstrap}
    if SETUP['mode'] == 'ssl':
        d = SETUP['cert_dir']
        c.update({'security.protocol': 'ssl', 'ssl.ca.location': d + '/ca.pem',
                  'ssl.certificate.location': '%s/%s.pem' % (d, user), 'ssl.key.location': '%s/%s.key' % (d, user)})
    else:
        c.update({'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.username': user,
                  'sasl.password': user + '-secret'})
    c.update(extra)
    return c


def admin_security():
    """kafka-python settings for the super user `admin`."""
    if SETUP['mode'] == 'ssl':
        d = SETUP['cert_dir']
        return dict(security_protocol='SSL', ssl_check_hostname=True, ssl_cafile=d + '/ca.pem',
                    ssl_certfile=d + '/admin.pem', ssl_keyfile=d + '/admin.key')
    return dict(security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN', sasl_plain_username='admin',
                sasl_plain_password='admin-secret')


def who(user):
    return 'User:CN=' + user if SETUP['mode'] == 'ssl' else 'User:' + user


def allow(principal, op, rtype, name, perm=ACLPermissionType.ALLOW):
    return ACL(principal=principal, host='*', operation=op, permission_type=perm,
               resource_pattern=ResourcePattern(rtype, name, ACLResourcePatternType.LITERAL))


def consumer_error(bootstrap, group, topic, limit_s=20):
    """The first error a subscribed consumer of carol reports (None if it reads a record first)."""
    errors = []
    c = Consumer(conf(bootstrap, 'carol', **{'group.id': group, 'auto.offset.reset': 'earliest',
                                              'error_cb': lambda e: errors.append(e)}))
    c.subscribe([topic])
    try:
        t0 = time.time()
        while time.time() - t0 < limit_s:
            m = c.poll(0.3)
            if errors:
                return errors[0].code()
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                return m.error().code()
            return None
        return 'timeout'
    finally:
        c.close()


def run(argv):
    bootstrap, prefix = argv[:2]
    SETUP['mode'] = argv[2]
    SETUP['cert_dir'] = argv[3] if len(argv) > 3 else None
    topic_a, topic_b = prefix + '-a', prefix + '-b'
    group_a, group_b = prefix + '-ga', prefix + '-gb'
    tx_ok, tx_no = prefix + '-tx-ok', prefix + '-tx-no'
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **admin_security())
    admin.create_topics([NewTopic(t, 1, 1) for t in (topic_a, topic_b)])
    created = admin.create_acls([
        allow(who('carol'), ACLOperation.WRITE, ResourceType.TOPIC, topic_a),
        allow(who('carol'), ACLOperation.READ, ResourceType.TOPIC, topic_a),
        allow(who('carol'), ACLOperation.READ, ResourceType.GROUP, group_a),
        allow(who('carol'), ACLOperation.WRITE, ResourceType.TRANSACTIONAL_ID, tx_ok),
        allow(who('carol'), ACLOperation.DESCRIBE, ResourceType.TOPIC, topic_b),
        allow(who('carol'), ACLOperation.ALL, ResourceType.GROUP, group_b, ACLPermissionType.DENY),
    ])
    eq(len(created['failed']), 0, 'failed ACL creations')
    admin.close()

    # A transactional producer with an allowed transactional id commits to topic A.
    p = Producer(conf(bootstrap, 'carol', **{'transactional.id': tx_ok, 'linger.ms': 5}))
    p.init_transactions(30)
    p.begin_transaction()
    for i in range(5):
        p.produce(topic_a, b'txn-%d' % i)
    p.commit_transaction(30)
    log('transaction committed with', tx_ok)

    # Another transactional id is refused.
    denied = Producer(conf(bootstrap, 'carol', **{'transactional.id': tx_no}))
    try:
        denied.init_transactions(20)
        raise AssertionError('init_transactions with %s should have failed' % tx_no)
    except KafkaException as e:
        eq(e.args[0].code(), KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'init_transactions(%s)' % tx_no)

    # Idempotent producer: allowed by WRITE on topic A; writing to topic B is refused per message.
    results = {}

    def cb(err, msg):
        results[msg.topic()] = err.code() if err is not None else None

    idem = Producer(conf(bootstrap, 'carol', **{'enable.idempotence': True, 'linger.ms': 5,
                                                'message.timeout.ms': 15000}))
    idem.produce(topic_a, b'idem', callback=cb)
    idem.flush(30)
    eq(results.get(topic_a), None, 'idempotent produce to topic A')
    plain = Producer(conf(bootstrap, 'carol', **{'message.timeout.ms': 10000, 'retries': 0}))
    plain.produce(topic_b, b'no', callback=cb)
    plain.flush(30)
    eq(results.get(topic_b), KafkaError.TOPIC_AUTHORIZATION_FAILED, 'produce to topic B')

    # Consumers: group A reads topic A (read_committed: 5 + 1); group B is denied; topic B is not readable.
    c = Consumer(conf(bootstrap, 'carol', **{'group.id': group_a, 'isolation.level': 'read_committed',
                                              'auto.offset.reset': 'earliest', 'enable.auto.commit': True}))
    c.subscribe([topic_a])
    got = []
    t0 = time.time()
    while len(got) < 6 and time.time() - t0 < 30:
        m = c.poll(0.3)
        if m is None or (m.error() and m.error().code() == KafkaError._PARTITION_EOF):
            continue
        if m.error():
            raise KafkaException(m.error())
        got.append(m.value())
    c.close()
    eq(sorted(got), sorted([b'txn-%d' % i for i in range(5)] + [b'idem']), 'carol reads topic A in group A')
    eq(consumer_error(bootstrap, group_b, topic_a), KafkaError.GROUP_AUTHORIZATION_FAILED, 'carol in group B')
    eq(consumer_error(bootstrap, group_a, topic_b), KafkaError.TOPIC_AUTHORIZATION_FAILED, 'carol reading topic B')
    return {'read': len(got)}


if __name__ == '__main__':
    main(run)

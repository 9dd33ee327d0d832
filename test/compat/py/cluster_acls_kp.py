"""ACLs shared by a cluster, through kafka-python 2.0.2: the admin client, pinned to broker A (node 1, plaintext,
a super user), creates a topic led by broker B (node 2) and ACLs; a consumer bootstrapped from broker B's
SASL_PLAINTEXT listener as a SCRAM user reads that partition (assigned, so it talks to B only) and is refused, then
allowed, then refused again, as the ACLs created on A say. Also measures how long an ACL created on A takes to be
listed by DescribeAcls on broker B.

usage: cluster_acls_kp.py BOOTSTRAP_A BOOTSTRAP_B BOOTSTRAP_B_SASL TOPIC USER PASSWORD COUNT
"""
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, NewTopic,
                         ResourcePattern, ResourcePatternFilter, ResourceType)
import kafka.errors as Errors

from _common import check, eq, log, main


def pinned_admin(bootstrap, node_id):
    """A KafkaAdminClient whose requests all go to `node_id` (kafka-python sends admin requests to any node)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin._client.least_loaded_node = lambda *a, **k: node_id
    return admin


def read(bootstrap_sasl, topic, user, password, count, seconds):
    """Reads partition 0 of `topic` from the start; returns how many records arrived and the error, if any."""
    c = KafkaConsumer(bootstrap_servers=bootstrap_sasl, security_protocol='SASL_PLAINTEXT',
                      sasl_mechanism='SCRAM-SHA-256', sasl_plain_username=user, sasl_plain_password=password,
                      group_id=None, enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    # From offset 0 (no ListOffsets: kafka-python waits forever for the offsets of a partition it is refused).
    c.seek(tp, 0)
    got, err = 0, None
    deadline = time.time() + seconds
    try:
        while got < count and time.time() < deadline:
            try:
                records = c.poll(timeout_ms=300)
            except Errors.KafkaError as e:
                err = type(e).__name__
                break
            got += sum(len(v) for v in records.values())
    finally:
        c.close()
    log('%s read %d records (%s)' % (user, got, err))
    return {'got': got, 'err': err}


def acl(user, topic, permission):
    return ACL(principal='User:' + user, host='*', operation=ACLOperation.READ, permission_type=permission,
               resource_pattern=ResourcePattern(ResourceType.TOPIC, topic, ACLResourcePatternType.LITERAL))


def run(argv):
    bootstrap_a, bootstrap_b, bootstrap_b_sasl, topic, user, password, count = argv[:6] + [int(argv[6])]
    admin_a = pinned_admin(bootstrap_a, 1)
    admin_b = pinned_admin(bootstrap_b, 2)
    admin_a.create_topics([NewTopic(topic, -1, -1, replica_assignments={0: [2, 1, 3]})])
    producer = KafkaProducer(bootstrap_servers=bootstrap_a, acks='all')
    for i in range(count):
        producer.send(topic, value=('r-%d' % i).encode(), partition=0).get(timeout=30)
    producer.close()

    before = read(bootstrap_b_sasl, topic, user, password, count, 4)
    eq(before['got'], 0, 'records read before any ACL')

    created = admin_a.create_acls([acl(user, topic, ACLPermissionType.ALLOW)])
    eq(len(created['failed']), 0, 'failed ACL creations on A')
    t0 = time.time()
    mine = ACLFilter(principal='User:' + user, host=None, operation=ACLOperation.ANY,
                     permission_type=ACLPermissionType.ANY,
                     resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, topic, ACLResourcePatternType.LITERAL))
    while True:
        listed, err = admin_b.describe_acls(mine)
        if len(listed) == 1:
            break
        check(time.time() - t0 < 10, 'the ACL created on A never showed on B')
        time.sleep(0.02)
    visible_ms = int((time.time() - t0) * 1000)
    log('ACL created on A listed by B after %d ms' % visible_ms)

    allowed = read(bootstrap_b_sasl, topic, user, password, count, 20)
    eq(allowed['got'], count, 'records read once allowed')

    created = admin_a.create_acls([acl(user, topic, ACLPermissionType.DENY)])
    eq(len(created['failed']), 0, 'failed DENY creation on A')
    time.sleep(1)
    after = read(bootstrap_b_sasl, topic, user, password, count, 4)
    eq(after['got'], 0, 'records read after the DENY')
    admin_a.close()
    admin_b.close()
    return {'before': before, 'visibleMs': visible_ms, 'allowed': allowed['got'], 'after': after}


main(run)

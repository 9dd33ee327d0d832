"""ACLs through kafka-python 2.0.2, users authenticated by client certificates (MODE ssl: principals
User:CN=<name>) or SASL PLAIN (MODE sasl: principals User:<name>): the super user `admin` creates, describes and deletes ACLs with
KafkaAdminClient; `alice` may read topic A and is denied topic B (an ALLOW for User:* on B loses to her DENY), may
use group GA and not GB; `bob` may write to topics under a prefix only; alice's admin calls are refused.

usage: acls_kp.py BOOTSTRAP PREFIX MODE [CERT_DIR]
"""
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, NewTopic,
                         ResourcePattern, ResourcePatternFilter, ResourceType)
import kafka.errors as Errors

from _common import check, eq, log, main

SETUP = {}


def sec(user):
    """kafka-python settings that log `user` in."""
    if SETUP['mode'] == 'ssl':
        d = SETUP['cert_dir']
        return dict(security_protocol='SSL', ssl_check_hostname=True, ssl_cafile=d + '/ca.pem',
                    ssl_certfile='%s/%s.pem' % (d, user), ssl_keyfile='%s/%s.key' % (d, user))
    return dict(security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN', sasl_plain_username=user,
                sasl_plain_password=user + '-secret')


def who(user):
    """The principal the broker gives `user`."""
    return 'User:CN=' + user if SETUP['mode'] == 'ssl' else 'User:' + user


def acl(principal, op, perm, rtype, name, pattern=ACLResourcePatternType.LITERAL):
    return ACL(principal=principal, host='*', operation=op, permission_type=perm,
               resource_pattern=ResourcePattern(rtype, name, pattern))


def read_all(bootstrap, user, topic, group, expect):
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                      enable_auto_commit=True, auto_commit_interval_ms=200, consumer_timeout_ms=8000, **sec(user))
    got = [m.value for m in c]
    c.close()
    eq(len(got), expect, '%s reads %s in group %s' % (user, topic, group))
    return got


def refused(fn, error, what):
    try:
        fn()
    except error:
        log('refused as expected:', what)
        return
    except Exception as e:  # noqa
        raise AssertionError('%s: expected %s, got %r' % (what, error.__name__, e))
    raise AssertionError('%s: expected %s, nothing was raised' % (what, error.__name__))


def run(argv):
    bootstrap, prefix = argv[:2]
    SETUP['mode'] = argv[2]
    SETUP['cert_dir'] = argv[3] if len(argv) > 3 else None
    topic_a, topic_b, team_topic = prefix + '-a', prefix + '-b', prefix + '-team-x'
    group_a, group_b = prefix + '-ga', prefix + '-gb'

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **sec('admin'))
    admin.create_topics([NewTopic(t, 1, 1) for t in (topic_a, topic_b, team_topic)])
    acls = [
        acl(who('alice'), ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC, topic_a),
        acl('User:*', ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.TOPIC, topic_b),
        acl(who('alice'), ACLOperation.READ, ACLPermissionType.DENY, ResourceType.TOPIC, topic_b),
        acl(who('alice'), ACLOperation.READ, ACLPermissionType.ALLOW, ResourceType.GROUP, group_a),
        acl(who('bob'), ACLOperation.WRITE, ACLPermissionType.ALLOW, ResourceType.TOPIC, prefix + '-team-',
            ACLResourcePatternType.PREFIXED),
    ]
    created = admin.create_acls(acls)
    eq(len(created['failed']), 0, 'failed creations')
    eq(len(created['succeeded']), len(acls), 'created ACLs')

    everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                           permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
    listed, error = admin.describe_acls(everything)
    eq(error, Errors.NoError, 'describe_acls error')
    eq(sorted((a.principal, a.resource_pattern.resource_name, a.permission_type.name) for a in listed),
       sorted((a.principal, a.resource_pattern.resource_name, a.permission_type.name) for a in acls), 'described ACLs')
    match_b = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                        resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, topic_b, ACLResourcePatternType.MATCH))
    on_b, _ = admin.describe_acls(match_b)
    eq(sorted((a.principal, a.permission_type.name) for a in on_b), sorted([('User:*', 'ALLOW'), (who('alice'), 'DENY')]),
       'ACLs that apply to topic B')
    match_team = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                           permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, team_topic,
                                                                  ACLResourcePatternType.MATCH))
    on_team, _ = admin.describe_acls(match_team)
    eq([(a.principal, a.resource_pattern.pattern_type.name) for a in on_team], [(who('bob'), 'PREFIXED')],
       'the prefixed ACL applies to the team topic')

    # The super user writes to both topics.
    p = KafkaProducer(bootstrap_servers=bootstrap, **sec('admin'))
    for t in (topic_a, topic_b):
        for i in range(10):
            p.send(t, b'%s-%d' % (t.encode(), i))
    p.flush()
    p.close()

    # alice: topic A in group A works; topic B is refused (DENY beats the User:* ALLOW); group B is refused.
    read_all(bootstrap, 'alice', topic_a, group_a, 10)

    def read_b():
        c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset='earliest', **sec('alice'))
        c.assign([TopicPartition(topic_b, 0)])
        try:
            for _ in range(20):
                c.poll(timeout_ms=500)
        finally:
            c.close()
    refused(read_b, Errors.TopicAuthorizationFailedError, 'alice fetching topic B')

    def join_b():
        c = KafkaConsumer(topic_a, bootstrap_servers=bootstrap, group_id=group_b, auto_offset_reset='earliest',
                          **sec('alice'))
        try:
            for _ in range(20):
                c.poll(timeout_ms=500)
        finally:
            c.close()
    refused(join_b, Errors.GroupAuthorizationFailedError, 'alice using group B')

    # alice may not write (READ only); bob writes under his prefix and nowhere else.
    def produce(user, topic):
        pr = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=5000, retries=0, **sec(user))
        try:
            pr.send(topic, b'x').get(timeout=10)
        finally:
            pr.close()
    refused(lambda: produce('alice', topic_a), Errors.TopicAuthorizationFailedError, 'alice writing topic A')
    produce('bob', team_topic)
    # bob may not even describe topic A: kafka-python 2.0.2's producer keeps asking for its metadata until
    # max_block_ms; its admin client shows the broker's answer.
    pr = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=3000, retries=0, **sec('bob'))
    try:
        refused(lambda: pr.send(topic_a, b'x').get(timeout=10), Errors.KafkaTimeoutError, 'bob writing topic A')
    finally:
        pr.close()
    bob_admin = KafkaAdminClient(bootstrap_servers=bootstrap, **sec('bob'))
    described = bob_admin.describe_topics([topic_a, team_topic])
    bob_admin.close()
    eq(sorted((d['topic'], d['error_code']) for d in described),
       sorted([(topic_a, Errors.TopicAuthorizationFailedError.errno), (team_topic, 0)]), 'bob describing topics')

    # alice's admin calls need the cluster permissions she lacks.
    alice_admin = KafkaAdminClient(bootstrap_servers=bootstrap, **sec('alice'))
    try:
        _, alice_error = alice_admin.describe_acls(everything)
    except Errors.ClusterAuthorizationFailedError:
        alice_error = Errors.ClusterAuthorizationFailedError
    eq(alice_error, Errors.ClusterAuthorizationFailedError, 'alice describing ACLs')
    alice_created = alice_admin.create_acls([acl(who('alice'), ACLOperation.READ, ACLPermissionType.ALLOW,
                                                 ResourceType.TOPIC, topic_b)])
    eq(len(alice_created['failed']), 1, 'alice creating an ACL')
    alice_admin.close()

    # Deleting alice's DENY lets the User:* ALLOW through: alice now reads topic B.
    deny_filter = ACLFilter(principal=who('alice'), host=None, operation=ACLOperation.ANY,
                            permission_type=ACLPermissionType.DENY,
                            resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, topic_b,
                                                                   ACLResourcePatternType.LITERAL))
    deleted = admin.delete_acls([deny_filter])
    eq(len(deleted), 1, 'filter results')
    _, matching, filter_error = deleted[0]
    eq(filter_error, Errors.NoError, 'delete filter error')
    eq([(m[0].principal, m[0].permission_type.name, m[1]) for m in matching],
       [(who('alice'), 'DENY', Errors.NoError)], 'deleted ACLs')
    read_all(bootstrap, 'alice', topic_b, group_a, 10)
    admin.close()
    return {'acls': len(acls)}


if __name__ == '__main__':
    main(run)

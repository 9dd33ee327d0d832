"""kafka-python against Samsa with bad group input: each call fails with the error class kafka-python maps from
Kafka's code, and nothing is stored.

usage: groups_kp_bad.py BOOTSTRAP TOPIC GROUP
"""
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import InvalidSessionTimeoutError, OffsetMetadataTooLargeError, UnknownTopicOrPartitionError
from kafka.structs import OffsetAndMetadata

from _common import CheckFailed, check, eq, log, main


def expect(exc, fn, what):
    try:
        fn()
    except exc as e:
        log(what, '->', type(e).__name__)
        return type(e).__name__
    except Exception as e:  # the wrong error is a failure too
        raise CheckFailed('%s: expected %s, got %s: %s' % (what, exc.__name__, type(e).__name__, e))
    raise CheckFailed('%s: expected %s, nothing was raised' % (what, exc.__name__))


def run(argv):
    bootstrap, topic, group = argv
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 2, 1)])
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    seen = []
    seen.append(expect(OffsetMetadataTooLargeError, lambda: c.commit({tp: OffsetAndMetadata(5, 'x' * 4097)}), 'oversized metadata'))
    # kafka-python treats UNKNOWN_TOPIC_OR_PARTITION as retriable, so a sync commit would retry forever (as it does
    # against Kafka): use an async commit and look at what its callback gets.
    def async_error(offsets, what):
        got = []
        c.commit_async(offsets, callback=lambda _offsets, result: got.append(result))
        for _ in range(100):
            if got:
                break
            c.poll(timeout_ms=100)
        check(got, what + ': the commit callback was called')
        check(isinstance(got[0], UnknownTopicOrPartitionError), what + ': UnknownTopicOrPartitionError', got[0])
        log(what, '->', type(got[0]).__name__)
        return type(got[0]).__name__

    seen.append(async_error({TopicPartition(topic, 9): OffsetAndMetadata(5, '')}, 'unknown partition'))
    seen.append(async_error({TopicPartition(topic + '-missing', 0): OffsetAndMetadata(5, '')}, 'unknown topic'))
    eq(c.committed(tp), None, 'nothing committed for the partition after the failures')
    c.commit({tp: OffsetAndMetadata(7, 'ok')})
    eq(c.committed(tp), 7, 'a good commit still works')
    c.close()

    bad = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group + '-short', session_timeout_ms=1000,
                        heartbeat_interval_ms=300, request_timeout_ms=5000)
    seen.append(expect(InvalidSessionTimeoutError, lambda: bad.poll(timeout_ms=5000), 'session timeout below group.min.session.timeout.ms'))
    bad.close()

    desc = admin.describe_consumer_groups([group + '-unknown'])[0]
    eq(desc.state, 'Dead', 'an unknown group is described as Dead')
    eq(admin.list_consumer_group_offsets(group + '-unknown'), {}, 'an unknown group has no offsets')
    groups = [g for g, _ in admin.list_consumer_groups()]
    check(group in groups, 'the group with a committed offset is listed', groups)
    admin.close()
    return {'errors': seen}


if __name__ == '__main__':
    main(run)

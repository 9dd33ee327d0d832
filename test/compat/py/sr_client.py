"""confluent-kafka-python's SchemaRegistryClient against Samsa's schema registry: register, get_latest_version,
get_schema, lookup, test_compatibility, set_compatibility, an incompatible registration refused, delete_subject.
(The client's Avro serializer needs fastavro, which the system packages do not install.)

usage: sr_client.py REGISTRY_URL SUBJECT_PREFIX
"""
import json

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from _common import check, eq, log, main


def record(fields):
    return json.dumps({'type': 'record', 'name': 'Py', 'namespace': 'samsa.test', 'fields': fields})


def run(argv):
    url, prefix = argv
    sr = SchemaRegistryClient({'url': url})
    subject = prefix + '-value'
    v1 = Schema(record([{'name': 'a', 'type': 'int'}]), 'AVRO')
    sid = sr.register_schema(subject, v1)
    log('registered id', sid)
    check(isinstance(sid, int) and sid > 0, 'register returns an id', sid)
    eq(sr.register_schema(subject, v1), sid, 'registering again returns the same id')

    latest = sr.get_latest_version(subject)
    eq(latest.schema_id, sid, 'latest id')
    eq(latest.version, 1, 'latest version')
    eq(latest.subject, subject, 'latest subject')
    eq(json.loads(latest.schema.schema_str), json.loads(v1.schema_str), 'latest schema')
    eq(json.loads(sr.get_schema(sid).schema_str), json.loads(v1.schema_str), 'schema by id')
    eq(sr.lookup_schema(subject, v1).version, 1, 'lookup')
    eq(sr.get_subjects().count(subject), 1, 'subject listed')
    eq(sr.get_versions(subject), [1], 'versions')

    # Compatibility: BACKWARD by default; a field without default breaks it.
    breaking = Schema(record([{'name': 'a', 'type': 'int'}, {'name': 'b', 'type': 'string'}]), 'AVRO')
    fine = Schema(record([{'name': 'a', 'type': 'int'}, {'name': 'b', 'type': 'string', 'default': ''}]), 'AVRO')
    eq(sr.test_compatibility(subject, breaking), False, 'test_compatibility of a breaking change')
    eq(sr.test_compatibility(subject, fine), True, 'test_compatibility of a compatible change')
    try:
        sr.register_schema(subject, breaking)
        check(False, 'an incompatible schema was registered')
    except SchemaRegistryError as e:
        eq(e.http_status_code, 409, 'incompatible: HTTP status')
        eq(e.error_code, 409, 'incompatible: error code')

    eq(sr.set_compatibility(subject_name=subject, level='NONE'), {'compatibility': 'NONE'}, 'set_compatibility')
    eq(sr.get_compatibility(subject), 'NONE', 'get_compatibility')
    eq(sr.test_compatibility(subject, breaking), True, 'NONE accepts anything')
    sid2 = sr.register_schema(subject, breaking)
    check(sid2 != sid, 'a new schema gets a new id')
    eq(sr.get_latest_version(subject).version, 2, 'second version')

    try:
        sr.get_schema(987654)
        check(False, 'an unknown id was found')
    except SchemaRegistryError as e:
        eq(e.error_code, 40403, 'unknown id')

    eq(sr.delete_subject(subject), [1, 2], 'delete_subject')
    return {'id': sid, 'id2': sid2}


if __name__ == '__main__':
    main(run)

"""kafka-python's admin client describes the ACLs of one topic (what the console's ACL page created or removed).

usage: console_acls_kp.py BOOTSTRAP TOPIC
prints {"acls": [[principal, host, operation, permission, pattern], ...]} sorted.
"""
from _common import log, main
from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                         ResourcePatternFilter, ResourceType)


def run(argv):
    bootstrap, topic = argv
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='console-acls-kp')
    try:
        acls, error = admin.describe_acls(ACLFilter(
            principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, topic, ACLResourcePatternType.ANY)))
        log('describe_acls', error, len(acls))
        rows = sorted([a.principal, a.host, a.operation.name, a.permission_type.name,
                       a.resource_pattern.pattern_type.name] for a in acls)
        return {'acls': rows, 'error': type(error).__name__}
    finally:
        admin.close()


main(run)
